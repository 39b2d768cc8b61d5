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


def track(
    transform: Any = None,
    *,
    project: Any = None,
    space: Any = None,
    params: dict[str, Any] | None = None,
    path: str | os.PathLike[str] | None = None,
) -> None:
    """Track the running notebook or script: create or load its Transform and start a new Run.

    Records saved afterwards (with a `run` field) point to the run, until `ln.finish()`.

    Args:
        transform: A Transform uid: 12 characters (the stem; the version suffix is chosen, "0000" for a
            new transform) or 16 (one exact version). None derives the Transform from the file: same
            source (scripts) or same file name, else a new random uid. A Transform record is used as is.
        project: A Project record, its name or uid (default: env `LAMIN_CURRENT_PROJECT`): linked to the
            transform and the run, and to every Artifact, Collection, Transform, Run, ULabel, Feature, Schema
            and Reference saved until `ln.finish()`.
        space: A Space record, its name or uid: records created until `ln.finish()` belong to it (except
            Storage, ULabel, Feature, Schema, Param and ontology records, as in LaminDB 1.5.3). Spaces are
            made on LaminHub; an instance without a hub has only the space "All" and enforces no access.
        params: `{param name: value}` stored as `run.params` (each name an `ln.Param` whose dtype the value
            fits); checked before anything is written.
        path: The notebook or script file, when it cannot be detected: a notebook is found through
            `LAMIN_NOTEBOOK_PATH`, VS Code, a headless runner's command line (`jupyter execute`,
            `jupyter nbconvert --execute`, `papermill`) or `JPY_SESSION_NAME` (JupyterLab); a script
            is `__main__.__file__`.

    Prints on standard output, as LaminDB 1.5.3, e.g. ``→ created Transform('Wc8F4siRSKMZ0000'), started new
    Run('DEx4Atk2...') at 2025-05-08 07:32:19 UTC``, ``→ params: alpha=0.1``, in notebooks ``→ notebook
    imports: lamin_core==0.1.0 pandas==2.2.3``, and ``• recommendation: ...`` when no uid was passed.

    Raises:
        ValueError: the uid does not have 12 or 16 base62 characters; a Transform record of type notebook
            or script (their metadata comes from the file).
        InvalidArgument: no project or space with that name or uid.
        ValidationError: a param that does not exist or a value that does not fit its dtype.
        NotebookPathError: in a notebook whose path cannot be found (pass `path=`).
        UpdateContext: a 16-character uid of a script whose saved source differs from the file.
    """
    context.track(transform, project=project, space=space, params=params, path=path)


def finish(ignore_non_consecutive: bool | None = None) -> None:
    """End the run started by `ln.track()`: sets `finished_at` and `_is_consecutive`, prints the duration.

    Afterwards no run (and no project or space) is active: records saved later get no run, and
    `ln.finish()` again raises `TrackNotCalled`. Like LaminDB 1.5, `_status_code` stays 0.

    Args:
        ignore_non_consecutive: For a notebook whose saved cells were not run in order: None (default)
            warns ``! cells [(1, 3)] were not run consecutively`` and finishes; True finishes without the
            warning; False asks whether to finish anyway and, unless answered ``y``, leaves the run active.
    """
    context.finish(ignore_non_consecutive=ignore_non_consecutive)
