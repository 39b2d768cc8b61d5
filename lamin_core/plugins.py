"""What a module of registries (bionty) adds to core, registered in its own `AppConfig.ready()`.

Core code asks this registry instead of importing the module (docs/architecture.md, "Layers"): the
contract "lamin_core.bionty is a plugin" in pyproject.toml keeps it that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Plugin:
    """The hooks one module's app (its Django app label) gives core; each may be None."""

    app_label: str
    # True for a new record `ln.save([...])` may insert in one bulk (no save() logic of its own)
    bulk_insertable: Callable[[Any], bool] | None = None
    # after a bulk insert: link the saved records of one registry to their parents [(record, parent ids)]
    save_parents: Callable[[list[tuple[Any, list[str]]]], None] | None = None
    # a hint for label values missing from a registry: (registry, field name, values) -> text or ""
    missing_values_hint: Callable[[type, str, list[str]], str] | None = None
    # the records a new instance with this module has from the start
    seed: Callable[[], None] | None = None


_plugins: dict[str, Plugin] = {}


def register(plugin: Plugin) -> None:
    """Register (or replace) the plugin of an app label; called from the app's `ready()`."""
    _plugins[plugin.app_label] = plugin


def get(app_label: str) -> Plugin | None:
    """The plugin of an app label, None when that app is not installed or adds nothing."""
    return _plugins.get(app_label)
