"""Django app configuration of the ontology registries (`--modules bionty`)."""

from django.apps import AppConfig


class BiontyConfig(AppConfig):
    """The `lamin_core.bionty` Django app: label `bionty`, tables `bionty_*`."""

    name = "lamin_core.bionty"
    label = "bionty"
    verbose_name = "bionty"
    default_auto_field = "django.db.models.AutoField"
