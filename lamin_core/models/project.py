"""Projects, references (papers, websites) and people, with their links to artifacts and other records.

As LaminDB 1.5.3's `ln.Project`, `ln.Reference` and `ln.Person`. Artifacts link to projects and references
through tables with a `feature` column, as to labels (`artifact.projects`, `artifact.references`).
"""

from __future__ import annotations

from django.db import models

from ._defaults import uid8, uid12
from .base import Link, Record, TracksRun, TracksUpdates


class Person(Record, TracksRun, TracksUpdates):
    """A person: an author of a reference, a member of a project."""

    uid = models.CharField(max_length=8, unique=True, default=uid8, editable=False)
    name = models.CharField(max_length=150, db_index=True)
    email = models.EmailField(null=True, default=None)
    external = models.BooleanField(default=True, db_default=True, db_index=True)


class Reference(Record, TracksRun, TracksUpdates):
    """A reference: a publication, a preprint, a website, a dataset elsewhere."""

    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    name = models.CharField(max_length=255, db_index=True)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")
    is_type = models.BooleanField(default=False, db_default=False, db_index=True)
    abbr = models.CharField(max_length=32, null=True, default=None, db_index=True)
    url = models.URLField(null=True, default=None)
    pubmed_id = models.BigIntegerField(null=True, default=None, db_index=True)
    doi = models.CharField(max_length=255, null=True, default=None, db_index=True)
    description = models.CharField(max_length=255, null=True, default=None, db_index=True)
    text = models.TextField(null=True, default=None)
    date = models.DateField(null=True, default=None)
    authors = models.ManyToManyField(Person, related_name="references")
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactReference", related_name="references"
    )
    transforms = models.ManyToManyField("lamin_core.Transform", related_name="references")
    collections = models.ManyToManyField("lamin_core.Collection", related_name="references")


class Project(Record, TracksRun, TracksUpdates):
    """A project: the records it produced or uses, its people, its references."""

    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    name = models.CharField(max_length=255, db_index=True)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")
    is_type = models.BooleanField(default=False, db_default=False, db_index=True)
    abbr = models.CharField(max_length=32, null=True, default=None, db_index=True)
    url = models.URLField(max_length=255, null=True, default=None)
    start_date = models.DateField(null=True, default=None)
    end_date = models.DateField(null=True, default=None)
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children")
    predecessors = models.ManyToManyField("self", symmetrical=False, related_name="successors")
    people = models.ManyToManyField(Person, related_name="projects")
    artifacts = models.ManyToManyField(
        "lamin_core.Artifact", through="ArtifactProject", related_name="projects"
    )
    transforms = models.ManyToManyField("lamin_core.Transform", related_name="projects")
    runs = models.ManyToManyField("lamin_core.Run", related_name="projects")
    ulabels = models.ManyToManyField("lamin_core.ULabel", related_name="projects")
    features = models.ManyToManyField("lamin_core.Feature", related_name="projects")
    schemas = models.ManyToManyField("lamin_core.Schema", related_name="projects")
    collections = models.ManyToManyField("lamin_core.Collection", related_name="projects")
    references = models.ManyToManyField(Reference, related_name="projects")


class ArtifactProject(Link):
    """An artifact in a project, optionally as the value of a feature."""

    artifact = models.ForeignKey("lamin_core.Artifact", models.CASCADE, related_name="links_project")
    project = models.ForeignKey(Project, models.PROTECT, related_name="links_artifact")
    feature = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="links_artifactproject"
    )
    label_ref_is_name = models.BooleanField(null=True, default=None)
    feature_ref_is_name = models.BooleanField(null=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "project", "feature"], name="uniq_artifactproject", nulls_distinct=False
            )
        ]


class ArtifactReference(Link):
    """An artifact that a reference describes, optionally as the value of a feature."""

    artifact = models.ForeignKey("lamin_core.Artifact", models.CASCADE, related_name="links_reference")
    reference = models.ForeignKey(Reference, models.PROTECT, related_name="links_artifact")
    feature = models.ForeignKey(
        "lamin_core.Feature", models.PROTECT, null=True, default=None, related_name="links_artifactreference"
    )
    label_ref_is_name = models.BooleanField(null=True, default=None)
    feature_ref_is_name = models.BooleanField(null=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["artifact", "reference", "feature"],
                name="uniq_artifactreference",
                nulls_distinct=False,
            )
        ]
