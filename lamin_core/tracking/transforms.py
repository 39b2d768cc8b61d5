"""What the Transform model hands off to: its constructor (versions, reuse), `save()` and `delete()`.

The model calls these through hooks bound in `apps.ready()` (docs/architecture.md, "Layers"); the rules
of version families are in `versions`. `init`, `save` and `delete` are the model's own `super()` methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from .._logger import logger
from ..artifacts.versions import sync_latest
from ..models import Transform
from ..models._validation import validate_init
from ..models.pending import PendingSave
from .versions import check_version, prepare, reuse_updates, save_new_version


def init_transform(transform: Transform, kwargs: dict, init: Callable[..., None]) -> None:
    """`Transform(key=..., ...)`: a new transform, a new version of a family (kept as pending on the record
    until `save()`), or the existing transform to reuse, as an update on `save()`."""
    check_version(kwargs.get("version"))  # before a transform with the same key or uid is looked up
    validate_init(type(transform), {k: v for k, v in kwargs.items() if k != "revises"})
    uid_assigned = "uid" not in kwargs
    existing, revises = prepare(type(transform), kwargs)
    if existing is not None:
        updates = reuse_updates(existing, kwargs)
        # the existing row, as Django loads it (an update on save())
        init(*[getattr(existing, f.attname) for f in transform._meta.concrete_fields])
        transform._state.adding, transform._state.db = False, existing._state.db
        for field, value in updates.items():
            setattr(transform, field, value)
        return
    init(**kwargs)
    if revises is not None:
        transform._pending = PendingSave(revises=revises, uid_assigned=uid_assigned)


def save_transform(transform: Transform, save: Callable[..., Any], *args: Any, **kwargs: Any) -> Transform:
    """`transform.save()`: a new version (`revises=`) becomes the latest of its family in the same
    transaction."""
    pending = transform._pending
    if pending is None or pending.revises is None or not transform._state.adding:
        return save(*args, **kwargs)
    save_new_version(transform, pending.revises, lambda: save(*args, **kwargs))
    transform._pending = None
    return transform


def delete_transform(transform: Transform, delete: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`transform.delete()`: delete it (and its runs); if it was the latest version, the previous one
    becomes it."""
    with transaction.atomic():
        result = delete(*args, **kwargs)
        latest_id = sync_latest(Transform, transform.stem_uid) if transform.is_latest else None
    if latest_id is not None:
        logger.warning(f"new latest version is {Transform.all_objects.get(id=latest_id)}")
    return result
