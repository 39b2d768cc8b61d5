"""Shared fixtures: settings directories, fresh databases (SQLite or PostgreSQL), the guide instance.

`LAMIN_TEST_DB` picks the database of this pytest process: unset for SQLite, a `postgresql://` URL for
PostgreSQL (then every instance gets a fresh database on that server).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

TEST_DB = os.environ.get("LAMIN_TEST_DB") or None
BIN = Path(sys.executable).parent
GUIDE_USER = {"uid": "DzTjkKse", "handle": "testuser1", "name": "Test User1"}


def new_database_url() -> str | None:
    """A new empty database on the test PostgreSQL server, or None when testing SQLite."""
    if TEST_DB is None:
        return None
    import psycopg

    name = f"lamin_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(TEST_DB, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return TEST_DB.rsplit("/", 1)[0] + "/" + name


def write_user(home: Path, user: dict = GUIDE_USER) -> None:
    """Write the guide's user (testuser1, Test User1) into a settings directory."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "user.json").write_text(json.dumps(user))


def run(args: list[str], home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run a command with `LAMIN_HOME` set to `home`; output captured as text."""
    env = {**os.environ, "LAMIN_HOME": str(home)}
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def lamin(*args: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed `lamin` command."""
    return run([str(BIN / "lamin"), *args], home, cwd)


def python(code: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run Python code in a fresh interpreter."""
    return run([sys.executable, "-c", code], home, cwd)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty settings directory with the guide's user."""
    path = tmp_path / "lamin-home"
    write_user(path)
    return path


@pytest.fixture
def db_url() -> str | None:
    """A fresh database for one instance (None = SQLite inside the storage folder)."""
    return new_database_url()


@pytest.fixture(scope="session")
def instance(tmp_path_factory: pytest.TempPathFactory):
    """The guide's instance (testuser1/test-registries, bionty module), connected in this process."""
    home = tmp_path_factory.mktemp("session-home")
    write_user(home)
    os.environ["LAMIN_HOME"] = str(home)
    import lamin_core as ln

    storage = tmp_path_factory.mktemp("session") / "test-registries"
    return ln.setup.init(storage=storage, db=new_database_url(), modules="bionty")


@pytest.fixture(scope="session")
def ln(instance):
    """`lamin_core`, connected to the session's instance."""
    import lamin_core

    return lamin_core


@pytest.fixture(scope="module")
def delete_new_artifacts(ln):
    """Delete what a module saves (records and stored data): later modules see the instance as before."""
    last = {
        model: model.all_objects.order_by("-id").values_list("id", flat=True).first() or 0
        for model in (ln.Collection, ln.Artifact)
    }
    yield
    for collection in ln.Collection.all_objects.filter(id__gt=last[ln.Collection]).order_by("-id"):
        collection.delete(permanent=True)
    for artifact in ln.Artifact.all_objects.filter(id__gt=last[ln.Artifact]).order_by("-id"):
        artifact.delete(permanent=True, storage=True)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """JupyterLab from the built wheel on the guide's small instance, with Chromium (tests/e2e)."""
    sys.path.insert(0, str(Path(__file__).parent / "e2e"))
    from lab_harness import lab_fixture

    yield from lab_fixture(tmp_path_factory)
