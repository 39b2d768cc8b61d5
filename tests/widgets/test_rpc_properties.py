"""Bugs the property tests of the method table found, each a plain example: requests that were answered
with an error of another type than bad_request (a 500 over REST) now are bad requests with a clear message.
"""

from __future__ import annotations

import time

import pytest

PREFIX = "prop/"
BUDGET = 2.0  # seconds of database time per request


@pytest.fixture(scope="module")
def rpc():
    from lamin_widgets import _rpc

    return _rpc


def handled(rpc, request: object) -> tuple[dict, list[bytes], float]:
    """`handle()` under a budget, in a savepoint rolled back after it: a failed statement must not leave
    PostgreSQL's transaction of the module (the seeded records) aborted for the next example."""
    from django.db import transaction

    from lamin_widgets._budget import Budget

    started = time.monotonic()
    with transaction.atomic():
        response, buffers = rpc.handle(request, rpc.Context(), Budget(BUDGET))
        transaction.set_rollback(True)
    return response, buffers, time.monotonic() - started


def nested(depth: int, leaf: object = 1, as_dict: bool = False) -> object:
    """A value nested `depth` levels deep (lists or dicts), built without recursion."""
    value = leaf
    for _ in range(depth):
        value = {"a": value} if as_dict else [value]
    return value


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
