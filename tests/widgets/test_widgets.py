"""The widgets' Python side without a kernel: state -> queryset/code, messages in, replies out, fallbacks."""

from __future__ import annotations

import threading
import time

import pytest
import traitlets
from harness.seed import HOSTILE_LABEL

PREFIX = "wid/"
MINE = {"field": "key", "lookup": "startswith", "value": PREFIX}


@pytest.fixture(scope="module")
def lw(instance):
    import lamin_widgets

    return lamin_widgets


class Sent:
    """Captures what a widget sends to the front end (from whichever thread)."""

    def __init__(self, widget):
        self.messages: list[tuple[dict, list]] = []
        self.threads: list[str] = []
        self.arrived = threading.Event()
        widget.send = self.send

    def send(self, content, buffers=None):
        self.messages.append((content, buffers or []))
        self.threads.append(threading.current_thread().name)
        self.arrived.set()

    def wait(self, n: int = 1, timeout: float = 10) -> list[tuple[dict, list]]:
        for _ in range(100):
            if len(self.messages) >= n:
                return self.messages
            self.arrived.wait(timeout / 100)
            self.arrived.clear()
        raise AssertionError(f"expected {n} messages, got {self.messages}")


def run_code(code):
    import lamin_core
    import lamin_core.bionty as bt

    return eval(code, {"ln": lamin_core, "bt": bt})


def ids(queryset):
    return list(queryset.values_list("id", flat=True))


def test_browser_queryset_code_and_dataframe_agree(ln, seeded, lw):
    browser = lw.RegistryBrowser("Artifact", page_size=2)
    assert browser.registry == "Artifact" and browser.code == "ln.Artifact.filter()"
    browser.filters = {"op": "and", "not": False, "items": [MINE, {"field": "suffix", "value": ".h5ad"}]}
    browser.order = ["-size"]
    assert browser.code == "ln.Artifact.filter(key__startswith='wid/', suffix='.h5ad').order_by('-size')"
    assert ids(browser.queryset) == ids(run_code(browser.code))
    frame = browser.to_dataframe(include=["ulabels__name"])
    assert list(frame["key"]) == [PREFIX + "examples/dataset1.h5ad", PREFIX + "examples/dataset2.h5ad"]
    browser.selected_ids = [seeded["iris.parquet"].id, seeded["examples/dataset1.h5ad"].id]
    assert ids(browser.selected) == sorted(browser.selected_ids)
    browser.search = "dataset2"
    assert ids(browser.queryset) == [seeded["examples/dataset2.h5ad"].id] == ids(run_code(browser.code))


def test_browser_of_a_queryset_and_of_a_model(ln, seeded, lw):
    base = ln.Artifact.filter(key__startswith=PREFIX, suffix=".h5ad")
    browser = lw.RegistryBrowser(base, base_code="ln.Artifact.filter(suffix='.h5ad')")
    assert ids(browser.queryset.order_by("id")) == ids(base.order_by("id"))
    response, _ = browser.rpc("count", registry="Artifact")
    assert response["result"]["count"] == 2
    assert browser.code == "ln.Artifact.filter(suffix='.h5ad').all()"
    assert lw.RegistryBrowser(ln.ULabel).registry == "ULabel"


def test_changing_registry_resets_its_state(ln, seeded, lw):
    browser = lw.RegistryBrowser("Artifact", filters={"op": "and", "items": [MINE]}, order=["-size"])
    browser.page = 3
    browser.selected_ids = [1]
    browser.registry = "ULabel"
    assert browser.filters["items"] == [] and browser.order == [] and browser.page == 0
    assert browser.selected_ids == [] and browser.code == "ln.ULabel.filter()"


def test_invalid_state_from_python_is_refused(ln, seeded, lw):
    browser = lw.RegistryBrowser("Artifact")
    with pytest.raises(traitlets.TraitError, match="Did you mean 'suffix'"):
        browser.filters = {"op": "and", "items": [{"field": "sufix", "value": ".h5ad"}]}
    with pytest.raises(traitlets.TraitError, match="unknown registry 'Nope'"):
        browser.registry = "Nope"
    with pytest.raises(traitlets.TraitError, match="page_size"):
        browser.page_size = 10**6
    with pytest.raises(traitlets.TraitError, match="has no field"):
        browser.order = ["nope"]
    assert browser.filters["items"] == [] and browser.registry == "Artifact"
    # every widget with a registry trait checks it, also when the front end sets it (issue 18, item 10)
    box, panel = lw.LookupBox("ULabel"), lw.ViewPanel()
    for widget, bad in ((box, "Nope"), (box, ""), (panel, "Nope"), (panel, 3)):
        with pytest.raises(traitlets.TraitError):
            widget.registry = bad
    panel.registry = "ULabel"
    panel.registry = ""  # "" closes the opened registry
    assert (box.registry, panel.registry) == ("ULabel", "")


def test_filter_builder_equals_running_its_code(ln, seeded, lw):
    fb = lw.FilterBuilder("Artifact")
    fb.filters = {
        "op": "and",
        "not": False,
        "items": [MINE, {"field": "suffix", "value": ".h5ad"}, {"field": "perturbation", "value": "DMSO"}],
    }
    assert fb.code == "ln.Artifact.filter(key__startswith='wid/', suffix='.h5ad', perturbation='DMSO')"
    expected = ln.Artifact.filter(key__startswith=PREFIX, suffix=".h5ad", perturbation="DMSO").df()
    assert fb.to_dataframe().equals(expected)
    assert fb.to_dataframe().equals(run_code(fb.code).df())


def test_requests_are_served_off_the_main_thread(ln, lw):
    # Storage rows are committed (init), so the worker thread's own connection sees them
    browser = lw.RegistryBrowser("Storage")
    sent = Sent(browser)
    request = {"id": "a-1", "kind": "lamin-rpc", "method": "count", "params": {"registry": "Storage"}}
    browser._on_custom_message(browser, request, [])
    (content, buffers), *_ = sent.wait(1)
    assert content == {"id": "a-1", "ok": True, "result": {"count": ln.Storage.filter().count()}}
    assert sent.threads[0].startswith("lamin-rpc")
    page = {"id": "a-2", "kind": "lamin-rpc", "method": "page", "params": {"registry": "Storage", "limit": 5}}
    browser._on_custom_message(browser, page, [])
    content, buffers = sent.wait(2)[1]
    assert content["ok"] and len(buffers) == 1 and isinstance(buffers[0], bytes)


def test_summaries_never_hold_up_a_page(ln, lw):
    # column summaries (seconds at a million records) run on a thread of their own: a page asked for
    # while they run is answered at once, the summaries after
    from lamin_widgets import _base

    browser = lw.RegistryBrowser("Storage")
    sent = Sent(browser)
    gate = threading.Event()
    busy = _base.executor(background=True).submit(gate.wait, 10)  # background work under way
    params = {"registry": "Storage", "columns": ["root"]}
    summaries = {"id": "s-1", "kind": "lamin-rpc", "method": "summaries", "params": params}
    page = {"id": "s-2", "kind": "lamin-rpc", "method": "page", "params": {"registry": "Storage", "limit": 5}}
    browser._on_custom_message(browser, summaries, [])
    browser._on_custom_message(browser, page, [])
    ((content, buffers),) = sent.wait(1)
    assert content["id"] == "s-2" and content["ok"] and len(buffers) == 1
    gate.set()
    busy.result(timeout=10)
    content, _ = sent.wait(2)[1]
    assert content["id"] == "s-1" and content["ok"]
    assert content["result"]["columns"][0]["column"] == "root"
    assert sent.threads[0].startswith("lamin-rpc_") and sent.threads[1].startswith("lamin-rpc-background")


def test_a_worker_keeps_its_connection_and_replaces_a_broken_one(ln, lw, monkeypatch):
    # opening an SQLite connection parses the whole schema (~50 ms with the search triggers): a worker
    # thread keeps its connection from one request to the next, unless a request left it unusable
    from django.db import connections

    from lamin_widgets import _base

    raws, serve = [], _base.handle

    def handle(*args):
        answer = serve(*args)
        raws.append(connections["default"].connection)
        if len(raws) == 2:
            connections["default"].set_autocommit(False)  # as a request that died inside a transaction
        return answer

    monkeypatch.setattr(_base, "handle", handle)
    browser = lw.RegistryBrowser("Storage")
    sent = Sent(browser)
    for i in range(3):  # on the one background thread, in turn
        params = {"registry": "Storage", "columns": ["root"]}
        message = {"id": f"k-{i}", "kind": "lamin-rpc", "method": "summaries", "params": params}
        browser._on_custom_message(browser, message, [])
        sent.wait(i + 1)
    assert all(content["ok"] for content, _ in sent.messages)
    assert raws[0] is raws[1] and raws[2] is not raws[1]
    assert connections["default"].settings_dict["CONN_MAX_AGE"] is None


def test_bad_messages_come_back_as_errors(ln, lw):
    browser = lw.RegistryBrowser("Storage")
    sent = Sent(browser)
    browser._on_custom_message(browser, {"id": "b-1", "kind": "lamin-rpc", "method": "nope"}, [])
    browser._on_custom_message(browser, {"id": None, "kind": "lamin-rpc", "method": "page", "params": 3}, [])
    browser._on_custom_message(browser, "not a dict", [])
    browser._on_custom_message(browser, {"kind": "lamin-cancel", "id": "unknown"}, [])
    for bad_id in ([1], {"a": 1}, None, True):  # ignored: ids that no request has (lists do not even hash)
        browser._on_custom_message(browser, {"kind": "lamin-cancel", "id": bad_id}, [])
    messages = sent.wait(2)
    errors = sorted((m["id"] or "", m["error"]["type"]) for m, _ in messages)
    assert errors == [("", "bad_request"), ("b-1", "not_found")]


def test_cancel_stops_a_queued_request(ln, lw, monkeypatch):
    from lamin_widgets import _base

    browser = lw.RegistryBrowser("Storage")
    sent = Sent(browser)
    gate = threading.Event()
    # occupy both workers, then queue one more and cancel it
    blockers = [_base.executor().submit(gate.wait, 10) for _ in range(2)]
    request = {"id": "c-1", "kind": "lamin-rpc", "method": "count", "params": {"registry": "Storage"}}
    browser._on_custom_message(browser, request, [])
    browser._on_custom_message(browser, {"kind": "lamin-cancel", "id": "c-1"}, [])
    gate.set()
    for blocker in blockers:
        blocker.result(timeout=10)
    (content, _), *_ = sent.wait(1)
    assert content == {
        "id": "c-1",
        "ok": False,
        "error": {"type": "cancelled", "message": "the request was cancelled"},
    }


def test_cancel_interrupts_a_running_query(ln, lw, monkeypatch):
    from test_budget import slow_query

    from lamin_widgets.protocol import methods as rpc_methods

    started = threading.Event()

    def slow(ctx, params):  # a real query that would run for minutes
        started.set()
        slow_query()

    monkeypatch.setitem(rpc_methods.METHODS, "count", rpc_methods.Method("count", {}, slow))
    browser = lw.RegistryBrowser("Storage")
    sent = Sent(browser)
    browser._on_custom_message(
        browser, {"id": "d-1", "kind": "lamin-rpc", "method": "count", "params": {}}, []
    )
    assert started.wait(10)
    time.sleep(0.2)  # inside the query
    browser._on_custom_message(browser, {"kind": "lamin-cancel", "id": "d-1"}, [])
    (content, _), *_ = sent.wait(1, timeout=60)
    assert content["error"] == {"type": "cancelled", "message": "the request was cancelled"}


def test_a_request_over_the_widgets_time_limit_answers_timeout(ln, lw, monkeypatch):
    from test_budget import slow_query

    from lamin_widgets.protocol import methods as rpc_methods

    monkeypatch.setitem(
        rpc_methods.METHODS, "count", rpc_methods.Method("count", {}, lambda ctx, params: slow_query())
    )
    browser = lw.RegistryBrowser("Storage", request_timeout=0.3)
    sent = Sent(browser)
    browser._on_custom_message(
        browser, {"id": "t-1", "kind": "lamin-rpc", "method": "count", "params": {}}, []
    )
    (content, _), *_ = sent.wait(1, timeout=60)
    assert content["error"]["type"] == "timeout"
    assert "0.3 s (the widget's request_timeout)" in content["error"]["message"]
    with pytest.raises(traitlets.TraitError, match="positive seconds or None"):
        lw.RegistryBrowser("Storage", request_timeout=0)


def test_to_dataframe_has_no_time_limit(ln, seeded, lw):
    """The user asked for every row: `to_dataframe()` runs without the widget's request budget."""
    browser = lw.RegistryBrowser(ln.Artifact.filter(key__startswith=PREFIX), request_timeout=1e-6)
    response, _ = browser.rpc("count", registry="Artifact")
    assert response["error"]["type"] == "timeout"
    assert len(browser.to_dataframe()) == ln.Artifact.filter(key__startswith=PREFIX).count() == 5


def test_search_box_results_value_and_submit(ln, seeded, lw):
    box = lw.SearchBox("Artifact")
    assert box.results.count() == 0
    box.text = "iris"
    assert ids(box.results) == ids(ln.Artifact.search("iris", limit=10))
    picked = []
    box.on_submit(picked.append)
    iris = ln.Artifact.get(key=PREFIX + "iris.parquet")
    box._on_custom_message(box, {"kind": "lamin-event", "event": "submit", "id": iris.id}, [])
    assert box.value == iris and picked == [iris] and box.value_id == iris.id
    response, _ = box.rpc("search", registry="Artifact", string="iris")
    assert response["result"]["results"][0]["id"] in ids(box.results)


def test_submit_callback_errors_are_reported_not_raised(ln, seeded, lw):
    box = lw.SearchBox("ULabel")
    sent = Sent(box)
    box.on_submit(lambda record: 1 / 0)
    label = ln.ULabel.get(name="DMSO")
    box._on_custom_message(box, {"kind": "lamin-event", "event": "submit", "id": label.id}, [])
    assert (
        sent.messages[0][0]["kind"] == "lamin-notice"
        and "ZeroDivisionError" in sent.messages[0][0]["message"]
    )


def test_lookup_box(ln, seeded, lw):
    box = lw.LookupBox(ln.ULabel)
    assert box.field == "name" and box.value is None
    response, _ = box.rpc("lookup", registry="ULabel", prefix="dms")
    (hit,) = response["result"]["results"]
    box.value_id = hit["id"]
    assert box.value == ln.ULabel.get(name="DMSO") == ln.ULabel.lookup().dmso
    with pytest.raises(ValueError, match="not a text field"):
        lw.LookupBox("Artifact", field="size")


def test_view_panel(ln, seeded, lw):
    panel = lw.ViewPanel(limit=3)
    response, buffers = panel.rpc("view", limit=3)
    names = [r["name"] for r in response["result"]["modules"][0]["registries"]]
    assert "Artifact" in names and len(buffers) >= len(names)
    panel.registry = "ULabel"
    assert panel.browser().registry == "ULabel"


def test_fallbacks_for_saved_notebooks_escape_values(ln, seeded, lw):
    browser = lw.RegistryBrowser(
        "ULabel", filters={"op": "and", "items": [{"field": "name", "value": HOSTILE_LABEL}]}
    )
    data_, _ = browser._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data_
    assert "1 records" in data_["text/plain"]
    html = data_["text/html"]
    assert "&#x27;); import os; os.system(&#x27;x&#x27;)#" in html or "&#39;); import os" in html
    assert "<script" not in html
    for widget in (
        lw.FilterBuilder("Artifact"),
        lw.SearchBox("Artifact"),
        lw.LookupBox("ULabel"),
        lw.ViewPanel(),
    ):
        bundle, _ = widget._repr_mimebundle_()
        assert bundle["text/html"].startswith("<div class='lamin-fallback'>")
        assert type(widget).__name__ in bundle["text/plain"]


def test_widgets_name_their_built_front_end_as_a_watched_file(lw):
    """`_esm` is a class attribute naming static/<name>.js: anywidget reads it, and watches it with
    ANYWIDGET_HMR=1 (a per-instance string would bypass the watching)."""
    from anywidget._file_contents import FileContents

    from lamin_widgets._base import STATIC

    widgets = {
        "browser": lw.RegistryBrowser,
        "filter_builder": lw.FilterBuilder,
        "search": lw.SearchBox,
        "lookup": lw.LookupBox,
        "view": lw.ViewPanel,
    }
    for name, cls in widgets.items():
        esm = cls.__dict__["_esm"]
        assert isinstance(esm, FileContents) and esm._path == (STATIC / f"{name}.js").resolve(), name
        assert "export" in str(esm)
    panel = lw.ViewPanel()
    assert panel._esm == (STATIC / "view.js").read_text()  # the synced trait: the file's contents
    assert "_esm" not in panel.__dict__


def test_an_unbuilt_front_end_fails_the_widget_not_the_import(lw, tmp_path):
    from lamin_widgets._base import LaminWidget

    class Unbuilt(LaminWidget):
        _esm = tmp_path / "missing.js"

    with pytest.raises(FileNotFoundError, match=r"missing\.js is missing: the widget front end is not built"):
        Unbuilt()


def test_with_anywidget_hmr_a_rebuilt_front_end_reaches_the_widget(lw, tmp_path, monkeypatch):
    """Dev mode: with ANYWIDGET_HMR=1 anywidget watches the class's `_esm` file (watchfiles) and syncs
    each rebuild (what `npm run watch` writes) to the widgets on screen."""
    pytest.importorskip("watchfiles")
    from lamin_widgets._base import LaminWidget

    monkeypatch.setenv("ANYWIDGET_HMR", "1")
    built = tmp_path / "dev.js"
    built.write_text("export default { render() {} };\n")

    class Dev(LaminWidget):
        _esm = built

    widget = Dev()
    rebuilt = "export default { render({ el }) { el.textContent = 'rebuilt'; } };\n"
    deadline = time.monotonic() + 20
    while widget._esm != rebuilt and time.monotonic() < deadline:
        built.write_text(rebuilt)  # again until the watcher (started with the class) has seen a change
        time.sleep(0.2)
    assert widget._esm == rebuilt
    Dev.__dict__["_esm"].stop_thread()
