"""Names loaded on first use (PEP 562): a package's attributes from its submodules, and objects named by
a dotted path, so that `import lamin_core` and Django's set-up load only what they need."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def import_path(path: str) -> Any:
    """The object `"package.module:attribute"` names (the module itself when there is no attribute)."""
    module_name, _, attribute = path.partition(":")
    module = import_module(module_name)
    return getattr(module, attribute) if attribute else module


def lazy_attributes(package: str, submodules: dict[str, str]) -> Callable[[str], Any]:
    """A package's module `__getattr__`: each name of `submodules` imported from the submodule it maps
    to on first access (name it apart from its attributes: importing a submodule sets the package's
    attribute of the submodule's name)."""

    def __getattr__(name: str) -> Any:
        if name in submodules:
            return getattr(import_module(f".{submodules[name]}", package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
