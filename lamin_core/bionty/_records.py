"""Building ontology records: deterministic uids, the organism of a record, parent ids.

A service of bionty's models: it imports them, they call it through `lamin_core.bionty.hooks`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from ..uids import hash_uid
from ._settings import settings
from .errors import OrganismError, TermNotFoundError
from .models import BioRecord, Organism


def source_uid(kwargs: dict[str, Any]) -> str:
    """bionty's Source uid: the hash of entity, name, organism and version concatenated."""
    key = "".join(str(kwargs.get(k) or "") for k in ("entity", "name", "organism", "version"))
    return hash_uid(key, 8)


def requires_organism(model: type[BioRecord]) -> bool:
    """Whether records of `model` belong to an organism (Gene, Protein, CellMarker)."""
    return any(f.name == "organism" for f in model._meta.concrete_fields)


def record_uid(model: type[BioRecord], kwargs: dict[str, Any], organism_name: str = "") -> str:
    """Deterministic uid: hash of the identifier (Gene: Ensembl id, else stable id), else name + organism."""
    id_field = model._ontology_id_field
    key = kwargs.get(id_field) if id_field else None
    if not key and model.__name__ == "Gene":
        key = kwargs.get("stable_id")
    if not key:
        name = kwargs.get(model._name_field)
        if not name:
            what = f"{id_field!r} or {model._name_field!r}" if id_field else repr(model._name_field)
            raise ValueError(f"{model.__name__} needs {what}")
        key = f"{name}{organism_name}"
    return hash_uid(str(key), model._uid_len)


def prepare_kwargs(model: type[BioRecord], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Constructor keywords with the organism resolved to a record and the uid filled in."""
    kwargs = dict(kwargs)
    organism_name = ""
    if requires_organism(model):
        if kwargs.get("organism") is not None or kwargs.get("organism_id") is None:
            organism = organism_record(kwargs.get("organism"), model)
            kwargs["organism"] = organism
            kwargs.pop("organism_id", None)
            organism_name = organism.name
        elif kwargs.get("uid") is None:
            organism_name = Organism.objects.filter(id=kwargs["organism_id"]).values_list("name", flat=True)[
                0
            ]
    if kwargs.get("uid") is None:
        kwargs["uid"] = record_uid(model, kwargs, organism_name)
    return kwargs


def find_organism(value: str | Organism | None, model: type | None = None) -> Organism | None:
    """The Organism record for a value if the registry has it (None is the default organism); no writes
    except creating the default organism.
    """
    if value is None or isinstance(value, Organism):
        return organism_record(value, model)
    if not isinstance(value, str):
        raise TypeError(f"organism must be a name or a bt.Organism record, got {type(value).__name__}")
    text = value.strip()
    return Organism.objects.filter(
        Q(name__iexact=text) | Q(scientific_name__iexact=text) | Q(ontology_id=text)
    ).first()


def organism_record(value: str | Organism | None, model: type | None = None) -> Organism:
    """An Organism record from a record, a name, a scientific name or an NCBITaxon id.

    None means the default organism (`bt.settings.organism`); a name not yet in the registry is created
    from the bundled NCBITaxon subset and saved.
    """
    if value is None:
        default = settings.organism
        if default is None:
            what = model.__name__ if model is not None else "this registry"
            raise OrganismError(
                f"{what} needs an organism: pass organism='human' (a name, a scientific name or an "
                "NCBITaxon id), or set a default with bt.settings.organism = 'human'"
            )
        return default
    if isinstance(value, Organism):
        if value._state.adding:
            value.save()
        return value
    existing = find_organism(value, model)
    if existing is not None:
        return existing
    try:
        record = Organism.from_source(name=value.strip(), mute=True)
    except TermNotFoundError as e:
        raise OrganismError(f"unknown organism {value!r}: {e}") from None
    return record.save()


def check_parent_ids(model: type[BioRecord], parents: Any) -> list[str]:
    """Parents given to a constructor: a list of identifiers of the same registry."""
    import numpy as np  # numpy loads on first use, not with the models

    if isinstance(parents, np.ndarray):
        parents = parents.tolist()
    if isinstance(parents, str) or not isinstance(parents, list | tuple):
        raise TypeError(
            f"{model.__name__}(parents=...) takes a list of ontology ids, got {type(parents).__name__}"
        )
    if not all(isinstance(p, str) for p in parents):
        raise TypeError(f"{model.__name__}(parents=...) takes a list of ontology ids (strings)")
    return list(parents)
