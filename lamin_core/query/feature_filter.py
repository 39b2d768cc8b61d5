"""Feature-aware filters: `filter(perturbation="DMSO")`, `filter(temperature__gt=22)`, nested dict keys.

Keyword arguments that are not fields of the registry are looked up as Feature names and turned into
`pk__in` subqueries over the link tables, so they mix freely with field lookups, `Q` objects and `exclude`.
"""

from __future__ import annotations

import difflib

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import FloatField, Q
from django.db.models.functions import Cast

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


def _unknown_name_error(model: type[models.Model], key: str, features: list[str]) -> FieldError:
    name = key.split("__", 1)[0]
    fields = sorted(
        f.name
        for f in model._meta.get_fields()
        if not f.name.startswith("_") and not f.name.startswith("links_")
    )
    close = difflib.get_close_matches(name, fields + features, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return FieldError(
        f"{model.__name__} has no field or feature {name!r}.{hint} Fields: {', '.join(fields)}. "
        f"Features: {', '.join(sorted(features)) or 'none'}."
    )


def _label_condition(rest: list[str], value: object) -> dict:
    from ..models import ULabel

    lookup = rest[0] if rest else "exact"
    if lookup == "name" and len(rest) > 1:
        lookup = rest[1]
    records = isinstance(value, ULabel) or (
        isinstance(value, list | tuple | set) and value and all(isinstance(v, ULabel) for v in value)
    )
    if records:
        return {"ulabel__in" if lookup == "in" else "ulabel": value}
    return {f"ulabel__name__{lookup}": value}


def feature_q(feature: tuple[int, str, str | None], rest: list[str], value: object) -> Q:
    """A Q selecting artifacts whose `feature` value matches `rest` (lookups, dict keys) and `value`."""
    from ..models import ArtifactFeatureValue, ArtifactULabel

    feature_id, _, dtype = feature
    dtype = dtype or ""
    if dtype.startswith("cat"):
        links = ArtifactULabel.objects.filter(feature_id=feature_id, **_label_condition(rest, value))
        return Q(pk__in=links.values("artifact_id"))
    links = ArtifactFeatureValue.objects.filter(featurevalue__feature_id=feature_id)
    if dtype in _NUMERIC and len(rest) == 1 and rest[0] in _COMPARISONS:
        # compare numbers, not JSON text
        links = links.annotate(_number=Cast("featurevalue__value", FloatField()))
        links = links.filter(**{f"_number__{rest[0]}": value})
    else:
        links = links.filter(**{"__".join(["featurevalue__value", *rest]): value})
    return Q(pk__in=links.values("artifact_id"))


def translate(model: type[models.Model], query: Q | None = None, **kwargs) -> Q:
    """Turn a Q and keyword lookups into one Q where feature names became link-table subqueries."""
    from ..models import Feature

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
        return feature_q(found, rest, value)

    def walk(node: Q) -> Q:
        parts = [walk(c) if isinstance(c, Q) else one(*c) for c in node.children]
        result = parts[0] if parts else Q()
        for part in parts[1:]:
            result = result | part if node.connector == Q.OR else result & part
        return ~result if node.negated else result

    combined = walk(query) if query is not None else Q()
    for key, value in kwargs.items():
        combined &= one(key, value)
    return combined
