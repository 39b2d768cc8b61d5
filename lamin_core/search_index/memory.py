"""The search engine over records held in memory (public ontologies): same steps, same ranking.

`Vocabulary(ids, names, synonyms).rank(query, limit)` returns term positions, best first; it is what
`bt.X.public().search()` needs. `MemoryIndex` is the general form (any fields and roles).

The index mirrors the SQLite one: per record an index document (`text.doc` format, "| t cell | t
lymphocyte |") and a compact document ("|tcell|tlymphocyte|"), all records joined into one string per
kind, searched with `str.find` for the same phrases the FTS5 queries use.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Sequence

from . import engine
from .fields import ID, NAME, SYNONYM, TEXT, SearchField
from .ranking import SHORT_TOKEN, Query, has_digit, parse
from .text import values as split_values
from .vocabulary import WordList


class _Blob:
    """Documents joined with newlines; `find(needle)` gives the positions of those that contain it."""

    def __init__(self, documents: list[str]):
        self.starts: list[int] = []
        offset = 0
        for document in documents:
            self.starts.append(offset)
            offset += len(document) + 1
        self.text = "\n".join(documents)

    def find(self, needle: str) -> set[int]:
        found: set[int] = set()
        text, starts = self.text, self.starts
        position = text.find(needle)
        while position >= 0:
            item = bisect.bisect_right(starts, position) - 1
            found.add(item)
            if item + 1 >= len(starts):
                break
            position = text.find(needle, starts[item + 1])  # one hit per document is enough
        return found


class MemoryIndex:
    """Records (tuples of raw field values) indexed for the search steps."""

    def __init__(self, rows: Sequence[tuple], fields: Sequence[SearchField], primary: int | None = 0):
        self.rows = list(rows)
        self.fields = list(fields)
        self.primary = primary
        labels, everything, compacts = [], [], []
        for row in self.rows:
            label_values: list[str] = []
            all_values: list[str] = []
            compact_values: list[str] = []
            for field, raw in zip(self.fields, row, strict=True):
                found = split_values(raw)
                all_values += found
                if field.role != TEXT:
                    label_values += found
                    if field.compact:
                        compact_values += [v.replace(" ", "") for v in found]
            labels.append("| " + " | ".join(label_values) + " |")
            everything.append("| " + " | ".join(all_values) + " |")
            compacts.append("|" + "|".join(compact_values) + "|")
        self._labels = _Blob(labels)
        self._all = _Blob(everything)
        self._compact = _Blob(compacts)
        self.words = WordList.from_texts(everything)

    def _all_of(self, groups: list[list[str]], blob: _Blob) -> set[int]:
        """Records that contain, for every group, one of its needles."""
        found: set[int] | None = None
        for group in groups:
            hits: set[int] = set()
            for needle in group:
                hits |= blob.find(needle)
            found = hits if found is None else found & hits
            if not found:
                return set()
        return found or set()

    def _matches(self, step: str, query: Query) -> set[int]:
        q, qc = query.text, query.compact
        if step in ("exact", "prefix"):
            end = " |" if step == "exact" else ""
            found = self._labels.find(f"| {q}{end}")
            if len(qc) >= 2:
                found |= self._compact.find(f"|{qc}{end.strip()}")
            return found
        if step == "tokens":
            return self._all_of([[f" {t} "] for t in query.token_set], self._all)
        if step == "substring":
            found = self._all_of([[t] for t in query.long_tokens], self._all) if query.long_tokens else set()
            if len(qc) >= SHORT_TOKEN:
                found |= self._compact.find(qc)
            return found
        if step == "fuzzy":
            if not query.long_tokens:
                return set()
            groups = []
            for token in sorted(query.token_set):
                if len(token) < SHORT_TOKEN:
                    groups.append([f" {token} "])
                    continue
                close = [] if has_digit(token) else self.words.close(token)
                groups.append([token, *(w for w in close if w != token and len(w) >= SHORT_TOKEN)])
            return self._all_of(groups, self._all)
        return set()

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple[Hashable, tuple]]:
        positions = sorted(self._matches(step, query))
        if cap is not None:
            positions = positions[:cap]
        return [(p, self.rows[p]) for p in positions]

    def rank(self, query: str, limit: int | None = 20) -> list[int]:
        """Record positions matching `query`, best first (at most `limit`; an empty query: none)."""
        parsed = parse(query)
        if not parsed.text:
            return []
        return engine.rank(self, parsed, limit)


class Vocabulary(MemoryIndex):
    """Terms of a public source: identifier, name and synonyms.

    Ties are broken by the term's position, which `ids` order gives.
    """

    def __init__(self, ids: Sequence[str], names: Sequence[str | None], synonyms: Sequence[Sequence[str]]):
        self.ids = list(ids)
        self.names = [name or "" for name in names]
        rows = [
            (name, list(syns), term_id)
            for name, syns, term_id in zip(self.names, synonyms, self.ids, strict=True)
        ]
        fields = [
            SearchField("name", NAME, compact=True),
            SearchField("synonyms", SYNONYM, compact=True),
            SearchField("ontology_id", ID, compact=True),
        ]
        super().__init__(rows, fields, primary=0)
