"""Starting the worker processes of tests/scale (`scale_worker.py`) and reading their results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import lamin, new_database_url

WORKER = Path(__file__).with_name("scale_worker.py")


def init_instance(home: Path, tmp_path: Path, name: str) -> Path:
    """A fresh instance (SQLite in its storage folder, or a new PostgreSQL database), current in `home`."""
    storage = tmp_path / name
    db = new_database_url()
    result = lamin("init", "--storage", str(storage), *(["--db", db] if db else []), home=home)
    assert result.returncode == 0, result.stderr
    return storage


def start(role: str, args: dict, home: Path, logs: Path) -> subprocess.Popen:
    """A worker process; its output goes to files (a full pipe must never block it)."""
    logs.mkdir(parents=True, exist_ok=True)
    name = f"{role}-{args.get('worker', args.get('point', args.get('name', '')))}"
    args = {**args, "out": str(logs / f"{name}.json")}
    env = {**os.environ, "LAMIN_HOME": str(home)}
    with open(logs / f"{name}.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(WORKER), role, json.dumps(args)], env=env, stdout=log, stderr=log
        )
    process.out = Path(args["out"])  # type: ignore[attr-defined]
    process.log = logs / f"{name}.log"  # type: ignore[attr-defined]
    return process


def result_of(process: subprocess.Popen, timeout: float = 180) -> dict:
    """Wait for a worker and return its JSON result (the test fails with its log if it has none)."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if not process.out.exists():  # type: ignore[attr-defined]
        log = process.log.read_text()[-4000:]  # type: ignore[attr-defined]
        raise AssertionError(f"worker {process.args[2]} exited {process.returncode} without a result:\n{log}")
    return json.loads(process.out.read_text())  # type: ignore[attr-defined]


def run_worker(role: str, args: dict, home: Path, logs: Path, timeout: float = 180) -> dict:
    return result_of(start(role, args, home, logs), timeout)


def error_lines(results: list[dict]) -> list[str]:
    return [
        f"{r['role']} {r['pid']}: {e['where']}: {e['error']}\n{e['traceback']}"
        for r in results
        for e in r.get("errors", [])
    ]
