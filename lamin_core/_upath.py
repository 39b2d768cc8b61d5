"""`ln.UPath`: universal_pathlib's `UPath` (local, S3 and other paths), as LaminDB 1.5.3 exports it.

universal_pathlib comes with the `s3` extra; without it, `ln.UPath` raises an ImportError that says so.
"""

from __future__ import annotations

from typing import Any

MISSING = (
    "ln.UPath needs universal_pathlib, which the s3 extra installs: pip install 'lamin-widgets[s3]' "
    "(or pip install universal_pathlib)"
)


def __getattr__(name: str) -> Any:
    if name == "UPath":
        try:
            from upath import UPath  # optional: the s3 extra
        except ImportError as error:
            raise ImportError(MISSING, name="upath") from error
        return UPath
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
