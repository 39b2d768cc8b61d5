"""`lamin cleanup`: remove files in an instance's managed folders (`<root>/.lamindb/`) that no record owns.

A save stages its copy under a hidden `.<name>.<hex>.tmp` name, renames it to `<uid><suffix>` inside the
transaction and commits; a permanent delete renames the file to `.<name>.<hex>.deleting` before it
removes it. A process killed between those steps (SIGKILL, power loss) leaves such a file behind with no
record pointing to it. This module finds them: at the top level of `.lamindb/` of every storage root the
current instance manages, it lists

- staged copies (`.*.tmp`) and files of deletions (`.*.deleting`) — except that the file of a delete
  that never committed (its artifact record still exists, its own file is missing) is renamed back,
- files and folders named `<uid><suffix>` (a 20-character artifact uid) whose uid has no Artifact record
  in any branch (visible, archived or trash: `Artifact.all_objects`),

that were last modified more than `older_than` seconds ago (default 1 hour: a save in progress may still
own a young file). It acts only on roots whose marker (`instance.json` or `storage.json`) names this
instance, and refuses others, naming their owner (storage/ownership.py): another instance's or LaminDB's
files are never taken for orphans. It never touches the instance's own files (markers, the SQLite
database and its `-wal`, `-shm`, `-journal` files), any other name, or anything outside `.lamindb/`.
Storage is read through fsspec, so object-store roots work as well as local folders.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import hooks
from ..errors import StorageInUseError
from ..storage.filesystem import fs_path, is_remote, remote_errors
from ..storage.filesystem import storage_filesystem as filesystem_of
from ..storage.keys import MANAGED_DIR
from ..storage.ownership import (
    ARTIFACT_NAME_RE,
    LAMINDB_MARKER_NAMES,
    OWN_FILE_NAMES,
    TRANSIENT_NAME_RE,
    check_owned,
)
from .instance import ensure_connected

DEFAULT_OLDER_THAN = 3600.0
# the instance's own files in .lamindb (and LaminDB's markers): never candidates, whatever their age
PROTECTED = OWN_FILE_NAMES | frozenset(LAMINDB_MARKER_NAMES)
# `.<name>.<hex>.deleting`: the file `<name>` of a permanent delete, renamed before the delete commits
_DELETING_RE = re.compile(r"^\.(.+)\.[0-9a-f]{4,}\.deleting$")
_QUERY_CHUNK = 500


@dataclass
class Orphan:
    """A file or folder no record owns."""

    path: str  # a local path, or a URL (s3://bucket/key)
    size: int
    age: float  # seconds since its last modification
    reason: str  # "staged copy", "deletion", "no record", "deletion that did not commit"
    restore_to: str | None = None  # a deleted file whose record exists (the delete rolled back): put back


@dataclass
class CleanupReport:
    """What `cleanup` found and removed."""

    dry_run: bool
    older_than: float
    roots: list[str] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)  # old enough: removed (or would be, dry run)
    restored: list[Orphan] = field(default_factory=list)  # files of live records put back (or would be)
    young: list[Orphan] = field(default_factory=list)  # orphans inside the grace period: kept
    errors: list[str] = field(default_factory=list)  # removals that failed

    @property
    def n_files(self) -> int:
        return len(self.orphans)

    @property
    def n_bytes(self) -> int:
        return sum(o.size for o in self.orphans)

    def summary(self) -> str:
        """Lines for the command line: each file, then the totals."""
        verb = "would remove" if self.dry_run else "removed"
        put_back = "would restore" if self.dry_run else "restored"
        lines = [
            f"{put_back} {o.path} as {o.restore_to} ({o.reason}: its record exists)" for o in self.restored
        ]
        lines += [
            f"{verb} {o.path} ({human_size(o.size)}, {o.reason}, {_age(o.age)} old)" for o in self.orphans
        ]
        total = f"{verb} {self.n_files} file{'s' if self.n_files != 1 else ''} ({human_size(self.n_bytes)})"
        total += f" in {len(self.roots)} storage root{'s' if len(self.roots) != 1 else ''}"
        if self.young:
            total += (
                f"; kept {len(self.young)} newer than {self.older_than:g} s (a save may still be in progress)"
            )
        if self.restored:
            total += f"; {put_back} {len(self.restored)} file{'s' if len(self.restored) != 1 else ''}"
        lines.append(total)
        lines += [f"error: {e}" for e in self.errors]
        return "\n".join(lines)


def human_size(n: int) -> str:
    """`512 B`, `1.5 KB`, `3.2 MB`: a size for messages."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def storage_filesystem(root: str):
    """(fsspec filesystem, path of `root` in it), through the storage layer (local folders and S3)."""
    return filesystem_of(root), fs_path(root)


def _mtime(info: dict[str, Any]) -> float | None:
    """Last modification (epoch seconds) from an fsspec `info` dict (local, S3 and others)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, int | float):
            return float(value)
        if hasattr(value, "timestamp"):
            return value.timestamp()
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


def _newest_and_size(fs, info: dict[str, Any]) -> tuple[float | None, int]:
    """(newest modification time, total size) of a file, or of a folder's whole tree."""
    if info.get("type") != "directory":
        return _mtime(info), int(info.get("size") or 0)
    newest = _mtime(info)
    size = 0
    for entry in fs.find(info["name"], withdirs=True, detail=True).values():
        mtime = _mtime(entry)
        if mtime is not None:
            newest = mtime if newest is None else max(newest, mtime)
        if entry.get("type") != "directory":
            size += int(entry.get("size") or 0)
    return newest, size


def find_orphans(root: str, *, older_than: float = DEFAULT_OLDER_THAN, now: float | None = None):
    """([old orphans], [young orphans]) in `<root>/.lamindb/` of the connected instance's database."""
    fs, base = storage_filesystem(root)
    managed = f"{base.rstrip('/')}/{MANAGED_DIR}"
    if not fs.exists(managed):
        return [], []
    now = time.time() if now is None else now
    candidates: list[tuple[dict[str, Any], str, str | None]] = []  # (info, reason, restore to)
    by_uid: dict[str, list[dict[str, Any]]] = {}
    deletions: list[tuple[dict[str, Any], str | None]] = []  # (info, uid of the deleted file)
    listing = fs.ls(managed, detail=True)
    names = {info["name"].rstrip("/").rsplit("/", 1)[-1] for info in listing}
    for info in listing:
        name = info["name"].rstrip("/").rsplit("/", 1)[-1]
        if name in PROTECTED or name.startswith("lamin.db"):
            continue
        transient = TRANSIENT_NAME_RE.match(name)
        if transient and transient.group(1) == "tmp":
            candidates.append((info, "staged copy", None))
        elif transient:
            deleted = _DELETING_RE.match(name)
            uid = ARTIFACT_NAME_RE.match(deleted.group(1)) if deleted else None
            deletions.append((info, uid.group(1) if uid else None))
        elif match := ARTIFACT_NAME_RE.match(name):
            by_uid.setdefault(match.group(1), []).append(info)
    uids = list({*by_uid, *(uid for _, uid in deletions if uid)})
    owned: set[str] = set()
    for start in range(0, len(uids), _QUERY_CHUNK):
        chunk = uids[start : start + _QUERY_CHUNK]
        owned.update(hooks.known_artifact_uids(chunk))
    for uid, infos in by_uid.items():
        if uid not in owned:
            candidates += [(info, "no record", None) for info in infos]
    for info, uid in deletions:
        original = _DELETING_RE.match(info["name"].rstrip("/").rsplit("/", 1)[-1]).group(1) if uid else None
        if uid in owned and original not in names:
            # killed between renaming the file and committing the delete: the record is still there
            candidates.append((info, "deletion that did not commit", f"{managed}/{original}"))
        else:
            candidates.append((info, "deletion", None))
    old: list[Orphan] = []
    young: list[Orphan] = []
    scheme = f"{root.split('://', 1)[0]}://" if "://" in root else ""

    def url(path: str) -> str:
        return scheme + path if scheme and "://" not in path else path

    for info, reason, restore_to in candidates:
        newest, size = _newest_and_size(fs, info)
        age = max(0.0, now - newest) if newest is not None else float("inf")
        orphan = Orphan(
            url(info["name"].rstrip("/")), size, age, reason, url(restore_to) if restore_to else None
        )
        (old if age >= older_than else young).append(orphan)
    old.sort(key=lambda o: o.path)
    young.sort(key=lambda o: o.path)
    return old, young


def cleanup(
    older_than: float = DEFAULT_OLDER_THAN, dry_run: bool = False, storage: str | None = None
) -> CleanupReport:
    """Remove files under `<root>/.lamindb/` that no artifact record owns and that are older than
    `older_than` seconds: staged copies of interrupted saves (`.*.tmp`), leftovers of interrupted
    deletions (`.*.deleting`) and `<uid><suffix>` files whose uid has no record in any branch.

    Looks at every storage root the instance manages, or only at `storage` (any root of its Storage
    registry). `dry_run=True` only lists them. Returns a `CleanupReport` (`.orphans`, `.n_files`, `.n_bytes`,
    `.summary()`).
    """
    if older_than < 0:
        raise ValueError(f"older_than must be >= 0 seconds, got {older_than}")
    instance = ensure_connected()
    report = CleanupReport(dry_run=dry_run, older_than=float(older_than))
    for root in hooks.managed_roots(storage):
        with _errors_of(root):
            try:
                check_owned(root, instance.uid, instance.slug, action="clean up")
            except StorageInUseError as e:
                if storage is not None:
                    raise
                report.errors.append(str(e))
                continue
            report.roots.append(root)
            _clean_root(root, report, older_than, dry_run)
    return report


def _errors_of(root: str):
    """Unreachable object storage as one StorageError naming the root (the storage layer's wrapper)."""
    return remote_errors(root, "cleaning up") if is_remote(root) else contextlib.nullcontext()


def _clean_root(root: str, report: CleanupReport, older_than: float, dry_run: bool) -> None:
    """Find the orphans of one root; remove them (or put deleted files of live records back)."""
    old, young = find_orphans(root, older_than=older_than)
    report.young += young
    if dry_run:
        report.orphans += [o for o in old if o.restore_to is None]
        report.restored += [o for o in old if o.restore_to is not None]
        return
    fs, _ = storage_filesystem(root)
    for orphan in old:
        if orphan.restore_to is not None:
            try:
                fs.mv(orphan.path, orphan.restore_to, recursive=True)
            except OSError as e:
                report.errors.append(f"could not restore {orphan.path} as {orphan.restore_to}: {e}")
            else:
                report.restored.append(orphan)
            continue
        try:
            fs.rm(orphan.path, recursive=True)
        except FileNotFoundError:
            continue  # removed meanwhile (by another cleanup)
        except OSError as e:
            report.errors.append(f"could not remove {orphan.path}: {e}")
            continue
        report.orphans.append(orphan)
