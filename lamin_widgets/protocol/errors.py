"""The protocol's errors, and the one mapping from any exception to the answer both transports send.

A method raises a `ProtocolError` for what it refuses (`BadRequest`, `NotFound`); the budget raises
`Timeout` and `Cancelled`; lamin_core and the databases raise their own. `error_response()` turns each into
`{"id", "ok": false, "error": {"type", "message"}}` and the HTTP status the REST API answers with, by the
exception's class (and the driver error Django wraps), never by its name or message: renaming an exception
or a database rewording a message cannot turn a 503 into a 500.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import ClassVar

import django.db
from django.core.exceptions import ObjectDoesNotExist

from lamin_core.errors import (
    DatabaseUnreachableError,
    InstanceNotFoundError,
    InstanceSwitchError,
    InvalidArgument,
    NoInstanceError,
    ValidationError,
)

from .types import ErrorResponse, RequestId

logger = logging.getLogger("lamin_widgets")
MAX_MESSAGE = 2000  # characters of an error message in an answer


class ProtocolError(Exception):
    """An error the protocol answers with: `type` names it to the client, `status` over REST."""

    type: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500


class BadRequest(ProtocolError, ValueError):
    """A request that cannot be served as asked: a bad method, parameter, name or value."""

    type = "bad_request"
    status = 400


class NotFound(ProtocolError, LookupError):
    """A method, or a record, that does not exist."""

    type = "not_found"
    status = 404


class Unavailable(ProtocolError):
    """The request may succeed later: the database is away or busy, or the server is stopping."""

    type = "unavailable"
    status = 503


class Timeout(Unavailable):
    """The request spent its time budget; the message says which limit and how to narrow the query."""

    type = "timeout"


class Cancelled(Unavailable):
    """The request was cancelled: its client went away, a newer request replaced it, or the server stops."""

    type = "cancelled"


class DatabaseUnavailable(Unavailable):
    """The instance's database is missing, cannot be reached, or is busy."""

    type = "database_unavailable"


class NoInstance(Unavailable):
    """No instance is configured for the server, nor a current one."""

    type = "no_instance"


class InstanceSwitch(Unavailable):
    """The server already serves another instance (Django is set up once per process)."""

    type = "instance_switch"


class InternalError(ProtocolError):
    """Anything else: a bug, or a database error that is not the database being away."""


# SQLite's primary result codes of a database that is away or busy (the extended codes add high bits)
_SQLITE_AWAY = {
    5,  # SQLITE_BUSY
    6,  # SQLITE_LOCKED
    10,  # SQLITE_IOERR
    14,  # SQLITE_CANTOPEN
    15,  # SQLITE_PROTOCOL
}


def _causes(error: BaseException | None):
    """The error, then what it was raised from (Django raises its own class from each driver error)."""
    while error is not None:
        yield error
        error = error.__cause__


def _database_error(error: BaseException) -> bool:
    psycopg = sys.modules.get("psycopg")  # loaded once PostgreSQL is used: before, no error is its own
    return isinstance(error, django.db.Error | sqlite3.Error) or (
        psycopg is not None and isinstance(error, psycopg.Error)
    )


def query_canceled(error: BaseException) -> bool:
    """Whether PostgreSQL cancelled the statement (its statement_timeout, or a cancel request)."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and any(isinstance(c, psycopg.errors.QueryCanceled) for c in _causes(error))


def _database_away(error: BaseException) -> bool:
    """Whether a database error means the database is away or busy (not a statement it cannot run)."""
    psycopg = sys.modules.get("psycopg")
    for cause in _causes(error):
        if isinstance(cause, sqlite3.OperationalError):
            return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_AWAY
        if psycopg is not None and isinstance(cause, psycopg.Error):
            if isinstance(cause, psycopg.InterfaceError):
                return True  # the connection is closed
            # the connection failed or was lost before the server answered (no SQLSTATE: the base class)
            return type(cause) is psycopg.OperationalError or isinstance(cause, _postgresql_away(psycopg))
    return isinstance(error, django.db.InterfaceError)  # Django's own: "connection already closed"


def _postgresql_away(psycopg) -> tuple[type, ...]:
    """PostgreSQL's errors of a server that is away, stopping, out of resources or busy: SQLSTATE classes
    08 (connection), 57 (operator intervention, but for 57014, a cancelled query), 53 (resources) and the
    transient conflicts of 40 and 55P03. psycopg gives each SQLSTATE its own class, not a subclass of its
    class's, so they are listed."""
    errors = psycopg.errors
    return (
        errors.ConnectionException,
        errors.ConnectionDoesNotExist,
        errors.ConnectionFailure,
        errors.SqlclientUnableToEstablishSqlconnection,
        errors.SqlserverRejectedEstablishmentOfSqlconnection,
        errors.OperatorIntervention,
        errors.AdminShutdown,
        errors.CrashShutdown,
        errors.CannotConnectNow,
        errors.DatabaseDropped,
        errors.IdleSessionTimeout,
        errors.InsufficientResources,
        errors.DiskFull,
        errors.OutOfMemory,
        errors.TooManyConnections,
        errors.SerializationFailure,
        errors.DeadlockDetected,
        errors.LockNotAvailable,
    )


def protocol_error(error: BaseException) -> ProtocolError:
    """The protocol error that `error` is, by its class: itself if it is one; lamin_core's refused
    arguments are bad requests, a missing record not found, an instance or database that cannot be
    reached or is busy unavailable; PostgreSQL cancelling a statement (its statement_timeout) a timeout;
    anything else an internal error naming the exception."""
    if isinstance(error, ProtocolError):
        return error
    message = str(error)
    if isinstance(error, InvalidArgument | ValidationError):  # a value that fits no record (descendant_of)
        return BadRequest(message)
    if isinstance(error, ObjectDoesNotExist):
        return NotFound(message)
    if isinstance(error, NoInstanceError):
        return NoInstance(message)
    if isinstance(error, InstanceSwitchError):
        return InstanceSwitch(message)
    if isinstance(error, DatabaseUnreachableError | InstanceNotFoundError):
        return DatabaseUnavailable(message)
    if _database_error(error):
        if query_canceled(error):
            return Timeout(f"the database cancelled the query: {message}")
        if _database_away(error):
            return DatabaseUnavailable(f"the database cannot serve the request now: {message}")
    return InternalError(f"{type(error).__name__}: {message}")


def error_response(error: BaseException, request_id: RequestId = None) -> tuple[ErrorResponse, int]:
    """The answer to a request that failed with `error`, and its HTTP status (see `protocol_error`)."""
    mapped = protocol_error(error)
    if isinstance(mapped, InternalError):
        logger.debug("lamin-rpc request failed", exc_info=error)
    body = {"type": mapped.type, "message": str(mapped)[:MAX_MESSAGE]}
    return {"id": request_id, "ok": False, "error": body}, mapped.status
