"""The method table shared by the widget comm and the REST server extension.

`METHODS` names each method with its parameters (`Param`: types and default, checked before the method
runs; the TypeScript types are generated from them) and the function that serves it. `serve()` runs one
method and raises the protocol's errors (errors.py); `handle()` answers one request message (types.py)
and never raises: bad requests, unknown names and database errors all come back as error messages.
Nothing here knows about transports, threads or Jupyter.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lamin_core.query.columns import df_columns, name_field
from lamin_core.query.label_links import label_links
from lamin_core.search import default_fields
from lamin_core.setup.instance import ensure_connected
from lamin_core.view import module_registries

from . import filterspec, summaries
from . import state as query_state
from .arrow import display_text, queryset_to_ipc
from .budget import Budget
from .errors import BadRequest, NotFound, error_response
from .lineage import lineage_of
from .previews import preview
from .state import QueryState, get_registry, registries
from .types import KIND, Request, Response

MAX_PAGE_SIZE = 1000
MAX_OFFSET = 10**9
MAX_COLUMNS = 100
MAX_LIST = 100
MAX_MATCHES = 1_000_000  # an exact count of search matches stops here ("at least")
MAX_RELATED = 10  # related records per relation on a record page ("… and 12 more")


@dataclass
class Context:
    """What a caller adds to requests: base QuerySets per registry (a widget made from a QuerySet)."""

    bases: dict[str, Any] = field(default_factory=dict)
    base_code: dict[str, str] = field(default_factory=dict)

    def state(self, params: dict) -> QueryState:
        model = get_registry(params["registry"])
        name = params["registry"]
        return QueryState(
            model=model,
            filters=params.get("filters"),
            search=params.get("search") or "",
            order=list(params.get("order") or []),
            base=self.bases.get(name),
            base_code=self.base_code.get(name),
        ).check()


@dataclass
class Reply:
    """What a method answers: its JSON result and the Arrow IPC buffers of its tables."""

    result: Any
    buffers: list[bytes] = field(default_factory=list)


# -- parameters -------------------------------------------------------------------------------------------

REQUIRED = object()


@dataclass(frozen=True)
class Param:
    """One parameter of a method: its JSON type and default (REQUIRED: none; an optional parameter also
    takes null for its default). `items` is the type of a list's elements, `typescript` the TypeScript type
    where the JSON type alone says too little (a filter spec)."""

    type: type
    default: object = REQUIRED
    items: type | None = None
    typescript: str | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Method:
    """A method of the table: its parameters and the function serving it with the checked parameters.

    `background`: work nobody waits for (column summaries, seconds at a million records); a widget serves
    it on a thread of its own, so that a page or a search never queues behind it.
    """

    name: str
    params: dict[str, Param]
    serve: Callable[[Context, dict], Reply]
    background: bool = False

    def check(self, params: object) -> dict:
        """The parameters checked: unknown names, missing required ones and wrong types are bad requests;
        missing optional ones (or null) take their default."""
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise BadRequest(f"{self.name}: params must be an object, got {type(params).__name__}")
        unknown = sorted(set(params) - set(self.params), key=str)
        if unknown:
            shown, known = filterspec.shown(unknown), sorted(self.params)
            raise BadRequest(f"{self.name}: unknown parameter(s) {shown}; parameters: {known}")
        checked = {}
        for name, param in self.params.items():
            value = params.get(name)
            if value is None:
                if param.required:
                    raise BadRequest(f"{self.name}: parameter {name!r} is required")
                checked[name] = param.default
                continue
            if not isinstance(value, param.type) or (isinstance(value, bool) and param.type is not bool):
                expected, got = param.type.__name__, type(value).__name__
                raise BadRequest(f"{self.name}: parameter {name!r} must be {expected}, got {got}")
            checked[name] = value
        return checked


def _bounded(method: str, name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise BadRequest(f"{method}: {name} must be between {low} and {high}, got {filterspec.shown(value)}")
    return value


def _valid_text(method: str, name: str, value: str) -> str:
    """A text parameter, or a BadRequest naming the method, the parameter and what is wrong."""
    problem = filterspec.text_problem(value)
    if problem is not None:
        raise BadRequest(f"{method}: {name} {problem}")
    return value


def _strings(method: str, name: str, values: list | None, limit: int = MAX_LIST) -> list[str]:
    values = values or []
    if len(values) > limit or not all(isinstance(v, str) for v in values):
        raise BadRequest(f"{method}: {name} must be a list of at most {limit} names")
    return values


# what selects records: the parameters of page, count and codegen
_QUERY = {
    "registry": Param(str),
    "filters": Param(dict, None, typescript="FilterSpec"),
    "search": Param(str, ""),
    "order": Param(list, None, items=str),
}

# -- methods ----------------------------------------------------------------------------------------------


def list_registries(ctx: Context, p: dict) -> Reply:
    """Every registry of the instance, by module, with its count of visible records."""
    rows = []
    for name, model in registries().items():
        base = ctx.bases.get(name, model.objects.all())
        rows.append(
            {
                "name": name,
                "module": "core" if "." not in name else name.split(".", 1)[0],
                "label_field": filterspec.label_field(model),
                "count": base.count() if p["counts"] else None,
            }
        )
    return Reply({"registries": rows})


def schema(ctx: Context, p: dict) -> Reply:
    """What can be shown, filtered and sorted in a registry: columns, fields, relations, features, lookups."""

    model = get_registry(p["registry"])
    choices = filterspec.field_choices(model)
    return Reply(
        {
            "registry": p["registry"],
            "code_name": filterspec.registry_expression(model),
            "label_field": filterspec.label_field(model),
            "columns": df_columns(model),
            "lookup_labels": filterspec.LOOKUP_LABELS,
            **choices,
        }
    )


def _columns(
    model, method: str, columns: list | None, features: list | None
) -> tuple[list[str] | None, list]:

    features = _strings(method, "features", features, MAX_COLUMNS)
    if columns is not None:
        columns = _strings(method, "columns", columns, MAX_COLUMNS)
        known = set(df_columns(model))
        for column in columns:
            if column not in known:
                info = filterspec.resolve(model, column, {})  # a relation path, validated
                if info.kind == "json" and "__" in column:
                    raise BadRequest(f"{method}: cannot show {column!r}")
    if features:
        known_features = {f["path"] for f in filterspec.field_choices(model)["features"]}
        unknown = [f for f in features if f not in known_features]
        if unknown:
            valid = ", ".join(sorted(known_features)) or "none"
            raise BadRequest(f"{method}: unknown feature(s) {unknown}; features: {valid}")
    return columns, features


def page(ctx: Context, p: dict) -> Reply:
    """One page of rows as Arrow IPC (ordered by the state's order, ties by id)."""
    _bounded("page", "offset", p["offset"], 0, MAX_OFFSET)
    _bounded("page", "limit", p["limit"], 1, MAX_PAGE_SIZE)
    state = ctx.state(p)
    columns, features = _columns(state.model, "page", p["columns"], p["features"])
    started = time.perf_counter()
    queryset = state.queryset()
    if state.order:
        queryset = queryset.order_by(*state.order, *([] if "id" in state.order else ["id"]))
    elif not state.search.strip():
        queryset = queryset.order_by("id")
    rows = queryset[p["offset"] : p["offset"] + p["limit"]]
    if state.distinct_page():
        rows = _rows_by_id(state.model, queryset, rows)
    data = queryset_to_ipc(rows, columns, features)
    return Reply(
        {
            "registry": state_name(state),
            "offset": p["offset"],
            "limit": p["limit"],
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
        [data],
    )


def _rows_by_id(model, queryset, rows):
    """The page's rows by their ids: `SELECT DISTINCT` over every column of a join made SQLite read all the
    matching links and sort them before the first row (a to-many filter at 1M artifacts, seconds), over the
    id alone it walks the records in order and stops at the page's end (benchmarks/DESCENDANTS.md)."""
    ids = list(rows.values_list("id", flat=True))
    return model._base_manager.filter(pk__in=ids).order_by(*queryset.query.order_by)


def state_name(state: QueryState) -> str:
    return filterspec.registry_name(state.model)


def count(ctx: Context, p: dict) -> Reply:
    """How many distinct records the state selects; with a search, also how many match in all.

    `count` is what the widget pages through: a search keeps its best `SEARCH_LIMIT` matches. `matches`
    counts every match: quickly up to twice the limit (`matches_exact` false: "at least"), or exactly
    (up to MAX_MATCHES, within the request's budget) with `exact_matches: true`, a request of its own so
    no page waits for it.
    """
    state = ctx.state(p)
    exact = p.pop("exact_matches")
    if not state.search.strip():
        return Reply({"count": state.queryset().count()})
    unsearched = QueryState(
        model=state.model, filters=state.filters, base=state.base, base_code=state.base_code
    ).queryset()
    limit = query_state.SEARCH_LIMIT
    probe = MAX_MATCHES if exact else 2 * limit
    matches = unsearched.search(state.search, limit=probe).count()
    return Reply(
        {
            "count": min(matches, limit),
            "limit": limit,
            "matches": matches,
            "matches_exact": matches < probe,
        }
    )


def _label(record, label: str | None) -> str:
    value = getattr(record, label, None) if label else None
    return str(value) if value is not None else str(getattr(record, "uid", record.pk))


def search(ctx: Context, p: dict) -> Reply:
    """The best matches of a text, with the fields that matched (for highlighting)."""

    _bounded("search", "limit", p["limit"], 1, 100)
    if len(p["string"]) > 200:
        raise BadRequest("search: string may have at most 200 characters")
    state = ctx.state({"registry": p["registry"], "filters": p["filters"]})
    model = state.model
    label = filterspec.label_field(model)
    if not p["string"].strip():
        return Reply({"results": [], "label_field": label})
    fields = default_fields(model)
    shown = [f for f in dict.fromkeys(["uid", label, *fields]) if f and _has(model, f)]
    records = state.queryset().search(p["string"], limit=p["limit"])
    results = []
    for row in records.values("id", *shown):
        results.append(
            {
                "id": row["id"],
                "uid": row.get("uid"),
                "label": "" if row.get(label) is None else str(row.get(label)),
                "fields": {f: str(row[f]) for f in fields if row.get(f) not in (None, "")},
            }
        )
    return Reply({"results": results, "label_field": label})


def _has(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def lookup(ctx: Context, p: dict) -> Reply:
    """Type-ahead over a registry's names: values starting with the prefix first, then containing it."""
    _bounded("lookup", "limit", p["limit"], 1, 200)
    if len(p["prefix"]) > 200:
        raise BadRequest("lookup: prefix may have at most 200 characters")
    _valid_text("lookup", "prefix", p["prefix"])
    model = get_registry(p["registry"])
    name = p["field"] or filterspec.label_field(model)
    if name is None:
        raise BadRequest(f"lookup: {model.__name__} has no name field; pass field")
    info = filterspec.resolve(model, name, {})
    if info.kind != "text" or "__" in name:
        raise BadRequest(f"lookup: {name!r} is not a text field of {model.__name__}")
    base = ctx.bases.get(p["registry"], model.objects.all())
    prefix = p["prefix"]
    values = ["id", name, *(["uid"] if _has(model, "uid") else [])]
    first = list(
        base.filter(**{f"{name}__istartswith": prefix}).order_by(name, "id").values(*values)[: p["limit"]]
    )
    rows = first
    if prefix and len(rows) < p["limit"]:
        seen = {r["id"] for r in rows}
        more = base.filter(**{f"{name}__icontains": prefix}).exclude(id__in=seen).order_by(name, "id")
        rows += list(more.values(*values)[: p["limit"] - len(rows)])
    results = [{"id": r["id"], "uid": r.get("uid"), "value": r[name]} for r in rows]
    return Reply({"field": name, "results": results})


def view(ctx: Context, p: dict) -> Reply:
    """The flattened `ln.view()`: per module, every non-empty registry with its count, its relations (name
    and `to_many`: the front end hides the `<name>_id` columns of to-one ones) and latest rows (`df()`'s
    columns, and the creator's handle where there is one)."""

    _bounded("view", "limit", p["limit"], 1, 100)
    instance = ensure_connected()
    available = ["core", *instance.modules]
    modules = _strings("view", "modules", p["modules"], 10) or available
    unknown = [m for m in modules if m not in available]
    if unknown:
        raise BadRequest(f"view: unknown module(s) {unknown}; modules: {available}")
    result, buffers = [], []
    for module in modules:
        shown = []
        for model in module_registries(module):
            n = model.objects.count()
            if not n:
                continue
            relations = [
                {"name": r.name, "to_many": bool(r.many_to_many or r.one_to_many)}
                for r in filterspec.public_relations(model)
            ]
            columns = df_columns(model)
            if {"name": "created_by", "to_many": False} in relations:
                columns = [*columns, "created_by__handle"]
            buffers.append(queryset_to_ipc(model.objects.latest_queryset(p["limit"]), columns))
            shown.append(
                {
                    "name": filterspec.registry_name(model),
                    "count": n,
                    "relations": relations,
                    "buffer": len(buffers) - 1,
                }
            )
        if shown:
            result.append({"module": module, "registries": shown})
    return Reply({"modules": result}, buffers)


def codegen(ctx: Context, p: dict) -> Reply:
    """The Python that selects what the state shows, and the import lines it needs."""
    state = ctx.state(p)
    return Reply({"code": state.code(), "imports": state.imports()})


def record(ctx: Context, p: dict) -> Reply:
    """One record as a page: title, description, facts, versions, features, labels, schema slots, the
    run and transform that made it and its other related records (at most MAX_RELATED per relation, with
    how many more), each a link (registry and id); every field, private ones included, in `all_fields`.

    `fields`, `related` and `features` keep the earlier, flat shape (display texts).
    """
    model = get_registry(p["registry"])
    base = ctx.bases.get(p["registry"], model.objects.all())
    found = base.filter(id=p["id"]).first()
    if found is None:
        raise NotFound(f"record: no visible {model.__name__} record with id {p['id']}")

    fields = {name: display_text(getattr(found, name)) for name in ["id", *df_columns(model)]}
    all_fields = {f.attname: display_text(getattr(found, f.attname)) for f in model._meta.concrete_fields}
    label = filterspec.label_field(model)
    related, links = {}, []
    label_relations = _label_relations(model)
    for relation in filterspec.public_relations(model):
        target = relation.related_model
        target_label = filterspec.label_field(target)
        if relation.many_to_one or relation.one_to_one:
            if relation.concrete:
                other = getattr(found, relation.name, None)
                if other is not None:
                    related[relation.name] = [_label(other, target_label)]
                    links.append(_relation(relation.name, target, [_item(other, target_label)], 0, False))
            continue
        accessor = relation.get_accessor_name() if not relation.concrete else relation.name
        manager = getattr(found, accessor, None)
        if manager is None:
            continue
        rows = list(manager.all().order_by("id")[: MAX_RELATED + 1])
        if not rows:
            continue
        more = manager.count() - MAX_RELATED if len(rows) > MAX_RELATED else 0
        if target_label:
            names = [_label(r, target_label) for r in rows[:21]]
            related[relation.name] = names[:20] + (["…"] if len(rows) > 20 else [])
        items = [_item(r, target_label) for r in rows[:MAX_RELATED]]
        links.append(_relation(relation.name, target, items, more, relation.name in label_relations))
    features, feature_values = {}, []
    if getattr(model, "_has_features", False):
        features = {k: display_text(v) for k, v in found.features.get_values().items()}
        feature_values = _feature_values(found, features)
    run = getattr(found, "run", None) if any(f.name == "run" for f in model._meta.concrete_fields) else None
    transform = getattr(run, "transform", None) if run is not None else None
    if transform is None and any(f.name == "transform" for f in model._meta.concrete_fields):
        transform = getattr(found, "transform", None)
    return Reply(
        {
            "registry": filterspec.registry_name(model),
            "id": found.pk,
            "uid": getattr(found, "uid", None),
            "label": _label(found, label),
            "label_field": label,
            "title": _title(found, label),
            "description": getattr(found, "description", None),
            "repr": repr(found),
            "facts": _facts(found, model, label),
            "path": _path(found),
            "versions": _versions(found, model, label),
            "fields": fields,
            "all_fields": all_fields,
            "related": related,
            "relations": links,
            "features": features,
            "feature_values": feature_values,
            "slots": _slots(found),
            "run": _item(run, filterspec.label_field(type(run))) if run is not None else None,
            "transform": (
                _item(transform, filterspec.label_field(type(transform))) if transform is not None else None
            ),
        }
    )


# facts shown at the top of a record page, in this order, when the registry has them and they are set
_FACTS = (
    "suffix",
    "size",
    "kind",
    "otype",
    "n_observations",
    "n_files",
    "version",
    "created_at",
    "updated_at",
)


def _title(found, label: str | None) -> str:
    """What names a record: its label field, else its description, else its uid."""
    for name in (label, "key", "name", "description"):
        value = getattr(found, name, None) if name else None
        if value not in (None, ""):
            return str(value)
    return str(getattr(found, "uid", found.pk))


def _fact(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _facts(found, model, label: str | None) -> list[dict]:
    """[{name, value}] of the facts that matter: sizes as bytes, times as ISO, who created the record."""
    names = {f.name for f in model._meta.concrete_fields}
    facts = [
        {"name": name, "value": _fact(getattr(found, name))}
        for name in _FACTS
        if name in names and name != label and getattr(found, name) not in (None, "")
    ]
    user = getattr(found, "created_by", None) if "created_by" in names else None
    if user is not None:
        facts.append(
            {
                "name": "created_by",
                "value": user.handle,
                "detail": getattr(user, "name", None),
                "link": {"registry": filterspec.registry_name(type(user)), "id": user.pk},
            }
        )
    return facts


def _path(found) -> str | None:
    """Where an artifact's data lives (its storage path), None for other records."""
    if not hasattr(found, "storage_id") or not hasattr(found, "suffix"):
        return None
    try:
        path = found.path
    except Exception:  # a record whose storage cannot be resolved still has a page
        return None
    return None if path is None or callable(path) else str(path)


def _item(record, label: str | None) -> dict:
    item = {
        "registry": filterspec.registry_name(type(record)),
        "id": record.pk,
        "label": _label(record, label),
    }
    ontology_id = getattr(record, "ontology_id", None)
    if ontology_id:
        item["ontology_id"] = ontology_id
    return item


def _relation(name: str, target, items: list[dict], more: int, is_label: bool) -> dict:
    return {
        "name": name,
        "registry": filterspec.registry_name(target),
        "items": items,
        "more": more,
        "is_label": is_label,
    }


def _label_relations(model) -> set[str]:
    """The accessors of a host's label registries (ulabels, cell_types, ...)."""
    if not getattr(model, "_has_features", False):
        return set()

    return {link.accessor for link in label_links(model).values()}


def _versions(found, model, label: str | None) -> dict | None:
    """The other versions of a versioned record (same uid stem), newest first, the current one marked."""
    if not hasattr(found, "is_latest") or not hasattr(found, "version") or not getattr(found, "uid", None):
        return None
    stem = found.uid[: len(found.uid) - 4]
    family = model.objects.filter(uid__startswith=stem).order_by("-created_at", "-id")
    rows = list(family[: MAX_RELATED + 1])
    if len(rows) <= 1:
        return None
    more = family.count() - MAX_RELATED if len(rows) > MAX_RELATED else 0
    items = [
        {
            **_item(r, label),
            "version": r.version,
            "is_latest": r.is_latest,
            "current": r.pk == found.pk,
            "created_at": _fact(r.created_at),
        }
        for r in rows[:MAX_RELATED]
    ]
    return {"items": items, "more": more}


def _feature_values(found, texts: dict) -> list[dict]:
    """[{name, dtype, values: [{label, registry, id, ontology_id} | {label}], more}] per feature."""
    # the models and their services load with Django's app registry, after the instance is connected
    from lamin_core.features.manager import label_rows
    from lamin_core.models import Feature

    dtypes = dict(Feature.objects.filter(name__in=list(texts)).values_list("name", "dtype"))
    labelled: dict[str, dict] = {}
    for link, name, dtype, _ in label_rows(found, with_feature=True):
        entry = labelled.setdefault(name, {"name": name, "dtype": dtype or "", "ids": {}})
        entry["ids"].setdefault(link.registry, [])
    # the labels themselves, with ids and ontology ids (one query per label registry in use)
    for name, entry in labelled.items():
        values = []
        for registry in entry.pop("ids"):
            link = next(lk for lk in _links(found).values() if lk.registry is registry)
            rows = link.through.objects.filter(**{link.host_field: found.pk, "feature__name": name}).order_by(
                "id"
            )
            labels = registry.objects.filter(pk__in=rows.values(link.label_field))
            for record in labels[: MAX_RELATED + 1]:
                values.append(_item(record, name_field(registry)))
        entry["more"] = max(0, len(values) - MAX_RELATED)
        entry["values"] = values[:MAX_RELATED]
    result = []
    for name, text in texts.items():
        if name in labelled:
            result.append(labelled[name])
        else:
            result.append(
                {"name": name, "dtype": dtypes.get(name, ""), "values": [{"label": text}], "more": 0}
            )
    return result


def _links(found) -> dict:

    return label_links(type(found))


def _slots(found) -> list[dict]:
    """The schemas an artifact is annotated with, by slot (`obs`, `var.T`, ...)."""
    from lamin_core.features.manager import FeatureManager  # needs the app registry (the models)

    if not getattr(type(found), "_has_features", False):
        return []
    slots = []
    for slot, schema in FeatureManager(found).slots.items():
        slots.append(
            {
                "slot": slot or "features",
                "schema": _item(schema, filterspec.label_field(type(schema))),
                "n": getattr(schema, "n", None),
                "itype": getattr(schema, "itype", None),
            }
        )
    return slots


METHODS: dict[str, Method] = {
    method.name: method
    for method in [
        Method("list_registries", {"counts": Param(bool, True)}, list_registries),
        Method("schema", {"registry": Param(str)}, schema),
        Method(
            "page",
            {
                **_QUERY,
                "offset": Param(int, 0),
                "limit": Param(int, 100),
                "columns": Param(list, None, items=str),
                "features": Param(list, None, items=str),
            },
            page,
        ),
        Method("count", {**_QUERY, "exact_matches": Param(bool, False)}, count),
        Method(
            "search",
            {
                "registry": Param(str),
                "string": Param(str),
                "limit": Param(int, 10),
                "filters": Param(dict, None, typescript="FilterSpec"),
            },
            search,
        ),
        Method(
            "lookup",
            {
                "registry": Param(str),
                "field": Param(str, None),
                "prefix": Param(str, ""),
                "limit": Param(int, 20),
            },
            lookup,
        ),
        Method("view", {"limit": Param(int, 7), "modules": Param(list, None, items=str)}, view),
        Method("codegen", dict(_QUERY), codegen),
        Method("record", {"registry": Param(str), "id": Param(int)}, record),
        Method("preview", {"registry": Param(str), "id": Param(int)}, lambda ctx, p: Reply(preview(ctx, p))),
        Method(
            "summaries",
            {
                **_QUERY,
                "columns": Param(list, items=str),
                "bins": Param(int, 20),
                "top": Param(int, 10),
                "exact": Param(bool, False),
            },
            lambda ctx, p: Reply(
                summaries.summarize(ctx.state(p), p["columns"], p["bins"], p["top"], p["exact"])
            ),
            background=True,
        ),
        Method(
            "lineage",
            {"registry": Param(str), "id": Param(int)},
            lambda c, p: Reply(lineage_of(c.bases, **p)),
        ),
    ]
}


def is_background(method: object) -> bool:
    """Whether `method` names a method of the table that is background work (`Method.background`)."""
    return isinstance(method, str) and method in METHODS and METHODS[method].background


def serve(method: object, params: object, ctx: Context | None = None, budget: Budget | None = None) -> Reply:
    """Serve one method with its parameters (within `budget` if one is given); raises the protocol's
    errors: an unknown method is NotFound, bad parameters (or a method that is not a name) a BadRequest,
    and lamin_core's and the database's own errors come through as raised (`error_response()` maps them)."""
    if not isinstance(method, str):  # a list or dict would not even hash
        raise BadRequest(f"unknown method of type {type(method).__name__}; methods: {', '.join(METHODS)}")
    if method not in METHODS:
        raise NotFound(f"unknown method {method[:100]!r}; methods: {', '.join(METHODS)}")
    spec = METHODS[method]
    checked = spec.check(params)
    with budget.applied() if budget is not None else contextlib.nullcontext():
        return spec.serve(ctx or Context(), checked)


def handle(
    request: Request | object, ctx: Context | None = None, budget: Budget | None = None
) -> tuple[Response, list[bytes]]:
    """Answer one request message: `(response, buffers)`, within `budget` if one is given. Never raises."""
    request_id = request.get("id") if isinstance(request, dict) else None
    if not isinstance(request_id, int | str) or isinstance(request_id, bool):
        request_id = None
    try:
        if not isinstance(request, dict) or request.get("kind") != KIND:
            raise BadRequest(f"not a {KIND} request")
        reply = serve(request.get("method"), request.get("params"), ctx, budget)
        return {"id": request_id, "ok": True, "result": jsonable(reply.result)}, reply.buffers
    except Exception as error:  # bad requests, database and other errors come back as messages
        return error_response(error, request_id)[0], []


def jsonable(value: Any) -> Any:
    """Replace NaN and infinities (not JSON) with None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
