"""Runaway queries over REST, on a real `jupyter server`: distinct counts, the request time limit,
cancellation when the client goes away, and a server that stops on SIGTERM while queries run.

The instance (seed_many_links.py) links every one of 1,000 artifacts to each of 50 labels, so a filter
on `ulabels__artifacts__ulabels__name` joins 2.5 billion rows: nothing finishes it but a budget.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import new_database_url, write_user
from harness.local_servers import EXTENSION_ARG, free_port, is_serving, jupyter_env, server_command
from test_rest_api import BIN, TOKEN, Server, jupyter_server

HERE = Path(__file__).resolve().parent
HEAVY = {
    "op": "and",
    "not": False,
    "items": [{"field": "ulabels__artifacts__ulabels__name", "lookup": "isnull", "value": False}],
}
LABELLED = {
    "op": "and",
    "not": False,
    "items": [{"field": "ulabels__name", "lookup": "isnull", "value": False}],
}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("budgets")
    home = tmp / "home"
    write_user(home)
    storage = tmp / "storage"
    # the script imports benchmarks/harness/seed.py, as pytest does through its `pythonpath` option
    env = {**os.environ, "LAMIN_HOME": str(home), "PYTHONPATH": str(HERE.parents[1] / "benchmarks")}
    seed = [sys.executable, HERE / "seed_many_links.py", storage, new_database_url() or ""]
    subprocess.run(seed, env=env, check=True, cwd=tmp, capture_output=True)
    return tmp, home, storage


@pytest.fixture(scope="module")
def server(linked):
    tmp, home, storage = linked
    args = (f"--LaminServer.instance={storage}", "--LaminServer.request_timeout=1", "--LaminServer.workers=2")
    with jupyter_server(tmp, home, *args) as running:
        yield running


def test_counts_and_pages_are_of_distinct_records(server):
    """50,000 join rows, 1,000 artifacts: the count, the pages and the code all say 1,000."""
    status, _, body = server.rpc("count", registry="Artifact", filters=LABELLED)
    assert status == 200 and body["result"] == {"count": 1000}
    ids = []
    for offset in range(0, 1000, 400):
        status, _, body = server.rpc("page", registry="Artifact", filters=LABELLED, offset=offset, limit=400)
        assert status == 200
        ids += _ids(body)
    assert len(ids) == len(set(ids)) == 1000
    code = server.rpc("codegen", registry="Artifact", filters=LABELLED)[2]["result"]["code"]
    assert code == "ln.Artifact.filter(ulabels__name__isnull=False).distinct()"
    bench_1 = _spec("artifacts__key", "startswith", "bench/1")
    status, _, body = server.rpc("count", registry="ULabel", filters=bench_1)
    assert status == 200 and body["result"] == {"count": 50}


def test_a_query_over_the_time_limit_answers_503_timeout(server):
    started = time.monotonic()
    status, _, body = server.rpc("count", registry="Artifact", filters=HEAVY)
    assert time.monotonic() - started < 25  # stopped, not run for hours
    assert status == 503 and body["ok"] is False and body["error"]["type"] == "timeout"
    message = body["error"]["message"]
    assert "1 s (c.LaminServer.request_timeout)" in message and "narrow it" in message
    status, _, body = server.rpc("page", registry="Artifact", filters=HEAVY, limit=5)
    assert status == 503 and body["error"]["type"] == "timeout"
    # the workers are free again: a plain request is served
    assert server.rpc("count", registry="ULabel")[2]["result"] == {"count": 50}


def _post(base: str, method: str, params: dict) -> http.client.HTTPConnection:
    """Send a request and leave it waiting for its answer; the caller closes the connection."""
    url = urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    body = json.dumps({"params": params})
    headers = {"Authorization": f"token {TOKEN}", "Content-Type": "application/json"}
    connection.request("POST", f"/lamin/api/rpc/{method}", body, headers)
    return connection


def test_a_request_whose_client_went_away_is_cancelled(linked):
    """One worker, no time limit to speak of: only the cancel frees the worker for the next request."""
    tmp, home, storage = linked
    args = (f"--LaminServer.instance={storage}", "--LaminServer.request_timeout=600")
    (tmp / "gone").mkdir()
    with jupyter_server(tmp / "gone", home, *args, "--LaminServer.workers=1") as running:
        assert running.rpc("count", registry="ULabel")[0] == 200  # connected and warm
        waiting = _post(running.base, "count", {"registry": "Artifact", "filters": HEAVY})
        time.sleep(1)  # the query runs
        waiting.close()  # as a browser does when the sidebar supersedes a request (fetch abort)
        status, _, body = running.rpc("count", registry="ULabel")  # urllib gives up after 30 s
        assert status == 200 and body["result"] == {"count": 50}


def test_the_server_stops_on_sigterm_while_queries_run(linked):
    tmp, home, storage = linked
    (tmp / "stop").mkdir()
    env = jupyter_env(tmp / "stop", drop=("JUPYTER", "LAMIN_SERVER"), LAMIN_HOME=str(home))
    port = free_port()
    cmd = [
        *server_command([BIN / "jupyter", "server"], port, TOKEN, tmp / "stop"),
        EXTENSION_ARG,
        f"--LaminServer.instance={storage}",
        "--LaminServer.request_timeout=600",
    ]
    log = tmp / "stop" / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            if is_serving(base, TOKEN):
                break
            time.sleep(0.1)
        assert Server(base).rpc("count", registry="ULabel")[0] == 200
        running = [_post(base, "count", {"registry": "Artifact", "filters": HEAVY}) for _ in range(3)]
        threading.Event().wait(1.5)  # every worker inside a query
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        assert time.monotonic() - stopped_at < 5, log.read_text()[-2000:]
        assert "cancelled" in log.read_text()
        for connection in running:
            connection.close()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _spec(field: str, lookup: str, value) -> dict:
    return {"op": "and", "not": False, "items": [{"field": field, "lookup": lookup, "value": value}]}


def _ids(body) -> list[int]:
    import base64

    import pyarrow as pa

    (buffer,) = body["buffers"]
    return pa.ipc.open_stream(base64.b64decode(buffer)).read_all().column("id").to_pylist()


def test_column_summaries_keep_the_time_limit(server):
    """A summary over a filter the database cannot finish answers 503 timeout like a page."""
    status, _, body = server.rpc("summaries", registry="Artifact", filters=HEAVY, columns=["size"])
    assert status == 503 and body["error"]["type"] == "timeout"
    status, _, body = server.rpc(
        "summaries", registry="Artifact", filters=LABELLED, columns=["ulabels__name"]
    )
    assert status == 200 and len(body["result"]["columns"][0]["top"]) == 10  # 50 labels, each on 1,000
    assert all(t["count"] == 1000 for t in body["result"]["columns"][0]["top"])
