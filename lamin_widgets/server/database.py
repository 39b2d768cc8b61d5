"""The server's instance: chosen once, connected read-only on first use, retried while it fails."""

from __future__ import annotations

import os
import threading
from typing import Any

ENV_VAR = "LAMIN_SERVER_INSTANCE"


class InstanceUnavailable(Exception):
    """No instance is configured, or its database cannot be opened; `kind` names which."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class ReadOnlyInstance:
    """The instance the REST API serves (`name`, `owner/name` or a storage folder; None = current)."""

    def __init__(self, ref: str | None = None):
        self.ref = ref or os.environ.get(ENV_VAR) or None
        self._lock = threading.Lock()
        self._settings = None

    def settings(self):
        """The instance's settings, Django set up read-only for it; raises InstanceUnavailable."""
        if self._settings is not None:
            return self._settings
        from lamin_core.errors import LaminError
        from lamin_core.setup.django_config import configured_instance, setup_django
        from lamin_core.setup.instance import _resolve, check_database
        from lamin_core.setup.settings import settings

        with self._lock:
            if self._settings is not None:
                return self._settings
            try:
                target = _resolve(self.ref) if self.ref else settings.instance
                check_database(target, expect_instance=True)
                active = configured_instance()
                if active is None:
                    setup_django(target, read_only=True)
                elif active.uid != target.uid:
                    raise InstanceUnavailable(
                        "instance_switch",
                        f"this server already serves {active.slug}; restart it for {target.slug}",
                    )
            except InstanceUnavailable:
                raise
            except LaminError as error:
                kind = {"NoInstanceError": "no_instance"}.get(type(error).__name__, "database_unavailable")
                raise InstanceUnavailable(kind, str(error)) from error
            except Exception as error:
                raise InstanceUnavailable(
                    "database_unavailable", f"{type(error).__name__}: {error}"
                ) from error
            self._settings = target
            return target

    def describe(self) -> dict[str, Any]:
        """Name, storage, database and modules of the instance (connecting first), or InstanceUnavailable."""
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
