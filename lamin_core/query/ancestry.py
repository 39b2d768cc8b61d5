"""`record.query_parents()` / `record.query_children()`: the whole ancestry or descendancy of a record.

For registries with a `parents` many-to-many to themselves (ULabel, the ontology registries). One query:
a recursive CTE over the link table, used as a subquery, so the result is a QuerySet that filters, counts
and pages in the database. Links are followed whatever the branch of the records in between (a trashed
label still links its parent and child); the result holds the visible records, never the record itself
(also in a cycle, which terminates: `UNION` drops rows it has seen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.db import connections, models
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from collections.abc import Callable


def parents_field(model: type[models.Model]) -> models.ManyToManyField | None:
    """The `parents` many-to-many of a registry to itself, or None."""
    try:
        field = model._meta.get_field("parents")
    except Exception:  # FieldDoesNotExist
        return None
    if isinstance(field, models.ManyToManyField) and field.related_model is model:
        return field
    return None


def relatives_sql(model: type[models.Model], kind: Literal["parents", "children"], using: str) -> str:
    """SQL selecting the ids of all ancestors (`parents`) or descendants (`children`) of the id `%s`."""
    field = parents_field(model)
    if field is None:
        raise TypeError(f"{model.__name__} has no parents")
    quote = connections[using].ops.quote_name
    table = quote(field.m2m_db_table())
    child, parent = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
    start, step = (child, parent) if kind == "parents" else (parent, child)
    # each level: the links whose `start` end is a record found so far; UNION stops at seen ids (cycles)
    return (
        f"WITH RECURSIVE relatives(id) AS ("
        f"SELECT link.{step} FROM {table} link WHERE link.{start} = %s "
        f"UNION SELECT link.{step} FROM {table} link JOIN relatives ON link.{start} = relatives.id"
        f") SELECT id FROM relatives"
    )


def query_relatives(record: models.Model, kind: Literal["parents", "children"]) -> models.QuerySet:
    """The visible ancestors or descendants of a saved record, as a QuerySet of its registry."""
    model = type(record)
    if record.pk is None:
        raise ValueError(f"save the {model.__name__} record before querying its {kind}")
    using = record._state.db or "default"
    sql = relatives_sql(model, kind, using)
    return model.objects.using(using).filter(pk__in=RawSQL(sql, [record.pk])).exclude(pk=record.pk)


class _RelativesMethod:
    """A method that exists only on registries with parents (`hasattr(ln.User, "query_parents")` is
    False)."""

    def __init__(self, kind: Literal["parents", "children"], doc: str) -> None:
        self.kind = kind
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: models.Model | None, owner: type) -> Callable[[], models.QuerySet]:
        if parents_field(owner) is None:
            raise AttributeError(
                f"{owner.__name__} has no parents: {self.name}() applies to ULabel and the ontology "
                "registries"
            )
        if instance is None:
            return lambda record: query_relatives(record, self.kind)
        kind = self.kind

        def method() -> models.QuerySet:
            return query_relatives(instance, kind)

        method.__name__, method.__doc__ = self.name, self.__doc__
        return method


class HasParents:
    """`query_parents()` and `query_children()` for registries with a `parents` many-to-many to themselves."""

    query_parents = _RelativesMethod("parents", "All ancestors (parents, their parents, ...) as a QuerySet.")
    query_children = _RelativesMethod("children", "All descendants (children, theirs, ...) as a QuerySet.")
