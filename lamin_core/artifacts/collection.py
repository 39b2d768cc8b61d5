"""Building a collection: check its artifacts, hash them, look up the same content or a previous version."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from .._logger import logger
from ..hashing import hash_set
from .create import check_revises, check_run, check_str
from .versions import next_uid, stem_of

if TYPE_CHECKING:
    from ..models import Collection

COLLECTION_ARGS = (
    "key",
    "description",
    "meta_artifact",
    "reference",
    "reference_type",
    "run",
    "revises",
    "version",
)


def _artifact_list(artifacts: object) -> list:
    from django.db.models import QuerySet

    from ..models import Artifact

    if isinstance(artifacts, Artifact):
        items = [artifacts]
    elif isinstance(artifacts, QuerySet | list | tuple | set | frozenset):
        items = list(artifacts)
    else:
        raise TypeError(
            f"Collection() takes an artifact or a list of artifacts, got {type(artifacts).__name__}"
        )
    if not items:
        raise ValueError("a collection needs at least one artifact")
    wrong = [type(item).__name__ for item in items if not isinstance(item, Artifact)]
    if wrong:
        raise TypeError(f"a collection holds artifacts only, got {', '.join(sorted(set(wrong)))}")
    unsaved = [item for item in items if item.pk is None]
    if unsaved:
        raise ValueError(f"save the artifacts before making a collection of them: {unsaved[0]!r}")
    hashes = [item.hash for item in items]
    duplicates = sorted({h for h in hashes if hashes.count(h) > 1})
    if duplicates:
        raise ValueError(
            f"pass artifacts with distinct content; these hashes occur more than once: {duplicates}"
        )
    return items


def prepare_collection(model: type[Collection], artifacts: object, options: dict) -> tuple[dict, dict]:
    """(field values, private state) of a new collection; raises on any invalid input."""
    from ..models import Artifact

    unknown = sorted(set(options) - set(COLLECTION_ARGS))
    if unknown:
        raise TypeError(
            f"Collection() got unexpected argument(s) {', '.join(map(repr, unknown))}; "
            f"it takes artifacts and {', '.join(COLLECTION_ARGS)}"
        )
    items = _artifact_list(artifacts)
    key = check_str(options.get("key"), "key")
    description = check_str(options.get("description"), "description")
    version = check_str(options.get("version"), "version")
    reference = check_str(options.get("reference"), "reference")
    reference_type = check_str(options.get("reference_type"), "reference_type")
    run = check_run(options.get("run"))
    revises = check_revises(model, options.get("revises"))
    meta_artifact = check_revises(Artifact, options.get("meta_artifact"))
    if revises is not None:
        key = revises.key if key is None else key
        description = revises.description if description is None else description
    if key is None:
        raise TypeError("Collection() needs a key, e.g. ln.Collection(artifacts, key='my-collection')")
    if not key.strip():
        raise ValueError("key must not be empty")
    hash_ = hash_set(item.hash for item in items)
    from_key = revises is None  # saving revises the latest collection with the key then (None: a new family)

    query = Q(hash=hash_)
    if revises is None:
        query |= Q(key=key, is_latest=True, _branch_code=1)
    rows = sorted(model.all_objects.filter(query)[:10], key=lambda r: (r.created_at, r.id), reverse=True)
    existing = next((row for row in rows if row.hash == hash_), None)
    if existing is None and revises is None and rows:
        revises = rows[0]
        logger.info(f"creating new collection version for key='{key}'")

    fields = {
        "key": key,
        "description": description,
        "hash": hash_,
        "reference": reference,
        "reference_type": reference_type,
        "meta_artifact": meta_artifact,
        "version": version,
    }
    if run is not None:
        fields["run"] = run
    if revises is not None and existing is None:
        fields["uid"], _ = next_uid(model, stem_of(revises))
    state = {
        "_existing": existing,
        "_revises": revises,
        "_revises_from_key": from_key,
        "_artifact_ids": [item.pk for item in items],
    }
    return fields, state
