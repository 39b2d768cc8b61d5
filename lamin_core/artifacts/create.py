"""Building an artifact from a path or an in-memory object: validate, describe the content, look up matches.

Nothing is written to the database or the storage root here (in-memory objects are written to the cache
folder): `prepare_artifact` returns the field values and the private state that `save` acts on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._logger import logger
from ..storage import cache_dir, check_key, default_storage, extract_suffix, file_stats
from ..storage.keys import MANAGED_DIR, check_key_suffix
from ..uids import base62
from .versions import next_uid, stem_of

if TYPE_CHECKING:
    from ..models import Artifact

ARTIFACT_ARGS = ("key", "description", "revises", "run", "kind", "version")
KINDS = ("dataset", "model", "__lamindb_run__")


def check_str(value: object, name: str) -> str | None:
    """`value` if it is a str or None, else a TypeError naming the argument."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r}")
    return value


def check_revises(model: type, revises: object) -> Any:
    """`revises` if it is a saved record of `model` (or None)."""
    if revises is None:
        return None
    if not isinstance(revises, model):
        raise TypeError(f"revises must be a {model.__name__}, got {type(revises).__name__}")
    if revises.pk is None:
        raise ValueError(f"revises must be a saved {model.__name__}; save it first")
    return revises


def check_run(run: object) -> Any:
    """`run` if it is a saved Run (or None)."""
    if run is None:
        return None
    from ..models import Run

    if not isinstance(run, Run):
        raise TypeError(f"run must be a Run, got {type(run).__name__}")
    if run.pk is None:
        raise ValueError("run must be a saved Run")
    return run


def _is_dataframe(data: object) -> bool:
    return type(data).__module__.partition(".")[0] == "pandas" and type(data).__name__ == "DataFrame"


def _is_anndata(data: object) -> bool:
    return type(data).__module__.partition(".")[0] == "anndata" and type(data).__name__ == "AnnData"


def import_anndata():
    """The anndata module, or an ImportError that says how to install it."""
    try:
        import anndata
    except ImportError as e:
        raise ImportError(
            "AnnData support needs the optional dependency anndata: pip install 'lamin-widgets[anndata]'"
        ) from e
    return anndata


def write_to_cache(data: object) -> tuple[Path, dict]:
    """Write a DataFrame (Parquet) or AnnData (h5ad) to the cache folder; return the file and its fields."""
    if _is_dataframe(data):
        path = cache_dir() / f"{base62(16)}.parquet"
        try:
            data.to_parquet(path)  # type: ignore[attr-defined]
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path, {"otype": "DataFrame", "n_observations": len(data)}  # type: ignore[arg-type]
    if _is_anndata(data):
        path = cache_dir() / f"{base62(16)}.h5ad"
        try:
            data.write_h5ad(path)  # type: ignore[attr-defined]
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path, {"otype": "AnnData", "n_observations": data.n_obs}  # type: ignore[attr-defined]
    raise TypeError(
        f"cannot make an artifact from a {type(data).__name__}; pass a path, DataFrame or AnnData"
    )


def local_path(data: object) -> Path:
    """An existing local file or folder from a str or path, or a clear error."""
    if not isinstance(data, str | os.PathLike):
        raise TypeError(
            f"cannot make an artifact from a {type(data).__name__}; pass a path, DataFrame or AnnData"
        )
    text = os.fspath(data)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if "://" in text:
        raise ValueError(f"only local paths are supported so far, got {text!r}")
    path = Path(text).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {text}")
    return path


def _key_in_storage(path: Path, root: str) -> str | None:
    """The key of a path that already lies in the storage root (registered in place), else None."""
    try:
        relative = path.resolve().relative_to(root)
    except ValueError:
        return None
    key = relative.as_posix()
    if key == "." or key.split("/")[0] == MANAGED_DIR:
        raise ValueError(
            f"{path} lies in the storage root's managed folder {MANAGED_DIR!r}; "
            "query its artifact instead (ln.Artifact.get(...))"
        )
    return key


def prepare_artifact(model: type[Artifact], data: object, options: dict) -> tuple[dict, dict]:
    """(field values, private state) of a new artifact made from `data`; raises on any invalid input."""
    unknown = sorted(set(options) - set(ARTIFACT_ARGS))
    if unknown:
        raise TypeError(
            f"Artifact() got unexpected argument(s) {', '.join(map(repr, unknown))}; "
            f"it takes a path (or DataFrame/AnnData) and {', '.join(ARTIFACT_ARGS)}"
        )
    key = check_key(options.get("key"))
    description = check_str(options.get("description"), "description")
    version = check_str(options.get("version"), "version")
    kind = options.get("kind")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)} or None, got {kind!r}")
    run = check_run(options.get("run"))
    revises = check_revises(model, options.get("revises"))
    if revises is not None:
        key = revises.key if key is None else key
        description = revises.description if description is None else description

    extra: dict = {}
    owned = False
    if isinstance(data, str | os.PathLike):
        path = local_path(data)
    else:
        path, extra = write_to_cache(data)
        owned = True
        kind = "dataset" if kind is None else kind
    try:
        is_dir = path.is_dir()
        suffix = extract_suffix(path.name, is_dir=is_dir)
        storage_id, root = default_storage()
        in_storage_key = None if owned else _key_in_storage(path, root)
        if in_storage_key is not None:
            if key is not None and key != in_storage_key:
                raise ValueError(
                    f"{path} already lies in the storage root, so its key is {in_storage_key!r}, not {key!r}"
                )
            key = in_storage_key
        check_key_suffix(key, suffix, is_dir)
        size, hash_, hash_type, n_files = file_stats(path)
        existing, revises = _lookup(model, hash_, key, storage_id, root, revises)
    except BaseException:
        if owned:
            path.unlink(missing_ok=True)
        raise

    fields = {
        "key": key,
        "description": description,
        "suffix": suffix,
        "kind": kind,
        "size": size,
        "hash": hash_,
        "_hash_type": hash_type,
        "n_files": n_files,
        "storage_id": storage_id,
        "_key_is_virtual": in_storage_key is None,
        "_overwrite_versions": is_dir,
        "version": version,
        **extra,
    }
    if run is not None:
        fields["run"] = run
    if revises is not None and existing is None:
        fields["uid"], latest = next_uid(model, stem_of(revises))
        if not revises.is_latest and latest is not None:
            logger.warning(
                f"revises={revises.uid!r} is not the latest version; the new version follows {latest!r}"
            )
    state = {"_local_path": path, "_owned_source": owned, "_existing": existing, "_revises": revises}
    return fields, state


def _lookup(model, hash_: str, key: str | None, storage_id: int, root: str, revises):
    """(artifact with the same content incl. trash, record to revise).

    An artifact with the same key in the same storage is the previous version, as in LaminDB, unless
    `revises` names one or the content already exists. Two queries, each on its own index: as one
    `hash = .. OR key = ..` SQLite scans the whole table (14 ms at 100 000 artifacts instead of 0.1 ms).
    """
    rows = list(model.all_objects.filter(hash=hash_)[:1])
    if not rows and key is not None and revises is None:
        # by key alone: with storage/is_latest/branch in SQL, SQLite (no statistics) walks the low-cardinality
        # is_latest index instead of the key index; the few versions of a key are filtered here
        same_key = [
            r
            for r in model.all_objects.filter(key=key)
            if r.storage_id == storage_id and r.is_latest and r._branch_code == 1
        ]
        # newest first, sorted here: an ORDER BY costs more to compile than the few rows cost to sort
        rows = sorted(same_key, key=lambda r: (r.created_at, r.id), reverse=True)[:10]
    existing = next((row for row in rows if row.hash == hash_), None)
    if existing is None and revises is None and rows:
        revises = rows[0]
        logger.info(f"creating new artifact version for key='{key}' (storage: '{root}')")
    return existing, revises
