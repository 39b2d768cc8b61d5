"""FilterBuilder: conditions on fields, relations and features in AND/OR groups; a live count and code."""

from __future__ import annotations

import html

from ._base import STATIC
from ._query_widget import QueryWidget


class FilterBuilder(QueryWidget):
    """Build a filter; `fb.filters` (the spec), `fb.queryset`, `fb.to_dataframe()`, `fb.code`.

    `FilterBuilder("Artifact")`; set filters from Python with `fb.filters = {"op": "and", "items": [...]}`.
    """

    _esm = STATIC / "filter_builder.js"

    def _fallback_text(self) -> str:
        return f"FilterBuilder of {self.registry}: {self.queryset.count()} records\n{self.code}"

    def _fallback_html(self) -> str:
        return (
            f"<div class='lamin-fallback'>FilterBuilder of <b>{html.escape(self.registry)}</b>: "
            f"{self.queryset.count()} records<pre>{html.escape(self.code)}</pre></div>"
        )
