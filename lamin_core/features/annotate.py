"""Annotating a saved artifact with what validating its dataset found (`from_df` / `from_anndata` with a
schema): the labels of categorical columns as feature values, and one schema per slot.

Like LaminDB's curators: labels link with their feature set (`ArtifactULabel(artifact, DMSO,
perturbation)`, `ArtifactCellType(artifact, T cell, cell_type_by_model)`); the validated columns of a
table become a schema of features, the identifiers of `var.T` a schema of genes, each linked through
`ArtifactSchema` with its slot (`obs`, `var.T`, `columns`). Runs inside the caller's transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from ..models import ArtifactSchema, Schema
from . import manager  # link_labels as an attribute: the fault tests replace it

if TYPE_CHECKING:
    from ..models import Artifact
    from .validation import Annotation


def annotate(artifact: Artifact, annotation: Annotation) -> None:
    """Link the artifact's labels (with their features) and the schemas of its slots; all or nothing."""
    with transaction.atomic():
        manager.link_labels(artifact.pk, [triple for slot in annotation.slots for triple in slot.labels])
        links = []
        for slot in annotation.slots:
            if not slot.members:
                continue
            schema = Schema(features=slot.members, itype=slot.itype).save()
            links.append(ArtifactSchema(artifact_id=artifact.pk, schema_id=schema.pk, slot=slot.slot))
        ArtifactSchema.objects.bulk_create(links, ignore_conflicts=True)
