"""How a lower layer reaches a service above it at call time: named hooks, bound in `AppConfig.ready()`.

As in Django's `contrib.auth`, services import the models at the top, and a model (or a QuerySet) calls
its service through a hook that `lamin_core/apps.py` binds once Django is set up (docs/architecture.md,
"Layers"). The hooks are typed: a call checks against the declared signature like a direct call would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Hook(Generic[P, R]):
    """A function a lower layer calls and a higher layer provides (`bind`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._function: Callable[P, R] | None = None

    def bind(self, function: Callable[P, R]) -> None:
        self._function = function

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._function is None:
            raise RuntimeError(f"lamin_core hook {self.name!r} is not bound: Django's apps are not ready yet")
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {getattr(self._function, '__qualname__', None)}>"


# `ln.save(records)` (lamin_core._save), for `RecordList.save()` of the query layer
save_records: Hook[[Iterable[Any]], None] = Hook("save_records")
