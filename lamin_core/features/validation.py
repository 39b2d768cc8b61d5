"""Validate a DataFrame against a Schema: its columns, their dtypes and, for categoricals, the registries.

`validate_dataframe(df, schema)` raises one ValidationError that lists every problem: missing columns
(`minimal_set`), unexpected columns (`maximal_set`), columns out of order (`ordered_set`), null values in
non-nullable features, and per column the values that do not fit the feature's dtype or are not in its
registry. Checks are vectorized where pandas knows the column's dtype and look at each distinct value once
otherwise; categorical values are looked up with one query per registry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import numbers
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from .dtypes import CatTarget, ParsedDtype, parse_dtype
from .registries import resolve, target_field
from .values import _INVALID, _simple

if TYPE_CHECKING:
    import pandas as pd

    from ..models import Feature, Schema

_MAX_SHOWN = 20


def _shown(values: list[Any]) -> str:
    with contextlib.suppress(TypeError):
        values = sorted(values, key=lambda v: (str(type(v)), v))
    text = ", ".join(repr(v) for v in values[:_MAX_SHOWN])
    return f"[{text}{', ...' if len(values) > _MAX_SHOWN else ''}]" + (
        f" ({len(values)} values)" if len(values) > _MAX_SHOWN else ""
    )


def _is_null(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return bool(result) if isinstance(result, bool | int) or type(result).__name__ == "bool_" else False


def _distinct(values) -> list[Any]:
    """Distinct values, also of unhashable ones (dicts, lists), in first-seen order."""
    seen: dict[Any, None] = {}
    unhashable: list[Any] = []
    for value in values:
        try:
            seen.setdefault(value, None)
        except TypeError:
            if value not in unhashable:
                unhashable.append(value)
    return list(seen) + unhashable


def _coerce(base: str, value: Any) -> Any:
    """A value of another type turned into `base` when that loses nothing (coerce_dtype)."""
    try:
        if base in ("int",) and isinstance(value, str | float) and not isinstance(value, bool):
            number = float(value)
            return int(number) if number.is_integer() else _INVALID
        if base in ("float", "num") and isinstance(value, str):
            number = float(value)
            return number if math.isfinite(number) else _INVALID
        if base == "str" and isinstance(value, numbers.Number | bool):
            return str(value)
        if base == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if base == "bool" and isinstance(value, numbers.Integral) and value in (0, 1):
            return bool(value)
    except (TypeError, ValueError):
        return _INVALID
    return _INVALID


def _fits(base: str, value: Any, coerce: bool) -> bool:
    if base == "date" and _is_timestamp(value):
        return value == value.normalize() if hasattr(value, "normalize") else True
    if base == "datetime" and _is_timestamp(value):
        return True
    if base in ("float", "num", "int") and type(value).__module__ == "numpy":
        value = value.item()
    if base == "int" and isinstance(value, float) and value.is_integer():
        return True  # integers in a float column (pandas' way of holding ints next to NaN)
    if _simple(base, value) is not _INVALID:
        return True
    return coerce and _coerce(base, value) is not _INVALID


def _is_timestamp(value: Any) -> bool:
    return isinstance(value, dt.datetime) or type(value).__name__ in ("Timestamp", "datetime64")


def _column_ok_by_dtype(base: str, series: pd.Series) -> bool | None:
    """True when the column's dtype shows that every non-null value fits; None when values must be checked."""
    import pandas as pd

    types = pd.api.types
    dtype = series.dtype
    if base == "bool":
        return True if types.is_bool_dtype(dtype) else None
    if types.is_bool_dtype(dtype):
        return None
    if base == "int":
        return True if types.is_integer_dtype(dtype) else None
    if base in ("float", "num"):
        return True if types.is_numeric_dtype(dtype) else None
    if base == "datetime":
        return True if types.is_datetime64_any_dtype(dtype) else None
    if base == "str":
        return True if isinstance(dtype, pd.StringDtype) else None
    return None


def _invalid_plain(parsed: ParsedDtype, values: list[Any], coerce: bool) -> list[Any]:
    if parsed.is_list:
        bad = []
        for value in values:
            items = list(value) if isinstance(value, list | tuple) or hasattr(value, "tolist") else None
            if items is None or not all(_fits(parsed.base, item, coerce) for item in items):
                bad.append(value)
        return bad
    return [value for value in values if not _fits(parsed.base, value, coerce)]


def _cat_names(parsed: ParsedDtype, values: list[Any]) -> tuple[list[str], list[Any]]:
    """(label names to look up, values that cannot be label names)."""
    names, bad = [], []
    for value in values:
        items = list(value) if parsed.is_list and isinstance(value, list | tuple) else [value]
        if parsed.is_list and not isinstance(value, list | tuple):
            bad.append(value)
            continue
        for item in items:
            if isinstance(item, str):
                names.append(item)
            elif not _is_null(item):
                bad.append(item)
    return list(dict.fromkeys(names)), bad


def _lookup_labels(requests: dict[tuple, set[str]]) -> dict[tuple, set[str]]:
    """The names that exist, per (link, field, subtype, filters)."""
    found = {}
    for (link, field, subtype, filters), names in requests.items():
        queryset = link.registry.objects.filter(**{f"{field}__in": list(names)})
        if subtype is not None:
            queryset = queryset.filter(type__name=subtype)
        if filters:
            queryset = queryset.filter(**dict(filters))
        found[(link, field, subtype, filters)] = set(queryset.values_list(field, flat=True).distinct())
    return found


def validate_dataframe(df: pd.DataFrame, schema: Schema) -> None:
    """Raise a ValidationError listing everything in `df` that does not fit `schema`; None if all fits."""
    from ..models import Artifact

    if schema.itype not in (None, "Feature"):
        raise ValidationError(
            f"validating DataFrames needs a schema of features, this one has itype {schema.itype!r}"
        )
    features: list[Feature] = list(schema.members)
    by_name = {f.name: f for f in features}
    columns = [str(c) for c in df.columns]
    problems: list[str] = []

    missing = [f.name for f in features if f.name not in columns]
    if missing and schema.minimal_set:
        problems.append(f"columns missing from the dataframe: {missing} (columns: {columns})")
    extra = [c for c in columns if c not in by_name]
    if extra and schema.maximal_set:
        problems.append(f"columns not in the schema: {extra} (schema features: {list(by_name)})")
    if schema.ordered_set:
        present = [f.name for f in features if f.name in columns]
        ordered = [c for c in columns if c in by_name]
        if ordered != present:
            problems.append(f"columns are not in the schema's order: expected {present}, got {ordered}")

    cat_columns: list[tuple[str, Feature, ParsedDtype, list[str], list]] = []
    requests: dict[tuple, set[str]] = defaultdict(set)
    for column in columns:
        feature = by_name.get(column)
        if feature is None or feature.dtype is None:
            continue
        series = df[column]
        if isinstance(series, type(df)):  # duplicated column names
            problems.append(f"column '{column}' appears more than once")
            continue
        parsed = parse_dtype(feature.dtype)
        nulls = series.isna() if not parsed.is_list and parsed.base != "dict" else series.map(_is_null)
        if not feature.nullable and bool(nulls.any()):
            problems.append(f"non-nullable column '{column}' contains {int(nulls.sum())} null values")
        coerce = bool(schema.coerce_dtype or feature.coerce_dtype)
        if parsed.is_cat:
            values = _distinct(series[~nulls].tolist())
            names, bad = _cat_names(parsed, values)
            if bad:
                problems.append(
                    f"column '{column}' ({feature.dtype}): values are not label names: {_shown(bad)}"
                )
            try:
                targets = parsed.targets or (CatTarget("ULabel"),)
                resolved = [
                    (t, link, target_field(t, link)) for t in targets for link in [resolve(t, Artifact)]
                ]
            except ValidationError as error:
                problems.append(f"column '{column}': {error}")
                continue
            for target, link, field in resolved:
                requests[(link, field, target.subtype, target.filters)].update(names)
            cat_columns.append((column, feature, parsed, names, resolved))
            continue
        if _column_ok_by_dtype(parsed.base, series) and not parsed.is_list:
            continue
        values = _distinct(series[~nulls].tolist())
        bad = _invalid_plain(parsed, values, coerce)
        if bad:
            problems.append(f"column '{column}' ({feature.dtype}): invalid values {_shown(bad)}")

    if requests:
        found = _lookup_labels(requests)
        for column, feature, _parsed, names, resolved in cat_columns:
            known = set()
            for target, link, field in resolved:
                known |= found[(link, field, target.subtype, target.filters)]
            unknown = [n for n in names if n not in known]
            if unknown:
                where = " or ".join(
                    link.name + (f"[{t.subtype}]" if t.subtype else "") for t, link, _ in resolved
                )
                problems.append(
                    f"column '{column}' ({feature.dtype}): values not in {where}: {_shown(unknown)}"
                )

    if problems:
        label = f"schema '{schema.name}'" if schema.name else f"schema {schema.uid}"
        raise ValidationError(f"dataframe does not fit {label}:\n" + "\n".join(f"  - {p}" for p in problems))
