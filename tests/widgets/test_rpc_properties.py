"""Properties of the method table (hypothesis): random, mostly valid requests — filter specs, columns,
orders, search texts, pages at and past their bounds, random methods and params, hostile values — are
answered with a result, a bad_request, or a timeout/cancel/unavailable error; never another error type
(which REST turns into a 500), an exception, or a hang. Widget comm messages of random shapes never raise
and every request with a valid id gets exactly one answer.

The strategies (tests/rpc_strategies.py) are built from the instance's own `list_registries` and `schema`
answers, so the same ones drive tests/server/test_rest_properties.py over HTTP. Examples are derandomized
(CI reproducible) and not stored (no `.hypothesis/` directory); both files together stay within 2 minutes
per database pass.
"""

from __future__ import annotations

import threading
import time

import pyarrow as pa
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from rpc_strategies import (
    ANY,
    BUDGET,
    INTS,
    METHODS,
    PROPERTY,
    SLACK,
    Catalog,
    acceptable_error,
    build_catalog,
    deferred,
    nested,
    requests,
)

PREFIX = "prop/"  # keys of the `seeded` fixture's records
# the strategies' own reprs hold the long hostile texts; hypothesis warns when it builds them
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


# -- the properties, in process ----------------------------------------------------------------------------

COMM_EXAMPLES = 40  # message sequences per widget property (each builds widgets)


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
