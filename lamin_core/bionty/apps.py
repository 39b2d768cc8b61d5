"""Django app configuration of the ontology registries (`--modules bionty`)."""

from django.apps import AppConfig
from django.db import models

from .. import plugins

# the fields an ontology registry (one with synonyms) searches by default, in order: names, synonyms and
# identifiers, not the long definitions; a registry without synonyms (Source) searches name and description
_ONTOLOGY_SEARCH_FIELDS = (
    "name",
    "symbol",
    "synonyms",
    "ontology_id",
    "ensembl_gene_id",
    "uniprotkb_id",
    "abbr",
    "scientific_name",
)


# ranking roles of bionty's identifier and synonym fields (lamin_core.search_index.fields)
SEARCH_ROLES = {
    "symbol": "name",
    "ontology_id": "id",
    "ensembl_gene_id": "id",
    "uniprotkb_id": "id",
    "scientific_name": "synonym",
    "gene_symbol": "synonym",
}


def search_fields(registry: type[models.Model]) -> tuple[str, ...]:
    """The default search fields of a bionty registry, in order (those it lacks are left out by core)."""
    if any(field.name == "synonyms" for field in registry._meta.concrete_fields):
        return _ONTOLOGY_SEARCH_FIELDS
    return ("name", "description")


class BiontyConfig(AppConfig):
    """The `lamin_core.bionty` Django app: label `bionty`, tables `bionty_*`."""

    name = "lamin_core.bionty"
    label = "bionty"
    verbose_name = "bionty"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Register what bionty adds to core (`lamin_core.plugins`): its name in code (`bt`), its search
        fields and their roles, its small registries, saving and seeding; its registries' section in
        `ln.view()` and their link tables (`cat[bionty.CellType]` features) follow from the app's models.
        Bind bionty's hooks: its models and settings reach its services through them."""
        # apps.py is imported before the models exist: the modules that import them wait for ready()
        from . import _curate, _from_source, _records, hooks, public
        from .models import BioRecord, Source
        from .sources import sync_sources

        for hook, function in (
            (hooks.source_uid, _records.source_uid),
            (hooks.prepare_kwargs, _records.prepare_kwargs),
            (hooks.check_parent_ids, _records.check_parent_ids),
            (hooks.organism_record, _records.organism_record),
            (hooks.save_ancestors, _from_source.save_ancestors),
            (hooks.from_source, _from_source.from_source),
            (hooks.from_values, _from_source.from_values),
            (hooks.import_source, _from_source.import_source),
            (hooks.curation_scope, _curate.scope),
            (hooks.inspect_public, _curate.inspect_public),
            (hooks.standardize_public, _curate.standardize_public),
            (hooks.public_ontology, public.public_ontology),
        ):
            hook.bind(function)

        def bulk_insertable(record) -> bool:
            return isinstance(record, BioRecord) and not isinstance(record, Source)

        plugins.register(
            plugins.Plugin(
                app_label=self.label,
                package=self.name,
                alias="bt",
                search_fields=search_fields,
                search_roles=SEARCH_ROLES,
                small_registries=("source", "organism"),
                bulk_insertable=bulk_insertable,
                save_parents=_from_source.save_ancestors_of,
                missing_values_hint=_curate.public_hint,
                seed=sync_sources,
                prepare=public.prepare_search,
            )
        )
