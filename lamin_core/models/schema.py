"""Schemas: sets of features (or of identifiers of another registry) that datasets are validated by."""

from django.db import models

from ._defaults import uid16
from .base import Record, TracksRun


class Schema(Record, TracksRun):
    """A feature set: which features a dataset has, and how strictly they are validated."""

    uid = models.CharField(max_length=20, unique=True, default=uid16, editable=False)
    name = models.CharField(max_length=150, null=True, default=None, db_index=True)
    description = models.TextField(null=True, default=None)
    n = models.IntegerField()
    is_type = models.BooleanField(default=False, db_default=False, db_index=True)
    itype = models.CharField(max_length=120, null=True, default=None, db_index=True)
    otype = models.CharField(max_length=64, null=True, default=None, db_index=True)
    dtype = models.CharField(max_length=64, null=True, default=None)
    hash = models.CharField(max_length=22, null=True, default=None, db_index=True)
    minimal_set = models.BooleanField(default=True, db_default=True, db_index=True)
    ordered_set = models.BooleanField(default=False, db_default=False, db_index=True)
    maximal_set = models.BooleanField(default=False, db_default=False, db_index=True)
    _curation = models.JSONField(null=True, default=None)
    slot = models.CharField(max_length=100, null=True, default=None)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")
    validated_by = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="validated_schemas"
    )
    composite = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="components")
    features = models.ManyToManyField(
        "lamin_core.Feature", through="lamin_core.SchemaFeature", related_name="schemas"
    )


class SchemaFeature(models.Model):
    """Which features a schema holds."""

    schema = models.ForeignKey(Schema, models.CASCADE, related_name="links_feature")
    feature = models.ForeignKey("lamin_core.Feature", models.PROTECT, related_name="links_schema")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["schema", "feature"], name="uniq_schemafeature")]
