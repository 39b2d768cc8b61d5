"""Where artifacts live: filesystems of storage roots, uid-based storage keys, suffixes, key checks and
atomic copies. The Storage records of the roots are in `lamin_core.models.instance`."""

from .files import copy_file, discard, file_stats, publish, remote_stats, stage, sync_to_cache
from .filesystem import is_remote, remote_errors, storage_filesystem, storage_path
from .keys import auto_storage_key, check_key, extract_suffix

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
