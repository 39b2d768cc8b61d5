"""Django app configuration of the core registries, and the wiring of the hooks (`lamin_core.hooks`)."""

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


class LaminCoreConfig(AppConfig):
    """The `lamin_core` Django app (tables `lamin_core_*`)."""

    name = "lamin_core"
    label = "lamin_core"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Bind every hook to its service, as `contrib.auth` wires its backends once the models exist."""
        from .query import lookups  # imports the models, which load after this module

        lookups.register()
        _bind_hooks()
        post_migrate.connect(_repair_search_index, sender=self, dispatch_uid="lamin_core.search_index")
        post_migrate.connect(_planner_stats, sender=self, dispatch_uid="lamin_core.planner_stats")


def _bind_hooks() -> None:
    """The services of the models (L3) and the records the setup layer needs (L2), docs/architecture.md."""
    # here, not at the top: the services import the models, which Django loads after this module
    from . import _save, hooks, lineage
    from .artifacts import class_repr, collection, folders, labels, lifecycle, links, load, records
    from .artifacts import save as saving
    from .artifacts import versions as artifact_versions
    from .features import describe, feature_records, manager, params, schemas, ulabels, values
    from .models import instance
    from .models.base import Link
    from .tracking import transforms
    from .tracking.context import context as run_context

    # `artifact.ulabels.add(label)` and every other add() through a link table: concurrent adds of one link
    links.install_idempotent_link_adds(Link)
    bind = {
        hooks.save_records: _save.save,
        hooks.run_context: lambda: run_context,
        hooks.current_user_id: instance.current_user_record_id,
        hooks.seed_records: instance.seed_records,
        hooks.default_storage: instance.default_storage,
        hooks.set_default_storage: instance.set_default_storage,
        hooks.managed_roots: instance.managed_roots,
        hooks.known_artifact_uids: instance.known_artifact_uids,
        hooks.registry_repr: class_repr.registry_repr,
        hooks.init_artifact: records.init_artifact,
        hooks.artifact_loaded: saving.remember_stored,
        hooks.save_artifact: records.save_artifact_record,
        hooks.artifact_path: records.artifact_path,
        hooks.artifact_from_df: records.from_df,
        hooks.artifact_from_anndata: records.from_anndata,
        hooks.artifact_from_mudata: records.from_mudata,
        hooks.artifacts_from_dir: folders.artifacts_from_dir,
        hooks.open_artifact: load.open_artifact,
        hooks.cache_artifact: load.cached_path,
        hooks.load_artifact: load.load_artifact,
        hooks.load_artifacts: collection.load_artifacts,
        hooks.init_collection: records.init_collection,
        hooks.save_collection: records.save_collection_record,
        hooks.cache_collection: records.cache_collection,
        hooks.load_collection: collection.load_collection,
        hooks.append_artifact: collection.append_artifact,
        hooks.mapped_collection: collection.mapped_collection,
        hooks.trash: lifecycle.trash,
        hooks.restore: lifecycle.restore,
        hooks.delete_permanently: lifecycle.delete_permanently,
        hooks.versions: artifact_versions.versions,
        hooks.view_lineage: lineage.view_lineage,
        hooks.labels: labels.LabelManager,
        hooks.features: manager.FeatureManager,
        hooks.params: params.ParamManager,
        hooks.describe: describe.describe,
        hooks.init_schema: schemas.init_schema,
        hooks.save_schema: schemas.save_schema,
        hooks.init_ulabel: ulabels.init_ulabel,
        hooks.save_ulabel: ulabels.save_ulabel,
        hooks.init_feature: feature_records.init_feature,
        hooks.save_feature: feature_records.save_feature,
        hooks.get_or_create_value: values.get_or_create_value,
        hooks.init_transform: transforms.init_transform,
        hooks.save_transform: transforms.save_transform,
        hooks.delete_transform: transforms.delete_transform,
    }
    for hook, function in bind.items():
        hook.bind(function)


def _repair_search_index(sender, using="default", verbosity=1, **kwargs) -> None:
    """After `migrate`: re-create search-index triggers that a rebuilt SQLite table lost."""
    from .search_index.ddl import repair  # at call time: Django imports apps.py before any model

    repair(using, verbosity=verbosity)


def _planner_stats(sender, using="default", **kwargs) -> None:
    """After `migrate` on SQLite: representative planner statistics for tables that have none (see
    `lamin_core.setup.sqlite_template.install_planner_stats`), so that a migrated database plans its
    queries like one copied from the template."""
    from .setup.sqlite_template import install_planner_stats  # at call time, as above

    install_planner_stats(connections[using])
