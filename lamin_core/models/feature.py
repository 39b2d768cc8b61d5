"""Features (dimensions of annotation) and the values artifacts are annotated with."""

from django.db import models

from ._defaults import uid12
from .base import Record, TracksRun, TracksUpdates


class Feature(Record, TracksRun, TracksUpdates):
    """A named, typed dimension: `temperature: float`, `perturbation: cat[ULabel]`."""

    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    name = models.CharField(max_length=150, unique=True)
    dtype = models.CharField(max_length=255, null=True, default=None, db_index=True)
    is_type = models.BooleanField(null=True, default=False, db_index=True)
    unit = models.CharField(max_length=30, null=True, default=None, db_index=True)
    description = models.TextField(null=True, default=None)
    array_rank = models.SmallIntegerField(default=0, db_index=True)
    array_size = models.IntegerField(default=0, db_index=True)
    array_shape = models.JSONField(null=True, default=None)
    proxy_dtype = models.CharField(max_length=255, null=True, default=None)
    synonyms = models.TextField(null=True, default=None)
    _expect_many = models.BooleanField(default=True, db_default=True)
    _curation = models.JSONField(null=True, default=None)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")


class FeatureValue(Record, TracksRun):
    """One value of a non-categorical feature, shared by every artifact annotated with it."""

    value = models.JSONField()
    hash = models.CharField(max_length=22, null=True, default=None, db_index=True)
    feature = models.ForeignKey(Feature, models.CASCADE, null=True, default=None, related_name="values")

    class Meta:
        # simple values are unique by value, dicts and lists by their hash
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "value"],
                condition=models.Q(hash__isnull=True),
                name="unique_simple_feature_value",
            ),
            models.UniqueConstraint(
                fields=["feature", "hash"],
                condition=models.Q(hash__isnull=False),
                name="unique_complex_feature_value",
            ),
        ]
