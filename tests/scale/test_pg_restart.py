"""A PostgreSQL restart during a session: the session's next call succeeds (reads, saves, add_values).

The test starts its own throwaway PostgreSQL server on a free port (scripts/pg-test-server.sh), so it
runs in both pytest runs and never disturbs the suite's server. A worker process connects an instance on
it, queries, and waits; the test restarts the server (open sessions are terminated, as in a real restart);
the worker's next call, a read or a transaction, must succeed on a new connection
(lamin_core/setup/postgresql/base.py).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import TEST_DB, lamin, record_scale_counts
from harness.local_servers import free_port
from scale_helpers import error_lines, result_of, start

SCRIPT = Path(__file__).parents[2] / "scripts" / "pg-test-server.sh"
ROUNDS = 4


def server(action: str, port: int) -> str:
    env = {**os.environ, "LAMIN_PGPORT": str(port)}
    env.pop("LAMIN_PGROOT", None)  # its own data folder, /tmp/lamin-pgtest-<port>
    result = subprocess.run(
        ["bash", str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"pg-test-server.sh {action}: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture
def own_server():
    """A PostgreSQL server of this test alone; its URL (stopped and removed afterwards)."""
    port = free_port()
    server("start", port)
    try:
        yield port, server("url", port)
    finally:
        server("stop", port)


def test_session_survives_postgresql_restart(home, tmp_path, own_server):
    import psycopg

    port, url = own_server
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "restart_test"')
    db = url.rsplit("/", 1)[0] + "/restart_test"
    result = lamin("init", "--storage", str(tmp_path / "restart"), "--db", db, home=home)
    assert result.returncode == 0, result.stderr

    work, logs = tmp_path / "work", tmp_path / "logs"
    work.mkdir()
    ready, go = work / "ready", work / "go"
    args = {"workdir": str(work), "ready": str(ready), "go": str(go), "rounds": ROUNDS, "name": "restart"}
    session = start("session", args, home, logs)
    restarts = 0
    for round_ in range(ROUNDS):
        deadline = time.monotonic() + 120
        while not ready.with_suffix(f".{round_}").exists():
            assert session.poll() is None, f"session exited early:\n{session.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "session did not get ready"
            time.sleep(0.02)
        server("restart", port)
        restarts += 1
        if round_ >= 2:
            time.sleep(1.2)  # idle longer than the backend's idle check as well
        go.with_suffix(f".{round_}").touch()
    outcome = result_of(session, timeout=120)
    assert not error_lines([outcome]), "\n".join(error_lines([outcome]))
    steps = dict(outcome["steps"])
    assert [name for name, _ in outcome["steps"]] == [
        "before",
        *(f"{kind} {r}" for r in range(ROUNDS) for kind in ("read" if r % 2 == 0 else "save", "count")),
    ]
    assert steps[f"count {ROUNDS - 1}"] == ROUNDS // 2  # the saves after restarts are all there
    # one replaced connection per restart: the dead one was noticed before it was used
    assert outcome["reconnects"] == restarts
    record_scale_counts(
        "PostgreSQL restarts during a session",
        db="postgresql (own server)" + (", suite on postgresql" if TEST_DB else ", suite on sqlite"),
        restarts=restarts,
        calls_after_restart=2 * ROUNDS,
        failed_calls=len(outcome["errors"]),
        reconnects=outcome["reconnects"],
    )
