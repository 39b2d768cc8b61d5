"""Trash, restore and permanent deletion of artifacts and collections, keeping `is_latest` consistent."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db import models as dj_models
from django.db import transaction

from .._logger import logger
from ..models import Artifact
from ..models.instance import root_of
from ..query.protection import protected_error
from ..storage import discard, is_remote, remote_errors
from .versions import lock, stem_of, sync_latest

if TYPE_CHECKING:
    from django.db import models

TRASH, VISIBLE = -1, 1


def _set_branch(record: models.Model, branch: int) -> None:
    with transaction.atomic():
        lock(type(record), "family:" + stem_of(record))  # as a concurrent save of a new version does
        record._branch_code = branch
        record.save(update_fields=["_branch_code"])
        latest_id = sync_latest(type(record), stem_of(record))
    if latest_id is not None:
        record.is_latest = latest_id == record.pk


def trash(record: models.Model) -> None:
    """Move a record to the trash (`_branch_code=-1`); a previous visible version becomes the latest."""
    name = type(record).__name__.lower()
    if record._branch_code == TRASH:
        logger.warning(f"{name} is already in the trash; delete it for good with .delete(permanent=True)")
        return
    _set_branch(record, TRASH)
    logger.warning(f"moved {name} to trash (_branch_code = -1); undo with .restore()")


def restore(record: models.Model, quiet: bool = False) -> None:
    """Make a trashed or archived record visible again (`_branch_code=1`)."""
    if record._branch_code == VISIBLE:
        return
    _set_branch(record, VISIBLE)
    if not quiet:
        logger.success(f"restored {type(record).__name__.lower()}: {record}")


def delete_permanently(record: models.Model, delete_file: bool = False) -> None:
    """Delete the record and, if asked, its stored data (removed only once the delete commits)."""
    model = type(record)
    stem, was_latest = stem_of(record), record.is_latest
    path = record.path if isinstance(record, Artifact) and delete_file else None
    if path is not None and is_remote(path):
        _delete_remote(record, path, model, stem, was_latest)
        return
    moved = None
    try:
        with _deleting(record, model, stem, was_latest):
            if path is not None and (path.exists() or path.is_symlink()):
                moved = path.with_name(f".{path.name}.{secrets.token_hex(4)}.deleting")
                os.replace(path, moved)
    except BaseException:
        if moved is not None:
            os.replace(moved, path)
        raise
    discard(moved)


@contextlib.contextmanager
def _deleting(record: models.Model, model, stem: str, was_latest: bool) -> Iterator[None]:
    """A transaction that deletes the record (the previous version becomes the latest) and commits after
    the block; a record that is still referenced is a LaminError naming what refers to it."""
    try:
        with transaction.atomic():
            lock(model, "family:" + stem)
            dj_models.Model.delete(record)
            if was_latest:
                sync_latest(model, stem)
            yield
    except (dj_models.ProtectedError, dj_models.RestrictedError) as e:
        raise protected_error(repr(record), e) from e


def _delete_remote(record: models.Model, path, model, stem: str, was_latest: bool) -> None:
    """Delete an artifact stored on S3: check the storage answers, delete the record, then the objects.

    An unreachable storage fails before anything changes. If removing the objects fails after the
    record is gone, a warning names them (`lamin cleanup` finds such orphans).
    """
    root = root_of(record.storage_id)
    with remote_errors(root, "deleting an artifact"):
        keys = sorted(path.fs.find(path.path))
    with _deleting(record, model, stem, was_latest):
        pass
    if keys:
        try:
            path.fs.rm(keys)
        except Exception as e:
            logger.warning(f"deleted the record, but could not remove {path} from storage {root}: {e}")
