"""Saving new artifacts and collections: copy, insert and rename as one step, or return what exists.

An artifact's data is staged under a hidden name next to its destination, the record is inserted (and
the previous version's `is_latest` cleared) in one transaction, and the staged copy is renamed into place
before that transaction commits. Any failure rolls back the transaction and removes the copy.
On S3 the staged copy is an upload to a hidden temporary key, and the rename a copy on the server.

The version a new record follows is settled inside that transaction, after serialising on its key and
family (`versions.lock`): `Artifact()` chose it earlier, and another process may have saved a version
under the same key since. The record's uid, and so its file's name in storage, follow from that choice.
"""

from __future__ import annotations

import contextlib
import operator
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction

from .._logger import logger
from ..errors import InvalidArgument, RecordDeletedError, StorageError
from ..models import Artifact, CollectionArtifact, Storage
from ..models.instance import root_of, storage_root
from ..models.pending import PendingSave
from ..storage import auto_storage_key, check_key, discard, extract_suffix, publish, remote_errors, stage
from ..storage.filesystem import is_remote, storage_type
from ..uids import new_uid
from .lifecycle import restore
from .versions import check_new_version, latest_with_key, lock, next_uid, stem_of, unset_latest

if TYPE_CHECKING:
    from django.db import models

TRASH = -1
_stored = threading.local()  # .paths: files stored inside `atomic_with_storage()`, removed on rollback


@contextlib.contextmanager
def atomic_with_storage() -> Iterator[None]:
    """A transaction whose artifacts' stored files are removed again if it rolls back.

    `transaction.atomic()` undoes the records of artifacts saved inside it, but not the files copied into
    the storage root; this block also removes those, so a failed multi-step ingest leaves nothing behind.
    """
    outer = getattr(_stored, "paths", None)
    paths: list[Path] = []
    _stored.paths = paths
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _stored.paths = outer
        for path in paths:
            discard(path)
        raise
    _stored.paths = outer
    if outer is not None:  # nested: the outer block removes them if it rolls back
        outer.extend(paths)


def discard_on_commit(source: Path | None) -> None:
    """Remove a temporary source (an in-memory object written for saving) once the save is committed.

    Now outside a transaction; inside one (`ln.save`, `atomic_with_storage`) only if it commits: if it
    rolls back, the unsaved artifact it gives back still has its data to be saved again.
    """
    transaction.on_commit(lambda: discard(source))


def become(record: models.Model, other: models.Model) -> None:
    """Turn an unsaved record into an in-memory copy of a saved one (same pk, same field values)."""
    for field in record._meta.concrete_fields:
        setattr(record, field.attname, getattr(other, field.attname))
    record._state.adding = False
    record._state.db = other._state.db
    record._state.fields_cache = {}


def adopt_existing(record: models.Model, existing: models.Model) -> models.Model:
    """Return the saved record with the same content: restore it from the trash if needed, and say so."""
    name = type(record).__name__.lower()
    if existing._branch_code == TRASH:
        restore(existing, quiet=True)
        logger.warning(f"restored {name} with same hash from trash: {existing}")
    else:
        logger.warning(f"returning existing {name} with same hash: {existing}")
    if record.key is not None and record.key != existing.key:
        logger.warning(f"the existing {name} keeps its key {existing.key!r}, not {record.key!r}")
    pending = record._pending
    if pending is not None and pending.owned_source:
        discard_on_commit(pending.local_path)
    become(record, existing)
    record._pending = None
    return record


def existing_at_creation(record: models.Model, existing: models.Model, update: dict) -> None:
    """Make a new `Artifact(...)` the saved artifact with the same content, as LaminDB 1.5.3 does.

    A trashed one is restored now (LaminDB restores it when the artifact is created, not when saved). A
    given description replaces the stored one, a given key is taken only if the artifact has none (a
    virtual key), and a run only if it has none; these changes are written by `save()`.
    """
    if existing._branch_code == TRASH:
        restore(existing, quiet=True)
        message = "restored artifact with same hash from trash"
    else:
        message = "returning existing artifact with same hash"
    logger.info(f"{message}: {existing}; to track this artifact as an input, use: ln.Artifact.get()")
    become(record, existing)
    remember_stored(record)
    record._pending = PendingSave(existing_values=field_values(record))  # save() writes only changes
    key, description, run = update.get("key"), update.get("description"), update.get("run")
    if description is not None and description != record.description:
        logger.warning(f"updated description from {record.description} to {description}")
        record.description = description
    if key is not None and key != record.key:
        if record._key_is_virtual and record.key is None:
            logger.warning(f"updated key from None to {key}")
            record.key = key
        else:
            logger.warning(f"key {record.key} on existing artifact differs from passed key {key}")
    if run is not None and record.run_id is None:
        record.run = run


def field_values(record: models.Model) -> tuple:
    """The values of a record's concrete fields (to tell whether anything changed)."""
    return tuple(record.__dict__.get(field.attname) for field in record._meta.concrete_fields)


STORED_FIELDS = ("key", "suffix", "storage_id", "_key_is_virtual")
_stored_location = operator.itemgetter(*STORED_FIELDS)


def remember_stored(record: models.Model) -> None:
    """Note the fields that locate a saved artifact's data, to refuse changing them on save (called for
    every loaded artifact: one C-level itemgetter)."""
    values = record.__dict__
    try:
        values["_stored_location"] = _stored_location(values)
    except KeyError:  # a deferred field (`.only(...)`): read them when saving
        values.pop("_stored_location", None)


def check_location_change(record: models.Model) -> None:
    """Refuse a save that would leave the artifact's path pointing to a missing file (LaminDB 1.5.3's rules).

    Checked against the values when the artifact was loaded, or created if it is not saved yet.

    The suffix, the storage and whether the key is virtual cannot change. A virtual key may change (the
    data's path does not depend on it) but keeps the data's suffix; a key that is the data's real path in
    storage (registered in place) cannot change.
    """
    stored = record.__dict__.get("_stored_location")
    if stored is None:
        row = type(record).all_objects.filter(pk=record.pk).values_list(*STORED_FIELDS).first()
        if row is None:
            return  # deleted meanwhile: the save itself refuses
        stored = tuple(row)
    old_key, old_suffix, old_storage, old_virtual = stored
    if record.suffix != old_suffix:
        raise InvalidArgument(
            "Changing the `.suffix` of an artifact is not allowed! "
            f"You tried to change it from '{old_suffix}' to '{record.suffix}'."
        )
    if record.storage_id != old_storage or record._key_is_virtual != old_virtual:
        raise InvalidArgument(
            "Changing the storage of a saved artifact, or whether its key is virtual, is not allowed: "
            "its path would point to a missing file. Create a new artifact instead."
        )
    if record.key == old_key:
        return
    if not record._key_is_virtual:
        raise InvalidArgument(
            "Changing a non-virtual key of an artifact is not allowed! "
            f"You tried to change it from '{old_key}' to '{record.key}'."
        )
    if record.key is None:
        return  # a virtual key only names the artifact: its data stays at `.lamindb/<uid><suffix>`
    check_key(record.key)
    new_suffix = extract_suffix(record.key.rsplit("/", 1)[-1], is_dir=record.n_files is not None)
    if new_suffix != record.suffix:
        raise InvalidArgument(
            f"The suffix '{new_suffix}' of the provided key is incorrect, it should be '{record.suffix}'."
        )


def _refetch(record: models.Model | None) -> models.Model | None:
    """The current state of a record found when its duplicate was created (None if deleted since)."""
    if record is None:
        return None
    return type(record).all_objects.filter(pk=record.pk).first()


def _reset(record: models.Model, uid: str) -> None:
    """Undo what a failed insert left on the in-memory record (`uid`: the one before the transaction)."""
    record.pk = None
    record.uid = uid
    record._state.adding = True


def _storage_for(root: str) -> int:
    """The id of the Storage record of `root`, created (unmanaged: no instance uid) if missing."""
    record, _ = Storage.all_objects.get_or_create(root=root, defaults={"type": storage_type(root)})
    return record.id


def _settle_version(
    record: models.Model, revises: models.Model | None, from_key: bool, scope: dict
) -> models.Model | None:
    """The record a new one revises, read again inside the saving transaction; sets the new one's uid.

    Serialises on the key, then on the version family (PostgreSQL: advisory locks, always in this order;
    SQLite: the transaction's write lock), so concurrent savers under one key form one chain of versions.
    Without `revises=` the latest visible record with the key (in `scope`) is revised, whichever that is
    now; with it, the family of `revises`. The uid is the family's next one (or a new stem if none).
    """
    model = type(record)
    if record.key is not None and (from_key or revises is not None):
        lock(model, "key:" + "".join(f"{v}:" for v in scope.values()) + record.key)
    if from_key:
        latest = latest_with_key(model, record.key, **scope)
        if latest is None and revises is not None:  # the version chosen by Artifact() is gone since
            record.uid = new_uid(model.__name__)
        elif latest is not None and (revises is None or revises.pk != latest.pk):
            logger.info(f"creating new {model.__name__.lower()} version for key='{record.key}'")
        revises = latest
    if revises is not None:
        stem = stem_of(revises)
        lock(model, "family:" + stem)
        record.uid, _ = next_uid(model, stem)
        check_new_version(model, revises, record.version)  # under the lock: a version saved meanwhile too
    return revises


def save_artifact(artifact: models.Model, insert: Callable[[], None]) -> models.Model:
    """Store the artifact's file or folder and insert its record, atomically; or return the existing one."""
    pending = artifact._pending
    existing, pending.existing = _refetch(pending.existing), None
    if existing is not None:
        return adopt_existing(artifact, existing)
    source = pending.local_path
    revises = pending.revises
    from_key = pending.revises_from_key
    model = type(artifact)
    new_root = pending.new_storage_root
    staged = destination = None
    root = "" if new_root is not None else root_of(artifact.storage_id)
    errors = remote_errors(root, "saving an artifact") if is_remote(root) else contextlib.nullcontext()
    if artifact._key_is_virtual:
        # named after the uid `Artifact()` chose; the final one, settled in the transaction, names the file
        provisional = storage_root(artifact.storage_id) / auto_storage_key(artifact.uid, artifact.suffix)
        with errors:
            staged = stage(source, provisional)
            staged_size = staged.stat().st_size if artifact.n_files is None else None
        if artifact.n_files is None and staged_size != artifact.size:
            discard(staged)
            raise StorageError(f"{source} changed after Artifact() read it; create the artifact again")
    published, uid = False, artifact.uid
    try:
        with transaction.atomic():
            if new_root is not None:
                artifact.storage_id = _storage_for(new_root)
            revises = _settle_version(artifact, revises, from_key, {"storage_id": artifact.storage_id})
            if revises is not None:
                unset_latest(model, stem_of(revises))
            insert()
            if staged is not None:
                destination = storage_root(artifact.storage_id) / auto_storage_key(
                    artifact.uid, artifact.suffix
                )
                with (
                    remote_errors(root, "saving an artifact") if is_remote(root) else contextlib.nullcontext()
                ):
                    publish(staged, destination)
                published = True
                if getattr(_stored, "paths", None) is not None:
                    _stored.paths.append(destination)
    except BaseException as error:
        discard(destination if published else staged)
        _reset(artifact, uid)
        if new_root is not None:
            artifact.storage_id = None  # its Storage record was rolled back too; a retry creates it
        if isinstance(error, IntegrityError):
            # saved concurrently (or since this artifact was created) with the same content
            duplicate = model.all_objects.filter(hash=artifact.hash).first()
            if duplicate is not None:
                return adopt_existing(artifact, duplicate)
        raise
    if revises is not None:
        revises.is_latest = False
    if pending.owned_source:
        discard_on_commit(source)
    artifact._pending = None
    return artifact


def _inputs_of_run(collection: models.Model, artifact_ids: list[int], revises: models.Model | None) -> None:
    """The run that makes a collection used its artifacts (and the version it revises), as LaminDB 1.5.3
    records them: artifacts and collections made by that same run are no inputs of it."""
    run_id = collection.run_id
    if run_id is None:
        return
    inputs = (
        Artifact.all_objects.filter(pk__in=artifact_ids).exclude(run_id=run_id).values_list("pk", flat=True)
    )
    through = Artifact.input_of_runs.through
    through.objects.bulk_create(
        [through(artifact_id=pk, run_id=run_id) for pk in inputs], ignore_conflicts=True
    )
    if revises is not None and revises.run_id != run_id:
        type(collection).input_of_runs.through.objects.bulk_create(
            [type(collection).input_of_runs.through(collection_id=revises.pk, run_id=run_id)],
            ignore_conflicts=True,
        )


def _check_artifacts_exist(collection: models.Model, artifact_ids: list[int]) -> None:
    """Refuse a new collection whose artifacts were deleted since `Collection()` (by another process?).

    Inside the saving transaction: on PostgreSQL the artifacts' rows get the lock the link rows' foreign
    keys take anyway (FOR KEY SHARE: a delete running now waits for it, one committed is seen; concurrent
    savers do not wait for each other), on SQLite the transaction holds the write lock. Without the check
    the link rows would fail at commit with a bare `IntegrityError: FOREIGN KEY constraint failed`.
    """
    if connection.vendor == "postgresql":
        table, column = Artifact._meta.db_table, Artifact._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "{column}" FROM "{table}" WHERE "{column}" = ANY(%s) FOR KEY SHARE', [artifact_ids]
            )
            found = [row[0] for row in cursor.fetchall()]
    else:
        found = Artifact.all_objects.filter(pk__in=artifact_ids).values_list("pk", flat=True)
    missing = sorted(set(artifact_ids) - set(found))
    if missing:
        raise RecordDeletedError(
            f"Collection with key {collection.key!r} was not saved: its artifacts with ids {missing} were "
            "deleted since it was created (by another process?). To save it, create it again from the "
            "artifacts that exist: ln.Collection(artifacts, key=...).save()"
        )


def save_collection(collection: models.Model, insert: Callable[[], None]) -> models.Model:
    """Insert a collection and its artifact links in one transaction; or return the existing one."""
    pending = collection._pending
    existing, pending.existing = _refetch(pending.existing), None
    if existing is not None:
        return adopt_existing(collection, existing)
    artifact_ids = pending.artifact_ids
    revises = pending.revises
    from_key = pending.revises_from_key
    model = type(collection)
    uid = collection.uid
    try:
        with transaction.atomic():
            _check_artifacts_exist(collection, artifact_ids)
            revises = _settle_version(collection, revises, from_key, {})
            if revises is not None:
                unset_latest(model, stem_of(revises))
            insert()
            CollectionArtifact.objects.bulk_create(
                [CollectionArtifact(collection_id=collection.pk, artifact_id=pk) for pk in artifact_ids]
            )
            _inputs_of_run(collection, artifact_ids, revises)
    except BaseException as error:
        _reset(collection, uid)
        if isinstance(error, IntegrityError):
            duplicate = model.all_objects.filter(hash=collection.hash).first()
            if duplicate is not None:
                return adopt_existing(collection, duplicate)
        raise
    if revises is not None:
        revises.is_latest = False
    collection._pending = None
    return collection
