"""`Registry.search()`: records ranked by how well their human-readable fields match a query.

Ranking, per field value: exact > prefix > whole token > substring > fuzzy; case and punctuation are
ignored. Candidates are the substring matches of the query or of its tokens, found by the database.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Q, Value, When

if TYPE_CHECKING:
    from django.db import models
    from django.db.models import QuerySet

MAX_QUERY_LENGTH = 100
MAX_CANDIDATES = 2000
_SEARCH_FIELDS = (
    "key",
    "name",
    "symbol",
    "description",
    "synonyms",
    "ontology_id",
    "abbr",
    "ensembl_gene_id",
)
_PUNCT = re.compile(r"[\W_]+")


def default_fields(model: type[models.Model]) -> list[str]:
    """The human-readable fields searched by default (never uid or hash)."""
    names = {f.name for f in model._meta.concrete_fields}
    return [f for f in _SEARCH_FIELDS if f in names]


def normalize(text: str) -> str:
    """Lowercase with punctuation and underscores as single spaces."""
    return _PUNCT.sub(" ", text.lower()).strip()


def score(query: str, value: str | None) -> float:
    """How well one field value matches a normalized query (higher is better, 0 for no match)."""
    if not value:
        return 0.0
    from rapidfuzz import fuzz

    best = 0.0
    for part in str(value).split("|"):  # synonyms are "|"-joined
        text = normalize(part)
        if not text:
            continue
        if text == query:
            return 100.0
        if text.startswith(query):
            best = max(best, 90.0 - min(len(text) - len(query), 30) / 10)
        elif f" {query} " in f" {text} ":
            best = max(best, 80.0)
        elif query in text:
            best = max(best, 70.0)
        else:
            best = max(best, fuzz.token_set_ratio(query, text) * 0.6)
    return best


def search(queryset: QuerySet, string: str, field: str | list[str] | None = None, limit: int | None = 20):
    """The records of `queryset` that match `string`, best first, as a QuerySet."""
    if not isinstance(string, str):
        raise TypeError(f"search() expects a string, got {type(string).__name__}")
    model = queryset.model
    fields = [field] if isinstance(field, str) else list(field or default_fields(model))
    if not fields:
        raise ValueError(f"{model.__name__} has no text fields to search; pass field=")
    query = normalize(string[:MAX_QUERY_LENGTH])
    if not query:
        return queryset.none()
    terms = {string[:MAX_QUERY_LENGTH].strip(), *query.split()}
    condition = Q()
    for name in fields:
        for term in terms:
            condition |= Q(**{f"{name}__icontains": term})
    rows = queryset.filter(condition).values_list("id", *fields)[:MAX_CANDIDATES]
    ranked = []
    for pk, *values in rows:
        best = max(score(query, value) for value in values)
        if best > 0:
            ranked.append((-best, pk))
    ranked.sort()
    ids = [pk for _, pk in ranked[:limit]]
    order = Case(*(When(id=pk, then=Value(i)) for i, pk in enumerate(ids)), output_field=IntegerField())
    return queryset.filter(id__in=ids).order_by(order) if ids else queryset.none()
