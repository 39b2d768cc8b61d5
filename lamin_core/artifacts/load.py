"""Loading stored artifacts into memory, by suffix; and noting loaded artifacts as inputs of the run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._logger import logger
from ..errors import InvalidArgument
from ..models.instance import root_of
from ..setup.settings import cache_dir
from ..storage import is_remote, remote_errors, sync_to_cache
from ..tracking.context import context
from .create import import_anndata, import_mudata

if TYPE_CHECKING:
    from ..models import Artifact, Collection

_CSV = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zst")
_TSV = (".tsv", ".tsv.gz", ".tsv.bz2", ".tsv.xz", ".tsv.zst")


def track_input(record: Artifact | Collection) -> None:
    """Record a saved artifact or collection as an input of the current run (`ln.track()`), unless the run
    made it; the transform that made it becomes a predecessor of the current one (LaminDB 1.5.3)."""
    run = context.run
    if run is None or record.pk is None or record.run_id == run.pk:
        return
    record.input_of_runs.add(run)
    if record.run_id is not None:
        made_by = type(run).objects.filter(pk=record.run_id).values_list("transform_id", flat=True).first()
        if made_by is not None and made_by != run.transform_id:
            run.transform.predecessors.add(made_by)


def cached_path(artifact: Artifact) -> Path:
    """The local path of an artifact's file or folder, checked to exist; S3 data is synced to the cache."""
    path = artifact.path
    if is_remote(path):
        root = root_of(artifact.storage_id) if artifact.storage_id is not None else str(path)
        with remote_errors(root, "caching an artifact"):
            try:
                path = sync_to_cache(path, cache_dir())
            except FileNotFoundError as e:
                raise FileNotFoundError(f"the stored data of {artifact!r} is missing: {artifact.path}") from e
    elif not (path.exists() or path.is_symlink()):
        raise FileNotFoundError(f"the stored data of {artifact!r} is missing: {path}")
    if artifact.pk is not None:
        track_input(artifact)
    return path


def load_path(path: Path, suffix: str, otype: str | None, **kwargs: Any) -> Any:
    """A DataFrame (parquet, csv, tsv), an AnnData (h5ad, AnnData zarr), a MuData (h5mu), a dict/list (json,
    yaml), else the path."""
    suffix = suffix.lower()
    if suffix == ".parquet":
        import pandas as pd  # heavy: loaded when a table is read

        return pd.read_parquet(path, **kwargs)
    if suffix in _CSV or suffix in _TSV:
        import pandas as pd  # heavy: loaded when a table is read

        return pd.read_csv(path, **({"sep": "\t"} if suffix in _TSV else {}) | kwargs)
    if suffix == ".h5ad" or (otype == "AnnData" and suffix.endswith(".zarr")):
        anndata = import_anndata()
        return anndata.read_h5ad(path, **kwargs) if suffix == ".h5ad" else anndata.read_zarr(path, **kwargs)
    if suffix == ".h5mu":
        return import_mudata().read_h5mu(path, **kwargs)
    if suffix == ".json":
        return json.loads(path.read_text())
    if suffix in (".yaml", ".yml"):
        try:
            import yaml  # optional: PyYAML, for .yaml files only
        except ImportError as e:
            raise ImportError(
                f"loading a {suffix} artifact needs the package PyYAML: pip install pyyaml "
                "(or use artifact.cache() for its path)"
            ) from e
        with open(path) as file:
            return yaml.safe_load(file)
    return path


# pyarrow.dataset formats by suffix (LaminDB 1.5.3's PYARROW_SUFFIXES)
_PYARROW_FORMATS = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".json": "json",
    ".orc": "orc",
    ".arrow": "ipc",
    ".feather": "feather",
    ".ipc": "ipc",
}
_H5 = (".h5", ".hdf5")


def _folder_format(path: Path) -> str | None:
    """The pyarrow format of a folder whose files all share one of its suffixes, else None."""
    suffixes = {p.suffix.lower() for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")}
    if len(suffixes) == 1:
        return _PYARROW_FORMATS.get(suffixes.pop())
    return None


def open_artifact(artifact: Artifact, mode: str = "r", **kwargs: Any) -> Any:
    """A streaming handle on the artifact's data (see `Artifact.open`)."""
    if mode != "r":
        raise InvalidArgument(f"artifacts open read-only (mode='r'), not mode={mode!r}")
    suffix = artifact.suffix.lower()
    fmt = _PYARROW_FORMATS.get(suffix)
    is_folder = artifact.n_files is not None
    supported = (*_PYARROW_FORMATS, ".h5ad", *_H5)
    if fmt is None and suffix not in (".h5ad", *_H5) and not (is_folder and suffix == ""):
        raise InvalidArgument(
            f"cannot open a {suffix or 'file without suffix'!r} artifact for streaming; open() supports "
            f"{', '.join(supported)} files, and folders of parquet/csv/... files; use load() or cache()"
        )
    if artifact.pk is not None and artifact._overwrite_versions and not artifact.is_latest:
        logger.warning(
            "Trying to read a folder artifact from an outdated version, this can result in an inconsistent "
            "state. Read from the latest version: artifact.versions.get(is_latest=True)"
        )
    path = cached_path(artifact)
    if suffix == ".h5ad":
        return import_anndata().read_h5ad(path, backed="r", **kwargs)
    if suffix in _H5:
        import h5py  # optional: anndata's dependency (the bionty extra)

        return h5py.File(path, mode="r", **kwargs)
    if fmt is None:
        fmt = _folder_format(path)
        if fmt is None:
            raise InvalidArgument(
                f"the folder of {artifact!r} does not hold files of one format pyarrow reads "
                f"({', '.join(_PYARROW_FORMATS)}; no mixing)"
            )
    import pyarrow.dataset  # heavy: loaded when a table is read

    return pyarrow.dataset.dataset(path, format=fmt, **kwargs)


def load_artifact(artifact: Artifact, **kwargs: Any) -> Any:
    """The artifact's content in memory (see `load_path`); an unsaved artifact of an in-memory object returns
    that object, as in LaminDB 1.5.3 (once saved, the stored data is read)."""
    memory = artifact._pending.memory_rep if artifact._pending is not None else None
    if memory is not None and artifact._state.adding and not kwargs:
        return memory
    return load_path(cached_path(artifact), artifact.suffix, artifact.otype, **kwargs)


def load_collection(collection: Collection, join: str = "outer", **kwargs: Any) -> Any:
    """The collection's DataFrames (or AnnDatas) concatenated in the collection's order."""
    artifacts = list(collection.ordered_artifacts)
    objects = [load_artifact(artifact, **kwargs) for artifact in artifacts]
    kinds = {type(obj).__name__ for obj in objects}
    if kinds == {"DataFrame"}:
        import pandas as pd  # heavy: loaded when a table is read

        return pd.concat(objects, join=join)
    if kinds == {"AnnData"}:
        anndata = import_anndata()
        return anndata.concat(
            objects, join=join, label="artifact_uid", keys=[artifact.uid for artifact in artifacts]
        )
    raise ValueError(
        f"can only load collections of DataFrames or of AnnData objects, got {sorted(kinds)}; "
        "use collection.cache() for the paths"
    )
