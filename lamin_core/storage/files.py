"""Files and folders in storage: content statistics, and copies that appear whole or not at all.

A save copies data to a hidden temporary name next to its destination (`stage`), records it in the
database, then renames it into place (`publish`) inside the same transaction; any failure removes what
was copied (`discard`), so a failed save leaves neither a record nor a partial file behind.

Destinations are local paths (`pathlib.Path`) or S3 objects (`upath.UPath`). On S3, `stage` uploads to a
hidden temporary key (`upload_file`, the single function that uploads bytes) and `publish` copies it to
the final key on the server, then removes the temporary key; `download_file` fills the local cache.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from ..errors import UnsafePathError
from ..hashing import hash_dir, hash_file, hash_from_etag, hash_from_etags
from .containment import contained
from .filesystem import is_remote


def file_stats(path: Path) -> tuple[int, str, str, int | None]:
    """(size, hash, hash type, number of files or None) of a file or folder."""
    if path.is_dir():
        hash_, hash_type, n_files = hash_dir(path)
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return size, hash_, hash_type, n_files
    size = path.stat().st_size
    hash_, hash_type = hash_file(path)
    return size, hash_, hash_type, None


def copy_file(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Copy one file's content (the single place that copies bytes; tests inject failures here)."""
    shutil.copyfile(src, dst)


def remote_stats(path: Any) -> tuple[int, str | None, str | None, int | None, bool]:
    """(size, hash, hash type, number of files or None, is folder) of an S3 object or prefix, from its ETags.

    Like LaminDB's `get_stat_file_cloud` and `get_stat_dir_cloud`: nothing is downloaded.
    """
    fs, key = path.fs, path.path
    info = fs.info(key)
    if info.get("type") == "directory":
        objects = [o for o in fs.find(key, detail=True).values() if o.get("type") != "directory"]
        if not objects:
            raise ValueError(f"cannot hash empty directory {path}")
        etags = [o.get("ETag") for o in objects]
        size = sum(int(o.get("size") or 0) for o in objects)
        if any(etag is None for etag in etags):
            return size, None, None, len(objects), True
        hash_, hash_type = hash_from_etags(etags)  # type: ignore[arg-type]
        return size, hash_, hash_type, len(objects), True
    size = int(info.get("size") if info.get("size") is not None else info.get("Size", 0))
    etag = info.get("ETag")
    if etag is None:
        return size, None, None, None, False
    hash_, hash_type = hash_from_etag(etag)
    return size, hash_, hash_type, None, False


def upload_file(src: str | os.PathLike, dst: Any) -> None:
    """Upload one local file to an S3 path (the single place that uploads bytes; tests inject failures)."""
    dst.fs.put_file(os.fspath(src), dst.path)


def download_file(src: Any, dst: str | os.PathLike) -> None:
    """Download one S3 object to a local file (the single place that downloads bytes)."""
    src.fs.get_file(src.path, os.fspath(dst))


def copy_object(fs: Any, src: str, dst: str) -> None:
    """Copy one object to another key on the server (the single place that does; tests inject failures)."""
    fs.copy(src, dst)


def _remote_files(path: Any) -> list[str]:
    """Keys of the objects at an S3 path: the object itself, or every object below a prefix."""
    return sorted(path.fs.find(path.path))


def discard(path: Any) -> None:
    """Remove a file or folder (local or on S3) if it exists; never raises."""
    if path is None:
        return
    if is_remote(path):
        try:
            keys = _remote_files(path)
            if keys:
                path.fs.rm(keys)
        except Exception:
            pass
        return
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy a folder's files, stopping at the first failure (unlike shutil.copytree).

    Like `hash_dir`, it takes the content of linked files and skips linked folders.
    """
    dst.mkdir()
    for folder, subfolders, names in os.walk(src):
        target = dst / os.path.relpath(folder, src)
        subfolders[:] = [name for name in subfolders if not os.path.islink(os.path.join(folder, name))]
        for name in subfolders:
            (target / name).mkdir()
        for name in names:
            if os.path.isfile(os.path.join(folder, name)):
                copy_file(os.path.join(folder, name), target / name)


def _upload_tree(src: Path, dst: Any) -> None:
    """Upload a folder's files, stopping at the first failure; links as in `_copy_tree`."""
    for folder, subfolders, names in os.walk(src):
        relative = os.path.relpath(folder, src)
        target = dst if relative == "." else dst / Path(relative).as_posix()
        subfolders[:] = [name for name in subfolders if not os.path.islink(os.path.join(folder, name))]
        for name in sorted(names):
            if os.path.isfile(os.path.join(folder, name)):
                upload_file(os.path.join(folder, name), target / name)


def stage(src: Path, dst: Any) -> Any:
    """Copy a file or folder to a hidden temporary name next to `dst` and return that name."""
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.tmp")
    if is_remote(dst):
        try:
            if src.is_dir():
                _upload_tree(src, tmp)
            else:
                upload_file(src, tmp)
        except BaseException:
            discard(tmp)
            raise
        return tmp
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        if src.is_dir():
            _copy_tree(src, tmp)
        else:
            copy_file(src, tmp)
    except BaseException:
        discard(tmp)
        raise
    return tmp


def publish(tmp: Any, dst: Any) -> None:
    """Move a staged copy into place; refuses to replace an existing file or folder.

    On S3 the objects are copied on the server (a failure removes what was copied), then the staged
    keys are removed.
    """
    if is_remote(dst):
        fs = dst.fs
        if fs.exists(dst.path):
            raise FileExistsError(f"refusing to overwrite {dst}")
        sources = _remote_files(tmp)
        copied: list[str] = []
        try:
            for key in sources:
                target = dst.path + key[len(tmp.path) :]
                copy_object(fs, key, target)
                copied.append(target)
        except BaseException:
            if copied:
                with contextlib.suppress(Exception):
                    fs.rm(copied)
            raise
        discard(tmp)
        return
    if dst.exists():
        raise FileExistsError(f"refusing to overwrite {dst}")
    os.replace(tmp, dst)


def _mtime(info: dict) -> float | None:
    value = info.get("LastModified", info.get("mtime"))
    if value is None:
        return None
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _sync_object(fs: Any, key: str, info: dict, local: Path) -> None:
    """Download one object unless the local copy has its size and modification time."""
    size, mtime = int(info.get("size") or 0), _mtime(info)
    if local.is_file() and mtime is not None:
        stat = local.stat()
        if stat.st_size == size and abs(stat.st_mtime - mtime) < 1e-3:
            return
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = local.with_name(f".{local.name}.{secrets.token_hex(4)}.download")
    try:
        download_file(_Remote(fs, key), tmp)
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        os.replace(tmp, local)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class _Remote:
    """The two attributes of a UPath that `download_file` uses."""

    def __init__(self, fs: Any, path: str) -> None:
        self.fs, self.path = fs, path


def sync_to_cache(path: Any, cache: Path) -> Path:
    """A local copy of an S3 file or folder under `cache/<bucket>/<key>`, downloaded only when it changed.

    A cached file is reused while its size and modification time (set to the object's LastModified)
    match the object's; otherwise it is downloaded again (to a temporary name, then renamed). Every
    local name is checked to stay inside `cache` before anything is written: a folder with an object
    named `ds/../../x` or `ds//abs` is refused whole (storage/containment.py).
    """
    fs, key = path.fs, path.path
    local = contained(cache, key, "the cache path of")
    info = fs.info(key)
    if info.get("type") != "directory":
        _sync_object(fs, key, info, local)
        return local
    targets = []
    for name, entry in sorted(fs.find(key, detail=True).items()):
        if entry.get("type") == "directory":
            continue
        if not name.startswith(key + "/"):
            raise UnsafePathError(f"refusing the object {name!r}: it is not inside the folder {key!r}")
        relative = name[len(key) + 1 :]
        targets.append((name, entry, contained(local, relative, f"the object name (in {path})")))
    for name, entry, target in targets:
        _sync_object(fs, name, entry, target)
    return local
