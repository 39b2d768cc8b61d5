"""The `lineage` method: the small graph on a record page (docs/architecture.md, "The RPC protocol").

For an artifact or a collection: the run that made it with its transform, the run's inputs (artifacts and
collections) and, for an artifact, the collections it is part of. For a run: its transform, inputs and
outputs. Each column holds at most MAX_NODES records (visible ones only) and says how many more there
are; every node names its registry and id, so the front end links it to its record page.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lamin_core.dtypes import registry_name

from .errors import BadRequest, NotFound
from .filterspec import label_field
from .state import get_registry

MAX_NODES = 5  # per column ("+ 12 more")
REGISTRIES = ("Artifact", "Collection", "Run")


def node(record: models.Model) -> dict[str, Any]:
    """A record as a node: registry, id, uid and the text that names it (for a run, its start)."""
    model = type(record)
    label = None
    for name in (label_field(model), "key", "name", "description", "started_at"):
        value = getattr(record, name, None) if name else None
        if value not in (None, ""):
            label = value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else value
            break
    uid = getattr(record, "uid", None)
    return {"registry": registry_name(model), "id": record.pk, "uid": uid, "label": str(label or uid)}


def _column(querysets: list[models.QuerySet]) -> dict[str, Any]:
    """The first MAX_NODES records of the querysets, in order, and how many more there are."""
    nodes, total = [], 0
    for queryset in querysets:
        total += queryset.count()
        room = MAX_NODES - len(nodes)
        if room > 0:
            nodes += [node(r) for r in queryset.order_by("id")[:room]]
    return {"nodes": nodes, "more": total - len(nodes)}


def _inputs(run: models.Model | None) -> dict[str, Any]:
    if run is None:
        return {"nodes": [], "more": 0}
    return _column([run.input_artifacts.all(), run.input_collections.all()])


def lineage_of(bases: dict[str, models.QuerySet], registry: str, id: int) -> dict[str, Any]:
    """The lineage graph of one visible record of `registry` (Artifact, Collection or Run)."""
    model = get_registry(registry)
    name = registry_name(model)
    if name not in REGISTRIES:
        raise BadRequest(f"lineage: applies to {', '.join(REGISTRIES)}, not {name}")
    found = bases.get(registry, model.objects.all()).filter(id=id).first()
    if found is None:
        raise NotFound(f"lineage: no visible {model.__name__} record with id {id}")
    if name == "Run":
        run, transform = None, found.transform
        inputs = _inputs(found)
        outputs = _column([found.output_artifacts.all(), found.output_collections.all()])
        relation = "outputs"
    else:
        run = found.run
        transform = run.transform if run is not None else None
        inputs = _inputs(run)
        outputs = _column([found.collections.all()]) if name == "Artifact" else {"nodes": [], "more": 0}
        relation = "collections"
    return {
        "record": node(found),
        "transform": node(transform) if transform is not None else None,
        "run": node(run) if run is not None else None,
        "inputs": inputs,
        "outputs": {**outputs, "relation": relation},
    }
