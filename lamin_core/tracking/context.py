"""The run context of this process: which Run (if any) newly saved records belong to."""

from __future__ import annotations

from typing import Any


class RunContext:
    """Holds the current Transform and Run set by `ln.track()`."""

    def __init__(self) -> None:
        self.transform: Any = None
        self.run: Any = None


context = RunContext()
