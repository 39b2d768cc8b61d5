"""Artifacts (files, folders, datasets), collections of them, and their link tables."""

from django.db import models
from django.utils import timezone

from ._defaults import current_run_id, current_user_id, versioned_uid16
from .base import BaseRecord, IsVersioned, Record, TracksRun, TracksUpdates

ARTIFACT_KINDS = [(k, k) for k in ("dataset", "model", "__lamindb_run__")]


class Artifact(Record, IsVersioned, TracksRun, TracksUpdates):
    """A file, a folder or an in-memory dataset saved to storage, with its metadata."""

    _has_features = True  # filter() accepts feature names (lamin_core.query.feature_filter)
    uid = models.CharField(max_length=20, unique=True, default=versioned_uid16, editable=False)
    key = models.CharField(max_length=1024, null=True, default=None, db_index=True)
    description = models.TextField(null=True, default=None, db_index=True)
    suffix = models.CharField(max_length=30, db_index=True, editable=False)
    kind = models.CharField(max_length=20, null=True, default=None, choices=ARTIFACT_KINDS, db_index=True)
    otype = models.CharField(max_length=64, null=True, default=None, db_index=True, editable=False)
    size = models.BigIntegerField(null=True, default=None, db_index=True, editable=False)
    hash = models.CharField(max_length=22, null=True, default=None, unique=True, editable=False)
    n_files = models.BigIntegerField(null=True, default=None, db_index=True)
    n_observations = models.BigIntegerField(null=True, default=None, db_index=True)
    _hash_type = models.CharField(max_length=30, null=True, default=None, db_index=True)
    storage = models.ForeignKey(
        "lamin_core.Storage", models.PROTECT, related_name="artifacts", editable=False
    )
    run = models.ForeignKey(
        "lamin_core.Run",
        models.PROTECT,
        null=True,
        default=current_run_id,
        related_name="output_artifacts",
        editable=False,
    )
    schema = models.ForeignKey(
        "lamin_core.Schema", models.PROTECT, null=True, default=None, related_name="validated_artifacts"
    )
    _key_is_virtual = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "lamin_core.User",
        models.PROTECT,
        default=current_user_id,
        related_name="created_artifacts",
        editable=False,
    )
    _overwrite_versions = models.BooleanField(default=False)
    ulabels = models.ManyToManyField(
        "lamin_core.ULabel", through="lamin_core.ArtifactULabel", related_name="artifacts"
    )
    feature_sets = models.ManyToManyField(
        "lamin_core.Schema", through="lamin_core.ArtifactSchema", related_name="artifacts"
    )
    _feature_values = models.ManyToManyField(
        "lamin_core.FeatureValue", through="lamin_core.ArtifactFeatureValue", related_name="artifacts"
    )
    input_of_runs = models.ManyToManyField("lamin_core.Run", related_name="input_artifacts")

    @property
    def schemas(self):
        """Alias of `feature_sets`: the schemas this artifact is annotated with."""
        return self.feature_sets


class Collection(Record, IsVersioned, TracksRun, TracksUpdates):
    """A versioned set of artifacts."""

    uid = models.CharField(max_length=20, unique=True, default=versioned_uid16, editable=False)
    key = models.CharField(max_length=1024, db_index=True)
    description = models.TextField(null=True, default=None, db_index=True)
    hash = models.CharField(max_length=22, null=True, default=None, unique=True)
    reference = models.CharField(max_length=255, null=True, default=None, db_index=True)
    reference_type = models.CharField(max_length=25, null=True, default=None, db_index=True)
    run = models.ForeignKey(
        "lamin_core.Run",
        models.PROTECT,
        null=True,
        default=current_run_id,
        related_name="output_collections",
        editable=False,
    )
    meta_artifact = models.OneToOneField(
        Artifact, models.PROTECT, null=True, default=None, related_name="_meta_of_collection"
    )
    artifacts = models.ManyToManyField(
        Artifact, through="lamin_core.CollectionArtifact", related_name="collections"
    )
    ulabels = models.ManyToManyField(
        "lamin_core.ULabel", through="lamin_core.CollectionULabel", related_name="collections"
    )


class Link(BaseRecord):
    """A row of a link table: who created it, when, in which run."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "lamin_core.User", models.PROTECT, default=current_user_id, related_name="+", editable=False
    )
    run = models.ForeignKey(
        "lamin_core.Run", models.PROTECT, null=True, default=current_run_id, related_name="+"
    )

    class Meta:
        abstract = True


class ArtifactULabel(Link):
    """An artifact annotated with a label, optionally as the value of a feature."""

    artifact = models.ForeignKey(Artifact, models.CASCADE, related_name="links_ulabel")
    ulabel = models.ForeignKey("lamin_core.ULabel", models.PROTECT, related_name="links_artifact")
    feature = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="links_artifactulabel"
    )
    label_ref_is_name = models.BooleanField(null=True, default=None)
    feature_ref_is_name = models.BooleanField(null=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "ulabel", "feature"],
                name="uniq_artifactulabel",
                nulls_distinct=False,
            )
        ]


class ArtifactFeatureValue(Link):
    """An artifact annotated with a feature value."""

    artifact = models.ForeignKey(Artifact, models.CASCADE, related_name="links_featurevalue")
    featurevalue = models.ForeignKey("lamin_core.FeatureValue", models.PROTECT, related_name="links_artifact")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "featurevalue"], name="uniq_artifactfeaturevalue")
        ]


class ArtifactSchema(Link):
    """An artifact annotated with a schema, in a slot (`obs`, `var`, ...)."""

    artifact = models.ForeignKey(Artifact, models.CASCADE, related_name="links_schema")
    schema = models.ForeignKey("lamin_core.Schema", models.PROTECT, related_name="links_artifact")
    slot = models.CharField(max_length=40, null=True, default=None)
    feature_ref_is_semantic = models.BooleanField(null=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "schema"], name="uniq_artifactschema"),
            models.UniqueConstraint(fields=["artifact", "slot"], name="uniq_artifactschema_slot"),
        ]


class CollectionArtifact(Link):
    """An artifact that belongs to a collection."""

    collection = models.ForeignKey(Collection, models.CASCADE, related_name="links_artifact")
    artifact = models.ForeignKey(Artifact, models.PROTECT, related_name="links_collection")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "artifact"], name="uniq_collectionartifact")
        ]


class CollectionULabel(Link):
    """A collection annotated with a label."""

    collection = models.ForeignKey(Collection, models.CASCADE, related_name="links_ulabel")
    ulabel = models.ForeignKey("lamin_core.ULabel", models.PROTECT, related_name="links_collection")
    feature = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="links_collectionulabel"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "ulabel", "feature"],
                name="uniq_collectionulabel",
                nulls_distinct=False,
            )
        ]
