"""Django configured in code for one instance per process: no settings module for users to write."""

from __future__ import annotations

import importlib.util
import os
import threading
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from .. import plugins
from ..errors import InstanceSwitchError

if TYPE_CHECKING:
    from .settings import InstanceSettings

_lock = threading.Lock()
_active: InstanceSettings | None = None


def configured_instance() -> InstanceSettings | None:
    """The instance Django is set up for in this process, if any."""
    return _active


def database_config(instance: InstanceSettings, *, read_only: bool = False) -> dict:
    """Django's DATABASES['default'] for an instance (SQLite in WAL mode, or PostgreSQL).

    `read_only` (the Jupyter server extension): SQLite opened as a `mode=ro` URI (a missing file is an
    error, never created), PostgreSQL sessions with `default_transaction_read_only`.
    """
    if instance.is_sqlite and read_only:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            # Django opens SQLite with uri=True
            "NAME": f"file:{quote(str(instance.sqlite_path))}?mode=ro",
            "OPTIONS": {"timeout": 30, "init_command": "PRAGMA foreign_keys=ON;"},
        }
    if read_only:
        config = postgres_config(instance.db)
        config["OPTIONS"]["options"] = "-c default_transaction_read_only=on"
        return config
    if instance.is_sqlite:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(instance.sqlite_path),
            "OPTIONS": {
                # wait for a writer instead of failing with "database is locked"
                "timeout": 30,
                # take the write lock at BEGIN so two writers never deadlock on lock upgrade
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    return postgres_config(instance.db)


def postgres_config(url: str) -> dict:
    """Django's database settings from a `postgresql://user:pw@host:port/db` URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"unsupported database URL {url!r}: expected postgresql://user@host:port/dbname")
    return {
        # Django's backend, plus replacing a connection the server dropped (a restart) on next use:
        # CONN_HEALTH_CHECKS acts only at web-request boundaries, never in a notebook or script
        "ENGINE": "lamin_core.setup.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }


def installed_apps(instance: InstanceSettings) -> list[str]:
    """The Django apps for an instance: the core app, plus the modules it was created with that exist."""
    apps = ["lamin_core"]
    for module in instance.modules:
        app = plugins.MODULES.get(module)
        if app is not None and importlib.util.find_spec(app) is not None:
            apps.append(app)
    return apps


def setup_django(instance: InstanceSettings, *, read_only: bool = False) -> None:
    """Configure Django for `instance` once per process; refuse to switch to another one."""
    global _active
    with _lock:
        if _active is not None:
            if _active.uid != instance.uid:
                raise InstanceSwitchError(
                    f"this Python process is already connected to {_active.slug}; "
                    f"restart it to use {instance.slug}"
                )
            return
        # lazy: `import lamin_core` loads no Django
        import django
        from django.conf import settings as dj_settings

        # IPython and Jupyter run cells inside an event loop; the ORM is used synchronously there.
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        dj_settings.configure(
            INSTALLED_APPS=installed_apps(instance),
            # persistent connections (CONN_MAX_AGE None): `close_old_connections()`, which the widgets'
            # worker threads call before each request, replaces only a broken one. Opening an SQLite
            # connection parses the whole schema, the search index's triggers included (~50 ms).
            DATABASES={"default": {**database_config(instance, read_only=read_only), "CONN_MAX_AGE": None}},
            USE_TZ=True,
            TIME_ZONE="UTC",
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
            LOGGING_CONFIG=None,
        )
        django.setup()
        _active = instance


def close_connections() -> None:
    """Close this thread's database connections (used before deleting an instance)."""
    from django.db import connections  # lazy: `import lamin_core` loads no Django

    connections.close_all()
