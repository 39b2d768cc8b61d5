"""Users and spaces: who created a record and which space it belongs to."""

from django.db import models
from django.utils import timezone

from ._defaults import uid8
from .base import BaseRecord


class User(BaseRecord):
    """A user of the instance (handle `testuser1`, name `Test User1`)."""

    _name_field = "handle"  # lookups and from_values key users by handle, as LaminDB
    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    handle = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=150, null=True, default=None, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)


class Space(BaseRecord):
    """A space records belong to; the default space `All` has id 1."""

    id = models.SmallAutoField(primary_key=True)
    name = models.CharField(max_length=100, db_index=True)
    uid = models.CharField(
        max_length=12, unique=True, default="00000000", db_default="00000000", editable=False
    )
    description = models.CharField(max_length=255, null=True, default=None)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(User, models.PROTECT, null=True, default=None, related_name="+")
