"""Ranked search over an in-memory vocabulary of terms (names and synonyms) — public ontologies.

Ranking, best first: exact identifier or name > exact synonym > prefix > whole tokens > substring >
fuzzy (rapidfuzz). Matching ignores case, punctuation and token order ("tcell", "T-cell", "cell T" all
find "T cell"). Within a tier: shorter completions and fewer extra tokens first, names before synonyms,
then the shorter term name and the identifier, so equal queries always give the same order.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

MAX_QUERY_LENGTH = 200
FUZZY_CUTOFF = 75.0
_NON_ALNUM = re.compile(r"[\W_]+")
NAME, SYNONYM = 0, 1
TIER_EXACT, TIER_SYNONYM, TIER_PREFIX, TIER_TOKENS, TIER_SUBSTRING, TIER_FUZZY = range(6)


def normalize(text: str) -> str:
    """Case-folded, punctuation to single spaces: "CD8-positive, T cell" -> "cd8 positive t cell"."""
    return _NON_ALNUM.sub(" ", text.casefold()).strip()


class Vocabulary:
    """Indexes over the names and synonyms of a list of terms, built once per public source."""

    def __init__(self, ids: Sequence[str], names: Sequence[str | None], synonyms: Sequence[Sequence[str]]):
        self.ids = list(ids)
        self.names = [name or "" for name in names]
        entries: list[str] = []
        terms: list[int] = []
        kinds: list[int] = []
        for term, (name, syns) in enumerate(zip(self.names, synonyms, strict=True)):
            seen = set()
            for kind, text in [(NAME, name), *((SYNONYM, s) for s in syns)]:
                norm = normalize(text) if text else ""
                if norm and norm not in seen:
                    seen.add(norm)
                    entries.append(norm)
                    terms.append(term)
                    kinds.append(kind)
        self.entries, self.terms, self.kinds = entries, terms, kinds
        # exact keys: the text, the text without spaces ("tcell"), the tokens sorted ("cell t")
        self.exact: dict[str, list[int]] = {}
        self.tokens: dict[str, list[int]] = {}
        compacts: list[str] = []
        sorted_forms: list[str] = []
        exact, tokens = self.exact, self.tokens
        for e, norm in enumerate(entries):
            words = norm.split()
            compact = "".join(words)
            ordered = " ".join(sorted(words)) if len(words) > 1 else norm
            compacts.append(compact)
            sorted_forms.append(ordered)
            exact.setdefault(norm, []).append(e)
            if compact != norm:
                exact.setdefault(compact, []).append(e)
            if ordered != norm:
                exact.setdefault(ordered, []).append(e)
            for word in set(words):
                tokens.setdefault(word, []).append(e)
        order = sorted(range(len(entries)), key=entries.__getitem__)
        self._sorted = [entries[e] for e in order]
        self._sorted_ids = order
        order = sorted(range(len(entries)), key=compacts.__getitem__)
        self._compact = [compacts[e] for e in order]
        self._compact_ids = order
        self._by_id: dict[str, int] = {}
        for term, term_id in enumerate(self.ids):
            self._by_id[term_id.casefold()] = term
            self._by_id[normalize(term_id)] = term
        # fuzzy matching compares token-sorted forms (token order does not matter), each once
        self._fuzzy_entries: dict[str, list[int]] = {}
        for e, ordered in enumerate(sorted_forms):
            self._fuzzy_entries.setdefault(ordered, []).append(e)
        self._choices = list(self._fuzzy_entries)

    def rank(self, query: str, limit: int = 20) -> list[int]:
        """Term positions that match `query`, best first (at most `limit`)."""
        if not isinstance(query, str):
            raise TypeError(f"search() expects a string, got {type(query).__name__}")
        query = query[:MAX_QUERY_LENGTH]
        q = normalize(query)
        if not q or limit <= 0:
            return []
        best: dict[int, tuple] = {}

        def offer(entry: int, tier: int, sub: float) -> None:
            term = self.terms[entry]
            key = (tier, sub, self.kinds[entry], len(self.entries[entry]))
            if term not in best or key < best[term]:
                best[term] = key

        term = self._by_id.get(query.strip().casefold(), self._by_id.get(q))
        if term is not None:
            best[term] = (TIER_EXACT, -1, NAME, 0)
        words = q.split()
        compact = q.replace(" ", "")
        for key in {q, compact, " ".join(sorted(words))}:
            for e in self.exact.get(key, ()):
                offer(e, TIER_EXACT if self.kinds[e] == NAME else TIER_SYNONYM, 0)
        for keys, ids, prefix in (
            (self._sorted, self._sorted_ids, q),
            (self._compact, self._compact_ids, compact),
        ):
            start = bisect.bisect_left(keys, prefix)
            stop = bisect.bisect_left(keys, prefix + "\U0010ffff")
            for pos in range(start, stop):
                e = ids[pos]
                offer(e, TIER_PREFIX, len(self.entries[e]))
        lists = [self.tokens.get(w) for w in dict.fromkeys(words)]
        if all(lists):
            lists.sort(key=len)
            common = set(lists[0]).intersection(*lists[1:])
            for e in common:
                offer(e, TIER_TOKENS, len(self.entries[e].split()) - len(words))
        if len(best) < limit:
            for e, norm in enumerate(self.entries):
                pos = norm.find(q)
                if pos >= 0:
                    offer(e, TIER_SUBSTRING, pos)
        if len(best) < limit:
            from rapidfuzz import fuzz, process

            ordered = " ".join(sorted(words))
            matches = process.extract(
                ordered, self._choices, scorer=fuzz.ratio, limit=limit * 2, score_cutoff=FUZZY_CUTOFF
            )
            for choice, score, _ in matches:
                for e in self._fuzzy_entries[choice]:
                    offer(e, TIER_FUZZY, -score)
        ranked = sorted(best, key=lambda t: (best[t], len(self.names[t]), self.ids[t]))
        return ranked[:limit]
