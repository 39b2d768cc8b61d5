"""RegistryBrowser: a paged, sortable, filterable table of a registry, with search, columns and details."""

from __future__ import annotations

import html
from typing import Any

import traitlets

from ._base import STATIC, frame_html
from ._query_widget import QueryWidget


class RegistryBrowser(QueryWidget):
    """Browse a registry (or a QuerySet) page by page; read back `.queryset`, `.selected`, `.code`.

    `RegistryBrowser("Artifact")`, `RegistryBrowser(ln.ULabel)`, `RegistryBrowser(ln.Artifact.filter(...))`.
    """

    _esm = STATIC / "browser.js"

    page = traitlets.Int(0).tag(sync=True)
    page_size = traitlets.Int(50).tag(sync=True)
    columns = traitlets.List(traitlets.Unicode()).tag(sync=True)  # empty: the registry's df() columns
    features = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected_ids = traitlets.List(traitlets.Int()).tag(sync=True)
    detail_id = traitlets.Int(None, allow_none=True).tag(sync=True)
    show_registries = traitlets.Bool(True).tag(sync=True)

    @traitlets.validate("page_size")
    def _valid_page_size(self, proposal):
        if not 1 <= proposal["value"] <= 1000:
            raise traitlets.TraitError(f"page_size must be between 1 and 1000, got {proposal['value']}")
        return proposal["value"]

    @traitlets.validate("page")
    def _valid_page(self, proposal):
        return max(0, proposal["value"])

    def _reset_for_registry(self) -> None:
        self.set_trait("page", 0)
        self.set_trait("columns", [])
        self.set_trait("features", [])
        self.set_trait("selected_ids", [])
        self.set_trait("detail_id", None)

    @traitlets.observe("filters", "search", "order")
    def _query_changed(self, _change):
        self.page = 0

    @property
    def selected(self):
        """The selected records (a QuerySet, in ascending id)."""
        return self.model.objects.filter(id__in=list(self.selected_ids)).order_by("id")

    def _fallback_text(self) -> str:
        queryset = self.queryset
        return f"RegistryBrowser of {self.registry}: {queryset.count()} records\n{self.code}"

    def _fallback_html(self) -> str:
        queryset = self.queryset
        total = queryset.count()
        frame = (queryset if queryset.ordered else queryset.order_by("id"))[:20].df()
        # like the widget's table: LaminDB's private columns (`_aux`, `_branch_code`) hidden
        frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
        return (
            f"<div class='lamin-fallback'><b>{html.escape(self.registry)}</b>: {total} records "
            f"<code>{html.escape(self.code)}</code>{frame_html(frame)}</div>"
        )


def browse(registry_or_queryset: Any = "Artifact", **kwargs: Any) -> RegistryBrowser:
    """A RegistryBrowser (shorthand)."""
    return RegistryBrowser(registry_or_queryset, **kwargs)


__all__ = ["RegistryBrowser", "browse"]
