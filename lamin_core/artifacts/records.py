"""What the Artifact and Collection models hand off to: their constructors, `save()`, `path` and the
`from_df` / `from_anndata` / `from_mudata` constructors.

The models call these through hooks bound in `apps.ready()` (docs/architecture.md, "Layers"), so that the
models import no service. `init` and `save` are the model's own `super().__init__` and `super().save`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction

from ..features import validation
from ..features.annotate import annotate
from ..models import Artifact, Collection, Schema
from ..models.base import deleted_error
from ..models.instance import storage_root
from ..models.pending import PendingSave
from ..storage import auto_storage_key
from ..storage.containment import check_relative
from .collection import prepare_collection
from .create import _is_mudata, import_anndata, import_mudata, prepare_artifact
from .load import track_input
from .save import (
    STORED_FIELDS,
    adopt_existing,
    check_location_change,
    existing_at_creation,
    field_values,
    remember_stored,
    save_artifact,
    save_collection,
)


def init_artifact(artifact: Artifact, data: Any, options: dict, init: Callable[..., None]) -> None:
    """`Artifact(data, key=..., ...)`: the fields and the private state of a new artifact, or the saved
    artifact with the same content."""
    fields, pending = prepare_artifact(type(artifact), data, options)
    if "storage_id" in fields and fields["storage_id"] is None:
        # an S3 object outside every storage location: its bucket's Storage record is created by
        # save(), so the required storage is set only then (checked before the insert)
        init()
        for name, value in fields.items():
            setattr(artifact, name, value)
    else:
        init(**fields)
    if pending.update is not None:  # the same content is saved: this is that artifact
        existing_at_creation(artifact, pending.existing, pending.update)
        return
    artifact._pending = pending
    remember_stored(artifact)  # the key and suffix it was created with: save() refuses other ones


def save_artifact_record(artifact: Artifact, save: Callable[..., Any], *args: Any, **kwargs: Any) -> Artifact:
    """`artifact.save()`: refuse a change of where its data lives, then store and insert (or update)."""
    if artifact._state.adding:
        if "_stored_location" in artifact.__dict__:
            check_location_change(artifact)
    elif artifact.pk is not None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & {*STORED_FIELDS, "storage"}:
            check_location_change(artifact)
    try:
        return _save_artifact(artifact, save, *args, **kwargs)
    finally:
        if not artifact._state.adding:
            remember_stored(artifact)


def _save_artifact(artifact: Artifact, save: Callable[..., Any], *args: Any, **kwargs: Any) -> Artifact:
    pending = artifact._pending or PendingSave()
    annotation, pending.annotation = pending.annotation, None
    # returned by Artifact() as the saved artifact with the same content: written only if changed
    unchanged = pending.existing_values == field_values(artifact)
    pending.existing_values = None
    new_data = artifact._state.adding and pending.local_path is not None
    if annotation is None:
        if new_data:
            return save_artifact(artifact, lambda: save(*args, **kwargs))
        if unchanged:  # nothing to write; but say so if it was deleted meanwhile, as an update would
            _check_exists(artifact)
            return artifact
        return save(*args, **kwargs)

    inserted = []

    def insert() -> None:
        if unchanged:
            _check_exists(artifact)
        else:
            save(*args, **kwargs)
        annotate(artifact, annotation)  # in the insert's transaction: record and annotations together
        inserted.append(True)

    try:
        if new_data:
            save_artifact(artifact, insert)
            if not inserted:  # the same content was saved before: annotate that artifact, like LaminDB
                with transaction.atomic():
                    if artifact.schema_id is None:
                        type(artifact).all_objects.filter(pk=artifact.pk).update(schema=annotation.schema)
                        artifact.schema_id = annotation.schema.pk
                    annotate(artifact, annotation)
        else:
            with transaction.atomic():
                insert()
    except BaseException:
        if artifact._pending is None:
            artifact._pending = pending
        artifact._pending.annotation = annotation  # a retry annotates again
        raise
    return artifact


def _check_exists(record: Artifact | Collection) -> None:
    """When nothing is written: raise as an update does (`BaseRecord.save`) if the record's row is gone."""
    if not type(record).all_objects.filter(pk=record.pk).exists():
        raise deleted_error(record)


def artifact_path(artifact: Artifact) -> Any:
    """`artifact.path`: the stored file or folder (the source until saved)."""
    local = artifact._pending.local_path if artifact._pending is not None else None
    if local is not None and artifact._state.adding:
        return local
    key = auto_storage_key(artifact.uid, artifact.suffix) if artifact._key_is_virtual else artifact.key
    # a key from the database (another machine, another tool) must not lead outside the root
    return storage_root(artifact.storage_id) / check_relative(
        key, f"the storage key of artifact {artifact.uid}"
    )


def from_df(model: type[Artifact], df: Any, schema: Any = None, **options: Any) -> Artifact:
    """`Artifact.from_df`: an artifact of a DataFrame, validated by `schema` if given."""
    if type(df).__name__ != "DataFrame" or not type(df).__module__.startswith("pandas"):
        raise TypeError(f"from_df() takes a pandas DataFrame, got {type(df).__name__}")
    annotation = None
    if schema is not None:
        annotation = _validate_with_schema("dataframe_annotation", df, schema)
    artifact = model(df, **options)
    if annotation is not None:
        _attach_annotation(artifact, schema, annotation)
    return artifact


def from_anndata(model: type[Artifact], adata: Any, schema: Any = None, **options: Any) -> Artifact:
    """`Artifact.from_anndata`: an artifact of an AnnData object or of an `.h5ad`/`.zarr` path."""
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
    if isinstance(adata, anndata.AnnData):
        artifact = model(adata, **options)
    elif isinstance(adata, str | Path):
        artifact = model(adata, **({"kind": "dataset"} | options))
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


def from_mudata(model: type[Artifact], mdata: Any, schema: Any = None, **options: Any) -> Artifact:
    """`Artifact.from_mudata`: an artifact of a MuData object or of a path to an `.h5mu` file."""
    import_mudata()
    is_path = isinstance(mdata, str | os.PathLike)
    if not (_is_mudata(mdata) or (is_path and str(mdata).endswith(".h5mu"))):
        raise ValueError("data has to be a MuData object or a path to MuData-like")
    annotation = None
    if schema is not None:
        annotation = _validate_with_schema("mudata_annotation", mdata, schema)
    artifact = model(mdata, **({"kind": "dataset"} | options))
    if artifact._state.adding:
        artifact.otype = "MuData"
    if annotation is not None:
        _attach_annotation(artifact, schema, annotation)
    return artifact


def _attach_annotation(artifact: Artifact, schema: Any, annotation: Any) -> None:
    """Link the validated annotation on save(); an existing artifact keeps a schema it already has."""
    if artifact._state.adding or artifact.schema_id is None:
        artifact.schema = schema
    if artifact._pending is None:
        artifact._pending = PendingSave()
    artifact._pending.annotation = annotation  # labels and the slots' schemas, linked on save()


def _read_backed(anndata: Any, path: Path) -> Any:
    """An AnnData read lazily (h5ad: backed, so only obs and var are loaded) for validation."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.suffix == ".h5ad":
        return anndata.read_h5ad(path, backed="r")
    return anndata.read_zarr(path)


def _validate_with_schema(function: str, data: Any, schema: Any) -> Any:
    """Validate `data` with `lamin_core.features.validation.<function>(data, schema)`; its result."""
    if not isinstance(schema, Schema):
        raise TypeError(f"schema must be a Schema, got {type(schema).__name__}")
    if schema.pk is None:
        raise ValueError("schema must be saved before validating with it")
    validate = getattr(validation, function, None)
    if validate is None:
        raise NotImplementedError(
            f"validation of {type(data).__name__} objects by a schema is not supported yet"
        )
    return validate(data, schema)


def init_collection(collection: Collection, artifacts: Any, options: dict, init: Callable[..., None]) -> None:
    """`Collection(artifacts, key=..., ...)`: a new collection, or the saved one of the same artifacts."""
    fields, pending = prepare_collection(type(collection), artifacts, options)
    init(**fields)
    collection._pending = pending
    if pending.existing is not None:  # the same artifacts are saved: this is that collection
        adopt_existing(collection, pending.existing)
        collection._pending = PendingSave(existing_values=field_values(collection))


def save_collection_record(
    collection: Collection, save: Callable[..., Any], *args: Any, **kwargs: Any
) -> Collection:
    """`collection.save()`: insert it and link its artifacts, or write what changed."""
    pending = collection._pending
    if collection._state.adding and pending is not None and pending.artifact_ids is not None:
        return save_collection(collection, lambda: save(*args, **kwargs))
    collection._pending = None
    if (pending.existing_values if pending is not None else None) == field_values(collection):
        _check_exists(collection)  # nothing to write; but say so if it was deleted meanwhile
        return collection
    return save(*args, **kwargs)


def cache_collection(collection: Collection) -> list[Path]:
    """`collection.cache()`: local paths of its artifacts, in order (an input of the current run)."""
    track_input(collection)
    return [artifact.cache() for artifact in collection.ordered_artifacts]
