"""Artifacts (files, folders, datasets), collections of them, and their link tables.

The models hold fields; their behaviour (creating from paths and in-memory objects, saving into storage,
versions, loading, trash) lives in `lamin_core.artifacts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import models

from .. import hooks
from ..query.counting import hidden_records_index
from ._defaults import current_run_id, current_user_id, versioned_uid16
from .base import IsVersioned, Link, Record, TracksRun, TracksUpdates

ARTIFACT_KINDS = [(k, k) for k in ("dataset", "model", "__lamindb_run__")]


class StoredVersions:
    """Trash and versions shared by artifacts and collections (uid: 16-character stem + 4 for the version)."""

    _has_trash = True  # QuerySet.delete() trashes record by record (lamin_core.query.manager)
    # PostgreSQL keeps its visible rows per suffix (migration 0012): `filter(suffix=...).count()` reads them
    _counted_values = ("suffix",)

    def restore(self) -> None:
        """Bring a trashed record back."""
        hooks.restore(self)

    @property
    def versions(self) -> models.QuerySet:
        """All visible versions of this record, oldest first."""
        return hooks.versions(self)

    @property
    def stem_uid(self) -> str:
        """The 16-character uid stem all versions share."""
        return self.uid[:16]


class _ArtifactRegistry(type(Record)):
    """The metaclass of `Artifact`: `repr(ln.Artifact)` lists its fields, as LaminDB 1.5.3 prints them."""

    def __repr__(cls) -> str:
        return hooks.registry_repr(cls)


class Artifact(StoredVersions, Record, IsVersioned, TracksRun, TracksUpdates, metaclass=_ArtifactRegistry):
    """A file, a folder or an in-memory dataset saved to storage, with its metadata."""

    _has_features = True  # filter() accepts feature names (lamin_core.query.feature_filter)
    _on_load = hooks.artifact_loaded  # where its data lives, to refuse changes that would lose it (save)
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
            # walks this index in order; its count and the histograms of its dates and sizes (column
            # summaries) read the index alone; a whole frame of a suffix visits the table in creation
            # order. (A separate (suffix, _branch_code, size) index made SQLite fetch such frames in size
            # order, 30 % slower; no index on `_branch_code` alone: SQLite would walk it for
            # `_branch_code = ?` instead of an index that gives the order.)
            models.Index(
                fields=["suffix", "_branch_code", "created_at", "size"], name="artifact_suffix_page_idx"
            ),
            # the archived and trashed records: `Artifact.filter().count()` is all rows minus these
            hidden_records_index("artifact_hidden_idx"),
        ]

    def __init__(self, *args, **kwargs):
        """`Artifact(path_or_data, key=..., description=..., revises=..., run=..., kind=..., version=...)`."""
        if not args and "data" in kwargs and "path" not in kwargs:
            kwargs["path"] = kwargs.pop("data")  # LaminDB 1.5.3's name of the argument
        if len(args) > 1 or (not args and "path" not in kwargs):
            super().__init__(*args, **kwargs)  # fields by keyword (`objects.create`), or a row in full
            return
        hooks.init_artifact(self, args[0] if args else kwargs.pop("path"), kwargs, super().__init__)

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
        options = {"key": key, "description": description, "run": run, "revises": revises, **kwargs}
        return hooks.artifact_from_df(cls, df, schema, **options)

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
        options = {"key": key, "description": description, "run": run, "revises": revises, **kwargs}
        return hooks.artifact_from_anndata(cls, adata, schema, **options)

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
        options = {"key": key, "description": description, "run": run, "revises": revises, **kwargs}
        return hooks.artifact_from_mudata(cls, mdata, schema, **options)

    @classmethod
    def from_dir(cls, path: Any, key: str | None = None, run: Any = None) -> list[Artifact]:
        """One artifact per file below a folder, keyed `<key>/<relative path>` (unsaved; `ln.save(...)`).

        `key` defaults to the folder's name, or, for a folder inside a registered storage location, to
        its path there (its files are then registered in place). Of files with the same content only the
        first is kept, with a warning; files already saved come back as their saved artifacts.
        """
        return hooks.artifacts_from_dir(cls, path, key=key, run=run)

    @property
    def labels(self) -> Any:
        """Labels of this artifact: `add(records, feature=None)`, `get(feature)`, `add_from(other)`."""
        return hooks.labels(self)

    def open(self, mode: str = "r", **kwargs: Any) -> Any:
        """The data for streaming, not loaded into memory: a `pyarrow.dataset.Dataset` (parquet, csv, json,
        orc, arrow/feather/ipc files or a folder of them), an AnnData in backed mode (`.h5ad`), an
        `h5py.File` (`.h5`, `.hdf5`); read-only. On S3 the data is cached locally first."""
        return hooks.open_artifact(self, mode=mode, **kwargs)

    def save(self, *args, **kwargs) -> Artifact:
        """Copy the data into the storage root and insert the record, atomically; return the artifact.

        If an artifact with the same content exists, it is returned instead (and restored if it was in
        the trash); nothing is copied. A saved artifact whose record was deleted since it was loaded (by
        another process?) is not inserted again: `RecordDeletedError`, nothing written (`BaseRecord.save`).
        """
        return hooks.save_artifact(self, super().save, *args, **kwargs)

    @property
    def path(self) -> Any:
        """Where the data lives: the stored file or folder (the source until saved).

        A `pathlib.Path` on local storage, an `upath.UPath` (e.g. `s3://bucket/prefix/.lamindb/<uid>.csv`)
        on S3; `cache()` gives a local copy of S3 data.
        """
        return hooks.artifact_path(self)

    def cache(self) -> Path:
        """A local path to the data: the stored path on local storage; on S3 a copy in the cache folder
        (`$LAMIN_HOME/cache/<bucket>/<key>`), downloaded again only when the object changed."""
        return hooks.cache_artifact(self)

    def load(self, **kwargs: Any) -> Any:
        """The data in memory: a DataFrame (parquet, csv, tsv), an AnnData (h5ad), else the path."""
        return hooks.load_artifact(self, **kwargs)

    def delete(self, permanent: bool | None = None, storage: bool | None = None) -> None:
        """Move to the trash; with `permanent=True` delete the record and its stored file or folder.

        `storage=False` keeps the file; files registered in place (not copied) are kept unless `storage=True`.
        """
        if permanent:
            hooks.delete_permanently(self, delete_file=self._key_is_virtual if storage is None else storage)
        else:
            hooks.trash(self)

    @property
    def schemas(self):
        """Alias of `feature_sets`: the schemas this artifact is annotated with."""
        return self.feature_sets

    @staticmethod
    def _load_many(artifacts: list[Artifact], join: str = "outer", **kwargs: Any) -> Any:
        """`ln.Artifact.filter(...).load()`: their data concatenated (see `Collection.load`)."""
        return hooks.load_artifacts(artifacts, join=join, **kwargs)

    def view_lineage(self, return_str: bool = False) -> str | None:
        """Print where this artifact came from: its run, transform and their inputs, upstream (text tree)."""
        return hooks.view_lineage(self, return_str)

    @property
    def params(self):
        """Param values of a model artifact (`kind="model"`): `add_values({...})`, `get_values()`."""
        return hooks.params(self)

    @property
    def features(self):
        """Feature values of this artifact: `add_values({...})`, `get_values()`, `remove_values(...)`."""
        return hooks.features(self)

    def describe(self, return_str: bool = False) -> str | None:
        """Print the artifact with its features and labels as a tree (return it with `return_str=True`)."""
        return hooks.describe(self, return_str=return_str)


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
        """`Collection(artifacts, key=..., description=..., revises=..., run=..., version=...)`."""
        if len(args) > 1 or (not args and "artifacts" not in kwargs):
            super().__init__(*args, **kwargs)  # fields by keyword (`objects.create`), or a row in full
            return
        hooks.init_collection(self, args[0] if args else kwargs.pop("artifacts"), kwargs, super().__init__)

    def save(self, *args, **kwargs) -> Collection:
        """Insert the collection and link its artifacts, atomically (the run that made it gets them as
        inputs); a collection returned by `Collection()` as the saved one is written only if changed."""
        return hooks.save_collection(self, super().save, *args, **kwargs)

    @property
    def ordered_artifacts(self) -> models.QuerySet:
        """The collection's artifacts in the order they were passed."""
        return Artifact.objects.filter(links_collection__collection=self).order_by("links_collection__id")

    def view_lineage(self, return_str: bool = False) -> str | None:
        """Print where this collection came from: its run, transform and their inputs (text tree)."""
        return hooks.view_lineage(self, return_str)

    def cache(self) -> list[Path]:
        """Local paths of the collection's artifacts, in order (an input of the current run, if any)."""
        return hooks.cache_collection(self)

    def load(self, join: str = "outer", **kwargs: Any) -> Any:
        """The artifacts' DataFrames (or AnnDatas, `.obs.artifact_uid` naming the artifact) concatenated;
        `kwargs` go to `pd.concat` / `ad.concat`. All artifacts must have one suffix (LaminDB 1.5.3)."""
        return hooks.load_collection(self, join=join, **kwargs)

    def append(self, artifact: Artifact, run: Any = None) -> Collection:
        """A new, unsaved version of this collection with `artifact` added at the end (LaminDB 1.5.3)."""
        return hooks.append_artifact(self, artifact, run=run)

    def mapped(self, *args: Any, **kwargs: Any) -> Any:
        """A map-style dataset over the collection's `.h5ad` artifacts (LaminDB 1.5.3's MappedCollection):
        see `lamin_core.artifacts.mapped_collection.MappedCollection` for the arguments."""
        return hooks.mapped_collection(self, *args, **kwargs)

    def delete(self, permanent: bool | None = None) -> None:
        """Move to the trash; with `permanent=True` delete the record (the artifacts stay)."""
        if permanent:
            hooks.delete_permanently(self)
        else:
            hooks.trash(self)


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
        # a feature filter (`filter(perturbation="DMSO")`) finds its artifacts from the label's links alone
        indexes = [models.Index(fields=["ulabel", "feature", "artifact"], name="artifactulabel_label_idx")]


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
