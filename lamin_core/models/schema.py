"""Schemas: sets of features (or of identifiers of another registry) that datasets are validated by."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.apps import apps
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from .. import hooks
from .._logger import logger
from ..dtypes import dtype_from_pandas, registry_name
from ..errors import ValidationError
from ..hashing import hash_set, hash_string
from ._defaults import uid16
from .base import Link, Record, TracksRun
from .feature import Feature
from .pending import PendingSave

# the built-in schemas get reserved uids (LaminDB's KNOWN_SCHEMAS)
KNOWN_SCHEMAS = {
    "kMi7B_N88uu-YnbTLDU-DA": "0000000000000000",  # valid_features
    "1gocc_TJ1RU2bMwDRK-WUA": "0000000000000001",  # valid_ensembl_gene_ids
    "GTxxM36n9tocphLfdbNt9g": "0000000000000002",  # anndata_ensembl_gene_ids_and_valid_features_in_obs
}
# LaminDB's codes of the parts of a schema hash
_HASH_CODE = {
    "dtype": "a",
    "itype": "b",
    "minimal_set": "c",
    "ordered_set": "d",
    "maximal_set": "e",
    "flexible": "f",
    "coerce_dtype": "g",
    "n": "h",
    "features_hash": "j",
}
_SCHEMA_ARGS = (
    "features",
    "index",
    "slots",
    "name",
    "description",
    "itype",
    "otype",
    "dtype",
    "minimal_set",
    "ordered_set",
    "maximal_set",
    "coerce_dtype",
    "flexible",
    "n",
    "is_type",
    "type",
)


def _itype_str(itype: Any) -> str | None:
    """`"Feature"`, `ln.Feature`, `bt.Gene.ensembl_gene_id` or a string such as `"bionty.Gene.symbol"`."""
    if itype is None or isinstance(itype, str):
        return itype
    if isinstance(itype, type) and issubclass(itype, models.Model):
        return registry_name(itype)
    if isinstance(itype, DeferredAttribute):
        model, field = itype.field.model, itype.field.name
        if registry_name(model) == "Feature" and field == "name":
            return "Feature"  # features are identified by name: `Feature.name` is `Feature`, like LaminDB
        return f"{registry_name(model)}.{field}"
    raise ValidationError(f"itype must be a registry, a registry field or a string, got {itype!r}")


def member_link(registry: type[models.Model]) -> tuple[type[models.Model], str] | None:
    """(link model, attname of its FK to `registry`) of the table linking schemas to `registry`'s records."""
    for rel in Schema._meta.related_objects:
        link = rel.related_model
        if rel.field.name != "schema" or rel.many_to_many or not link.__name__.startswith("Schema"):
            continue
        for field in link._meta.concrete_fields:
            if field.is_relation and field.related_model is registry:
                return link, field.attname
    return None


def _member_links() -> list[tuple[type[models.Model], str]]:
    """(link model, attname of its FK to the member registry) of every table linking schemas to members."""
    found = []
    for rel in Schema._meta.related_objects:
        link = rel.related_model
        if rel.field.name != "schema" or rel.many_to_many or not link.__name__.startswith("Schema"):
            continue
        for field in link._meta.concrete_fields:
            if field.is_relation and field.name != "schema" and field.related_model is not Schema:
                found.append((link, field.attname))
                break
    return found


class _Spec(NamedTuple):
    """What the Schema constructor's arguments amount to."""

    fields: dict[str, Any]
    features: list
    flexible: bool
    coerce_dtype: bool
    slots: dict | None
    optional: list[str]
    index: Any
    hash_parts: list[str]


def _itype_registry(itype: str) -> type[models.Model]:
    """The registry of an itype such as `Feature`, `bionty.Gene` or `bionty.Gene.ensembl_gene_id`."""
    parts = itype.split(".")
    if len(parts) >= 2 and parts[1][:1].isupper():
        return apps.get_model(parts[0], parts[1])
    return apps.get_model("lamin_core", parts[0])


def composite_hash(slots: dict[str, Schema]) -> str:
    """LaminDB's hash of a composite schema: the hash of its components' sorted hashes."""
    return hash_string(":".join(sorted(component.hash for component in slots.values())))


def _check_slots(slots: Any) -> dict[str, Schema]:
    """`{slot name: saved Schema}` or a ValidationError saying what is wrong."""
    if not isinstance(slots, dict) or not slots:
        raise ValidationError(
            "slots must be a non-empty dict of slot name -> Schema, e.g. {'obs': obs_schema, 'var.T': genes}"
        )
    for slot, component in slots.items():
        if not isinstance(slot, str) or not slot:
            raise ValidationError(f"slot names must be non-empty strings, got {slot!r}")
        if not isinstance(component, Schema):
            raise ValidationError(f"slot {slot!r} must be a Schema, got {type(component).__name__}")
        if component._state.adding or component.pk is None:
            raise ValidationError(f"save the schema of slot {slot!r} before building a composite schema")
        if component.itype == "Composite":
            raise ValidationError(f"slot {slot!r}: a composite schema cannot be a component")
    return dict(slots)


def itype_registry_field(itype: str) -> tuple[type[models.Model], str]:
    """(registry, field) of an itype: `bionty.Gene.ensembl_gene_id` -> (Gene, "ensembl_gene_id");
    without a field, the registry's name field (`Feature` -> (Feature, "name"))."""
    registry = _itype_registry(itype)
    parts = itype.split(".")
    rest = parts[2:] if len(parts) >= 2 and parts[1][:1].isupper() else parts[1:]
    return registry, rest[0] if rest else getattr(registry, "_name_field", "name")


def schema_hash_parts(
    *,
    dtype: str | None,
    itype: str | None,
    minimal_set: bool,
    ordered_set: bool,
    maximal_set: bool,
    flexible: bool,
    coerce_dtype: bool,
    n: int,
    feature_uids: list[str],
    optional_uids: Iterable[str] = (),
) -> list[str]:
    """What LaminDB hashes for a schema (its `_list_for_hashing`, sorted): the set options that differ
    from defaults plus a hash of the member uids (an optional feature's uid with the suffix `(i)`)."""
    values = {
        "dtype": dtype,
        "itype": itype,
        "minimal_set": minimal_set,
        "ordered_set": ordered_set,
        "maximal_set": maximal_set,
    }
    parts = [f"{_HASH_CODE[k]}={v}" for k, v in values.items() if v is not None]
    if flexible != (n < 0):
        parts.append(f"{_HASH_CODE['flexible']}={flexible}")
    if coerce_dtype:
        parts.append(f"{_HASH_CODE['coerce_dtype']}={coerce_dtype}")
    if n != -1:
        parts.append(f"{_HASH_CODE['n']}={n}")
    if feature_uids:
        optional = set(optional_uids)
        if optional:
            feature_uids = [f"{u}(i)" if u in optional else u for u in feature_uids]
        features_hash = hash_string(":".join(feature_uids)) if ordered_set else hash_set(feature_uids)
        parts.append(f"{_HASH_CODE['features_hash']}={features_hash}")
    return sorted(parts)


def schema_hash(**kwargs: Any) -> str:
    """LaminDB's schema hash (see `schema_hash_parts`)."""
    return hash_string(":".join(schema_hash_parts(**kwargs)))


class Schema(Record, TracksRun):
    """A feature set: which features a dataset has, and how strictly they are validated."""

    uid = models.CharField(max_length=20, unique=True, default=uid16, editable=False)
    name = models.CharField(max_length=150, null=True, default=None, db_index=True)
    description = models.TextField(null=True, default=None)
    n = models.IntegerField()
    is_type = models.BooleanField(default=False, db_default=False, db_index=True)
    itype = models.CharField(max_length=120, null=True, default=None, db_index=True)
    otype = models.CharField(max_length=64, null=True, default=None, db_index=True)
    dtype = models.CharField(max_length=64, null=True, default=None)
    hash = models.CharField(max_length=22, null=True, default=None, db_index=True)
    minimal_set = models.BooleanField(default=True, db_default=True, db_index=True)
    ordered_set = models.BooleanField(default=False, db_default=False, db_index=True)
    maximal_set = models.BooleanField(default=False, db_default=False, db_index=True)
    _curation = models.JSONField(null=True, default=None)
    slot = models.CharField(max_length=100, null=True, default=None)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")
    validated_by = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="validated_schemas"
    )
    # the legacy pointer of a component to its composite (unused, as in LaminDB 1.5: see `components`)
    composite = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="+")
    features = models.ManyToManyField(
        "lamin_core.Feature", through="lamin_core.SchemaFeature", related_name="schemas"
    )
    components = models.ManyToManyField(
        "self", through="lamin_core.SchemaComponent", symmetrical=False, related_name="composites"
    )

    _name_field = "name"
    # keys of `_aux["af"]`
    _aux_fields = {"0": ("coerce_dtype", bool), "1": ("optionals", list), "2": ("flexible", bool)}

    def __init__(self, *args, **kwargs):
        """`Schema(features=[...], index=None, name=None, itype=None, otype=None, dtype=None,
        minimal_set=True, ordered_set=False, maximal_set=False, coerce_dtype=False, flexible=None)`, or a
        composite schema `Schema(slots={"obs": obs_schema, "var.T": gene_schema}, otype="AnnData")`.

        Features may be given as `feature.with_config(optional=True)`; `index` is a Feature validating a
        DataFrame's index (it becomes the first member). As in LaminDB 1.5.3, a schema with the same hash
        that exists already is returned; else one with the same name is returned, redefined by these
        arguments (its hash and members are updated on `save()`).
        """
        if len(args) == len(self._meta.concrete_fields):  # a row given in full (database rows: from_db)
            super().__init__(*args, **kwargs)
            return
        if len(args) > 1 or (args and "features" in kwargs):
            # a ValueError, as in LaminDB 1.5.3
            raise ValueError("Schema() takes one positional argument, the features (the rest by keyword)")
        if args:
            kwargs["features"] = args[0]
        if "components" in kwargs and "slots" not in kwargs:
            logger.warning("`components` as a keyword argument is deprecated, please use `slots` instead")
            kwargs["slots"] = kwargs.pop("components")
        hooks.init_schema(self, kwargs, super().__init__)

    @staticmethod
    def _compute(
        features: Any = None,
        index: Any = None,
        slots: Any = None,
        name: str | None = None,
        description: str | None = None,
        itype: Any = None,
        otype: str | None = None,
        dtype: Any = None,
        minimal_set: bool = True,
        ordered_set: bool = False,
        maximal_set: bool = False,
        coerce_dtype: bool = False,
        flexible: bool | None = None,
        n: int | None = None,
        is_type: bool = False,
        type: Schema | None = None,
    ) -> _Spec:
        """The field values (incl. hash), members, options and slots from the constructor's arguments."""
        if slots is not None:
            slots = _check_slots(slots)
            if features or index is not None:
                raise ValidationError("a composite schema takes slots, not features or an index")
            if itype not in (None, "Composite"):
                raise ValidationError(f"a composite schema has itype 'Composite', not {itype!r}")
            if otype is None:
                raise ValidationError("pass otype (e.g. otype='AnnData') for a composite schema")
        if features is None:
            features = []
        elif isinstance(features, models.Model) or not hasattr(features, "__iter__"):
            raise ValidationError("features must be a list of records (e.g. Features), not a single record")
        optional: list[str] = []
        plain = []
        for item in features:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
                record, config = item
                unknown = set(config) - {"optional"}
                if unknown:
                    raise ValidationError(f"unknown feature configuration {sorted(unknown)}; valid: optional")
                if config.get("optional"):
                    if not isinstance(record, Feature):
                        raise ValidationError("only Feature records can be optional members of a schema")
                    optional.append(record.uid)
                item = record
            plain.append(item)
        features = plain
        if index is not None:
            if not isinstance(index, Feature):
                raise ValidationError(f"index must be a Feature, got {index.__class__.__name__}")
            features = [index, *[f for f in features if not (isinstance(f, Feature) and f.pk == index.pk)]]
        bad = [f for f in features if not isinstance(f, models.Model)]
        if bad:
            raise ValidationError(f"features must be records; got {', '.join(repr(b) for b in bad[:5])}")
        registry = features[0].__class__ if features else None
        if any(f.__class__ is not registry for f in features):
            kinds = sorted({f.__class__.__name__ for f in features})
            raise ValidationError(f"a schema holds records of one registry, got {kinds}")
        if registry is not None and member_link(registry) is None:
            raise ValidationError(
                f"{registry.__name__} records cannot be schema members (no link table to Schema); "
                "use Feature records"
            )
        unsaved = [str(f) for f in features if f._state.adding or f.pk is None]
        if unsaved:
            raise ValidationError(f"save these records before building a schema from them: {unsaved}")
        features = list({f.pk: f for f in features}.values())  # drop repeats, keep order
        optional = list(dict.fromkeys(optional))
        for flag, value in (
            ("minimal_set", minimal_set),
            ("ordered_set", ordered_set),
            ("maximal_set", maximal_set),
            ("coerce_dtype", coerce_dtype),
        ):
            if not isinstance(value, bool):
                raise ValidationError(f"{flag} must be True or False, got {value!r}")
        itype = _itype_str(itype)
        if features:
            members = registry_name(registry)
            if itype is not None and not itype.startswith(members):
                raise ValidationError(f"itype {itype!r} does not fit records of registry {members!r}")
            itype = itype or members
            n = len(features)
        elif n is None:
            n = -1
        if dtype is None:
            dtype = None if itype == "Feature" else "num"
        elif not isinstance(dtype, str):
            dtype = getattr(dtype, "__name__", str(dtype))
        if flexible is None:
            flexible = n < 0
        if slots is not None:
            itype = "Composite"  # set after the dtype default, as in LaminDB (composites get dtype 'num')
        fields = {
            "name": name,
            "description": description,
            "itype": itype,
            "otype": otype,
            "dtype": dtype,
            "n": n,
            "minimal_set": minimal_set,
            "ordered_set": ordered_set,
            "maximal_set": maximal_set,
            "is_type": is_type,
            "type": type,
        }
        if slots is not None:
            parts = sorted(component.hash for component in slots.values())
        else:
            parts = schema_hash_parts(
                dtype=dtype,
                itype=itype,
                minimal_set=minimal_set,
                ordered_set=ordered_set,
                maximal_set=maximal_set,
                flexible=flexible,
                coerce_dtype=coerce_dtype,
                n=n,
                feature_uids=[f.uid for f in features],
                optional_uids=optional,
            )
        fields["hash"] = hash_string(":".join(parts))
        return _Spec(fields, features, flexible, coerce_dtype, slots, optional, index, parts)

    def save(self, *args, **kwargs) -> Schema:
        """Save the schema and link its features (or, for a composite, its slots' schemas); an unsaved
        schema whose hash exists already becomes that one. A saved schema gets its `n` and hash
        recomputed from its members and options (LaminDB 1.5.3 warns when datasets were validated with
        the previous hash)."""
        return hooks.save_schema(self, super().save, *args, **kwargs)

    @property
    def slots(self) -> dict[str, Schema]:
        """The component schemas of a composite schema by slot (`{"obs": ..., "var.T": ...}`); else `{}`."""
        if self._state.adding:
            return dict(self._pending_part("slots") or {})
        links = SchemaComponent.objects.filter(composite_id=self.pk).select_related("component")
        return {link.slot: link.component for link in links.order_by("id")}

    @property
    def members(self):
        """The schema's features in the order they were given (a list before the schema is saved)."""
        if self._state.adding:
            return list(self._pending_part("members") or [])
        if self.itype is None or self.itype.split(".")[0].split("[")[0] == "Feature":
            return self.features.order_by("links_schema__id")
        try:
            registry = _itype_registry(self.itype)
        except (LookupError, ValueError):  # e.g. "Composite": no members of its own
            return []
        found = member_link(registry)
        if found is None:
            return []
        link, field = found
        ids = list(link.objects.filter(schema_id=self.pk).order_by("id").values_list(field, flat=True))
        records = registry.objects.in_bulk(ids)
        return [records[i] for i in ids if i in records]

    def _get_af(self, key: str, default: Any) -> Any:
        return (self._aux or {}).get("af", {}).get(key, default)

    def _set_af(self, key: str, value: Any) -> None:
        self._aux = self._aux or {}
        self._aux.setdefault("af", {})[key] = value

    @property
    def coerce_dtype(self) -> bool:
        """Whether validation may coerce column values to their features' dtypes."""
        return bool(self._get_af("0", False))

    @coerce_dtype.setter
    def coerce_dtype(self, value: bool) -> None:
        self._set_af("0", value)

    @property
    def flexible(self) -> bool:
        """Whether columns that are not features of the schema are validated too (default: n < 0)."""
        value = self._get_af("2", None)
        return self.n < 0 if value is None else bool(value)

    @flexible.setter
    def flexible(self, value: bool) -> None:
        self._set_af("2", value)

    @property
    def index(self) -> Any:
        """The Feature that validates the index of a DataFrame (None if unset); assign a Feature to set it
        (it becomes a member) or None to unset it (it stops being a member). `save()` updates `n` and the
        hash, as in LaminDB 1.5.3."""
        uid = self._get_af("3", None)
        if uid is None:
            return None
        if self._state.adding:
            return next((f for f in self.members if isinstance(f, Feature) and f.uid == uid), None)
        return Feature.objects.filter(uid=uid).first()

    @index.setter
    def index(self, value: Any) -> None:
        if value is not None and not isinstance(value, Feature):
            raise ValidationError(f"index must be a Feature or None, got {value.__class__.__name__}")
        if value is not None and (value._state.adding or value.pk is None):
            raise ValidationError(f"save the index feature before setting it: {value}")
        if self.itype not in (None, "Feature"):
            raise ValidationError(
                f"only a schema of features has an index, this one has itype {self.itype!r}"
            )
        current = self.index
        if current is not None and (value is None or current.pk != value.pk):
            self._remove_member(current)
        if value is None:
            (self._aux or {}).get("af", {}).pop("3", None)
            return
        self._add_member(value, first=True)
        self._set_af("3", value.uid)

    def _pending_part(self, name: str) -> Any:
        """`members` or `slots` waiting for save() (models/pending.py), None if there are none."""
        return getattr(self._pending, name) if self._pending is not None else None

    def _pending_members(self, features: list) -> None:
        if self._pending is None:
            self._pending = PendingSave()
        self._pending.members = features

    def _add_member(self, feature: Any, first: bool = False) -> None:
        if self._state.adding or self._pending_part("members") is not None:
            features = list(self._pending_part("members") or [])
            if all(f.pk != feature.pk for f in features):
                features = [feature, *features] if first else [*features, feature]
            self._pending_members(features)
            if self._state.adding and self.itype is None:
                self.itype = "Feature"
        else:
            self.features.add(feature)  # like LaminDB 1.5.3: linked now, `n` and hash updated on save()

    def _remove_member(self, feature: Any) -> None:
        members = self._pending_part("members")
        if self._state.adding or members is not None:
            self._pending_members([f for f in members or [] if f.pk != feature.pk])
        else:
            self.features.remove(feature)

    @property
    def optionals(self) -> SchemaOptionals:
        """The optional features (LaminDB 1.5.3): `get()`, `get_uids()`, `set([...])`, `add(...)`,
        `remove(...)`. An optional feature may be missing from a dataset even with `minimal_set=True`;
        changes take effect on `save()` (they change the hash)."""
        return SchemaOptionals(self)

    @classmethod
    def from_values(
        cls,
        values: Any,
        field: Any = None,
        type: Any = None,
        name: str | None = None,
        mute: bool = False,
        organism: Any = None,
        source: Any = None,
        raise_validation_error: bool = True,
    ) -> Schema | None:
        """An unsaved schema of the records whose `field` (default `ln.Feature.name`) has one of `values`,
        e.g. `Schema.from_values(genes, bt.Gene.ensembl_gene_id, organism="human")`; `type` is the dtype
        (default "num" for registries other than Feature). Values that are not in the registry raise a
        ValidationError (with `raise_validation_error=False`: are left out; None if none is valid)."""
        if field is None:
            field = Feature.name
        if not isinstance(field, DeferredAttribute):
            raise TypeError("Argument `field` must be a registry field, e.g. `ln.Feature.name`")
        if isinstance(values, str) or not hasattr(values, "__iter__"):
            raise TypeError("values must be a list of values, e.g. feature names or gene ids")
        values = list(values.tolist() if hasattr(values, "tolist") else values)
        if len(values) == 0:
            raise ValueError("Provide a list of at least one value")
        registry = field.field.model
        if registry is not Feature and type is None:
            type = "num"
        try:
            checked = registry.validate(values, field=field, mute=mute, organism=organism)
        except TypeError as error:  # values of another type than the field's: not valid (as in 1.5.3)
            raise ValidationError(f"These values could not be validated: {values}\n{error}") from None
        valid = [v for v, ok in zip(values, checked.tolist(), strict=True) if ok]
        if len(valid) != len(values):
            invalid = [v for v, ok in zip(values, checked.tolist(), strict=True) if not ok]
            if raise_validation_error:
                raise ValidationError(
                    f"These values could not be validated: {invalid}\n"
                    f"If there are no typos, add them to their registry: {registry.__name__}"
                )
            if not valid:
                return None
        kwargs: dict[str, Any] = {"mute": True}
        if organism is not None:
            kwargs["organism"] = organism
        if source is not None:
            kwargs["source"] = source
        records = registry.from_values(valid, field=field, **kwargs)
        return Schema(features=list(records), name=name, dtype=_type_str(type))

    @classmethod
    def from_df(
        cls,
        df: Any,
        field: Any = None,
        name: str | None = None,
        mute: bool = False,
        organism: Any = None,
        source: Any = None,
    ) -> Schema | None:
        """An unsaved schema of a DataFrame's columns that are in the registry of `field` (default
        `ln.Feature.name`; otype "DataFrame"); None (with a warning) if no column is. For another registry
        (e.g. `bt.Gene.symbol`) the validated columns must share one dtype, which becomes the schema's."""
        if field is None:
            field = Feature.name
        registry = field.field.model
        columns = list(df.columns)
        checked = registry.validate(columns, field=field, mute=mute, organism=organism)
        valid = [c for c, ok in zip(columns, checked.tolist(), strict=True) if ok]
        if not valid:
            if not mute:
                logger.warning("no validated features, skip creating schema")
            return None
        kwargs: dict[str, Any] = {"mute": True}
        if organism is not None:
            kwargs["organism"] = organism
        if source is not None:
            kwargs["source"] = source
        if registry is Feature:
            records = Feature.from_values(valid, field=field, mute=True)
            return Schema(features=list(records), name=name, dtype=None, otype="DataFrame")

        dtypes = {str(df[c].dtype): dtype_from_pandas(df[c].dtype) for c in valid}
        if len(set(dtypes.values())) != 1:
            raise ValueError(f"data types are heterogeneous: {set(dtypes)}")
        records = registry.from_values(valid, field=field, **kwargs)
        return Schema(features=list(records), name=name, dtype=next(iter(dtypes.values())))

    def describe(self, return_str: bool = False) -> str | None:
        """Print the schema and its features (name, dtype, optional, nullable, coerce_dtype)."""
        lines = [f"Schema {self.otype or ''}".rstrip(), f"├── .uid = '{self.uid}'"]
        for name in ("name", "description", "itype"):
            value = getattr(self, name)
            if value:
                lines.append(f"├── .{name} = '{value}'")
        lines += [
            f"├── .minimal_set = {self.minimal_set}",
            f"├── .ordered_set = {self.ordered_set}",
            f"├── .maximal_set = {self.maximal_set}",
        ]
        if self.itype == "Composite":
            slots = list(self.slots.items())
            for i, (slot, component) in enumerate(slots):
                branch = "└──" if i == len(slots) - 1 else "├──"
                lines.append(f"{branch} {slot}: {component.itype} • {component.n} ({component.uid})")
            text = "\n".join(lines)
            if return_str:
                return text
            print(text)
            return None
        members = list(self.members)
        lines.append(f"└── {self.itype} • {len(members)}")
        if members:
            optional = set(self.optionals.get_uids())
            rows = [("name", "dtype", "optional", "nullable", "coerce_dtype")]
            rows += [
                (
                    m.name,
                    m.dtype or "",
                    "✓" if m.uid in optional else "✗",
                    "✓" if m.nullable else "✗",
                    "✓" if m.coerce_dtype else "✗",
                )
                for m in members
            ]
            widths = [max(len(r[i]) for r in rows) + 2 for i in range(5)]
            lines += [
                "    " + "".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
            ]
        text = "\n".join(lines)
        if return_str:
            return text
        print(text)
        return None


def _type_str(dtype: Any) -> str | None:
    """A dtype given as a type (`int`) or a string, as a string."""
    if dtype is None or isinstance(dtype, str):
        return dtype
    return getattr(dtype, "__name__", str(dtype))


class SchemaOptionals:
    """The optional features of a schema (`schema.optionals`), stored as uids in `_aux` like LaminDB 1.5.3."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def get_uids(self) -> list[str]:
        """The uids of the optional features (no database query)."""
        return list(self.schema._get_af("1", None) or [])

    def get(self):
        """The optional features, a QuerySet in the schema's member order."""
        uids = self.get_uids()
        if not uids:
            return Feature.objects.none()
        if self.schema._state.adding:
            return Feature.objects.filter(uid__in=uids).order_by("id")
        return Feature.objects.filter(uid__in=uids, links_schema__schema_id=self.schema.pk).order_by(
            "links_schema__id"
        )

    def _check(self, features: Any, method: str) -> list:
        if isinstance(features, Feature) and method != "set":
            features = [features]
        if not isinstance(features, list) or not all(isinstance(f, Feature) for f in features):
            raise TypeError("features must be a list of Feature records!")
        members = {m.uid for m in self.schema.members} | {
            f.uid for f in self.schema._pending_part("members") or []
        }
        outside = [f.name for f in features if f.uid not in members]
        if outside:
            raise ValidationError(f"not features of this schema, so they cannot be optional: {outside}")
        return features

    def _store(self, uids: list[str]) -> None:
        if uids:
            self.schema._set_af("1", list(dict.fromkeys(uids)))
        else:
            (self.schema._aux or {}).get("af", {}).pop("1", None)

    def set(self, features: list) -> None:
        """Make exactly these features optional (an empty list makes every feature required)."""
        self._store([f.uid for f in self._check(features, "set")])

    def add(self, features: Any) -> None:
        """Make one or several features optional."""
        self._store(self.get_uids() + [f.uid for f in self._check(features, "add")])

    def remove(self, features: Any) -> None:
        """Make one or several optional features required again."""
        features = self._check(features, "remove")
        current = self.get_uids()
        not_optional = [f.name for f in features if f.uid not in current]
        if not_optional:
            raise ValueError(f"these features are not optional: {not_optional}")
        drop = {f.uid for f in features}
        self._store([u for u in current if u not in drop])


class SchemaFeature(models.Model):
    """Which features a schema holds."""

    schema = models.ForeignKey(Schema, models.CASCADE, related_name="links_feature")
    feature = models.ForeignKey("lamin_core.Feature", models.PROTECT, related_name="links_schema")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["schema", "feature"], name="uniq_schemafeature")]


class SchemaComponent(Link):
    """A composite schema's component in a slot (`obs`, `var.T`, ...), as LaminDB 1.5's SchemaComponent."""

    composite = models.ForeignKey(Schema, models.CASCADE, related_name="links_composite")
    component = models.ForeignKey(Schema, models.PROTECT, related_name="links_component")
    slot = models.CharField(max_length=255, null=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["composite", "component"], name="uniq_schemacomponent"),
            models.UniqueConstraint(fields=["composite", "slot"], name="uniq_schemacomponent_slot"),
        ]
