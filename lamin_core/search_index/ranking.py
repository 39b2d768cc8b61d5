"""How well a record matches a query: one ranking for every backend (SQLite, PostgreSQL, in memory).

Tiers, best first, per field value (a record takes its best value):

0. exact name or identifier      the value equals the query, also without spaces ("tcell") or with the
                                 tokens in another order ("cell T")
1. exact synonym                 the same for a synonym-like field (synonyms, abbreviation)
2. prefix                        the value starts with the query (or its compact form)
3. whole tokens                  every query token is a token of the value, in any order
4. substring                     the query (or its compact form) is inside the value, or every query
                                 token is: long tokens anywhere, short ones (< 3 characters) as a word start
5. fuzzy                         every query token is a token of the value or close to one (rapidfuzz
                                 ratio >= FUZZY_CUTOFF); short tokens must match exactly, tokens with
                                 digits must occur as typed

Descriptions (free text) only match from tier 3 on. Within a tier: the shorter completion (prefix), the
fewer extra tokens (whole tokens), the earlier position (substring) or the higher similarity (fuzzy)
first; then names before identifiers before synonyms before text, the shorter value, the shorter record
name and finally the record's id, so equal inputs always give the same order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from rapidfuzz import fuzz

from .fields import ID, NAME, TEXT
from .text import normalize

MAX_QUERY_LENGTH = 200  # longer queries are cut to this many characters
SHORT_TOKEN = 3  # tokens shorter than this cannot use a trigram index and must start a word
FUZZY_CUTOFF = 75.0

TIER_EXACT, TIER_SYNONYM, TIER_PREFIX, TIER_TOKENS, TIER_SUBSTRING, TIER_FUZZY = range(6)


@dataclass(frozen=True)
class Query:
    """A search string, cut and normalized, with the forms the tiers compare."""

    raw: str
    text: str
    tokens: tuple[str, ...]
    compact: str
    ordered: str  # tokens sorted: order-insensitive comparisons
    token_set: frozenset[str] = frozenset()
    long_tokens: tuple[str, ...] = ()  # distinct tokens a trigram index can find (>= 3 characters)
    digit_tokens: frozenset[str] = frozenset()  # tokens with digits: never corrected as misspellings


def parse(string: str) -> Query:
    """The query for `string`: cut to MAX_QUERY_LENGTH characters, then normalized."""
    if not isinstance(string, str):
        raise TypeError(f"search() expects a string, got {type(string).__name__}")
    raw = string[:MAX_QUERY_LENGTH]
    text = normalize(raw)
    tokens = tuple(text.split(" ")) if text else ()
    return Query(
        raw=raw,
        text=text,
        tokens=tokens,
        compact="".join(tokens),
        ordered=" ".join(sorted(tokens)),
        token_set=frozenset(tokens),
        long_tokens=tuple(t for t in dict.fromkeys(tokens) if len(t) >= SHORT_TOKEN),
        digit_tokens=frozenset(t for t in tokens if has_digit(t)),
    )


def has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)


@functools.lru_cache(maxsize=200_000)
def _shape(value: str) -> tuple[tuple[str, ...], str, frozenset[str], str]:
    """A normalized value's words, compact form, word set and sorted words (cached: values recur)."""
    words = tuple(value.split(" "))
    return words, "".join(words), frozenset(words), " ".join(sorted(words))


@functools.lru_cache(maxsize=200_000)
def _close(token: str, word: str) -> bool:
    return fuzz.ratio(token, word, score_cutoff=FUZZY_CUTOFF) > 0


def _fuzzy_tokens_match(query: Query, words: tuple[str, ...], word_set: frozenset[str]) -> bool:
    for token in query.token_set:
        if token in word_set:
            continue
        if len(token) < SHORT_TOKEN:
            return False
        if token in query.digit_tokens:  # numbers and identifiers are not misspelled words
            if not any(token in word for word in words):
                return False
        elif not any(_close(token, word) for word in words):
            return False
    return True


def _aligned(compact: str, words: list[str]) -> int:
    """Where `compact` spells whole consecutive words of a value without their spaces ("tcell" in
    "cd8 positive t cell"; not "eosinophill" in "eosinophil leucocyte"): a character offset, or -1."""
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if joined == compact:
                return sum(len(w) + 1 for w in words[:start])
            if len(joined) >= len(compact) or not compact.startswith(joined):
                break
    return -1


def _compact_prefix(compact: str, words: list[str]) -> int | None:
    """For a value whose compact form starts with `compact`: 0 if `compact` ends at a word boundary,
    _INSIDE_WORD if it ends at least 2 characters into a word ("tcel" of "t cell"), else None (one
    character into a word is more likely a typo: "neuronn" is not "neuron n...")."""
    covered = 0
    for word in words:
        if covered + len(word) >= len(compact):
            tail = len(compact) - covered
            return 0 if tail == len(word) else _INSIDE_WORD if tail >= 2 else None
        covered += len(word)
    return None


# a prefix that ends inside a word ("t" of "tfh") ranks after every one that ends at a word boundary ("t"
# of "t cell"), whatever the completion lengths
_INSIDE_WORD = 10_000


def value_key(query: Query, role: int, value: str, fuzzy: bool = True) -> tuple | None:
    """The rank key of one normalized field value (lower is better), or None if it does not match.

    `fuzzy=False` skips the fuzzy tier (when the record already matches better through another value).
    """
    q = query.text
    if value == q:
        if role == TEXT:
            return (TIER_TOKENS, 0, role, len(value))
        return (TIER_EXACT if role in (NAME, ID) else TIER_SYNONYM, 0, role, len(value))
    words, compact, word_set, ordered = _shape(value)
    if role != TEXT:
        strong = TIER_EXACT if role in (NAME, ID) else TIER_SYNONYM
        if compact == query.compact or (len(words) > 1 and ordered == query.ordered):
            return (strong, 1, role, len(value))
        if value.startswith(q):
            inside = 0 if value[len(q)] == " " else _INSIDE_WORD
            return (TIER_PREFIX, inside + len(value) - len(q), role, len(value))
        if compact.startswith(query.compact):
            inside = _compact_prefix(query.compact, words)
            if inside is not None:
                return (TIER_PREFIX, inside + len(compact) - len(query.compact), role, len(value))
    if query.token_set <= word_set:
        return (TIER_TOKENS, len(word_set) - len(query.token_set), role, len(value))
    position = value.find(q)
    if position < 0 and role != TEXT and query.compact in compact:
        position = _aligned(query.compact, words)
    if position < 0 and all(
        (t in value) if len(t) >= SHORT_TOKEN else any(w.startswith(t) for w in words)
        for t in query.token_set
    ):
        position = len(value)
    if position >= 0:
        return (TIER_SUBSTRING, position, role, len(value))
    if fuzzy and query.long_tokens and _fuzzy_tokens_match(query, words, word_set):
        similarity = fuzz.ratio(query.ordered, ordered)
        return (TIER_FUZZY, -round(similarity, 6), role, len(value))
    return None


def record_key(query: Query, values: list[tuple[int, str]]) -> tuple | None:
    """The best key over a record's (role, normalized value) pairs, or None if nothing matches."""
    best = None
    for role, value in values:
        key = value_key(query, role, value, best is None or best[0] == TIER_FUZZY)
        if key is not None and (best is None or key < best):
            best = key
            if key[0] == TIER_EXACT and key[1] == 0 and role == NAME:
                break
    return best
