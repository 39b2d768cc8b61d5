"""Storage roots of the connected instance, cached per process (they never change once created)."""

from __future__ import annotations

from pathlib import Path

from ..errors import StorageError

# (instance uid, storage id) -> root; (instance uid, None) -> (id, root) of the instance's own storage
_roots: dict[tuple[str, int | None], object] = {}


def default_storage() -> tuple[int, str]:
    """(id, root) of the Storage record of the current instance's storage root."""
    from ..setup.instance import ensure_connected

    instance = ensure_connected()
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


def storage_root(storage_id: int) -> Path:
    """The local folder of the Storage record `storage_id`."""
    from ..setup.instance import ensure_connected

    instance = ensure_connected()
    root = _roots.get((instance.uid, storage_id))
    if root is None:
        from ..models import Storage

        root = Storage.all_objects.filter(id=storage_id).values_list("root", flat=True).first()
        if root is None:
            raise StorageError(f"no Storage record with id {storage_id}")
        _roots[(instance.uid, storage_id)] = root
    if "://" in root:  # type: ignore[operator]
        raise StorageError(f"storage {root} is not a local folder; only local storage is supported so far")
    return Path(root)  # type: ignore[arg-type]


def cache_dir() -> Path:
    """Folder for files written before they are saved (`from_df`, `from_anndata`): `$LAMIN_HOME/cache`."""
    from ..setup.settings import lamin_home

    path = lamin_home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
