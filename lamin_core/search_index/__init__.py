"""Indexed, ranked, typo-tolerant search: `Registry.search()`, `QuerySet.search()`, public sources.

- `text`: one normalization for queries, index documents (SQL) and ranking
- `ranking`: the tiers (exact name > exact synonym > exact full name > prefix > whole tokens > substring >
  fuzzy > inside words) and the typo model (edits, their kind; digits as typed)
- `engine`: the step-by-step candidate loop every backend shares
- `db`: candidates from SQLite FTS5 trigram tables or PostgreSQL pg_trgm GIN indexes (or LIKE scans for
  fields without an index); `memory`: the same engine over terms in memory (public ontologies), an index
  of numpy arrays that is written to and mapped from one file
- `ddl`: index creation per vendor, the `CreateSearchIndex` migration operation, `repair()`
- `vocabulary`: word lists for the fuzzy step (SQLite reads them from the index)
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

from .._lazy import lazy_attributes
from .._logger import logger
from ..errors import InvalidArgument
from ..query.columns import has_updated_at
from .ddl import (
    CreateSearchIndex,
    CreateTokenIndex,
    CreateValueStartIndex,
    DropSearchIndex,
    RefreshSearchVocabulary,
    clear_caches,
    indexed_fields,
    repair,
    start_indexed,
    token_indexed,
)
from .fields import default_fields, field_specs, primary_field
from .text import normalize

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .memory import MemoryIndex, Vocabulary
    from .ranking import MAX_QUERY_LENGTH, parse

# loaded on first use (they import rapidfuzz): migrations import this package for CreateSearchIndex
_LAZY = {
    "MemoryIndex": "memory",
    "Vocabulary": "memory",
    "MAX_QUERY_LENGTH": "ranking",
    "parse": "ranking",
}
__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "MAX_QUERY_LENGTH",
    "CreateSearchIndex",
    "CreateTokenIndex",
    "CreateValueStartIndex",
    "DropSearchIndex",
    "MemoryIndex",
    "RefreshSearchVocabulary",
    "Vocabulary",
    "clear_caches",
    "default_fields",
    "indexed_fields",
    "normalize",
    "parse",
    "repair",
    "search",
    "start_indexed",
]

# a punctuation-only query ("%", "'") is matched literally among this many records
_LITERAL_CANDIDATES = 1000
# `limit=None` ("every match") returns at most this many records: the relevance order is spelled out in
# SQL, one CASE branch per record
MAX_RESULTS = 2000


def _field_names(model, field) -> list[str]:
    if field is None:
        names = default_fields(model)
    else:
        items = [field] if not isinstance(field, list | tuple) else list(field)
        names = []
        for item in items:
            inner = getattr(item, "field", None)  # a registry attribute, e.g. bt.Gene.symbol
            name = item if isinstance(item, str) else getattr(inner, "name", None)
            if not isinstance(name, str):
                raise InvalidArgument(
                    f"field must be a field name or a registry field, got {type(item).__name__}"
                )
            names.append(name)
    if not names:
        raise InvalidArgument(f"{model.__name__} has no text fields to search; pass field=")
    return names


def backend_for(queryset: QuerySet, names: list[str]):
    """The candidate source for `names` of `queryset.model`: an index if every field has one."""
    # rapidfuzz (ranking) loads on the first search: migrations import this package for CreateSearchIndex
    from .db import PostgresBackend, ScanBackend, SQLiteBackend

    model = queryset.model
    specs = field_specs(model, names)
    primary_name = primary_field(model, names)
    primary = names.index(primary_name) if primary_name in names else None
    connection = connections[queryset.db]
    table = model._meta.db_table
    columns = [model._meta.get_field(n).column for n in names]
    indexed = indexed_fields(connection, table)
    if indexed is not None and all(c in indexed for c in columns):
        compact = {n for n, c in zip(names, columns, strict=True) if indexed[c]}
        # FTS column names are the database columns (`key`, `name`, ...): the backends use field names,
        # which equal them for every searched field (no db_column overrides)
        if columns == names:
            if connection.vendor == "sqlite":
                return SQLiteBackend(queryset, specs, primary, compact, table)
            if connection.vendor == "postgresql":
                starts = start_indexed(connection, table)
                tokens = token_indexed(connection, table)
                return PostgresBackend(queryset, specs, primary, compact, table, starts, tokens)
    return ScanBackend(queryset, specs, primary, set())


def _ordered(queryset: QuerySet, ids: list) -> QuerySet:
    if not ids:
        return queryset.none()
    if all(type(pk) is int for pk in ids):
        # integers written into the SQL: compiling a CASE of `When` objects costs ~1 ms per search
        quote = connections[queryset.db].ops.quote_name
        column = f"{quote(queryset.model._meta.db_table)}.{quote(queryset.model._meta.pk.column)}"
        branches = " ".join(f"WHEN {pk} THEN {i}" for i, pk in enumerate(ids))
        order = RawSQL(f"CASE {column} {branches} END", [], output_field=IntegerField())
    else:
        order = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)), output_field=IntegerField())
    return queryset.filter(pk__in=ids).order_by(order)


def _latest(queryset: QuerySet, limit: int | None) -> QuerySet:
    """The most recently updated records (what an empty search box shows), newest first."""
    if limit == 0:
        return queryset.none()
    if not has_updated_at(queryset.model):
        ordered = queryset.order_by("-pk")
        if limit is None:
            return ordered
        return queryset.filter(pk__in=list(ordered.values_list("pk", flat=True)[:limit])).order_by("-pk")
    ordered = queryset.order_by("-updated_at", "pk")
    if limit is None:
        return ordered
    # the cutoff comes from the updated_at index alone; the mixed-direction sort then sees ~limit rows
    cutoff = list(queryset.order_by("-updated_at").values_list("updated_at", flat=True)[limit - 1 : limit])
    if cutoff:
        ordered = ordered.filter(updated_at__gte=cutoff[0])
    ids = list(ordered.values_list("pk", flat=True)[:limit])
    return queryset.filter(pk__in=ids).order_by("-updated_at", "pk")


def _literal(queryset: QuerySet, names: list[str], needle: str, limit: int | None) -> QuerySet:
    """A query without letters or digits: records whose fields contain it as typed (no wildcards)."""
    condition = reduce(or_, (Q(**{f"{n}__icontains": needle}) for n in names))
    rows = queryset.filter(condition).order_by("pk").values_list("pk", *names)[:_LITERAL_CANDIDATES]
    folded = needle.lower()
    ranked = []
    for pk, *values in rows:
        texts = [str(v).lower() for v in values if v is not None]
        tier = 0 if folded in texts else 1 if any(t.startswith(folded) for t in texts) else 2
        ranked.append((tier, min((len(t) for t in texts if folded in t), default=0), pk))
    ranked.sort()
    ids = [pk for *_, pk in ranked]
    return _ordered(queryset, ids[: MAX_RESULTS if limit is None else limit])


def _check_text(string: str) -> None:
    """A search text the databases can take: no NUL, valid Unicode (no lone surrogates)."""
    if "\x00" in string:
        raise InvalidArgument("the search text contains a NUL character (\\x00); remove it")
    try:
        string.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidArgument(
            f"the search text is not valid Unicode ({e.reason} at position {e.start})"
        ) from None


def search(
    queryset: QuerySet, string: str, field=None, limit: int | None = 20, case_sensitive: bool = False
) -> QuerySet:
    """The records of `queryset` that match `string`, best first, as a QuerySet.

    `field`: a field name or a list of them (default: the registry's human-readable fields, never uid or
    hash). `limit`: at most this many records (None: every match, up to MAX_RESULTS). An empty or blank
    string gives the most recently updated records; a string longer than MAX_QUERY_LENGTH is cut to it.
    `case_sensitive=True` keeps only records where one of the fields contains `string` in that case.
    """
    # rapidfuzz (ranking) loads on the first search, as in backend_for()
    from . import engine
    from .ranking import parse

    if not isinstance(string, str):
        if string is None:
            raise InvalidArgument("Cannot search for None value! Please pass a valid string.")
        raise InvalidArgument(f"search() expects a string to search for, got {type(string).__name__}")
    _check_text(string)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")
    if queryset.query.is_sliced:  # `qs[:10].search(...)`: search those records
        pks = list(queryset.values_list("pk", flat=True))
        queryset = type(queryset)(model=queryset.model, using=queryset.db).filter(pk__in=pks)
    names = _field_names(queryset.model, field)
    if case_sensitive and string.strip():
        # `contains` is case-insensitive on SQLite; a regular expression of the escaped text is not
        exact = Q()
        for name in names:
            exact |= Q(**{f"{name}__regex": re.escape(string.strip())})
        queryset = queryset.filter(exact)
    if not string.strip():
        return _latest(queryset, limit)
    query = parse(string)
    if not query.text:
        needle = query.raw.strip()  # blank once cut: as an empty search box
        return _literal(queryset, names, needle, limit) if needle else _latest(queryset, limit)
    ids = engine.rank(backend_for(queryset, names), query, MAX_RESULTS if limit is None else limit)
    if limit is None and len(ids) == MAX_RESULTS:
        logger.warning(
            f"search() returns the best {MAX_RESULTS} matches; pass a limit to choose another number"
        )
    return _ordered(queryset, ids)
