"""Records of the connected instance: its storage roots (cached per process), the current user's record,
and the records a new instance starts with.

The setup layer below reaches these through hooks (`lamin_core.hooks`, bound in `apps.ready()`):
`ln.settings.storage`, `lamin cleanup`, `init` and `connect` need records, and the models need setup.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction

from .. import plugins
from ..errors import StorageError, StorageInUseError
from ..setup.instance import ensure_connected
from ..setup.settings import InstanceSettings, UserSettings
from ..storage.filesystem import check_storage, is_remote, normalize_root, storage_path, storage_type
from ..storage.ownership import (
    ARTIFACT_NAME_RE,
    RootContents,
    foreign_owner,
    inspect_root,
    write_storage_marker,
)
from .artifact import Artifact
from .storage import Storage
from .user import Space, User

# (instance uid, storage id) -> root; (instance uid, None) -> (id, root) of the instance's own storage
_roots: dict[tuple[str, int | None], object] = {}
# instance uid -> (id, root) of the default storage chosen in this process (`ln.settings.storage = ...`)
_default: dict[str, tuple[int, str]] = {}
# instance uid -> id of the current user's record
_user_ids: dict[str, int] = {}
_user_lock = threading.Lock()


def default_storage() -> tuple[int, str]:
    """(id, root) of the Storage record new artifacts go to: `ln.settings.storage`, else the instance's.

    The default root is the instance's own storage, unless this process switched it with
    `ln.settings.storage = "s3://bucket/prefix"` (or another local folder), which creates a Storage record.
    """
    instance = ensure_connected()
    chosen = _default.get(instance.uid)
    if chosen is not None:
        return chosen
    cached = _roots.get((instance.uid, None))
    if cached is not None:
        return cached  # type: ignore[return-value]
    row = Storage.all_objects.filter(root=instance.storage).values_list("id", "root").first()
    if row is None:
        raise StorageError(f"instance {instance.slug} has no Storage record for its root {instance.storage}")
    _roots[(instance.uid, None)] = row
    _roots[(instance.uid, row[0])] = row[1]
    return row


def set_default_storage(root: str | Path) -> tuple[int, str]:
    """Make `root` the default storage of new artifacts in this process; creates its Storage record.

    A remote root is checked first (the bucket must exist and be reachable); a local folder is created.
    A root that another instance or LaminDB marked, or whose `.lamindb/` holds artifact files this
    instance has no record of, is refused; an accepted root gets this instance's marker (ownership.py).
    """
    instance = ensure_connected()
    if is_remote(root):
        text = normalize_root(str(root))
        check_storage(text)
    else:
        text = str(Path(root).expanduser().resolve())
    contents = inspect_root(text)
    if contents.owner_uid != instance.uid:
        _check_claimable(contents, instance)
    if not is_remote(text):
        Path(text).mkdir(parents=True, exist_ok=True)
    record = Storage.all_objects.filter(root=text).first()
    if record is None:
        record = Storage(root=text, type=storage_type(text), instance_uid=instance.uid).save()
    if contents.owner_uid != instance.uid:
        write_storage_marker(text, instance.uid, instance.slug)
    row = (record.id, record.root)
    _roots[(instance.uid, record.id)] = record.root
    if text == instance.storage:
        _default.pop(instance.uid, None)
    else:
        _default[instance.uid] = row
    return row


def _check_claimable(contents: RootContents, instance: InstanceSettings) -> None:
    """Refuse a root marked by someone else, or holding artifact files of uids this instance lacks."""
    reason = foreign_owner(contents, instance.uid)
    if reason is None and contents.artifact_files:
        uid_of = {name: m.group(1) for name in contents.artifact_files if (m := ARTIFACT_NAME_RE.match(name))}
        known = known_artifact_uids(uid_of.values())
        strangers = [name for name in contents.artifact_files if uid_of.get(name) not in known]
        if strangers:
            contents.artifact_files = strangers
            reason = f"it holds {contents.files_text()} that instance {instance.slug} has no record of"
    if reason is not None:
        raise StorageInUseError(
            f"cannot store artifacts of {instance.slug} in {contents.root}: {reason}. Nothing was changed"
        )


def root_of(storage_id: int) -> str:
    """The root (local folder or `s3://bucket/prefix`) of the Storage record `storage_id`."""
    instance = ensure_connected()
    root = _roots.get((instance.uid, storage_id))
    if root is None:
        root = Storage.all_objects.filter(id=storage_id).values_list("root", flat=True).first()
        if root is None:
            raise StorageError(f"no Storage record with id {storage_id}")
        _roots[(instance.uid, storage_id)] = root
    return root  # type: ignore[return-value]


def storage_root(storage_id: int) -> Any:
    """The root of the Storage record `storage_id` as a path: `pathlib.Path`, or `upath.UPath` on S3."""
    return storage_path(root_of(storage_id))


def managed_roots(storage: str | None = None) -> list[str]:
    """The storage roots the connected instance manages (Storage records with its uid), or `storage`.

    Other roots are left alone unless named: another instance may keep its files under the same root.
    """
    instance = ensure_connected()
    if storage is not None:
        given = str(storage)
        root = given.rstrip("/") if "://" in given else str(Path(given).expanduser().resolve())
        if not Storage.all_objects.filter(root=root).exists():
            known = ", ".join(Storage.all_objects.order_by("id").values_list("root", flat=True)[:10])
            raise ValueError(
                f"{storage} is not a storage root of instance {instance.slug} (its roots: {known})"
            )
        return [root]
    roots = (
        Storage.all_objects.filter(instance_uid=instance.uid).order_by("id").values_list("root", flat=True)
    )
    return list(roots) or [instance.storage]


def known_artifact_uids(uids: Iterable[str]) -> set[str]:
    """The uids that have an Artifact record in any branch (visible, archive, trash)."""
    return set(Artifact.all_objects.filter(uid__in=set(uids)).values_list("uid", flat=True))


def current_user_record_id() -> int:
    """The id of the current user's record, created on first use in an instance."""
    instance = ensure_connected()
    user_id = _user_ids.get(instance.uid)
    if user_id is not None:
        return user_id
    with _user_lock:
        user = UserSettings.load()
        record, _ = User.objects.get_or_create(
            uid=user.uid, defaults={"handle": user.handle, "name": user.name}
        )
        if (record.handle, record.name) != (user.handle, user.name):
            record.handle, record.name = user.handle, user.name
            record.save()
        _user_ids[instance.uid] = record.id
        return record.id


def _reset_sequences(*models: Any) -> None:
    """After rows inserted with explicit ids: move PostgreSQL's sequences past them (SQLite needs none)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def seed_records(instance: InstanceSettings) -> None:
    """The records every instance has from the start: the user, the default space, the storage root."""
    with transaction.atomic():
        # migrations may have created the user already (they evaluate callable defaults of added columns)
        current_user_record_id()
        Space.objects.create(
            id=1, name="All", description="Every team & user with access to the instance has access."
        )
        _reset_sequences(Space)  # PostgreSQL: the next space gets id 2, not the taken 1
        kind = instance.storage.split("://", 1)[0] if "://" in instance.storage else "local"
        Storage.objects.create(root=instance.storage, type=kind, instance_uid=instance.uid)
        for module in instance.modules:  # bionty: the Source registry lists the bundled ontologies
            plugin = plugins.get(module)
            if plugin is not None and plugin.seed is not None:
                plugin.seed()
