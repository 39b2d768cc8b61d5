"""QuerySet -> pandas DataFrame with the registry's columns, indexed by id.

The SQL is compiled by Django. Rows come as Arrow columns through ADBC when possible (see
`arrow_fetch`), else from the raw cursor; either way values are converted column by column (datetimes,
booleans, JSON) to what Django's converters give, instead of value by value.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connections, models

from .arrow_fetch import fetch_arrow
from .columns import df_columns
from .include import id_order, in_id_order

ARROW_MIN_ROWS = 1000

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from django.db.models import QuerySet


def _field_kinds(model: type[models.Model], columns: list[str]) -> dict[str, str]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    kinds = {}
    for column in columns:
        field = by_attname.get(column)
        if isinstance(field, models.DateTimeField):
            kinds[column] = "datetime"
        elif isinstance(field, models.BooleanField):
            kinds[column] = "bool"
        elif isinstance(field, models.JSONField):
            kinds[column] = "json"
    return kinds


def _json_series(values: list) -> pd.Series:
    """JSON text decoded; missing values stay None (as Django gives them), never NaN."""
    import pandas as pd  # heavy: loaded when a frame is built

    return pd.Series([json.loads(v) if isinstance(v, str) else v for v in values], dtype=object)


def _same_datetime_unit(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Datetime columns in nanoseconds whichever path and pandas version produced them."""
    for column, kind in kinds.items():
        if kind == "datetime" and hasattr(frame[column], "dt"):
            frame[column] = frame[column].dt.as_unit("ns")
    return frame


def _convert_sqlite(frame: pd.DataFrame, kinds: dict[str, str]) -> None:
    """Turn SQLite's raw datetimes (ISO text) and booleans (0/1) into what Django's converters give."""
    import pandas as pd  # heavy: loaded when a frame is built

    for column, kind in kinds.items():
        series = frame[column]
        if series.isna().all():
            continue
        if kind == "datetime":
            frame[column] = pd.to_datetime(series, utc=True, format="ISO8601")
        elif kind == "bool":
            frame[column] = series.map({0: False, 1: True}) if series.isna().any() else series == 1


def _arrow_to_frame(table: pa.Table, kinds: dict[str, str], ascending: bool | None) -> pd.DataFrame:
    """An Arrow result as the frame the row path gives, indexed by id (in id order when `ascending` is
    set): all-null columns hold None, types as Django's. Types, order and nulls are settled in Arrow and
    the frame is made by one ``to_pandas`` (a frame assembled from pandas Series cost as much again)."""
    # heavy: loaded when a frame is built
    import pyarrow as pa
    import pyarrow.compute as pc

    if ascending is not None:
        table = _in_id_order(table, ascending)
    n_rows, columns, json_columns = table.num_rows, {}, {}
    for name in table.column_names:
        column = table.column(name)
        kind = kinds.get(name)
        if column.null_count == len(column):
            column = pa.nulls(n_rows)  # pandas gives an object column of None
        elif kind == "json":
            json_columns[name] = column
            column = pa.nulls(n_rows)  # its decoded values replace it below
        elif kind == "datetime":
            if pa.types.is_string(column.type):
                column = pc.assume_timezone(pc.cast(column, pa.timestamp("us")), "UTC")
            column = column.cast(pa.timestamp("ns", tz="UTC"))  # nanoseconds whichever path made it
        elif kind == "bool" and not pa.types.is_boolean(column.type):
            column = pc.not_equal(column, 0)
        elif pa.types.is_integer(column.type):
            column = column.cast(pa.int64())  # smallint columns arrive as int16 from PostgreSQL
        columns[name] = column
    ids = columns.pop("id")
    frame = pa.table(columns).to_pandas(split_blocks=True)
    for name, column in json_columns.items():
        frame[name] = _json_series(column.to_pylist())
    frame.index = ids.to_pandas().rename("id")
    return frame


def _in_id_order(table: pa.Table, ascending: bool) -> pa.Table:
    """`table` sorted by id, unless it already is (an O(n) check, no copy)."""
    import pyarrow.compute as pc  # heavy: loaded when a frame is built

    ids, order = table.column("id"), "ascending" if ascending else "descending"
    if len(ids) < 2:
        return table
    steps = pc.subtract(ids.slice(1), ids.slice(0, len(ids) - 1))
    if pc.all(pc.greater(steps, 0) if ascending else pc.less(steps, 0)).as_py():
        return table
    return table.take(pc.sort_indices(table, sort_keys=[("id", order)]))


def queryset_to_frame(queryset: QuerySet) -> pd.DataFrame:
    """All rows of `queryset`, in its order, as a frame with `df_columns` and an `id` index."""
    import pandas as pd  # heavy: loaded when a frame is built

    model = queryset.model
    columns = df_columns(model)
    kinds = _field_kinds(model, columns)
    # an unsliced query in id order is sent without ORDER BY and sorted in memory: `ORDER BY id` makes
    # SQLite walk the whole table in rowid order instead of the index of a selective or range filter
    ascending = id_order(queryset)
    if ascending is not None:
        queryset = queryset.order_by()
    query = queryset.values_list("id", *columns).query
    connection = connections[queryset.db]
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return pd.DataFrame.from_records([], columns=["id", *columns]).set_index("id")
    # small results are as fast row by row; ADBC's own SQLite may also plan short ordered scans worse
    sliced = query.high_mark is not None and query.high_mark - query.low_mark <= ARROW_MIN_ROWS
    table = None if sliced else fetch_arrow(sql, params, queryset.db)
    if table is not None:
        return _arrow_to_frame(table, kinds, ascending)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    table = _rows_to_arrow(rows, ["id", *columns], kinds)
    if table is not None:  # the same conversions as a columnar result, made once for all columns
        return _arrow_to_frame(table, kinds, ascending)
    frame = pd.DataFrame.from_records(rows, columns=["id", *columns], coerce_float=False)
    if connection.vendor == "sqlite" and rows:
        _convert_sqlite(frame, kinds)
    # Django's backends hand JSON over as text; decode from the raw values (pandas turns None into NaN)
    for position, column in enumerate(columns, start=1):
        if kinds.get(column) == "json" and rows:
            frame[column] = _json_series([row[position] for row in rows])
    frame = _same_datetime_unit(frame, kinds).set_index("id")
    return frame if ascending is None else in_id_order(frame, ascending)


def _rows_to_arrow(rows: list[tuple], names: list[str], kinds: dict[str, str]) -> pa.Table | None:
    """Raw database rows as an Arrow table (JSON kept as text), or None when there are none or a column
    has no single Arrow type."""
    import pyarrow as pa  # heavy: loaded when a frame is built

    if not rows:
        return None
    columns = {}
    for name, values in zip(names, zip(*rows, strict=True), strict=True):
        if kinds.get(name) == "json":
            values = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return None
    return pa.table(columns)
