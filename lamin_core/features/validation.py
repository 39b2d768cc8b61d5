"""Validate a DataFrame against a Schema: its columns, their dtypes and, for categoricals, the registries.

`validate_dataframe(df, schema)` raises one ValidationError that lists every problem: missing columns
(`minimal_set`), unexpected columns (`maximal_set`), columns out of order (`ordered_set`), null values in
non-nullable features, and per column the values that do not fit the feature's dtype or are not in its
registry. Checks are vectorized where pandas knows the column's dtype and look at each distinct value once
otherwise; categorical values are looked up with one query per registry. A flexible schema (e.g. the
built-in `valid_features`, no members) validates every column that is a registered feature.

`validate_anndata(adata, schema)` does the same for each slot of a composite AnnData schema (`obs`, `var`:
tables of features; `var.T`: the `var` index as identifiers such as Ensembl gene ids) and lists the problems
of all slots in one error. `dataframe_annotation` / `anndata_annotation` validate and also return what the
artifact is annotated with on save (labels of categorical columns, one schema per slot).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import numbers
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import plugins
from ..dtypes import CatTarget, ParsedDtype, parse_dtype
from ..errors import ValidationError
from ..models import Artifact, Feature
from ..models.schema import itype_registry_field
from ..query.label_links import label_ids, resolve, target_field
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
        import pandas as pd  # heavy: loaded when a frame is validated

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
    import pandas as pd  # heavy: loaded when a frame is validated

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


@dataclass
class SlotAnnotation:
    """What validating one table (or one slot of an AnnData) found, to annotate the artifact with.

    `members` become a schema of `itype` linked in `slot`; `labels` are the categorical values, as
    (label link, label id, feature) triples.
    """

    slot: str | None
    itype: str
    members: list[Any] = field(default_factory=list)
    labels: list[tuple[Any, int, Any]] = field(default_factory=list)


@dataclass
class Annotation:
    """Everything a validated dataset is annotated with when its artifact is saved."""

    schema: Schema
    slots: list[SlotAnnotation] = field(default_factory=list)


def _features_to_check(columns: list[str], schema: Schema) -> list[Feature]:
    """The schema's features, plus, for a flexible schema, the other columns that are registered features."""
    features: list[Feature] = list(schema.members)
    if schema.flexible and schema.itype in (None, "Feature"):
        known = {f.name for f in features}
        extra = [c for c in columns if c not in known]
        if extra:
            by_name = {f.name: f for f in Feature.objects.filter(name__in=extra)}
            features += [by_name[c] for c in extra if c in by_name]
    return features


def check_dataframe(
    df: pd.DataFrame, schema: Schema, slot: str | None = None
) -> tuple[list[str], SlotAnnotation]:
    """(problems, annotation) of a DataFrame validated by a schema of features; no problems means valid.

    The annotation holds the features of the columns that were validated (in column order) and the ids of
    the labels of categorical columns.
    """
    if schema.itype not in (None, "Feature"):
        raise ValidationError(
            f"validating DataFrames needs a schema of features, this one has itype {schema.itype!r}"
        )
    columns = [str(c) for c in df.columns]
    index_uid = schema._get_af("3", None)  # the feature validating the index (`schema.index`)
    index_feature = next((m for m in schema.members if m.uid == index_uid), None) if index_uid else None
    members = [m for m in schema.members if m.uid != index_uid]
    features = [f for f in _features_to_check(columns, schema) if f.uid != index_uid]
    by_name = {f.name: f for f in features}
    member_names = [f.name for f in members]
    optional = set(schema.optionals.get_uids())
    problems: list[str] = []

    missing = [m.name for m in members if m.name not in columns and m.uid not in optional]
    if missing and schema.minimal_set:
        problems.append(f"columns missing from the dataframe: {missing} (columns: {columns})")
    extra = [c for c in columns if c not in member_names]
    if extra and schema.maximal_set:
        problems.append(f"columns not in the schema: {extra} (schema features: {member_names})")
    if schema.ordered_set:
        present = [name for name in member_names if name in columns]
        ordered = [c for c in columns if c in member_names]
        if ordered != present:
            problems.append(f"columns are not in the schema's order: expected {present}, got {ordered}")

    cat_columns: list[tuple[str, Feature, ParsedDtype, list[str], list]] = []
    requests: dict[tuple, set[str]] = defaultdict(set)
    checks = [(f"column '{c}'", c, by_name.get(c)) for c in columns]
    if index_feature is not None:
        checks.append(("index", None, index_feature))
    for what, column, feature in checks:
        if feature is None or feature.dtype is None:
            continue
        if column is None:
            import pandas as pd  # heavy: loaded when a frame is validated

            series = pd.Series(df.index, index=df.index)
        else:
            series = df[column]
        if isinstance(series, type(df)):  # duplicated column names
            problems.append(f"{what} appears more than once")
            continue
        parsed = parse_dtype(feature.dtype)
        nulls = series.isna() if not parsed.is_list and parsed.base != "dict" else series.map(_is_null)
        if not feature.nullable and bool(nulls.any()):
            problems.append(f"non-nullable {what} contains {int(nulls.sum())} null values")
        coerce = bool(schema.coerce_dtype or feature.coerce_dtype)
        if parsed.is_cat:
            values = _distinct(series[~nulls].tolist())
            names, bad = _cat_names(parsed, values)
            if bad:
                problems.append(f"{what} ({feature.dtype}): values are not label names: {_shown(bad)}")
            try:
                targets = parsed.targets or (CatTarget("ULabel"),)
                resolved = [
                    (t, link, target_field(t, link)) for t in targets for link in [resolve(t, Artifact)]
                ]
            except ValidationError as error:
                problems.append(f"{what}: {error}")
                continue
            for target, link, field_name in resolved:
                requests[(link, field_name, target.subtype, target.filters)].update(names)
            cat_columns.append((what, feature, parsed, names, resolved))
            continue
        if _column_ok_by_dtype(parsed.base, series) and not parsed.is_list:
            continue
        values = _distinct(series[~nulls].tolist())
        bad = _invalid_plain(parsed, values, coerce)
        if bad:
            problems.append(f"{what} ({feature.dtype}): invalid values {_shown(bad)}")

    annotation = SlotAnnotation(
        slot=slot, itype="Feature", members=[by_name[c] for c in columns if c in by_name]
    )
    if requests:
        found = label_ids(requests)
        for what, feature, _parsed, names, resolved in cat_columns:
            unknown = []
            for name in names:
                for target, link, field_name in resolved:
                    pk = found[(link, field_name, target.subtype, target.filters)].get(name)
                    if pk is not None:
                        annotation.labels.append((link, pk, feature))
                        break
                else:
                    unknown.append(name)
            if unknown:
                where = " or ".join(
                    link.name + (f"[{t.subtype}]" if t.subtype else "") for t, link, _ in resolved
                )
                hint = _public_hint(resolved[0][1].registry, resolved[0][2], unknown)
                problems.append(f"{what} ({feature.dtype}): values not in {where}: {_shown(unknown)}{hint}")
    return problems, annotation


def _public_hint(registry: type, field_name: str, unknown: list[str]) -> str:
    """A hint from the registry's module for values missing from it (bionty: those in its public source)."""
    plugin = plugins.get(registry._meta.app_label)
    if plugin is None or plugin.missing_values_hint is None:
        return ""
    return plugin.missing_values_hint(registry, field_name, unknown)


def validate_dataframe(df: pd.DataFrame, schema: Schema) -> None:
    """Raise a ValidationError listing everything in `df` that does not fit `schema`; None if all fits."""
    problems, _ = check_dataframe(df, schema)
    if problems:
        raise ValidationError(f"dataframe does not fit {_schema_label(schema)}:\n" + _bullets(problems))


def _schema_label(schema: Schema) -> str:
    return f"schema '{schema.name}'" if schema.name else f"schema {schema.uid}"


def _bullets(problems: list[str]) -> str:
    return "\n".join(f"  - {p}" for p in problems)


def dataframe_annotation(df: pd.DataFrame, schema: Schema) -> Annotation:
    """Validate `df` (raising like `validate_dataframe`) and return what its artifact is annotated with."""
    problems, slot = check_dataframe(df, schema, slot="columns")
    if problems:
        raise ValidationError(f"dataframe does not fit {_schema_label(schema)}:\n" + _bullets(problems))
    return Annotation(schema=schema, slots=[slot])


def check_index(values: list[Any], schema: Schema, slot: str) -> tuple[list[str], SlotAnnotation]:
    """(problems, annotation) of identifiers (e.g. Ensembl gene ids of `var.T`) validated by `schema`.

    Every value must be a record of the schema's itype registry (`bionty.Gene.ensembl_gene_id`: a Gene
    with that Ensembl id); a schema with members also checks them (`minimal_set`, `maximal_set`).
    """
    if schema.itype in (None, "Composite"):
        raise ValidationError(f"slot '{slot}': schema {schema.uid} has no itype to validate identifiers with")
    registry, field_name = itype_registry_field(schema.itype)
    problems: list[str] = []
    nulls = [v for v in values if _is_null(v)]
    if nulls:
        problems.append(f"slot '{slot}': {len(nulls)} missing identifiers")
    wanted = [str(v) for v in dict.fromkeys(v for v in values if not _is_null(v))]
    found: dict[str, Any] = {}
    for record in registry.objects.filter(**{f"{field_name}__in": wanted}).order_by("id"):
        found.setdefault(getattr(record, field_name), record)
    unknown = [v for v in wanted if v not in found]
    if unknown:
        hint = _public_hint(registry, field_name, unknown)
        problems.append(
            f"slot '{slot}': {len(unknown)} of {len(wanted)} values are not in {schema.itype}: "
            f"{_shown(unknown)}{hint}"
        )
    members = list(schema.members)
    if members:
        member_values = [getattr(m, field_name) for m in members]
        absent = [v for v in member_values if v not in wanted]
        if absent and schema.minimal_set:
            problems.append(f"slot '{slot}': schema members missing: {_shown(absent)}")
        outside = [v for v in wanted if v not in set(member_values)]
        if outside and schema.maximal_set:
            problems.append(f"slot '{slot}': values not in the schema: {_shown(outside)}")
    annotation = SlotAnnotation(
        slot=slot, itype=schema.itype, members=[found[v] for v in wanted if v in found]
    )
    return problems, annotation


ANNDATA_SLOTS = ("obs", "var", "var.T")


def anndata_annotation(adata: Any, schema: Schema) -> Annotation:
    """Validate an AnnData by a composite schema (slots `obs`, `var`, `var.T`), raising one ValidationError
    that lists the problems of every slot; return what its artifact is annotated with.
    """
    if schema.itype != "Composite" or schema.otype != "AnnData":
        raise ValidationError(
            f"validating an AnnData needs a composite schema with otype 'AnnData' (slots such as 'obs' and "
            f"'var.T'); {_schema_label(schema)} has itype {schema.itype!r} and otype {schema.otype!r}"
        )
    slots = schema.slots
    unsupported = [s for s in slots if s not in ANNDATA_SLOTS]
    if unsupported:
        raise ValidationError(
            f"{_schema_label(schema)}: slots {unsupported} are not supported for AnnData "
            f"(supported: {', '.join(ANNDATA_SLOTS)})"
        )
    problems: list[str] = []
    annotation = Annotation(schema=schema)
    for slot, component in slots.items():
        transposed = slot == "var.T" or (slot == "var" and component.itype not in (None, "Feature"))
        if transposed:
            found, slot_annotation = check_index(list(adata.var_names), component, slot)
        else:
            frame = adata.obs if slot == "obs" else adata.var
            found, slot_annotation = check_dataframe(frame, component, slot=slot)
            found = [f"slot '{slot}': {p}" for p in found]
        problems += found
        annotation.slots.append(slot_annotation)
    if problems:
        raise ValidationError(f"AnnData does not fit {_schema_label(schema)}:\n" + _bullets(problems))
    return annotation


def validate_anndata(adata: Any, schema: Schema) -> None:
    """Raise a ValidationError listing everything in `adata` that does not fit the composite `schema`."""
    anndata_annotation(adata, schema)
