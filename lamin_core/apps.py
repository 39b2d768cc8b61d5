"""Django app configuration of the core registries, and the wiring of the hooks (`lamin_core.hooks`)."""

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from . import hooks


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
    """The services of the models (L3) and the records the setup layer needs (L2), docs/architecture.md:
    by path, each service imported on its hook's first call (`Hook.bind`)."""
    # here, not at the top: links imports the models, which Django loads after this module
    from .artifacts import links
    from .models.base import Link

    # `artifact.ulabels.add(label)` and every other add() through a link table: concurrent adds of one link
    links.install_idempotent_link_adds(Link)
    bind = {
        hooks.save_records: "lamin_core._save:save",
        hooks.run_context: "lamin_core.tracking.context:current_context",
        hooks.current_user_id: "lamin_core.models.instance:current_user_record_id",
        hooks.seed_records: "lamin_core.models.instance:seed_records",
        hooks.default_storage: "lamin_core.models.instance:default_storage",
        hooks.set_default_storage: "lamin_core.models.instance:set_default_storage",
        hooks.managed_roots: "lamin_core.models.instance:managed_roots",
        hooks.known_artifact_uids: "lamin_core.models.instance:known_artifact_uids",
        hooks.registry_repr: "lamin_core.artifacts.class_repr:registry_repr",
        hooks.init_artifact: "lamin_core.artifacts.records:init_artifact",
        hooks.artifact_loaded: "lamin_core.artifacts.save:remember_stored",
        hooks.save_artifact: "lamin_core.artifacts.records:save_artifact_record",
        hooks.artifact_path: "lamin_core.artifacts.records:artifact_path",
        hooks.artifact_from_df: "lamin_core.artifacts.records:from_df",
        hooks.artifact_from_anndata: "lamin_core.artifacts.records:from_anndata",
        hooks.artifact_from_mudata: "lamin_core.artifacts.records:from_mudata",
        hooks.artifacts_from_dir: "lamin_core.artifacts.folders:artifacts_from_dir",
        hooks.open_artifact: "lamin_core.artifacts.load:open_artifact",
        hooks.cache_artifact: "lamin_core.artifacts.load:cached_path",
        hooks.load_artifact: "lamin_core.artifacts.load:load_artifact",
        hooks.load_artifacts: "lamin_core.artifacts.collection:load_artifacts",
        hooks.init_collection: "lamin_core.artifacts.records:init_collection",
        hooks.save_collection: "lamin_core.artifacts.records:save_collection_record",
        hooks.cache_collection: "lamin_core.artifacts.records:cache_collection",
        hooks.load_collection: "lamin_core.artifacts.collection:load_collection",
        hooks.append_artifact: "lamin_core.artifacts.collection:append_artifact",
        hooks.mapped_collection: "lamin_core.artifacts.collection:mapped_collection",
        hooks.trash: "lamin_core.artifacts.lifecycle:trash",
        hooks.restore: "lamin_core.artifacts.lifecycle:restore",
        hooks.delete_permanently: "lamin_core.artifacts.lifecycle:delete_permanently",
        hooks.versions: "lamin_core.artifacts.versions:versions",
        hooks.view_lineage: "lamin_core.lineage:view_lineage",
        hooks.labels: "lamin_core.artifacts.labels:LabelManager",
        hooks.features: "lamin_core.features.manager:FeatureManager",
        hooks.params: "lamin_core.features.params:ParamManager",
        hooks.describe: "lamin_core.features.describe:describe",
        hooks.init_schema: "lamin_core.features.schemas:init_schema",
        hooks.save_schema: "lamin_core.features.schemas:save_schema",
        hooks.init_ulabel: "lamin_core.features.ulabels:init_ulabel",
        hooks.save_ulabel: "lamin_core.features.ulabels:save_ulabel",
        hooks.init_feature: "lamin_core.features.feature_records:init_feature",
        hooks.save_feature: "lamin_core.features.feature_records:save_feature",
        hooks.get_or_create_value: "lamin_core.features.values:get_or_create_value",
        hooks.init_transform: "lamin_core.tracking.transforms:init_transform",
        hooks.save_transform: "lamin_core.tracking.transforms:save_transform",
        hooks.delete_transform: "lamin_core.tracking.transforms:delete_transform",
    }
    for hook, path in bind.items():
        hook.bind(path)


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
