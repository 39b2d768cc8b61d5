"""`ln.save(records)`: save several records at once, atomically, like LaminDB's `ln.save`.

New labels and ontology records of one registry go into the database with one bulk insert and one
creation time (so `df()` and `ln.view()` list them in insertion order, as LaminDB does); ontology records
made from a public source bring their ancestors along, in one bulk per registry. Records whose `save()`
does more than an insert (artifacts, features, schemas, ...) and records that exist already are saved one
by one. Either all records are saved or, on an error, none: the transaction rolls back, the files of the
artifacts saved before the error are removed from storage again (`atomic_with_storage`), and the new
records are given back unsaved, as they were (an artifact with its data), so that they can be saved again.
A record another process deleted since it was loaded fails the whole call (`RecordDeletedError`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from . import plugins


def stamp(records: list, now=None) -> None:
    """Give records inserted in one bulk the same creation (and update) time, as one INSERT does."""

    now = now or timezone.now()
    for record in records:
        for name in ("created_at", "updated_at"):
            if hasattr(record, name):
                setattr(record, name, now)


def _bulk_insertable(record: models.Model) -> bool:
    from .models import ULabel  # the models load only once Django is set up (ensure_connected)

    if isinstance(record, ULabel):
        return True
    plugin = plugins.get(record._meta.app_label)
    return plugin is not None and plugin.bulk_insertable is not None and plugin.bulk_insertable(record)


def save(records: Iterable[models.Model], ignore_conflicts: bool = False) -> None:
    """Save `records` (a list of records of any registries) in one transaction; returns None like LaminDB."""
    if isinstance(records, models.Model):
        raise TypeError("ln.save() takes a list of records; call record.save() for a single record")
    records = list(records)
    bad = [r for r in records if not isinstance(r, models.Model)]
    if bad:
        raise TypeError(f"ln.save() takes records, got {', '.join(type(b).__name__ for b in bad[:3])}")
    groups: dict[type, list[models.Model]] = {}
    others: list[models.Model] = []
    for record in {id(r): r for r in records}.values():  # each record once, in order
        if record._state.adding and _bulk_insertable(record):
            groups.setdefault(type(record), []).append(record)
        else:
            others.append(record)
    from .artifacts.save import atomic_with_storage  # imports the models: ln.save is importable unconnected

    inserted: list[models.Model] = []
    # new records saved one by one, as they were: their save may succeed and the transaction roll back later
    unsaved = [(r, dict(r.__dict__), r._state.db) for r in others if r._state.adding]
    try:
        with atomic_with_storage():
            for model, group in groups.items():
                parents = [(r, r.__dict__.pop("_parent_ids", None)) for r in group]
                stamp(group)
                model.all_objects.bulk_create(group, ignore_conflicts=ignore_conflicts)
                inserted += group
                with_parents = [(r, ids) for r, ids in parents if ids and r.pk is not None]
                by_source: dict[int | None, list] = {}
                for item in with_parents:
                    by_source.setdefault(getattr(item[0], "source_id", None), []).append(item)
                save_parents = getattr(plugins.get(model._meta.app_label), "save_parents", None)
                for items in by_source.values() if save_parents else ():
                    save_parents(items)
            for record in others:
                record.save()
    except BaseException:
        for record in inserted:  # back to the unsaved state the caller had
            record.pk, record._state.adding = None, True
        for record, state, db in unsaved:
            record.__dict__.clear()
            record.__dict__.update(state)
            record._state.adding, record._state.db = True, db
        raise
