"""The text `print(frame)` gives for `ln.view()`'s tables, laid out directly instead of through pandas.

pandas' repr formats value by value through layers of option lookups: for the 7-row tables of
`ln.view()` that was half its time. Under view's display options (every column, no line wrapping,
cells cut at 50 characters) the layout is simple, and this module reproduces it for the columns
registries have: integers, booleans, whole numbers with NaN, UTC datetimes, text, None and JSON values.
A frame with any other value (a fraction in a float column, a quote inside JSON text, ...) gets None
here and is printed by pandas. tests/core/test_view_text.py
compares the two texts on generated frames.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MAX_COLWIDTH = 50  # view's display.max_colwidth
MAX_SEQ_ITEMS = 100  # pandas' display.max_seq_items: longer lists and dicts end in "..."
NEST_DEPTH = 3  # pandas' display.pprint_nest_depth
_ESCAPES = str.maketrans({"\t": r"\t", "\n": r"\n", "\r": r"\r"})


def _fixed(strings: list[str], minimum: int = 0) -> list[str]:
    """Right-justified to one width; a cell over MAX_COLWIDTH cut to it, ending in '...'."""
    width = min(max(minimum, *map(len, strings)), MAX_COLWIDTH)
    return [(s[: width - 3] + "..." if len(s) > width else s).rjust(width) for s in strings]


class _Unlaid(Exception):
    """A value this module does not lay out: the frame goes to pandas."""


def _pprint(value: object, level: int, quote: bool, escape: bool) -> str:
    """pandas' `pprint_thing` for JSON values: dicts quote their strings and drop the escapes, lists
    pass on what they were given, containers deeper than NEST_DEPTH are written by `str`."""
    if type(value) is dict and level < NEST_DEPTH:
        items = list(value.items())[:MAX_SEQ_ITEMS]
        pairs = ", ".join(
            f"{_pprint(k, level + 1, True, False)}: {_pprint(v, level + 1, True, False)}" for k, v in items
        )
        return "{" + pairs + (", ..." if len(value) > MAX_SEQ_ITEMS else "") + "}"
    if type(value) is list and level < NEST_DEPTH:
        body = ", ".join(_pprint(v, level + 1, quote, escape) for v in value[:MAX_SEQ_ITEMS])
        return "[" + body + (", ..." if len(value) > MAX_SEQ_ITEMS else "") + "]"
    if value is None or type(value) in (bool, int, float, str, dict, list):
        text = str(value).translate(_ESCAPES) if escape else str(value)
        return f"'{text}'" if quote and type(value) is str else text
    raise _Unlaid


def _object_cell(value: object) -> str:
    """One cell of an object column: text as it is, None, a finite float as pandas rounds it, JSON."""
    if value is None:
        return " None"
    if type(value) is str:
        return " " + value.translate(_ESCAPES)
    if type(value) is float:
        if not math.isfinite(value):
            raise _Unlaid
        text = f"{value: .6f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if type(value) in (dict, list):
        return " " + _pprint(value, 0, quote=False, escape=True)
    if type(value) in (bool, int):
        return f" {value}"
    raise _Unlaid


def _integral(values: list[float]) -> bool:
    """At least one value, and every value a whole number below a million or NaN (pandas writes those
    as `1.0` and `NaN`; other floats get its rounding and exponent rules)."""
    numbers = [v for v in values if v == v]
    return bool(numbers) and all(v.is_integer() and abs(v) < 1e6 for v in numbers)


def _cells(series: pd.Series) -> tuple[bool, list[str]]:
    """(numeric?, the cells as pandas writes them); _Unlaid for a kind of column not laid out here."""
    kind = str(series.dtype)
    values = series.tolist()
    if kind == "int64":
        return True, [f"{v: d}" for v in values]
    if kind == "bool":
        return True, [f" {v}" for v in values]
    if kind == "float64" and _integral(values):
        return True, [" NaN" if v != v else f"{v: .1f}" for v in values]
    if kind == "datetime64[ns, UTC]":
        stamps = list(series)
        if any(s != s for s in stamps) or all(s.value % 86_400_000_000_000 == 0 for s in stamps):
            raise _Unlaid  # NaT, or pandas' date-only layout
        return False, [str(s) for s in stamps]
    if kind == "object":
        return False, [_object_cell(v) for v in values]
    raise _Unlaid


def frame_text(frame: pd.DataFrame) -> str | None:
    """`print(frame)`'s text under view's display options, or None when pandas must write it."""
    index = frame.index
    if frame.empty or index.name != "id" or str(index.dtype) != "int64" or frame.columns.nlevels != 1:
        return None
    ids = index.tolist()
    if min(ids) < 0:
        return None
    columns = []
    for label, (_, series) in zip(frame.columns, frame.items(), strict=True):
        if type(label) is not str or label != label.translate(_ESCAPES):
            return None
        try:
            numeric, values = _cells(series)
        except _Unlaid:
            return None
        header = " " + label if numeric else label
        values = _fixed(_fixed(values), minimum=len(header))
        width = max(len(header), *map(len, values))
        columns.append([header.rjust(width), " " * width, *values])
    names = ["id", *map(str, ids)]
    width = max(map(len, names))
    columns.insert(0, ["", *(n.ljust(width) for n in names)])
    widths = [max(map(len, c)) + 1 for c in columns[:-1]] + [max(map(len, columns[-1]))]
    rows = zip(*columns, strict=True)
    return "\n".join("".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows)
