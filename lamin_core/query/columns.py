"""The columns `df()` shows for a registry, in LaminDB's order (one definition for every registry)."""

from __future__ import annotations

from django.db import models

# moved to the end, in this order, after the plain fields and foreign keys
_TO_END = ("version", "is_latest", "run_id", "created_at", "created_by_id", "_aux", "_branch_code")


def df_columns(model: type[models.Model]) -> list[str]:
    """`uid`, the plain fields, the foreign-key ids, then versioning, run and creation columns."""
    fields = model._meta.concrete_fields
    names = [f.name for f in fields if not f.is_relation and f.name not in ("id", "updated_at")]
    names += [f.attname for f in fields if f.is_relation]
    names = [n for n in names if n not in _TO_END] + [n for n in _TO_END if n in names]
    return ["uid", *(n for n in names if n != "uid")] if "uid" in names else names


def has_updated_at(model: type[models.Model]) -> bool:
    """Whether a registry records when its rows last changed."""
    return any(f.name == "updated_at" for f in model._meta.concrete_fields)
