"""Data lineage: `ln.track()` creates a Transform and a Run that saved records point to.

See `context` for how the Transform is chosen and `_source` for how the running notebook is found
(also headless: set `LAMIN_NOTEBOOK_PATH` in the kernel's environment or pass `path=`).
"""

from __future__ import annotations

import os
from typing import Any

from ._source import NotebookPathError
from .context import RunContext, TrackNotCalled, UpdateContext, VersionConflict, context

__all__ = [
    "NotebookPathError",
    "RunContext",
    "TrackNotCalled",
    "UpdateContext",
    "VersionConflict",
    "context",
    "finish",
    "track",
]


def track(transform: Any = None, *, path: str | os.PathLike[str] | None = None) -> None:
    """Track the running notebook or script: create or load its Transform and start a new Run.

    Records saved afterwards (with a `run` field) point to the run, until `ln.finish()`.

    Args:
        transform: A Transform uid: 12 characters (the stem; the version suffix is chosen, "0000" for a
            new transform) or 16 (one exact version). None derives the Transform from the file: same
            source (scripts) or same file name, else a new random uid. A Transform record is used as is.
        path: The notebook or script file, when it cannot be detected: a notebook is found through
            `LAMIN_NOTEBOOK_PATH`, VS Code, a headless runner's command line (`jupyter execute`,
            `jupyter nbconvert --execute`, `papermill`) or `JPY_SESSION_NAME` (JupyterLab); a script
            is `__main__.__file__`.

    Logs e.g. ``→ created Transform('Wc8F4siRSKMZ0000'), started new Run('DEx4Atk2...') at 2025-05-08
    07:32:19 UTC`` and, in notebooks, ``→ notebook imports: lamin_core==0.1.0 pandas==2.2.3``.

    Raises:
        ValueError: the uid does not have 12 or 16 base62 characters.
        NotebookPathError: in a notebook whose path cannot be found (pass `path=`).
        UpdateContext: a 16-character uid of a script whose saved source differs from the file.
    """
    context.track(transform, path=path)


def finish() -> None:
    """End the run started by `ln.track()`: sets `finished_at` and `_is_consecutive`, logs the duration.

    Afterwards no run is active: records saved later get no run, and `ln.finish()` again raises
    `TrackNotCalled`. Like LaminDB 1.5, `_status_code` stays 0.
    """
    context.finish()
