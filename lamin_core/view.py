"""`ln.view()`: latest records of every non-empty registry per module; `ln.view(df)`: a frame with dtypes."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from . import plugins
from .setup.instance import ensure_connected
from .view_text import frame_text

if TYPE_CHECKING:
    import pandas as pd
    from django.db import models


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython  # optional: IPython only to display in a notebook
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _display_options():
    import pandas as pd  # heavy: loaded when the tables are built

    return pd.option_context(
        "display.max_columns", None, "display.width", 100_000, "display.max_colwidth", 50
    )


def module_registries(module: str) -> list[type[models.Model]]:
    """The registries of a module that `ln.view()` shows (no users, spaces or link tables), by name:
    core's, or those of a module whose plugin is registered (its app is installed); else none."""
    from django.apps import apps  # Django when ln.view() runs: `import lamin_core` stays cheap

    from .models.base import Record  # the models load only once Django is set up (ensure_connected)

    if module in ("core", "lamin_core"):
        label = "lamin_core"
    elif plugins.get(module) is not None:
        label = module
    else:
        return []
    config = apps.get_app_config(label)
    return sorted((m for m in config.get_models() if issubclass(m, Record)), key=lambda m: m.__name__)


def nonempty(models: list[type[models.Model]]) -> list[type[models.Model]]:
    """The registries that hold at least one visible record, asked in one query."""
    from django.db import connection  # Django when ln.view() runs: `import lamin_core` stays cheap

    if not models:
        return []
    quote = connection.ops.quote_name
    parts = [
        f"SELECT {i}, EXISTS(SELECT 1 FROM {quote(m._meta.db_table)} WHERE {quote('_branch_code')} = 1)"
        for i, m in enumerate(models)
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        found = {i for i, exists in cursor.fetchall() if exists}
    return [m for i, m in enumerate(models) if i in found]


def dtype_row(frame: pd.DataFrame) -> list[str]:
    """Per column: the feature dtype recorded by `df(features=True)`, else one derived from the values."""
    import pandas as pd  # heavy: loaded when the tables are built

    recorded = frame.attrs.get("dtypes", {})
    names = []
    for column in frame.columns:
        if column in recorded:
            names.append(recorded[column])
            continue
        series = frame[column]
        if pd.api.types.is_bool_dtype(series):
            names.append("bool")
        elif pd.api.types.is_integer_dtype(series):
            names.append("int")
        elif pd.api.types.is_float_dtype(series):
            names.append("float")
        elif pd.api.types.is_datetime64_any_dtype(series):
            names.append("datetime")
        else:
            names.append("str")
    return names


def with_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a second header row holding each column's dtype."""
    import pandas as pd  # heavy: loaded when the tables are built

    shown = frame.copy()
    shown.columns = pd.MultiIndex.from_arrays([list(frame.columns), dtype_row(frame)])
    return shown


def view(
    df: pd.DataFrame | None = None,
    limit: int = 7,
    modules: str | list[str] | None = None,
    registries: list[str] | None = None,
) -> None:
    """Print (in a notebook: display) the latest records of every non-empty registry, or `df` with dtypes."""
    if df is not None:
        shown = with_dtypes(df)
        if _in_notebook():
            from IPython.display import display  # in a notebook only

            display(shown)
        else:
            with _display_options():
                print(shown)
        return None
    instance = ensure_connected()
    names = [modules] if isinstance(modules, str) else list(modules or ["core", *instance.modules])
    notebook = _in_notebook()
    for module in names:
        models = [m for m in module_registries(module) if registries is None or m.__name__ in registries]
        frames = [(m, m.objects.df(limit=limit)) for m in nonempty(models)]
        if not frames:
            continue
        banner = f"* module: {module} *"
        if notebook:
            from IPython.display import HTML, display  # in a notebook only

            display(HTML(f"<h3>module: {module}</h3>"))
        else:
            print("*" * len(banner), banner, "*" * len(banner), sep="\n")
        for model, frame in frames:
            if notebook:
                display(HTML(f"<b>{model.__name__}</b>"))
                display(frame)
            else:
                print(model.__name__)
                text = frame_text(frame)
                with _display_options(), contextlib.suppress(BrokenPipeError):
                    print(frame if text is None else text)
    return None
