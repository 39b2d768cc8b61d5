"""Instance set-up: `init`, `connect`, `delete`, `info`, `cleanup`, `migrate` and the settings
(`ln.setup.settings`)."""

from .cleanup import cleanup
from .delete import delete
from .instance import connect, info, init
from .migrate import migrate
from .settings import settings

__all__ = ["cleanup", "connect", "delete", "info", "init", "migrate", "settings"]
