"""The Jupyter server extension's REST API (/lamin/api/), called over HTTP on a real `jupyter server`.

One server serves the guide's small instance (seeded by benchmarks/harness/seed.py, chosen through the
environment variable LAMIN_SERVER_INSTANCE); another is pointed (`--LaminServer.instance`) at an instance
whose database is gone and must keep serving with a clear error.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import http.cookiejar
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet
import pytest
from conftest import TEST_DB, new_database_url, write_user
from harness.local_servers import EXTENSION_ARG, free_port, jupyter_env, server_command, serving
from harness.seed import HOSTILE_LABEL

ROOT = Path(__file__).resolve().parents[2]

TOKEN = "lamin-rest-test"
ARROW = "application/vnd.apache.arrow.stream"
BIN = Path(sys.executable).parent


class Server:
    def __init__(self, base: str):
        self.base = base

    def request(self, path: str, body=None, token: str | None = TOKEN, headers=None, opener=None):
        """`(status, headers, parsed JSON or bytes)`; errors are answers too."""
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(
            f"{self.base}{path}", data=data, method="POST" if data is not None else "GET"
        )
        if token:
            req.add_header("Authorization", f"token {token}")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with (opener.open if opener else urllib.request.urlopen)(req, timeout=30) as r:
                status, head, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as error:
            status, head, raw = error.code, error.headers, error.read()
        if "json" in (head.get("Content-Type") or ""):
            return status, head, json.loads(raw)
        return status, head, raw

    def rpc(self, method: str, **params):
        return self.request(f"/lamin/api/rpc/{method}", {"params": params})


@contextlib.contextmanager
def jupyter_server(tmp: Path, home: Path, *args: str, env_extra: dict | None = None):
    """`jupyter server` (this venv) on 127.0.0.1 with the lamin extension enabled; stopped on exit."""
    env = jupyter_env(tmp, drop=("JUPYTER", "LAMIN_SERVER"), **(env_extra or {}), LAMIN_HOME=str(home))
    cmd = [*server_command([BIN / "jupyter", "server"], free_port(), TOKEN, tmp), EXTENSION_ARG, *args]
    with serving(cmd, env, tmp / "server.log", TOKEN) as base:
        yield Server(base)


def _seed(tmp: Path, home: Path, db: str | None) -> Path:
    storage = tmp / "storage"
    env = {**os.environ, "LAMIN_HOME": str(home)}
    seed = [sys.executable, ROOT / "benchmarks" / "harness" / "seed.py", storage, db or ""]
    subprocess.run(seed, env=env, check=True, cwd=tmp, capture_output=True)
    return storage


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rest")
    home = tmp / "home"
    write_user(home)
    return tmp, home, _seed(tmp, home, new_database_url())


@pytest.fixture(scope="module")
def server(seeded):
    tmp, home, storage = seeded
    with jupyter_server(tmp, home, env_extra={"LAMIN_SERVER_INSTANCE": str(storage)}) as running:
        yield running


def _frame(body) -> pa.Table:
    (buffer,) = body["buffers"]
    return pa.ipc.open_stream(base64.b64decode(buffer)).read_all()


def test_instance_and_registries_with_counts(server, seeded):
    status, _, body = server.request("/lamin/api/instance")
    assert status == 200 and body["ok"]
    assert body["result"]["slug"] == "testuser1/storage"
    assert body["result"]["storage"] == str(seeded[2]) and body["result"]["read_only"] is True
    status, _, body = server.rpc("list_registries")
    assert status == 200
    counts = {r["name"]: r["count"] for r in body["result"]["registries"]}
    assert counts["Artifact"] == 5 and counts["ULabel"] == 5 and counts["Feature"] == 6


def test_pages_sorting_search_filters_and_record(server):
    status, _, body = server.rpc("page", registry="Artifact", offset=2, limit=2)
    assert status == 200 and body["result"]["offset"] == 2
    frame = _frame(body)
    assert frame.column("id").to_pylist() == [3, 4]
    assert frame.column("key").to_pylist() == ["iris.parquet", "examples/dataset1.h5ad"]

    body = server.rpc("page", registry="Artifact", limit=2, order=["-size"])[2]
    assert _frame(body).column("key").to_pylist() == ["examples/dataset1.h5ad", "images/my_image.jpg"]

    h5ad = {"op": "and", "not": False, "items": [{"field": "suffix", "lookup": "exact", "value": ".h5ad"}]}
    assert server.rpc("count", registry="Artifact", filters=h5ad)[2]["result"] == {"count": 2}
    assert server.rpc("count", registry="Artifact", search="iris")[2]["result"] == {
        "count": 1,
        "limit": 1000,
        "matches": 1,
        "matches_exact": True,
    }
    status, _, body = server.rpc("codegen", registry="Artifact", filters=h5ad, search="iris")
    assert body["result"]["code"] == "ln.Artifact.filter(suffix='.h5ad').search('iris', limit=1000)"
    hits = server.rpc("search", registry="Artifact", string="iris")[2]["result"]["results"]
    assert [hit["label"] for hit in hits] == ["iris.parquet"]

    status, _, body = server.rpc("record", registry="Artifact", id=4)
    assert status == 200 and body["result"]["label"] == "examples/dataset1.h5ad"
    assert body["result"]["features"]["temperature"] == "21.6"
    # the record page: facts, features with their labels as links, the path, every field aside
    page = body["result"]
    assert page["title"] == "examples/dataset1.h5ad" and page["path"].endswith(".h5ad")
    assert {"name": "size", "value": 31672} in page["facts"]
    perturbation = next(f for f in page["feature_values"] if f["name"] == "perturbation")
    assert [v["label"] for v in perturbation["values"]] == ["DMSO", "IFNG"]
    assert all(v["registry"] == "ULabel" and v["id"] for v in perturbation["values"])
    assert "_hash_type" in page["all_fields"]

    # the table as raw Arrow IPC when asked for it
    status, headers, raw = server.request(
        "/lamin/api/rpc/page",
        {"params": {"registry": "Artifact", "limit": 3}},
        headers={"Accept": "application/vnd.apache.arrow.stream"},
    )
    assert status == 200 and headers["Content-Type"] == "application/vnd.apache.arrow.stream"
    assert pa.ipc.open_stream(raw).read_all().column("id").to_pylist() == [1, 2, 3]
    assert json.loads(headers["X-Lamin-Result"])["limit"] == 3


def test_pages_as_arrow_when_accepted_else_json(server):
    """The same page as a raw Arrow IPC stream (the sidebar's Accept) and as base64 inside JSON (the
    default); answers without exactly one table, and errors, stay JSON whatever the request accepts."""
    arrow = {"Accept": f"{ARROW}, application/json"}
    columns = ["key", "size", "ulabels__name"]
    params = {"registry": "Artifact", "order": ["-size"], "limit": 4, "columns": columns}
    status, head, raw = server.request("/lamin/api/rpc/page", {"params": params}, headers=arrow)
    assert status == 200 and head["Content-Type"] == ARROW and head["Vary"] == "Accept"
    streamed = pa.ipc.open_stream(raw).read_all()
    result = json.loads(head["X-Lamin-Result"])
    status, head, body = server.request("/lamin/api/rpc/page", {"params": params})
    assert status == 200 and head["Content-Type"].startswith("application/json")
    assert streamed.equals(_frame(body)) and streamed.num_rows == 4
    assert {k: v for k, v in result.items() if k != "ms"} == {
        k: v for k, v in body["result"].items() if k != "ms"
    }
    for method, params in [("view", {"limit": 2}), ("record", {"registry": "Artifact", "id": 1})]:
        status, head, body = server.request(f"/lamin/api/rpc/{method}", {"params": params}, headers=arrow)
        assert status == 200 and head["Content-Type"].startswith("application/json") and body["ok"], method
    status, head, body = server.request(
        "/lamin/api/rpc/page", {"params": {"registry": "Artifact", "limit": 0}}, headers=arrow
    )
    assert status == 400 and head["Content-Type"].startswith("application/json")
    assert body["error"]["type"] == "bad_request"


def test_previews_over_rest(server):
    """`preview` over REST (issue 22, item 1): a table read from the stored file; a missing file and a
    suffix without a preview are one line in a 200 answer; only artifacts have previews (400)."""
    path = Path(server.rpc("record", registry="Artifact", id=3)[2]["result"]["path"])  # iris.parquet
    pa.parquet.write_table(pa.table({"sepal_length": [5.1, 4.9], "species": ["setosa", "setosa"]}), path)
    try:
        status, _, body = server.rpc("preview", registry="Artifact", id=3)
        assert status == 200 and body["buffers"] == []
        preview = body["result"]
        assert (preview["kind"], preview["format"], preview["n_rows"]) == ("table", "parquet", 2)
        assert preview["columns"] == [
            {"name": "sepal_length", "type": "double"},
            {"name": "species", "type": "string"},
        ]
        assert preview["rows"] == [["5.1", "setosa"], ["4.9", "setosa"]]
        assert server.rpc("preview", registry="Artifact", id=3)[2]["result"]["cached"] is True
    finally:
        path.unlink()
    status, _, body = server.rpc("preview", registry="Artifact", id=1)  # images/my_image.jpg: no file
    assert status == 200 and body["result"]["kind"] == "error"
    assert body["result"]["message"].startswith("the stored file is missing: ")
    status, _, body = server.rpc("preview", registry="Artifact", id=2)
    assert body["result"]["message"] == "no preview for .fastq.gz files"
    status, _, body = server.rpc("preview", registry="ULabel", id=1)
    assert (
        status == 400
        and body["error"]["message"] == "preview: only artifacts have previews, not 'ULabel' records"
    )


def test_unauthenticated_requests_get_403(server):
    assert server.request("/lamin/api/instance", token=None)[0] == 403
    assert server.request("/lamin/api/instance", token="wrong")[0] == 403
    status, _, _ = server.request("/lamin/api/rpc/list_registries", {"params": {}}, token=None)
    assert status == 403
    status, _, _ = server.request("/lamin/api/rpc/list_registries", {"params": {}}, token="wrong")
    assert status == 403


def test_cookie_sessions_need_the_xsrf_token(server):
    """A browser is logged in by cookie; its POSTs then need the `_xsrf` cookie echoed in a header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    server.request(f"/login?next=%2F&token={TOKEN}", token=None, opener=opener)
    server.request(f"/api/status?token={TOKEN}", token=None, opener=opener)
    cookies = {c.name: c.value for c in jar}
    assert any(name.startswith("username-") for name in cookies), cookies
    body = {"params": {}}
    assert server.request("/lamin/api/instance", token=None, opener=opener)[0] == 200
    assert server.request("/lamin/api/rpc/list_registries", body, token=None, opener=opener)[0] == 403
    xsrf = {"X-XSRFToken": cookies["_xsrf"]}
    status, _, reply = server.request("/lamin/api/rpc/list_registries", body, None, xsrf, opener)
    assert status == 200 and reply["ok"]


BAD_FILTER = {"items": [{"field": "suffix", "lookup": "rm"}]}
# a catastrophic regular expression smuggled in as the last key of a dict feature's key path
REGEX_KEY = {"items": [{"field": "study_metadata__detail1__regex", "lookup": "exact", "value": "(a+)+$"}]}


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("page", {"params": {"registry": "Artifact", "limit": -2}}, 400, "limit must be between 1 and 1000"),
        ("page", {"params": {"registry": "Artifact", "limit": "5"}}, 400, "'limit' must be int"),
        ("page", {"params": {"registry": "Artifact", "colour": 1}}, 400, "unknown parameter(s) ['colour']"),
        ("page", {"params": {"registry": "Nope"}}, 400, "Nope"),
        ("count", {"params": {"registry": "Artifact", "filters": BAD_FILTER}}, 400, "rm"),
        ("count", {"params": {"registry": "Artifact", "filters": REGEX_KEY}}, 400, "is a lookup name"),
        ("record", {"params": {"registry": "Artifact"}}, 400, "parameter 'id' is required"),
        ("page", b"{not json", 400, "the body is not JSON"),
        ("page", b'{"params": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, "nested too deeply"),
        ("page", {"params": [1]}, 400, "params must be an object"),
        ("page", {"registry": "Artifact"}, 400, 'the body must be a JSON object {"params"'),
        ("drop_tables", {"params": {}}, 404, "unknown method 'drop_tables'"),
        ("search", {"params": {"registry": "ULabel", "string": "T\x00cell"}}, 400, "a NUL character"),
        ("search", {"params": {"registry": "ULabel", "string": "T\ud800"}}, 400, "is not valid Unicode"),
    ],
)  # fmt: skip
def test_bad_requests_get_400_with_a_message(server, path, body, status, message):
    got, _, reply = server.request(f"/lamin/api/rpc/{path}", body)
    assert got == status, reply
    assert reply["ok"] is False and message in reply["error"]["message"]


def test_code_for_a_record_named_like_code_is_one_literal(server):
    hits = server.rpc("lookup", registry="ULabel", prefix="');")[2]["result"]["results"]
    assert [hit["value"] for hit in hits] == [HOSTILE_LABEL]
    detail = server.rpc("record", registry="ULabel", id=hits[0]["id"])[2]["result"]
    assert detail["fields"]["name"] == HOSTILE_LABEL
    spec = {
        "op": "and",
        "not": False,
        "items": [{"field": "name", "lookup": "exact", "value": detail["label"]}],
    }
    code = server.rpc("codegen", registry="ULabel", filters=spec, search=HOSTILE_LABEL)[2]["result"]["code"]
    tree = ast.parse(code, mode="eval")  # one expression: nothing of the name runs as code
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    assert [call.func.attr for call in calls] == ["search", "filter"]
    assert literals.count(HOSTILE_LABEL) == 2
    assert server.rpc("count", registry="ULabel", filters=spec)[2]["result"] == {"count": 1}


def test_database_is_opened_read_only(seeded):
    """The server's database settings refuse writes (SQLite `mode=ro`, PostgreSQL read-only sessions)."""
    from lamin_core.setup.django_config import database_config
    from lamin_core.setup.settings import InstanceSettings

    instance = InstanceSettings.load_from_storage(seeded[2])
    config = database_config(instance, read_only=True)
    if instance.is_sqlite:
        import sqlite3

        assert config["NAME"].startswith("file:") and config["NAME"].endswith("?mode=ro")
        conn = sqlite3.connect(config["NAME"], uri=True)
        assert conn.execute("select count(*) from lamin_core_artifact").fetchone() == (5,)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("delete from lamin_core_artifact")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(instance.db, options=config["OPTIONS"]["options"]) as conn:
            assert conn.execute("select count(*) from lamin_core_artifact").fetchone() == (5,)
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute("delete from lamin_core_artifact")


def test_missing_database_is_a_clear_error_while_the_server_serves(tmp_path):
    """An instance whose database is gone: no SQLite file, or a PostgreSQL database that does not exist."""
    from lamin_core.setup.settings import INSTANCE_MARKER

    home = tmp_path / "home"
    write_user(home)
    storage = tmp_path / "gone"
    db = None if TEST_DB is None else TEST_DB.rsplit("/", 1)[0] + "/lamin_test_never_created"
    marker = storage / INSTANCE_MARKER
    marker.parent.mkdir(parents=True)
    settings = {"name": "gone", "owner": "testuser1", "storage": str(storage), "db": db, "modules": []}
    marker.write_text(json.dumps({**settings, "uid": "g0neg0neg0ne"}))
    with jupyter_server(tmp_path, home, f"--LaminServer.instance={storage}") as server:
        for _ in range(2):  # retried on each request, answered each time
            status, _, body = server.request("/lamin/api/instance")
            assert status == 503 and body["ok"] is False
            assert body["error"]["type"] == "database_unavailable"
            assert ("lamin.db does not exist" if db is None else "cannot reach the database") in body[
                "error"
            ]["message"]
            status, _, body = server.rpc("page", registry="Artifact")
            assert status == 503 and body["error"]["type"] == "database_unavailable"
        assert server.request("/api/status")[0] == 200  # Jupyter itself goes on serving

        status, _, body = server.request("/lamin/api/instance", token=None)
        assert status == 403


def test_no_instance_configured(tmp_path):
    home = tmp_path / "home"
    write_user(home)
    with jupyter_server(tmp_path, home) as server:
        status, _, body = server.request("/lamin/api/instance")
        assert status == 503 and body["error"]["type"] == "no_instance"
        assert "lamin-core init" in body["error"]["message"]


def test_openapi_document_lists_every_method():
    yaml = pytest.importorskip("yaml")
    from lamin_widgets.protocol import methods as rpc_methods

    document = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    rpc = document["paths"]["/lamin/api/rpc/{method}"]["post"]
    (method,) = [p for p in rpc["parameters"] if p["name"] == "method"]
    assert method["schema"]["enum"] == list(rpc_methods.METHODS)
    assert {"200", "400", "403", "404", "503"} <= set(rpc["responses"])
    assert set(document["paths"]) == {"/lamin/api/instance", "/lamin/api/rpc/{method}"}
