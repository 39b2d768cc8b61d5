"""lamin_core: a LaminDB-compatible metadata registry for biological data.

`import lamin_core as ln` is cheap: Django is set up for the current instance on first registry access.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from . import hooks, setup
from ._lazy import import_path
from .errors import LaminError, NoInstanceError
from .view import view  # the function shadows its module, which is cheap to import

# a hook called before Django is set up connects the current instance first (AppConfig.ready binds them)
hooks.connect.bind(setup.instance.ensure_connected)

_REGISTRIES = (
    "Artifact",
    "Collection",
    "Feature",
    "FeatureValue",
    "Param",
    "ParamValue",
    "Person",
    "Project",
    "Reference",
    "Run",
    "Schema",
    "Space",
    "Storage",
    "Transform",
    "ULabel",
    "User",
)

if TYPE_CHECKING:
    from .models import (  # noqa: F401
        Artifact,
        Collection,
        Feature,
        FeatureValue,
        Param,
        ParamValue,
        Person,
        Project,
        Reference,
        Run,
        Schema,
        Space,
        Storage,
        Transform,
        ULabel,
        User,
    )


# attributes loaded on first access as "module:attribute" (module alone for sub-packages)
_LAZY = {
    "track": "lamin_core.tracking:track",
    "finish": "lamin_core.tracking:finish",
    "context": "lamin_core.tracking:context",
    "core": "lamin_core.core",
    "examples": "lamin_core.examples",
    "save": "lamin_core._save:save",
    "settings": "lamin_core.setup.settings:settings",  # LaminDB's `ln.settings` (`.storage`, `.user`)
    "tracked": "lamin_core.tracking.tracked:tracked",
    "connect": "lamin_core.setup:connect",  # LaminDB's alias of `ln.setup.connect`
    "UPath": "lamin_core._upath:UPath",  # universal_pathlib's UPath (the `s3` extra)
}


def __getattr__(name: str):
    if name == "__version__":  # pyproject.toml's, installed
        from importlib.metadata import version  # costs ~40 ms: loaded for __version__ only

        return version("lamin-widgets")
    if name in _LAZY:
        return import_path(_LAZY[name])
    if name in _REGISTRIES or name in ("models", "Q"):
        setup.instance.ensure_connected()
        if name == "Q":
            from django.db.models import Q  # Django loads on first registry access, as the models do

            return Q
        models = import_module(".models", __name__)
        return models if name == "models" else getattr(models, name)
    raise AttributeError(f"module 'lamin_core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_REGISTRIES, *_LAZY, "models", "Q", "__version__"])


__all__ = ["LaminError", "NoInstanceError", "setup", "view", *_REGISTRIES]
