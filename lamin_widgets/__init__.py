"""Notebook widgets for lamin_core registries (anywidget): browse, filter, search, look up, view.

import lamin_widgets as lw
browser = lw.RegistryBrowser("Artifact"); browser          # then browser.selected, browser.code
"""

from __future__ import annotations

import lamin_core

from .browser import RegistryBrowser, browse
from .filter_builder import FilterBuilder
from .lookup import LookupBox
from .search import SearchBox
from .view import ViewPanel

__all__ = ["FilterBuilder", "LookupBox", "RegistryBrowser", "SearchBox", "ViewPanel", "browse"]


def __getattr__(name: str):
    if name == "__version__":  # one source for both packages: the distribution's (lamin_core.__version__)
        return lamin_core.__version__
    raise AttributeError(f"module 'lamin_widgets' has no attribute {name!r}")
