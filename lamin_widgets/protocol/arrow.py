"""QuerySet -> pyarrow.Table -> Arrow IPC bytes: the pages of records the protocol answers with.

A table has an `id` column, then the requested columns: the registry's fields (typed: integers, floats,
booleans, UTC timestamps, text; JSON as its text), to-one relation paths (typed like their field), to-many
paths (lists of text) and features (their values as text, several joined). It is built from the rows
Django returns for the (usually sliced) QuerySet: one query, plus one grouped query per distinct to-many
path over the page's ids (see `query.include.to_many_values`: related records of every branch, as
`df(include=...)` and relation filters see them).

A page's cost is bounded: the to-many columns of one page may read at most `MAX_PAGE_RELATED_ROWS` joined
rows in the database (what a to-many column costs is the link rows it walks, which the page limits alone do
not bound: a label on 4000 artifacts gives 4000 rows for its row alone, and a path across two to-many
relations multiplies such numbers); `check_page_cost` refuses, before any query, a request whose shape
alone would exceed that.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.db import models

from lamin_core.query.columns import df_columns
from lamin_core.query.features_frame import add_feature_columns
from lamin_core.query.include import to_many_hops, to_many_values

from .errors import BadRequest

if TYPE_CHECKING:
    import pyarrow as pa  # heavy: loaded with the first page (import lamin_widgets stays fast)
    from django.db.models import QuerySet


def _arrow_type(field: models.Field | None) -> pa.DataType:
    import pyarrow as pa  # heavy: loaded with the first page (import lamin_widgets stays fast)

    if isinstance(field, models.BooleanField):
        return pa.bool_()
    if isinstance(field, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(field, models.FloatField | models.DecimalField):
        return pa.float64()
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        return pa.int64()
    return pa.string()


def display_text(value: object) -> str | None:
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


MAX_PAGE_RELATED_ROWS = 500_000  # joined rows the to-many columns of one page may read together


def _distinct(names: list[str] | None) -> list[str]:
    return list(dict.fromkeys(names or []))


def _listed(values: list | None) -> list[str]:
    """A to-many cell: the distinct values as sorted text, NULLs left out."""
    if not values or values == [None]:  # no related record (most rows of a sparse relation)
        return []
    return sorted({str(v) for v in values if v is not None})


def check_page_cost(model: type[models.Model], columns: list[str] | None, limit: int) -> None:
    """Refuse, before any query, a page whose shape alone exceeds the cost cap (BadRequest).

    A page costs what its to-many columns read: joined rows, `MAX_PAGE_RELATED_ROWS` at most, counted by
    the database while `queryset_to_table` builds the page (only the data tells how many links a row
    has). Each distinct to-many column reads at least one joined row per page row, so a page of `limit`
    rows with more distinct to-many columns than the cap allows is refused here; a column asked for twice
    counts once, as it is computed once.
    """
    to_many = [c for c in _distinct(columns) if _field_at(model, c)[1]]
    if to_many and limit * len(to_many) > MAX_PAGE_RELATED_ROWS:
        raise BadRequest(
            f"page: {limit} rows with {len(to_many)} to-many columns read at least {limit * len(to_many):,} "
            f"related rows, more than the limit of {MAX_PAGE_RELATED_ROWS:,} per page; ask for fewer rows "
            "(limit) or fewer to-many columns"
        )


def _too_costly(model: type[models.Model], path: str, rows: int, limit: int) -> BadRequest:
    hops = to_many_hops(model, path)
    return BadRequest(
        f"page: the to-many columns of these {rows} {model.__name__} rows reach more than {limit:,} related "
        f"rows (the limit per page), at {path!r}, which crosses {hops} to-many relation"
        f"{'s' if hops != 1 else ''}; ask for fewer rows (limit), fewer or shorter to-many columns, or "
        "narrow the filter"
    )


def queryset_to_table(
    queryset: QuerySet,
    columns: list[str] | None = None,
    features: list[str] | None = None,
    capped: bool = True,
) -> pa.Table:
    """The rows of `queryset` in its order: `id`, then `columns` (default: `df()`'s), then `features`.

    A column asked for twice is computed and shown once. The to-many columns may read at most
    `MAX_PAGE_RELATED_ROWS` joined rows together (unless `capped=False`); beyond, BadRequest names
    the limit.
    """
    import pyarrow as pa  # heavy: loaded with the first page (import lamin_widgets stays fast)

    model = queryset.model
    columns = _distinct(df_columns(model) if columns is None else columns)
    features = _distinct(features)
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
            arrays[name] = pa.array([display_text(v) for v in values], type=pa.string())
            continue
        kind = _arrow_type(field)
        if pa.types.is_string(kind):
            values = [None if v is None else str(v) for v in values]
        arrays[name] = pa.array(values, type=kind)
    budget = MAX_PAGE_RELATED_ROWS if capped else None
    # prepared once for every path (preparing the ids costs ~1 ms per 500: not for a page without one)
    page = model._base_manager.filter(id__in=ids) if to_many else None
    for path in to_many:
        groups, read = to_many_values(page, path, budget)
        if budget is not None:
            if read > budget:
                raise _too_costly(model, path, len(ids), MAX_PAGE_RELATED_ROWS)
            budget -= read
        arrays[path] = pa.array([_listed(groups.get(pk)) for pk in ids], type=pa.list_(pa.string()))
    if features:
        import pandas as pd  # heavy: only for feature columns

        frame = add_feature_columns(
            pd.DataFrame(index=pd.Index(ids, name="id")), model.objects.filter(id__in=ids), features
        )
        for name in features:
            arrays[name] = pa.array([display_text(v) for v in frame[name]], type=pa.string())
    order = ["id", *columns, *features]
    return pa.table({name: arrays[name] for name in order if name in arrays})


def table_to_ipc(table: pa.Table) -> bytes:
    """An Arrow table as IPC stream bytes (what the front end decodes)."""
    import pyarrow as pa  # heavy: loaded with the first page (import lamin_widgets stays fast)

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def queryset_to_ipc(
    queryset: QuerySet,
    columns: list[str] | None = None,
    features: list[str] | None = None,
    capped: bool = True,
) -> bytes:
    """The rows of `queryset` as Arrow IPC stream bytes (see `queryset_to_table`)."""
    return table_to_ipc(queryset_to_table(queryset, columns, features, capped))
