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
import random
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import BigIntegerField, Count, Exists, F, FloatField, Func, Max, Min, OuterRef, Value
from django.db.models.expressions import Col
from django.db.models.functions import Floor
from django.db.models.lookups import Exact, LessThan
from django.db.models.sql.where import AND, WhereNode

from lamin_core.query.include import MAX_LISTED_IDS, AmongIds

from . import filterspec
from .errors import BadRequest

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .state import QueryState

MAX_COLUMNS = 12  # columns per request: each costs one or two scans of the selected records
MAX_BINS = 50
MAX_TOP = 50
MAX_DISTINCT = 1000  # values of a text column counted; more: "more than 1,000 distinct", no top values
EXACT_RECORDS = 50_000  # selections up to this size get exact to-many counts at once (~0.1 s at most)
SAMPLE = 8_000  # records a larger selection's to-many counts are first estimated from
_SPACE = 2**32  # the sample's hash: (id mod 2^32) * _MULTIPLIER mod 2^32, below 2^63 before the mod
_MULTIPLIER = 1_597_334_677

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


def _extremes(scope: _Scope, path: str, seek: bool) -> tuple[Any, Any]:
    """The least and greatest value: on an index that orders the selection by the column (`_by_index`),
    two ordered single-row queries, each one index probe; otherwise one pass over the selection (a
    planner that sorts the selection for each single row would pass twice)."""
    present = scope.records.filter(**{f"{path}__isnull": False})
    if not seek:
        found = present.aggregate(low=Min(path), high=Max(path))
        return found["low"], found["high"]
    low = present.order_by(path).values_list(path, flat=True).first()
    high = present.order_by(f"-{path}").values_list(path, flat=True).first()
    return low, high


def _fixed_fields(records: QuerySet) -> set[str] | None:
    """The registry's fields that the selection's condition sets to one value each, when it is nothing
    else (equalities joined by AND, on the registry's own table); None for any other condition."""
    query = records.query
    if len(query.alias_map) > 1:
        return None
    fixed, nodes = set(), [query.where]
    while nodes:
        node = nodes.pop()
        if node.negated or node.connector != AND:
            return None
        for child in node.children:
            if isinstance(child, WhereNode):
                nodes.append(child)
            elif isinstance(child, Exact) and isinstance(child.lhs, Col) and child.rhs_is_direct_value():
                fixed.add(child.lhs.target.name)
            else:
                return None
    return fixed


def _by_index(scope: _Scope, column: _Column) -> bool:
    """Whether an index of the registry lists the selection's fixed fields (`_fixed_fields`), in any
    order, then the column: the selected records are then one range of that index in the column's order,
    so that the extremes are two probes and each bin an index range count (no table rows, no
    expression per row). All records: an index led by the column."""
    if "__" in column.path:
        return False
    fixed = _fixed_fields(scope.records)
    if fixed is None:
        return False
    model, field = scope.records.model, column.field
    if not fixed and (field.db_index or field.unique):
        return True
    return any(
        index.condition is None
        and len(index.fields) > len(fixed)
        and set(index.fields[: len(fixed)]) == fixed
        and index.fields[len(fixed)] == field.name
        for index in model._meta.indexes
    )


def _histogram(bins: list[dict], total: int, low: Any, high: Any) -> dict:
    counted = sum(b["count"] for b in bins)
    return {"count": counted, "nulls": total - counted, "bins": bins, "min": low, "max": high}


def _number(scope: _Scope, column: _Column, bins: int) -> dict:
    path, records = column.path, scope.records
    seek = _by_index(scope, column)
    lo, hi = _extremes(scope, path, seek)
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
    if seek:
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
    seek = _by_index(scope, column)
    first, last = _extremes(scope, path, seek)
    if first is None:
        return {**_histogram([], scope.total, None, None), "width_seconds": None}
    lo, hi = _epoch(first), _epoch(last)
    widths = [w for w in _DATE_WIDTHS if not is_date or w % _DAY == 0]
    width = next((w for w in widths if (hi - (lo - lo % w)) // w + 1 <= bins), widths[-1])
    start = lo - lo % width
    n = (hi - start) // width + 1
    moments = [dt.datetime.fromtimestamp(start + i * width, dt.UTC) for i in range(n + 1)]
    if seek:
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


def _named(link: _Link, counted: list[tuple[int, int]], top: int) -> list[tuple[Any, int]]:
    """Counts by the link's key as counts by the related records' values, most first, then by value."""
    names = dict(
        link.target._base_manager.filter(pk__in=[k for k, _ in counted]).values_list("pk", link.field.name)
    )
    return sorted(((names[k], n) for k, n in counted), key=lambda item: (-item[1], item[0]))[:top]


def _top_linked(
    links: QuerySet, link: _Link, named: bool, top: int, by_bounds: bool
) -> list[tuple[Any, int]]:
    """The most frequent values of a many-to-many path among `links` (a record counts once per value,
    however many links lead to it); `named`: by the link's key (`_names_records`), `by_bounds`: through
    `_top_keys` (for all the links: its counts of one key each would rerun a selection's subquery)."""
    if not named:
        present = links.filter(**{f"{link.value}__isnull": False})
        rows = present.values(link.value).annotate(_n=Count(link.host, distinct=True))
        return list(rows.order_by("-_n", link.value).values_list(link.value, "_n")[:top])
    if by_bounds:
        return _named(link, _top_keys(links, link, top), top)
    rows = links.values(link.key).annotate(_n=Count(link.host, distinct=True)).order_by("-_n", link.key)
    return _named(link, list(rows.values_list(link.key, "_n")[:top]), top)


def _linked_exactly(scope: _Scope, link: _Link, top: int) -> tuple[list[tuple[Any, int]], int]:
    """The top values of a many-to-many path over every selected record, and how many records have one:
    of all records from the link table alone; of a selection, its links (by the selection's ids) and
    the selected records with a link (one probe of the link table's record index each, instead of a
    distinct count of the selection's links)."""
    named = _names_records(link)
    links = link.through._base_manager.all()
    present = links if named else links.filter(**{f"{link.value}__isnull": False})
    if scope.everything:
        found = _top_linked(links, link, named, top, by_bounds=True)
        return found, present.aggregate(n=Count(link.host, distinct=True))["n"]
    selected = links.filter(**{f"{link.host}__in": scope.records.values("pk")})
    found = _top_linked(selected, link, named, top, by_bounds=False)
    with_values = scope.records.filter(Exists(present.filter(**{link.host: OuterRef("pk")}))).count()
    return found, with_values


def _drawn(scope: _Scope) -> list[int] | None:
    """Of all the registry's records: ids drawn at random between the least and the greatest (seeded by
    the total, so that the same table gives the same estimate), those of a record: about SAMPLE of them,
    found by probes of the primary key instead of a pass over every id. None when gaps in the ids would
    take more than MAX_LISTED_IDS draws."""
    ids = scope.records.values_list("pk", flat=True)
    low, high = ids.order_by("pk").first(), ids.order_by("-pk").first()
    if low is None:
        return None
    draws = math.ceil(SAMPLE * (high - low + 1) / scope.total)
    if draws > MAX_LISTED_IDS:
        return None
    drawn = random.Random(scope.total).sample(range(low, high + 1), draws)
    return list(ids.filter(AmongIds(F("pk"), drawn)))


def _sample(scope: _Scope) -> list[int]:
    """About SAMPLE of the selected records' ids, spread over all of them: of all records drawn
    (`_drawn`); of a selection (or ids with too many gaps) those whose id hashes below SAMPLE / total of
    the hash's range (Knuth's multiplicative hash, so that ids of a period, such as every fifth record,
    are neither all in nor all out), read from the selection's ids alone, at most MAX_LISTED_IDS (22
    standard deviations above SAMPLE) so that a statement lists them all."""
    drawn = _drawn(scope) if scope.everything else None
    if drawn is not None:
        return drawn
    hashed = (F("pk") % Value(_SPACE)) * Value(_MULTIPLIER) % Value(_SPACE)
    below = LessThan(
        models.ExpressionWrapper(hashed, output_field=BigIntegerField()),
        _SPACE * SAMPLE // max(scope.total, 1),
    )
    return list(scope.records.filter(below).values_list("pk", flat=True)[:MAX_LISTED_IDS])


def _linked_in_sample(
    scope: _Scope, link: _Link, top: int, sample: list[int]
) -> tuple[list[tuple[Any, int]], int]:
    """`_linked_exactly` estimated from a sample of the selection: its (value, record) pairs read by the
    sample's ids (an index probe each, whatever the planner guesses for a long list of values, read as
    pairs rather than grouped in SQL: SQLite would group them along the link table's label index,
    checking every link against the list), counted here and scaled by total / sample size (rounded), so
    that shares are the sample's."""
    named = _names_records(link)
    links = link.through._base_manager.filter(AmongIds(F(link.host), sample))
    if not named:
        links = links.filter(**{f"{link.value}__isnull": False})
    pairs = set(links.values_list(link.key if named else link.value, link.host))
    counted = sorted(Counter(value for value, _ in pairs).items(), key=lambda item: (-item[1], item[0]))
    found = _named(link, counted[:top], top) if named else counted[:top]
    scale = scope.total / len(sample)
    with_values = len({record for _, record in pairs})
    return [(value, round(n * scale)) for value, n in found], round(with_values * scale)


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


def _category(scope: _Scope, column: _Column, top: int, exact: bool) -> dict:
    """Top values; a many-to-many path's of more than EXACT_RECORDS records estimated from a sample of
    them unless `exact` (marked `"exact": false` with the sample's size, for the browser to ask again)."""
    path, records, total = column.path, scope.records, scope.total
    if not column.info.to_many:
        return _top_values(scope, path, top)
    link = _link_table(records.model, path)
    sample = [] if link is None or exact or total <= EXACT_RECORDS else _sample(scope)
    if sample:
        found, with_values = _linked_in_sample(scope, link, top, sample)
    elif link is not None:
        found, with_values = _linked_exactly(scope, link, top)
    else:
        present = {f"{path}__isnull": False}
        related = records.model._base_manager.filter(pk__in=records.values("pk")).filter(**present)
        rows = related.values(path).annotate(_n=Count("pk", distinct=True)).order_by("-_n", path)
        found = list(rows.values_list(path, "_n")[:top])
        with_values = related.values("pk").distinct().count()
    summary = {
        "count": with_values,
        "nulls": total - with_values,
        "top": [{"value": value, "count": n} for value, n in found],
        "other": None,  # records with several values: the rest is no sum of the shown counts
    }
    return {**summary, "exact": False, "sampled": len(sample)} if sample else summary


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


def summarize(state: QueryState, columns: list, bins: int = 20, top: int = 10, exact: bool = False) -> dict:
    """The summary of each column over the records the state selects (every column checked first); each
    says whether it is `exact` (`_category`: estimates of to-many counts unless `exact` is asked for)."""
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
            summary = _category(scope, column, top, exact)
        ms = round((time.perf_counter() - began) * 1000, 1)
        summaries.append(
            {
                "column": column.path,
                "kind": column.kind,
                "to_many": column.info.to_many,
                "exact": True,
                **summary,
                "ms": ms,
            }
        )
    ms = round((time.perf_counter() - started) * 1000, 1)
    return {
        "registry": filterspec.registry_name(state.model),
        "count": scope.total,
        "columns": summaries,
        "ms": ms,
    }
