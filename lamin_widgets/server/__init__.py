"""Jupyter server extension: the widgets' method table over REST under `/lamin/api/`, for the sidebar.

Enabled by `etc/jupyter/jupyter_server_config.d/lamin_widgets.json` in the wheel. The instance is
`c.LaminServer.instance`, else the environment variable `LAMIN_SERVER_INSTANCE`, else the current one;
its database is opened read-only.
"""

from __future__ import annotations

import lamin_widgets

from .app import LaminServer


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "lamin_widgets.server", "app": LaminServer}]


def __getattr__(name: str):
    if name == "__version__":  # the distribution's, as lamin_widgets.__version__
        return lamin_widgets.__version__
    raise AttributeError(f"module 'lamin_widgets.server' has no attribute {name!r}")


__all__ = ["LaminServer"]
