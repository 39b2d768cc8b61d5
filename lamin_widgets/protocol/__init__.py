"""The protocol between the front ends and Python, below the widgets and the REST server.

- `types`: the request and response messages.
- `methods`: the method table (`METHODS`: each method's parameters and function), `serve()` and `handle()`.
- `errors`: the protocol's errors and `error_response()`, the one mapping from any exception to an answer
  and its HTTP status.
- `state`: a registry, filter spec, search text and order -> the QuerySet and the code that selects it.
- `filterspec`: the filter spec (JSON tree) -> Django `Q` and Python code.
- `arrow`: pages of records as Arrow IPC.
- `budget`: a request's time limit and cancellation, enforced in the database.
- `typescript`: the method table as TypeScript types (`js/src/rpc/methods.ts`).

It uses only lamin_core's public API, and never imports the widgets or the server (import-linter checks
both: `[tool.importlinter]` in pyproject.toml).
"""

from __future__ import annotations

from .budget import Budget
from .errors import (
    BadRequest,
    Cancelled,
    DatabaseUnavailable,
    InstanceSwitch,
    InternalError,
    NoInstance,
    NotFound,
    ProtocolError,
    Timeout,
    Unavailable,
    error_response,
)
from .methods import METHODS, Context, Method, Param, Reply, handle, serve
from .types import KIND, ErrorResponse, OkResponse, Request, Response

__all__ = [
    "KIND",
    "METHODS",
    "BadRequest",
    "Budget",
    "Cancelled",
    "Context",
    "DatabaseUnavailable",
    "ErrorResponse",
    "InstanceSwitch",
    "InternalError",
    "Method",
    "NoInstance",
    "NotFound",
    "OkResponse",
    "Param",
    "ProtocolError",
    "Reply",
    "Request",
    "Response",
    "Timeout",
    "Unavailable",
    "error_response",
    "handle",
    "serve",
]
