"""Instance set-up: `init`, `connect`, `delete`, `info`, `cleanup`, `migrate` and the settings
(`ln.setup.settings`).

`cleanup` (module `orphans`) and `delete` (module `deletion`) load on first use, as `ln.track` does:
`import lamin_core` needs neither. Their modules are named apart from the functions, so that importing
a module never replaces the function on this package."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes
from .instance import connect, info, init
from .migrate import migrate
from .settings import settings

if TYPE_CHECKING:
    from .deletion import delete
    from .orphans import cleanup

_LAZY = {"cleanup": "orphans", "delete": "deletion"}  # function -> its module
__getattr__ = lazy_attributes(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["cleanup", "connect", "delete", "info", "init", "migrate", "settings"]
