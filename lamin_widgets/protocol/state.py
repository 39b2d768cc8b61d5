"""Widget state -> the real thing: a registry, a filter spec, search text and order give a QuerySet and code.

One definition serves the widgets' Python API (`.queryset`, `.code`), the RPC methods (`page`, `count`,
`codegen`) and later the REST handlers, so what the browser shows is what `.queryset` and `.code` give.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet

from lamin_core import plugins
from lamin_core.setup.instance import ensure_connected
from lamin_core.view import module_registries

from . import filterspec

# search results a widget pages through (the ranking keeps the best ones)
SEARCH_LIMIT = 1000
MAX_SEARCH_LENGTH = 200


class RegistryNotFound(filterspec.FilterSpecError):
    """A registry name that is not a registry of this instance."""


def registries() -> dict[str, type[models.Model]]:
    """Registry name (`Artifact`, `bionty.CellType`) -> model, for every module of the instance."""

    instance = ensure_connected()
    found = {}
    for module in ["core", *instance.modules]:
        for model in module_registries(module):
            found[filterspec.registry_name(model)] = model
    return found


# how users write core in a registry name ("" = core); a module's alias (`bt`) comes from its plugin
_CORE_ALIASES = {"ln": "", "lamindb": "", "lamin_core": "", "core": ""}


def _module_aliases() -> dict[str, str]:
    """How users write a module in a registry name -> the module's name in registry names ("" = core)."""
    return _CORE_ALIASES | {p.alias: p.app_label for p in plugins.registered() if p.alias}


def _loose(text: str) -> str:
    """A name compared as users type it: case, spaces, `_` and `-` ignored (`cell_type` ~ `CellType`)."""
    return "".join(c for c in text.casefold() if c.isalnum())


def resolve_registry_name(name: object, known: dict[str, object]) -> str:
    """The registry name (a key of `known`) that `name` means, as users type it.

    `Artifact`, `bionty.CellType` as they are; `ln.Artifact`, `bt.CellType`, `lamindb.ULabel` as code
    writes them; a registry of another module by its class name alone (`CellType`) when no other module
    has one of that name; case, spaces, `_` and `-` ignored when that leaves one registry. Several
    registries of one name: the error lists them; no registry: it lists the closest names and all of them.
    """
    if isinstance(name, str) and name.strip() in known:
        return name.strip()
    if not isinstance(name, str):
        raise RegistryNotFound(f"unknown registry {name!r}; registries: {', '.join(sorted(known))}")
    text = name.strip()
    module, dot, cls = (part.strip() for part in text.rpartition("."))
    module = _module_aliases().get(module, module) if dot else None  # None: any module
    for same in (str.__eq__, lambda a, b: _loose(a) == _loose(b)):
        found = []
        for key in known:
            key_module, _, key_cls = key.rpartition(".")
            if same(key_cls, cls) and (module is None or same(key_module, module)):
                found.append(key)
        if len(found) == 1:
            return found[0]
        if found:
            raise RegistryNotFound(
                f"registry {name!r} is ambiguous: {', '.join(sorted(found))}; name one of them"
            )

    by_loose = {_loose(key.rpartition(".")[2]): key for key in known} | {_loose(key): key for key in known}
    close = difflib.get_close_matches(_loose(text), list(by_loose), n=3, cutoff=0.75)
    close_keys = list(dict.fromkeys(by_loose[k] for k in close))
    hint = f"; did you mean {' or '.join(map(repr, close_keys))}?" if close_keys else ""
    raise RegistryNotFound(f"unknown registry {name!r}{hint}; registries: {', '.join(sorted(known))}")


def get_registry(name: object) -> type[models.Model]:
    """The model of a registry name as users type it (`resolve_registry_name`: `CellType` is
    `bionty.CellType` when no other module has a `CellType`); the error lists the candidates."""
    known = registries()
    return known[resolve_registry_name(name, known)]


def registry_of(registry_or_queryset: Any) -> tuple[type[models.Model], QuerySet | None]:
    """A registry given as a name, a model class or a QuerySet -> (model, base QuerySet or None)."""

    if isinstance(registry_or_queryset, QuerySet):
        return registry_or_queryset.model, registry_or_queryset
    if isinstance(registry_or_queryset, type) and issubclass(registry_or_queryset, models.Model):
        get_registry(filterspec.registry_name(registry_or_queryset))
        return registry_or_queryset, None
    return get_registry(registry_or_queryset), None


@dataclass
class QueryState:
    """What a widget shows: a registry (and optionally a base QuerySet), filters, search text, order."""

    model: type[models.Model]
    filters: Any = None
    search: str = ""
    order: list[str] = field(default_factory=list)
    base: QuerySet | None = None
    base_code: str | None = None

    def check(self) -> QueryState:
        """Validate every part; raise FilterSpecError naming the first problem."""
        filterspec.parse(self.model, self.filters)
        filterspec.check_order(self.model, self.order)
        if not isinstance(self.search, str):
            raise filterspec.FilterSpecError(f"search takes text, got {self.search!r}")
        if len(self.search) > MAX_SEARCH_LENGTH:
            raise filterspec.FilterSpecError(f"search text may have at most {MAX_SEARCH_LENGTH} characters")
        return self

    def _has_filters(self) -> bool:
        return bool((self.filters or {}).get("items"))

    def _distinct(self) -> bool:
        """Each record once, however many related records match (the counting rule of the widgets)."""
        return filterspec.crosses_to_many(self.model, self.filters)

    def distinct_page(self) -> bool:
        """Whether a page is a `.distinct()` page of the records' ids (no search: its ranking orders it)."""
        return self._has_filters() and self._distinct() and not self.search.strip()

    def queryset(self) -> QuerySet:
        """The QuerySet the state describes (unordered: as the registry returns it)."""
        base = self.base if self.base is not None else self.model.objects.all()
        queryset = base
        if self._has_filters():
            queryset = queryset.filter(filterspec.to_q(self.model, self.filters))
            if self._distinct():
                queryset = queryset.distinct()
        if self.search.strip():
            queryset = queryset.search(self.search, limit=SEARCH_LIMIT)
        order = filterspec.check_order(self.model, self.order)
        if order:
            queryset = queryset.order_by(*order)
        return queryset

    def imports(self) -> list[str]:
        """The import lines `code()` needs: `ln` always (`ln.Q`), a module's own (`bt`) for its registries."""
        lines = ["import lamin_core as ln"]
        plugin = plugins.get(self.model._meta.app_label)
        if plugin is not None and plugin.import_line and not self.base_code:
            lines.append(plugin.import_line)
        return lines

    def code(self) -> str:
        """Python that gives the same QuerySet: `ln.Artifact.filter(suffix='.h5ad').order_by('-size')`."""
        base = self.base_code or ("queryset" if self.base is not None else None)
        expression = base or filterspec.registry_expression(self.model)
        parts = []
        if self._has_filters():
            parts.append(f".filter({filterspec.filter_arguments(self.model, self.filters)})")
            if self._distinct():
                parts.append(".distinct()")
        if self.search.strip():
            parts.append(f".search({self.search!r}, limit={SEARCH_LIMIT})")
        order = filterspec.check_order(self.model, self.order)
        if order:
            parts.append(f".order_by({', '.join(map(repr, order))})")
        return expression + ("".join(parts) or (".all()" if self.base is not None else ".filter()"))
