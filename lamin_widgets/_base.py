"""The widget base: an AnyWidget whose front end asks Python for data through the RPC method table.

Requests arrive as custom comm messages and are served on a worker thread, so a running cell does not
block paging and a cancel can arrive; each worker thread has its own Django connection, kept from one
request to the next (a broken one is replaced: `close_old_connections`). Each request runs
under a time budget (`request_timeout`, 10 s by default); a cancel stops a queued request and interrupts a
running query (see `protocol.budget`). `to_dataframe()` and the core API are not budgeted.
"""

from __future__ import annotations

import html
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import traitlets
from django.db import close_old_connections

from lamin_core.setup.instance import ensure_connected

from .protocol import Budget, Context, handle
from .protocol.budget import DEFAULT_SECONDS
from .protocol.errors import error_response
from .protocol.filterspec import FilterSpecError, registry_name
from .protocol.methods import is_background
from .protocol.state import get_registry
from .protocol.types import CANCEL_KIND, KIND

STATIC = Path(__file__).parent / "static"
logger = logging.getLogger("lamin_widgets")
_executors: dict[bool, ThreadPoolExecutor] = {}
_executor_lock = threading.Lock()


def executor(background: bool = False) -> ThreadPoolExecutor:
    """The worker threads that serve widget requests (shared by all widgets of the kernel): two for the
    requests someone waits for, one for background work (`Method.background`: column summaries), which so
    never holds up a page or a search of any widget."""
    with _executor_lock:
        if background not in _executors:
            name = "lamin-rpc-background" if background else "lamin-rpc"
            _executors[background] = ThreadPoolExecutor(
                max_workers=1 if background else 2, thread_name_prefix=name
            )
        return _executors[background]


class LaminWidget(anywidget.AnyWidget):
    """Base of the lamin widgets: the RPC endpoint of the front end, and HTML fallbacks.

    Each widget names its built front end as a class attribute, `_esm = STATIC / "<name>.js"`: anywidget
    reads the file, and with `ANYWIDGET_HMR=1` (and watchfiles) watches it and sends every rebuild to the
    widgets on screen (README, "Developing the front ends").
    """

    # the front end a subclass names that is not built (a checkout before `make js`); None: built
    _unbuilt: ClassVar[Path | None] = None
    # seconds of database time one request of the front end may take (None: no limit); not synced
    request_timeout = traitlets.Float(DEFAULT_SECONDS, allow_none=True)

    @traitlets.validate("request_timeout")
    def _valid_request_timeout(self, proposal):
        value = proposal["value"]
        if value is not None and not value > 0:
            raise traitlets.TraitError(f"request_timeout takes positive seconds or None, not {value!r}")
        return value

    def __init_subclass__(cls, **kwargs: Any) -> None:
        esm = cls.__dict__.get("_esm")
        if isinstance(esm, Path) and not esm.is_file():
            # anywidget would refuse the class (and so `import lamin_widgets`): making a widget says why
            cls._unbuilt, cls._esm = esm, ""
        super().__init_subclass__(**kwargs)

    def __init__(self, **kwargs: Any) -> None:

        if self._unbuilt is not None:
            raise FileNotFoundError(
                f"{self._unbuilt} is missing: the widget front end is not built; run `make js`"
            )
        ensure_connected()  # no instance: say how to create one now, not in the first request
        super().__init__(**kwargs)
        self._rpc_context = Context()
        self._lock = threading.Lock()
        self._pending: dict[Any, Future] = {}
        self._budgets: dict[Any, Budget] = {}
        self.on_msg(self._on_custom_message)

    # -- requests -------------------------------------------------------------------------------------

    def rpc(self, method: str, **params: Any) -> tuple[dict, list[bytes]]:
        """Serve one request on this thread, as the front end would ask it (for tests and debugging)."""
        request = {"id": 0, "kind": KIND, "method": method, "params": params}
        return handle(request, self._rpc_context, self._budget())

    def _budget(self) -> Budget:
        return Budget(self.request_timeout, setting="the widget's request_timeout")

    def _on_custom_message(self, _widget: Any, content: Any, buffers: list) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("kind")
        if kind == KIND:
            self._submit(content)
        elif kind == CANCEL_KIND:
            self._cancel(content.get("id"))
        elif kind == "lamin-event":
            try:
                self._on_event(content)
            except Exception as error:  # a callback error is reported, never raised into the kernel
                logger.warning("lamin widget event failed: %s", error)
                self.send({"kind": "lamin-notice", "message": f"{type(error).__name__}: {error}"})

    def _submit(self, request: dict) -> None:
        request_id = request.get("id")
        if not isinstance(request_id, int | str) or isinstance(request_id, bool):
            response, buffers = handle(request, self._rpc_context)
            self.send(response, buffers)
            return
        budget = self._budget()
        with self._lock:
            self._budgets[request_id] = budget
        future = executor(is_background(request.get("method"))).submit(self._serve, request, budget)
        with self._lock:
            self._pending[request_id] = future
        future.add_done_callback(lambda _f: self._forget(request_id, budget))

    def _forget(self, request_id: Any, budget: Budget) -> None:
        with self._lock:
            self._pending.pop(request_id, None)
            if self._budgets.get(request_id) is budget:
                del self._budgets[request_id]

    def _serve(self, request: dict, budget: Budget) -> None:

        try:
            close_old_connections()  # a broken connection only: lamin_core keeps them (CONN_MAX_AGE None)
            response, buffers = handle(request, self._rpc_context, budget)
        except Exception as error:  # whatever fails, the front end gets an answer
            logger.warning("lamin widget request failed: %s", error, exc_info=True)
            response, buffers = error_response(error, request.get("id"))[0], []
        self.send(response, buffers)

    def _cancel(self, request_id: Any) -> None:
        if not isinstance(request_id, int | str) or isinstance(request_id, bool):
            return  # not an id any request can have (a list or dict would not even hash): ignored
        with self._lock:
            future = self._pending.get(request_id)
            budget = self._budgets.get(request_id)
        if future is None or budget is None:
            return
        budget.cancel()  # a queued request answers "cancelled" when it starts, a running one at once

    def _on_event(self, content: dict) -> None:
        """Front-end events (`{"kind": "lamin-event", "event": ...}`); widgets override."""

    # -- fallbacks for saved notebooks ----------------------------------------------------------------

    def _fallback_html(self) -> str:
        return f"<pre>{html.escape(self._fallback_text())}</pre>"

    def _fallback_text(self) -> str:
        return type(self).__name__

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        try:
            data = {**data, "text/plain": self._fallback_text(), "text/html": self._fallback_html()}
        except Exception as error:  # a fallback must never break displaying the widget
            data = {**data, "text/plain": f"{type(self).__name__} ({type(error).__name__}: {error})"}
        return data, metadata


def valid_registry_trait(value: object, allow_empty: bool = False) -> object:
    """A widget's `registry` trait as set from Python or the front end: the registry's own name for a name
    users type (or "" where `allow_empty`), else a TraitError listing the candidates, so a bad name never
    reaches a request."""
    if allow_empty and value == "":
        return value
    try:
        # the registry's own name (`CellType` -> `bionty.CellType`): what the front end lists and sends
        return registry_name(get_registry(value))
    except FilterSpecError as error:
        raise traitlets.TraitError(str(error)) from None


def frame_html(frame, max_rows: int = 20) -> str:
    """A small HTML table of a DataFrame (values escaped by pandas)."""
    return frame.head(max_rows).to_html(escape=True, border=0, max_cols=12)
