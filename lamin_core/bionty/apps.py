"""Django app configuration of the ontology registries (`--modules bionty`)."""

from django.apps import AppConfig

from .. import plugins


class BiontyConfig(AppConfig):
    """The `lamin_core.bionty` Django app: label `bionty`, tables `bionty_*`."""

    name = "lamin_core.bionty"
    label = "bionty"
    verbose_name = "bionty"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Register what bionty adds to core (`lamin_core.plugins`)."""
        # apps.py is imported before the models exist: the modules that import them wait for ready()
        from ._curate import public_hint
        from ._from_source import save_ancestors_of
        from .models import BioRecord, Source
        from .sources import sync_sources

        def bulk_insertable(record) -> bool:
            return isinstance(record, BioRecord) and not isinstance(record, Source)

        plugins.register(
            plugins.Plugin(
                app_label=self.label,
                bulk_insertable=bulk_insertable,
                save_parents=save_ancestors_of,
                missing_values_hint=public_hint,
                seed=sync_sources,
            )
        )
