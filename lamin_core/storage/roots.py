"""Storage roots of the connected instance, cached per process (they never change once created).

The default root of new artifacts is the instance's own storage, unless this process switched it with
`ln.settings.storage = "s3://bucket/prefix"` (or another local folder), which creates a Storage record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StorageError, StorageInUseError
from .filesystem import check_storage, is_remote, normalize_root, storage_path, storage_type
from .ownership import ARTIFACT_NAME_RE, RootContents, foreign_owner, inspect_root, write_storage_marker

# (instance uid, storage id) -> root; (instance uid, None) -> (id, root) of the instance's own storage
_roots: dict[tuple[str, int | None], object] = {}
# instance uid -> (id, root) of the default storage chosen in this process (`ln.settings.storage = ...`)
_default: dict[str, tuple[int, str]] = {}


def default_storage() -> tuple[int, str]:
    """(id, root) of the Storage record new artifacts go to: `ln.settings.storage`, else the instance's."""
    from ..setup.instance import ensure_connected

    instance = ensure_connected()
    chosen = _default.get(instance.uid)
    if chosen is not None:
        return chosen
    cached = _roots.get((instance.uid, None))
    if cached is not None:
        return cached  # type: ignore[return-value]
    from ..models import Storage

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
    from ..setup.instance import ensure_connected

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
    from ..models import Storage

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


def _check_claimable(contents: RootContents, instance) -> None:
    """Refuse a root marked by someone else, or holding artifact files of uids this instance lacks."""
    reason = foreign_owner(contents, instance.uid)
    if reason is None and contents.artifact_files:
        from ..models import Artifact

        uid_of = {name: m.group(1) for name in contents.artifact_files if (m := ARTIFACT_NAME_RE.match(name))}
        known = set(Artifact.all_objects.filter(uid__in=set(uid_of.values())).values_list("uid", flat=True))
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
    from ..setup.instance import ensure_connected

    instance = ensure_connected()
    root = _roots.get((instance.uid, storage_id))
    if root is None:
        from ..models import Storage

        root = Storage.all_objects.filter(id=storage_id).values_list("root", flat=True).first()
        if root is None:
            raise StorageError(f"no Storage record with id {storage_id}")
        _roots[(instance.uid, storage_id)] = root
    return root  # type: ignore[return-value]


def storage_root(storage_id: int) -> Any:
    """The root of the Storage record `storage_id` as a path: `pathlib.Path`, or `upath.UPath` on S3."""
    return storage_path(root_of(storage_id))


def cache_dir() -> Path:
    """Folder for files written before they are saved (`from_df`, `from_anndata`): `$LAMIN_HOME/cache`.

    Downloaded copies of S3 artifacts live below it too, under `<bucket>/<key>`.
    """
    from ..setup.settings import lamin_home

    path = lamin_home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
