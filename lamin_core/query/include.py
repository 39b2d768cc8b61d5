"""`df(include=[...])`: columns from related registries, with to-many paths aggregated into sets.

Related records are read whatever their branch: a trashed or archived record linked to a row shows in its
columns, as a relation filter matches it (LaminDB 1.5.3's rule; the visibility condition applies to the
queried registry only). The widgets' and the server's pages gather to-many columns the same way
(`to_many_values`).
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError
from django.db import connections, models
from django.db.models import BooleanField, F, Lookup, Q
from django.db.models.expressions import RawSQL

from .counting import ids_subquery

if TYPE_CHECKING:
    import pandas as pd
    from django.db.models import QuerySet


def label_field(model: type[models.Model]) -> str | None:
    """The human-readable field shown next to `uid` (`key`, `name`, or `symbol`)."""
    names = {f.name for f in model._meta.concrete_fields}
    return next((n for n in ("key", "name", "symbol") if n in names), None)


def is_to_many(model: type[models.Model], path: str) -> bool:
    """Whether a Django path crosses a to-many relation (then its values aggregate into sets)."""
    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            if current is model:
                raise FieldError(f"cannot include {path!r}: {model.__name__} has no field {part!r}") from None
            return False  # a lookup or transform on the previous field
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        current = field.related_model
    return False


def to_many_hops(model: type[models.Model], path: str) -> int:
    """How many to-many relations a Django path crosses (0 for a field or a to-one path)."""
    current, hops = model, 0
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            break  # a lookup or transform, or a foreign key's `_id`
        if not field.is_relation or field.related_model is None:
            break
        hops += bool(field.many_to_many or field.one_to_many)
        current = field.related_model
    return hops


# per backend: every group's distinct values (NULL kept as null) in one JSON document [[id, [values]], ...]
_JSON_LIST = {
    "sqlite": (
        "json_group_array(DISTINCT {value})",
        "json_group_array(json_array({pk}, json({values})))",
    ),
    "postgresql": ("json_agg(DISTINCT {value})", "json_agg(json_build_array({pk}, {values}))::text"),
}


def _json_exact(field: object, converters: dict) -> bool:
    """Whether values of `field` survive a JSON array unchanged: text and integers that Django hands over
    as the driver gives them (no converters). Floats do not (SQLite writes 15 digits), nor datetimes."""
    return not converters and isinstance(field, models.CharField | models.TextField | models.IntegerField)


def to_many_values(rows: QuerySet, path: str, max_rows: int | None = None) -> tuple[dict[int, list], int]:
    """The distinct values a to-many `path` reaches from each record of `rows` (the registry's base
    manager filtered to the ids wanted: built once, it serves every path).

    One query over the joined rows, grouped in the database, so Python receives each distinct value once
    however many link rows lead to it: text and integers as one JSON document, other values as one row
    per (id, value) that Django's converters then type. Values are what Django gives, NULL as None (an id
    without related records gets [None]). Returns ({id: values}, how many joined rows the database read);
    with `max_rows` it reads at most max_rows + 1 of them, so a count above max_rows means the answer is
    incomplete.
    """
    joined = rows.order_by().values(_pk=F("pk"), _v=F(path))
    if max_rows is not None:
        joined = joined[: max_rows + 1]
    compiler = joined.query.get_compiler(using=joined.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return {}, 0
    connection = connections[joined.db]
    pk, value = connection.ops.quote_name("_pk"), connection.ops.quote_name("_v")
    expression = compiler.select[1][0]
    converters = compiler.get_converters([expression])
    if connection.vendor in _JSON_LIST and _json_exact(expression.output_field, converters):
        listed, document = _JSON_LIST[connection.vendor]
        grouped = (
            f"SELECT {pk}, {listed.format(value=value)} AS _values, COUNT(*) AS _count "
            f"FROM ({sql}) _joined GROUP BY {pk}"
        )
        query = f"SELECT {document.format(pk=pk, values='_values')}, SUM(_count) FROM ({grouped}) _grouped"
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            text, read = cursor.fetchone()
        return ({key: items for key, items in json.loads(text)} if text else {}), int(read or 0)
    grouped = f"SELECT {pk}, {value}, COUNT(*) FROM ({sql}) _joined GROUP BY {pk}, {value}"
    with connection.cursor() as cursor:
        cursor.execute(grouped, params)
        result = cursor.fetchall()
    if converters:  # positions in the rows: the value is column 1
        result = compiler.apply_converters(result, {1: converters[0]})
    values: dict[int, list] = {}
    read = 0
    for key, item, count in result:
        values.setdefault(key, []).append(item)
        read += count
    return values, read


MAX_LISTED_IDS = 10_000


class AmongIds(Lookup):
    """`field` among integer ids, as plain values: one array literal on PostgreSQL (`= ANY(%s::integer[])`;
    psycopg adapts a list of ints element by element, ~80 ms for 37,000 ids), `IN (%s, ...)` on SQLite
    (Django's `__in` prepares each value through the field, about 5 us an id: a third of a features frame
    of a few thousand rows)."""

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(pk) for pk in self.rhs]
        if connection.vendor == "postgresql":
            kind = self.lhs.output_field.db_type(connection)  # a foreign key: its target's, integer or bigint
            return f"{lhs} = ANY(%s::{kind}[])", [*lhs_params, "{" + ",".join(map(str, ids)) + "}"]
        if not ids:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]


def listed_ids(field: str, ids: list, using: str) -> Lookup | None:
    """`field` among `ids` as values in the statement (AmongIds): always on PostgreSQL (one array), on
    SQLite when short; None when too many for SQLite (whose statements take at most 32,766 parameters)."""
    if len(ids) <= MAX_LISTED_IDS or connections[using].vendor == "postgresql":
        return AmongIds(F(field), ids)
    return None


def ids_condition(field: str, index, queryset: QuerySet) -> Q | Lookup:
    """`field` among the rows' ids: listed (an index lookup per id, whatever SQLite's planner guesses
    without statistics), or on SQLite past MAX_LISTED_IDS the queryset as a subquery, which runs its
    filters again."""
    listed = listed_ids(field, index.tolist(), queryset.db)
    return listed if listed is not None else Q(**{f"{field}__in": queryset.values("id")})


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a frame's rows are read: the hundreds of thousands of tuples and
    lists of a large frame (none in a cycle) set off the collector's passes over every live object again
    and again (~200-1000 ms of a 37,000-row features frame); reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def sorted_id_probes(queryset: QuerySet) -> QuerySet:
    """On PostgreSQL, the visible records with `id IN (subquery)` and nothing else (a feature filter,
    `counting.ids_subquery`) as `id = ANY(ARRAY(subquery))`: the same rows, but the primary-key index is
    probed once per id in ascending order (PostgreSQL sorts an array's keys) instead of in the order of a
    hash of the subquery's ids, so the table is visited in order (37,425 rows at a million artifacts:
    ~190 instead of ~290 ms). Any other QuerySet is returned as it is."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset
    subquery = ids_subquery(queryset)
    if subquery is None:
        return queryset
    subquery = subquery.clone()
    subquery.clear_ordering(force=True)
    sql, params = subquery.get_compiler(queryset.db).as_sql()
    quote = connections[queryset.db].ops.quote_name
    pk = f"{quote(queryset.model._meta.db_table)}.{quote(queryset.model._meta.pk.column)}"
    probed = queryset.all()
    probed.query.where.children[1] = RawSQL(f"{pk} = ANY(ARRAY({sql}))", params, output_field=BooleanField())
    return probed


def id_order(queryset: QuerySet) -> bool | None:
    """For an unsliced QuerySet ordered by its primary key alone: True (ascending) or False (descending);
    else None."""
    query = queryset.query
    if query.is_sliced or query.distinct_fields or query.combinator or query.extra_order_by:
        return None
    if len(query.order_by) != 1:
        return None
    (term,) = query.order_by
    if not isinstance(term, str):
        return None
    name = term.lstrip("-")
    pk = queryset.model._meta.pk
    if name not in ("pk", pk.name, pk.attname):
        return None
    return not term.startswith("-")


def in_id_order(frame: pd.DataFrame, ascending: bool) -> pd.DataFrame:
    """`frame` (indexed by id) sorted by id, unless it already is (an O(n) check, no copy)."""
    ordered = frame.index.is_monotonic_increasing if ascending else frame.index.is_monotonic_decreasing
    return frame if ordered else frame.sort_index(ascending=ascending)


def include_frame(queryset: QuerySet, include: list[str]) -> pd.DataFrame:
    """`uid`, the label field and the included paths for the rows of `queryset`, indexed by id."""
    import pandas as pd  # heavy: loaded when a frame is built

    model = queryset.model
    label = label_field(model)
    base = [n for n in ("uid", label) if n and n not in include]
    to_many = [p for p in include if is_to_many(model, p)]
    to_one = [p for p in include if p not in to_many]
    ascending = id_order(queryset)
    # the id order of an unsliced query is restored in memory: `ORDER BY id` makes SQLite walk the whole
    # table in rowid order rather than the index of a range filter (`created_at < T`: 134 ms instead of
    # 1 ms at 1M rows), since without sqlite_stat4 it cannot tell how many rows such a filter keeps
    main = sorted_id_probes(queryset if ascending is None else queryset.order_by())
    rows = list(main.values_list("id", *base, *to_one))
    frame = pd.DataFrame.from_records(rows, columns=["id", *base, *to_one]).set_index("id")
    if ascending is not None:
        frame = in_id_order(frame, ascending)
    if to_many:
        # one grouped query per distinct path over the same rows: the queryset as a subquery keeps its
        # filters and slice
        rows = model._base_manager.filter(ids_condition("id", frame.index, queryset))
        for path in dict.fromkeys(to_many):
            groups, _ = to_many_values(rows, path)
            frame[path] = [set(groups[pk]) if pk in groups else {None} for pk in frame.index]
    return frame[[*base, *include]]
