"""Behaviour of artifacts and collections: creation, saving, versions, loading, trash and deletion.

The Django models in `lamin_core.models.artifact` delegate their methods here, so that the model file
holds fields only. Nothing here imports the models at module level.
"""
