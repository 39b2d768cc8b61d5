"""Where artifacts live: storage roots, uid-based storage keys, suffixes, key checks and atomic copies."""

from .files import copy_file, discard, file_stats, publish, remote_stats, stage, sync_to_cache
from .filesystem import is_remote, remote_errors, storage_filesystem, storage_path
from .keys import auto_storage_key, check_key, extract_suffix
from .roots import cache_dir, default_storage, root_of, set_default_storage, storage_root

__all__ = [
    "auto_storage_key",
    "cache_dir",
    "check_key",
    "copy_file",
    "default_storage",
    "discard",
    "extract_suffix",
    "file_stats",
    "is_remote",
    "publish",
    "remote_errors",
    "remote_stats",
    "root_of",
    "set_default_storage",
    "stage",
    "storage_filesystem",
    "storage_path",
    "storage_root",
    "sync_to_cache",
]
