"""Feature-aware filters: `filter(perturbation="DMSO")`, `filter(temperature__gt=22)`, nested dict keys.

Keyword arguments that are not fields of the registry are looked up as Feature names and turned into
`pk__in` subqueries over the link tables, so they mix freely with field lookups, `Q` objects and `exclude`.
"""

from __future__ import annotations

import difflib

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import FloatField, Q
from django.db.models.functions import Cast

from ..dtypes import parse_dtype
from ..errors import InvalidArgument, ValidationError
from .closure import Closure, LinkedTo, Links
from .columns import available_fields
from .descendants import LOOKUP, descendants_of, unknown_term
from .label_links import LabelLink, name_field, resolve

_NUMERIC = ("int", "float", "num")
_COMPARISONS = ("gt", "gte", "lt", "lte")


def _is_field(model: type[models.Model], name: str) -> bool:
    if name == "pk":
        return True
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class UnknownFieldError(InvalidArgument, FieldError):
    """A filter names neither a field nor a feature (LaminDB's InvalidArgument; also Django's FieldError)."""


def _unknown_name_error(model: type[models.Model], key: str, features: list[str]) -> UnknownFieldError:
    name = key.split("__", 1)[0]
    fields = available_fields(model)
    close = difflib.get_close_matches(name, fields + features, n=3)
    hint = f"\nDid you mean {', '.join(map(repr, close))}?" if close else ""
    listed = ", ".join(fields)
    return UnknownFieldError(
        f"You can query either by available fields: {listed}\nOr fix invalid feature names: {name}{hint}"
    )


_LOOKUPS = frozenset(
    {"exact", "iexact", "in", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"}
)


def _is_record_value(value: object, registry: type[models.Model]) -> bool:
    """A record of `registry`, or a non-empty list of them (matched by identity, not by name)."""
    if isinstance(value, registry):
        return True
    return (
        isinstance(value, list | tuple | set) and bool(value) and all(isinstance(v, registry) for v in value)
    )


def _is_any_record(value: object) -> bool:
    if isinstance(value, models.Model):
        return True
    return isinstance(value, list | tuple | set) and any(isinstance(v, models.Model) for v in value)


def _label_condition(link, field: str, rest: list[str], value: object) -> dict | Closure | None:
    """Lookups on the link table selecting labels of one registry; None if `value` cannot match it.

    Records match by identity (`feature=record`, `feature__in=[...]`); strings match the dtype's field
    (the name field unless the dtype names one: `cat[bionty.CellType.ontology_id]`); a field path
    (`feature__ontology_id`, `feature__name__icontains`) is applied to the label registry;
    `feature__descendant_of` matches the term and the terms below it (see `descendants`): the closure.
    """
    fk = link.label_fk
    if rest == [LOOKUP]:
        if _is_any_record(value) and not _is_record_value(value, link.registry):
            return None  # records of another registry
        return descendants_of(link.registry, value)
    if _is_record_value(value, link.registry):
        lookup = rest[0] if rest else "exact"
        if lookup not in ("exact", "in"):
            raise FieldError(f"records can only be compared with exact or __in, not __{lookup}")
        return {f"{fk}__in" if lookup == "in" else fk: value}
    if _is_any_record(value):
        return None  # records of another registry
    if not rest or rest[0] in _LOOKUPS:
        lookup = rest[0] if rest else "exact"
        return {f"{fk}__{field}__{lookup}": value}
    return {"__".join([fk, *rest]): value}


def _feature_links(link: LabelLink, feature_id: int) -> Links:
    """The link table's rows that hold values of one feature."""
    meta = link.through._meta
    columns = (meta.get_field(name).column for name in (link.host_field, link.label_fk, "feature"))
    host, term, feature = columns
    return Links(meta.db_table, host, term, ((feature, feature_id),))


def _cat_q(
    model: type[models.Model], feature: tuple[int, str, str | None], rest: list[str], value: object
) -> Q:
    """Artifacts linked to matching labels through the link table of each registry the dtype names."""
    feature_id, name, dtype = feature
    targets = parse_dtype(dtype).cat_targets
    combined: Q | None = None
    for target in targets:
        link = resolve(target, model)
        condition = _label_condition(link, target.field or name_field(link.registry), rest, value)
        if condition is None:
            continue
        if isinstance(condition, Closure):
            part = Q(LinkedTo(_feature_links(link, feature_id), condition))
        else:
            links = link.through.objects.filter(feature_id=feature_id, **condition)
            part = Q(pk__in=links.values(link.host_field))
        combined = part if combined is None else combined | part
    if combined is None:
        registries = ", ".join(t.registry for t in targets)
        if rest == [LOOKUP] and not _is_any_record(value) and len(targets) == 1:
            raise ValidationError(
                f"feature {name!r}: {unknown_term(resolve(targets[0], model).registry, value)}"
            )
        raise ValidationError(
            f"feature {name!r} (dtype {dtype}) takes labels of {registries}; got {_describe(value)}"
        )
    return combined


def _describe(value: object) -> str:
    if isinstance(value, models.Model):
        return f"a {type(value).__name__} record"
    if isinstance(value, list | tuple | set):
        kinds = sorted({type(v).__name__ for v in value})
        return f"a list of {', '.join(kinds)}"
    return repr(value)


def feature_q(
    model: type[models.Model], feature: tuple[int, str, str | None], rest: list[str], value: object
) -> Q:
    """A Q selecting records of `model` whose `feature` value matches `rest` (lookups, keys) and `value`."""
    feature_id, _, dtype = feature
    dtype = dtype or ""
    if dtype.startswith(("cat", "list[cat")):
        return _cat_q(model, feature, rest, value)
    links = apps.get_model("lamin_core", "ArtifactFeatureValue").objects  # the models import this layer
    links = links.filter(featurevalue__feature_id=feature_id)
    if dtype in _NUMERIC and len(rest) == 1 and rest[0] in _COMPARISONS:
        # compare numbers, not JSON text
        links = links.annotate(_number=Cast("featurevalue__value", FloatField()))
        links = links.filter(**{f"_number__{rest[0]}": value})
    else:
        links = links.filter(**{"__".join(["featurevalue__value", *rest]): value})
    return Q(pk__in=links.values("artifact_id"))


def translate(model: type[models.Model], query: Q | None = None, **kwargs) -> Q:
    """Turn a Q and keyword lookups into one Q where feature names became link-table subqueries."""
    Feature = apps.get_model("lamin_core", "Feature")  # the models import this layer: looked up, not imported
    cache: dict[str, tuple[int, str, str | None] | None] = {}

    def feature(name: str):
        if name not in cache:
            row = Feature.objects.filter(name=name).values_list("id", "name", "dtype").first()
            cache[name] = row
        return cache[name]

    def one(key: str, value: object) -> Q:
        name, *rest = key.split("__")
        if _is_field(model, name):
            return Q(**{key: value})
        found = feature(name)
        if found is None:
            raise _unknown_name_error(model, key, list(Feature.objects.values_list("name", flat=True)))
        return feature_q(model, found, rest, value)

    def child(c: object) -> Q:
        if isinstance(c, Q):
            return walk(c)
        return one(*c) if isinstance(c, tuple) else Q(c)  # else an expression (a `descendant_of` condition)

    def walk(node: Q) -> Q:
        parts = [child(c) for c in node.children]
        result = parts[0] if parts else Q()
        for part in parts[1:]:
            result = result | part if node.connector == Q.OR else result & part
        return ~result if node.negated else result

    combined = walk(query) if query is not None else Q()
    for key, value in kwargs.items():
        combined &= one(key, value)
    return combined
