"""Django's PostgreSQL backend with one addition: a connection the server dropped is replaced on next use.

Django checks connections only at the boundaries of web requests (`CONN_HEALTH_CHECKS`,
`close_old_connections`). A notebook or script has no requests, so after a PostgreSQL restart (or an idle
timeout of a proxy) its connection stays dead and every later call raises `OperationalError` /
`InterfaceError` until the process restarts.

Here, whenever Django is about to use the connection outside a transaction (`ensure_connection`, which
every query, `atomic()` and autocommit change go through) and

- the server has sent something while the connection was idle (its socket is readable: a restarting
  server sends "terminating connection due to administrator command" and closes it; checked with a
  zero-timeout poll, no round trip, when the connection was idle for more than 5 ms), or
- the connection has been idle for more than `IDLE_CHECK_SECONDS` (1 s: a server that vanished without
  closing the socket, a dropped network path), or
- the previous statement failed with a database error (Django's `errors_occurred`; psycopg's `broken`
  flag: the connection was lost),

it runs Django's own health check (`is_usable`: `SELECT 1` on the raw connection, one round trip) and, if
that fails, closes the connection so that Django opens a new one right away. Back-to-back queries pay a
clock read (~0.1 µs); after a pause of 5 ms to 1 s the next call pays a poll (~1 µs, no round trip);
after a pause of more than a second, one `SELECT 1` (~0.1 ms on a local server) — never more than a
small fraction of the pause itself. Inside a transaction nothing is checked or replaced: a transaction
cut by a restart fails, as it must.

A failed statement is not retried: it may have run on the server before the connection broke (an
INSERT that committed but whose reply was lost), so the caller sees that one error; the next call
reconnects.
"""

from __future__ import annotations

import select
import time

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper

IDLE_CHECK_SECONDS = 1.0  # idle longer: one `SELECT 1` before the next use
POLL_AFTER_SECONDS = 0.005  # idle longer: a zero-timeout poll of the socket (back-to-back calls skip it)

__all__ = ["IDLE_CHECK_SECONDS", "POLL_AFTER_SECONDS", "DatabaseWrapper"]


def _has_input(connection) -> bool:
    """Whether the server sent data on an idle connection (an error, a shutdown notice, a closed socket)."""
    try:
        fd = connection.fileno()
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
            return bool(poller.poll(0))
        return bool(select.select([fd], [], [], 0)[0])
    except Exception:  # closed or broken connection: let is_usable decide
        return True


class DatabaseWrapper(PostgresDatabaseWrapper):
    """PostgreSQL connection that checks itself after idle periods and replaces itself if dead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._last_used = 0.0
        self.reconnects = 0  # connections replaced after a failed check (for tests and diagnostics)

    def ensure_connection(self):
        now = time.monotonic()
        # back-to-back calls skip every check, unless the last one failed (Django's `errors_occurred`)
        if now - self._last_used > POLL_AFTER_SECONDS or self.errors_occurred:
            self._replace_if_dead(now - self._last_used)
        self._last_used = now
        super().ensure_connection()

    def _replace_if_dead(self, idle: float) -> None:
        """Close the connection if it fails the health check (Django then opens a new one)."""
        connection = self.connection
        if connection is None or self.in_atomic_block or not self.autocommit:
            return
        suspect = (
            self.errors_occurred
            or idle > IDLE_CHECK_SECONDS
            or getattr(connection, "broken", False)  # psycopg 3 (psycopg2 has no such flag)
            or _has_input(connection)
        )
        if not suspect:
            return
        if self.is_usable():
            self.errors_occurred = False
        else:
            self.close()
            self.reconnects += 1
