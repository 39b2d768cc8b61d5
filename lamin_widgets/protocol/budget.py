"""One request's limits, enforced in the database: a time budget and cancellation.

A `Budget` is applied around the method that serves a widget or REST request, on the thread that runs
it. SQLite checks it from a progress handler inside the query loop; PostgreSQL gets `statement_timeout`
set to what is left of the budget and is cancelled through the driver. Every query of the request
starts only if the budget is not spent. The core API and `widget.to_dataframe()` run without one: the
user asked for everything (docs/architecture.md, "Request budgets").
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from .errors import Cancelled, Timeout, query_canceled

DEFAULT_SECONDS = 10.0
_PROGRESS_STEPS = 1000  # SQLite virtual-machine steps between two checks (~0.1 ms)
_PG_SLACK_MS = 250  # re-set statement_timeout when the budget left is this much below the last value


def timeout_message(seconds: float, setting: str) -> str:
    return (
        f"the query took longer than the request time limit of {seconds:g} s ({setting}) and was stopped; "
        "narrow it: fewer conditions across related registries (each to-many hop multiplies the rows "
        "the database joins), fewer related columns, or a smaller page"
    )


class Budget:
    """The limits of one request: `seconds` of database time (None: no limit) and a cancel switch."""

    def __init__(self, seconds: float | None = DEFAULT_SECONDS, setting: str = "request_timeout"):
        if seconds is not None and (isinstance(seconds, bool) or not seconds > 0):
            raise ValueError(f"a request time limit is a positive number of seconds or None, got {seconds!r}")
        self.seconds = seconds
        self.setting = setting
        self._deadline: float | None = None
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._connection: Any = None
        self._pg_timeout_ms: int | None = None

    # -- state ------------------------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def expired(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _stop_reason(self) -> Exception | None:
        if self.cancelled:
            return Cancelled("the request was cancelled")
        if self.expired():
            return Timeout(timeout_message(self.seconds, self.setting))
        return None

    def check(self) -> None:
        """Raise Cancelled or Timeout if the request must stop: work outside the database (reading a file
        for a preview) calls this between its steps."""
        reason = self._stop_reason()
        if reason is not None:
            raise reason

    def cancel(self) -> None:
        """Stop the request: before it starts, between its queries, or inside the running query."""
        self._cancelled.set()
        with self._lock:
            connection = self._connection
        if connection is not None:
            with contextlib.suppress(Exception):  # the query may just have finished
                _interrupt(connection)

    # -- applying it ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """Run the block under this budget on the current thread's Django connection.

        Raises Timeout or Cancelled (instead of the database's error) when the budget
        stopped the block.
        """

        # this thread's connection object itself (`django.db.connection` is a proxy that resolves to the
        # connection of whichever thread uses it: a cancel from another thread would reach its own)
        connection = connections[DEFAULT_DB_ALIAS]
        if self.cancelled:
            raise Cancelled("the request was cancelled")
        connection.ensure_connection()
        self._deadline = None if self.seconds is None else time.monotonic() + self.seconds
        with self._lock:
            self._connection = connection
        _current.budget = self
        raw = connection.connection
        if connection.vendor == "sqlite":
            raw.set_progress_handler(self._sqlite_should_stop, _PROGRESS_STEPS)
        elif connection.vendor == "postgresql" and self.seconds is not None:
            self._pg_timeout_ms = max(1, int(self.seconds * 1000))
            with raw.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {self._pg_timeout_ms}")
        try:
            with connection.execute_wrapper(self._before_query):
                yield
        except (Timeout, Cancelled):
            raise
        except Exception as error:
            reason = self._stop_reason() or (
                Timeout(timeout_message(self.seconds, self.setting)) if query_canceled(error) else None
            )
            if reason is None:
                raise
            raise reason from error
        finally:
            _current.budget = None
            with self._lock:
                self._connection = None
            self._restore(connection, raw)

    def _sqlite_should_stop(self) -> int:
        return 1 if self.cancelled or self.expired() else 0

    def _before_query(self, execute, sql, params, many, context):
        reason = self._stop_reason()
        if reason is not None:
            raise reason
        connection = context["connection"]
        if connection.vendor == "postgresql" and self._deadline is not None:
            left_ms = max(1, int((self._deadline - time.monotonic()) * 1000))
            if self._pg_timeout_ms is None or left_ms < self._pg_timeout_ms - _PG_SLACK_MS:
                # on the driver's cursor: this statement is not itself a query of the request
                context["cursor"].cursor.execute(f"SET statement_timeout = {left_ms}")
                self._pg_timeout_ms = left_ms
        return execute(sql, params, many, context)

    def _restore(self, connection, raw) -> None:
        if connection.vendor == "sqlite":
            with contextlib.suppress(Exception):
                raw.set_progress_handler(None, 0)
        elif self._pg_timeout_ms is not None:
            self._pg_timeout_ms = None
            with contextlib.suppress(Exception), raw.cursor() as cursor:
                cursor.execute("RESET statement_timeout")


_current = threading.local()  # the budget applied on this thread, if any


def current() -> Budget | None:
    """The budget of the request this thread serves (None: no budget, as for the core API)."""
    return getattr(_current, "budget", None)


def _interrupt(connection) -> None:
    """Stop the query running on another thread's Django connection."""
    raw = getattr(connection, "connection", None)
    if raw is None:
        return
    if connection.vendor == "sqlite":
        raw.interrupt()
    elif hasattr(raw, "cancel_safe"):
        raw.cancel_safe()
    elif hasattr(raw, "cancel"):
        raw.cancel()


class Requests:
    """The budgets of the requests a widget or the REST server is serving, to cancel them all at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budgets: set[Budget] = set()

    @contextlib.contextmanager
    def tracked(self, budget: Budget) -> Iterator[Budget]:
        with self._lock:
            self._budgets.add(budget)
        try:
            yield budget
        finally:
            with self._lock:
                self._budgets.discard(budget)

    def cancel_all(self) -> int:
        """Cancel every request being served; the number cancelled."""
        with self._lock:
            budgets = list(self._budgets)
        for budget in budgets:
            budget.cancel()
        return len(budgets)
