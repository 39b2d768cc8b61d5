"""Properties of the method table (hypothesis): random, mostly valid requests — filter specs, columns,
orders, search texts, pages at and past their bounds, random methods and params, hostile values — are
answered with a result, a bad_request, or a timeout/cancel/unavailable error; never another error type
(which REST turns into a 500), an exception, or a hang. Widget comm messages of random shapes never raise
and every request with a valid id gets exactly one answer.

The strategies are built from the instance's own `list_registries` and `schema` answers, so the same ones
drive tests/server/test_rest_properties.py over HTTP. Examples are derandomized (CI reproducible) and not
stored (no `.hypothesis/` directory); both files together stay within 2 minutes per database pass.
"""

from __future__ import annotations

import functools
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from seed import HOSTILE_LABEL

# no example database (database=None below) and hypothesis' caches outside the checkout: no .hypothesis/
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "lamin-widgets-hypothesis")

PREFIX = "prop/"
# the strategies' own reprs hold the long hostile texts; hypothesis warns when it builds them
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
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


# -- the properties, in process ----------------------------------------------------------------------------

# examples per property: together with tests/server/test_rest_properties.py within 2 minutes per pass
EXAMPLES = 600
COMM_EXAMPLES = 40
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture(scope="module")
def rpc():
    from lamin_widgets.protocol import methods as rpc_methods

    return rpc_methods


def handled(rpc, request: object) -> tuple[dict, list[bytes], float]:
    """`handle()` under a budget, in a savepoint rolled back after it: a failed statement must not leave
    PostgreSQL's transaction of the module (the seeded records) aborted for the next example."""
    from django.db import transaction

    from lamin_widgets.protocol.budget import Budget

    started = time.monotonic()
    with transaction.atomic():
        response, buffers = rpc.handle(request, rpc.Context(), Budget(BUDGET))
        transaction.set_rollback(True)
    return response, buffers, time.monotonic() - started


CATALOG: dict = {}


@pytest.fixture(scope="module")
def catalog(seeded, rpc) -> Catalog:
    def call(method: str, params: dict) -> dict:
        response, _, _ = handled(rpc, {"id": 0, "kind": "lamin-rpc", "method": method, "params": params})
        assert response["ok"], response
        return response["result"]

    CATALOG["catalog"] = build_catalog(call)
    return CATALOG["catalog"]


def check_answer(request: object, response: dict, buffers: list, seconds: float) -> None:
    assert seconds < BUDGET + SLACK, f"answered after {seconds:.1f} s"
    assert set(response) >= {"id", "ok"}
    if response["ok"]:
        assert "result" in response
        assert all(isinstance(b, bytes) for b in buffers)
        return
    assert buffers == []
    assert acceptable_error(response["error"]), (request, response)


def page_ids(buffer: bytes) -> list[int]:
    return pa.ipc.open_stream(buffer).read_all().column("id").to_pylist()


def test_the_catalog_has_the_registries_and_paths_the_strategies_need(catalog):
    assert {"Artifact", "ULabel", "bionty.CellType"} <= set(catalog.names)
    paths = {f.path for f in catalog.registries["Artifact"].fields}
    assert {"key", "ulabels__name", "temperature", "study_metadata__detail1"} <= paths
    assert any(p.count("__") == 2 for p in paths)  # deeper relation paths
    assert "ulabels__name" in catalog.registries["Artifact"].columns


@given(request=deferred(CATALOG, requests))
@PROPERTY
def test_every_request_is_answered_with_a_result_or_an_acceptable_error(rpc, catalog, request):
    response, buffers, seconds = handled(rpc, request)
    method = request.get("method") if isinstance(request, dict) else None
    event(
        "answer",
        f"{method if method in METHODS else '?'}: " + ("ok" if response["ok"] else response["error"]["type"]),
    )
    check_answer(request, response, buffers, seconds)
    if not response["ok"] or not isinstance(request, dict):
        return
    method, params = request.get("method"), request.get("params")
    if method == "page":
        ids = page_ids(buffers[0])
        assert len(ids) == len(set(ids)), f"a page repeats records: {ids}"
    elif method == "count" and response["result"]["count"] <= 2000:
        # the count is the number of distinct records the pages show
        ids = []
        for offset in range(0, response["result"]["count"] + 1, 1000):
            query = {k: v for k, v in params.items() if k in ("registry", "filters", "search", "order")}
            page = {
                "id": 1,
                "kind": "lamin-rpc",
                "method": "page",
                "params": {**query, "offset": offset, "limit": 1000},
            }
            answer, page_buffers, _ = handled(rpc, page)
            if not answer["ok"]:
                assert acceptable_error(answer["error"]), (page, answer)
                return
            ids += page_ids(page_buffers[0])
        assert len(ids) == len(set(ids)) == response["result"]["count"], (request, len(ids), len(set(ids)))


# -- widget comm messages ----------------------------------------------------------------------------------


class Answers:
    """What a widget sends (from any thread), with a wait for a number of answers."""

    def __init__(self):
        self.messages: list[tuple[dict, list]] = []
        self.changed = threading.Condition()

    def send(self, content, buffers=None):
        with self.changed:
            self.messages.append((content, buffers or []))
            self.changed.notify_all()

    def answers(self) -> list[dict]:
        return [m for m, _ in self.messages if isinstance(m, dict) and "ok" in m]

    def wait(self, n: int, timeout: float) -> list[dict]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.answers()) >= n, timeout)
        return self.answers()


def valid_id(value: object) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


@st.composite
def comm_messages(draw, catalog: Catalog) -> list:
    ids = st.integers(0, 5) | st.sampled_from(["a", "b", ""]) | ANY
    messages = []
    for _ in range(draw(st.integers(1, 6))):
        roll = draw(st.integers(0, 9))
        if roll < 5:
            request = draw(requests(catalog))
            if isinstance(request, dict) and draw(st.booleans()):
                request["id"] = draw(ids)
            messages.append(request)
        elif roll < 7:
            messages.append({"kind": "lamin-cancel", "id": draw(ids)})
        elif roll < 9:
            event = {"kind": "lamin-event", "event": draw(st.sampled_from(["submit", "other"]) | ANY)}
            event["id"] = draw(st.integers(-1, 40) | INTS | ANY)
            messages.append(event)
        else:
            messages.append(draw(ANY))
    return messages


@pytest.fixture(scope="module")
def widgets(catalog):
    import lamin_widgets as lw

    return [
        lw.RegistryBrowser("Artifact", request_timeout=BUDGET),
        lw.SearchBox("ULabel", request_timeout=BUDGET),
        lw.LookupBox("ULabel", request_timeout=BUDGET),
    ]


@given(
    which=st.integers(0, 2),
    messages=deferred(CATALOG, comm_messages),
    buffers=st.sampled_from([[], [b""], [b"\x00" * 10]]),
)
@settings(PROPERTY, max_examples=COMM_EXAMPLES)
def test_comm_messages_never_raise_and_each_request_gets_one_answer(
    widgets, catalog, which, messages, buffers
):
    widget = widgets[which]
    sent = Answers()
    widget.send = sent.send
    for message in messages:
        widget._on_custom_message(widget, message, buffers)
    expected: dict = {}
    for message in messages:
        if isinstance(message, dict) and message.get("kind") == "lamin-rpc":
            key = message.get("id") if valid_id(message.get("id")) else None
            expected[key] = expected.get(key, 0) + 1
    total = sum(expected.values())
    sent.wait(total, timeout=total * (BUDGET + SLACK))
    deadline = time.monotonic() + BUDGET + SLACK
    while widget._pending and time.monotonic() < deadline:  # every request served: no answer to come
        time.sleep(0.01)
    answers = sent.answers()
    got: dict = {}
    for answer in answers:
        got[answer["id"]] = got.get(answer["id"], 0) + 1
        assert answer["ok"] or acceptable_error(answer["error"]), (messages, answer)
    assert got == expected, (messages, answers)
    notices = [m for m, _ in sent.messages if m.get("kind") == "lamin-notice"]
    assert notices == [], notices  # no callbacks: events fail nowhere


# -- what the properties found: each a plain example ------------------------------------------------------


def bad_request(rpc, method: str, **params) -> str:
    response, _, _ = handled(rpc, {"id": 1, "kind": "lamin-rpc", "method": method, "params": params})
    assert response["ok"] is False and response["error"]["type"] == "bad_request", response
    return response["error"]["message"]


def ok(rpc, method: str, **params) -> dict:
    response, _, _ = handled(rpc, {"id": 1, "kind": "lamin-rpc", "method": method, "params": params})
    assert response["ok"], response
    return response["result"]


def spec(*items) -> dict:
    return {"op": "and", "not": False, "items": list(items)}


def test_a_method_that_is_not_a_name_is_a_bad_request(rpc, seeded):
    """Was TypeError (unhashable type: 'list'): a 500 over REST, an error the front end cannot place."""
    for method in ([], {"a": 1}, ["page"]):
        response, _, _ = handled(rpc, {"id": 1, "kind": "lamin-rpc", "method": method})
        assert response["error"]["type"] == "bad_request"
        assert response["error"]["message"].startswith(f"unknown method of type {type(method).__name__};")


def test_searching_a_registry_without_text_fields_is_a_bad_request(rpc, seeded):
    """Was ValueError from search(): 500."""
    message = bad_request(rpc, "search", registry="FeatureValue", string="x")
    assert message == "FeatureValue has no text fields to search; pass field="
    assert bad_request(rpc, "count", registry="FeatureValue", search="x") == message


def test_a_date_field_compares_with_a_date(rpc, seeded):
    """Was ValidationError ('2000-01-01T00:00:00+00:00' value has an invalid date format): Project's
    start_date is a DateField, and the spec made every date a UTC datetime."""
    since = spec({"field": "start_date", "lookup": "gt", "value": "2000-01-01"})
    assert ok(rpc, "count", registry="Project", filters=since) == {"count": 0}
    code = ok(rpc, "codegen", registry="Project", filters=since)["code"]
    assert code == "ln.Project.filter(start_date__gt='2000-01-01')"
    at_ten = spec({"field": "start_date", "lookup": "gt", "value": "2000-01-01T10:00"})
    message = bad_request(rpc, "count", registry="Project", filters=at_ten)
    assert message == "'start_date' takes an ISO date like '2025-05-08', got '2000-01-01T10:00'"


@pytest.mark.parametrize(
    ("text", "message"),
    [("a\x00b", "contains a NUL character"), ("T\ud800", "is not valid Unicode (surrogates not allowed")],
)
def test_text_values_with_nul_or_a_lone_surrogate_are_bad_requests(rpc, seeded, text, message):
    """Were UnicodeEncodeError (both databases) and, on PostgreSQL, DataError (text fields cannot contain
    NUL): 500s. The search text was checked already; filter values and lookup prefixes were not."""
    for field in ("key", "ulabels__name", "perturbation", "study_metadata__detail1"):
        for value, lookup in ((text, "exact"), ([text], "in")):
            condition = {"field": field, "lookup": lookup, "value": value}
            assert message in bad_request(rpc, "count", registry="Artifact", filters=spec(condition))
    assert message in bad_request(rpc, "lookup", registry="ULabel", prefix=text)


def test_values_nested_deeply_or_huge_are_bad_requests_with_short_messages(rpc, seeded):
    """Were RecursionError (the repr of a list nested 1,200 deep, in the error message) and ValueError
    (the str of an int of 5,000 digits): 500s. Messages now show a value cut short, or its type."""
    deep = nested(1200)
    conditions = [
        {"field": "key", "value": deep},
        {"field": deep, "value": "x"},
        {"field": "key", "lookup": deep, "value": "x"},
        {"field": "key", "lookup": "isnull", "value": deep},
        {"field": "key", "lookup": "in", "value": deep},
        {"field": "size", "value": -(10**5000)},
    ]
    for condition in conditions:
        message = bad_request(rpc, "count", registry="Artifact", filters=spec(condition))
        assert len(message) < 300, message
    assert "[[[[...]]]]" in bad_request(rpc, "count", registry="Artifact", order=[deep])
    assert bad_request(rpc, "page", registry="Artifact", limit=10**5000).endswith("got <int>")
    group = {"op": deep, "items": []}
    assert len(bad_request(rpc, "count", registry="Artifact", filters=group)) < 300
    keys = bad_request(rpc, "count", registry="Artifact", filters={"items": [], 1: 2, "a": 3})
    assert keys.startswith("unknown group keys [1, 'a']")  # was TypeError: sorting int and str


def test_numbers_and_datetimes_out_of_the_databases_range_are_bad_requests(rpc, seeded):
    """Were OverflowError on SQLite: 'Python int too large to convert to SQLite INTEGER' (a float of
    1e300 in an 'in' list on an integer field) and 'date value out of range' (0001-01-01 at +14:00 is
    year 0 in UTC, 9999-12-31 at -14:00 year 10000)."""
    cases = [
        ({"field": "size", "lookup": "in", "value": [1e300]}, "1e+300 is out of range for 'size'"),
        ({"field": "size", "lookup": "gt", "value": -1e19}, "-1e+19 is out of range for 'size'"),
        (
            {"field": "created_at", "lookup": "gt", "value": "0001-01-01T00:00:00+14:00"},
            "'0001-01-01T00:00:00+14:00' is out of range for 'created_at' (in UTC)",
        ),
        (
            {"field": "created_at", "lookup": "lt", "value": "9999-12-31T23:59:59-14:00"},
            "'9999-12-31T23:59:59-14:00' is out of range for 'created_at' (in UTC)",
        ),
    ]
    for condition, message in cases:
        assert bad_request(rpc, "count", registry="Artifact", filters=spec(condition)) == message
    in_range = spec({"field": "created_at", "lookup": "gt", "value": "0001-01-01T00:00:00-01:00"})
    assert ok(rpc, "count", registry="Artifact", filters=in_range)["count"] > 0
    huge = spec({"field": "temperature", "lookup": "gt", "value": 1e300})  # a feature's float: any size
    assert ok(rpc, "count", registry="Artifact", filters=huge) == {"count": 0}
