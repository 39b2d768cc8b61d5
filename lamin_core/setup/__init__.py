"""Instance set-up: `init`, `connect`, `delete`, `info`, `cleanup` and the settings (`ln.setup.settings`)."""

from .cleanup import cleanup
from .delete import delete
from .instance import connect, info, init
from .settings import settings

__all__ = ["cleanup", "connect", "delete", "info", "init", "settings"]
