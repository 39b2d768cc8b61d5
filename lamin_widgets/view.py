"""ViewPanel: the flattened `ln.view()`; clicking a registry opens it in a browser inside the panel."""

from __future__ import annotations

import html
from typing import Any

import traitlets

from lamin_core.setup.instance import ensure_connected
from lamin_core.view import module_registries

from ._base import STATIC, LaminWidget, frame_html, valid_registry_trait
from .browser import RegistryBrowser


def _all_modules() -> list[str]:
    """Core and the modules of the connected instance, as `ln.view()` lists them."""

    return ["core", *ensure_connected().modules]


class ViewPanel(LaminWidget):
    """Modules, registries, counts and latest rows; `panel.registry` is the registry opened (or "")."""

    _esm = STATIC / "view.js"

    limit = traitlets.Int(7).tag(sync=True)
    modules = traitlets.List(traitlets.Unicode()).tag(sync=True)  # empty: every module of the instance
    registry = traitlets.Unicode("").tag(sync=True)

    def __init__(self, limit: int = 7, modules: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(limit=limit, modules=list(modules or []), **kwargs)

    @traitlets.validate("registry")
    def _valid_registry(self, proposal):
        return valid_registry_trait(proposal["value"], allow_empty=True)

    @traitlets.validate("limit")
    def _valid_limit(self, proposal):
        if not 1 <= proposal["value"] <= 100:
            raise traitlets.TraitError("limit must be between 1 and 100")
        return proposal["value"]

    def browser(self, registry: str | None = None):
        """A RegistryBrowser of the opened (or the named) registry."""

        return RegistryBrowser(registry or self.registry or "Artifact")

    def _fallback_text(self) -> str:

        lines = []
        for module in self.modules or _all_modules():
            for model in module_registries(module):
                n = model.objects.count()
                if n:
                    lines.append(f"{module}.{model.__name__}: {n}")
        return "ViewPanel\n" + "\n".join(lines)

    def _fallback_html(self) -> str:

        parts = []
        for module in self.modules or _all_modules():
            for model in module_registries(module):
                if model.objects.exists():
                    frame = model.objects.df(limit=self.limit)
                    parts.append(f"<h4>{html.escape(module)}: {model.__name__}</h4>{frame_html(frame)}")
        return "<div class='lamin-fallback'>" + "".join(parts) + "</div>"
