"""Parameters of runs and of model artifacts (`ln.Param`, `run.params`, `artifact.params`), as LaminDB 1.5.3.

A Param is like a Feature for settings (a learning rate, a config dict); its values are shared ParamValue
rows, linked to runs and to artifacts of kind "model".
"""

from __future__ import annotations

from typing import Any

from django.db import models

from ..dtypes import serialize_dtype
from .base import Link, Record, TracksCreation, TracksRun, TracksUpdates


class Param(Record, TracksRun, TracksUpdates):
    """A parameter: its name and dtype (`float`, `int`, `str`, `bool`, `dict`, `date`, `datetime`, lists)."""

    name = models.CharField(max_length=100, db_index=True)
    dtype = models.CharField(max_length=255, null=True, default=None, db_index=True)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")
    is_type = models.BooleanField(default=False, db_default=False, db_index=True)
    _expect_many = models.BooleanField(default=False, db_default=False)

    def __init__(self, *args, **kwargs):
        if not args and "dtype" in kwargs and not isinstance(kwargs["dtype"], str | None):
            kwargs["dtype"] = serialize_dtype(kwargs["dtype"])  # `float`, `dict`, `list[int]` as objects
        super().__init__(*args, **kwargs)


class ParamValue(Record, TracksCreation):
    """One value of a parameter, shared by every run and artifact that has it."""

    _name_field = "value"
    param = models.ForeignKey(Param, models.CASCADE, related_name="values")
    value = models.JSONField()
    hash = models.CharField(max_length=22, null=True, default=None, db_index=True)
    runs = models.ManyToManyField("lamin_core.Run", through="RunParamValue", related_name="_param_values")
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactParamValue", related_name="_param_values"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["param", "value"],
                condition=models.Q(hash__isnull=True),
                name="unique_simple_param_value",
            ),
            models.UniqueConstraint(
                fields=["param", "hash"],
                condition=models.Q(hash__isnull=False),
                name="unique_complex_param_value",
            ),
        ]

    def __repr__(self) -> str:
        value: Any = self.value
        return f"ParamValue(param={self.param_id}, value={value!r})"


class RunParamValue(Link):
    """A run's value of a parameter."""

    run = models.ForeignKey("lamin_core.Run", models.CASCADE, related_name="links_paramvalue")
    paramvalue = models.ForeignKey(ParamValue, models.PROTECT, related_name="links_run")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "paramvalue"], name="uniq_runparamvalue")]


class ArtifactParamValue(Link):
    """A model artifact's value of a parameter."""

    artifact = models.ForeignKey("lamin_core.Artifact", models.CASCADE, related_name="links_paramvalue")
    paramvalue = models.ForeignKey(ParamValue, models.PROTECT, related_name="links_artifact")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "paramvalue"], name="uniq_artifactparamvalue")
        ]
