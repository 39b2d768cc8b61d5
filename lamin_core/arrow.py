"""QuerySet -> pyarrow.Table -> Arrow IPC bytes: pages of records for the widgets and the server.

A table has an `id` column, then the requested columns: the registry's fields (typed: integers, floats,
booleans, UTC timestamps, text; JSON as its text), to-one relation paths (typed like their field), to-many
paths (lists of text) and features (their values as text, several joined). It is built from the rows
Django returns for the (usually sliced) QuerySet, so it costs one query plus one per to-many path.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import models

from .query.columns import df_columns

if TYPE_CHECKING:
    import pyarrow as pa
    from django.db.models import QuerySet


def _arrow_type(field: models.Field | None) -> pa.DataType:
    import pyarrow as pa

    if isinstance(field, models.BooleanField):
        return pa.bool_()
    if isinstance(field, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(field, models.FloatField | models.DecimalField):
        return pa.float64()
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        return pa.int64()
    return pa.string()


def _text(value: object) -> str | None:
    """A value as display text: JSON for dicts and lists, sorted and joined for sets."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN: no value
        return None
    if isinstance(value, set | frozenset):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def _field_at(model: type[models.Model], path: str) -> tuple[models.Field | None, bool]:
    """The field a path ends at and whether it crosses a to-many relation (None for unknown paths)."""
    current, to_many, field = model, False, None
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except Exception:
            by_attname = {f.attname: f for f in current._meta.concrete_fields}
            if part not in by_attname:
                return None, to_many
            field = by_attname[part]
        if field.is_relation and part == getattr(field, "attname", None) and part != field.name:
            return field, to_many  # a foreign key's `_id` attname: the key itself
        if field.is_relation:
            to_many = to_many or field.many_to_many or field.one_to_many
            current = field.related_model
    return field, to_many


def queryset_to_table(
    queryset: QuerySet, columns: list[str] | None = None, features: list[str] | None = None
) -> pa.Table:
    """The rows of `queryset` in its order: `id`, then `columns` (default: `df()`'s), then `features`."""
    import pyarrow as pa

    model = queryset.model
    columns = list(df_columns(model) if columns is None else columns)
    features = list(features or [])
    kinds = {c: _field_at(model, c) for c in columns}
    scalar = [c for c in columns if not kinds[c][1]]
    to_many = [c for c in columns if kinds[c][1]]
    rows = list(queryset.values_list("id", *scalar))
    ids = [row[0] for row in rows]
    arrays: dict[str, pa.Array] = {"id": pa.array(ids, type=pa.int64())}
    for position, name in enumerate(scalar, start=1):
        field = kinds[name][0]
        values = [row[position] for row in rows]
        if isinstance(field, models.JSONField):
            arrays[name] = pa.array([_text(v) for v in values], type=pa.string())
            continue
        kind = _arrow_type(field)
        if pa.types.is_string(kind):
            values = [None if v is None else str(v) for v in values]
        arrays[name] = pa.array(values, type=kind)
    manager = model._base_manager
    for path in to_many:
        groups: dict[int, list[str]] = defaultdict(list)
        for pk, value in manager.filter(id__in=ids).order_by("id").values_list("id", path):
            if value is not None:
                groups[pk].append(str(value))
        arrays[path] = pa.array([sorted(set(groups.get(pk, []))) for pk in ids], type=pa.list_(pa.string()))
    if features:
        import pandas as pd

        from .query.features_frame import add_feature_columns

        frame = add_feature_columns(
            pd.DataFrame(index=pd.Index(ids, name="id")), model.objects.filter(id__in=ids), features
        )
        for name in features:
            arrays[name] = pa.array([_text(v) for v in frame[name]], type=pa.string())
    order = ["id", *columns, *features]
    return pa.table({name: arrays[name] for name in order if name in arrays})


def table_to_ipc(table: pa.Table) -> bytes:
    """An Arrow table as IPC stream bytes (what the front end decodes)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def queryset_to_ipc(
    queryset: QuerySet, columns: list[str] | None = None, features: list[str] | None = None
) -> bytes:
    """The rows of `queryset` as Arrow IPC stream bytes (see `queryset_to_table`)."""
    return table_to_ipc(queryset_to_table(queryset, columns, features))
