"""`ln.setup.migrate`: the database migrations of the current instance, in LaminDB 1.5.3's shape.

`ln.setup.migrate.deploy()` (or `ln.setup.migrate()`) applies the migrations the database lacks; connecting
an instance already does that once per process, so deploy() matters for a process that stays connected
while the package is upgraded or a migration was rolled back. `check()`, `show()`, `defined_migrations()`
and `deployed_migrations()` report; `create()` is for the package's developers and is refused.
"""

from __future__ import annotations

from io import StringIO

from .._logger import logger
from ..errors import LaminError
from .django_config import installed_apps
from .instance import apply_pending_migrations, ensure_connected
from .settings import settings
from .sqlite_template import migration_files


def _pending() -> list[str]:
    from django.db import connection  # lazy: `import lamin_core` loads no Django

    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = set(cursor.fetchall())
    shipped = migration_files(installed_apps(settings.instance))
    return sorted(f"{app}.{name}" for app, name in shipped - applied)


class Migrate:
    """Migrations of the current instance: `deploy()`, `check()`, `show()`, `defined_migrations()`,
    `deployed_migrations()`; calling `ln.setup.migrate()` is `deploy()`."""

    def __call__(self) -> list[str]:
        return self.deploy()

    def __repr__(self) -> str:
        return "ln.setup.migrate: deploy(), check(), show(), defined_migrations(), deployed_migrations()"

    def deploy(self) -> list[str]:
        """Apply the migrations the instance's database lacks; returns them as `app.name` (empty: none)."""
        instance = ensure_connected()
        missing = _pending()
        if not missing:
            logger.info(f"instance {instance.slug} is up to date: no migrations to apply")
            return []
        apply_pending_migrations(instance)
        left = _pending()
        if left:
            raise LaminError(f"migrations still missing after deploy: {', '.join(left)}")
        return missing

    def pending(self) -> list[str]:
        """Migrations the package ships that the database lacks, as `app.name`."""
        ensure_connected()
        return _pending()

    def check(self) -> bool:
        """Whether the registries' definitions match the migrations (Django's `makemigrations --check`)."""
        from django.core.management import call_command  # lazy: `import lamin_core` loads no Django

        ensure_connected()
        try:
            call_command("makemigrations", check=True, dry_run=True, stdout=StringIO(), stderr=StringIO())
        except SystemExit:
            logger.error("migrations are not in sync with the registries")
            return False
        return True

    def show(self) -> None:
        """Print each app's migrations, `[X]` where applied (Django's `showmigrations`)."""
        from django.core.management import call_command  # lazy: `import lamin_core` loads no Django

        ensure_connected()
        call_command("showmigrations", *self._apps())

    def defined_migrations(self, latest: bool = False) -> dict:
        """`{app: [migration names]}` the package ships (`latest=True`: `{app: last name}`)."""
        instance = ensure_connected()
        found: dict[str, list[str]] = {}
        for app, name in sorted(migration_files(installed_apps(instance))):
            found.setdefault(app, []).append(name)
        return {app: names[-1] for app, names in found.items()} if latest else found

    def deployed_migrations(self, latest: bool = False) -> dict:
        """`{app: [migration names]}` applied to the database (`latest=True`: `{app: last name}`)."""
        from django.db import connection  # lazy: `import lamin_core` loads no Django

        ensure_connected()
        apps = set(self._apps())
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            rows = [(app, name) for app, name in cursor.fetchall() if app in apps]
        found: dict[str, list[str]] = {}
        for app, name in rows:
            found.setdefault(app, []).append(name)
        return {app: names[-1] for app, names in found.items()} if latest else found

    def create(self) -> None:
        """Refused: migrations ship with lamin_core; an instance never writes its own."""
        raise LaminError(
            "ln.setup.migrate.create() is not available: lamin_core ships its migrations; upgrade the "
            "package and run ln.setup.migrate.deploy()"
        )

    @staticmethod
    def _apps() -> list[str]:
        from django.apps import apps  # lazy: `import lamin_core` loads no Django

        return [config.label for config in apps.get_app_configs() if config.name.startswith("lamin_core")]


migrate = Migrate()
