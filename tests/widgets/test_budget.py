"""Request budgets (lamin_widgets.protocol.budget): a time limit and cancellation, enforced in the database.

The slow query is real SQL that would run for minutes (a recursive count to a billion), on the test
database (SQLite or PostgreSQL): the budget must stop it, say why, and leave the connection as it was.
"""

from __future__ import annotations

import threading
import time

import pytest

# a billion steps: minutes on either database, unless something stops it
SLOW_SQL = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c"
)


def slow_query() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SLOW_SQL)
        cursor.fetchall()


def quick_query() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        return cursor.fetchone()[0]


@pytest.fixture
def budget_module(instance):
    from lamin_widgets.protocol import budget as budget_module

    return budget_module


def test_a_query_over_budget_is_stopped_and_says_which_limit(budget_module):
    budget = budget_module.Budget(0.3, setting="c.LaminServer.request_timeout")
    started = time.monotonic()
    with pytest.raises(budget_module.Timeout) as error, budget.applied():
        slow_query()
    assert time.monotonic() - started < 60  # stopped, not run to the end
    message = str(error.value)
    assert "0.3 s" in message and "c.LaminServer.request_timeout" in message and "narrow it" in message
    assert quick_query() == 42  # the connection serves the next query


def test_the_connection_keeps_no_limit_after_the_request(budget_module):
    from django.db import connection

    with budget_module.Budget(0.5).applied():
        assert quick_query() == 42
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "0"
    else:
        # no progress handler left: a query far longer than the budget runs to its end
        with connection.cursor() as cursor:
            cursor.execute(SLOW_SQL.replace("1000000000", "300000"))
            assert cursor.fetchone()[0] == 300000


def test_a_cancel_from_another_thread_stops_the_running_query(budget_module):
    budget = budget_module.Budget(None)
    timer = threading.Timer(0.3, budget.cancel)
    timer.start()
    try:
        with pytest.raises(budget_module.Cancelled), budget.applied():
            slow_query()
    finally:
        timer.cancel()
    assert quick_query() == 42


def test_a_cancelled_request_does_not_start(budget_module):
    budget = budget_module.Budget(5)
    budget.cancel()
    ran = []
    with pytest.raises(budget_module.Cancelled), budget.applied():
        ran.append(1)
    assert ran == []


def test_a_spent_budget_stops_the_next_query(budget_module):
    """Several queries of one request share the budget: a query after it is spent does not start."""
    budget = budget_module.Budget(0.2)
    with pytest.raises(budget_module.Timeout), budget.applied():
        assert quick_query() == 42
        time.sleep(0.3)  # Python work between queries spends the budget too
        quick_query()


def test_database_errors_that_are_not_the_budget_pass_through(budget_module):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), budget_module.Budget(5).applied():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")


@pytest.mark.parametrize("bad", [0, -1, True, float("nan")])
def test_a_budget_takes_positive_seconds(budget_module, bad):
    with pytest.raises(ValueError, match="positive number of seconds"):
        budget_module.Budget(bad)
