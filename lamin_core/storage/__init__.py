"""Where artifacts live: storage roots, uid-based storage keys, suffixes, key checks and atomic copies."""

from .files import copy_file, discard, file_stats, publish, stage
from .keys import auto_storage_key, check_key, extract_suffix
from .roots import cache_dir, default_storage, storage_root

__all__ = [
    "auto_storage_key",
    "cache_dir",
    "check_key",
    "copy_file",
    "default_storage",
    "discard",
    "extract_suffix",
    "file_stats",
    "publish",
    "stage",
    "storage_root",
]
