"""Column summaries for the browser's header: histograms and top values, computed in SQL over a state.

Numbers and dates get a histogram of equal-width bins with round edges (1, 2 or 5 x 10^k for numbers;
seconds, minutes, hours, days, weeks, years for dates), text, booleans and to-many paths their most
frequent values with counts. Each bin and value is what a filter condition selects: a bin is
`gte start` and `lt end` (integer arithmetic in the database, whole seconds for dates), a value is
`exact value`, so that clicking one adds a condition whose count is the bar's.

Nothing fetches rows. A histogram of all records reads the column's index (its ends, then a range count
per bin); of a selection, one pass for the extremes and one grouped pass. Top values are one grouped
count, which stops after MAX_DISTINCT values: a column of more (keys) is summarized as "more than
MAX_DISTINCT distinct values", without top values; a many-to-many path's come from its link table
(docs/architecture.md, "Counting rule": a record counts once per value, once in a histogram).
benchmarks/SUMMARIES.md has the costs at 1M records.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import sqlite3
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
MAX_DISTINCT = 1000  # values of a text column counted; more: "more than 1,000 distinct", no top values

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
        if sqlite3.sqlite_version_info >= (3, 38):  # unixepoch(): a third faster than strftime('%s')
            return self.as_sql(compiler, connection, template="unixepoch(%(expressions)s)")
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
    """The field a checked path ends at."""
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


def _bins(records: QuerySet, expression, start, width, n: int) -> list[int]:
    """Counts of `n` bins of `width` from `start` of an integer (or float) expression: one grouped query."""
    bucket = (expression - Value(start)) / Value(width)
    if isinstance(width, float):
        bucket = Floor(bucket)
    rows = (
        records.annotate(_bin=models.ExpressionWrapper(bucket, output_field=BigIntegerField()))
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


def _range_counts(records: QuerySet, path: str, edges: list) -> list[int]:
    """Counts between consecutive edges, one index range count each (`gte` and `lt`, as the filters)."""
    return [
        records.filter(**{f"{path}__gte": low, f"{path}__lt": high}).count()
        for low, high in itertools.pairwise(edges)
    ]


def _extremes(scope: _Scope, path: str) -> tuple[Any, Any]:
    """The least and greatest value: of all records, two ordered single-row queries (the column's index
    gives them at once); of a selection, one pass over it (a planner that sorts the selection for each
    single row would pass twice)."""
    present = scope.records.filter(**{f"{path}__isnull": False})
    if not scope.everything:
        found = present.aggregate(low=Min(path), high=Max(path))
        return found["low"], found["high"]
    low = present.order_by(path).values_list(path, flat=True).first()
    high = present.order_by(f"-{path}").values_list(path, flat=True).first()
    return low, high


def _indexed(model: type[models.Model], field: models.Field) -> bool:
    """Whether the field leads an index of the registry (then a range count reads only that index)."""
    if field.db_index or field.unique:
        return True
    return any(index.fields and index.fields[0] == field.name for index in model._meta.indexes)


def _by_index(scope: _Scope, column: _Column) -> bool:
    """Bins as range counts on the column's index: for all records (no other condition to check per row)."""
    return scope.everything and "__" not in column.path and _indexed(scope.records.model, column.field)


def _histogram(bins: list[dict], total: int, low: Any, high: Any) -> dict:
    counted = sum(b["count"] for b in bins)
    return {"count": counted, "nulls": total - counted, "bins": bins, "min": low, "max": high}


def _number(scope: _Scope, column: _Column, bins: int) -> dict:
    path, records = column.path, scope.records
    lo, hi = _extremes(scope, path)
    if lo is None:
        return _histogram([], scope.total, None, None)
    integer = isinstance(column.field, models.IntegerField | models.AutoField)
    if integer:
        lo, hi = int(lo), int(hi)
        width, n = _fit(lo, hi + 1, bins, integer=True)
        start = lo - lo % width
    else:
        lo, hi = float(lo), float(hi)
        width, n = _fit(lo, hi, bins, integer=False)
        start = math.floor(lo / width) * width
    edges = [start + i * width for i in range(n + 1)]
    if _by_index(scope, column):
        counts = _range_counts(records, path, edges)
    else:
        expression = F(path) if integer else models.ExpressionWrapper(F(path), output_field=FloatField())
        counts = _bins(records.filter(**{f"{path}__isnull": False}), expression, start, width, n)
    found = [{"start": edges[i], "end": edges[i + 1], "count": c} for i, c in enumerate(counts)]
    return _histogram(found, scope.total, lo, hi)


def _fit(lo: float, hi: float, bins: int, integer: bool) -> tuple[Any, int]:
    """A round width and the number of bins it takes, from `lo` (floored to the width) up to `hi`."""
    width = _nice_width(hi - lo, bins, integer)
    while True:
        start = lo - lo % width if integer else math.floor(lo / width) * width
        n = max(1, math.ceil((hi - start) / width)) if integer else int((hi - start) // width) + 1
        if n <= bins:
            return width, n
        width = _nice_width(width * (bins + 1), bins, integer)


def _epoch(value: dt.date) -> int:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return math.floor(value.timestamp())


def _datetime(scope: _Scope, column: _Column, bins: int) -> dict:
    path, records = column.path, scope.records
    is_date = not isinstance(column.field, models.DateTimeField)
    first, last = _extremes(scope, path)
    if first is None:
        return {**_histogram([], scope.total, None, None), "width_seconds": None}
    lo, hi = _epoch(first), _epoch(last)
    widths = [w for w in _DATE_WIDTHS if not is_date or w % _DAY == 0]
    width = next((w for w in widths if (hi - (lo - lo % w)) // w + 1 <= bins), widths[-1])
    start = lo - lo % width
    n = (hi - start) // width + 1
    moments = [dt.datetime.fromtimestamp(start + i * width, dt.UTC) for i in range(n + 1)]
    if _by_index(scope, column):
        counts = _range_counts(records, path, [m.date() if is_date else m for m in moments])
    else:
        present = records.filter(**{f"{path}__isnull": False})
        counts = _bins(present, _EpochSeconds(F(path)), start, width, n)

    def text(moment: dt.datetime) -> str:
        return moment.date().isoformat() if is_date else moment.isoformat()

    found = [
        {"start": text(moments[i]), "end": text(moments[i + 1]), "count": c} for i, c in enumerate(counts)
    ]
    low, high = (dt.datetime.fromtimestamp(x, dt.UTC) for x in (lo, hi))
    return {**_histogram(found, scope.total, text(low), text(high)), "width_seconds": width}


@dataclass(frozen=True)
class _Link:
    """A many-to-many relation's link table: its key to the record, its key to the related record, and
    the related registry's field whose values are summarized."""

    through: type[models.Model]
    host: str  # attname: "artifact_id"
    key: str  # attname: "ulabel_id"
    relation: str  # name: "ulabel"
    target: type[models.Model]
    field: models.Field

    @property
    def value(self) -> str:
        return f"{self.relation}__{self.field.name}"


def _link_table(model: type[models.Model], path: str) -> _Link | None:
    """The link table of `relation__field` across a many-to-many relation; None for other paths."""
    parts = path.split("__")
    if len(parts) != 2:
        return None
    relation = model._meta.get_field(parts[0])
    if not relation.many_to_many:
        return None
    through = relation.remote_field.through if relation.concrete else relation.through
    target = relation.related_model
    keys = [f for f in through._meta.concrete_fields if f.is_relation and f.related_model is target]
    to_host = [f for f in through._meta.concrete_fields if f.is_relation and f.related_model is model]
    if target is model or len(to_host) != 1 or len(keys) != 1:
        return None
    field = target._meta.get_field(parts[1])
    return _Link(through, to_host[0].attname, keys[0].attname, keys[0].name, target, field)


def _names_records(link: _Link) -> bool:
    """Whether each value of the field names one related record (never empty, never on two records): then
    counting by the link's key is counting by the value, without joining the related registry."""
    if link.field.null:
        return False
    if link.field.unique or link.field.primary_key:
        return True
    name = link.field.name
    repeated = link.target._base_manager.values(name).annotate(_n=Count("pk")).filter(_n__gt=1)
    return not repeated.exists()


def _top_keys(links: QuerySet, link: _Link, top: int) -> list[tuple[int, int]]:
    """The related records linked to the most records, exactly: a key's link rows bound its records from
    above (equal unless a record is linked to it twice, through two features), so records are counted
    (a sort of the key's links) only for keys that can still reach the top, in order of their bound;
    many ties at the cutoff count every key in one grouped query instead."""
    candidates = 3 * top
    rows = links.values(link.key).annotate(_n=Count("pk")).order_by("-_n", link.key)
    bounds = list(rows.values_list(link.key, "_n")[: candidates + 1])
    exact: list[tuple[int, int]] = []
    for key, bound in bounds[:candidates]:
        if len(exact) >= top and bound < sorted((n for _, n in exact), reverse=True)[top - 1]:
            return exact
        n = links.filter(**{link.key: key}).aggregate(n=Count(link.host, distinct=True))["n"]
        exact.append((key, n))
    if len(bounds) <= candidates:
        return exact
    grouped = links.values(link.key).annotate(_n=Count(link.host, distinct=True)).order_by("-_n", link.key)
    return list(grouped.values_list(link.key, "_n")[:top])


def _top_linked(scope: _Scope, link: _Link, top: int) -> tuple[list[tuple[Any, int]], int]:
    """The most frequent values of a many-to-many path from its link table (a record counts once per
    value, however many links lead to it), and how many records have a value."""
    links = link.through._base_manager.all()
    if not scope.everything:
        links = links.filter(**{f"{link.host}__in": scope.records.values("pk")})
    if not _names_records(link):
        present = links.filter(**{f"{link.value}__isnull": False})
        rows = present.values(link.value).annotate(_n=Count(link.host, distinct=True))
        found = list(rows.order_by("-_n", link.value).values_list(link.value, "_n")[:top])
        return found, present.aggregate(n=Count(link.host, distinct=True))["n"]
    if scope.everything:
        counted = _top_keys(links, link, top)
    else:  # each count of records would run the selection's subquery again: one grouped query
        rows = links.values(link.key).annotate(_n=Count(link.host, distinct=True)).order_by("-_n", link.key)
        counted = list(rows.values_list(link.key, "_n")[:top])
    names = dict(
        link.target._base_manager.filter(pk__in=[k for k, _ in counted]).values_list("pk", link.field.name)
    )
    found = sorted(((names[k], n) for k, n in counted), key=lambda item: (-item[1], item[0]))[:top]
    return found, links.aggregate(n=Count(link.host, distinct=True))["n"]


def _top_values(scope: _Scope, path: str, top: int) -> dict:
    """The most frequent values of a column with their records, and how many distinct values it has.

    The values are grouped without an order and at most MAX_DISTINCT + 1 groups are read, so that the
    database may stream the groups from the column's index and stop there: a column of (nearly) distinct
    values, such as keys, then costs MAX_DISTINCT + 1 index entries instead of a count and a sort of every
    value, and is answered as "more than MAX_DISTINCT distinct values" without top values (the groups
    read are the first in the index's order, which says nothing of the most frequent)."""
    records, total = scope.records, scope.total
    with_values = total - records.filter(**{f"{path}__isnull": True}).count()
    rows = records.filter(**{f"{path}__isnull": False}).values(path).annotate(_n=Count("pk")).order_by()
    groups = list(rows.values_list(path, "_n")[: MAX_DISTINCT + 1])
    more = len(groups) > MAX_DISTINCT
    found = [] if more else sorted(groups, key=lambda item: (-item[1], item[0]))[:top]
    return {
        "count": with_values,
        "nulls": total - with_values,
        "top": [{"value": value, "count": n} for value, n in found],
        "other": with_values - sum(n for _, n in found),
        "distinct": min(len(groups), MAX_DISTINCT),
        "more_distinct": more,
    }


def _category(scope: _Scope, column: _Column, top: int) -> dict:
    path, records, total = column.path, scope.records, scope.total
    if not column.info.to_many:
        return _top_values(scope, path, top)
    link = _link_table(records.model, path)
    if link is not None:
        found, with_values = _top_linked(scope, link, top)
    else:
        present = {f"{path}__isnull": False}
        related = records.model._base_manager.filter(pk__in=records.values("pk")).filter(**present)
        rows = related.values(path).annotate(_n=Count("pk", distinct=True)).order_by("-_n", path)
        found = list(rows.values_list(path, "_n")[:top])
        with_values = related.values("pk").distinct().count()
    return {
        "count": with_values,
        "nulls": total - with_values,
        "top": [{"value": value, "count": n} for value, n in found],
        "other": None,  # records with several values: the rest is no sum of the shown counts
    }


@dataclass(frozen=True)
class _Scope:
    """The selected records (each once, unordered), how many, and whether they are all of the registry."""

    records: QuerySet
    total: int
    everything: bool


def _scope(state: QueryState) -> _Scope:
    """The records a state selects: a search or a to-many filter as a subquery of ids; every record of the
    registry (no filter, nothing archived or in the trash) without any condition, so that counts read
    only the indexes of the columns."""
    queryset = state.queryset()
    if state.search.strip() or queryset.query.distinct or queryset.query.is_sliced:
        records = state.model._base_manager.filter(pk__in=queryset.values("pk"))
    else:
        records = queryset.order_by()
    total = records.count()
    unfiltered = state.base is None and not (state.filters or {}).get("items") and not state.search.strip()
    if unfiltered and total == state.model._base_manager.count():
        return _Scope(state.model._base_manager.order_by(), total, True)
    return _Scope(records, total, False)


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
    summaries = []
    for column in plans:
        began = time.perf_counter()
        if column.kind == "number":
            summary = _number(scope, column, bins)
        elif column.kind == "datetime":
            summary = _datetime(scope, column, bins)
        elif column.kind == "unique":
            nulls = scope.records.filter(**{f"{column.path}__isnull": True}).count()
            summary = {"count": scope.total - nulls, "nulls": nulls}
        else:
            summary = _category(scope, column, top)
        ms = round((time.perf_counter() - began) * 1000, 1)
        summaries.append(
            {"column": column.path, "kind": column.kind, "to_many": column.info.to_many, **summary, "ms": ms}
        )
    ms = round((time.perf_counter() - started) * 1000, 1)
    return {
        "registry": filterspec.registry_name(state.model),
        "count": scope.total,
        "columns": summaries,
        "ms": ms,
    }
