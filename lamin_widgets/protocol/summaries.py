"""Column summaries for the browser's header: histograms and top values, computed in SQL over a state.

Numbers and dates get a histogram of equal-width bins with round edges (1, 2 or 5 x 10^k for numbers;
seconds, minutes, hours, days, weeks, years for dates), text, booleans and to-many paths their most
frequent values with counts. Each bin and value is what a filter condition selects: a bin is
`gte start` and `lt end` (integer arithmetic in the database, whole seconds for dates), a value is
`exact value`, so that clicking one adds a condition whose count is the bar's. Nothing fetches rows: a
histogram is one aggregate (min, max, count) and one grouped count, top values one grouped count
(docs/architecture.md, "Counting rule": a record counts once per value, once in a histogram).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import BigIntegerField, Count, F, FloatField, Func, Max, Min, Value
from django.db.models.functions import Floor

from . import filterspec
from .errors import BadRequest

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .state import QueryState

MAX_COLUMNS = 12  # columns per request: each costs one or two scans of the selected records
MAX_BINS = 50
MAX_TOP = 50

# bin widths of dates, in seconds: round units people read on an axis
_DAY = 86400
_DATE_WIDTHS = (
    [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200]
    + [_DAY, 2 * _DAY, 7 * _DAY, 14 * _DAY, 30 * _DAY, 91 * _DAY, 365 * _DAY]
    + [k * 365 * _DAY for k in (2, 5, 10, 20, 50, 100, 200, 500, 1000)]
)


class _EpochSeconds(Func):
    """A datetime or date as whole seconds since 1970 (UTC), truncated: `x >= T` for a whole second T is
    `epoch(x) >= T`, so bins agree with the `gte`/`lt` conditions of their edges."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        # %%%%: the template is %-formatted once here, and Django's SQLite cursor reads %% as %
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"
        )


@dataclass(frozen=True)
class _Column:
    """A column to summarize: its path, what it resolves to, and how it is summarized."""

    path: str
    info: filterspec.FieldInfo
    field: models.Field | None
    kind: str  # "number", "datetime", "category", "unique"


def _field(model: type[models.Model], path: str) -> models.Field:
    current, field = model, None
    for part in path.split("__"):
        field = current._meta.get_field(part)
        if field.is_relation:
            current = field.related_model
    return field


def _plan(model: type[models.Model], path: object) -> _Column:
    """Check a column against the registry (BadRequest naming the problem) and pick its summary."""
    if isinstance(path, str) and "__" not in path and path in filterspec._feature_rows(model):
        raise BadRequest(
            f"summaries: {path!r} is a feature; summaries cover the registry's fields and relations"
        )
    info = filterspec.resolve(model, path, {})
    field = _field(model, info.path)
    if info.kind == "json":
        raise BadRequest(f"summaries: {info.path!r} holds JSON, which has no histogram or top values")
    if info.to_many or info.kind in ("text", "bool"):
        unique = field.unique and not info.to_many and "__" not in info.path
        return _Column(info.path, info, field, "unique" if unique else "category")
    return _Column(info.path, info, field, info.kind)  # "number" or "datetime"


def _nice_width(span: float, bins: int, integer: bool) -> float:
    """The smallest round width (1, 2 or 5 x 10^k; at least 1 for integers) that covers `span` in `bins`."""
    raw = span / bins if span > 0 else 1
    exponent = math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        width = step * 10**exponent
        if width >= raw:
            break
    return max(1, math.ceil(width)) if integer else width


def _bins(scope: QuerySet, expression, start, width, n: int) -> list[int]:
    """Counts of `n` bins of `width` from `start` of an integer (or float) expression: one grouped query."""
    bucket = (expression - Value(start)) / Value(width)
    if isinstance(width, float):
        bucket = Floor(bucket)
    rows = (
        scope.annotate(_bin=models.ExpressionWrapper(bucket, output_field=BigIntegerField()))
        .values("_bin")
        .annotate(_n=Count("pk"))
        .order_by()
        .values_list("_bin", "_n")
    )
    counts = [0] * n
    for index, count in rows:
        if index is not None:
            counts[min(max(int(index), 0), n - 1)] += count
    return counts


def _number(scope: QuerySet, column: _Column, total: int, bins: int) -> dict:
    path = column.path
    found = scope.aggregate(lo=Min(path), hi=Max(path), n=Count(path))
    result: dict[str, Any] = {"count": found["n"], "nulls": total - found["n"], "bins": []}
    lo, hi = found["lo"], found["hi"]
    if lo is None:
        return {**result, "min": None, "max": None}
    integer = isinstance(column.field, models.IntegerField | models.AutoField)
    if integer:
        lo, hi = int(lo), int(hi)
        width, n = _fit(lo, hi + 1, bins, integer=True)
        start = lo - lo % width
    else:
        lo, hi = float(lo), float(hi)
        width, n = _fit(lo, hi, bins, integer=False)
        start = math.floor(lo / width) * width
    expression = F(path) if integer else models.ExpressionWrapper(F(path), output_field=FloatField())
    counts = _bins(scope.filter(**{f"{path}__isnull": False}), expression, start, width, n)
    result["bins"] = [
        {"start": start + i * width, "end": start + (i + 1) * width, "count": c} for i, c in enumerate(counts)
    ]
    return {**result, "min": lo, "max": hi}


def _fit(lo: float, hi: float, bins: int, integer: bool) -> tuple[Any, int]:
    """A round width and the number of bins it takes, from `lo` (floored to the width) up to `hi`."""
    width = _nice_width(hi - lo, bins, integer)
    while True:
        start = lo - lo % width if integer else math.floor(lo / width) * width
        n = max(1, math.ceil((hi - start) / width)) if integer else int((hi - start) // width) + 1
        if n <= bins:
            return width, n
        width = _nice_width(width * (bins + 1), bins, integer)


def _datetime(scope: QuerySet, column: _Column, total: int, bins: int) -> dict:
    path = column.path
    is_date = isinstance(column.field, models.DateField) and not isinstance(
        column.field, models.DateTimeField
    )
    epoch = _EpochSeconds(F(path))
    found = scope.aggregate(lo=Min(epoch), hi=Max(epoch), n=Count(path))
    result: dict[str, Any] = {"count": found["n"], "nulls": total - found["n"], "bins": []}
    if found["lo"] is None:
        return {**result, "min": None, "max": None}
    lo, hi = int(found["lo"]), int(found["hi"])
    widths = [w for w in _DATE_WIDTHS if not is_date or w % _DAY == 0]
    width = next((w for w in widths if (hi - (lo - lo % w)) // w + 1 <= bins), widths[-1])
    start = lo - lo % width
    n = (hi - start) // width + 1
    counts = _bins(scope.filter(**{f"{path}__isnull": False}), epoch, start, width, n)

    def text(seconds: int) -> str:
        moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
        return moment.date().isoformat() if is_date else moment.isoformat()

    result["bins"] = [
        {"start": text(start + i * width), "end": text(start + (i + 1) * width), "count": c}
        for i, c in enumerate(counts)
    ]
    return {**result, "min": text(lo), "max": text(hi), "width_seconds": width}


def _category(scope: QuerySet, column: _Column, total: int, top: int) -> dict:
    path = column.path
    present = {f"{path}__isnull": False}
    if column.info.to_many:
        # over the related rows of the selected records (a link table for labels): a record counts once
        # per value, however many links lead to it
        records = scope.model._base_manager.filter(pk__in=scope.values("pk"))
        rows = records.filter(**present).values(path).annotate(_n=Count("pk", distinct=True))
        with_values = records.filter(**present).values("pk").distinct().count()
        other = None  # records with several values: the rest is no sum of the shown counts
    else:
        rows = scope.filter(**present).values(path).annotate(_n=Count("pk"))
        with_values = scope.aggregate(n=Count(path))["n"]
    found = list(rows.order_by("-_n", path).values_list(path, "_n")[:top])
    if not column.info.to_many:
        other = with_values - sum(n for _, n in found)
    return {
        "count": with_values,
        "nulls": total - with_values,
        "top": [{"value": value, "count": n} for value, n in found],
        "other": other,
    }


def _scope(state: QueryState) -> QuerySet:
    """The selected records, each once and unordered: a search or a to-many filter as a subquery of ids."""
    queryset = state.queryset()
    if state.search.strip() or queryset.query.distinct or queryset.query.is_sliced:
        return state.model._base_manager.filter(pk__in=queryset.values("pk"))
    return queryset.order_by()


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise BadRequest(f"summaries: {name} must be between {low} and {high}, got {filterspec.shown(value)}")
    return value


def summarize(state: QueryState, columns: list, bins: int = 20, top: int = 10) -> dict:
    """The summary of each column over the records the state selects (every column checked first)."""
    _bounded("bins", bins, 2, MAX_BINS)
    _bounded("top", top, 1, MAX_TOP)
    if not columns or len(columns) > MAX_COLUMNS:
        raise BadRequest(f"summaries: columns takes 1 to {MAX_COLUMNS} column names, got {len(columns)}")
    plans = [_plan(state.model, c) for c in columns]
    started = time.perf_counter()
    scope = _scope(state)
    total = scope.count()
    summaries = []
    for column in plans:
        began = time.perf_counter()
        if column.kind == "number":
            summary = _number(scope, column, total, bins)
        elif column.kind == "datetime":
            summary = _datetime(scope, column, total, bins)
        elif column.kind == "unique":
            n = scope.aggregate(n=Count(column.path))["n"]
            summary = {"count": n, "nulls": total - n}
        else:
            summary = _category(scope, column, total, top)
        ms = round((time.perf_counter() - began) * 1000, 1)
        summaries.append(
            {"column": column.path, "kind": column.kind, "to_many": column.info.to_many, **summary, "ms": ms}
        )
    ms = round((time.perf_counter() - started) * 1000, 1)
    return {"registry": filterspec.registry_name(state.model), "count": total, "columns": summaries, "ms": ms}
