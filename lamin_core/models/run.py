"""Transforms (notebooks, scripts, pipelines) and their runs."""

from django.db import models
from django.utils import timezone

from ._defaults import current_user_id, uid20, versioned_uid12
from .base import IsVersioned, Record, TracksCreation, TracksUpdates

TRANSFORM_TYPES = [(t, t) for t in ("pipeline", "notebook", "upload", "script", "function", "linker")]


class Transform(Record, IsVersioned, TracksCreation, TracksUpdates):
    """Code that creates data: a notebook, a script, a pipeline."""

    _name_field = "key"
    _filter_aliases = {"visibility": "_branch_code"}  # LaminDB 1.x name

    uid = models.CharField(max_length=16, unique=True, default=versioned_uid12, editable=False)
    key = models.CharField(max_length=1024, null=True, default=None, db_index=True)
    description = models.TextField(null=True, default=None, db_index=True)
    type = models.CharField(max_length=20, choices=TRANSFORM_TYPES, default="pipeline", db_index=True)
    source_code = models.TextField(null=True, default=None)
    hash = models.CharField(max_length=22, null=True, default=None, unique=True)
    reference = models.CharField(max_length=255, null=True, default=None, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, default=None, db_index=True)
    _template = models.ForeignKey(
        "self", models.PROTECT, null=True, default=None, related_name="_derived_from"
    )


class Run(Record):
    """One execution of a transform."""

    _name_field = "started_at"
    uid = models.CharField(max_length=20, unique=True, default=uid20, editable=False)
    name = models.CharField(max_length=150, null=True, default=None)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, default=None, db_index=True)
    reference = models.CharField(max_length=255, null=True, default=None, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, default=None, db_index=True)
    _is_consecutive = models.BooleanField(null=True, default=None)
    _status_code = models.SmallIntegerField(default=0, db_index=True)
    transform = models.ForeignKey(Transform, models.CASCADE, related_name="runs")
    report = models.ForeignKey(
        "lamin_core.Artifact", models.PROTECT, null=True, default=None, related_name="_report_of"
    )
    _logfile = models.ForeignKey(
        "lamin_core.Artifact", models.PROTECT, null=True, default=None, related_name="_logfile_of"
    )
    environment = models.ForeignKey(
        "lamin_core.Artifact", models.PROTECT, null=True, default=None, related_name="_environment_of"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    created_by = models.ForeignKey(
        "lamin_core.User",
        models.CASCADE,
        default=current_user_id,
        related_name="created_runs",
        editable=False,
    )
    initiated_by_run = models.ForeignKey(
        "self", models.CASCADE, null=True, default=None, related_name="initiated_runs"
    )
