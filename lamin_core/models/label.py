"""Free-text labels (ULabel) and their links to artifacts and collections."""

from django.db import models

from ._defaults import uid8
from .base import Record, TracksRun, TracksUpdates


class ULabel(Record, TracksRun, TracksUpdates):
    """A universal label: an experiment, a perturbation, a project."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    name = models.CharField(max_length=150, db_index=True)
    is_type = models.BooleanField(default=False, db_default=False, db_index=True)
    description = models.TextField(null=True, default=None)
    reference = models.CharField(max_length=255, null=True, default=None, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, default=None, db_index=True)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children")
