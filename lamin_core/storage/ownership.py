"""Who owns a storage root: the marker files in `<root>/.lamindb/`, and what else lives there.

An instance's own root carries `.lamindb/instance.json` (written by `lamin init`); any further root an
instance stores artifacts in (`ln.settings.storage = ROOT`) carries `.lamindb/storage.json` naming that
instance. LaminDB marks its roots with `.lamindb/storage_uid.txt` (before: `.lamindb/_is_initialized`)
and keeps an SQLite instance's database as `<root>/<name>.lndb`.

Commands that remove files (`lamin cleanup`, `lamin delete --delete-data`) act only on roots whose marker
names the instance; `lamin init` and `ln.settings.storage` refuse roots that another instance or LaminDB
marked, or whose `.lamindb/` holds artifact files nobody claims (docs/SECURITY.md). Only files are read
here, through fsspec on S3 and the standard library in a local folder (`lamin init` reads a root's markers
before anything needs fsspec, ~40 ms to import); nothing touches a database.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StorageInUseError
from .filesystem import fs_path, is_remote, remote_errors, storage_filesystem
from .keys import MANAGED_DIR

INSTANCE_MARKER_NAME = "instance.json"
STORAGE_MARKER_NAME = "storage.json"
LAMINDB_MARKER_NAMES = ("storage_uid.txt", "_is_initialized")
# the instance's own files in .lamindb/: its markers, and an SQLite database with its journal files
SQLITE_FILE_NAMES = ("lamin.db", "lamin.db-wal", "lamin.db-shm", "lamin.db-journal", "lamin.db.migrate-lock")
OWN_FILE_NAMES = frozenset({INSTANCE_MARKER_NAME, STORAGE_MARKER_NAME, *SQLITE_FILE_NAMES})
# an artifact's file or folder (`<20-character uid><suffix>`), or one staged or being deleted by a save
ARTIFACT_NAME_RE = re.compile(r"^([0-9A-Za-z]{20})(\..*)?$")
TRANSIENT_NAME_RE = re.compile(r"^\..+\.(tmp|deleting)$")
_SHOWN = 3


@dataclass
class RootContents:
    """What a storage root holds that matters for ownership (names relative to the root)."""

    root: str
    owner_uid: str | None = None  # the instance uid our marker names
    owner_name: str | None = None  # its `owner/name`, as the marker gives it
    marker: str | None = None  # which of our markers named the owner
    lamindb_markers: list[str] = field(default_factory=list)  # LaminDB's markers and SQLite files
    artifact_files: list[str] = field(default_factory=list)  # names in .lamindb/: `<uid><suffix>`, staged

    @property
    def owner(self) -> str:
        """The owner as a user reads it: `testuser1/alpha (uid 3xY...)`."""
        return f"{self.owner_name or 'an unnamed instance'} (uid {self.owner_uid})"

    def files_text(self) -> str:
        """How many artifact files, with the first few names."""
        names = [f"{MANAGED_DIR}/{name}" for name in self.artifact_files[:_SHOWN]]
        shown = ", ".join(names) + (", ..." if len(self.artifact_files) > _SHOWN else "")
        n = len(self.artifact_files)
        return f"{n} artifact file{'s' if n != 1 else ''} ({shown})"


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def _names(fs, path: str) -> list[str]:
    """The names of the entries directly inside `path` (empty if it is missing or not a folder).

    Object stores may list a prefix's own placeholder key; it is left out.
    """
    try:
        entries = fs.ls(path, detail=False)
    except (FileNotFoundError, NotADirectoryError):
        return []
    own = path.rstrip("/")
    return sorted(e.rstrip("/").rsplit("/", 1)[-1] for e in entries if e.rstrip("/") != own)


class _LocalFolder:
    """What `inspect_root` asks of a filesystem, for a local root: fsspec's local answers."""

    @staticmethod
    def ls(path: str, detail: bool = False) -> list[str]:
        return [os.path.join(path, name) for name in os.listdir(path)]

    @staticmethod
    def cat_file(path: str) -> bytes:
        return Path(path).read_bytes()


def _guard(root: str, action: str):
    """Unreachable object storage as one StorageError naming the root; local roots as they are."""
    return remote_errors(root, action) if is_remote(root) else contextlib.nullcontext()


def _read_marker(fs, path: str) -> dict | None:
    try:
        data = json.loads(fs.cat_file(path))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def inspect_root(root: str) -> RootContents:
    """Read a root's markers and list the artifact files at the top of its `.lamindb/` folder."""
    fs = storage_filesystem(root) if is_remote(root) else _LocalFolder
    base = fs_path(root)
    contents = RootContents(root=root)
    with _guard(root, "reading the storage markers"):
        top = _names(fs, base)
        contents.lamindb_markers = [name for name in top if name.endswith(".lndb")]
        if MANAGED_DIR not in top:
            return contents
        managed = _join(base, MANAGED_DIR)
        inside = _names(fs, managed)
        for name in (INSTANCE_MARKER_NAME, STORAGE_MARKER_NAME):
            if name in inside:
                data = _read_marker(fs, _join(managed, name)) or {}
                uid = data.get("uid") if name == INSTANCE_MARKER_NAME else data.get("instance_uid")
                if contents.owner_uid is None:
                    contents.marker = f"{MANAGED_DIR}/{name}"
                    contents.owner_uid = str(uid) if uid else "unknown"
                    if name == INSTANCE_MARKER_NAME and data.get("owner") and data.get("name"):
                        contents.owner_name = f"{data['owner']}/{data['name']}"
                    elif name == STORAGE_MARKER_NAME and data.get("instance"):
                        contents.owner_name = str(data["instance"])
        contents.lamindb_markers += [f"{MANAGED_DIR}/{n}" for n in LAMINDB_MARKER_NAMES if n in inside]
        contents.artifact_files = [
            name
            for name in inside
            if name not in OWN_FILE_NAMES and (ARTIFACT_NAME_RE.match(name) or TRANSIENT_NAME_RE.match(name))
        ]
    return contents


def foreign_owner(contents: RootContents, instance_uid: str | None) -> str | None:
    """Why the root belongs to someone other than `instance_uid` (None: no one else marked it)."""
    ours = instance_uid is not None and contents.owner_uid == instance_uid
    if contents.owner_uid is not None and not ours:
        return f"it is a storage root of the lamin instance {contents.owner} ({contents.marker})"
    if contents.lamindb_markers and not ours:
        return f"it was initialised by LaminDB ({', '.join(contents.lamindb_markers)})"
    return None


def check_unclaimed(root: str, *, what: str) -> RootContents:
    """Refuse a root that another instance or LaminDB marked, or whose `.lamindb/` holds artifact files.

    `what` says what the caller wanted to do, for the error (`create an instance`).
    """
    contents = inspect_root(root)
    reason = foreign_owner(contents, None)
    if reason is None and contents.artifact_files:
        reason = (
            f"it holds {contents.files_text()} that no instance marker claims; "
            "they may be another instance's data"
        )
    if reason is not None:
        raise StorageInUseError(
            f"cannot {what} in {root}: {reason}. Nothing was changed; pick another folder, or connect to "
            "the instance that owns it"
        )
    return contents


def write_storage_marker(root: str, instance_uid: str, instance_name: str) -> None:
    """Mark `root` as a storage root of the instance (`.lamindb/storage.json`)."""
    fs = storage_filesystem(root)
    managed = _join(fs_path(root), MANAGED_DIR)
    data = {"instance_uid": instance_uid, "instance": instance_name, "root": root}
    with _guard(root, "writing the storage marker"):
        if not is_remote(root):
            fs.makedirs(managed, exist_ok=True)
        fs.pipe_file(_join(managed, STORAGE_MARKER_NAME), json.dumps(data, indent=2).encode())


def check_owned(root: str, instance_uid: str, instance_name: str, *, action: str) -> None:
    """Raise unless the root's marker names this instance: commands that remove files need that."""
    contents = inspect_root(root)
    if contents.owner_uid == instance_uid:
        return
    reason = foreign_owner(contents, instance_uid)
    if reason is None:
        reason = (
            "it carries no marker naming an instance; mark it from its instance with "
            f"`ln.settings.storage = {root!r}`"
        )
    raise StorageInUseError(f"refusing to {action} in {root}: {reason}, not of {instance_name}")
