"""What the Schema model hands off to: its constructor (a new schema, the saved one with the same hash,
or the saved one with the same name redefined) and `save()` (members, slots, the recomputed hash).

The model calls these through hooks bound in `apps.ready()` (docs/architecture.md, "Layers"); `init` and
`save` are the model's own `super()` methods. `Schema._compute` (the field values and hash from the
arguments) stays on the model: it reads no database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from .._logger import logger
from ..models import Artifact, Schema, SchemaComponent
from ..models._defaults import uid16
from ..models._validation import check_init_kwargs
from ..models.feature import load_from
from ..models.pending import PendingSave
from ..models.schema import (
    _SCHEMA_ARGS,
    KNOWN_SCHEMAS,
    _member_links,
    _Spec,
    composite_hash,
    member_link,
    schema_hash,
)


def init_schema(schema: Schema, kwargs: dict, init: Callable[..., None]) -> None:
    """`Schema(...)` after its positional argument: check the arguments, then a new schema, the saved one
    with the same hash, or the saved one with the same name redefined (LaminDB 1.5.3)."""
    unknown = {k: v for k, v in kwargs.items() if k not in _SCHEMA_ARGS}
    if unknown:
        check_init_kwargs(Schema, unknown)
        raise TypeError(
            f"Schema() does not take {', '.join(map(repr, unknown))}; valid: {', '.join(_SCHEMA_ARGS)}"
        )
    spec = schema._compute(**kwargs)
    fields = spec.fields
    hash_parts = spec.hash_parts
    existing = Schema.objects.filter(hash=fields["hash"]).order_by("id").first()
    if existing is not None:
        logger.info(f"returning existing schema with same hash: {existing}")
        _load(schema, init, existing)
        name = fields["name"]
        if isinstance(name, str) and name != existing.name:
            holder = Schema.objects.filter(name=name).exclude(pk=existing.pk).first()
            if holder is not None:  # 1.5.3 renames, and then two schemas share the name
                logger.warning(
                    f"not renaming schema {existing.uid} ({existing.name!r}) to {name!r}: schema "
                    f"{holder.uid} has that name"
                )
                kwargs = {k: v for k, v in kwargs.items() if k != "name"}
        for key in ("name", "description", "otype", "is_type", "type"):
            if key in kwargs and getattr(schema, key) != fields[key]:
                setattr(schema, key, fields[key])  # kept on save(), like LaminDB
        if spec.index is not None:
            schema._set_af("3", spec.index.uid)
        schema._pending = None
        schema._list_for_hashing = hash_parts
        return
    name = fields["name"]
    same_name = None
    if isinstance(name, str) and name:
        same_name = Schema.objects.filter(name=name).order_by("id").first()
    if same_name is not None:
        # LaminDB 1.5.3: a schema is found by its name, and the new definition replaces the old one
        logger.info(f"returning existing Schema record with same name: '{name}'")
        _load(schema, init, same_name)
        _redefine(schema, spec)
        schema._list_for_hashing = hash_parts
        return
    init(uid=KNOWN_SCHEMAS.get(fields["hash"]) or uid16(), **fields)
    schema._aux = {"af": {**({"0": True} if spec.coerce_dtype else {}), "2": spec.flexible}}
    if spec.optional:
        schema._set_af("1", spec.optional)
    if spec.index is not None:
        schema._set_af("3", spec.index.uid)
    schema._pending = PendingSave(members=spec.features, slots=spec.slots)
    schema._list_for_hashing = hash_parts  # LaminDB's name for what the hash is made of


def _load(schema: Schema, init: Callable[..., None], existing: Schema) -> None:
    """Become the saved `existing` schema (all its field values, as if loaded from the database)."""
    init(*[getattr(existing, f.attname) for f in schema._meta.concrete_fields])
    schema._state.adding = False
    schema._state.db = existing._state.db


def _redefine(schema: Schema, spec: _Spec) -> None:
    """Apply a new definition to a saved schema found by name (LaminDB 1.5.3's `update_attributes`):
    fields that differ are updated with a warning, `dtype` and `otype` are kept; members and slots
    are replaced on `save()`."""
    fields = spec.fields
    for key in ("description", "itype", "n", "minimal_set", "ordered_set", "maximal_set", "is_type"):
        value = fields[key]
        if value is not None and getattr(schema, key) != value:
            logger.warning(f"updated {key} from {getattr(schema, key)} to {value}")
            setattr(schema, key, value)
    if fields["type"] is not None and schema.type_id != fields["type"].pk:
        schema.type = fields["type"]
    for key in ("dtype", "otype"):
        value = fields[key]
        if value is not None and getattr(schema, key) != value:
            logger.warning(f"ignoring tentative value {value} for {key}, keeping {getattr(schema, key)}")
    schema.coerce_dtype = spec.coerce_dtype
    schema.flexible = spec.flexible
    schema._set_af("1", spec.optional)
    if spec.index is not None:
        schema._set_af("3", spec.index.uid)
    else:
        (schema._aux or {}).get("af", {}).pop("3", None)
    if schema._get_af("1", None) == []:
        schema._aux["af"].pop("1")
    schema._pending = PendingSave(members=None if spec.slots is not None else spec.features, slots=spec.slots)


def _current_hash(schema: Schema, members: list) -> str:
    """The hash of the schema as it is now (options, members, optional features)."""
    if schema.itype == "Composite":
        slots = schema._pending_part("slots")
        return composite_hash(slots if slots is not None else schema.slots)
    return schema_hash(
        dtype=schema.dtype,
        itype=schema.itype,
        minimal_set=schema.minimal_set,
        ordered_set=schema.ordered_set,
        maximal_set=schema.maximal_set,
        flexible=schema.flexible,
        coerce_dtype=schema.coerce_dtype,
        n=schema.n,
        feature_uids=[f.uid for f in members],
        optional_uids=schema.optionals.get_uids(),
    )


def save_schema(schema: Schema, save: Callable[..., Any], *args: Any, **kwargs: Any) -> Schema:
    """Save the schema and link its features (or, for a composite, its slots' schemas); an unsaved
    schema whose hash exists already becomes that one. A saved schema gets its `n` and hash
    recomputed from its members and options (LaminDB 1.5.3 warns when datasets were validated with
    the previous hash)."""
    features = schema._pending_part("members")
    slots = schema._pending_part("slots")
    if schema.itype != "Composite":
        members = features if features is not None else ([] if schema._state.adding else list(schema.members))
        if members:
            schema.n = len(members)
    if schema._state.adding:
        if schema.itype != "Composite" and schema.hash is not None:
            schema.hash = _current_hash(schema, members)  # e.g. an index or optionals set after __init__
        existing = Schema.objects.filter(hash=schema.hash).order_by("id").first() if schema.hash else None
        if existing is not None:
            logger.info(f"returning existing schema with same hash: {existing}")
            load_from(schema, existing)
            schema._pending = None
            return schema
    else:
        new_hash = _current_hash(schema, [] if schema.itype == "Composite" else members)
        if new_hash != schema.hash:
            validated = list(Artifact.objects.filter(schema_id=schema.pk).values_list("uid", flat=True))
            if validated:
                logger.warning(
                    "you updated the schema hash and might invalidate datasets that were previously "
                    f"validated with this schema: {validated}"
                )
            schema.hash = new_hash
    with transaction.atomic():
        adding = schema._state.adding
        save(*args, **kwargs)
        if features is not None and not adding:
            _replace_members(schema, features)
        elif features:
            link, field = member_link(type(features[0]))
            link.objects.bulk_create(
                [link(**{"schema_id": schema.pk, field: f.pk}) for f in features], ignore_conflicts=True
            )
        if slots is not None and not adding:
            SchemaComponent.objects.filter(composite_id=schema.pk).delete()
        if slots:
            SchemaComponent.objects.bulk_create(
                [
                    SchemaComponent(composite_id=schema.pk, component_id=component.pk, slot=slot)
                    for slot, component in slots.items()
                ],
                ignore_conflicts=True,
            )
    schema._pending = None
    return schema


def _replace_members(schema: Schema, features: list) -> None:
    """Make `features` (in this order) the members of this saved schema, in every member table."""
    wanted = [(type(f), f.pk) for f in features]
    current = [(type(m), m.pk) for m in _members_of_any_registry(schema)]
    if current == wanted:
        return
    for link, _field in _member_links():
        link.objects.filter(schema_id=schema.pk).delete()
    if features:
        link, field = member_link(type(features[0]))
        link.objects.bulk_create([link(**{"schema_id": schema.pk, field: f.pk}) for f in features])


def _members_of_any_registry(schema: Schema) -> list:
    """The members in order, whichever registry holds them (also one that `itype` no longer names)."""
    found: list = []
    for link, field in _member_links():
        ids = list(link.objects.filter(schema_id=schema.pk).order_by("id").values_list(field, flat=True))
        if ids:
            registry = link._meta.get_field(field.removesuffix("_id")).related_model
            records = registry.objects.in_bulk(ids)
            found += [records[i] for i in ids if i in records]
    return found
