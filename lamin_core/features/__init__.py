"""Features: dtypes, the per-artifact feature accessor (`artifact.features`), describe, schema validation.

Import cheaply: `dtypes` needs no models; the accessor, describe and validation modules import the models
and are loaded on first use.
"""

from ..dtypes import SIMPLE_DTYPES, CatTarget, ParsedDtype, parse_dtype, serialize_dtype

__all__ = ["SIMPLE_DTYPES", "CatTarget", "FeatureManager", "ParsedDtype", "parse_dtype", "serialize_dtype"]


def __getattr__(name: str):
    if name == "FeatureManager":
        from .manager import FeatureManager  # imports the models: loaded once Django is set up

        return FeatureManager
    if name in ("validate_dataframe", "validate_anndata"):
        from . import validation  # imports the models: loaded once Django is set up

        return getattr(validation, name)
    raise AttributeError(f"module 'lamin_core.features' has no attribute {name!r}")
