"""Ontology registries (`import lamin_core.bionty as bt`): CellType, Gene, Organism, Tissue, Disease, ...

Importing is cheap: Django, pandas and the public sources load on first use. The registries exist in
instances created with `lamin-core init --modules bionty`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ..errors import LaminError
from ..setup.instance import ensure_connected
from ._settings import settings
from .errors import AmbiguousTermError, NoPublicSourceError, OrganismError, TermNotFoundError

_REGISTRIES = (
    "CellLine",
    "CellMarker",
    "CellType",
    "DevelopmentalStage",
    "Disease",
    "Ethnicity",
    "ExperimentalFactor",
    "Gene",
    "Organism",
    "Pathway",
    "Phenotype",
    "Protein",
    "Source",
    "Tissue",
)

if TYPE_CHECKING:
    from .models import (  # noqa: F401
        CellLine,
        CellMarker,
        CellType,
        DevelopmentalStage,
        Disease,
        Ethnicity,
        ExperimentalFactor,
        Gene,
        Organism,
        Pathway,
        Phenotype,
        Protein,
        Source,
        Tissue,
    )


def _check_installed() -> None:
    from django.apps import apps  # Django loads on first use: importing bionty is cheap

    instance = ensure_connected()
    if not apps.is_installed("lamin_core.bionty"):
        raise LaminError(
            f"instance {instance.slug} has no bionty module: create an instance with "
            "`lamin-core init --storage DIR --modules bionty` to use the ontology registries"
        )


def __getattr__(name: str):
    if name in _REGISTRIES or name == "models":
        _check_installed()
        models = importlib.import_module(".models", __name__)
        return models if name == "models" else getattr(models, name)
    if name in ("sync_sources", "sources", "public"):
        if name == "sync_sources":
            return importlib.import_module(".sources", __name__).sync_sources
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lamin_core.bionty' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_REGISTRIES, "models", "sync_sources"])


__all__ = [
    "AmbiguousTermError",
    "NoPublicSourceError",
    "OrganismError",
    "TermNotFoundError",
    *_REGISTRIES,
    "settings",
]
