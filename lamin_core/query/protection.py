"""Deletions that other records block: Django's ProtectedError as a LaminError naming what refers."""

from __future__ import annotations

from django.db import models

from ..errors import LaminError

_SHOWN = 5


def _referrer(obj: models.Model) -> str:
    """A record that blocks a deletion, named by what a user knows (the collection, not its link row)."""
    if type(obj).__name__ == "CollectionArtifact":
        return f"Collection(id={obj.collection_id})"
    if type(obj).__name__.startswith("Artifact") and hasattr(obj, "artifact_id"):
        return f"Artifact(id={obj.artifact_id})"  # a label, feature or schema link of an artifact
    return f"{type(obj).__name__}(id={obj.pk})"


def protected_error(what: str, error: models.ProtectedError | models.RestrictedError) -> LaminError:
    """The error for a refused delete of `what`, naming up to five records that still refer to it."""
    objects = getattr(error, "protected_objects", None) or getattr(error, "restricted_objects", ())
    users = sorted({_referrer(obj) for obj in objects})
    more = f" and {len(users) - _SHOWN} more" if len(users) > _SHOWN else ""
    names = ", ".join(users[:_SHOWN]) + more
    return LaminError(f"cannot delete {what}: it is still referenced by {names}; delete those first")
