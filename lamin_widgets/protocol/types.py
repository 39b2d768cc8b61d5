"""The messages of the protocol, as the widget comm carries them and REST wraps them.

A request is `{"id", "kind": "lamin-rpc", "method", "params"}`; its answer `{"id", "ok": true, "result"}`
(plus Arrow IPC buffers for tables) or `{"id", "ok": false, "error": {"type", "message"}}`. Over REST the
method is in the path, the params in the body (`{"params": ...}`) and the id is left out. The TypeScript
names of the methods and their parameters (`js/src/rpc/methods.ts`) are generated from the method table
(`typescript.py`).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

KIND = "lamin-rpc"
CANCEL_KIND = "lamin-cancel"  # `{"kind": "lamin-cancel", "id"}`: stop the request with that id (comm only)

RequestId = int | str | None


class Request(TypedDict):
    id: RequestId
    kind: Literal["lamin-rpc"]
    method: str
    params: dict[str, Any] | None


class ErrorBody(TypedDict):
    type: str  # an error class's `type`: bad_request, not_found, timeout, ... (errors.py)
    message: str


class OkResponse(TypedDict):
    id: RequestId
    ok: Literal[True]
    result: Any


class ErrorResponse(TypedDict):
    id: RequestId
    ok: Literal[False]
    error: ErrorBody


Response = OkResponse | ErrorResponse
