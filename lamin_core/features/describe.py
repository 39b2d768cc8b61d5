"""`artifact.describe()`: the artifact, its features and labels as a plain-text tree (LaminDB's layout)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .._logger import logger
from .label_rows import label_rows

if TYPE_CHECKING:
    from ..models import Artifact

_MAX_VALUES = 10


def _format_values(values: list[Any], n: int = _MAX_VALUES) -> str:
    """Values joined with ", " (strings without quotes), sorted when comparable, cut after `n`."""
    with contextlib.suppress(TypeError):
        values = sorted(values)
    shown = ", ".join(str(v) for v in values[:n])
    return shown + (", ..." if len(values) > n else "")


def _tree(title: str, branches: list[tuple[str, list[str]]]) -> list[str]:
    """Render `title` with branches, each a heading with child lines (a child may span several lines)."""
    lines = [title]
    for i, (heading, children) in enumerate(branches):
        last = i == len(branches) - 1
        lines.append(("└── " if last else "├── ") + heading)
        prefix = "    " if last else "│   "
        for j, child in enumerate(children):
            child_last = j == len(children) - 1
            first, *rest = child.split("\n")
            lines.append(prefix + ("└── " if child_last else "├── ") + first)
            lines += [prefix + ("    " if child_last else "│   ") + line for line in rest]
    return lines


def _table(rows: list[tuple[str, str, str]]) -> str:
    """Aligned rows of (name, dtype, values), one per line."""
    if not rows:
        return ""
    w1 = max(len(r[0]) for r in rows) + 2
    w2 = max(len(r[1]) for r in rows) + 2
    return "\n".join(f"{a:<{w1}}{b:<{w2}}{c}".rstrip() for a, b, c in rows)


def _general(artifact: Artifact) -> list[str]:
    lines = [f".uid = '{artifact.uid}'"]
    for name in ("key", "description", "suffix"):
        value = getattr(artifact, name, None)
        if value:
            lines.append(f".{name} = '{value}'")
    for name in ("size", "n_files", "n_observations"):
        value = getattr(artifact, name, None)
        if value:
            lines.append(f".{name} = {value}")
    if artifact.hash:
        lines.append(f".hash = '{artifact.hash}'")
    if getattr(artifact, "version", None):
        lines.append(f".version = '{artifact.version}'")
    if artifact.storage_id is not None:
        lines.append(f".storage = {artifact.storage.root}")
        try:
            path = artifact.path
        except Exception:
            path = None
        if path is not None and not callable(path):
            lines.append(f".path = {path}")
    if artifact.created_by_id is not None:
        user = artifact.created_by
        lines.append(f".created_by = {user.handle}" + (f" ({user.name})" if user.name else ""))
    if artifact.created_at is not None:
        lines.append(f".created_at = {artifact.created_at:%Y-%m-%d %H:%M:%S}")
    if artifact.run_id is not None:
        run = artifact.run
        transform = run.transform
        label = transform.description or transform.key
        lines.append(f".run = '{run.uid}'" + (f" (transform '{label}')" if label else ""))
    return lines


def _feature_sections(manager: Any) -> list[tuple[str, list[str]]]:
    categorical, plain = manager._collect()
    rows: dict[str, tuple[str, str, str]] = {}
    for group in (categorical, plain):
        for (name, dtype), values in group.items():
            rows[name] = (name, dtype or "", _format_values(values))
    sections: list[tuple[str, list[str]]] = []
    in_schemas: set[str] = set()
    dataset_children = []
    for slot, schema in manager.slots.items():
        heading = f"{slot or 'features'} • {schema.n}  [{schema.itype}]"
        table_rows = []
        if schema.itype == "Feature":
            members = schema.features.order_by("links_schema__id").values_list("name", "dtype")
            for name, dtype in members:
                in_schemas.add(name)
                table_rows.append(rows.get(name, (name, dtype or "", "")))
        dataset_children.append(heading + ("\n" + _table(table_rows) if table_rows else ""))
    if dataset_children:
        sections.append(("Dataset features", dataset_children))
    linked = [rows[name] for name in sorted(rows) if name not in in_schemas]
    if linked:
        sections.append(("Linked features", [_table(linked)]))
    return sections


def _labels_section(artifact: Artifact) -> list[tuple[str, list[str]]]:
    names: dict = {}
    for link, _, _, name in label_rows(artifact, with_feature=False):
        names.setdefault(link, [])
        if name not in names[link]:
            names[link].append(name)
    rows = [(f".{link.accessor}", link.name, _format_values(values)) for link, values in names.items()]
    return [("Labels", [_table(rows)])] if rows else []


def describe_features_text(manager: Any) -> str:
    """The features part of the tree (Dataset features, Linked features) of `artifact.features` (a
    FeatureManager), '' if there are none."""
    if manager._host.pk is None:
        return ""
    sections = _feature_sections(manager)
    return "\n".join(_tree("Features", sections)) if sections else ""


def describe_text(artifact: Artifact) -> str:
    """The whole tree: header, General, Dataset features, Linked features, Labels."""
    suffix = artifact.suffix or ""
    otype = artifact.otype or ""
    kind = f"{suffix}/{otype}" if suffix and otype else suffix or otype
    title = f"{type(artifact).__name__} {kind}".rstrip()
    sections = [("General", _general(artifact))]
    if artifact.pk is not None:
        sections += _feature_sections(artifact.features) + _labels_section(artifact)
    return "\n".join(_tree(title, sections))


def describe(artifact: Artifact, return_str: bool = False) -> str | None:
    """Print the tree (or return it with `return_str=True`)."""
    branch = getattr(artifact, "_branch_code", 1)
    if branch == 0:
        logger.warning("This artifact is archived.")
    elif branch == -1:
        logger.warning("This artifact is in the trash.")
    if getattr(artifact, "is_latest", True) is False:
        logger.warning(f"This is not the latest version of the {type(artifact).__name__}.")
    text = describe_text(artifact)
    if return_str:
        return text
    print(text)
    return None
