"""`artifact.view_lineage()` / `collection.view_lineage()` / `transform.view_lineage()` as text trees.

LaminDB draws lineage with graphviz; here it is printed (or returned with `return_str=True`) as a tree
walking upstream: a record, the run that made it, that run's transform, the run's inputs, and so on.
Records met before are marked instead of expanded, so circular lineage (a run using its own output) ends.
"""

from __future__ import annotations

from typing import Any

from .models import Transform

_MAX_DEPTH = 20


def _label(record: Any) -> str:
    kind = type(record).__name__
    name = getattr(record, "key", None) or getattr(record, "description", None) or getattr(record, "name", "")
    return f"{kind} {name!r} ({record.uid})" if name else f"{kind} {record.uid}"


def _inputs(run: Any) -> list[Any]:
    return [*run.input_artifacts.order_by("id"), *run.input_collections.order_by("id")]


def _upstream(record: Any, seen: set, depth: int, prefix: str, lines: list[str]) -> None:
    """The lines below `record`: the run that made it (with its transform) and that run's inputs."""
    run = getattr(record, "run", None)
    if run is None or depth >= _MAX_DEPTH:
        return
    lines.append(f"{prefix}└── made by Run {run.uid} of {_label(run.transform)}")
    inner = prefix + "    "
    inputs = _inputs(run)
    for position, item in enumerate(inputs):
        last = position == len(inputs) - 1
        key = (type(item).__name__, item.pk)
        mark = "  (shown above)" if key in seen else ""
        lines.append(f"{inner}{'└── ' if last else '├── '}input {_label(item)}{mark}")
        if key not in seen:
            seen.add(key)
            _upstream(item, seen, depth + 1, inner + ("    " if last else "│   "), lines)


def record_lineage(record: Any) -> str:
    """The upstream lineage of an artifact or collection as a text tree."""
    lines = [_label(record)]
    _upstream(record, {(type(record).__name__, record.pk)}, 0, "", lines)
    if len(lines) == 1:
        lines.append("└── no run recorded (saved outside ln.track())")
    return "\n".join(lines)


def transform_lineage(transform: Any) -> str:
    """A transform and its predecessors (transforms whose outputs its runs used), as a text tree."""
    lines = [_label(transform)]
    seen = {transform.pk}

    def walk(node: Any, prefix: str, depth: int) -> None:
        parents = list(node.predecessors.order_by("id"))
        for index, parent in enumerate(parents):
            last = index == len(parents) - 1
            mark = "  (shown above)" if parent.pk in seen else ""
            lines.append(f"{prefix}{'└── ' if last else '├── '}after {_label(parent)}{mark}")
            if parent.pk not in seen and depth < _MAX_DEPTH:
                seen.add(parent.pk)
                walk(parent, prefix + ("    " if last else "│   "), depth + 1)

    walk(transform, "", 0)
    return "\n".join(lines)


def show(text: str, return_str: bool) -> str | None:
    """Print `text`, or return it."""
    if return_str:
        return text
    print(text)
    return None


def view_lineage(record: Any, return_str: bool = False) -> str | None:
    """`record.view_lineage()`: a transform with its predecessors, else an artifact's or collection's
    upstream lineage; printed, or returned with `return_str=True`."""
    text = transform_lineage(record) if isinstance(record, Transform) else record_lineage(record)
    return show(text, return_str)
