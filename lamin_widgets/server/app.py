"""The REST handlers (thin: parse, validate, call the method table on a worker thread, serialise)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Int, Unicode
from traitlets.config import Configurable

from .. import _rpc
from .database import ENV_VAR, InstanceUnavailable, ReadOnlyInstance

API = "lamin/api"
ARROW = "application/vnd.apache.arrow.stream"
MAX_BODY = 1_000_000
# errors of the database rather than of the request: the client may retry later
UNAVAILABLE = {"OperationalError", "InterfaceError", "DatabaseUnreachableError", "InstanceNotFoundError"}


class LaminServer(Configurable):
    """Settings of the lamin REST API (`c.LaminServer.instance = "owner/name"` in a Jupyter config)."""

    instance = Unicode(
        None,
        allow_none=True,
        help=f"Instance to serve (name, owner/name or storage folder); default ${ENV_VAR}, else the current",
    ).tag(config=True)
    workers = Int(4, help="Threads that run database queries (off the server's event loop).").tag(config=True)


class LaminHandler(APIHandler):
    """Jupyter's authentication (token or cookie + XSRF) and JSON errors for every lamin handler."""

    auth_resource = "lamin"

    def initialize(self, instance: ReadOnlyInstance, executor: ThreadPoolExecutor) -> None:
        self.instance = instance
        self.executor = executor

    def reply_error(self, status: int, kind: str, message: str) -> None:
        self.set_status(status)
        self.finish({"ok": False, "error": {"type": kind, "message": message}})

    async def off_loop(self, fn, *args):
        """Run `fn(*args)` on a worker thread: ORM calls never block the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)


class InstanceHandler(LaminHandler):
    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        """The served instance (name, storage, database), or why there is none (503)."""
        try:
            described = await self.off_loop(self.instance.describe)
        except InstanceUnavailable as error:
            return self.reply_error(503, error.kind, str(error))
        self.finish({"ok": True, "result": described})


class RpcHandler(LaminHandler):
    @web.authenticated
    @authorized("read")  # every method only reads
    async def post(self, method: str) -> None:
        """Call one method of the table: body `{"params": {...}}`, answer `{ok, result, buffers}`."""
        if method not in _rpc.METHODS:
            return self.reply_error(
                404, "not_found", f"unknown method {method!r}; methods: {', '.join(_rpc.METHODS)}"
            )
        params = self._params()
        if params is None:
            return
        try:
            await self.off_loop(self.instance.settings)
        except InstanceUnavailable as error:
            return self.reply_error(503, error.kind, str(error))
        request = {"id": None, "kind": _rpc.KIND, "method": method, "params": params}
        response, buffers = await self.off_loop(_rpc.handle, request)
        if not response["ok"]:
            kind = response["error"]["type"]
            status = 400 if kind == "bad_request" else 503 if kind in UNAVAILABLE else 500
            return self.reply_error(status, kind, response["error"]["message"])
        if ARROW in (self.request.headers.get("Accept") or "") and len(buffers) == 1:
            # the table as raw Arrow IPC; the JSON result in a header
            self.set_header("X-Lamin-Result", json.dumps(response["result"]))
            return self.finish(buffers[0], set_content_type=ARROW)
        self.finish(
            {
                "ok": True,
                "result": response["result"],
                "buffers": [base64.b64encode(b).decode("ascii") for b in buffers],
            }
        )

    def _params(self) -> dict[str, Any] | None:
        body = self.request.body or b"{}"
        if len(body) > MAX_BODY:
            self.reply_error(413, "bad_request", f"request body over {MAX_BODY} bytes")
            return None
        try:
            data = json.loads(body)
        except ValueError as error:
            self.reply_error(400, "bad_request", f"the body is not JSON: {error}")
            return None
        except RecursionError:  # a body nested thousands of levels deep
            self.reply_error(400, "bad_request", "the body is nested too deeply")
            return None
        if not isinstance(data, dict) or set(data) - {"params"}:
            self.reply_error(400, "bad_request", 'the body must be a JSON object {"params": {...}}')
            return None
        params = data.get("params") or {}
        if not isinstance(params, dict):
            self.reply_error(400, "bad_request", f"params must be an object, got {type(params).__name__}")
            return None
        return params


def load(serverapp) -> None:
    """Register the handlers on a Jupyter server."""
    config = LaminServer(parent=serverapp)
    instance = ReadOnlyInstance(config.instance)
    executor = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="lamin-rest")
    base = url_path_join(serverapp.web_app.settings["base_url"], API)
    args = {"instance": instance, "executor": executor}
    serverapp.web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "instance"), InstanceHandler, args),
            (url_path_join(base, r"rpc/([^/]+)"), RpcHandler, args),
        ],
    )
    serverapp.log.info(
        f"lamin: REST API at {base}/ serving {instance.ref or 'the current instance'} read-only"
    )


def _warm_up(instance: ReadOnlyInstance) -> None:
    with contextlib.suppress(InstanceUnavailable):
        instance.settings()
