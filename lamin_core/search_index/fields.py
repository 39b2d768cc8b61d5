"""Which fields a registry searches by default, and the role each field plays in the ranking."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from .. import plugins

# roles, strongest first: an exact name or identifier outranks an exact synonym, which outranks an exact
# full name (a gene's "tumor protein p53", a source's "Cell Ontology": a descriptive name users type); free
# text (definitions, descriptions) only ever matches as whole tokens, substrings or fuzzily
NAME, ID, SYNONYM, FULL_NAME, TEXT = range(5)

# roles of core's fields; a module's plugin names those of its own (`plugins.Plugin.search_roles`: bionty's
# identifiers and synonyms)
_ROLES = {
    "key": NAME,
    "name": NAME,
    "handle": NAME,
    "root": NAME,
    "synonyms": SYNONYM,
    "abbr": SYNONYM,
    "description": TEXT,
}
# a registry may set its own: `_search_fields` (the default fields, in order) and `_search_roles` ({field:
# role name}: bionty's Gene ranks its `description`, the gene's full name, as "full_name")
ROLE_NAMES = {"name": NAME, "id": ID, "synonym": SYNONYM, "full_name": FULL_NAME, "text": TEXT}
# keys are paths: their values are long and unique, a compact ("no spaces") document would double the
# index for little gain
_NO_COMPACT = {"key", "root", "description"}

# default fields, in order; a module's plugin gives those of its registries (`plugins.Plugin.search_fields`)
_CORE_DEFAULTS = ("key", "name", "handle", "root", "synonyms", "description")


@dataclass(frozen=True)
class SearchField:
    """A searched field: its name, ranking role and whether the index keeps a compact document of it."""

    name: str
    role: int
    compact: bool


def _concrete_text_fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.is_relation
    ]


def default_fields(model: type[models.Model]) -> list[str]:
    """The human-readable fields searched by default (never uid or hash)."""
    explicit = getattr(model, "_search_fields", None)
    if explicit is not None:
        return list(explicit)
    names = set(_concrete_text_fields(model))
    plugin = plugins.get(model._meta.app_label)
    order = plugin.search_fields(model) if plugin is not None and plugin.search_fields else _CORE_DEFAULTS
    return [name for name in order if name in names]


def field_specs(model: type[models.Model], names: list[str]) -> list[SearchField]:
    """Roles of `names` on `model` (a field asked for explicitly, e.g. `uid`, ranks like a name)."""
    specs = []
    for name in names:
        model._meta.get_field(name)  # raises FieldDoesNotExist for typos
        role = field_role(model, name)
        specs.append(SearchField(name, role, compact=role != TEXT and name not in _NO_COMPACT))
    return specs


def field_role(model: type[models.Model], name: str) -> int:
    """The ranking role of a field of `model`: the registry's own, its module's, core's; a field without a
    known role ranks like a name."""
    role = getattr(model, "_search_roles", {}).get(name)
    if role is None:
        plugin = plugins.get(model._meta.app_label)
        role = plugin.search_roles.get(name) if plugin is not None and plugin.search_roles else None
    return ROLE_NAMES[role] if role is not None else _ROLES.get(name, NAME)


def primary_field(model: type[models.Model], names: list[str]) -> str | None:
    """The field whose length breaks ties (the record's name, key or symbol)."""
    for name in ("key", "name", "symbol", "handle", "root"):
        if name in names:
            return name
    return names[0] if names else None
