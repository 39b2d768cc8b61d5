"""The SQL of `descendant_of` (docs/architecture.md, "Ontology-aware filters"): the closure's ids are found
when the query is compiled, then the records are selected by the plan that suits how many of them match.

`Closure` is the term ids and all their descendants: one recursive query over the `parents` links when the
filter's SQL is compiled (so the QuerySet stays lazy: it sees the terms and links of the moment it runs),
written into the SQL as a plain list, whose size SQLite's planner can weigh (a recursive subquery inside
`IN (...)` it cannot). `LinkedTo` is "a link row joins this record to a term of the closure", for a
relation or a feature whose links sit in one link table. It samples the most recent records first
(one cheap query) and writes either

- `pk IN (SELECT host FROM links WHERE term IN (ids))`: reads the closure's links once (a count, a whole
  result, or a first page of a rare term); on SQLite a dense closure reads the link table in order
  instead of through its term index (measured 2-6x faster at 20 % of the links and more), or
- `EXISTS (SELECT 1 FROM links WHERE host = pk AND term IN (ids))`: for a first page of a common term,
  which walks the records in the page's order and stops at the page's end.

Both select each record once and the same records (benchmarks/DESCENDANTS.md has the measurements).
Compiling the query (also `str(queryset.query)`) runs the closure's query and the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import BooleanField, Expression, F, IntegerField

from .ancestry import relatives_sql

MAX_LISTED = 10_000  # a larger closure stays a recursive subquery (bounded SQL and parameter counts)
SAMPLE = 1_000  # records sampled to estimate the share a closure matches
DENSE = 0.15  # from this share of sampled records on, SQLite reads the link table in order (a count)
ALIAS = "closure_link"


class Closure(Expression):
    """`(id, id, ...)`: the given terms of `registry` and all terms below them, found when the query is
    compiled (the right side of an `__in`)."""

    def __init__(self, registry: type[models.Model], term_ids: list) -> None:
        super().__init__(output_field=IntegerField())
        self.registry, self.term_ids = registry, list(term_ids)

    def recursive_sql(self, connection) -> str:
        return relatives_sql(self.registry, "children", connection.alias, len(self.term_ids))

    def fetch(self, connection) -> list | None:
        """The closure's ids, or None when it has more than MAX_LISTED of them."""
        with connection.cursor() as cursor:
            cursor.execute(f"{self.recursive_sql(connection)} LIMIT {MAX_LISTED + 1:d}", self.term_ids)
            ids = [row[0] for row in cursor.fetchall()]
        return None if len(ids) > MAX_LISTED else ids

    def as_sql(self, compiler, connection, ids: list | None = None) -> tuple[str, list]:
        ids = self.fetch(connection) if ids is None else ids
        if ids is None:
            return f"({self.recursive_sql(connection)})", self.term_ids
        if not ids:  # the terms were deleted after filter(): nothing matches
            raise EmptyResultSet
        return f"({', '.join(['%s'] * len(ids))})", ids


@dataclass(frozen=True)
class Links:
    """A link table: the column naming the filtered record, the one naming the term, and fixed column
    values every counted link has (`{"feature_id": 3}` for a feature's values)."""

    table: str
    host: str
    term: str
    fixed: tuple[tuple[str, object], ...] = ()


def links_of(field: models.Field) -> Links | None:
    """The link table of a many-to-many relation (either side), both ends at primary keys; else None."""
    if isinstance(field, models.ManyToManyField):
        m2m, host, term = field, field.m2m_field_name(), field.m2m_reverse_field_name()
    elif isinstance(field, models.ManyToManyRel):
        m2m, host, term = field.field, field.field.m2m_reverse_field_name(), field.field.m2m_field_name()
    else:
        return None
    through = m2m.remote_field.through._meta
    host_fk, term_fk = through.get_field(host), through.get_field(term)
    if not (host_fk.target_field.primary_key and term_fk.target_field.primary_key):
        return None
    return Links(through.db_table, host_fk.column, term_fk.column)


class LinkedTo(Expression):
    """A condition: a row of `links` joins the record to a term of `closure` (each record once)."""

    conditional = True

    def __init__(self, links: Links, closure: Closure, pk: Expression | None = None) -> None:
        super().__init__(output_field=BooleanField())
        self.links, self.closure, self.pk = links, closure, pk if pk is not None else F("pk")

    def get_source_expressions(self) -> list:
        return [self.pk]

    def set_source_expressions(self, exprs: list) -> None:
        (self.pk,) = exprs

    def _terms(self, connection, ids_sql: str, scan: bool = False) -> tuple[str, list]:
        """`term IN (ids) AND fixed = value ...` over the link table's alias; `scan` keeps SQLite off the
        columns' indexes (a unary `+`), so it reads the link table in order."""
        quote, plus = connection.ops.quote_name, "+" if scan else ""
        parts = [f"{plus}{ALIAS}.{quote(self.links.term)} IN {ids_sql}"]
        parts += [f"{plus}{ALIAS}.{quote(column)} = %s" for column, _ in self.links.fixed]
        return " AND ".join(parts), [value for _, value in self.links.fixed]

    def _share(self, connection, model: type[models.Model], ids_sql: str, ids: list) -> tuple[float, int]:
        """(the share of the SAMPLE newest records that are linked to the closure, the largest id)."""
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        terms, params = self._terms(connection, ids_sql)
        sql = (
            f"SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM {quote(self.links.table)} {ALIAS} "
            f"WHERE {ALIAS}.{quote(self.links.host)} = sampled.id AND {terms}) THEN 1 ELSE 0 END), "
            f"(SELECT MAX({pk}) FROM {table}) "
            f"FROM (SELECT {pk} AS id FROM {table} ORDER BY {pk} DESC LIMIT {SAMPLE:d}) sampled"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*ids, *params])
            sampled, hits, largest = cursor.fetchone()
        return (hits or 0) / sampled if sampled else 0.0, largest or 0

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        pk_sql, pk_params = compiler.compile(self.pk)
        ids = self.closure.fetch(connection)
        ids_sql, ids_params = self.closure.as_sql(compiler, connection, ids=ids)
        table = connection.ops.quote_name(self.links.table)
        host = f"{ALIAS}.{connection.ops.quote_name(self.links.host)}"
        page, scan = compiler.query.high_mark, False
        if ids is not None:
            share, largest = self._share(connection, compiler.query.model, ids_sql, ids_params)
            # a page walks about page / share records; the closure's links are about share * records
            if page is not None and share and page / share < share * largest:
                terms, params = self._terms(connection, ids_sql)
                sql = f"EXISTS (SELECT 1 FROM {table} {ALIAS} WHERE {host} = {pk_sql} AND {terms})"
                return sql, [*pk_params, *ids_params, *params]
            scan = connection.vendor == "sqlite" and page is None and share >= DENSE
        terms, params = self._terms(connection, ids_sql, scan=scan)
        return f"{pk_sql} IN (SELECT {host} FROM {table} {ALIAS} WHERE {terms})", [
            *pk_params,
            *ids_params,
            *params,
        ]
