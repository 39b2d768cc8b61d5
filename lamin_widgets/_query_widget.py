"""Shared Python side of the widgets that describe a query: registry, filters, search text and order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import traitlets

from ._base import LaminWidget, valid_registry_trait
from .protocol import filterspec
from .protocol.state import QueryState, get_registry, registry_of

if TYPE_CHECKING:
    import pandas as pd
    from django.db.models import QuerySet


class QueryWidget(LaminWidget):
    """A widget whose state is a query; `.queryset`, `.to_dataframe()` and `.code` build the real thing."""

    registry = traitlets.Unicode("Artifact").tag(sync=True)
    filters = traitlets.Dict(filterspec.empty_spec()).tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    order = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(
        self,
        registry_or_queryset: Any = "Artifact",
        *,
        filters: dict | None = None,
        search: str = "",
        order: list[str] | None = None,
        base_code: str | None = None,
        **kwargs: Any,
    ):
        model, base = registry_of(registry_or_queryset)
        name = filterspec.registry_name(model)
        super().__init__(registry=name, **kwargs)
        if base is not None:
            self._rpc_context.bases[name] = base
            if base_code:
                self._rpc_context.base_code[name] = base_code
        # after the registry: they are validated against it
        if filters:
            self.filters = filters
        if search:
            self.search = search
        if order:
            self.order = list(order)

    @traitlets.validate("registry")
    def _valid_registry(self, proposal):
        return valid_registry_trait(proposal["value"])

    @traitlets.validate("filters")
    def _valid_filters(self, proposal):
        spec = proposal["value"] or filterspec.empty_spec()
        try:
            filterspec.parse(get_registry(self.registry), spec)
        except filterspec.FilterSpecError as error:
            raise traitlets.TraitError(str(error)) from None
        return spec

    @traitlets.validate("order")
    def _valid_order(self, proposal):
        try:
            filterspec.check_order(get_registry(self.registry), proposal["value"])
        except filterspec.FilterSpecError as error:
            raise traitlets.TraitError(str(error)) from None
        return proposal["value"]

    @traitlets.observe("registry")
    def _registry_changed(self, change):
        # another registry: its own filters, order and selection
        if change["old"] != change["new"]:
            with self.hold_trait_notifications():
                self.set_trait("filters", filterspec.empty_spec())
                self.set_trait("order", [])
                self._reset_for_registry()

    def _reset_for_registry(self) -> None:
        """Widgets with more registry-specific state reset it here."""

    @property
    def model(self):
        """The registry (Django model) shown."""
        return get_registry(self.registry)

    def _state(self) -> QueryState:
        ctx = self._rpc_context
        return QueryState(
            model=self.model,
            filters=self.filters,
            search=self.search,
            order=list(self.order),
            base=ctx.bases.get(self.registry),
            base_code=ctx.base_code.get(self.registry),
        ).check()

    @property
    def queryset(self) -> QuerySet:
        """The records the widget shows, as a lamin_core QuerySet."""
        return self._state().queryset()

    @property
    def code(self) -> str:
        """The equivalent Python: `ln.Artifact.filter(suffix='.h5ad', perturbation='DMSO')`."""
        return self._state().code()

    def to_dataframe(
        self, include: str | list[str] | None = None, features: bool | list[str] = False
    ) -> pd.DataFrame:
        """The records the widget shows as a DataFrame (`QuerySet.to_dataframe`)."""
        return self.queryset.to_dataframe(include=include, features=features)

    df = to_dataframe
