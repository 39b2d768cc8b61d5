"""Storage locations: the roots artifacts are stored under."""

from django.db import models

from ._defaults import uid12
from .base import Record, TracksRun, TracksUpdates


class Storage(Record, TracksRun, TracksUpdates):
    """A storage root (local folder or object-store prefix)."""

    _name_field = "root"
    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    root = models.CharField(max_length=255, unique=True)
    description = models.TextField(null=True, default=None)
    type = models.CharField(max_length=30, db_index=True)
    region = models.CharField(max_length=64, null=True, default=None, db_index=True)
    instance_uid = models.CharField(max_length=12, null=True, default=None, db_index=True)
