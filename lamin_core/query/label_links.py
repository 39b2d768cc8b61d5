"""Which registries hold the labels of categorical features, and the link tables that attach them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from django.db import models

from ..dtypes import CatTarget, registry_name
from ..errors import ValidationError


@dataclass(frozen=True)
class LabelLink:
    """A label registry linked to a host (Artifact) through a link table with a `feature` column."""

    registry: type[models.Model]
    through: type[models.Model]
    host_field: str  # attname of the link's FK to the host, e.g. "artifact_id"
    label_fk: str  # name of the link's FK to the label, e.g. "ulabel"
    accessor: str  # the host's many-to-many accessor, e.g. "ulabels"

    @property
    def label_field(self) -> str:
        return f"{self.label_fk}_id"

    @property
    def name(self) -> str:
        return registry_name(self.registry)


def name_field(registry: type[models.Model]) -> str:
    """The field that names a record: `_name_field` if the registry sets one, else `name`."""
    return getattr(registry, "_name_field", "name")


def _fk_to(model: type[models.Model], target: type[models.Model]) -> models.ForeignKey | None:
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is target and field.name != "feature":
            return field
    return None


@cache
def label_links(host: type[models.Model]) -> dict[str, LabelLink]:
    """Label registries of `host` by registry name (`ULabel`, `bionty.CellType`), in field order.

    A registry counts when the many-to-many link table between it and the host has a `feature` column.
    """
    links: dict[str, LabelLink] = {}
    for field in host._meta.get_fields():
        if not field.many_to_many:
            continue
        if isinstance(field, models.ManyToManyField):  # declared on the host
            through, registry, accessor = field.remote_field.through, field.related_model, field.name
        else:  # declared on the label registry (ManyToManyRel)
            through, registry, accessor = field.through, field.related_model, field.get_accessor_name()
        if not any(f.name == "feature" for f in through._meta.concrete_fields):
            continue
        host_fk, label_fk = _fk_to(through, host), _fk_to(through, registry)
        if host_fk is None or label_fk is None or registry is host:
            continue
        link = LabelLink(registry, through, host_fk.attname, label_fk.name, accessor)
        links[link.name] = link
    return links


def resolve(target: CatTarget, host: type[models.Model]) -> LabelLink:
    """The label link for one registry of a categorical dtype; ValidationError if not in this instance."""
    links = label_links(host)
    link = links.get(target.registry)
    if link is None:
        available = ", ".join(links) or "none"
        raise ValidationError(
            f"registry {target.registry!r} of a categorical feature is not available in this instance "
            f"(label registries: {available})"
        )
    return link


def target_field(target: CatTarget, link: LabelLink) -> str:
    """The field of the label registry that values of `target` are matched against."""
    field = target.field or name_field(link.registry)
    try:
        link.registry._meta.get_field(field)
    except Exception:
        valid = sorted(f.name for f in link.registry._meta.concrete_fields if not f.is_relation)
        raise ValidationError(
            f"{link.name} has no field {field!r} (from dtype); valid fields: {', '.join(valid)}"
        ) from None
    return field


def label_ids(requests: Mapping[tuple, Iterable[str]]) -> dict[tuple, dict[str, int]]:
    """The names that exist and the id of the first record (lowest id) of each, one query per group
    `(link, name field, type name or None, filters)` of requested names."""
    found = {}
    for (link, name_field, subtype, filters), names in requests.items():
        queryset = link.registry.objects.filter(**{f"{name_field}__in": list(names)})
        if subtype is not None:
            queryset = queryset.filter(type__name=subtype)
        if filters:
            queryset = queryset.filter(**dict(filters))
        ids: dict[str, int] = {}
        for pk, name in queryset.order_by("id").values_list("id", name_field):
            ids.setdefault(name, pk)
        found[(link, name_field, subtype, filters)] = ids
    return found
