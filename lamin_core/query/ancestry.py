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

from .columns import field_name as as_name
from .columns import name_field

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


def relatives_sql(
    model: type[models.Model], kind: Literal["parents", "children"], using: str, count: int = 1
) -> str:
    """SQL selecting `count` ids (one `%s` each) and the ids of all their ancestors (`parents`) or
    descendants (`children`)."""
    field = parents_field(model)
    if field is None:
        raise TypeError(f"{model.__name__} has no parents")
    quote = connections[using].ops.quote_name
    link = quote(field.m2m_db_table())
    child, parent = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
    start, step = (child, parent) if kind == "parents" else (parent, child)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    placeholders = ", ".join(["%s"] * count)
    # each level: the links whose `start` end is a record found so far; UNION stops at seen ids (cycles)
    return (
        f"WITH RECURSIVE relatives(id) AS ("
        f"SELECT {pk} FROM {table} WHERE {pk} IN ({placeholders}) "
        f"UNION SELECT link.{step} FROM {link} link JOIN relatives ON link.{start} = relatives.id"
        f") SELECT id FROM relatives"
    )


def query_relatives(record: models.Model, kind: Literal["parents", "children"]) -> models.QuerySet:
    """The visible ancestors or descendants of a saved record (itself excluded, also where a cycle leads
    back to it), as a QuerySet of its registry."""
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


def _links(model: type[models.Model], ids: set, kind: Literal["parents", "children"], using: str) -> dict:
    """{id: [ids of its parents (or children)]} for the records `ids`, one query."""
    field = parents_field(model)
    through = field.remote_field.through
    child, parent = field.m2m_column_name(), field.m2m_reverse_name()
    start, step = (child, parent) if kind == "parents" else (parent, child)
    found: dict = {}
    rows = through.objects.using(using).filter(**{f"{start}__in": ids}).order_by("id")
    for a, b in rows.values_list(start, step):
        found.setdefault(a, []).append(b)
    return found


def relatives_tree(
    record: models.Model,
    field: str | None = None,
    with_children: bool = False,
    distance: int = 5,
) -> str:
    """The text `view_parents()` prints: the record, its ancestors up to `distance` levels as a tree (a
    record reached twice is expanded once, later marked `↑`), and with `with_children` its children."""
    model = type(record)
    if record.pk is None:
        raise ValueError(f"save the {model.__name__} record before viewing its parents")
    if not isinstance(distance, int) or distance < 1:
        raise ValueError(f"distance must be a positive integer, got {distance!r}")
    label = field or name_field(model) or "pk"
    using = record._state.db or "default"
    parents_of: dict = {}
    frontier = {record.pk}
    for _ in range(distance):
        level = _links(model, frontier, "parents", using)
        parents_of.update(level)
        frontier = {p for ps in level.values() for p in ps if p not in parents_of}
        if not frontier:
            break
    ids = {record.pk} | {p for ps in parents_of.values() for p in ps}
    children = _links(model, {record.pk}, "children", using).get(record.pk, []) if with_children else []
    ids |= set(children)
    manager = getattr(model, "all_objects", model._default_manager).using(using)
    id_field = getattr(model, "_ontology_id_field", None)
    if id_field == label:
        id_field = None
    columns = ["pk", label] + ([id_field] if id_field else [])
    names = {row[0]: row[1:] for row in manager.filter(pk__in=ids).values_list(*columns)}

    def text(pk) -> str:
        """`name (ontology id)` of a record, or its `field`."""
        values = names.get(pk, (pk,))
        return f"{values[0]} ({values[1]})" if len(values) > 1 and values[1] else str(values[0])

    lines = [f"{text(record.pk)}"]
    expanded: set = {record.pk}

    def walk(pk, prefix: str, depth: int) -> None:
        parents = parents_of.get(pk, []) if depth < distance else []
        for i, parent in enumerate(parents):
            last = i == len(parents) - 1
            seen = parent in expanded and parents_of.get(parent)
            lines.append(f"{prefix}{'└── ' if last else '├── '}{text(parent)}{' ↑' if seen else ''}")
            if not seen:
                expanded.add(parent)
                walk(parent, prefix + ("    " if last else "│   "), depth + 1)

    lines[0] += "  (parents ↓)"
    walk(record.pk, "", 0)
    if with_children:
        lines.append(f"children of {text(record.pk)}:" if children else f"{text(record.pk)} has no children")
        lines += [f"  {text(c)}" for c in children]
    return "\n".join(lines)


class _ViewParents:
    """`record.view_parents(field=None, with_children=False, distance=5)`: prints the ancestry as text."""

    def __get__(self, instance: models.Model | None, owner: type):
        if parents_field(owner) is None:
            raise AttributeError(
                f"{owner.__name__} has no parents: view_parents() applies to ULabel and the ontology "
                "registries"
            )

        if instance is None:
            return lambda record, *args, **kwargs: record.view_parents(*args, **kwargs)

        def view_parents(
            field: object = None, with_children: bool = False, distance: int = 5, return_str: bool = False
        ) -> str | None:
            """Print the record's ancestors (up to `distance` levels) as a text tree, labelled by `field`
            (default: the name field); `with_children=True` adds the direct children. LaminDB draws the
            same with graphviz."""
            tree = relatives_tree(instance, as_name(field), with_children=with_children, distance=distance)
            if return_str:
                return tree
            print(tree)
            return None

        return view_parents


HasParents.view_parents = _ViewParents()  # type: ignore[attr-defined]
