"""Files and folders on local storage: content statistics, and copies that appear whole or not at all.

A save copies data to a hidden temporary name next to its destination (`stage`), records it in the
database, then renames it into place (`publish`) inside the same transaction; any failure removes what
was copied (`discard`), so a failed save leaves neither a record nor a partial file behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from ..hashing import hash_dir, hash_file


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


def discard(path: Path | None) -> None:
    """Remove a file or folder if it exists; never raises."""
    if path is None:
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


def stage(src: Path, dst: Path) -> Path:
    """Copy a file or folder to a hidden temporary name next to `dst` and return that name."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.tmp")
    try:
        if src.is_dir():
            _copy_tree(src, tmp)
        else:
            copy_file(src, tmp)
    except BaseException:
        discard(tmp)
        raise
    return tmp


def publish(tmp: Path, dst: Path) -> None:
    """Move a staged copy into place; refuses to replace an existing file or folder."""
    if dst.exists():
        raise FileExistsError(f"refusing to overwrite {dst}")
    os.replace(tmp, dst)
