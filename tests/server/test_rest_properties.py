"""Properties of the REST API (hypothesis), over HTTP on a real `jupyter server`: the random requests of
tests/rpc_strategies.py — methods, params, filter specs, columns, orders, search texts, plus
bodies and headers of any shape — are answered with 200, a 4xx, or a 503 whose error is a timeout or the
database being away; never a 500 (or another 5xx), and each within the request time limit plus slack.

The server has a request time limit of 2 s (`c.LaminServer.request_timeout`) and serves the e2e seed's
guide-like instance (the `seeded` fixture of test_rest_api.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import sys
import time
from urllib.parse import quote, urlparse

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from rpc_strategies import (
    ANY,
    BUDGET,
    METHODS,
    PROPERTY,
    SLACK,
    TEXTS,
    acceptable_error,
    build_catalog,
    calls,
    deferred,
    mostly,
)
from test_rest_api import TOKEN, jupyter_server, seeded  # noqa: F401 (seeded: a fixture)

ARROW = "application/vnd.apache.arrow.stream"
EXAMPLES = 400
CATALOG: dict = {}
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")  # the strategies' reprs


class Client:
    """One keep-alive HTTP connection to the server; a new one after an error."""

    def __init__(self, base: str):
        url = urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes | None, headers: dict) -> tuple[int, dict, bytes, float]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=BUDGET + SLACK)
        started = time.monotonic()
        try:
            self.connection.request("POST", path, body, {"Authorization": f"token {TOKEN}", **headers})
            response = self.connection.getresponse()
            raw = response.read()
        except Exception:
            self.connection.close()
            self.connection = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, dict(response.getheaders()), raw, time.monotonic() - started

    def rpc(self, method: str, params: dict) -> dict:
        status, _, raw, _ = self.post(f"/lamin/api/rpc/{method}", json.dumps({"params": params}).encode(), {})
        assert status == 200, raw
        return json.loads(raw)["result"]


@pytest.fixture(scope="module")
def server(seeded):  # noqa: F811 (the fixture imported above)
    tmp, home, storage = seeded
    args = (f"--LaminServer.instance={storage}", f"--LaminServer.request_timeout={BUDGET:g}")
    with jupyter_server(tmp, home, *args) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    client = Client(server.base)
    CATALOG["catalog"] = build_catalog(client.rpc)
    return client


def encoded(value: object) -> bytes:
    """JSON as a client may send it: NaN and infinities as JavaScript writes them, lone surrogates
    escaped, nesting as deep as the value (the server refuses what it cannot parse)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return json.dumps(value).encode()
    finally:
        sys.setrecursionlimit(limit)


@st.composite
def http_requests(draw, catalog) -> tuple[str, bytes | None, dict]:
    """`(path, body, headers)`: mostly `{"params": ...}` for a method, sometimes any body at all."""
    method, params = draw(calls(catalog))
    path = "/lamin/api/rpc/" + quote(method.encode("utf-8", "surrogatepass"), safe="")
    shape = draw(mostly(st.just("params"), st.sampled_from(["json", "bytes", "none", "extra"]), weight=20))
    if shape == "params":
        body = encoded({"params": params})
    elif shape == "json":
        body = encoded(draw(ANY))
    elif shape == "bytes":
        body = draw(
            st.binary(max_size=64) | st.sampled_from([b"{", b'{"params": NaN}', b"\xff\xfe", b"[]" * 10])
        )
    elif shape == "extra":
        body = encoded({"params": params, draw(TEXTS): 1})
    else:
        body = None
    headers = draw(
        mostly(st.just({}), st.just({"Accept": ARROW}), st.just({"Content-Type": "text/plain"}), weight=4)
    )
    return path, body, headers


@given(request=deferred(CATALOG, http_requests))
@settings(PROPERTY, max_examples=EXAMPLES)
def test_every_http_request_is_answered_with_200_4xx_or_503_unavailable(client, request):
    path, body, headers = request
    status, head, raw, seconds = client.post(path, body, headers)
    method = path.rsplit("/", 1)[1]
    event("answer", f"{method if method in METHODS else '?'}: {status}")
    assert seconds < BUDGET + SLACK, f"answered after {seconds:.1f} s"
    assert status == 200 or 400 <= status < 500 or status == 503, (request, status, raw[:2000])
    if status == 200:
        if head.get("Content-Type", "").startswith(ARROW):
            assert "X-Lamin-Result" in head
        else:
            assert json.loads(raw)["ok"] is True
    elif status == 503:
        error = json.loads(raw)["error"]
        assert acceptable_error(error), (request, error)


def test_the_server_answers_after_the_properties(client):
    """The last word: the server still serves plain requests (no worker left stuck)."""
    with contextlib.suppress(Exception):
        client.connection and client.connection.close()
    assert client.rpc("count", {"registry": "Artifact"}) == {"count": 5}
