"""`ln.core`: LaminDB's namespace for helpers such as `ln.core.datasets`."""

import sys

from .. import datasets

# `from lamin_core.core.datasets import df_iris` as in LaminDB: the same module under its 1.x path
sys.modules[f"{__name__}.datasets"] = datasets

__all__ = ["datasets"]
