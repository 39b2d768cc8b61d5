"""Text normalization shared by Python and SQL: the query, the index documents and the ranking agree.

A value is normalized by lowercasing it, turning punctuation (a fixed set of characters, written out
below) into spaces and collapsing runs of spaces: "CD8-positive, T_cell" -> "cd8 positive t cell".
`|` separates the values of one field ("T-cell|T lymphocyte" holds two synonyms).

Index documents (what the database indexes per field) wrap each value in `|` markers so that a phrase
query can tell a whole value, a value prefix and a whole token apart:

    doc("T-cell|T lymphocyte")     = "| t cell | t lymphocyte |"
    compact("T-cell|T lymphocyte") = "|tcell|tlymphocyte|"

so "exact" is the phrase "| t cell |", "prefix" is "| t ce", "whole token" is " cell " and "tcell" (no
space) is found through the compact document. The same documents are built by SQLite triggers (staged
`replace()` calls; SQLite leaves case to the FTS5 tokenizer), by PostgreSQL functions (a regular
expression) and, for tests and the in-memory engine, here.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence

# characters that separate tokens; `|` (the value separator) is handled on its own. The set is fixed (not
# "any non-alphanumeric character") because SQLite has to spell it out as `replace()` calls
PUNCTUATION = (
    string.punctuation.replace("|", "") + "\t\n\r" + "\u00a0\u2010\u2013\u2014\u2018\u2019\u201c\u201d\u2032"
)
_TO_SPACE = str.maketrans(dict.fromkeys(PUNCTUATION + "|", " "))
# SQLite collapses runs of spaces with this many `replace(s, '  ', ' ')` passes (runs up to 2**n)
_COLLAPSE_PASSES = 4
# replace() calls per stage of the SQLite expression
_STAGE = 16


def normalize(text: str) -> str:
    """Lowercase, punctuation and `|` to single spaces, stripped: "T-Cell" -> "t cell"."""
    return _squeeze(text.lower().translate(_TO_SPACE)) if text else ""


def _squeeze(text: str) -> str:
    return " ".join(filter(None, text.split(" ")))


def values(raw: object) -> tuple[str, ...]:
    """The normalized, non-empty values of a field value (`|`-separated parts, or a list of values)."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return _values(raw)
    if isinstance(raw, list | tuple):
        return tuple(v for item in raw for v in values(item))
    return _values(str(raw))


@functools.lru_cache(maxsize=200_000)
def _values(text: str) -> tuple[str, ...]:
    out = []
    for part in text.split("|"):
        norm = _squeeze(part.lower().translate(_TO_SPACE))
        if norm:
            out.append(norm)
    return tuple(out)


# bulk normalization (`normalized_column`): ASCII punctuation through a byte table, the rest as replace()
_ASCII_PUNCTUATION = "".join(c for c in PUNCTUATION if c.isascii()).encode()
_BYTES_TO_SPACE = bytes.maketrans(_ASCII_PUNCTUATION, b" " * len(_ASCII_PUNCTUATION))
_OTHER_PUNCTUATION = [c for c in PUNCTUATION if not c.isascii()]


def _flat_text(raw: object) -> str:
    """A field value as one `|`-separated text (its parts are split on `|` anyway): None is ""."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list | tuple):
        return "|".join(_flat_text(item) for item in raw)
    return str(raw)


def normalized_column(raws: Sequence) -> bytes:
    """`"\\n".join("|".join(values(raw)) for raw in raws)` as UTF-8: every value of a column normalized,
    a line per value (a newline is punctuation, so no normalized value holds one).

    Computed over the whole column at once, a few operations on one text instead of several per value
    (3x faster than `values()` on MONDO's synonyms): the values are joined with NUL, lowercased, their
    punctuation made spaces, runs of spaces collapsed, the spaces and empty values around separators
    removed. A column with a NUL in a value goes through `values()` one value at a time.
    """
    texts = [_flat_text(raw) for raw in raws]
    text = "\x00".join(texts)
    if text.count("\x00") != max(len(texts) - 1, 0):
        return "\n".join("|".join(values(raw)) for raw in raws).encode()
    text = text.lower()
    for char in _OTHER_PUNCTUATION:
        if char in text:
            text = text.replace(char, " ")
    data = text.encode().translate(_BYTES_TO_SPACE)  # no UTF-8 sequence holds an ASCII byte
    while b"  " in data:
        data = data.replace(b"  ", b" ")
    for spaced in (b" |", b"| ", b" \x00", b"\x00 "):
        data = data.replace(spaced, spaced.strip(b" "))
    while b"||" in data:
        data = data.replace(b"||", b"|")
    data = data.replace(b"|\x00", b"\x00").replace(b"\x00|", b"\x00").strip(b" ").strip(b"|")
    return data.replace(b"\x00", b"\n")


def compact(norm: str) -> str:
    """A normalized text without spaces ("t cell" -> "tcell")."""
    return norm.replace(" ", "")


def doc(raw: object) -> str | None:
    """The index document of a field value (see the module docstring); None for None."""
    if raw is None:
        return None
    parts = [_squeeze(p.lower().translate(_TO_SPACE)) for p in str(raw).split("|")]
    return "| " + _squeeze(" | ".join(parts)) + " |"


# SQL --------------------------------------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sqlite_normalized(expr: str) -> str:
    """SQLite: punctuation to spaces, `|` to " | ", spaces collapsed, trimmed (case is left to FTS5).

    SQLite's parser allows ~25 nested calls, so the `replace()` chain runs in stages of scalar subqueries.
    """
    chars = list(PUNCTUATION)
    stages = [chars[i : i + _STAGE] for i in range(0, len(chars), _STAGE)]
    source = None
    for number, stage in enumerate(stages):
        out = expr if source is None else "s"
        for char in stage:
            out = f"replace({out}, {_literal(char)}, ' ')"
        if number == len(stages) - 1:
            out = f"replace({out}, '|', ' | ')"
            for _ in range(_COLLAPSE_PASSES):
                out = f"replace({out}, '  ', ' ')"
            out = f"trim({out})"
        source = f"(SELECT {out} AS s)" if source is None else f"(SELECT {out} AS s FROM {source})"
    return source


def sqlite_doc(expr: str) -> str:
    """SQLite expression of `doc()` (NULL for NULL)."""
    return f"('| ' || {_sqlite_normalized(expr)} || ' |')"


def sqlite_compact(expr: str) -> str:
    """SQLite expression of the compact document ("|tcell|tlymphocyte|")."""
    return f"('|' || replace(replace({_sqlite_normalized(expr)}, ' | ', '|'), ' ', '') || '|')"


def _postgres_class() -> str:
    """A regular expression bracket matching runs of PUNCTUATION and spaces (ASCII ones escaped)."""
    chars = "".join("\\" + c if ord(c) < 128 and not c.isspace() else c for c in PUNCTUATION)
    return f"[{chars} ]+"


def postgres_functions() -> list[str]:
    """PostgreSQL: IMMUTABLE functions `lamin_search_doc(text)` and `lamin_search_compact(text)`.

    They compute the stored documents (generated columns) when a row is written; queries only read
    those columns. The punctuation class is one regular expression (`translate()` with the non-ASCII
    characters of PUNCTUATION is several times slower).
    """
    punctuation = _literal(_postgres_class())
    normalized = (
        f"btrim(regexp_replace(replace(regexp_replace(lower(value), {punctuation}, ' ', 'g'), "
        "'|', ' | '), ' {2,}', ' ', 'g'))"
    )
    common = "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE"
    return [
        f"CREATE OR REPLACE FUNCTION lamin_search_doc(value text) RETURNS text {common} "
        f"AS $$ BEGIN RETURN '| ' || {normalized} || ' |'; END $$",
        f"CREATE OR REPLACE FUNCTION lamin_search_compact(value text) RETURNS text {common} "
        f"AS $$ BEGIN RETURN '|' || replace(replace({normalized}, ' | ', '|'), ' ', '') || '|'; END $$",
    ]
