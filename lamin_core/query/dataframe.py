"""QuerySet -> pandas DataFrame with the registry's columns, indexed by id.

The SQL is compiled by Django, but rows are fetched with the raw cursor and converted column by column
(vectorised datetimes, booleans, JSON) instead of value by value: ~3x faster on large results.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connections, models

from .columns import df_columns

if TYPE_CHECKING:
    import pandas as pd
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


def _convert(frame: pd.DataFrame, kinds: dict[str, str]) -> None:
    """Turn SQLite's raw values (ISO text, 0/1, JSON text) into what Django's converters would give."""
    import pandas as pd

    for column, kind in kinds.items():
        series = frame[column]
        if kind == "datetime":
            frame[column] = pd.to_datetime(series, utc=True, format="ISO8601")
        elif kind == "bool":
            frame[column] = (
                series.map({0: False, 1: True, None: None}) if series.isna().any() else series == 1
            )
        elif kind == "json":
            frame[column] = series.map(lambda v: json.loads(v) if isinstance(v, str) else v)


def queryset_to_frame(queryset: QuerySet) -> pd.DataFrame:
    """All rows of `queryset`, in its order, as a frame with `df_columns` and an `id` index."""
    import pandas as pd

    model = queryset.model
    columns = df_columns(model)
    query = queryset.values_list("id", *columns).query
    connection = connections[queryset.db]
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        rows = []
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["id", *columns], coerce_float=False)
    if connection.vendor == "sqlite" and rows:
        _convert(frame, _field_kinds(model, columns))
    return frame.set_index("id")
