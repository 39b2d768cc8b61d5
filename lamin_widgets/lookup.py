"""LookupBox: type-ahead over a registry's names, the interactive twin of `Registry.lookup()`."""

from __future__ import annotations

import html
from typing import Any

import traitlets

from ._base import STATIC, LaminWidget, valid_registry_trait
from .protocol import filterspec
from .protocol.state import get_registry, registry_of


class LookupBox(LaminWidget):
    """Pick a record by name; `box.value` is the record.

    `LookupBox(ln.ULabel)`, `LookupBox(bt.Gene, "symbol")`.
    """

    _esm = STATIC / "lookup.js"

    registry = traitlets.Unicode("ULabel").tag(sync=True)
    field = traitlets.Unicode("").tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    value_id = traitlets.Int(None, allow_none=True).tag(sync=True)
    placeholder = traitlets.Unicode("").tag(sync=True)

    def __init__(self, registry_or_queryset: Any = "ULabel", field: str | None = None, **kwargs: Any) -> None:
        model, base = registry_of(registry_or_queryset)
        name = filterspec.registry_name(model)
        field = field or filterspec.label_field(model) or ""
        info = filterspec.resolve(model, field, {}) if field else None
        if info is None or info.kind != "text" or "__" in field:
            raise ValueError(f"{model.__name__}.{field or '?'} is not a text field to look up; pass field=")
        super().__init__(registry=name, field=field, **kwargs)
        if base is not None:
            self._rpc_context.bases[name] = base

    @traitlets.validate("registry")
    def _valid_registry(self, proposal):
        return valid_registry_trait(proposal["value"])

    @property
    def model(self):
        return get_registry(self.registry)

    @property
    def value(self):
        """The picked record (None until one is picked)."""
        if self.value_id is None:
            return None
        base = self._rpc_context.bases.get(self.registry, self.model.objects.all())
        return base.filter(id=self.value_id).first()

    def _fallback_text(self) -> str:
        value = self.value
        return f"LookupBox of {self.registry}.{self.field}" + (f": {value!r}" if value is not None else "")

    def _fallback_html(self) -> str:
        return f"<div class='lamin-fallback'>{html.escape(self._fallback_text())}</div>"
