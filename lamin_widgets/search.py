"""SearchBox: results as you type, the matched part highlighted; pick one with the keyboard or the mouse."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

import traitlets

from ._base import STATIC, LaminWidget, valid_registry_trait
from .protocol import filterspec
from .protocol.state import get_registry, registry_of

logger = logging.getLogger("lamin_widgets")


class SearchBox(LaminWidget):
    """Search a registry; `box.value` (the picked record), `box.results` (QuerySet), `box.on_submit(cb)`."""

    _esm = STATIC / "search.js"

    registry = traitlets.Unicode("Artifact").tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    value_id = traitlets.Int(None, allow_none=True).tag(sync=True)
    limit = traitlets.Int(10).tag(sync=True)
    placeholder = traitlets.Unicode("").tag(sync=True)

    def __init__(self, registry_or_queryset: Any = "Artifact", **kwargs: Any) -> None:
        model, base = registry_of(registry_or_queryset)
        name = filterspec.registry_name(model)
        super().__init__(registry=name, **kwargs)
        if base is not None:
            self._rpc_context.bases[name] = base
        self._submit_callbacks: list[Callable[[Any], Any]] = []

    @traitlets.validate("registry")
    def _valid_registry(self, proposal):
        return valid_registry_trait(proposal["value"])

    @traitlets.validate("limit")
    def _valid_limit(self, proposal):
        if not 1 <= proposal["value"] <= 100:
            raise traitlets.TraitError("limit must be between 1 and 100")
        return proposal["value"]

    @property
    def model(self):
        return get_registry(self.registry)

    def _base(self):
        return self._rpc_context.bases.get(self.registry, self.model.objects.all())

    @property
    def results(self):
        """The records matching the text, best first (a QuerySet; empty for no text)."""
        if not self.text.strip():
            return self._base().none()
        return self._base().search(self.text, limit=self.limit)

    @property
    def value(self):
        """The picked record (None until one is picked)."""
        if self.value_id is None:
            return None
        return self._base().filter(id=self.value_id).first()

    def on_submit(self, callback: Callable[[Any], Any], remove: bool = False) -> None:
        """Call `callback(record)` when a result is picked (Enter or click)."""
        if remove:
            self._submit_callbacks.remove(callback)
        else:
            self._submit_callbacks.append(callback)

    def _on_event(self, content: dict) -> None:
        if content.get("event") != "submit":
            return
        record_id = content.get("id")
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            return
        self.value_id = record_id
        record = self.value
        for callback in list(self._submit_callbacks):
            callback(record)

    def _fallback_text(self) -> str:
        value = self.value
        return f"SearchBox of {self.registry}: {self.text!r}" + (
            f" -> {value!r}" if value is not None else ""
        )

    def _fallback_html(self) -> str:
        items = "".join(f"<li>{html.escape(repr(r))}</li>" for r in self.results[:10])
        return (
            f"<div class='lamin-fallback'>Search {html.escape(self.registry)}: "
            f"<code>{html.escape(self.text)}</code><ul>{items}</ul></div>"
        )
