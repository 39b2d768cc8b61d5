"""Previews of an artifact's content for record pages: a thumbnail, the head of a table, the outline of
an AnnData, a folder's files; bounded in bytes, rows and pixels, cached by content hash.

Every read goes through `_Budgeted`, a file object that stops after `MAX_BYTES` and calls the caller's
`check` (a request's time budget) before each read, so a preview never reads a whole large file: parquet
reads its footer and the pages of the first rows, CSV its first block, h5ad (through h5py) its metadata,
the first categories of `obs` columns and the head of the `var` index. Local files must resolve (symbolic
links followed) inside the artifact's storage root; S3 objects are read by ranges. What the server reads
and its limits: docs/SECURITY.md ("File previews").
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StorageError, UnsafePathError
from ..models.instance import root_of
from ..setup.instance import ensure_connected
from ..setup.settings import cache_dir
from ..storage import is_remote, remote_errors
from ..storage.containment import check_relative

if TYPE_CHECKING:
    from ..models import Artifact

VERSION = 1  # part of the cache key: a change of what a preview holds makes new entries
MAX_BYTES = 16 * 2**20  # bytes read from one file for one preview
MAX_ROWS = 20  # rows of a table
MAX_COLUMNS = 50  # columns of a table, obs columns of an AnnData
MAX_CATEGORIES = 20  # categories shown per obs column
MAX_VALUE = 80  # characters of one shown value
MAX_FILES = 100  # files listed of a folder
THUMBNAIL = 256  # pixels of a thumbnail's longer side
MAX_PIXELS = 40_000_000  # decompression-bomb limit: larger images are not decoded
CACHE_BYTES = 64 * 2**20  # the preview cache's size; the oldest entries go first
_CSV_BLOCK = 256 * 2**10  # pyarrow's CSV block: types are inferred from the first one
_PARQUET_BUFFER = 64 * 2**10  # parquet pages are read in buffers of this size, not whole column chunks

IMAGES = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp")
TABLES = (".parquet", ".csv", ".tsv", ".csv.gz", ".tsv.gz")
ANNDATA = (".h5ad",)


class PreviewError(Exception):
    """A file that cannot be previewed; the message is the one line the preview area shows."""


def preview_artifact(artifact: Artifact, check: Callable[[], None] | None = None) -> dict[str, Any]:
    """The preview of a saved artifact's content: a dict with its `kind` (image, table, anndata, folder,
    none, unavailable, error) and what that kind shows; `check` is called before every read and may
    raise to stop it (a request's time budget or cancellation)."""
    started = time.perf_counter()
    check = check or (lambda: None)
    suffix = (artifact.suffix or "").lower()
    kind = _kind(artifact, suffix)
    if kind is None:
        what = f"{suffix} files" if suffix else "files without a suffix"
        return _done({"kind": "none", "message": f"no preview for {what}"}, started)
    missing = _missing_extra(kind)
    if missing:
        return _done({"kind": "unavailable", "message": missing}, started)
    key = _cache_key(artifact, suffix, kind)
    cached = _cache_read(key) if key else None
    if cached is not None:
        return _done({**cached, "cached": True}, started)
    try:
        with _opened(artifact, kind, check) as source:
            try:
                result = {"kind": kind, **_READERS[kind](source, suffix)}
            except _UNREADABLE as error:
                # a reader may wrap what stopped its read (h5py reports any error of a file object as
                # its own OSError): the budget's own error comes first
                raise source.stopped or error  # noqa: B904 (the cause is the budget's error)
    except PreviewError as error:
        return _done({"kind": "error", "message": one_line(str(error))}, started)
    except _UNREADABLE as error:
        return _done({"kind": "error", "message": one_line(f"cannot read the file: {error}")}, started)
    if key:
        _cache_write(key, result)
    return _done({**result, "cached": False}, started)


# what a damaged or foreign file makes the readers raise: pyarrow's ArrowInvalid is a ValueError and its
# ArrowNotImplementedError a NotImplementedError; Pillow's UnidentifiedImageError and h5py's "file signature
# not found" are OSErrors; an unreachable or unsafe storage is a StorageError
_UNREADABLE = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    EOFError,
    IndexError,
    NotImplementedError,
    StorageError,
)


def one_line(text: str, limit: int = 300) -> str:
    """A message on one line of at most `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _done(result: dict, started: float) -> dict:
    return {"version": VERSION, **result, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _kind(artifact: Artifact, suffix: str) -> str | None:
    if artifact.n_files is not None:
        return "folder"
    if suffix in IMAGES:
        return "image"
    if suffix in TABLES:
        return "table"
    if suffix in ANNDATA:
        return "anndata"
    return None


def _missing_extra(kind: str) -> str | None:
    """Which extra to install when a preview's reader is missing (None: installed)."""
    needs = {
        "image": ("PIL", "Pillow", "lamin-widgets[jupyter]"),
        "anndata": ("h5py", "h5py", "lamin-widgets[bionty]"),  # the pip extra, not the plugin
    }
    if kind not in needs:
        return None
    module, package, requirement = needs[kind]
    if importlib.util.find_spec(module) is not None:
        return None
    return f"{kind} previews need {package}: pip install '{requirement}'"


# -- where the bytes come from ----------------------------------------------------------------------------


class _Budgeted(io.RawIOBase):
    """A read-only binary file that reads at most `limit` bytes in all and calls `check` before each read."""

    def __init__(self, raw: Any, limit: int, check: Callable[[], None]) -> None:
        self.raw, self.limit, self.check, self.read_bytes = raw, limit, check, 0
        self.stopped: Exception | None = None  # what stopped a read: the byte budget or `check`

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def readinto(self, buffer: Any) -> int:
        try:
            self.check()
            if self.read_bytes >= self.limit and len(buffer):
                raise PreviewError(f"the preview stopped after reading its budget of {_mb(self.limit)}")
        except Exception as error:
            self.stopped = error
            raise
        view = memoryview(buffer)[: self.limit - self.read_bytes]
        data = self.raw.read(len(view))
        view[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


class _Source:
    """An artifact's data for a reader: `open()` gives budgeted file objects; folders are listed."""

    def __init__(self, path: Any, fs: Any, check: Callable[[], None]) -> None:
        self.path, self.fs, self.check = path, fs, check
        self.opened: list[_Budgeted] = []

    @property
    def stopped(self) -> Exception | None:
        return next((file.stopped for file in self.opened if file.stopped is not None), None)

    def open(self, limit: int | None = None) -> _Budgeted:
        # closed with the source (_opened), after the reader is done with it
        opener = self.fs.open if self.fs is not None else open
        # S3: 1 MB range requests, the last 32 blocks kept (h5py and parquet jump between the start and
        # the end of a file; a read-ahead cache would fetch the same block again)
        options = {"block_size": 2**20, "cache_type": "blockcache"} if self.fs is not None else {}
        raw = opener(self.path, "rb", **options)
        file = _Budgeted(raw, MAX_BYTES if limit is None else limit, self.check)
        self.opened.append(file)
        return file


@contextlib.contextmanager
def _opened(artifact: Artifact, kind: str, check: Callable[[], None]) -> Iterator[_Source]:
    """The artifact's data, confined to its storage root: a local path resolved inside it, or an S3 key."""
    try:
        path = artifact.path
    except UnsafePathError as error:
        raise PreviewError(str(error)) from error
    root = root_of(artifact.storage_id)
    if is_remote(path):
        with remote_errors(root, "previewing an artifact"):
            source = _Source(path.path, path.fs, check)
            try:
                yield source
            finally:
                for file in source.opened:
                    file.close()
        return
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(Path(root).resolve()):
        raise PreviewError(f"refusing to read {path}: it resolves outside the storage root {root}")
    if not resolved.exists():
        raise PreviewError(f"the stored file is missing: {path}")
    if kind != "folder" and not resolved.is_file():
        raise PreviewError(f"not a file: {path}")
    source = _Source(str(resolved), None, check)
    try:
        yield source
    finally:
        for file in source.opened:
            file.close()


def _mb(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:g} kB"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


# -- readers ----------------------------------------------------------------------------------------------


def _image(source: _Source, suffix: str) -> dict:
    """A thumbnail (JPEG, PNG where there is transparency) of at most THUMBNAIL pixels a side."""
    from PIL import Image  # Pillow: an optional dependency (the jupyter extra)

    try:
        image = Image.open(source.open())
    except Image.DecompressionBombError as error:  # Pillow's own limit, above ours
        raise PreviewError(f"the image is too large to preview: {error}") from error
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise PreviewError(
                f"the image has {width}x{height} pixels, over the preview limit of "
                f"{MAX_PIXELS:,} (a decompression bomb, or just too large): no thumbnail"
            )
        fmt = image.format
        image.draft("RGB", (THUMBNAIL, THUMBNAIL))  # JPEG: decode at a reduced scale
        image.seek(0)
        alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
        if image.mode.startswith(("I", "F")):  # 16-bit, 32-bit or float pixels (microscopy, masks)
            thumb = _stretched(image)
        else:
            thumb = image.convert("RGBA" if alpha else "RGB")
            thumb.thumbnail((THUMBNAIL, THUMBNAIL))
    out = io.BytesIO()
    if alpha:
        thumb.save(out, "PNG", optimize=True)
        media = "image/png"
    else:
        thumb.save(out, "JPEG", quality=82)
        media = "image/jpeg"
    return {
        "format": fmt,
        "width": width,
        "height": height,
        "thumbnail": f"data:{media};base64,{base64.b64encode(out.getvalue()).decode()}",
        "thumbnail_width": thumb.width,
        "thumbnail_height": thumb.height,
    }


def _stretched(image: Any) -> Any:
    """A grey thumbnail of an image of 16-bit, 32-bit or float pixels, its range stretched to 0-255:
    cast to 8 bits, a 12-bit microscopy image would be all white."""
    thumb = image.convert("F")
    thumb.thumbnail((THUMBNAIL, THUMBNAIL))
    low, high = thumb.getextrema()
    scale = 255 / (high - low) if high > low else 0
    return thumb.point(lambda value: (value - low) * scale).convert("L")


def _table(source: _Source, suffix: str) -> dict:
    """The first MAX_ROWS rows of the first MAX_COLUMNS columns, with every column's type."""
    import pyarrow as pa  # heavy, optional: loaded for the first table preview

    if suffix == ".parquet":
        import pyarrow.parquet as pq  # heavy: the first parquet preview

        parquet = pq.ParquetFile(source.open(), buffer_size=_PARQUET_BUFFER, pre_buffer=False)
        schema = parquet.schema_arrow
        names = schema.names[:MAX_COLUMNS]
        batches = parquet.iter_batches(batch_size=MAX_ROWS, columns=names) if parquet.num_row_groups else []
        head = next(iter(batches), None)
        n_rows, fmt = parquet.metadata.num_rows, "parquet"
    else:
        import pyarrow.csv as pcsv  # heavy: the first CSV preview

        stream: Any = source.open()
        if suffix.endswith(".gz"):
            stream = pa.CompressedInputStream(pa.PythonFile(stream, mode="r"), "gzip")
        delimiter = "\t" if suffix.startswith(".tsv") else ","
        reader = pcsv.open_csv(
            stream,
            # one thread: no blocks read ahead of the first one, which is all a preview shows
            read_options=pcsv.ReadOptions(block_size=_CSV_BLOCK, use_threads=False),
            parse_options=pcsv.ParseOptions(delimiter=delimiter),
        )
        schema = reader.schema
        names = schema.names[:MAX_COLUMNS]
        head = next(iter(reader), None)
        n_rows, fmt = None, suffix.lstrip(".").split(".")[0]  # a CSV's length is unknown unless read whole
    rows: list[list] = []
    if head is not None:
        head = head.slice(0, MAX_ROWS)
        columns = [head.column(name).to_pylist() for name in names]
        rows = [[_text(column[i]) for column in columns] for i in range(head.num_rows)]
    return {
        "format": fmt,
        "n_rows": n_rows,
        "n_columns": len(schema.names),
        "columns": [{"name": name, "type": str(schema.field(name).type)} for name in names],
        "rows": rows,
    }


def _anndata(source: _Source, suffix: str) -> dict:
    """Shape, X's type, obs columns with their first categories, the head of the var index, other keys."""
    import h5py  # an optional dependency (the bionty extra, with anndata)

    # a local file by its path: h5py's Python file-object driver leaves HDF5 a file list it frees at exit
    # by calling into the finished interpreter (a crash) when a read was stopped; S3 needs that driver
    source.check()
    with h5py.File(source.path if source.fs is None else source.open(), "r") as file:
        if "obs" not in file or "var" not in file:
            raise PreviewError("not an AnnData file: it has no obs or var")
        obs, var = file["obs"], file["var"]
        obs_index, var_index = _index(obs), _index(var)
        columns = []
        for name in _column_names(obs)[:MAX_COLUMNS]:
            source.check()  # a local file has no budgeted reads: the budget is checked per column
            columns.append(_obs_column(name, obs[name]))
        return {
            "n_obs": int(obs_index.shape[0]) if obs_index is not None else None,
            "n_vars": int(var_index.shape[0]) if var_index is not None else None,
            "x": _x_type(file.get("X")),
            "obs": columns,
            "n_obs_columns": len(_column_names(obs)),
            "var_head": [_text(v) for v in var_index[:MAX_ROWS]] if var_index is not None else [],
            "keys": {
                slot: sorted(file[slot].keys())[:MAX_COLUMNS]
                for slot in ("layers", "obsm", "varm", "obsp", "uns")
                if slot in file and isinstance(file[slot], h5py.Group)
            },
        }


def _index(group: Any) -> Any:
    """The dataset of a dataframe group's index (anndata's `_index` attribute names it)."""
    name = group.attrs.get("_index", "_index")
    name = name.decode() if isinstance(name, bytes) else name
    return group.get(name)


def _column_names(group: Any) -> list[str]:
    order = group.attrs.get("column-order")
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in (order if order is not None else [])]
    return names or [n for n in group if n != group.attrs.get("_index", "_index") and n != "__categories"]


def _obs_column(name: str, node: Any) -> dict:
    import h5py  # optional (the bionty extra), heavy: the first h5ad preview

    if isinstance(node, h5py.Group) and "categories" in node and "codes" in node:
        categories = node["categories"]
        return {
            "name": name,
            "type": "category",
            "categories": [_text(c) for c in categories[:MAX_CATEGORIES]],
            "n_categories": int(categories.shape[0]),
        }
    if isinstance(node, h5py.Dataset):
        kind = "string" if node.dtype.kind in "SOU" else str(node.dtype)
        return {"name": name, "type": kind}
    return {"name": name, "type": str(node.attrs.get("encoding-type", "group"))}


def _x_type(x: Any) -> dict | None:
    import h5py  # optional (the bionty extra), heavy: the first h5ad preview

    if isinstance(x, h5py.Dataset):
        return {"format": "dense", "dtype": str(x.dtype)}
    if isinstance(x, h5py.Group) and "data" in x:
        encoding = x.attrs.get("encoding-type", "sparse")
        return {"format": str(encoding), "dtype": str(x["data"].dtype)}
    return None


def _folder(source: _Source, suffix: str) -> dict:
    """The first MAX_FILES files (relative names and sizes, in name order), and whether there are more."""
    fs = source.fs
    files: list[dict] = []
    more = False
    if fs is None:
        root = Path(source.path)
        walker = ((Path(d), sorted(f)) for d, _, f in os.walk(root))  # never follows links out of the folder
        for folder, names in sorted(walker):
            for name in names:
                source.check()
                if len(files) == MAX_FILES:
                    more = True
                    break
                stat = (folder / name).lstat()
                files.append({"name": (folder / name).relative_to(root).as_posix(), "size": stat.st_size})
    else:
        prefix = source.path.rstrip("/") + "/"
        for folder, _, entries in fs.walk(source.path, detail=True):
            source.check()
            for name, info in sorted(entries.items()):
                if len(files) == MAX_FILES:
                    more = True
                    break
                relative = f"{folder}/{name}"[len(prefix) :]
                check_relative(relative, "an object name")
                files.append({"name": relative, "size": int(info.get("size") or 0)})
            if more:
                break
    return {"files": files, "more": more}


_READERS: dict[str, Callable[[_Source, str], dict]] = {
    "image": _image,
    "table": _table,
    "anndata": _anndata,
    "folder": _folder,
}


# -- the cache ---------------------------------------------------------------------------------------------


def _cache_folder() -> Path:
    return cache_dir() / "previews"


def _cache_key(artifact: Artifact, suffix: str, kind: str) -> str | None:
    """The cache entry of a preview: the content hash, suffix, kind and preview version (None: no hash)."""
    if not artifact.hash:
        return None

    # per instance: a record elsewhere with the same hash does not reach another instance's preview
    parts = [ensure_connected().uid, artifact.hash, suffix, kind, str(VERSION)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _cache_read(key: str) -> dict | None:
    path = _cache_folder() / f"{key}.json"
    try:
        data = json.loads(path.read_bytes())
        os.utime(path)  # recently used: evicted last
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _cache_write(key: str, result: dict) -> None:
    """Store a preview (atomically), then drop the oldest entries while the cache is over CACHE_BYTES."""
    folder = _cache_folder()
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{secrets.token_hex(4)}.tmp"
        tmp.write_text(json.dumps(result))
        os.replace(tmp, folder / f"{key}.json")
        entries = [(p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*.json")]
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= CACHE_BYTES:
                break
            path.unlink(missing_ok=True)
            total -= size
