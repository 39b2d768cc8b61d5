"""The server's instance: chosen once, connected read-only on first use, retried while it fails."""

from __future__ import annotations

import os
import threading
from typing import Any

from lamin_core.errors import LaminError, NoInstanceError
from lamin_core.setup.django_config import configured_instance, setup_django
from lamin_core.setup.instance import check_database, resolve_instance
from lamin_core.setup.settings import settings

from ..protocol.errors import DatabaseUnavailable, InstanceSwitch, NoInstance, Unavailable

ENV_VAR = "LAMIN_SERVER_INSTANCE"


class ReadOnlyInstance:
    """The instance the REST API serves (`name`, `owner/name` or a storage folder; None = current)."""

    def __init__(self, ref: str | None = None):
        self.ref = ref or os.environ.get(ENV_VAR) or None
        self._lock = threading.Lock()
        self._settings = None

    def settings(self):
        """The instance's settings, Django set up read-only for it; raises NoInstance, InstanceSwitch or
        DatabaseUnavailable (each an Unavailable: 503, tried again on the next request)."""
        if self._settings is not None:
            return self._settings

        with self._lock:
            if self._settings is not None:
                return self._settings
            try:
                target = resolve_instance(self.ref) if self.ref else settings.instance
                check_database(target, expect_instance=True)
                active = configured_instance()
                if active is None:
                    setup_django(target, read_only=True)
                elif active.uid != target.uid:
                    raise InstanceSwitch(
                        f"this server already serves {active.slug}; restart it for {target.slug}"
                    )
            except Unavailable:
                raise
            except NoInstanceError as error:
                raise NoInstance(str(error)) from error
            except LaminError as error:  # a missing database, a refused connection, corrupt settings
                raise DatabaseUnavailable(str(error)) from error
            except Exception as error:
                raise DatabaseUnavailable(f"{type(error).__name__}: {error}") from error
            self._settings = target
            return target

    def describe(self) -> dict[str, Any]:
        """Name, storage, database and modules of the instance (connecting first), or an Unavailable."""
        instance = self.settings()
        return {
            "name": instance.name,
            "slug": instance.slug,
            "storage": str(instance.storage),
            "database": instance.db_display,
            "dialect": "sqlite" if instance.is_sqlite else "postgresql",
            "modules": list(instance.modules),
            "read_only": True,
        }
