"""Building a collection: check its artifacts, hash them, look up the same content or a previous version."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .._logger import logger
from ..hashing import hash_set
from ..models import Artifact
from ..models.pending import PendingSave
from .create import check_revises, check_run, check_str, import_anndata
from .load import load_artifact, track_input
from .versions import check_new_version, check_version_value, next_uid, stem_of

if TYPE_CHECKING:
    from ..models import Collection

COLLECTION_ARGS = (
    "key",
    "description",
    "meta_artifact",
    "reference",
    "reference_type",
    "run",
    "revises",
    "version",
)


def _artifact_list(artifacts: object) -> list:
    if isinstance(artifacts, Artifact):
        items = [artifacts]
    elif isinstance(artifacts, QuerySet | list | tuple | set | frozenset):
        items = list(artifacts)
    else:
        raise TypeError(
            f"Collection() takes an artifact or a list of artifacts, got {type(artifacts).__name__}"
        )
    if not items:
        raise ValueError("a collection needs at least one artifact")
    wrong = [type(item).__name__ for item in items if not isinstance(item, Artifact)]
    if wrong:
        raise TypeError(f"a collection holds artifacts only, got {', '.join(sorted(set(wrong)))}")
    unsaved = [item for item in items if item.pk is None]
    if unsaved:
        raise ValueError(f"save the artifacts before making a collection of them: {unsaved[0]!r}")
    hashes = [item.hash for item in items]
    duplicates = sorted({h for h in hashes if hashes.count(h) > 1})
    if duplicates:
        raise ValueError(
            f"pass artifacts with distinct content; these hashes occur more than once: {duplicates}"
        )
    return items


def prepare_collection(model: type[Collection], artifacts: object, options: dict) -> tuple[dict, PendingSave]:
    """(field values, what its save has to do) of a new collection; raises on any invalid input."""
    if "name" in options:  # LaminDB < 1.0's name of the key, still accepted by 1.5.3 with a warning
        name = options.pop("name")
        if options.get("key") is not None:
            raise TypeError("pass either `key` or `name` (deprecated), not both")
        message = f"argument `name` will be removed, please pass {name} to `key` instead"
        # points at the Collection(...) call (past init_collection, its hook and Collection.__init__)
        warnings.warn(message, FutureWarning, stacklevel=5)
        options["key"] = name
    unknown = sorted(set(options) - set(COLLECTION_ARGS))
    if unknown:
        raise TypeError(
            f"Collection() got unexpected argument(s) {', '.join(map(repr, unknown))}; "
            f"it takes artifacts and {', '.join(COLLECTION_ARGS)}"
        )
    items = _artifact_list(artifacts)
    key = check_str(options.get("key"), "key")
    description = check_str(options.get("description"), "description")
    version = check_version_value(options.get("version"))
    reference = check_str(options.get("reference"), "reference")
    reference_type = check_str(options.get("reference_type"), "reference_type")
    run = check_run(options.get("run"))
    revises = check_revises(model, options.get("revises"))
    meta_artifact = check_revises(Artifact, options.get("meta_artifact"))
    if revises is not None:
        check_new_version(model, revises, version)  # first, as 1.5.3; again on save under the family lock
        key = revises.key if key is None else key
        description = revises.description if description is None else description
    if key is None:
        raise TypeError("Collection() needs a key, e.g. ln.Collection(artifacts, key='my-collection')")
    if not key.strip():
        raise ValueError("key must not be empty")
    hash_ = hash_set(item.hash for item in items)
    from_key = revises is None  # saving revises the latest collection with the key then (None: a new family)

    query = Q(hash=hash_)
    if revises is None:
        query |= Q(key=key, is_latest=True, _branch_code=1)
    rows = sorted(model.all_objects.filter(query)[:10], key=lambda r: (r.created_at, r.id), reverse=True)
    existing = next((row for row in rows if row.hash == hash_), None)
    if existing is None and revises is None and rows:
        revises = rows[0]
        logger.info(f"creating new collection version for key='{key}'")

    fields = {
        "key": key,
        "description": description,
        "hash": hash_,
        "reference": reference,
        "reference_type": reference_type,
        "meta_artifact": meta_artifact,
        "version": version,
    }
    if run is not None:
        fields["run"] = run
    if revises is not None and existing is None:
        fields["uid"], _ = next_uid(model, stem_of(revises))
    pending = PendingSave(
        existing=existing,
        revises=revises,
        revises_from_key=from_key,
        artifact_ids=[item.pk for item in items],
    )
    return fields, pending


def collection_artifacts(collection: Collection) -> list:
    """The collection's artifacts in the order they were passed; also before it is saved."""
    if collection._state.adding:
        ids = (collection._pending.artifact_ids if collection._pending is not None else None) or []
        by_id = Artifact.all_objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]
    return list(collection.ordered_artifacts)


def append_artifact(collection: Collection, artifact: object, run: object = None) -> Collection:
    """A new, unsaved version of `collection` whose artifacts are its own plus `artifact` (1.5.3's append)."""
    if collection._state.adding or collection.pk is None:
        raise ValueError(f"save the collection before appending to it: {collection!r}")
    if not isinstance(artifact, Artifact):
        raise TypeError(f"append() takes an Artifact, got {type(artifact).__name__}")
    items = [*collection_artifacts(collection), artifact]
    return type(collection)(items, description=collection.description, revises=collection, run=run)


def load_collection(collection: Collection, join: str = "outer", **kwargs: object) -> object:
    """The artifacts' DataFrames or AnnDatas concatenated in order, as LaminDB 1.5.3's `Collection.load()`.

    All artifacts must have one suffix. DataFrames: `pd.concat(objects, join=join, **kwargs)`. AnnData:
    `ad.concat(..., join=join, label="artifact_uid", keys=<artifact uids>, **kwargs)` (label and keys may be
    given), so `.obs.artifact_uid` names each cell's artifact.
    """
    track_input(collection)
    return load_artifacts(collection_artifacts(collection), join=join, **kwargs)


def load_artifacts(artifacts: list, join: str = "outer", **kwargs: object) -> object:
    """Artifacts' DataFrames or AnnDatas concatenated in the given order (`Collection.load()` and
    `ln.Artifact.filter(...).load()`); the artifacts must share one suffix."""
    if join not in ("inner", "outer"):
        raise ValueError(f"join must be 'inner' or 'outer', got {join!r}")
    if not artifacts:
        raise ValueError("there are no artifacts to load")
    suffixes = sorted({artifact.suffix for artifact in artifacts})
    if len(suffixes) != 1:
        raise ValueError(
            "Can only load collections where all artifacts have the same suffix, got "
            f"{', '.join(map(repr, suffixes))}; use collection.cache() for the paths"
        )
    objects = [load_artifact(artifact) for artifact in artifacts]
    kinds = {type(obj).__name__ for obj in objects}
    if kinds == {"DataFrame"}:
        import pandas as pd  # heavy: loaded when frames are concatenated

        return pd.concat(objects, join=join, **kwargs)
    if kinds == {"AnnData"}:
        label = kwargs.pop("label", "artifact_uid")
        keys = kwargs.pop("keys", [artifact.uid for artifact in artifacts])
        return import_anndata().concat(objects, join=join, label=label, keys=keys, **kwargs)
    raise ValueError(f"Unable to concatenate {suffixes[0]} objects ({', '.join(sorted(kinds))}).")


def mapped_collection(
    collection: Collection,
    layers_keys: str | list[str] | None = None,
    obs_keys: str | list[str] | None = None,
    obsm_keys: str | list[str] | None = None,
    obs_filter: dict | tuple | None = None,
    join: str | None = "inner",
    encode_labels: bool | list[str] = True,
    unknown_label: str | dict[str, str] | None = None,
    cache_categories: bool = True,
    parallel: bool = False,
    dtype: str | None = None,
    stream: bool = False,
    is_run_input: bool | None = None,
) -> object:
    """`collection.mapped(...)`: a MappedCollection over the collection's `.h5ad` and `.zarr` artifacts.

    Artifacts of other suffixes are left out with a warning, as in LaminDB 1.5.3. `stream=True` reads local
    stores in place (as always) and S3 stores from the local cache: streaming from S3 is not supported.
    """
    from .mapped_collection import MappedCollection  # numpy and the array stores: on first mapped()

    paths = []
    for artifact in collection_artifacts(collection):
        if ".h5ad" not in artifact.suffix and ".zarr" not in artifact.suffix:
            logger.warning(f"ignoring artifact with suffix {artifact.suffix}")
            continue
        paths.append(artifact.cache())
    if collection._state.adding:
        logger.warning("the collection isn't saved, consider calling `.save()`")
    elif is_run_input is not False:
        track_input(collection)
    return MappedCollection(
        paths,
        layers_keys=layers_keys,
        obs_keys=obs_keys,
        obsm_keys=obsm_keys,
        obs_filter=obs_filter,
        join=join,
        encode_labels=encode_labels,
        unknown_label=unknown_label,
        cache_categories=cache_categories,
        parallel=parallel,
        dtype=dtype,
    )
