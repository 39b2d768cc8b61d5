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


def name_field(model: type[models.Model]) -> str | None:
    """The field that names a record, as LaminDB 1.5 picks it: `_name_field` (User: `handle`, Transform:
    `key`), else `name`, else the first text field whose name does not contain "id"; None if there is none.

    Lookups key records by it; search always includes it.
    """
    explicit = getattr(model, "_name_field", None)
    if explicit is not None:
        return explicit
    fields = model._meta.concrete_fields
    if any(f.name == "name" for f in fields):
        return "name"
    for field in fields:
        if "id" not in field.name and isinstance(field, models.CharField | models.TextField):
            return field.name
    return None


def field_name(field: object) -> str | None:
    """A field given by name (`"handle"`) or as a model attribute (`ln.User.handle`), as its name."""
    if field is None or isinstance(field, str):
        return field
    inner = getattr(field, "field", None)
    if isinstance(inner, models.Field):
        return inner.name
    raise TypeError(f"expected a field name or a field attribute such as ln.User.handle, got {field!r}")


def available_fields(model: type[models.Model]) -> list[str]:
    """The names a user may filter a registry by, as LaminDB lists them in its errors: fields, relations
    and LaminDB 1.x aliases (`visibility`), without private names and link tables."""
    names = {
        f.name
        for f in model._meta.get_fields()
        if not f.name.startswith("_") and not f.name.startswith("links_")
    }
    return sorted(names | set(getattr(model, "_filter_aliases", {})))
