"""Where artifacts live: filesystems of storage roots, uid-based storage keys, suffixes, key checks and
atomic copies. The Storage records of the roots are in `lamin_core.models.instance`.

The copies and file statistics (`files`, which brings hashing) load on first use: `import lamin_core`
reads settings and markers through `filesystem` and `ownership` only."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .filesystem import is_remote, remote_errors, storage_filesystem, storage_path
from .keys import auto_storage_key, check_key, extract_suffix

if TYPE_CHECKING:
    from .files import copy_file, discard, file_stats, publish, remote_stats, stage, sync_to_cache

_FROM_FILES = {"copy_file", "discard", "file_stats", "publish", "remote_stats", "stage", "sync_to_cache"}


def __getattr__(name: str):
    if name in _FROM_FILES:
        return getattr(import_module(".files", __name__), name)
    raise AttributeError(f"module 'lamin_core.storage' has no attribute {name!r}")


__all__ = [
    "auto_storage_key",
    "check_key",
    "copy_file",
    "discard",
    "extract_suffix",
    "file_stats",
    "is_remote",
    "publish",
    "remote_errors",
    "remote_stats",
    "stage",
    "storage_filesystem",
    "storage_path",
    "sync_to_cache",
]
