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
from harness.local_servers import free_port

TEST_DB = os.environ.get("LAMIN_TEST_DB") or None
# the public sources' search indexes (per user, shared by every instance and LAMIN_HOME): one folder for the
# whole suite and every process it starts, kept across runs in this checkout (`make clean` removes it), so
# that the suite builds them once, at its first `init --modules bionty`, not in the user's ~/.cache
ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("LAMIN_CORE_CACHE_DIR", str(ROOT / "test-output" / "cache"))
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
    """Run the installed command line (`lamin-core`; the README writes it `lamin`)."""
    return run([str(BIN / "lamin-core"), *args], home, cwd)


def python(code: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run Python code in a fresh interpreter."""
    return run([sys.executable, "-c", code], home, cwd)


def memory_ranked(queryset, query: str) -> list[int]:
    """The ids the in-memory search engine ranks for `query` over a QuerySet's artifact keys and
    descriptions: what a search through an index must return."""
    from lamin_core.search_index import MemoryIndex  # Django is set up by the tests' `ln` fixture
    from lamin_core.search_index.fields import NAME, TEXT, SearchField

    rows = list(queryset.order_by("id").values_list("id", "key", "description"))
    fields = [SearchField("key", NAME, False), SearchField("description", TEXT, False)]
    index = MemoryIndex([(key, description) for _, key, description in rows], fields, primary=0)
    return [rows[i][0] for i in index.rank(query, limit=None)]


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
def seeded(ln, request):
    """The e2e seed's guide-like records with keys under the module's `PREFIX`, by key; rolled back after
    the module."""
    from django.db import transaction
    from harness.seed import seed

    with transaction.atomic():
        yield seed(ln, request.module.PREFIX)
        transaction.set_rollback(True)


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
    from lab_harness import lab_fixture

    yield from lab_fixture(tmp_path_factory)


# --- tests/scale: counts of the concurrency and fault tests, printed at the end of the pytest run ----------

SCALE_COUNTS: list[tuple[str, dict]] = []


def record_scale_counts(test: str, **counts) -> None:
    """Keep what a scale or fault test measured (records written, read, lost, duplicates) for the summary."""
    SCALE_COUNTS.append((test, counts))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the install times of the packaging tests, and the scale tests' measured counts, one line per
    test, for this run's database."""
    helpers = sys.modules.get("install_helpers")
    if helpers is not None and helpers.TIMINGS:
        terminalreporter.section("install wall times (tests/packaging)")
        for what, seconds in helpers.TIMINGS.items():
            terminalreporter.write_line(f"{what}: {seconds:.1f} s")
    if not SCALE_COUNTS:
        return
    terminalreporter.section(f"concurrency and fault counts ({'PostgreSQL' if TEST_DB else 'SQLite'})")
    for test, counts in SCALE_COUNTS:
        terminalreporter.write_line(f"{test}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


# --- S3-compatible object storage: moto's standalone server on 127.0.0.1 (self-contained block) ---

S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask a cloud metadata service for credentials
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def _die_with_parent() -> None:
    """In the child: get SIGTERM when pytest dies, even if killed before its fixtures' teardown (Linux)."""
    import contextlib
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_for_s3(endpoint: str, process: subprocess.Popen | None, timeout: float = 60.0) -> None:
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(endpoint + "/moto-api/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # an S3 server that is not moto answers, too
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"moto_server exited with code {process.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"no S3 server answers at {endpoint}") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible endpoint: `LAMIN_TEST_S3_ENDPOINT`, else moto's server started on a free port.

    Fake credentials and `AWS_ENDPOINT_URL` go into this process's environment (subprocesses inherit
    them) and are restored at the end of the session, when the server started here is stopped.
    """
    endpoint = os.environ.get("LAMIN_TEST_S3_ENDPOINT")
    process = None
    if not endpoint:
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
    saved = {name: os.environ.get(name) for name in [*S3_ENV, "AWS_ENDPOINT_URL"]}
    try:
        _wait_for_s3(endpoint, process)
        os.environ.update(S3_ENV, AWS_ENDPOINT_URL=endpoint)
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def s3_bucket(s3_endpoint) -> str:
    """A new empty bucket on the test S3 server; its name."""
    import s3fs

    from lamin_core.storage.filesystem import s3_options

    name = f"lamin-test-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**s3_options()).mkdir(name)
    return name


@pytest.fixture(scope="session")
def s3_root(s3_endpoint, ln) -> str:
    """An S3 storage root of the session's instance (`s3://<bucket>/data`), for artifacts on S3."""
    import s3fs

    from lamin_core.storage.filesystem import s3_options

    bucket = f"lamin-session-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**s3_options()).mkdir(bucket)
    return f"s3://{bucket}/data"


@pytest.fixture(params=["local", "s3"])
def artifact_storage(request, ln, instance) -> str:
    """Parametrizes a test over local and S3 storage: the default storage of new artifacts meanwhile."""
    root = instance.storage if request.param == "local" else request.getfixturevalue("s3_root")
    ln.settings.storage = root
    try:
        yield root
    finally:
        ln.settings.storage = instance.storage
