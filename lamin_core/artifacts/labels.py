"""`artifact.labels`: add labels (optionally as values of a feature), get them by feature, copy them over.

The labels live in the label registries' link tables (`ArtifactULabel`, `ArtifactCellType`, ...), whose
`feature` column says which feature a label is a value of (`None`: a plain label). LaminDB 1.5.3's
`LabelManager` semantics, except where the README's compatibility section says otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from .._logger import logger
from ..dtypes import parse_dtype, registry_name
from ..errors import ValidationError
from ..features import manager as feature_manager
from ..features.label_rows import label_rows
from ..models import Feature
from ..query.label_links import label_links, name_field

if TYPE_CHECKING:
    from ..query.label_links import LabelLink


def _links(host_model: type[models.Model]) -> dict[str, LabelLink]:
    return label_links(host_model)


def _registry_name(model: type[models.Model]) -> str:
    return registry_name(model)


def _check_feature(feature: object) -> Any:
    if not isinstance(feature, Feature):
        raise TypeError(f"feature has to be of type Feature, got {type(feature).__name__}")
    return feature


def _dtype_registries(dtype: str | None) -> list[str]:
    """The registry names of a categorical dtype: `cat[ULabel|bionty.CellType]` -> both names."""
    if not dtype or not dtype.startswith("cat["):
        return []

    return list(dict.fromkeys(target.registry for target in parse_dtype(dtype).targets))


def _as_list(records: object) -> list:
    if isinstance(records, str | models.Model):
        return [records]
    if isinstance(records, models.QuerySet):
        return list(records)
    if records is None or not isinstance(records, Iterable):
        kind = type(records).__name__
        raise TypeError(f"records must be a record, a list of records or a QuerySet, got {kind}")
    return list(records)


def _name_field(registry: type[models.Model]) -> str:
    return name_field(registry)


class LabelManager:
    """The labels of an artifact: `add(records, feature=None)`, `get(feature)`, `add_from(other)`."""

    def __init__(self, host: models.Model) -> None:
        self._host = host

    def __repr__(self) -> str:
        if self._host.pk is None:
            return "no linked labels"
        rows = label_rows(self._host, with_feature=False)
        if not rows:
            return "no linked labels"
        by_accessor: dict[tuple[str, str], list[str]] = defaultdict(list)
        for link, _, _, label in rows:
            by_accessor[(link.accessor, link.name)].append(str(label))
        lines = ["Labels"]
        for (accessor, name), labels in by_accessor.items():
            lines.append(f"  .{accessor} ({name}): {', '.join(dict.fromkeys(labels))}")
        return "\n".join(lines)

    def add(self, records: Any, feature: Any = None) -> None:
        """Link labels to the artifact; with `feature`, as values of that feature.

        Strings are looked up in the feature's registries (`cat[ULabel]`: ULabel names); every record
        must be saved. A feature of dtype `cat` becomes `cat[<registry>]` with its first labels; a label
        of a registry the feature's dtype does not name is refused, as is a feature measured within the
        artifact's data (one of its schemas): those are annotated by curation.
        """
        host = self._host
        if host._state.adding or host.pk is None:
            raise ValueError("Please save the artifact/collection before adding a label!")
        if feature is not None:
            _check_feature(feature)
        items = _as_list(records)
        if not items:
            return
        if any(isinstance(item, str) for item in items):
            items = self._from_strings(items, feature)
        for record in items:
            if not isinstance(record, models.Model):
                raise TypeError(f"labels must be records, got {type(record).__name__} {record!r}")
            if record._state.adding or record.pk is None:
                raise ValidationError(f"{record} not validated. If it looks correct: record.save()")
        links = _links(type(host))
        by_registry: dict[str, list] = defaultdict(list)
        for record in items:
            by_registry[_registry_name(type(record))].append(record)
        if feature is None:
            for name, group in by_registry.items():
                link = links.get(name)
                if link is None:
                    raise ValueError(f"Can't add labels to {type(group[0]).__name__} record!")
            with transaction.atomic():
                for name, group in by_registry.items():
                    getattr(host, links[name].accessor).add(*group)
            return
        self._add_as_feature_values(feature, by_registry, links)

    def _from_strings(self, values: list, feature: Any) -> list:
        """The records that strings name in the feature's registries (LaminDB: `from_values`)."""
        if not all(isinstance(value, str) for value in values):
            raise TypeError("pass either records or strings, not both")
        if feature is None:
            raise ValueError(
                "Please pass a feature, e.g., via: label = ln.ULabel(name='my_label',"
                " feature=ln.Feature(name='my_feature'))"
            )
        links = _links(type(self._host))
        records: list = []
        for name in _dtype_registries(feature.dtype):
            link = links.get(name)
            if link is None:
                continue
            field = _name_field(link.registry)
            found = {getattr(r, field): r for r in link.registry.objects.filter(**{f"{field}__in": values})}
            records += [found[value] for value in dict.fromkeys(values) if value in found]
        if not records:
            raise ValueError(
                "Please pass a record (a `Record` object), not a string, e.g., via: label"
                f" = ln.ULabel(name='{values[0]}')"
            )
        return records

    def _add_as_feature_values(self, feature: Any, by_registry: dict[str, list], links: dict) -> None:
        host = self._host
        if feature._state.adding or feature.pk is None:
            registries = "|".join(by_registry)
            raise ValidationError(
                "Feature not validated. If it looks correct: "
                f"ln.Feature(name='{feature.name}', dtype='cat[{registries}]').save()"
            )
        internal = set(host.feature_sets.filter(itype="Feature").values_list("features__name", flat=True))
        if feature.name in internal:
            raise ValidationError(
                "Cannot manually annotate a feature measured *within* the dataset. Please use a Curator."
            )
        dtype = feature.dtype or ""
        new_dtype = None
        for name in by_registry:
            allowed = _dtype_registries(new_dtype or dtype)
            if name in allowed:
                continue
            if not dtype.startswith("cat"):
                raise ValidationError(
                    f"Feature {feature.name} needs dtype='cat' for label annotation, "
                    f"currently has dtype='{dtype}'"
                )
            if dtype == "cat" and new_dtype is None:
                new_dtype = f"cat[{name}]"
                continue
            current = new_dtype or dtype
            suggestion = current[:-1] + f"|{name}]"
            raise ValidationError(
                f"Label type {name} is not valid for Feature(name='{feature.name}', dtype='{current}'), "
                f"consider updating to dtype='{suggestion}'"
            )
        triples = []
        for name, group in by_registry.items():
            link = links.get(name)
            if link is None:
                logger.warning(f"skipping {name}")
                continue
            triples += [(link, record.pk, feature) for record in group]
        with transaction.atomic():
            if new_dtype is not None:
                type(feature).objects.filter(pk=feature.pk).update(dtype=new_dtype)
                feature.dtype = new_dtype
            feature_manager.link_labels(host.pk, triples)  # an attribute: fault tests replace it

    def get(self, feature: Any, mute: bool = False, flat_names: bool = False) -> Any:
        """The labels that are values of `feature`: a QuerySet (one registry), a dict of QuerySets by
        registry name (several), or with `flat_names=True` a list of their names."""
        _check_feature(feature)
        registries = _dtype_registries(feature.dtype)
        if not registries:
            raise ValueError("feature does not have linked labels")
        if len(registries) > 1 and not mute:
            logger.warning("labels come from multiple registries!")
        host = self._host
        links = _links(type(host))
        by_registry = {}
        for name in registries:
            link = links.get(name)
            if link is None:
                continue
            manager = getattr(link.registry, "all_objects", link.registry.objects)
            if host.pk is None:
                by_registry[name] = manager.none()
                continue
            ids = link.through.objects.filter(**{link.host_field: host.pk, "feature_id": feature.pk})
            by_registry[name] = manager.filter(pk__in=ids.values(link.label_field)).order_by("pk")
        if flat_names:
            names: list = []
            for name, queryset in by_registry.items():
                names += list(queryset.values_list(_name_field(links[name].registry), flat=True))
            return names
        if len(registries) == 1 and registries[0] in by_registry:
            return by_registry[registries[0]]
        return by_registry

    def add_from(self, data: models.Model, transfer_logs: dict | None = None) -> None:
        """Link every label of another artifact (or collection) to this one, with the same features."""
        host = self._host
        if host._state.adding or host.pk is None:
            raise ValueError("Please save the artifact/collection before adding a label!")
        if data.pk is None:
            raise ValueError("add_from() takes a saved artifact or collection")
        source_links = _links(type(data))
        target_links = _links(type(host))
        with transaction.atomic():
            for name, source in source_links.items():
                target = target_links.get(name)
                if target is None:
                    continue
                rows = source.through.objects.filter(**{source.host_field: data.pk})
                by_feature: dict[int | None, list[int]] = defaultdict(list)
                for label_id, feature_id in rows.values_list(source.label_field, "feature_id").order_by("pk"):
                    by_feature[feature_id].append(label_id)
                if not by_feature:
                    continue
                manager = getattr(host, target.accessor)
                for feature_id, label_ids in by_feature.items():
                    manager.add(*label_ids, through_defaults={"feature_id": feature_id})
