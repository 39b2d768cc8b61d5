"""`df(features=True)`: one column per feature with values on the rows, as the guide shows them."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import repeat
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import connections
from django.db.models import F, Q

from .._logger import logger
from ..dtypes import parse_dtype
from ..errors import ValidationError
from .include import MAX_LISTED_IDS, AmongIds, ids_condition, listed_ids
from .label_links import name_field, resolve

if TYPE_CHECKING:
    import pandas as pd
    from django.db.models import QuerySet


def _several(values: list) -> object:
    """A cell's several values as a set (a list when they cannot be hashed)."""
    try:
        return set(values)
    except TypeError:
        return values


def _add_label_values(columns: dict, host, among, features: list[tuple[int, str, str]], using: str) -> None:
    """The label names of categorical features, read from the link table of every registry their dtypes
    name (`ArtifactULabel`, `ArtifactCellType`, ...), into `columns[feature id][host id]`."""
    wanted: dict = defaultdict(set)  # label link -> ids of the features it holds values of
    for feature_id, _, dtype in features:
        for target in parse_dtype(dtype).cat_targets:
            try:
                wanted[resolve(target, host)].add(feature_id)
            except ValidationError:
                continue  # a registry this instance does not have: no values can exist
    postgres = connections[using].vendor == "postgresql"
    for link, feature_ids in wanted.items():
        # unordered (a cell's values form a set) and without the join to the labels (with it SQLite walked
        # the label index over every link); SQLite by host only: with `feature_id IN (...)` too it may walk
        # the feature index (every link of a common feature) instead of the host index; PostgreSQL, with
        # statistics, then skips the links without a feature (most of ArtifactULabel)
        links = link.through.objects.filter(among(link.host_field))
        if postgres:
            links = links.filter(feature_id__in=sorted(feature_ids))
        rows = links.values_list(link.host_field, "feature_id", link.label_field)
        found = [row for row in rows if row[1] in feature_ids]
        names = _label_names(link.registry, {label_id for _, _, label_id in found})
        for host_id, feature_id, label_id in found:
            columns[feature_id][host_id].append(names[label_id])


def _label_names(registry, ids: set[int]) -> dict[int, object]:
    """Label id -> its name, for `ids` (read in chunks that stay under SQLite's parameter limit); the base
    manager, as a join to the labels would read them whatever their branch."""
    names, ordered = {}, sorted(ids)
    for start in range(0, len(ordered), MAX_LISTED_IDS):
        chunk = registry._base_manager.filter(AmongIds(F("id"), ordered[start : start + MAX_LISTED_IDS]))
        names.update(chunk.values_list("id", name_field(registry)))
    return names


def _add_other_values(columns: dict, among, feature_ids: list[int], using: str) -> None:
    """The values of non-categorical features into `columns[feature id][artifact id]`: the links by
    artifact (SQLite walks the link index from the rows' ids), then each distinct value once, by the ids
    the links name (many artifacts share a value: JSON is decoded per value, not per link)."""
    # the models import this layer: looked up in Django's app registry, not imported
    ArtifactFeatureValue, FeatureValue = (
        apps.get_model("lamin_core", name) for name in ("ArtifactFeatureValue", "FeatureValue")
    )
    links = ArtifactFeatureValue.objects.filter(among("artifact_id"))
    pairs = list(links.values_list("artifact_id", "featurevalue_id"))
    shared = FeatureValue.objects.filter(feature_id__in=feature_ids)
    listed = listed_ids("id", sorted({value_id for _, value_id in pairs}), using)
    shared = shared.filter(listed if listed is not None else Q(id__in=links.values("featurevalue_id")))
    by_id = {
        pk: (feature_id, value) for pk, feature_id, value in shared.values_list("id", "feature_id", "value")
    }
    for artifact_id, featurevalue_id in pairs:
        found = by_id.get(featurevalue_id)
        if found is not None:
            columns[found[0]][artifact_id].append(found[1])


def add_feature_columns(frame: pd.DataFrame, queryset: QuerySet, names: list[str] | None) -> pd.DataFrame:
    """Append feature columns to `frame` (indexed by the ids of `queryset`'s rows)."""
    Feature = apps.get_model("lamin_core", "Feature")  # the models import this layer: looked up
    features = Feature.objects.filter(Q(dtype__startswith="cat[ULabel") | ~Q(dtype__startswith="cat"))
    if names is not None:
        features = Feature.objects.filter(name__in=names)
        missing = sorted(set(names) - set(features.values_list("name", flat=True)))
        if missing:
            valid = sorted(Feature.objects.values_list("name", flat=True))
            raise ValueError(f"unknown feature(s) {missing}; features: {valid}")
    features = list(features.order_by("id").values_list("id", "name", "dtype"))
    if names is None:
        listed = [name for _, name, _ in features]
        logger.info(
            "queried for all categorical features with dtype 'cat[ULabel...'] and non-categorical features: "
            f"({len(listed)}) {listed}"
        )

    def among(field: str):  # the frame's rows, as a condition on `field`
        return ids_condition(field, frame.index, queryset)

    cat_ids = [fid for fid, _, dtype in features if dtype and dtype.startswith(("cat", "list[cat"))]
    other_ids = [fid for fid, _, dtype in features if fid not in cat_ids]
    columns: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))  # feature -> row -> values
    if cat_ids:
        cats = [f for f in features if f[0] in cat_ids]
        _add_label_values(columns, queryset.model, among, cats, queryset.db)
    if other_ids:
        _add_other_values(columns, among, other_ids, queryset.db)
    ids = frame.index.tolist()
    for feature_id, name, dtype in features:
        found = columns.get(feature_id)
        if found or names is not None:
            shown = {pk: v[0] if len(v) == 1 else _several(v) for pk, v in (found or {}).items()}
            frame.attrs.setdefault("dtypes", {})[name] = dtype
            frame[name] = list(map(shown.get, ids, repeat(math.nan)))  # a row without values: NaN
    return frame
