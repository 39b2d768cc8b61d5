"""The `descendant_of` lookup: records annotated with a term of an ontology or any term below it.

`ln.Artifact.filter(cell_types__descendant_of="T cell")` also matches artifacts annotated with
`CD8-positive, alpha-beta T cell`; the term may be a name, an ontology id, a record, or a list of them.
Ontology-typed features take it too (`filter(cell_type_by_model__descendant_of="T cell")`, see
`feature_filter`), and a registry with parents filters itself (`bt.CellType.filter(descendant_of=...)`).

The term's ids are looked up when filter() runs (an unknown name is an error there); the descendants when
the query runs (`closure.Closure`: one recursive query over the registry's `parents` link table, whose ids
the filter's SQL then lists), so the QuerySet reflects the terms and links at evaluation. A relation with
one link table picks its plan from a sample (`closure.LinkedTo`). `UNION` drops ids it has seen, so a
cycle in `parents` ends. As `query_children()`, it follows links whatever the branch of the terms in
between.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import Q

from ..dtypes import registry_name
from ..errors import ValidationError
from .ancestry import parents_field
from .closure import Closure, LinkedTo, links_of
from .columns import name_field

LOOKUP = "descendant_of"


def _parents(model: type[models.Model]) -> models.ManyToManyField:
    field = parents_field(model)
    if field is None:
        raise FieldError(
            f"{LOOKUP} applies to registries with parents (ULabel, the ontology registries), "
            f"not to {model.__name__}"
        )
    return field


def unknown_term(registry: type[models.Model], value: object) -> str:
    """The error text for a term that names no record of `registry`."""
    what = "name or ontology id" if getattr(registry, "_ontology_id_field", None) else "name"
    return f"no {registry_name(registry)} record has the {what} {value!r}"


def term_ids(registry: type[models.Model], value: object) -> list:
    """The ids of the terms `value` gives: records of `registry`, or names or ontology ids of its visible
    records (a string may match several records). Empty when no string matches (another registry of a
    feature's dtype may hold the term); an error when some strings match and others do not."""
    values = list(value) if isinstance(value, list | tuple | set) else [value]
    if not values:
        raise ValidationError(f"{LOOKUP} needs a term, got an empty {type(value).__name__}")
    ids, names = [], set()
    for item in values:
        if isinstance(item, registry):
            if item.pk is None:
                raise ValidationError(f"save the {registry.__name__} record before filtering by {LOOKUP}")
            ids.append(item.pk)
        elif isinstance(item, str):
            names.add(item)
        else:
            raise ValidationError(
                f"{LOOKUP} on {registry_name(registry)} takes names, ontology ids or "
                f"{registry.__name__} records, got {type(item).__name__} {item!r}"
            )
    if not names:
        return ids
    fields = [name_field(registry) or "name"]
    if getattr(registry, "_ontology_id_field", None):
        fields.append(registry._ontology_id_field)
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__in": names})
    rows = list(registry.objects.filter(match).values_list("pk", *fields))
    missing = names - {v for row in rows for v in row[1:]}
    if rows and missing:
        raise ValidationError(unknown_term(registry, sorted(missing)[0]))
    return ids + [row[0] for row in rows] if rows else ids


def descendants_of(registry: type[models.Model], value: object) -> Closure | None:
    """The ids of the terms `value` gives and of their descendants, found when the query runs (the right
    side of an `__in`); None if no name matches."""
    _parents(registry)
    ids = term_ids(registry, value)
    return Closure(registry, ids) if ids else None


def _target(model: type[models.Model], path: list[str]) -> type[models.Model] | None:
    """The registry a relation path leads to from `model`; None if the path's first step is no field."""
    target = model
    for i, step in enumerate(path):
        try:
            field = target._meta.get_field(step)
        except FieldDoesNotExist:
            if i == 0:
                return None  # a feature name (`feature_filter`) or a typo, reported there
            raise FieldError(f"{target.__name__} has no relation {step!r}") from None
        if not field.is_relation or field.related_model is None:
            raise FieldError(f"{LOOKUP} follows relations; {target.__name__}.{step} is no relation")
        target = field.related_model
    return target


def _condition(model: type[models.Model], key: str, value: object) -> tuple[str, object] | LinkedTo | None:
    """The condition of a `...__descendant_of` key over `model`'s fields (a `(lookup, value)` pair or an
    expression, each record once), else None."""
    *path, last = key.split("__")
    if last != LOOKUP:
        return None
    target = _target(model, path)
    if target is None:
        return None
    closure = descendants_of(target, value)
    if closure is None:
        raise ValidationError(unknown_term(target, value))
    if not path:
        return "pk__in", closure
    links = links_of(model._meta.get_field(path[0])) if len(path) == 1 else None
    if links is not None:
        return LinkedTo(links, closure)
    # a subquery of the matching records, so a record linked to several descendants is listed once
    matching = model._base_manager.filter(**{f"{'__'.join(path)}__in": closure}).values("pk")
    return "pk__in", matching


def _expand_child(model: type[models.Model], child: object) -> object:
    """A child of a Q (a Q, a `(key, value)` pair or an expression) with its `descendant_of` lookups
    turned into conditions."""
    if isinstance(child, Q):
        clone = child.copy()
        clone.children = [_expand_child(model, c) for c in child.children]
        return clone
    if isinstance(child, tuple):
        return _condition(model, *child) or child
    return child


def expand(model: type[models.Model], args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Filter arguments with each `descendant_of` lookup over `model`'s relations turned into its condition;
    keyword ones become Q objects (several may be given), feature names are left as they are."""
    args = tuple(_expand_child(model, a) for a in args)
    rest, extra = {}, []
    for key, value in kwargs.items():
        condition = _condition(model, key, value)
        if condition is None:
            rest[key] = value
        else:
            extra.append(Q(condition))
    return (*args, *extra), rest
