"""The protocol's errors: every error class, and the errors of lamin_core and the databases, map to one
answer type and HTTP status by their class (`error_response`), whatever their messages say.

The database errors are real ones: a statement SQLite cannot run, a SQLite database locked by another
connection or missing, a PostgreSQL server that refuses connections, a statement over PostgreSQL's
statement_timeout, a backend the server terminates.
"""

from __future__ import annotations

import sqlite3

import pytest
from conftest import TEST_DB

from lamin_widgets import protocol
from lamin_widgets.protocol.errors import protocol_error


def answer(error: BaseException) -> tuple[str, int]:
    response, status = protocol.error_response(error, request_id=3)
    assert response["id"] == 3 and response["ok"] is False
    assert response["error"]["message"]
    return response["error"]["type"], status


@pytest.mark.parametrize(
    ("cls", "kind", "status"),
    [
        (protocol.BadRequest, "bad_request", 400),
        (protocol.NotFound, "not_found", 404),
        (protocol.Unavailable, "unavailable", 503),
        (protocol.Timeout, "timeout", 503),
        (protocol.Cancelled, "cancelled", 503),
        (protocol.DatabaseUnavailable, "database_unavailable", 503),
        (protocol.NoInstance, "no_instance", 503),
        (protocol.InstanceSwitch, "instance_switch", 503),
        (protocol.InternalError, "internal_error", 500),
    ],
)
def test_every_protocol_error_has_its_type_and_status(cls, kind, status):
    assert answer(cls("what happened")) == (kind, status)
    response, _ = protocol.error_response(cls("what happened"))
    assert response == {"id": None, "ok": False, "error": {"type": kind, "message": "what happened"}}


def test_the_filter_spec_and_registry_errors_are_bad_requests(ln):
    from lamin_widgets.protocol import filterspec, state

    with pytest.raises(filterspec.FilterSpecError) as error:
        filterspec.parse(ln.Artifact, {"items": [{"field": "nope", "value": 1}]})
    assert answer(error.value) == ("bad_request", 400)
    with pytest.raises(state.RegistryNotFound) as error:
        state.get_registry("Nope")
    assert answer(error.value) == ("bad_request", 400)


def test_lamin_core_errors_map_by_class(ln):
    from lamin_core import errors

    with pytest.raises(errors.InvalidArgument) as error:
        ln.FeatureValue.search("x")  # a registry without text fields
    assert answer(error.value) == ("bad_request", 400)
    with pytest.raises(ln.Artifact.DoesNotExist) as error:
        ln.Artifact.get(id=-1)
    assert answer(error.value) == ("not_found", 404)
    assert answer(errors.NoInstanceError("none")) == ("no_instance", 503)
    assert answer(errors.InstanceSwitchError("another")) == ("instance_switch", 503)
    assert answer(errors.DatabaseUnreachableError("away")) == ("database_unavailable", 503)
    assert answer(errors.InstanceNotFoundError("gone")) == ("database_unavailable", 503)
    assert answer(RuntimeError("database is locked")) == ("internal_error", 500)  # the words do not count
    assert protocol.error_response(RuntimeError("x"))[0]["error"]["message"] == "RuntimeError: x"


def test_a_statement_the_database_cannot_run_is_an_internal_error_not_a_503(ln):
    from django.db import DatabaseError, connection

    with pytest.raises(DatabaseError) as error, connection.cursor() as cursor:
        cursor.execute("SELEC 1")
    assert answer(error.value) == ("internal_error", 500)


def test_sqlite_locked_or_missing_is_unavailable_a_bad_statement_is_not(tmp_path):
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as error:
        other.execute("BEGIN IMMEDIATE")
    assert answer(error.value) == ("database_unavailable", 503)  # SQLITE_BUSY
    holder.execute("ROLLBACK")
    with pytest.raises(sqlite3.OperationalError) as error:
        other.execute("SELECT " + ", ".join(["?"] * 40_000), [1] * 40_000)
    assert answer(error.value) == ("internal_error", 500)  # too many SQL variables: a bug
    holder.close(), other.close()
    with pytest.raises(sqlite3.OperationalError) as error:
        sqlite3.connect(f"file:{tmp_path / 'missing' / 'x.db'}?mode=ro", uri=True)
    assert answer(error.value) == ("database_unavailable", 503)  # SQLITE_CANTOPEN


def test_a_postgresql_server_that_refuses_connections_is_unavailable():
    import psycopg
    from harness.local_servers import free_port

    with pytest.raises(psycopg.OperationalError) as error:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres", connect_timeout=5)
    assert answer(error.value) == ("database_unavailable", 503)


@pytest.mark.skipif(TEST_DB is None, reason="PostgreSQL: the PostgreSQL pass (LAMIN_TEST_DB)")
def test_postgresql_statement_timeout_and_a_terminated_backend():
    import psycopg

    with psycopg.connect(TEST_DB, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 50")
        with pytest.raises(psycopg.errors.QueryCanceled) as error:
            conn.execute("SELECT pg_sleep(5)")
    assert answer(error.value) == ("timeout", 503)
    with (
        psycopg.connect(TEST_DB, autocommit=True) as victim,
        psycopg.connect(TEST_DB, autocommit=True) as admin,
    ):
        admin.execute("SELECT pg_terminate_backend(%s)", [victim.info.backend_pid])
        with pytest.raises(psycopg.Error) as error:
            victim.execute("SELECT 1")
    assert answer(error.value) == ("database_unavailable", 503)  # AdminShutdown, or the closed connection
    with psycopg.connect(TEST_DB, autocommit=True) as conn, pytest.raises(psycopg.Error) as error:
        conn.execute("SELECT * FROM no_such_table")
    assert answer(error.value) == ("internal_error", 500)


def test_the_budget_raises_timeout_and_cancelled(instance):
    from test_budget import slow_query

    budget = protocol.Budget(0.2)
    with pytest.raises(protocol.Timeout) as error, budget.applied():
        slow_query()
    assert answer(error.value) == ("timeout", 503)
    budget = protocol.Budget(5)
    budget.cancel()
    with pytest.raises(protocol.Cancelled) as error, budget.applied():
        slow_query()
    assert answer(error.value) == ("cancelled", 503)


def test_protocol_errors_pass_through_unchanged():
    error = protocol.NotFound("record: no visible Artifact record with id 9")
    assert protocol_error(error) is error
    assert isinstance(protocol.BadRequest("x"), ValueError)  # callers catching ValueError still do
