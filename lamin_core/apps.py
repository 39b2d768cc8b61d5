"""Django app configuration of the core registries."""

from django.apps import AppConfig


class LaminCoreConfig(AppConfig):
    """The `lamin_core` Django app (tables `lamin_core_*`)."""

    name = "lamin_core"
    label = "lamin_core"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .query import lookups

        lookups.register()
        post_migrate.connect(_repair_search_index, sender=self, dispatch_uid="lamin_core.search_index")


def _repair_search_index(sender, using="default", verbosity=1, **kwargs) -> None:
    """After `migrate`: re-create search-index triggers that a rebuilt SQLite table lost."""
    from .search_index.ddl import repair

    repair(using, verbosity=verbosity)
