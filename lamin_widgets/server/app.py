"""The REST handlers (thin: parse, validate, call the method table on a worker thread under the request's
budget, serialise) and the server extension that owns the worker threads."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Float, Int, TraitError, Unicode, validate

from ..protocol import KIND, METHODS, BadRequest, NotFound, Unavailable, error_response, handle, serve
from ..protocol.budget import DEFAULT_SECONDS, Budget, Requests
from ..protocol.methods import jsonable
from .database import ENV_VAR, ReadOnlyInstance

API = "lamin/api"
ARROW = "application/vnd.apache.arrow.stream"
MAX_BODY = 1_000_000


class LaminServer(ExtensionApp):
    """The lamin REST API as a Jupyter server extension; its settings are `c.LaminServer.*`.

    An ExtensionApp rather than a plain load function so that the server's shutdown reaches it: the
    queries still running are cancelled and the worker threads let go (the server exits on SIGTERM).
    """

    name = "lamin"
    load_other_extensions = True

    instance = Unicode(
        None,
        allow_none=True,
        help=f"Instance to serve (name, owner/name or storage folder); default ${ENV_VAR}, else the current",
    ).tag(config=True)
    workers = Int(4, help="Threads that run database queries (off the server's event loop).").tag(config=True)
    request_timeout = Float(
        DEFAULT_SECONDS,
        allow_none=True,
        help="Seconds of database time one request may take; over it the answer is 503 'timeout'.",
    ).tag(config=True)

    @validate("request_timeout")
    def _valid_request_timeout(self, proposal):
        value = proposal["value"]
        if value is not None and not value > 0:
            raise TraitError(f"LaminServer.request_timeout takes positive seconds or None, not {value!r}")
        return value

    def initialize_handlers(self) -> None:
        self.served = ReadOnlyInstance(self.instance)
        self.executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="lamin-rest")
        self.requests = Requests()
        args = {"server": self}
        self.handlers.extend(
            [
                (url_path_join(API, "instance"), InstanceHandler, args),
                (url_path_join(API, r"rpc/([^/]+)"), RpcHandler, args),
            ]
        )
        # the first sidebar request finds Django set up; under a budget the shutdown cancels like a request's
        self.executor.submit(_warm_up, self.served, self.requests, self.budget())
        base = url_path_join(self.serverapp.web_app.settings["base_url"], API)
        self.log.info(
            f"lamin: REST API at {base}/ serving {self.served.ref or 'the current instance'} read-only"
        )

    def budget(self) -> Budget:
        return Budget(self.request_timeout, setting="c.LaminServer.request_timeout")

    async def stop_extension(self) -> None:
        """Cancel the requests being served and let the worker threads go, so the server exits now."""
        stopped = self.requests.cancel_all()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if stopped:
            self.log.info(f"lamin: cancelled {stopped} running request(s)")


class LaminHandler(APIHandler):
    """Jupyter's authentication (token or cookie + XSRF) and JSON errors for every lamin handler."""

    auth_resource = "lamin"

    def initialize(self, server: LaminServer) -> None:
        self.server = server
        self.instance = server.served
        self.budget: Budget | None = None

    def reply_error(self, error: Exception) -> None:
        """Answer with the protocol's error for `error` (`error_response`: type, message, HTTP status)."""
        response, status = error_response(error)
        self.set_status(status)
        self.finish({"ok": False, "error": response["error"]})

    async def off_loop(self, fn, *args):
        """Run `fn(*args)` on a worker thread: ORM calls never block the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.server.executor, fn, *args)

    def on_connection_close(self) -> None:
        """The client went away (a newer request of the sidebar replaced this one): stop its query."""
        if self.budget is not None:
            self.budget.cancel()


class InstanceHandler(LaminHandler):
    @web.authenticated
    @authorized("read")
    async def get(self) -> None:
        """The served instance (name, storage, database), or why there is none (503)."""
        try:
            described = await self.off_loop(self.instance.describe)
        except Exception as error:
            return self.reply_error(error)
        self.finish({"ok": True, "result": described})


class RpcHandler(LaminHandler):
    @web.authenticated
    @authorized("read")  # every method only reads
    async def post(self, method: str) -> None:
        """Call one method of the table: body `{"params": {...}}`, answer `{ok, result, buffers}`, or the
        raw Arrow IPC stream of a one-table answer when the request accepts it."""
        try:
            if method not in METHODS:
                raise NotFound(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
            params = self._params()
            await self.off_loop(self.instance.settings)
            self.budget = self.server.budget()
            with self.server.requests.tracked(self.budget):
                reply = await self.off_loop(serve, method, params, None, self.budget)
        except Exception as error:  # bad requests, the database away, a bug: the protocol's answer
            if self._gone():
                return None
            return self.reply_error(error)
        if self._gone():
            return None
        result = jsonable(reply.result)
        self.set_header("Vary", "Accept")  # the same request answers Arrow or JSON
        if len(reply.buffers) == 1 and ARROW in (self.request.headers.get("Accept") or ""):
            # the table as raw Arrow IPC; the JSON result in a header
            self.set_header("X-Lamin-Result", json.dumps(result))
            return self.finish(reply.buffers[0], set_content_type=ARROW)
        return self.finish(
            {
                "ok": True,
                "result": result,
                "buffers": [base64.b64encode(b).decode("ascii") for b in reply.buffers],
            }
        )

    def _gone(self) -> bool:
        """The client closed the connection: nobody to answer."""
        return self.request.connection.stream is None or self.request.connection.stream.closed()

    def _params(self) -> dict[str, Any]:
        """The params of the body `{"params": {...}}`; BadRequest (PayloadTooLarge) says what is wrong."""
        body = self.request.body or b"{}"
        if len(body) > MAX_BODY:
            raise PayloadTooLarge(f"request body over {MAX_BODY} bytes")
        try:
            data = json.loads(body)
        except ValueError as error:
            raise BadRequest(f"the body is not JSON: {error}") from None
        except RecursionError:  # a body nested thousands of levels deep
            raise BadRequest("the body is nested too deeply") from None
        if not isinstance(data, dict) or set(data) - {"params"}:
            raise BadRequest('the body must be a JSON object {"params": {...}}')
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise BadRequest(f"params must be an object, got {type(params).__name__}")
        return params


class PayloadTooLarge(BadRequest):
    """A request body over MAX_BODY bytes (HTTP 413)."""

    status = 413


def _warm_up(instance: ReadOnlyInstance, requests: Requests, budget: Budget) -> None:
    """What the sidebar's first opening would otherwise wait for, done when the server starts: Django set up
    for the instance, the modules of the method table and pyarrow imported, and the requests of an opening
    answered once (registries with their counts, Artifact's schema, a first page and its count), which
    also brings the database's pages into the OS cache, under `budget` (tracked in `requests`: a server
    stopping meanwhile cancels its query instead of waiting for it). Errors are left for the real requests
    to report."""
    with contextlib.suppress(Unavailable), requests.tracked(budget):
        instance.settings()
        for method, params in (
            ("list_registries", {}),
            ("schema", {"registry": "Artifact"}),
            ("page", {"registry": "Artifact", "order": [], "limit": 20}),
            ("count", {"registry": "Artifact"}),
        ):
            handle({"id": None, "kind": KIND, "method": method, "params": params}, None, budget)
