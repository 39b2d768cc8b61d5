"""Transforms (notebooks, scripts, pipelines) and their runs."""

from __future__ import annotations

import warnings

from django.db import models
from django.utils import timezone

from .. import hooks
from ..errors import FieldValidationError, ValidationError
from ._defaults import current_user_id, uid20, versioned_uid12
from ._validation import PositionalArgumentError
from .base import IsVersioned, Record, TracksCreation, TracksUpdates

TRANSFORM_TYPES = [(t, t) for t in ("pipeline", "notebook", "upload", "script", "function", "linker")]


def _name_alias(kwargs: dict) -> None:
    """LaminDB < 1.0's `Transform(name=...)`: the key, or the description when a key is given (1.5.3)."""
    name = kwargs.pop("name")
    target = "key" if kwargs.get("key") is None else "description"
    if target == "description" and kwargs.get("description") is not None:
        raise FieldValidationError("pass either `name` or `description`, not both (`name` is deprecated)")
    message = f"`name` will be removed soon, please pass {name!r} to `{target}` instead"
    warnings.warn(message, FutureWarning, stacklevel=3)
    kwargs[target] = name


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
    # transforms whose outputs this one's runs used (filled when a run loads an artifact or collection)
    predecessors = models.ManyToManyField("self", symmetrical=False, related_name="successors")

    _len_stem_uid, _len_full_uid = 12, 16  # LaminDB 1.5.3's names

    def __init__(self, *args, **kwargs):
        """`Transform(key=..., description=..., type=..., version=..., revises=..., uid=...)`.

        Versions as LaminDB 1.5.3 (`lamin_core.tracking.versions`): `revises=` makes the next version of a
        family; a key whose latest transform has no saved source code gives that transform back.
        """
        # a row given in full, positionally or with its id (fixtures); database rows come through from_db
        if args or not kwargs or "id" in kwargs or "pk" in kwargs:
            super().__init__(*args, **kwargs)
            return
        if "name" in kwargs:
            _name_alias(kwargs)
        hooks.init_transform(self, kwargs, super().__init__)

    def save(self, *args, **kwargs) -> Transform:
        """Save; a new version (`revises=`) becomes the latest of its family in the same transaction."""
        return hooks.save_transform(self, super().save, *args, **kwargs)

    _delete_record_by_record = True  # QuerySet.delete() calls delete() below for each transform

    def view_lineage(self, return_str: bool = False) -> str | None:
        """Print this transform and its predecessors, upstream (text tree; LaminDB draws a graph)."""
        return hooks.view_lineage(self, return_str)

    def delete(self, *args, **kwargs):
        """Delete the transform (and its runs); if it was the latest version, the previous one becomes it."""
        return hooks.delete_transform(self, super().delete, *args, **kwargs)

    @property
    def stem_uid(self) -> str:
        """The 12-character uid stem all versions share."""
        return self.uid[:12]

    @property
    def versions(self) -> models.QuerySet:
        """All visible versions of this transform, oldest first."""
        return hooks.versions(self)


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

    def __init__(self, *args, **kwargs):
        """`Run(transform, reference=None, reference_type=None, initiated_by_run=None)`; as in LaminDB 1.5.3
        the transform may be passed positionally and must be saved."""
        if args and len(args) != len(self._meta.concrete_fields):
            if len(args) > 1 or "transform" in kwargs:
                raise PositionalArgumentError("Only one non-keyword arg allowed: transform")
            kwargs["transform"], args = args[0], ()
        if not args:
            if kwargs.get("transform") is None and kwargs.get("transform_id") is None:
                raise FieldValidationError("Pass transform parameter, e.g. ln.Run(transform=transform)")
            transform = kwargs.get("transform")
            if isinstance(transform, Transform) and (transform._state.adding or transform.pk is None):
                raise ValidationError("Please save transform record before creating a run")
        super().__init__(*args, **kwargs)

    @property
    def params(self):
        """The run's parameter values (`ln.Param`): `run.params.add_values({...})`, `get_values()`."""
        return hooks.params(self)
