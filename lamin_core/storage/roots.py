"""Storage roots of the connected instance, cached per process (they never change once created).

The default root of new artifacts is the instance's own storage, unless this process switched it with
`ln.settings.storage = "s3://bucket/prefix"` (or another local folder), which creates a Storage record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StorageError
from .filesystem import check_storage, is_remote, normalize_root, storage_path, storage_type

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
    """
    from ..setup.instance import ensure_connected

    instance = ensure_connected()
    if is_remote(root):
        text = normalize_root(str(root))
        check_storage(text)
    else:
        path = Path(root).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        text = str(path)
    from ..models import Storage

    record = Storage.all_objects.filter(root=text).first()
    if record is None:
        record = Storage(root=text, type=storage_type(text), instance_uid=instance.uid).save()
    row = (record.id, record.root)
    _roots[(instance.uid, record.id)] = record.root
    if text == instance.storage:
        _default.pop(instance.uid, None)
    else:
        _default[instance.uid] = row
    return row


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
