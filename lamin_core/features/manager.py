"""`artifact.features`: annotate an artifact with feature values, read them back, remove them.

Values of categorical features (`cat[ULabel]`, ...) are labels linked through the registry's link table
with `feature` set (`ArtifactULabel(artifact, ulabel, feature)`); all other values are `FeatureValue` rows
shared by every artifact with the same value (dicts and lists identified by their hash) and linked through
`ArtifactFeatureValue`. `add_values` checks everything first and writes in one transaction with a handful of
queries: features by name (1), labels per registry (1 each), existing values (1), new values (1), links (1 per
link table), so a failure leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q

from .._logger import logger
from ..dtypes import ParsedDtype, parse_dtype, registry_name
from ..errors import ValidationError
from ..models import ArtifactFeatureValue, Feature, FeatureValue, Schema
from ..query.label_links import LabelLink, label_ids, label_links, name_field, resolve, target_field
from .describe import describe_features_text
from .label_rows import label_rows
from .values import describe_value, expected, from_stored, normalize, value_key

if TYPE_CHECKING:
    from ..models import Artifact

_MAX_LISTED = 30


def _listing(names: Iterable[str], limit: int = _MAX_LISTED) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in total)" if len(names) > limit else "")


def unknown_features_error(unknown: list[str], values: Mapping[str, Any] | None = None) -> ValidationError:
    """The error for feature names that are not in the Feature registry, listing the valid ones."""
    valid = list(Feature.objects.order_by("name").values_list("name", flat=True)[: _MAX_LISTED + 1])
    valid_text = _listing(valid) if valid else "none yet"
    dtypes = {key: _guess_dtype(values[key]) if values is not None else "str" for key in unknown}
    hint = "\n".join(f"  ln.Feature(name={key!r}, dtype={dtype!r}).save()" for key, dtype in dtypes.items())
    # LaminDB 1.5.3's first lines, then the feature names that exist
    return ValidationError(
        f"These keys could not be validated: {unknown[:_MAX_LISTED]!r}\n"
        f"Here is how to create a feature:\n\n{hint}\n\nValid feature names: {valid_text}"
    )


def _guess_dtype(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, models.Model):
        return f"cat[{registry_name(type(value))}]"
    if isinstance(value, list | tuple | set):
        return "cat[ULabel]"
    return "str"


def _as_items(value: Any) -> list[Any] | None:
    """The labels of a categorical value: one name or record, or an iterable of them."""
    if isinstance(value, str | models.Model):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        return list(value)
    return None


class FeatureManager:
    """Feature values of one artifact: `add_values`, `get_values`, `remove_values`, `describe`."""

    def __init__(self, host: Artifact):
        self._host = host

    def __repr__(self) -> str:
        return describe_features_text(self) or "no linked features"

    # -- writing ---------------------------------------------------------------------------------------------

    def _check_saved(self) -> None:
        if self._host._state.adding or self._host.pk is None:
            raise ValidationError(f"save the {type(self._host).__name__} before annotating it with features")

    def add_values(self, values: Mapping[str, Any]) -> None:
        """Annotate the artifact with `{feature name: value}`; checks every value, writes all or nothing.

        Categorical features take a label name, a saved record or a list of them; the labels must exist.
        Other features take values of their dtype (ints for `float`, 'YYYY-MM-DD' strings for `date`).
        """
        if not isinstance(values, Mapping):
            raise TypeError(
                f"add_values() expects a dict of feature name -> value, got {type(values).__name__}"
            )
        self._check_saved()
        if not values:
            return
        keys = list(values)
        bad_keys = [k for k in keys if not isinstance(k, str)]
        if bad_keys:
            raise TypeError(f"feature names must be strings, got {_listing(map(str, bad_keys))}")
        features = {f.name: f for f in Feature.objects.filter(name__in=keys)}
        unknown = [k for k in keys if k not in features]
        if unknown:
            raise unknown_features_error(unknown, values)

        errors: list[str] = []
        plain: list[tuple[Feature, Any, str | None]] = []  # (feature, stored value, hash)
        cat_requests: list[tuple[Feature, ParsedDtype, list[str], list[models.Model]]] = []
        for key in keys:
            feature, value = features[key], values[key]
            if feature.dtype is None:
                errors.append(
                    f"  {key}: feature has no dtype (is_type={feature.is_type}); cannot hold values"
                )
                continue
            parsed = parse_dtype(feature.dtype)
            if parsed.is_cat:
                items = _as_items(value)
                if not items:
                    errors.append(
                        f"  {key}: got {describe_value(value)}, expected {expected(parsed)} "
                        f"(dtype '{feature.dtype}')"
                    )
                    continue
                names = [item for item in items if isinstance(item, str)]
                records = [item for item in items if isinstance(item, models.Model)]
                others = [item for item in items if not isinstance(item, str | models.Model)]
                if others:
                    errors.append(
                        f"  {key}: got {', '.join(describe_value(o) for o in others[:5])}, expected "
                        f"{expected(parsed)} (dtype '{feature.dtype}')"
                    )
                    continue
                cat_requests.append((feature, parsed, names, records))
            else:
                result = normalize(parsed, value)
                if result is None:
                    errors.append(
                        f"  {key}: got {describe_value(value)}, expected {expected(parsed)} "
                        f"(dtype '{feature.dtype}')"
                    )
                else:
                    plain.append((feature, *result))

        host_model = type(self._host)
        # (link, label id, feature) triples; labels looked up with one query per registry and field
        label_triples, label_errors = self._resolve_labels(cat_requests, host_model)
        errors += label_errors
        if errors:
            raise ValidationError(
                f"cannot annotate {type(self._host).__name__} '{self._host.uid}' with these values:\n"
                + "\n".join(errors)
            )

        host_id = self._host.pk
        with transaction.atomic():
            if plain:
                value_ids = get_or_create_values(plain)
                ArtifactFeatureValue.objects.bulk_create(
                    [ArtifactFeatureValue(artifact_id=host_id, featurevalue_id=i) for i in value_ids],
                    ignore_conflicts=True,
                )
            link_labels(host_id, label_triples)
            for feature, parsed, _, _ in cat_requests:
                if parsed.dtype == "cat":
                    Feature.objects.filter(pk=feature.pk).update(dtype="cat[ULabel]")
                    feature.dtype = "cat[ULabel]"

    def _resolve_labels(self, requests, host_model):
        """Label ids for categorical values: [(link, label id, feature)], [error lines]."""
        triples: list[tuple[LabelLink, int, Feature]] = []
        errors: list[str] = []
        # group the names by (registry, field, subtype, filters) to look them up with one query each
        wanted: dict[tuple, set[str]] = defaultdict(set)
        plans = []
        for feature, parsed, names, records in requests:
            try:
                resolved = [(t, resolve(t, host_model)) for t in parsed.cat_targets]
                resolved = [(t, link, target_field(t, link)) for t, link in resolved]
            except ValidationError as error:
                errors.append(f"  {feature.name}: {error}")
                continue
            for target, link, field in resolved:
                if names:
                    wanted[(link, field, target.subtype, target.filters)].update(names)
            plans.append((feature, parsed, names, records, resolved))
        found = label_ids(wanted)
        for feature, _parsed, names, records, resolved in plans:
            missing = []
            for name in dict.fromkeys(names):
                for target, link, field in resolved:
                    pk = found[(link, field, target.subtype, target.filters)].get(name)
                    if pk is not None:
                        triples.append((link, pk, feature))
                        break
                else:
                    missing.append(name)
            if missing:
                where = " or ".join(
                    f"{link.name}" + (f" of type {t.subtype!r}" if t.subtype else "")
                    for t, link, _ in resolved
                )
                registry = resolved[0][1].name
                hint = "; ".join(f"ln.{registry}(name={m!r}).save()" for m in missing[:3])
                errors.append(
                    f"  {feature.name}: labels not found in {where}: {_listing(missing)} "
                    f"(dtype '{feature.dtype}'); create them first, e.g. {hint}"
                )
            for record in records:
                match = next(
                    ((t, link) for t, link, _ in resolved if isinstance(record, link.registry)), None
                )
                if match is None:
                    allowed = ", ".join(link.name for _, link, _ in resolved)
                    errors.append(
                        f"  {feature.name}: {record!r} is not a record of {allowed} (dtype '{feature.dtype}')"
                    )
                elif record._state.adding or record.pk is None:
                    errors.append(f"  {feature.name}: save {record!r} before annotating with it")
                elif match[0].subtype is not None and getattr(record.type, "name", None) != match[0].subtype:
                    errors.append(
                        f"  {feature.name}: {record!r} is not of type {match[0].subtype!r} "
                        f"(dtype '{feature.dtype}')"
                    )
                else:
                    triples.append((match[1], record.pk, feature))
        return triples, errors

    def remove_values(self, feature: str | Feature, *, value: Any = None) -> None:
        """Remove the artifact's values of `feature` (a name or record), or only `value` if given."""
        self._check_saved()
        if isinstance(feature, str):
            record = Feature.objects.filter(name=feature).first()
            if record is None:
                raise unknown_features_error([feature])
            feature = record
        if not isinstance(feature, Feature):
            raise TypeError(
                f"remove_values() expects a feature name or a Feature, got {type(feature).__name__}"
            )
        host_id = self._host.pk
        parsed = parse_dtype(feature.dtype) if feature.dtype else None
        removed = 0
        with transaction.atomic():
            if parsed is None or parsed.is_cat:
                items = None if value is None else _as_items(value)
                for link in _links_of(parsed, type(self._host)):
                    links = link.through.objects.filter(
                        **{link.host_field: host_id, "feature_id": feature.pk}
                    )
                    if items is not None:
                        names = [i for i in items if isinstance(i, str)]
                        ids = [i.pk for i in items if isinstance(i, link.registry)]
                        match = Q(**{f"{link.label_field}__in": ids})
                        for field in _value_fields(parsed, link):  # the name, or the dtype's field
                            match |= Q(**{f"{link.label_fk}__{field}__in": names})
                        links = links.filter(match)
                    removed += links.delete()[0]
            else:
                links = ArtifactFeatureValue.objects.filter(
                    artifact_id=host_id, featurevalue__feature_id=feature.pk
                )
                if value is not None:
                    result = normalize(parsed, value)
                    if result is None:
                        raise ValidationError(
                            f"{describe_value(value)} is not a value of feature '{feature.name}': expected "
                            f"{expected(parsed)} (dtype '{feature.dtype}')"
                        )
                    stored, hash_ = result
                    match = {"featurevalue__hash": hash_} if hash_ else {"featurevalue__value": stored}
                    links = links.filter(**match)
                removed = links.delete()[0]
        if value is not None and not removed:
            logger.warning(f"no value {value!r} of feature '{feature.name}' to remove")

    # -- reading ---------------------------------------------------------------------------------------------

    def _collect(self) -> tuple[dict[tuple[str, str], list], dict[tuple[str, str], list]]:
        """({(name, dtype): label names}, {(name, dtype): values}) in link order."""
        host = self._host
        categorical: dict[tuple[str, str], list] = defaultdict(list)
        plain: dict[tuple[str, str], list] = defaultdict(list)
        if host.pk is None:
            return categorical, plain
        for _, name, dtype, label in label_rows(host, with_feature=True):
            if label not in categorical[(name, dtype)]:
                categorical[(name, dtype)].append(label)
        rows = (
            ArtifactFeatureValue.objects.filter(artifact_id=host.pk)
            .order_by("id")
            .values_list("featurevalue__feature__name", "featurevalue__feature__dtype", "featurevalue__value")
        )
        for name, dtype, value in rows:
            base = parse_dtype(dtype).base if dtype else ""
            python_value = from_stored(base, value)
            if python_value not in plain[(name, dtype)]:
                plain[(name, dtype)].append(python_value)
        return categorical, plain

    def get_values(self) -> dict[str, Any]:
        """`{feature name: value}`: one value as itself, several as a set (a list if unhashable).

        Categorical features first, then the others, each sorted by name (like LaminDB).
        """
        categorical, plain = self._collect()
        result: dict[str, Any] = {}
        for group in (categorical, plain):
            for (name, _), items in sorted(group.items()):
                result[name] = _collapse(items)
        return result

    def describe(self, return_str: bool = False) -> str | None:
        """Print the artifact's features (linked and in schemas); `return_str=True` returns the text."""
        text = describe_features_text(self) or "no linked features"
        if return_str:
            return text
        print(text)
        return None

    @property
    def slots(self) -> dict[str, Any]:
        """Schemas linked to the artifact, by slot."""
        links = self._host.links_schema.select_related("schema").order_by("id")
        return {link.slot: link.schema for link in links}

    def __getitem__(self, slot: str) -> Any:
        """The members of the schema in `slot` (deprecated in LaminDB 1.5.3: `slots[slot].members`)."""
        slots = self.slots
        if slot not in slots:
            raise ValueError(
                f"No linked feature set for slot: {slot}\nDid you get validation warnings? Only features "
                "that match registered features get validated and linked."
            )
        return slots[slot].members

    def _add_schema(self, schema: Any, slot: str) -> None:
        """Link a schema (saved if new) to the saved artifact in `slot`; a slot holds one schema."""
        if not isinstance(schema, Schema):
            raise TypeError(f"schema must be a Schema, got {type(schema).__name__}")
        if not isinstance(slot, str) or not slot:
            raise ValueError(f"slot must be a non-empty string, got {slot!r}")
        if self._host._state.adding or self._host.pk is None:
            raise ValueError("Please save the artifact or collection before adding a feature set!")
        with transaction.atomic():
            if schema._state.adding:
                schema.save()
            links = self._host.links_schema
            current = links.filter(slot=slot).first()
            if current is not None and current.schema_id == schema.pk:
                return
            other_slot = links.filter(schema_id=schema.pk).first()
            if other_slot is not None:
                raise ValidationError(
                    f"schema {schema.uid} is linked to this artifact in slot {other_slot.slot!r}"
                )
            if current is not None:
                logger.info(f"replaced the schema in slot {slot!r}")
                current.delete()
            links.model(artifact_id=self._host.pk, schema_id=schema.pk, slot=slot).save()

    def add_schema(self, schema: Any, slot: str) -> None:
        """Deprecated in LaminDB 1.5.3 (validate with a schema instead): link a schema in `slot`."""
        logger.warning("add_schema() is deprecated, validate the dataset with a schema instead")
        self._add_schema(schema, slot)

    def add_feature_set(self, schema: Any, slot: str) -> None:
        """Deprecated alias of `add_schema()`."""
        logger.warning("add_feature_set() is deprecated, validate the dataset with a schema instead")
        self._add_schema(schema, slot)


def link_labels(host_id: int, triples: Iterable[tuple[LabelLink, int, Feature]]) -> None:
    """Link labels to a host as values of features: one bulk insert per link table, repeats ignored.

    Labels of the host that were linked without a feature before are now linked through the feature only.
    """
    by_link: dict[LabelLink, list[tuple[int, int]]] = defaultdict(list)
    for link, label_id, feature in triples:
        by_link[link].append((label_id, feature.id))
    for link, pairs in by_link.items():
        label_ids = {label_id for label_id, _ in pairs}
        # the host's links, selected by host alone (its index): with the label or feature in SQL too, SQLite
        # (no statistics) may walk the index of a common label instead; a host has few links
        rows = link.through.objects.filter(**{link.host_field: host_id})
        current = [
            row for row in rows.values_list("pk", link.label_field, "feature_id") if row[1] in label_ids
        ]
        # links that exist are skipped here, not by the unique constraint: SQLite has none on
        # (host, label, feature), as Django drops constraints with nulls_distinct=False there
        have = {(label_id, fid) for _, label_id, fid in current}
        link.through.objects.bulk_create(
            [
                link.through(**{link.host_field: host_id, link.label_field: label_id, "feature_id": fid})
                for label_id, fid in dict.fromkeys(pairs)
                if (label_id, fid) not in have
            ],
            ignore_conflicts=True,
        )
        plain = [pk for pk, _, fid in current if fid is None]
        if plain:
            link.through.objects.filter(pk__in=plain).delete()


def _links_of(parsed: ParsedDtype | None, host_model: type[models.Model]) -> list[LabelLink]:
    """The label links a categorical dtype's values live in (all of them if it names none available)."""
    if parsed is not None:
        try:
            return list(dict.fromkeys(resolve(t, host_model) for t in parsed.cat_targets))
        except ValidationError:
            pass
    return list(label_links(host_model).values())


def _value_fields(parsed: ParsedDtype | None, link: LabelLink) -> list[str]:
    """Fields of `link`'s registry that values given as strings may match: its name and the dtype's fields."""
    fields = [name_field(link.registry)]
    for target in parsed.cat_targets if parsed is not None else ():
        if target.registry == link.name and target.field and target.field not in fields:
            fields.append(target.field)
    return fields


def _collapse(items: list) -> Any:
    if len(items) == 1:
        return items[0]
    try:
        return set(items)
    except TypeError:
        return list(items)


def get_or_create_values(rows: list[tuple[Feature, Any, str | None]]) -> list[int]:
    """Ids of FeatureValue rows for (feature, stored value, hash), creating the missing ones in bulk."""
    keys = [value_key(feature.pk, value, hash_) for feature, value, hash_ in rows]
    unique = {}
    for key, row in zip(keys, rows, strict=True):
        unique.setdefault(key, row)
    ids = _existing_value_ids(unique)
    missing = [key for key in unique if key not in ids]
    if missing:
        objects = [
            FeatureValue(feature_id=unique[key][0].pk, value=unique[key][1], hash=unique[key][2])
            for key in missing
        ]
        try:
            with transaction.atomic():
                FeatureValue.objects.bulk_create(objects)
            for key, obj in zip(missing, objects, strict=True):
                ids[key] = obj.pk
        except IntegrityError:  # created concurrently: take theirs
            FeatureValue.objects.bulk_create(
                [FeatureValue(feature_id=o.feature_id, value=o.value, hash=o.hash) for o in objects],
                ignore_conflicts=True,
            )
            ids.update(_existing_value_ids({key: unique[key] for key in missing}))
    return [ids[key] for key in dict.fromkeys(keys)]


def _existing_value_ids(unique: dict[tuple, tuple[Feature, Any, str | None]]) -> dict[tuple, int]:
    query = Q()
    for feature, value, hash_ in unique.values():
        if hash_ is not None:
            query |= Q(feature_id=feature.pk, hash=hash_)
        else:
            query |= Q(feature_id=feature.pk, value=value, hash__isnull=True)
    found: dict[tuple, int] = {}
    rows = (
        FeatureValue.all_objects.filter(query).order_by("id").values_list("id", "feature_id", "value", "hash")
    )
    for pk, feature_id, value, hash_ in rows:
        found.setdefault(value_key(feature_id, value, hash_), pk)
    return found
