"""Django app configuration of the core registries."""

from django.apps import AppConfig


class LaminCoreConfig(AppConfig):
    """The `lamin_core` Django app (tables `lamin_core_*`)."""

    name = "lamin_core"
    label = "lamin_core"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import _save, hooks
        from .query import lookups

        lookups.register()
        hooks.save_records.bind(_save.save)
        post_migrate.connect(_repair_search_index, sender=self, dispatch_uid="lamin_core.search_index")
        post_migrate.connect(_planner_stats, sender=self, dispatch_uid="lamin_core.planner_stats")


def _repair_search_index(sender, using="default", verbosity=1, **kwargs) -> None:
    """After `migrate`: re-create search-index triggers that a rebuilt SQLite table lost."""
    from .search_index.ddl import repair

    repair(using, verbosity=verbosity)


def _planner_stats(sender, using="default", **kwargs) -> None:
    """After `migrate` on SQLite: representative planner statistics for tables that have none (see
    `lamin_core.setup.sqlite_template.install_planner_stats`), so that a migrated database plans its
    queries like one copied from the template."""
    from django.db import connections

    from .setup.sqlite_template import install_planner_stats

    install_planner_stats(connections[using])
