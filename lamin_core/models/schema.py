"""Schemas: sets of features (or of identifiers of another registry) that datasets are validated by."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from .._logger import logger
from ..errors import ValidationError
from ..hashing import hash_set, hash_string
from ._defaults import uid16
from .base import Link, Record, TracksRun, check_init_kwargs

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
    from django.db.models.query_utils import DeferredAttribute

    from ..features.dtypes import registry_name

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


def _itype_registry(itype: str) -> type[models.Model]:
    """The registry of an itype such as `Feature`, `bionty.Gene` or `bionty.Gene.ensembl_gene_id`."""
    from django.apps import apps

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


def schema_hash(
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
) -> str:
    """LaminDB's schema hash: the set options that differ from defaults plus a hash of the member uids."""
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
        features_hash = hash_string(":".join(feature_uids)) if ordered_set else hash_set(feature_uids)
        parts.append(f"{_HASH_CODE['features_hash']}={features_hash}")
    return hash_string(":".join(sorted(parts)))


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
        """`Schema(features=[...], name=None, itype=None, otype=None, dtype=None, minimal_set=True,
        ordered_set=False, maximal_set=False, coerce_dtype=False)`, or a composite schema
        `Schema(slots={"obs": obs_schema, "var.T": gene_schema}, otype="AnnData", name=...)`. A schema with
        the same hash (same features and options; for a composite, the same components) that exists
        already is returned, like LaminDB.
        """
        if len(args) == len(self._meta.concrete_fields):  # a row loaded from the database
            super().__init__(*args, **kwargs)
            return
        if len(args) > 1 or (args and "features" in kwargs):
            raise TypeError("Schema() takes one positional argument, the features")
        if args:
            kwargs["features"] = args[0]
        if "components" in kwargs and "slots" not in kwargs:
            logger.warning("`components` as a keyword argument is deprecated, please use `slots` instead")
            kwargs["slots"] = kwargs.pop("components")
        unknown = {k: v for k, v in kwargs.items() if k not in _SCHEMA_ARGS}
        if unknown:
            check_init_kwargs(Schema, unknown)
            raise TypeError(
                f"Schema() does not take {', '.join(map(repr, unknown))}; valid: {', '.join(_SCHEMA_ARGS)}"
            )
        fields, features, flexible, coerce_dtype, slots = self._compute(**kwargs)
        existing = Schema.objects.filter(hash=fields["hash"]).order_by("id").first()
        if existing is not None:
            logger.info(f"returning existing schema with same hash: {existing}")
            super().__init__(*[getattr(existing, f.attname) for f in self._meta.concrete_fields])
            self._state.adding = False
            self._state.db = existing._state.db
            for key in ("name", "description", "otype", "is_type", "type"):
                if key in kwargs and getattr(self, key) != fields[key]:
                    setattr(self, key, fields[key])  # kept on save(), like LaminDB
            self._features = None
            self._slots = None
            return
        super().__init__(uid=KNOWN_SCHEMAS.get(fields["hash"]) or uid16(), **fields)
        self._aux = {"af": {**({"0": True} if coerce_dtype else {}), "2": flexible}}
        self._features = features
        self._slots = slots

    @staticmethod
    def _compute(
        features: Any = None,
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
    ) -> tuple[dict[str, Any], list, bool, bool, dict[str, Schema] | None]:
        """(field values incl. hash, features, flexible, coerce_dtype, slots) from the constructor's
        arguments."""
        from ..features.dtypes import registry_name

        if slots is not None:
            slots = _check_slots(slots)
            if features:
                raise ValidationError("a composite schema takes slots, not features")
            if itype not in (None, "Composite"):
                raise ValidationError(f"a composite schema has itype 'Composite', not {itype!r}")
            if otype is None:
                raise ValidationError("pass otype (e.g. otype='AnnData') for a composite schema")
        if features is None:
            features = []
        elif isinstance(features, models.Model) or not hasattr(features, "__iter__"):
            raise ValidationError("features must be a list of records (e.g. Features), not a single record")
        features = list(features)
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
            fields["hash"] = composite_hash(slots)
        else:
            fields["hash"] = schema_hash(
                dtype=dtype,
                itype=itype,
                minimal_set=minimal_set,
                ordered_set=ordered_set,
                maximal_set=maximal_set,
                flexible=flexible,
                coerce_dtype=coerce_dtype,
                n=n,
                feature_uids=[f.uid for f in features],
            )
        return fields, features, flexible, coerce_dtype, slots

    def save(self, *args, **kwargs) -> Schema:
        """Save the schema and link its features (or, for a composite, its slots' schemas); an existing one
        with the same hash is returned instead."""
        features = getattr(self, "_features", None)
        slots = getattr(self, "_slots", None)
        if self._state.adding:
            existing = Schema.objects.filter(hash=self.hash).order_by("id").first() if self.hash else None
            if existing is not None:
                from .feature import load_from

                logger.info(f"returning existing schema with same hash: {existing}")
                load_from(self, existing)
                self._features = None
                self._slots = None
                return self
        elif self.itype == "Composite":
            self.hash = composite_hash(slots if slots is not None else self.slots)
        else:
            # options may have changed since the schema was saved: keep the hash in step
            members = features if features is not None else list(self.members)
            self.hash = schema_hash(
                dtype=self.dtype,
                itype=self.itype,
                minimal_set=self.minimal_set,
                ordered_set=self.ordered_set,
                maximal_set=self.maximal_set,
                flexible=self.flexible,
                coerce_dtype=self.coerce_dtype,
                n=self.n,
                feature_uids=[f.uid for f in members],
            )
        with transaction.atomic():
            super().save(*args, **kwargs)
            if features:
                link, field = member_link(type(features[0]))
                link.objects.bulk_create(
                    [link(**{"schema_id": self.pk, field: f.pk}) for f in features], ignore_conflicts=True
                )
            if slots:
                SchemaComponent.objects.bulk_create(
                    [
                        SchemaComponent(composite_id=self.pk, component_id=component.pk, slot=slot)
                        for slot, component in slots.items()
                    ],
                    ignore_conflicts=True,
                )
        self._features = None
        self._slots = None
        return self

    @property
    def slots(self) -> dict[str, Schema]:
        """The component schemas of a composite schema by slot (`{"obs": ..., "var.T": ...}`); else `{}`."""
        if self._state.adding:
            return dict(getattr(self, "_slots", None) or {})
        links = SchemaComponent.objects.filter(composite_id=self.pk).select_related("component")
        return {link.slot: link.component for link in links.order_by("id")}

    @property
    def members(self):
        """The schema's features in the order they were given (a list before the schema is saved)."""
        if self._state.adding:
            return list(getattr(self, "_features", None) or [])
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

    def describe(self, return_str: bool = False) -> str | None:
        """Print the schema and its features (name, dtype, nullable, coerce_dtype)."""
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
            rows = [("name", "dtype", "nullable", "coerce_dtype")]
            rows += [
                (m.name, m.dtype or "", "✓" if m.nullable else "✗", "✓" if m.coerce_dtype else "✗")
                for m in members
            ]
            widths = [max(len(r[i]) for r in rows) + 2 for i in range(4)]
            lines += [
                "    " + "".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
            ]
        text = "\n".join(lines)
        if return_str:
            return text
        print(text)
        return None


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
