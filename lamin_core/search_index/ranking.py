"""How well a record matches a query: one ranking for every backend (SQLite, PostgreSQL, in memory).

Tiers, best first, per field value (a record takes its best value):

0. exact name or identifier      the value equals the query, also without spaces ("tcell") or with the
                                 tokens in another order ("cell T")
1. exact synonym                 the same for a synonym-like field (synonyms, abbreviation)
2. exact full name               the same for a full-name field (a gene's "tumor protein p53")
3. prefix                        the value starts with the query (or its compact form)
4. whole tokens                  every query token is a token of the value, in any order
5. substring                     the query (or its compact form) is inside the value, or every query
                                 token is: long tokens anywhere, short ones (< 3 characters) as a word start
6. fuzzy                         every query token is a token of the value or a close spelling of one:
                                 words of letters by similarity (rapidfuzz ratio >= FUZZY_CUTOFF), words
                                 with digits ("smda4", "cdnk1a") by one edit of their letters (a
                                 transposition, a dropped, doubled or wrong letter) with the same digits in
                                 the same order ("il6" is never "il8"); short tokens must match exactly
7. inside words                  a substring match (tier 5) where a query token occurs only inside words,
                                 not at their start: "astma" in "Eastman" ranks after "asthma"

Descriptions (free text) only match from tier 4 on. Within a tier: the shorter completion (prefix), the
fewer extra tokens (whole tokens), the earlier position (substring) or the fewer edits, the likelier
kind of edit (a transposition before a letter too many, a letter dropped, a wrong letter, a digit moved),
the stronger role and the higher similarity (fuzzy) first; then names before identifiers before
synonyms before full names before text, the shorter value, the shorter record name and finally the
record's id, so equal inputs always give the same order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from .fields import FULL_NAME, ID, NAME, SYNONYM, TEXT
from .text import normalize

MAX_QUERY_LENGTH = 200  # longer queries are cut to this many characters
SHORT_TOKEN = 3  # tokens shorter than this cannot use a trigram index and must start a word
FUZZY_CUTOFF = 75.0
# edits of a word with digits that still count as a misspelling of it (its letters only)
ALNUM_EDITS = 1

(
    TIER_EXACT,
    TIER_SYNONYM,
    TIER_FULL_NAME,
    TIER_PREFIX,
    TIER_TOKENS,
    TIER_SUBSTRING,
    TIER_FUZZY,
    TIER_INSIDE,
) = range(8)
# the tier of an exact match, per role
_STRONG = {NAME: TIER_EXACT, ID: TIER_EXACT, SYNONYM: TIER_SYNONYM, FULL_NAME: TIER_FULL_NAME}


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
    digit_tokens: frozenset[str] = frozenset()  # tokens with digits: corrected in their letters only


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


def digits(token: str) -> str:
    """The digits of a token, in order ("cdkn1a" -> "1")."""
    return "".join(c for c in token if c.isdigit())


def correctable(token: str) -> bool:
    """Whether a token may be matched as a misspelling: long enough, and with a letter to correct."""
    return len(token) >= SHORT_TOKEN and any(c.isalpha() for c in token)


@functools.lru_cache(maxsize=200_000)
def _shape(value: str) -> tuple[tuple[str, ...], str, frozenset[str], str]:
    """A normalized value's words, compact form, word set and sorted words (cached: values recur)."""
    words = tuple(value.split(" "))
    return words, "".join(words), frozenset(words), " ".join(sorted(words))


# kinds of a one-edit misspelling, the likelier first: the word with two letters swapped, with a letter
# the token lacks or doubles, with a letter dropped from it, with another letter, with a digit moved
_SWAPPED, _EXTRA, _DROPPED, _WRONG, _DIGIT_MOVED = range(5)


@functools.lru_cache(maxsize=200_000)
def typo_cost(token: str, word: str) -> tuple[int, int] | None:
    """(edits, kind) that make `word` out of the misspelt `token` if it is a close spelling of it.

    Words of letters: rapidfuzz ratio >= FUZZY_CUTOFF (the edits counted as OSA distance). Tokens with
    digits: at most ALNUM_EDITS edits (a transposition counts as one), the digits unchanged and in order.
    `kind` tells one-edit misspellings apart (transposed < letter too many < letter dropped < wrong
    letter < digit moved); 0 for more edits.
    """
    if has_digit(token):
        if not correctable(token) or len(word) < SHORT_TOKEN or digits(word) != digits(token):
            return None
        distance = OSA.distance(token, word, score_cutoff=ALNUM_EDITS)
        if distance > ALNUM_EDITS:
            return None
    else:
        if fuzz.ratio(token, word, score_cutoff=FUZZY_CUTOFF) == 0:
            return None
        distance = OSA.distance(token, word)
    return distance, _edit_kind(token, word) if distance == 1 else 0


def _edit_kind(token: str, word: str) -> int:
    """The kind of the one edit between `token` and `word`."""
    if len(token) > len(word):
        return _EXTRA
    if len(token) < len(word):
        return _DROPPED
    i = next(i for i, (a, b) in enumerate(zip(token, word, strict=True)) if a != b)
    if i + 1 < len(token) and token[i] == word[i + 1] and token[i + 1] == word[i]:
        return _DIGIT_MOVED if token[i].isdigit() or token[i + 1].isdigit() else _SWAPPED
    return _WRONG


def _fuzzy_edits(query: Query, words: tuple[str, ...], word_set: frozenset[str]) -> tuple | None:
    """(edits, kinds) over all query tokens for a value whose every token is a word of it or close to
    one; None if some token is neither."""
    edits = kinds = 0
    for token in query.token_set:
        if token in word_set:
            continue
        if len(token) < SHORT_TOKEN:
            return None
        best = None
        for word in words:
            cost = typo_cost(token, word)
            if cost is not None and (best is None or cost < best):
                best = cost
        if best is None and token in query.digit_tokens and any(token in word for word in words):
            best = (1, _DIGIT_MOVED)  # a number or identifier, as typed, inside a longer word
        if best is None:
            return None
        edits += best[0]
        kinds += best[1]
    return edits, kinds


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
        return (_STRONG[role], 0, role, len(value))
    words, compact, word_set, ordered = _shape(value)
    if role != TEXT:
        strong = _STRONG[role]
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
    aligned = False
    if position < 0 and role != TEXT and query.compact in compact:
        position = _aligned(query.compact, words)
        aligned = position >= 0
    if position < 0 and all(
        (t in value) if len(t) >= SHORT_TOKEN else any(w.startswith(t) for w in words)
        for t in query.token_set
    ):
        position = len(value)
    inside = None
    if position >= 0:
        if aligned or all(any(w.startswith(t) for w in words) for t in query.long_tokens):
            return (TIER_SUBSTRING, position, role, len(value))
        # a query token occurs only inside words ("astma" in "Eastman"): after close spellings
        inside = (TIER_INSIDE, position, role, len(value))
    if fuzzy and query.long_tokens:
        cost = _fuzzy_edits(query, words, word_set)
        if cost is not None:
            similarity = round(fuzz.ratio(query.ordered, ordered), 6)
            return (TIER_FUZZY, (*cost, role, -similarity), role, len(value))
    return inside


def record_key(query: Query, values: list[tuple[int, str]]) -> tuple | None:
    """The best key over a record's (role, normalized value) pairs, or None if nothing matches."""
    best = None
    for role, value in values:
        key = value_key(query, role, value, best is None or best[0] >= TIER_FUZZY)
        if key is not None and (best is None or key < best):
            best = key
            if key[0] == TIER_EXACT and key[1] == 0 and role == NAME:
                break
    return best
