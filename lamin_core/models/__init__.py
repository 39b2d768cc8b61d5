"""The core registries (Django models of the `lamin_core` app)."""

from .artifact import (
    Artifact,
    ArtifactFeatureValue,
    ArtifactSchema,
    ArtifactULabel,
    Collection,
    CollectionArtifact,
    CollectionULabel,
)
from .feature import Feature, FeatureValue
from .label import ULabel
from .param import ArtifactParamValue, Param, ParamValue, RunParamValue
from .project import ArtifactProject, ArtifactReference, Person, Project, Reference
from .run import Run, Transform
from .schema import Schema, SchemaComponent, SchemaFeature
from .storage import Storage
from .user import Space, User

__all__ = [
    "Artifact",
    "ArtifactFeatureValue",
    "ArtifactParamValue",
    "ArtifactProject",
    "ArtifactReference",
    "ArtifactSchema",
    "ArtifactULabel",
    "Collection",
    "CollectionArtifact",
    "CollectionULabel",
    "Feature",
    "FeatureValue",
    "Param",
    "ParamValue",
    "Person",
    "Project",
    "Reference",
    "Run",
    "RunParamValue",
    "Schema",
    "SchemaComponent",
    "SchemaFeature",
    "Space",
    "Storage",
    "Transform",
    "ULabel",
    "User",
]
