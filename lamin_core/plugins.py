"""What a module of registries (bionty) adds to core, registered in its own `AppConfig.ready()`.

Core code asks this registry instead of importing the module (docs/architecture.md, "Layers"): the
contract "lamin_core.bionty is a plugin" in pyproject.toml keeps it that way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# the modules an instance can be created with (`lamin-core init --modules bionty`), by name: their Django
# app. Settings and Django's INSTALLED_APPS are made from it before any app is ready, so it cannot wait for
# `register()`; the module's own app registers the rest.
MODULES = {"bionty": "lamin_core.bionty"}


@dataclass(frozen=True)
class Plugin:
    """What one module's app gives core: its name (the Django app label, also the name `ln.view()`, a
    module's section and `--modules` use) and hooks, each of which may be None."""

    app_label: str
    # the package users import (`lamin_core.bionty`)
    package: str | None = None
    # how code names the module's registries: `bt` in `import lamin_core.bionty as bt` and `bt.CellType`
    alias: str | None = None
    # the fields a registry of this module searches by default, in order (fields it lacks are left out)
    search_fields: Callable[[type], Sequence[str]] | None = None
    # ranking roles of the module's fields by name ("id", "synonym", ... as in search_index.fields)
    search_roles: Mapping[str, str] | None = None
    # model names of the module's registries that stay small (`source`, `organism`): the SQLite planner
    # statistics assume many rows per value of a foreign key to them
    small_registries: tuple[str, ...] = ()
    # True for a new record `ln.save([...])` may insert in one bulk (no save() logic of its own)
    bulk_insertable: Callable[[Any], bool] | None = None
    # after a bulk insert: link the saved records of one registry to their parents [(record, parent ids)]
    save_parents: Callable[[list[tuple[Any, list[str]]]], None] | None = None
    # a hint for label values missing from a registry: (registry, field name, values) -> text or ""
    missing_values_hint: Callable[[type, str, list[str]], str] | None = None
    # the records a new instance with this module has from the start
    seed: Callable[[], None] | None = None
    # what `init` and `connect` do for the module on this machine, outside the database, once Django is set
    # up (bionty: the search indexes of its public sources, per user; a no-op when they exist)
    prepare: Callable[[], object] | None = None

    @property
    def import_line(self) -> str | None:
        """`import lamin_core.bionty as bt`: the line code needs to name the module's registries."""
        return f"import {self.package} as {self.alias}" if self.package and self.alias else None


_plugins: dict[str, Plugin] = {}


def register(plugin: Plugin) -> None:
    """Register (or replace) the plugin of an app label; called from the app's `ready()`."""
    _plugins[plugin.app_label] = plugin


def get(app_label: str) -> Plugin | None:
    """The plugin of an app label, None when that app is not installed or adds nothing."""
    return _plugins.get(app_label)


def registered() -> list[Plugin]:
    """The plugins of the installed modules, in the order their apps became ready."""
    return list(_plugins.values())


def code_prefix(app_label: str) -> str | None:
    """How code names a registry of an app: `ln` for core, a module's alias (`bt`), else None."""
    if app_label == "lamin_core":
        return "ln"
    plugin = _plugins.get(app_label)
    return plugin.alias if plugin is not None else None
