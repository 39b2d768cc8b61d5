"""`ln.view()`'s own table layout gives exactly pandas' text, on generated frames of the kinds it lays
out, and leaves every other kind of column to pandas."""

from __future__ import annotations

import importlib
import string

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lamin_core.view_text import frame_text

view = importlib.import_module("lamin_core.view")
PREFIX = "view_text"  # the keys of the `seeded` records  # the module, not the function `lamin_core.view`

TEXT = st.text(alphabet=string.ascii_letters + string.digits + " _./-\t\n\r|äß中", max_size=70)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=8,
)
STAMP = st.datetimes(
    min_value=pd.Timestamp("1990-01-01").to_pydatetime(), max_value=pd.Timestamp("2040-01-01").to_pydatetime()
)


def column(kind: str, n: int):
    """A strategy for n values of one kind of registry column."""
    if kind == "int":
        return st.lists(st.integers(-(2**40), 2**40), min_size=n, max_size=n).map(
            lambda v: pd.Series(v, dtype="int64")
        )
    if kind == "bool":
        return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="bool"))
    if kind == "datetime":
        return st.lists(STAMP, min_size=n, max_size=n).map(
            lambda v: pd.Series(pd.to_datetime(v).tz_localize("UTC")).dt.as_unit("ns")
        )
    if kind == "text":
        return st.lists(st.one_of(st.none(), TEXT), min_size=n, max_size=n).map(
            lambda v: pd.Series(v, dtype=object)
        )
    if kind == "float":
        whole = st.integers(-(10**6), 10**6).map(float)
        values = st.one_of(st.just(float("nan")), whole, st.floats(allow_nan=False, allow_infinity=False))
        return st.lists(values, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="float64"))
    if kind == "json":
        return st.lists(
            st.one_of(st.none(), JSON, st.floats(allow_nan=False), TEXT), min_size=n, max_size=n
        ).map(lambda v: pd.Series(v, dtype=object))
    return st.just(pd.Series([None] * n, dtype=object))


@st.composite
def frames(draw):
    n = draw(st.integers(1, 8))
    kinds = draw(
        st.lists(
            st.sampled_from(["int", "bool", "datetime", "text", "none", "float", "json"]),
            min_size=1,
            max_size=7,
        )
    )
    labels = draw(
        st.lists(
            st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=60),
            min_size=len(kinds),
            max_size=len(kinds),
            unique=True,
        )
    )
    ids = draw(st.lists(st.integers(0, 10**7), min_size=n, max_size=n, unique=True))
    columns = [draw(column(kind, n)).array for kind in kinds]
    frame = pd.DataFrame(dict(zip(labels, columns, strict=True)))
    frame.index = pd.Index(ids, name="id", dtype="int64")
    return frame


@settings(max_examples=400, deadline=None)
@given(frames())
def test_the_layout_is_pandas_text(frame):
    with view._display_options():
        expected = repr(frame)
    text = frame_text(frame)
    assert text is None or text == expected


def test_registry_columns_are_laid_out():
    frame = pd.DataFrame(
        {
            "uid": ["a1", "b2"],
            "n_observations": [3.0, float("nan")],
            "_aux": [{"af": {"0": None, "1": True}}, None],
            "value": [30.5, "DMSO"],
            "is_latest": [True, False],
            "created_at": pd.to_datetime(
                ["2024-01-01 10:00:01.5", "2024-01-02 09:00"], format="ISO8601"
            ).tz_localize("UTC"),
        },
        index=pd.Index([1, 2], name="id"),
    )
    text = frame_text(frame)
    with view._display_options():
        assert text is not None and text == repr(frame)


def test_other_kinds_of_column_are_left_to_pandas():
    ids = pd.Index([1, 2], name="id")
    assert frame_text(pd.DataFrame({"a": [1.5, None]}, index=ids)) is None  # pandas' float rounding
    assert frame_text(pd.DataFrame({"a": [{1, 2}, None]}, index=ids)) is None  # not a JSON value
    assert frame_text(pd.DataFrame({"a": [float("inf"), "x"]}, index=ids)) is None
    assert frame_text(pd.DataFrame({"a": ["x", "y"]}, index=pd.Index([1, 2]))) is None  # unnamed index
    assert frame_text(pd.DataFrame({"a": ["x", "y"]}, index=ids)) == "    a\nid   \n1   x\n2   y"


def test_view_prints_the_same_with_and_without_the_layout(ln, seeded, capsys, monkeypatch):
    laid_out = []
    monkeypatch.setattr(view, "frame_text", lambda frame: laid_out.append(frame_text(frame)) or laid_out[-1])
    ln.view()
    fast = capsys.readouterr().out
    assert laid_out and all(text is not None for text in laid_out)  # every table of the guide's instance
    monkeypatch.setattr(view, "frame_text", lambda frame: None)
    ln.view()
    assert capsys.readouterr().out == fast
    assert "Artifact" in fast and "FeatureValue" in fast
