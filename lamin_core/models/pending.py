"""What a new record carries from its constructor to `save()`: one typed object instead of private
attributes that the model and its service would pass each other.

`Artifact(...)`, `Collection(...)`, `Transform(...)` and `Schema(...)` find what their save has to do
(the file to copy, the saved record with the same content, the version it follows, the members to link);
their service keeps it on the record as `record._pending` and clears it (None) once the save has done it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class PendingSave:
    """The part of a record's save that its constructor prepared (None: nothing of that kind)."""

    local_path: Path | Any | None = None  # the file or folder to store (a local path or an S3 one)
    owned_source: bool = False  # local_path was written by the constructor: removed once stored
    memory_rep: Any = None  # the in-memory object the artifact was made from (`load()` before saving)
    existing: Any = None  # the saved record with the same content: saving returns it instead
    update: dict | None = None  # what the constructor changes of that saved record (key, description, run)
    revises: Any = None  # the version this new record follows (its family's latest on save)
    revises_from_key: bool = False  # no `revises=` given: the latest record with the key, settled on save
    uid_assigned: bool = False  # the uid was chosen, not given: a taken one moves to the next version
    new_storage_root: str | None = None  # an S3 root without a Storage record yet: created on save
    artifact_ids: list[int] | None = None  # a new collection's artifacts, in order
    members: list | None = None  # a schema's members to link (in order), replacing the saved ones
    slots: dict | None = None  # a composite schema's component schemas by slot, to link
    annotation: Any = None  # what validating with a schema found, linked on save (from_df, from_anndata)
    existing_values: tuple | None = None  # the field values when it became a saved record: saving writes
    # only if they changed since
