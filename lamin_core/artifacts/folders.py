"""`Artifact.from_dir`: one artifact per file of a folder, keyed by the file's place in the folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._logger import logger
from ..errors import InvalidArgument
from ..models.instance import default_storage
from ..storage import check_key, is_remote
from .create import _local_storage_containing, local_path

if TYPE_CHECKING:
    from ..models import Artifact


def artifacts_from_dir(model: type[Artifact], path: Any, key: str | None = None, run: Any = None) -> list:
    """Unsaved artifacts (or the saved ones with the same content) of every file below `path`.

    The files' keys are `<folder key>/<relative path>`: the folder key is `key`, else the folder's path
    inside a registered storage location (its files are registered in place there), else its name
    (the files are copied into the default storage on save). Only local folders.
    """
    if (isinstance(path, str) and is_remote(path)) or not isinstance(path, str | os.PathLike):
        raise InvalidArgument(f"from_dir() takes a local folder, got {path!r}")
    folder = local_path(path)
    if not folder.is_dir():
        raise InvalidArgument(f"from_dir() takes a folder, {folder} is a file: use ln.Artifact(path)")
    storage_id, root = default_storage()
    in_storage = _local_storage_containing(folder, (storage_id, root))
    if key is None:
        if in_storage is None:
            folder_key = folder.resolve().name
            logger.warning(
                f"folder is outside existing storage location, will copy files from {path} to "
                f"{root}/{folder_key}"
            )
        else:
            root, folder_key = in_storage[1], in_storage[2]
    else:
        folder_key = check_key(key.rstrip("/") if isinstance(key, str) else key)
        if in_storage is not None:
            root = in_storage[1]
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    artifacts: list = []
    seen: dict[str, Path] = {}
    dropped: list[str] = []
    for file in files:
        relative = file.relative_to(folder).as_posix()
        artifact = model(file, key=f"{folder_key}/{relative}", run=run)
        if artifact.hash in seen:
            first = seen[artifact.hash].relative_to(folder).as_posix()
            dropped.append(f"{relative} (same content as {first})")
            continue
        seen[artifact.hash] = file
        artifacts.append(artifact)
    if dropped:
        logger.warning(
            f"there are files with the same content, dropping {len(dropped)} duplicates out of "
            f"{len(files)} files:\n    " + "\n    ".join(dropped)
        )
    logger.success(
        f"created {len(artifacts)} artifacts from directory using storage {root} and key = {folder_key}/"
    )
    return artifacts
