"""Artifacts (files, folders, datasets), collections of them, and their link tables.

The models hold fields; their behaviour (creating from paths and in-memory objects, saving into storage,
versions, loading, trash) lives in `lamin_core.artifacts`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.db import models

from ..artifacts import lifecycle
from ..artifacts.class_repr import registry_repr
from ..artifacts.collection import prepare_collection
from ..artifacts.create import _is_mudata, import_anndata, import_mudata, prepare_artifact
from ..artifacts.folders import artifacts_from_dir
from ..artifacts.labels import LabelManager
from ..artifacts.links import install_idempotent_link_adds
from ..artifacts.load import cached_path, load_artifact, open_artifact
from ..artifacts.save import (
    STORED_FIELDS,
    adopt_existing,
    check_location_change,
    existing_at_creation,
    field_values,
    remember_stored,
    save_artifact,
    save_collection,
)
from ..artifacts.versions import versions
from ..storage import auto_storage_key, storage_root
from ..storage.containment import check_relative
from ._defaults import current_run_id, current_user_id, versioned_uid16
from .base import IsVersioned, Link, Record, TracksRun, TracksUpdates, deleted_error

ARTIFACT_KINDS = [(k, k) for k in ("dataset", "model", "__lamindb_run__")]
# `artifact.ulabels.add(label)` and every other add() through a link table: concurrent adds of one link
install_idempotent_link_adds(Link)


class StoredVersions:
    """Trash and versions shared by artifacts and collections (uid: 16-character stem + 4 for the version)."""

    _has_trash = True  # QuerySet.delete() trashes record by record (lamin_core.query.manager)

    def restore(self) -> None:
        """Bring a trashed record back."""
        lifecycle.restore(self)

    @property
    def versions(self) -> models.QuerySet:
        """All visible versions of this record, oldest first."""
        return versions(self)

    @property
    def stem_uid(self) -> str:
        """The 16-character uid stem all versions share."""
        return self.uid[:16]


class _ArtifactRegistry(type(Record)):
    """The metaclass of `Artifact`: `repr(ln.Artifact)` lists its fields, as LaminDB 1.5.3 prints them."""

    def __repr__(cls) -> str:
        return registry_repr(cls)


class Artifact(StoredVersions, Record, IsVersioned, TracksRun, TracksUpdates, metaclass=_ArtifactRegistry):
    """A file, a folder or an in-memory dataset saved to storage, with its metadata."""

    _has_features = True  # filter() accepts feature names (lamin_core.query.feature_filter)
    _name_field = "key"  # LaminDB 1.5.3 falls back to its first text field there, `version` (README)
    _filter_aliases = {"visibility": "_branch_code", "transform": "run__transform"}  # LaminDB 1.x names
    uid = models.CharField(max_length=20, unique=True, default=versioned_uid16, editable=False)
    key = models.CharField(max_length=1024, null=True, default=None, db_index=True)
    description = models.TextField(null=True, default=None, db_index=True)
    suffix = models.CharField(max_length=30, db_index=True, editable=False)
    kind = models.CharField(max_length=20, null=True, default=None, choices=ARTIFACT_KINDS, db_index=True)
    otype = models.CharField(max_length=64, null=True, default=None, db_index=True, editable=False)
    size = models.BigIntegerField(null=True, default=None, db_index=True, editable=False)
    hash = models.CharField(max_length=22, null=True, default=None, unique=True, editable=False)
    n_files = models.BigIntegerField(null=True, default=None, db_index=True)
    n_observations = models.BigIntegerField(null=True, default=None, db_index=True)
    _hash_type = models.CharField(max_length=30, null=True, default=None, db_index=True)
    storage = models.ForeignKey(
        "lamin_core.Storage", models.PROTECT, related_name="artifacts", editable=False
    )
    run = models.ForeignKey(
        "lamin_core.Run",
        models.PROTECT,
        null=True,
        default=current_run_id,
        related_name="output_artifacts",
        editable=False,
    )
    schema = models.ForeignKey(
        "lamin_core.Schema", models.PROTECT, null=True, default=None, related_name="validated_artifacts"
    )
    _key_is_virtual = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "lamin_core.User",
        models.PROTECT,
        default=current_user_id,
        related_name="created_artifacts",
        editable=False,
    )
    _overwrite_versions = models.BooleanField(default=False)
    ulabels = models.ManyToManyField(
        "lamin_core.ULabel", through="lamin_core.ArtifactULabel", related_name="artifacts"
    )
    input_of_runs = models.ManyToManyField("lamin_core.Run", related_name="input_artifacts")
    feature_sets = models.ManyToManyField(
        "lamin_core.Schema", through="lamin_core.ArtifactSchema", related_name="artifacts"
    )
    _feature_values = models.ManyToManyField(
        "lamin_core.FeatureValue", through="lamin_core.ArtifactFeatureValue", related_name="artifacts"
    )

    class Meta:
        indexes = [
            # a page filtered by suffix, newest first (widgets, REST, `filter(suffix=…).order_by(…)[:n]`)
            # walks this index in order; its count reads the index alone. (No index on `_branch_code`
            # alone: SQLite would walk it for `_branch_code = ?` instead of an index that gives the order.)
            models.Index(fields=["suffix", "_branch_code", "created_at"], name="artifact_suffix_page_idx"),
        ]

    def __init__(self, *args, **kwargs):
        # Django builds loaded rows from all field values; users pass a path (or DataFrame/AnnData)
        if not args and "data" in kwargs and "path" not in kwargs:
            kwargs["path"] = kwargs.pop("data")  # LaminDB 1.5.3's name of the argument
        if len(args) > 1 or (not args and "path" not in kwargs):
            super().__init__(*args, **kwargs)
            return
        data = args[0] if args else kwargs.pop("path")
        fields, state = prepare_artifact(type(self), data, kwargs)
        if "storage_id" in fields and fields["storage_id"] is None:
            # an S3 object outside every storage location: its bucket's Storage record is created by
            # save(), so the required storage is set only then (checked before the insert)
            super().__init__()
            for name, value in fields.items():
                setattr(self, name, value)
        else:
            super().__init__(**fields)
        if "_existing" in state and not fields:  # the same content is saved: this is that artifact
            existing_at_creation(self, state["_existing"], state["_update"])
            return
        self.__dict__.update(state)
        remember_stored(self)  # the key and suffix it was created with: save() refuses other ones

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        remember_stored(record)  # where the data lives, to refuse changes that would lose it (save)
        return record

    @classmethod
    def from_df(
        cls,
        df: Any,
        key: str | None = None,
        description: str | None = None,
        run: Any = None,
        revises: Artifact | None = None,
        schema: Any = None,
        **kwargs: Any,
    ) -> Artifact:
        """An artifact of a DataFrame, written as Parquet; validated by `schema` if given.

        With a schema, saving the artifact also annotates it: the labels of categorical columns as
        values of their features, and the validated columns as a schema in slot `columns`.
        """
        if type(df).__name__ != "DataFrame" or not type(df).__module__.startswith("pandas"):
            raise TypeError(f"from_df() takes a pandas DataFrame, got {type(df).__name__}")
        annotation = None
        if schema is not None:
            annotation = _validate_with_schema("dataframe_annotation", df, schema)
        artifact = cls(df, key=key, description=description, run=run, revises=revises, **kwargs)
        if annotation is not None:
            _attach_annotation(artifact, schema, annotation)
        return artifact

    @classmethod
    def from_dataframe(cls, df: Any, key: str | None = None, **kwargs: Any) -> Artifact:
        """2.x name of `from_df()`."""
        return cls.from_df(df, key=key, **kwargs)

    @classmethod
    def from_anndata(
        cls,
        adata: Any,
        key: str | None = None,
        description: str | None = None,
        run: Any = None,
        revises: Artifact | None = None,
        schema: Any = None,
        **kwargs: Any,
    ) -> Artifact:
        """An artifact of an AnnData object (written as `.h5ad`) or of an `.h5ad`/`.zarr` path.

        A composite `schema` (e.g. slots `obs`: features, `var.T`: Ensembl gene ids) validates the data
        now, raising one error that lists every problem; saving the artifact then annotates it: the labels
        of categorical `obs` columns as values of their features, and one schema per slot (the validated
        `obs` features, the `var` genes) linked with its slot.
        """
        anndata = import_anndata()
        annotation = None
        if schema is not None:
            if isinstance(adata, str | Path):
                backed = _read_backed(anndata, Path(adata))
                try:
                    annotation = _validate_with_schema("anndata_annotation", backed, schema)
                finally:
                    if getattr(backed, "file", None) is not None and backed.isbacked:
                        backed.file.close()
            else:
                annotation = _validate_with_schema("anndata_annotation", adata, schema)
        options = {"key": key, "description": description, "run": run, "revises": revises, **kwargs}
        if isinstance(adata, anndata.AnnData):
            artifact = cls(adata, **options)
        elif isinstance(adata, str | Path):
            artifact = cls(adata, **({"kind": "dataset"} | options))
            if artifact._state.adding:  # not an artifact with the same content, returned as it is
                artifact.otype = "AnnData"
                path = artifact.path if isinstance(artifact.path, Path) else artifact.cache()  # S3: a copy
                if path.suffix == ".h5ad":
                    backed = anndata.read_h5ad(path, backed="r")
                    artifact.n_observations = backed.n_obs
                    backed.file.close()
                else:
                    artifact.n_observations = anndata.read_zarr(path).n_obs
        else:
            raise TypeError(f"from_anndata() takes an AnnData or a path to one, got {type(adata).__name__}")
        if annotation is not None:
            _attach_annotation(artifact, schema, annotation)
        return artifact

    @classmethod
    def from_mudata(
        cls,
        mdata: Any,
        key: str | None = None,
        description: str | None = None,
        run: Any = None,
        revises: Artifact | None = None,
        schema: Any = None,
        **kwargs: Any,
    ) -> Artifact:
        """An artifact of a MuData object (written as `.h5mu`) or of a path to an `.h5mu` file.

        Needs the optional package `mudata`.
        """
        import_mudata()
        is_path = isinstance(mdata, str | os.PathLike)
        if not (_is_mudata(mdata) or (is_path and str(mdata).endswith(".h5mu"))):
            raise ValueError("data has to be a MuData object or a path to MuData-like")
        annotation = None
        if schema is not None:
            annotation = _validate_with_schema("mudata_annotation", mdata, schema)
        options = {"key": key, "description": description, "run": run, "revises": revises, **kwargs}
        artifact = cls(mdata, **({"kind": "dataset"} | options))
        if artifact._state.adding:
            artifact.otype = "MuData"
        if annotation is not None:
            _attach_annotation(artifact, schema, annotation)
        return artifact

    @classmethod
    def from_dir(cls, path: Any, key: str | None = None, run: Any = None) -> list[Artifact]:
        """One artifact per file below a folder, keyed `<key>/<relative path>` (unsaved; `ln.save(...)`).

        `key` defaults to the folder's name, or, for a folder inside a registered storage location, to
        its path there (its files are then registered in place). Of files with the same content only the
        first is kept, with a warning; files already saved come back as their saved artifacts.
        """
        return artifacts_from_dir(cls, path, key=key, run=run)

    @property
    def labels(self) -> LabelManager:
        """Labels of this artifact: `add(records, feature=None)`, `get(feature)`, `add_from(other)`."""
        return LabelManager(self)

    def open(self, mode: str = "r", **kwargs: Any) -> Any:
        """The data for streaming, not loaded into memory: a `pyarrow.dataset.Dataset` (parquet, csv, json,
        orc, arrow/feather/ipc files or a folder of them), an AnnData in backed mode (`.h5ad`), an
        `h5py.File` (`.h5`, `.hdf5`); read-only. On S3 the data is cached locally first."""
        return open_artifact(self, mode=mode, **kwargs)

    def save(self, *args, **kwargs) -> Artifact:
        """Copy the data into the storage root and insert the record, atomically; return the artifact.

        If an artifact with the same content exists, it is returned instead (and restored if it was in
        the trash); nothing is copied. A saved artifact whose record was deleted since it was loaded (by
        another process?) is not inserted again: `RecordDeletedError`, nothing written (`BaseRecord.save`).
        """
        if self._state.adding:
            if "_stored_location" in self.__dict__:
                check_location_change(self)
        elif self.pk is not None:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or set(update_fields) & {*STORED_FIELDS, "storage"}:
                check_location_change(self)
        try:
            return self._save(*args, **kwargs)
        finally:
            if not self._state.adding:
                remember_stored(self)

    def _save(self, *args, **kwargs) -> Artifact:
        annotation = self.__dict__.pop("_annotation", None)
        # returned by Artifact() as the saved artifact with the same content: written only if changed
        unchanged = self.__dict__.pop("_existing_values", None) == field_values(self)
        if annotation is None:
            if self._state.adding and self.__dict__.get("_local_path") is not None:
                return save_artifact(self, lambda: super(Artifact, self).save(*args, **kwargs))
            if unchanged:  # nothing to write; but say so if it was deleted meanwhile, as an update would
                _check_exists(self)
                return self
            return super().save(*args, **kwargs)
        from django.db import transaction

        from ..features.annotate import annotate

        inserted = []

        def insert() -> None:
            if unchanged:
                _check_exists(self)
            else:
                super(Artifact, self).save(*args, **kwargs)
            annotate(self, annotation)  # in the insert's transaction: record and annotations together
            inserted.append(True)

        try:
            if self._state.adding and self.__dict__.get("_local_path") is not None:
                save_artifact(self, insert)
                if not inserted:  # the same content was saved before: annotate that artifact, like LaminDB
                    with transaction.atomic():
                        if self.schema_id is None:
                            type(self).all_objects.filter(pk=self.pk).update(schema=annotation.schema)
                            self.schema_id = annotation.schema.pk
                        annotate(self, annotation)
            else:
                with transaction.atomic():
                    insert()
        except BaseException:
            self._annotation = annotation  # a retry annotates again
            raise
        return self

    @property
    def path(self) -> Any:
        """Where the data lives: the stored file or folder (the source until saved).

        A `pathlib.Path` on local storage, an `upath.UPath` (e.g. `s3://bucket/prefix/.lamindb/<uid>.csv`)
        on S3; `cache()` gives a local copy of S3 data.
        """
        local = self.__dict__.get("_local_path")
        if local is not None and self._state.adding:
            return local
        key = auto_storage_key(self.uid, self.suffix) if self._key_is_virtual else self.key
        # a key from the database (another machine, another tool) must not lead outside the root
        return storage_root(self.storage_id) / check_relative(key, f"the storage key of artifact {self.uid}")

    def cache(self) -> Path:
        """A local path to the data: the stored path on local storage; on S3 a copy in the cache folder
        (`$LAMIN_HOME/cache/<bucket>/<key>`), downloaded again only when the object changed."""
        return cached_path(self)

    def load(self, **kwargs: Any) -> Any:
        """The data in memory: a DataFrame (parquet, csv, tsv), an AnnData (h5ad), else the path."""
        return load_artifact(self, **kwargs)

    def delete(self, permanent: bool | None = None, storage: bool | None = None) -> None:
        """Move to the trash; with `permanent=True` delete the record and its stored file or folder.

        `storage=False` keeps the file; files registered in place (not copied) are kept unless `storage=True`.
        """
        if permanent:
            lifecycle.delete_permanently(
                self, delete_file=self._key_is_virtual if storage is None else storage
            )
        else:
            lifecycle.trash(self)

    @property
    def schemas(self):
        """Alias of `feature_sets`: the schemas this artifact is annotated with."""
        return self.feature_sets

    @staticmethod
    def _load_many(artifacts: list[Artifact], join: str = "outer", **kwargs: Any) -> Any:
        """`ln.Artifact.filter(...).load()`: their data concatenated (see `Collection.load`)."""
        from ..artifacts.collection import load_artifacts

        return load_artifacts(artifacts, join=join, **kwargs)

    def view_lineage(self, return_str: bool = False) -> str | None:
        """Print where this artifact came from: its run, transform and their inputs, upstream (text tree)."""
        from ..lineage import record_lineage, show

        return show(record_lineage(self), return_str)

    @property
    def params(self):
        """Param values of a model artifact (`kind="model"`): `add_values({...})`, `get_values()`."""
        from ..features.params import ParamManager

        return ParamManager(self)

    @property
    def features(self):
        """Feature values of this artifact: `add_values({...})`, `get_values()`, `remove_values(...)`."""
        from ..features.manager import FeatureManager

        return FeatureManager(self)

    def describe(self, return_str: bool = False) -> str | None:
        """Print the artifact with its features and labels as a tree (return it with `return_str=True`)."""
        from ..features.describe import describe

        return describe(self, return_str=return_str)


def _attach_annotation(artifact: Artifact, schema: Any, annotation: Any) -> None:
    """Link the validated annotation on save(); an existing artifact keeps a schema it already has."""
    if artifact._state.adding or artifact.schema_id is None:
        artifact.schema = schema
    artifact._annotation = annotation  # labels and the slots' schemas, linked on save()


def _check_exists(record: Artifact | Collection) -> None:
    """When nothing is written: raise as an update does (`BaseRecord.save`) if the record's row is gone."""
    if not type(record).all_objects.filter(pk=record.pk).exists():
        raise deleted_error(record)


def _read_backed(anndata: Any, path: Path) -> Any:
    """An AnnData read lazily (h5ad: backed, so only obs and var are loaded) for validation."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.suffix == ".h5ad":
        return anndata.read_h5ad(path, backed="r")
    return anndata.read_zarr(path)


def _validate_with_schema(function: str, data: Any, schema: Any) -> Any:
    """Validate `data` with `lamin_core.features.validation.<function>(data, schema)`; its result."""
    from .schema import Schema

    if not isinstance(schema, Schema):
        raise TypeError(f"schema must be a Schema, got {type(schema).__name__}")
    if schema.pk is None:
        raise ValueError("schema must be saved before validating with it")
    try:
        from ..features import validation
    except ImportError as e:
        raise NotImplementedError("schema validation is not available in this installation") from e
    validate = getattr(validation, function, None)
    if validate is None:
        raise NotImplementedError(
            f"validation of {type(data).__name__} objects by a schema is not supported yet"
        )
    return validate(data, schema)


class Collection(StoredVersions, Record, IsVersioned, TracksRun, TracksUpdates):
    """A versioned set of artifacts."""

    _name_field = "key"
    _filter_aliases = {"visibility": "_branch_code"}  # LaminDB 1.x name

    uid = models.CharField(max_length=20, unique=True, default=versioned_uid16, editable=False)
    key = models.CharField(max_length=1024, db_index=True)
    description = models.TextField(null=True, default=None, db_index=True)
    hash = models.CharField(max_length=22, null=True, default=None, unique=True)
    reference = models.CharField(max_length=255, null=True, default=None, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, default=None, db_index=True)
    run = models.ForeignKey(
        "lamin_core.Run",
        models.PROTECT,
        null=True,
        default=current_run_id,
        related_name="output_collections",
        editable=False,
    )
    meta_artifact = models.OneToOneField(
        Artifact, models.PROTECT, null=True, default=None, related_name="_meta_of_collection"
    )
    artifacts = models.ManyToManyField(
        Artifact, through="lamin_core.CollectionArtifact", related_name="collections"
    )
    input_of_runs = models.ManyToManyField("lamin_core.Run", related_name="input_collections")
    ulabels = models.ManyToManyField(
        "lamin_core.ULabel", through="lamin_core.CollectionULabel", related_name="collections"
    )

    def __init__(self, *args, **kwargs):
        # Django builds loaded rows from all field values; users pass artifacts
        if len(args) > 1 or (not args and "artifacts" not in kwargs):
            super().__init__(*args, **kwargs)
            return
        artifacts = args[0] if args else kwargs.pop("artifacts")
        fields, state = prepare_collection(type(self), artifacts, kwargs)
        super().__init__(**fields)
        self.__dict__.update(state)
        if state.get("_existing") is not None:  # the same artifacts are saved: this is that collection
            adopt_existing(self, state["_existing"])
            self.__dict__["_existing_values"] = field_values(self)

    def save(self, *args, **kwargs) -> Collection:
        """Insert the collection and link its artifacts, atomically (the run that made it gets them as
        inputs); a collection returned by `Collection()` as the saved one is written only if changed."""
        if self._state.adding and self.__dict__.get("_artifact_ids") is not None:
            return save_collection(self, lambda: super(Collection, self).save(*args, **kwargs))
        if self.__dict__.pop("_existing_values", None) == field_values(self):
            _check_exists(self)  # nothing to write; but say so if it was deleted meanwhile
            return self
        return super().save(*args, **kwargs)

    @property
    def ordered_artifacts(self) -> models.QuerySet:
        """The collection's artifacts in the order they were passed."""
        return Artifact.objects.filter(links_collection__collection=self).order_by("links_collection__id")

    def view_lineage(self, return_str: bool = False) -> str | None:
        """Print where this collection came from: its run, transform and their inputs (text tree)."""
        from ..lineage import record_lineage, show

        return show(record_lineage(self), return_str)

    def cache(self) -> list[Path]:
        """Local paths of the collection's artifacts, in order (an input of the current run, if any)."""
        from ..artifacts.load import track_input

        track_input(self)
        return [artifact.cache() for artifact in self.ordered_artifacts]

    def load(self, join: str = "outer", **kwargs: Any) -> Any:
        """The artifacts' DataFrames (or AnnDatas, `.obs.artifact_uid` naming the artifact) concatenated;
        `kwargs` go to `pd.concat` / `ad.concat`. All artifacts must have one suffix (LaminDB 1.5.3)."""
        from ..artifacts.collection import load_collection

        return load_collection(self, join=join, **kwargs)

    def append(self, artifact: Artifact, run: Any = None) -> Collection:
        """A new, unsaved version of this collection with `artifact` added at the end (LaminDB 1.5.3)."""
        from ..artifacts.collection import append_artifact

        return append_artifact(self, artifact, run=run)

    def mapped(self, *args: Any, **kwargs: Any) -> Any:
        """A map-style dataset over the collection's `.h5ad` artifacts (LaminDB 1.5.3's MappedCollection):
        see `lamin_core.artifacts.mapped_collection.MappedCollection` for the arguments."""
        from ..artifacts.collection import mapped_collection

        return mapped_collection(self, *args, **kwargs)

    def delete(self, permanent: bool | None = None) -> None:
        """Move to the trash; with `permanent=True` delete the record (the artifacts stay)."""
        if permanent:
            lifecycle.delete_permanently(self)
        else:
            lifecycle.trash(self)


class ArtifactULabel(Link):
    """An artifact annotated with a label, optionally as the value of a feature."""

    artifact = models.ForeignKey(Artifact, models.CASCADE, related_name="links_ulabel")
    ulabel = models.ForeignKey("lamin_core.ULabel", models.PROTECT, related_name="links_artifact")
    feature = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="links_artifactulabel"
    )
    label_ref_is_name = models.BooleanField(null=True, default=None)
    feature_ref_is_name = models.BooleanField(null=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "ulabel", "feature"],
                name="uniq_artifactulabel",
                nulls_distinct=False,
            )
        ]


class ArtifactFeatureValue(Link):
    """An artifact annotated with a feature value."""

    artifact = models.ForeignKey(Artifact, models.CASCADE, related_name="links_featurevalue")
    featurevalue = models.ForeignKey("lamin_core.FeatureValue", models.PROTECT, related_name="links_artifact")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "featurevalue"], name="uniq_artifactfeaturevalue")
        ]


class ArtifactSchema(Link):
    """An artifact annotated with a schema, in a slot (`obs`, `var`, ...)."""

    artifact = models.ForeignKey(Artifact, models.CASCADE, related_name="links_schema")
    schema = models.ForeignKey("lamin_core.Schema", models.PROTECT, related_name="links_artifact")
    slot = models.CharField(max_length=40, null=True, default=None)
    feature_ref_is_semantic = models.BooleanField(null=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "schema"], name="uniq_artifactschema"),
            models.UniqueConstraint(fields=["artifact", "slot"], name="uniq_artifactschema_slot"),
        ]


class CollectionArtifact(Link):
    """An artifact that belongs to a collection."""

    collection = models.ForeignKey(Collection, models.CASCADE, related_name="links_artifact")
    artifact = models.ForeignKey(Artifact, models.PROTECT, related_name="links_collection")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "artifact"], name="uniq_collectionartifact")
        ]


class CollectionULabel(Link):
    """A collection annotated with a label."""

    collection = models.ForeignKey(Collection, models.CASCADE, related_name="links_ulabel")
    ulabel = models.ForeignKey("lamin_core.ULabel", models.PROTECT, related_name="links_collection")
    feature = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="links_collectionulabel"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "ulabel", "feature"],
                name="uniq_collectionulabel",
                nulls_distinct=False,
            )
        ]
