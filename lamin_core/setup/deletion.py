"""`lamin-core delete`: forget an instance; its SQLite database goes only when confirmed, its data files only
when asked for by name (`--delete-data`), and never files outside `<root>/.lamindb/`.

What may go, by instance kind (docs/SECURITY.md):

- always: the settings file `$LAMIN_HOME/instances/<name>.json` (the instance is no longer current);
- SQLite: the database file and the root's instance marker (the records are lost: confirmation needed);
- PostgreSQL: nothing else; the database and the marker stay, so `lamin-core connect <root>` finds it again;
- `--delete-data` (SQLite only): the artifact files in `.lamindb/` of every root whose marker names the
  instance, and those markers.

On a terminal the command lists what it will remove and keep, and asks. Without a terminal (scripts,
CI, notebooks) a call that would remove a database or data files refuses unless `yes=True` (`--yes`).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .._logger import logger
from ..errors import LaminError
from ..storage.filesystem import fs_path, is_remote, remote_errors, storage_filesystem
from ..storage.keys import MANAGED_DIR
from ..storage.ownership import INSTANCE_MARKER_NAME, STORAGE_MARKER_NAME, inspect_root
from .django_config import close_connections, configured_instance
from .orphans import human_size
from .settings import InstanceSettings, current_instance_name, set_current_instance


@dataclass
class OwnedRoot:
    """A storage root whose marker names the instance, with the artifact files in its `.lamindb/`."""

    root: str
    files: list[str]  # names inside .lamindb/
    n_bytes: int


@dataclass
class DeletePlan:
    """What `delete` removes and what it keeps, as lines a user reads before saying yes."""

    instance: InstanceSettings
    delete_data: bool
    roots: list[OwnedRoot] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    keeps: list[str] = field(default_factory=list)

    @property
    def destructive(self) -> bool:
        """True if records or data files would be lost (an SQLite database, artifact files)."""
        return self.instance.is_sqlite or self.delete_data

    def text(self) -> str:
        lines = [f"Deleting lamin instance {self.instance.slug} removes:"]
        lines += [f"  - {line}" for line in self.removes]
        if self.keeps:
            lines.append("and keeps:")
            lines += [f"  - {line}" for line in self.keeps]
        return "\n".join(lines)


def _sqlite_counts(path: Path) -> str:
    """`12 artifacts, 3 collections` from an SQLite database, read-only; empty if it cannot be read."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            parts = []
            for table, what in (("lamin_core_artifact", "artifact"), ("lamin_core_collection", "collection")):
                n = conn.execute(f"select count(*) from {table}").fetchone()[0]
                parts.append(f"{n} {what}{'s' if n != 1 else ''}")
            return ", ".join(parts)
    except sqlite3.Error:
        return ""


def _sqlite_roots(instance: InstanceSettings) -> list[str]:
    """The storage roots the instance's SQLite database records as its own."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{instance.sqlite_path}?mode=ro", uri=True)) as conn:
            rows = conn.execute(
                "select root from lamin_core_storage where instance_uid = ? order by id", (instance.uid,)
            ).fetchall()
    except sqlite3.Error:
        return [instance.storage]
    return [instance.storage, *(root for (root,) in rows if root != instance.storage)]


def _owned_root(root: str, instance: InstanceSettings) -> OwnedRoot | None:
    """The root with its artifact files, if its marker names the instance (else None: never touched)."""
    try:
        contents = inspect_root(root)
    except (LaminError, OSError) as e:
        logger.warning(f"could not read storage {root}: {e}")
        return None
    if contents.owner_uid != instance.uid:
        return None
    fs, managed = storage_filesystem(root), f"{fs_path(root).rstrip('/')}/{MANAGED_DIR}"
    n_bytes = 0
    for name in contents.artifact_files:
        with contextlib.suppress(OSError):
            n_bytes += int(fs.du(f"{managed}/{name}", total=True) or 0)
    return OwnedRoot(root, contents.artifact_files, n_bytes)


def plan_delete(instance: InstanceSettings, delete_data: bool = False) -> DeletePlan:
    """Work out what deleting the instance removes and keeps; refuses what would orphan records."""
    if delete_data and not instance.is_sqlite:
        raise LaminError(
            f"--delete-data would remove the files of {instance.slug} while its PostgreSQL database "
            f"{instance.db_display} keeps their records: delete the artifacts first "
            "(ln.Artifact.filter().delete(permanent=True)), or drop the database; nothing was changed"
        )
    plan = DeletePlan(instance, delete_data)
    plan.removes.append(f"its settings file {InstanceSettings.path_for(instance.name)}")
    roots = _sqlite_roots(instance) if instance.is_sqlite else [instance.storage]
    plan.roots = [owned for root in roots if (owned := _owned_root(root, instance)) is not None]
    if instance.is_sqlite:
        counts = _sqlite_counts(instance.sqlite_path)
        records = f" with the records of {counts}" if counts else ""
        plan.removes.append(f"its SQLite database {instance.sqlite_path}{records}")
        plan.removes.append(f"its marker {instance.storage}/{MANAGED_DIR}/{INSTANCE_MARKER_NAME}")
    else:
        plan.keeps.append(
            f"its PostgreSQL database {instance.db_display} and the marker in {instance.storage}: "
            f"`lamin-core connect {instance.storage}` connects it again"
        )
    for owned in plan.roots:
        where = f"{owned.root}/{MANAGED_DIR}/"
        n = len(owned.files)
        files = f"{n} artifact file{'s' if n != 1 else ''} ({human_size(owned.n_bytes)}) in {where}"
        if delete_data:
            plan.removes.append(files)
        elif n:
            plan.keeps.append(files)
    plan.keeps.append("every file outside .lamindb/ (artifacts registered in place, anything else)")
    return plan


def _confirm(plan: DeletePlan, yes: bool, ask: Callable[[str], str] | None) -> None:
    """Ask on a terminal; without one refuse a destructive delete unless `yes`."""
    if yes:
        return
    interactive = ask is not None or (sys.stdin is not None and sys.stdin.isatty())
    if not interactive:
        if not plan.destructive:
            return
        raise LaminError(
            f"refusing to delete instance {plan.instance.slug} without confirmation: "
            + "; ".join(plan.removes[1:])
            + " would be lost. Run `lamin-core delete` on a terminal to be asked, or pass --yes (yes=True); "
            "nothing was changed"
        )
    print(plan.text())
    answer = (ask or input)(f"Delete instance {plan.instance.slug}? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise LaminError(f"kept instance {plan.instance.slug}: nothing was deleted")


def _remove_managed(root: str, names: list[str]) -> None:
    """Remove the named entries of `<root>/.lamindb/`, then the folder (and a local root) if empty."""
    fs = storage_filesystem(root)
    managed = f"{fs_path(root).rstrip('/')}/{MANAGED_DIR}"
    guard = remote_errors(root, "deleting data files") if is_remote(root) else contextlib.nullcontext()
    with guard:
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                fs.rm(f"{managed}/{name}", recursive=True)
    if not is_remote(root):
        for folder in (Path(managed), Path(root)):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty


def delete(
    name: str,
    *,
    delete_data: bool = False,
    yes: bool = False,
    force: bool = False,
    ask: Callable[[str], str] | None = None,
) -> DeletePlan:
    """Delete an instance: its settings and, for SQLite, its database (when confirmed); never data files
    unless `delete_data=True`. `yes=True` (LaminDB's `force=True`) confirms without asking; `ask` replaces
    the terminal prompt. Returns what was removed and kept."""
    instance = InstanceSettings.load(name.split("/")[-1])
    plan = plan_delete(instance, delete_data)
    _confirm(plan, yes or force, ask)
    active = configured_instance()
    if active is not None and active.uid == instance.uid:
        close_connections()
    if instance.is_sqlite:
        _delete_sqlite(instance)
        if not instance.remove_marker():
            marker = f"{instance.storage}/{MANAGED_DIR}/{INSTANCE_MARKER_NAME}"
            logger.warning(f"could not remove the marker {marker}; remove it by hand")
    for owned in plan.roots:
        _remove_managed(owned.root, [*owned.files, STORAGE_MARKER_NAME] if delete_data else [])
    InstanceSettings.path_for(instance.name).unlink(missing_ok=True)
    if current_instance_name() == instance.name:
        set_current_instance(None)
    for line in plan.keeps:
        logger.info(f"kept {line}")
    logger.success(f"deleted instance {instance.slug}")
    return plan


def _delete_sqlite(instance: InstanceSettings) -> None:
    """Remove the SQLite database and its journal files (for S3 storage: its local folder)."""
    path = instance.sqlite_path
    if instance.is_remote:
        shutil.rmtree(path.parent, ignore_errors=True)
        return
    for suffix in ("", "-wal", "-shm", "-journal", ".migrate-lock"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
