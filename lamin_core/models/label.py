"""Free-text labels (ULabel) and their links to artifacts and collections."""

from django.db import models

from .. import hooks
from ._defaults import uid8
from ._validation import validate_init
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

    def __init__(self, *args, **kwargs):
        """`ULabel(name=..., type=..., description=..., reference=..., reference_type=...)`; like LaminDB, a
        label whose name (within its type) exists already is that record."""
        if args:  # a row given in full, else refused (BaseRecord.__init__; database rows: from_db)
            super().__init__(*args, **kwargs)
            return
        validate_init(ULabel, kwargs)  # before a label is looked up; `ULabel()` is refused, as in 1.5.3
        hooks.init_ulabel(self, kwargs, super().__init__)

    def save(self, *args, **kwargs):
        """Save; a label with this name (within its type) saved meanwhile, e.g. by another process, is
        returned instead of a duplicate (names are not unique in the table, as in LaminDB). With
        `ln.settings.creation.search_names = False` neither this nor the constructor looks names up."""
        return hooks.save_ulabel(self, super().save, *args, **kwargs)
