"""`ln.core`: LaminDB's namespace for helpers such as `ln.core.datasets`."""

from .. import datasets

__all__ = ["datasets"]
