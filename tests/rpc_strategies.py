"""Hypothesis strategies for requests to the method table, shared by the properties in process
(tests/widgets/test_rpc_properties.py) and over HTTP (tests/server/test_rest_properties.py).

The strategies are built from the instance's own `list_registries` and `schema` answers (`build_catalog`);
requests are mostly valid (filter specs, columns, orders, search texts, pages at and past their bounds) with
random methods, params and hostile values mixed in. Examples are derandomized (CI reproducible) and not
stored (no `.hypothesis/` directory).
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.seed import HOSTILE_LABEL
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

# no example database (database=None below) and hypothesis' caches outside the checkout: no .hypothesis/
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "lamin-widgets-hypothesis")

BUDGET = 2.0  # seconds of database time per request
SLACK = 8.0  # seconds on top of the budget before an answer counts as a hang (Python work, a slow CI)


# -- what an answer may be ---------------------------------------------------------------------------------

# the request's fault (a bad request, a missing method or record) or its budget's
OWN_FAULT = {"bad_request", "not_found", "timeout", "cancelled"}
# the database missing, unreachable or busy (REST: 503); the protocol tells these apart from a statement
# the database cannot run (SQLite's "too many SQL variables", "Expression tree is too large", a syntax
# error), which is an internal_error: a bug, never hidden behind a 503
UNAVAILABLE = {"database_unavailable", "no_instance"}


def acceptable_error(error: dict) -> bool:
    """An error that is the request's fault, its budget's, or the database being away."""
    return error.get("type") in OWN_FAULT | UNAVAILABLE


# -- the catalog: registries, fields, columns, features (from the instance's own schema answers) -----------


@dataclass(frozen=True)
class Field:
    path: str
    kind: str
    lookups: tuple[str, ...]
    to_many: bool = False


@dataclass(frozen=True)
class Registry:
    name: str
    fields: tuple[Field, ...]  # own fields, one-hop relation fields, features, dict keys, some deeper paths
    columns: tuple[str, ...]  # df() columns plus relation paths (to-one and to-many)
    features: tuple[str, ...]
    text_fields: tuple[str, ...]  # own text fields (lookup's `field`)
    sortable: tuple[str, ...]  # own fields and to-one relation fields

    def __repr__(self) -> str:
        return f"Registry({self.name!r})"

    def _repr_pretty_(self, printer, cycle) -> None:  # short in hypothesis' reports too
        printer.text(repr(self))


@dataclass(frozen=True)
class Catalog:
    registries: dict[str, Registry]
    filled: tuple[str, ...]  # registries with records: drawn more often

    def __repr__(self) -> str:
        return f"Catalog({len(self.registries)} registries)"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    @property
    def names(self) -> list[str]:
        return sorted(self.registries)


def deferred(holder: dict, make: Callable[[Catalog], st.SearchStrategy]) -> st.SearchStrategy:
    """A strategy of the catalog a fixture puts into `holder["catalog"]` (it is known only once the test
    runs; `st.data()` instead would pretty-print every drawn value, most of the run time)."""
    return st.deferred(lambda: make(holder["catalog"]))


def _field(f: dict) -> Field:
    return Field(f["path"], f["kind"], tuple(f["lookups"]), bool(f.get("to_many")))


def build_catalog(call: Callable[[str, dict], dict]) -> Catalog:
    """`call(method, params)` gives a method's result (in process or over HTTP)."""
    listed = call("list_registries", {"counts": True})["registries"]
    schemas = {r["name"]: call("schema", {"registry": r["name"]}) for r in listed}
    one_hop = {
        name: [_field(f) for r in schema["relations"] for f in r["fields"]]
        for name, schema in schemas.items()
    }
    registries = {}
    for name, schema in schemas.items():
        own = [_field(f) for f in schema["fields"]]
        features = []
        for f in schema["features"]:
            if f["kind"] == "dict":  # dict features take key paths
                for key in ("detail1", "detail2", "nope", "a b.c-d"):
                    features.append(Field(f"{f['path']}__{key}", "feature_text", ("exact", "ne", "in")))
            else:
                features.append(_field(f))
        deeper = []
        for relation in schema["relations"][:8]:
            for f in one_hop.get(relation["target"], [])[:60:5]:  # two and three hops, a sample
                deeper.append(Field(f"{relation['name']}__{f.path}", f.kind, f.lookups, True))
        registries[name] = Registry(
            name=name,
            fields=tuple(own + one_hop[name] + features + deeper),
            columns=tuple(
                schema["columns"] + [f.path for f in one_hop[name]] + [f.path for f in deeper[:20]]
            ),
            features=tuple(f["path"] for f in schema["features"]),
            text_fields=tuple(f.path for f in own if f.kind == "text"),
            sortable=tuple(f.path for f in own + one_hop[name] if not f.to_many and f.kind != "json"),
        )
    filled = tuple(r["name"] for r in listed if r["count"])
    return Catalog(registries, filled)


# -- values ------------------------------------------------------------------------------------------------


def mostly(good: st.SearchStrategy, *bad: st.SearchStrategy, weight: int = 9) -> st.SearchStrategy:
    """`good` about `weight` times as often as any of `bad` (`one_of` would draw each branch alike)."""
    return st.sampled_from([good] * weight + list(bad)).flatmap(lambda strategy: strategy)


ALL_LOOKUPS = (
    "exact", "ne", "contains", "icontains", "startswith", "gt", "gte", "lt", "lte", "in", "isnull",
)  # fmt: skip
HOSTILE_LOOKUPS = (
    "regex",
    "iregex",
    "has_key",
    "range",
    "year",
    "date",
    "",
    "exact; --",
    "__class__",
    "EXACT",
)
HOSTILE_TEXT = (
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "%",
    "_",
    "'",
    '"',
    "\\",
    "*",
    '"unterminated',
    "NEAR(a b)",
    "a OR b",
    "-a",
    "a:b",
    "^x",
    "(",
    ")",
    "{}",
    "<script>",
    "'; DROP TABLE lamin_core_artifact; --",
    HOSTILE_LABEL,
    "\u202eevil",
    "e\u0301",
    "ǅ",
    "ß",
    "İ",
    "🧬🔬",
    "\t\n\r",
    " ",
    "x" * 200,
    "x" * 201,
    "é" * 1000,
    "y" * 1001,
    "NaN",
    "Infinity",
    "-0",
    "1e309",
)
WORDS = (
    "",
    "DMSO",
    "IFNG",
    "iris",
    "dataset",
    "Experiment 1",
    "examples/dataset1.h5ad",
    ".h5ad",
    "T cell",
    "cell",
    "testuser1",
    "prop/",
    "a",
    "2025-05-08",
)
HOSTILE_PATHS = (
    "",
    "__class__",
    "id__in",
    "key); DELETE FROM x",
    "-size",
    "size__",
    "__size",
    "ulabels",
    "ulabels__",
    "ulabels____name",
    "ulabels__name__name",
    "a__b__c__d__e",
    "ulabels__artifacts__ulabels__artifacts__key",
    "study_metadata",
    "study_metadata__regex",
    "study_metadata__detail1__contains",
    "study_metadata__has_key",
    "study_metadata__x\x00",
    "temperature__gt",
    "created_by",
    "pk",
    "KEY",
    "\uff4b\uff45\uff59",  # fullwidth "key"
    "x" * 301,
    "\ud800",
    "links_ulabel__ulabel__name",
    "_aux",
    "_branch_code",
)
INTS = st.sampled_from(
    [0, 1, -1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**30]
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.5, -0.0, 1e308, -1e308, 5e-324, 2.0**63, 1e20]
)
UNICODE = st.text(st.characters(exclude_categories=()), max_size=30)  # lone surrogates included
TEXTS = mostly(st.sampled_from(WORDS), st.sampled_from(HOSTILE_TEXT), UNICODE, weight=2)
DATES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2025-05-08",
            "2025-05-08T07:32:00",
            "2025-05-08T07:32:00+02:00",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "0001-01-01",
            "9999-12-31T23:59:59.999999",
            "2025-13-01",
            "2025-05-08T25:00",
            "yesterday",
        ]
    ),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, st.integers(), FLOATS, TEXTS)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXTS, inner, max_size=4),
    max_leaves=8,
)


def nested(depth: int, leaf: object = 1, as_dict: bool = False) -> object:
    """A value nested `depth` levels deep (lists or dicts), built without recursion."""
    value = leaf
    for _ in range(depth):
        value = {"a": value} if as_dict else [value]
    return value


DEPTHS = st.sampled_from([2, 10, 100, 500, 900, 990, 1000, 1100, 3000])
DEEP = st.builds(nested, DEPTHS, SCALARS, st.booleans())
LONG_LISTS = st.builds(lambda n, v: [v] * n, st.sampled_from([999, 1000, 1001, 5000]), SCALARS)
ANY = mostly(JSON, DEEP, LONG_LISTS, weight=3)


def values_for(kind: str) -> st.SearchStrategy:
    if kind in ("text", "label", "feature_text"):
        return TEXTS
    if kind in ("number", "feature_number"):
        return mostly(st.integers(-1000, 100_000), INTS, FLOATS, weight=3)
    if kind in ("bool", "feature_bool"):
        return st.booleans()
    if kind == "datetime":
        return DATES
    return SCALARS


@st.composite
def conditions(draw, registry: Registry) -> dict:
    field = draw(mostly(st.sampled_from(registry.fields), st.sampled_from(HOSTILE_PATHS).map(_any_field)))
    lookup = draw(
        mostly(
            st.sampled_from(field.lookups or ALL_LOOKUPS), st.sampled_from(ALL_LOOKUPS + HOSTILE_LOOKUPS), ANY
        )
    )
    if lookup == "isnull":
        good = st.booleans()
    elif lookup == "in":
        good = st.lists(values_for(field.kind), max_size=6) | LONG_LISTS
    else:
        good = values_for(field.kind)
    condition = {"field": field.path, "lookup": lookup, "value": draw(mostly(good, ANY, weight=12))}
    change = draw(
        mostly(st.just(None), st.sampled_from(["no value", "no lookup", "extra", "field"]), weight=12)
    )
    if change == "no value":
        del condition["value"]
    elif change == "no lookup":
        del condition["lookup"]
    elif change == "extra":
        condition[draw(TEXTS)] = draw(SCALARS)
    elif change == "field":
        condition["field"] = draw(ANY)
    return condition


def _any_field(path: str) -> Field:
    return Field(path, "text", ALL_LOOKUPS)


def nested_group(depth: int, condition: dict) -> dict:
    node: dict = {"op": "and", "not": False, "items": [condition]}
    for _ in range(depth):
        node = {"op": "or", "not": False, "items": [node]}
    return node


@functools.cache  # one strategy object per registry: hypothesis caches its repr on it
def groups(registry: Registry) -> st.SearchStrategy:
    def group(items: st.SearchStrategy) -> st.SearchStrategy:
        return st.fixed_dictionaries(
            {"items": st.lists(items, max_size=3)},
            optional={
                "op": mostly(st.sampled_from(["and", "or"]), st.sampled_from(["AND", "xor", "", None, 1])),
                "not": mostly(st.booleans(), st.sampled_from([None, 0, 1, "true"])),
            },
        )

    tree = st.recursive(conditions(registry), group, max_leaves=6)
    hostile = st.one_of(
        st.builds(nested_group, DEPTHS, conditions(registry)),
        st.builds(
            lambda c, n: {"op": "or", "items": [c] * n}, conditions(registry), st.sampled_from([100, 101])
        ),
        st.fixed_dictionaries({"items": ANY}),
        st.fixed_dictionaries({"items": st.just([]), "extra": SCALARS}),
        ANY,
    )
    return mostly(group(tree), hostile, weight=12)


@functools.cache  # one strategy object per registry: hypothesis caches its repr on it
def orders(registry: Registry) -> st.SearchStrategy:
    name = mostly(
        st.sampled_from(registry.sortable),
        st.sampled_from([f.path for f in registry.fields] + list(HOSTILE_PATHS)),
        UNICODE,
    )
    signed = st.builds(lambda sign, n: sign + n, st.sampled_from(["", "-", "", "-", "--"]), name)
    return mostly(
        st.lists(signed, max_size=3),
        st.lists(signed, min_size=5, max_size=6),
        st.lists(ANY, max_size=2),
        ANY,
        weight=12,
    )


@functools.cache  # one strategy object per registry: hypothesis caches its repr on it
def columns(registry: Registry) -> st.SearchStrategy:
    name = mostly(st.sampled_from(registry.columns), st.sampled_from(HOSTILE_PATHS), UNICODE, weight=12)
    return mostly(
        st.lists(name, max_size=8),
        st.builds(lambda n: [f"c{i}" for i in range(n)], st.sampled_from([100, 101])),
        st.just(list(registry.columns[:100])),
        st.lists(ANY, max_size=2),
        ANY,
        weight=12,
    )


@functools.cache  # one strategy object per registry: hypothesis caches its repr on it
def features(registry: Registry) -> st.SearchStrategy:
    name = mostly(st.sampled_from(registry.features or ("nope",)), UNICODE)
    return mostly(st.lists(name, max_size=4), ANY)


SEARCH = mostly(st.sampled_from(WORDS), TEXTS, st.text(st.characters(codec="utf-8"), max_size=220), weight=2)
OFFSETS = mostly(st.integers(0, 20), st.sampled_from([10**9, 10**9 + 1, -1, 2**70]), st.integers(), ANY)
LIMITS = mostly(st.integers(1, 1000), st.sampled_from([1000, 1001, 0, -1, 2**70]), ANY)


@functools.cache
def shapes(registry: Registry) -> dict[str, dict[str, st.SearchStrategy]]:
    """Each method's parameters (but its registry) and how to draw them."""
    query = {"filters": groups(registry), "search": SEARCH, "order": orders(registry)}
    limit = functools.partial(lambda high: mostly(st.integers(1, high), st.integers(), ANY))
    return {
        "list_registries": {"counts": mostly(st.booleans(), ANY)},
        "schema": {},
        "page": {
            **query,
            "offset": OFFSETS,
            "limit": LIMITS,
            "columns": columns(registry),
            "features": features(registry),
        },
        "count": query,
        "search": {"string": SEARCH, "limit": limit(100), "filters": groups(registry)},
        "lookup": {
            "field": mostly(
                st.sampled_from(registry.text_fields or ("name",)),
                st.sampled_from([f.path for f in registry.fields]),
                st.sampled_from(HOSTILE_PATHS),
                weight=4,
            ),
            "prefix": SEARCH,
            "limit": limit(200),
        },
        "view": {
            "limit": limit(100),
            "modules": mostly(
                st.lists(st.sampled_from(["core", "bionty"]), max_size=2, unique=True),
                st.lists(st.sampled_from(["core", "bionty", "os", ""]) | UNICODE, max_size=11),
                ANY,
            ),
        },
        "codegen": query,
        "record": {"id": mostly(st.integers(-2, 40), INTS, ANY)},
    }


NO_REGISTRY = ("list_registries", "view")
REQUIRED = ("registry", "string", "id")


@st.composite
def params_for(draw, catalog: Catalog, method: str) -> object:
    weird = draw(mostly(st.just(None), st.sampled_from(["params", "registry"]), weight=20))
    if weird == "params":
        return draw(ANY)  # params of any shape
    if weird == "registry":
        hostile = ["Nope", "artifact", "bionty.Nope", "", "lamin_core.Artifact", "Artifact "]
        registry_name = draw(st.sampled_from(hostile) | UNICODE | ANY)
        registry = catalog.registries["Artifact"]
    else:
        registry_name = draw(
            mostly(st.sampled_from(catalog.filled), st.sampled_from(catalog.names), weight=3)
        )
        registry = catalog.registries[registry_name]
    methods = shapes(registry)
    if method not in methods:
        method = draw(st.sampled_from(sorted(methods)))
    schema = (
        methods[method] if method in NO_REGISTRY else {"registry": st.just(registry_name), **methods[method]}
    )
    params = {}
    for name, strategy in schema.items():
        if draw(mostly(st.just(True), st.just(False), weight=20 if name in REQUIRED else 1)):
            params[name] = draw(strategy)
    if draw(mostly(st.just(False), st.just(True), weight=20)):
        params[draw(TEXTS)] = draw(SCALARS)
    return params


METHODS = ("page", "count", "search", "lookup", "codegen", "record", "schema", "list_registries", "view")
WEIGHTED = ("page",) * 6 + ("count",) * 5 + ("search",) * 2 + ("lookup",) * 2 + ("codegen",) * 2 + METHODS


def methods() -> st.SearchStrategy:
    hostile = st.sampled_from(
        ["drop_tables", "__init__", "handle", "", "PAGE", "page/x", "../x", "p%C3%A4ge"]
    )
    return mostly(st.sampled_from(WEIGHTED), hostile, UNICODE, weight=20)


@st.composite
def calls(draw, catalog: Catalog) -> tuple[str, object]:
    """A method name and its params (the REST form of a request)."""
    method = draw(methods())
    return method, draw(params_for(catalog, method))


@st.composite
def requests(draw, catalog: Catalog) -> object:
    """A whole method-table request, mostly well formed."""
    method, params = draw(calls(catalog))
    request = {"id": draw(st.integers(0, 10**6) | st.text(max_size=8)), "kind": "lamin-rpc", "method": method}
    if params != {} or draw(st.booleans()):
        request["params"] = params
    change = draw(mostly(st.just(None), st.sampled_from(["all", "kind", "id", "method"]), weight=40))
    if change == "all":
        return draw(ANY)
    if change == "kind":
        request["kind"] = draw(TEXTS | ANY)
    elif change == "id":
        request["id"] = draw(ANY)
    elif change == "method":
        request["method"] = draw(ANY)
    return request


# examples per property: together with tests/server/test_rest_properties.py within 2 minutes per pass
EXAMPLES = 600
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
