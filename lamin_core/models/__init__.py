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
from .run import Run, Transform
from .schema import Schema, SchemaComponent, SchemaFeature
from .storage import Storage
from .user import Space, User

__all__ = [
    "Artifact",
    "ArtifactFeatureValue",
    "ArtifactSchema",
    "ArtifactULabel",
    "Collection",
    "CollectionArtifact",
    "CollectionULabel",
    "Feature",
    "FeatureValue",
    "Run",
    "Schema",
    "SchemaComponent",
    "SchemaFeature",
    "Space",
    "Storage",
    "Transform",
    "ULabel",
    "User",
]
