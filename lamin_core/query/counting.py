"""`Registry.filter().count()` of a large registry without reading every row (docs/architecture.md, "Counts").

A registry's visible records are nearly all of its rows. Counting them with `WHERE _branch_code = 1`
reads the value of every row (SQLite evaluates the condition row by row, PostgreSQL checks each tuple).
A registry that declares a partial index of its hidden records (`hidden_records_index`: archive and trash,
usually a handful) is counted instead as all rows minus the hidden ones, in one statement, so one snapshot:
SQLite counts a whole table from its B-tree pages without decoding a row, and the hidden rows come from the
small partial index. The result is exact; only a QuerySet whose one condition is the default visibility
takes this path.
"""

from __future__ import annotations

from django.db import connections, models
from django.db.models import Q
from django.db.models.lookups import Exact, In
from django.db.models.sql import Query

from .row_counts import counted_rows, counted_value

BRANCH_MAIN = 1  # the visible branch (models.base.BRANCH_MAIN); the index condition names it literally


HIDDEN = ~Q(_branch_code=BRANCH_MAIN)


def hidden_records_index(name: str) -> models.Index:
    """A partial index of a registry's archived and trashed records: `_branch_code` where it is not 1."""
    return models.Index(fields=["_branch_code"], condition=HIDDEN, name=name)


def has_hidden_records_index(model: type[models.Model]) -> bool:
    """Whether `model` declares the partial index of its hidden records (`hidden_records_index`)."""
    indexes = model._meta.indexes
    return any(index.fields == ["_branch_code"] and index.condition == HIDDEN for index in indexes)


def default_branch_first(queryset: models.QuerySet) -> bool:
    """Whether `queryset` carries its manager's visibility condition (`_branch_code = 1`) first in an ANDed,
    un-negated WHERE, as `VisibleManager` puts it."""
    where = queryset.query.where
    if not getattr(queryset, "_default_branch", False) or where.connector != "AND" or where.negated:
        return False
    first = where.children[0] if where.children else None
    target = getattr(getattr(first, "lhs", None), "target", None)
    return (
        isinstance(first, Exact)
        and getattr(target, "name", None) == "_branch_code"
        and first.rhs == BRANCH_MAIN
    )


def _plain(queryset: models.QuerySet) -> bool:
    """A registry's visible records (its default visibility first in WHERE), ANDed conditions only, and no
    join, slice, distinct, grouping or set operation."""
    query = queryset.query
    return default_branch_first(queryset) and not (
        query.is_sliced
        or query.distinct
        or query.combinator
        or query.group_by is not None
        or query.annotations
        or query.extra
        or len(query.alias_map) != 1
    )


def counts_visible_only(queryset: models.QuerySet) -> bool:
    """Whether `queryset` is a registry's visible records and nothing else."""
    return _plain(queryset) and len(queryset.query.where.children) == 1


def counted_value_filter(queryset: models.QuerySet) -> tuple[str, str] | None:
    """(column, value) when `queryset` is the visible records with `column = 'value'` and nothing else, for a
    column its registry counts per value on PostgreSQL (`_counted_values`,
    `row_count_operations.CountValues`)."""
    counted = getattr(queryset.model, "_counted_values", ())
    if not counted or not _plain(queryset) or len(queryset.query.where.children) != 2:
        return None
    condition = queryset.query.where.children[1]
    field = getattr(getattr(condition, "lhs", None), "target", None)
    if type(condition) is not Exact or getattr(field, "name", None) not in counted:
        return None
    if not isinstance(condition.rhs, str):
        return None
    return field.column, condition.rhs


def ids_subquery(queryset: models.QuerySet) -> Query | None:
    """The subquery when `queryset` is the visible records with `id IN (subquery)` and nothing else (what a
    feature filter such as `filter(perturbation="DMSO")` gives), the subquery selecting a non-null foreign
    key to the registry, so every value it gives names an existing record; else None."""
    if not _plain(queryset) or len(queryset.query.where.children) != 2:
        return None
    condition = queryset.query.where.children[1]
    model = queryset.model
    if not isinstance(condition, In) or getattr(condition.lhs, "target", None) != model._meta.pk:
        return None
    subquery = condition.rhs
    if not isinstance(subquery, Query) or subquery.is_sliced or subquery.combinator:
        return None
    if len(subquery.select) != 1:
        return None
    key = getattr(subquery.select[0], "target", None)
    if not (getattr(key, "many_to_one", False) and key.related_model is model and not key.null):
        return None
    return subquery


def _hidden_records(model: type[models.Model], connection) -> tuple[str, str]:
    """(quoted table, the hidden records' condition) as Django writes the partial index's: SQLite uses such
    an index only for a query that repeats its condition, literal included (a bound parameter would not
    do)."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field("_branch_code").column)
    return table, f"NOT ({column} = {BRANCH_MAIN:d})"


def visible_count_in(model: type[models.Model], subquery: Query, using: str) -> int:
    """The visible records among the ids `subquery` selects: its distinct ids minus the hidden records
    among them, in one statement (the hidden ones from the small partial index; no visit of each record)."""
    distinct = subquery.clone()
    distinct.distinct = True
    distinct.clear_ordering(force=True)
    ids_sql, ids_params = distinct.get_compiler(using).as_sql()  # compiled once, used twice
    connection = connections[using]
    table, hidden = _hidden_records(model, connection)
    pk = connection.ops.quote_name(model._meta.pk.column)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM ({ids_sql}) ids) - "
        f"(SELECT COUNT(*) FROM {table} WHERE {hidden} AND {pk} IN ({ids_sql}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids_params, *ids_params])
        return int(cursor.fetchone()[0])


def visible_value_count(queryset: models.QuerySet) -> int | None:
    """The visible records with `column = 'value'` from the per-value counts on PostgreSQL, for a QuerySet
    that is exactly that (`counted_value_filter`); None otherwise (SQLite counts from its indexes)."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    found = counted_value_filter(queryset)
    if found is None:
        return None
    column, value = found
    return counted_value(queryset.model._meta.db_table, column, BRANCH_MAIN, value, queryset.db)


def visible_count(model: type[models.Model], using: str) -> int:
    """The number of visible records of `model`: on PostgreSQL from the counts its triggers keep
    (`row_counts`, installed with the hidden records' index), else all rows minus the hidden ones."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        return counted_rows(model._meta.db_table, BRANCH_MAIN, using)
    table, hidden = _hidden_records(model, connection)
    sql = f"SELECT (SELECT COUNT(*) FROM {table}) - (SELECT COUNT(*) FROM {table} WHERE {hidden})"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])
