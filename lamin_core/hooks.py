"""How a lower layer reaches a service above it at call time: named hooks, bound in `AppConfig.ready()`.

As in Django's `contrib.auth`, services import the models at the top, and a model (or a QuerySet) calls
its service through a hook that `lamin_core/apps.py` binds once Django is set up (docs/architecture.md,
"Layers"); the setup layer reaches the records of its instance the same way. The hooks are typed: a call
checks against the declared signature like a direct call would. A hook called before Django is set up
(`ln.settings.storage` as the first thing a process does) connects the current instance first, through
`connect`, which `lamin_core/__init__.py` binds. A hook is bound to its service's dotted path and imports
it on its first call, as Django resolves `AUTHENTICATION_BACKENDS`: setting Django up loads no service (a
process that only queries never pays for the modules that save, load or annotate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

from ._lazy import import_path

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    """A function a lower layer calls and a higher layer provides (`bind`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._function: Callable[P, R] | None = None
        self._path: str | None = None

    def bind(self, function: Callable[P, R] | str) -> None:
        """Bind the function, or its path `"package.module:function"`, imported on the first call."""
        self._function, self._path = (None, function) if isinstance(function, str) else (function, None)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        function = self._function
        if function is None:
            function = self._first_call()
        return function(*args, **kwargs)

    def _first_call(self) -> Callable[P, R]:
        """The function, connecting the instance first if nothing is bound yet, importing a bound path."""
        if not self.bound and self is not connect and connect.bound:
            connect()  # binds every hook (AppConfig.ready)
        if self._function is not None:
            return self._function
        if self._path is None:
            raise RuntimeError(f"lamin_core hook {self.name!r} is not bound: Django's apps are not ready yet")
        self._function = import_path(self._path)
        return self._function

    @property
    def bound(self) -> bool:
        return self._function is not None or self._path is not None

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {self._path or getattr(self._function, '__qualname__', None)}>"


# `ln.save(records)` (lamin_core._save), for `RecordList.save()` of the query layer
save_records: Hook[[Iterable[Any]], None] = Hook("save_records")


class RunContext(Protocol):
    """What records read of `ln.track()`'s state (`lamin_core.tracking.context.RunContext`)."""

    run: Any
    project: Any
    space: Any


# set Django up for the current instance (`setup.instance.ensure_connected`), which binds the others
connect: Hook[[], Any] = Hook("connect")

# the tracking layer: `ln.track()`'s run, project and space, for new records and their defaults
run_context: Hook[[], RunContext] = Hook("run_context")

# records of the connected instance (lamin_core.models.instance), for the setup layer and field defaults
current_user_id: Hook[[], int] = Hook("current_user_id")
seed_records: Hook[[Any], None] = Hook("seed_records")  # (InstanceSettings) of a new instance
default_storage: Hook[[], tuple[int, str]] = Hook("default_storage")
set_default_storage: Hook[[str | Path], tuple[int, str]] = Hook("set_default_storage")
managed_roots: Hook[[str | None], list[str]] = Hook("managed_roots")
known_artifact_uids: Hook[[Iterable[str]], set[str]] = Hook("known_artifact_uids")

# the models' behaviour, in their family's service (docs/architecture.md, "Where to add: a registry"): a
# model method is one call of its hook; constructors and save() pass their `super()` method along
registry_repr: Hook[[type], str] = Hook("registry_repr")  # repr(ln.Artifact)
init_artifact: Hook[[Any, Any, dict, Callable[..., None]], None] = Hook("init_artifact")
artifact_loaded: Hook[[Any], None] = Hook("artifact_loaded")  # each Artifact row from the database
save_artifact: Hook[..., Any] = Hook("save_artifact")  # (artifact, save, *args, **kwargs)
artifact_path: Hook[[Any], Any] = Hook("artifact_path")
artifact_from_df: Hook[..., Any] = Hook("artifact_from_df")  # (model, df, schema, **options)
artifact_from_anndata: Hook[..., Any] = Hook("artifact_from_anndata")
artifact_from_mudata: Hook[..., Any] = Hook("artifact_from_mudata")
artifacts_from_dir: Hook[..., list] = Hook("artifacts_from_dir")  # (model, path, key=, run=)
open_artifact: Hook[..., Any] = Hook("open_artifact")  # (artifact, mode=, **kwargs)
cache_artifact: Hook[[Any], Path] = Hook("cache_artifact")
load_artifact: Hook[..., Any] = Hook("load_artifact")  # (artifact, **kwargs)
load_artifacts: Hook[..., Any] = Hook("load_artifacts")  # (artifacts, join=, **kwargs)
init_collection: Hook[[Any, Any, dict, Callable[..., None]], None] = Hook("init_collection")
save_collection: Hook[..., Any] = Hook("save_collection")  # (collection, save, *args, **kwargs)
cache_collection: Hook[[Any], list[Path]] = Hook("cache_collection")
load_collection: Hook[..., Any] = Hook("load_collection")  # (collection, join=, **kwargs)
append_artifact: Hook[..., Any] = Hook("append_artifact")  # (collection, artifact, run=)
mapped_collection: Hook[..., Any] = Hook("mapped_collection")  # (collection, *args, **kwargs)
trash: Hook[[Any], None] = Hook("trash")
restore: Hook[[Any], None] = Hook("restore")
delete_permanently: Hook[..., None] = Hook("delete_permanently")  # (record, delete_file=False)
versions: Hook[[Any], Any] = Hook("versions")  # a QuerySet of a record's visible versions
view_lineage: Hook[[Any, bool], str | None] = Hook("view_lineage")
labels: Hook[[Any], Any] = Hook("labels")  # artifact.labels (LabelManager)
features: Hook[[Any], Any] = Hook("features")  # artifact.features (FeatureManager)
params: Hook[[Any], Any] = Hook("params")  # artifact.params, run.params (ParamManager)
describe: Hook[..., str | None] = Hook("describe")  # (artifact, return_str=False)
init_schema: Hook[[Any, dict, Callable[..., None]], None] = Hook("init_schema")
save_schema: Hook[..., Any] = Hook("save_schema")  # (schema, save, *args, **kwargs)
init_ulabel: Hook[[Any, dict, Callable[..., None]], None] = Hook("init_ulabel")
save_ulabel: Hook[..., Any] = Hook("save_ulabel")  # (label, save, *args, **kwargs)
init_feature: Hook[[Any, dict, Callable[..., None]], None] = Hook("init_feature")
save_feature: Hook[..., Any] = Hook("save_feature")  # (feature, save, *args, **kwargs)
get_or_create_value: Hook[[type, str, Any, Any], tuple[Any, bool]] = Hook("get_or_create_value")
init_transform: Hook[[Any, dict, Callable[..., None]], None] = Hook("init_transform")
save_transform: Hook[..., Any] = Hook("save_transform")  # (transform, save, *args, **kwargs)
delete_transform: Hook[..., Any] = Hook("delete_transform")  # (transform, delete, *args, **kwargs)
