"""What the ULabel model hands off to: its constructor and `save()` return the label of the same name
(within its type) instead of a duplicate, as LaminDB does, unless `ln.settings.creation.search_names`
is False.

The model calls these through hooks bound in `apps.ready()` (docs/architecture.md, "Layers"); `init` and
`save` are the model's own `super()` methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, router, transaction

from .._logger import logger
from ..models import ULabel
from ..models.feature import load_from
from ..setup.settings import creation_settings


def init_ulabel(label: ULabel, kwargs: dict, init: Callable[..., None]) -> None:
    """`ULabel(name=..., ...)`: a new label, or the saved one with that name within its type."""
    name = kwargs.get("name")
    existing = None
    if isinstance(name, str) and creation_settings.search_names:
        same_type = {"type": kwargs["type"]} if "type" in kwargs else {"type__isnull": True}
        existing = ULabel.objects.filter(name=name, **same_type).order_by("id").first()
    if existing is None:
        init(**kwargs)
        return
    logger.info(f"returning existing ULabel record with same name: '{name}'")
    init(*[getattr(existing, f.attname) for f in label._meta.concrete_fields])
    label._state.adding = False
    label._state.db = existing._state.db


def save_ulabel(label: ULabel, save: Callable[..., Any], *args: Any, **kwargs: Any) -> ULabel:
    """`label.save()`: a label with this name (within its type) saved meanwhile, e.g. by another process,
    is returned instead of a duplicate (names are not unique in the table, as in LaminDB)."""
    if not label._state.adding or not isinstance(label.name, str) or not creation_settings.search_names:
        return save(*args, **kwargs)
    using = kwargs.get("using") or router.db_for_write(type(label), instance=label)
    with transaction.atomic(using=using):
        # one writer per name at a time: SQLite's transactions take the write lock at BEGIN
        # (IMMEDIATE), PostgreSQL's take a lock on the name until they end
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"lamin_core.ulabel:{label.name}"]
                )
        same_type = {"type_id": label.type_id} if label.type_id is not None else {"type__isnull": True}
        existing = ULabel.objects.using(using).filter(name=label.name, **same_type).order_by("id").first()
        if existing is None:
            return save(*args, **kwargs)
    logger.info(f"returning existing ULabel record with same name: '{label.name}'")
    load_from(label, existing)
    return label
