"""Django app configuration of the core registries."""

from django.apps import AppConfig


class LaminCoreConfig(AppConfig):
    """The `lamin_core` Django app (tables `lamin_core_*`)."""

    name = "lamin_core"
    label = "lamin_core"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from .query import lookups

        lookups.register()
