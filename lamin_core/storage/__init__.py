"""Where artifacts live: filesystems of storage roots, uid-based storage keys, suffixes, key checks and
atomic copies. The Storage records of the roots are in `lamin_core.models.instance`.

The copies and file statistics (`files`, which brings hashing) load on first use: `import lamin_core`
reads settings and markers through `filesystem` and `ownership` only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from .filesystem import is_remote, remote_errors, storage_filesystem, storage_path
from .keys import auto_storage_key, check_key, extract_suffix

if TYPE_CHECKING:
    from .files import copy_file, discard, file_stats, publish, remote_stats, stage, sync_to_cache

_FROM_FILES = ("copy_file", "discard", "file_stats", "publish", "remote_stats", "stage", "sync_to_cache")
__getattr__ = lazy_attributes(__name__, dict.fromkeys(_FROM_FILES, "files"))


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
