"""Instance set-up: `init`, `connect`, `delete`, `info` and the settings (`ln.setup.settings`)."""

from .instance import connect, delete, info, init
from .settings import settings

__all__ = ["connect", "delete", "info", "init", "settings"]
