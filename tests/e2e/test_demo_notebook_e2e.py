"""End to end: `make demo` as a new user meets it, on the installed wheel.

docs/demo.py makes the demo instance (with a LAMIN_HOME exported that it must not use), then
scripts/demo-lab.sh starts JupyterLab and prints a URL. That URL opens the widget notebook (not the
Launcher), the notebook is trusted, and Run All runs every cell without an error, each widget rendered.
Ctrl-C stops the server and its kernel; a second `make demo` reuses the instance and serves again.

On the way it takes the README's screenshots, of the demo instance as a user sees it (`make screenshots`
writes them to docs/images/): each widget, the Lamin sidebar at its default width and widened, a record
page with the preview of its h5ad file, the guide's image as a thumbnail, the dark and the high-contrast
theme; the lineage graph of the demo's analysis table (in the widget and in the sidebar, whose links
open the inputs' pages) and the FilterBuilder including a term's descendants.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from harness.lab import KERNEL_READY_JS
from harness.local_servers import free_port, jupyter_env
from lab_harness import ROOT, set_theme, shot, widen_left_panel

pytest.importorskip("playwright")
from playwright.sync_api import expect

NOTEBOOK = "widgets-demo.ipynb"
# the code cells of docs/demo.py's notebook that show a widget, and what each shows
WIDGETS = {
    'lw.RegistryBrowser("Artifact")': "tbody tr[data-id]",
    'lw.FilterBuilder("Artifact")': "button",
    'lw.SearchBox("CellType")': "input[placeholder*='bionty.CellType']",
    "lw.LookupBox(ln.ULabel)": "input[placeholder*='ULabel']",
    "lw.ViewPanel()": "table",
}


def _typed(text: str):
    """Type `text` into a widget's box and wait for its suggestions."""

    def prepare(widget) -> None:
        widget.locator("input").first.fill(text)
        widget.locator("li[role=option]").first.wait_for()

    return prepare


def _h5ad_condition(widget) -> None:
    """One condition, as a user sets it (suffix is .h5ad): the FilterBuilder with its count and code."""
    widget.locator(".lw-add-cond").click()
    condition = widget.locator(".lw-cond").first
    condition.locator("select.lw-field").select_option("suffix")
    condition.locator("select.lw-lookup").select_option("exact")
    condition.locator(".lw-value").fill(".h5ad")
    condition.locator(".lw-value").press("Enter")
    widget.locator(".lw-filter-code", has_text="ln.Artifact.filter(suffix='.h5ad')").wait_for()
    widget.locator(".lw-count", has_text=re.compile("^2 records$")).wait_for()


def _summaries(widget, loads: int = 1) -> None:
    """The column summaries under the headers, loaded `loads` times (they come after the rows)."""
    widget.locator(f".lw-browser[data-summarized='{loads}']").wait_for()


def _summary_click(widget) -> None:
    """A click on the summary's .h5ad bar: the filter, the count, the code and the summaries follow."""
    widget.locator("[data-summary=suffix] button[aria-label^='.h5ad']").click()
    widget.locator(".lw-browser-code", has_text="ln.Artifact.filter(suffix='.h5ad')").wait_for()
    _summaries(widget, 2)
    widget.locator("[data-summary=size] rect.lw-bar").first.hover()  # a bin's range and count below it


def _descendants(widget) -> None:
    """A second condition, cell_type_by_expert = T cell: no dataset says T cell itself; with its
    descendants, dataset1 (CD8-positive, alpha-beta T cell) matches, and the code says so."""
    widget.locator(".lw-add-cond").first.click()
    condition = widget.locator(".lw-cond").nth(1)
    condition.locator("select.lw-field").select_option("cell_type_by_expert")
    condition.locator(".lw-value").fill("T cell")
    condition.locator(".lw-value").press("Enter")
    widget.locator(".lw-count", has_text=re.compile("^0 records$")).wait_for()
    condition.locator("input.lw-descendants").check()
    widget.locator(".lw-count", has_text=re.compile("^1 record$")).wait_for()
    code = "ln.Artifact.filter(suffix='.h5ad', cell_type_by_expert__descendant_of='T cell')"
    widget.locator(".lw-filter-code", has_text=code).wait_for()
    page = widget.page
    page.keyboard.press("Escape")  # the value's suggestions closed
    page.wait_for_timeout(300)


def _lineage(container, name: str, wide: bool) -> None:
    """The lineage graph of the analysis table: inputs and transform, run, the table, its collection, each
    a link; a click on an input opens its page, Back returns."""
    record = container.locator(".lw-record")
    expect(record.locator(".lw-record-title")).to_have_text("analysis/cell_type_counts.parquet")
    graph = record.locator("[data-section=lineage] svg.lw-lineage-svg")
    links = graph.locator("a.lw-lineage-link")
    expect(links).to_have_count(5)  # the transform, two inputs, the run, the collection
    labels = [links.nth(i).get_attribute("data-registry") for i in range(5)]
    assert labels == ["Transform", "Artifact", "Artifact", "Run", "Collection"], labels
    width = graph.bounding_box()["width"]
    assert width <= record.bounding_box()["width"] + 1  # no sideways scrolling at this width
    source, run = links.nth(1).bounding_box(), links.nth(3).bounding_box()
    if wide:  # tiers side by side where there is room, else one below the other
        assert run["x"] >= source["x"] + source["width"], (source, run)
    else:
        assert run["y"] >= source["y"] + source["height"], (source, run)
    section = record.locator("[data-section=lineage]")
    section.scroll_into_view_if_needed()
    container.page.wait_for_timeout(300)
    shot(section if wide else container, name)
    links.nth(1).click()  # examples/dataset1.h5ad
    expect(record.locator(".lw-record-title")).to_have_text("examples/dataset1.h5ad")
    collections = record.locator("[data-section=lineage] a.lw-lineage-link[data-registry=Collection]")
    expect(collections).to_have_count(1)
    expect(collections).to_contain_text("mini_immuno_analysis")  # its collection, downstream
    record.locator(".lw-back-record").click()
    expect(record.locator(".lw-record-title")).to_have_text("analysis/cell_type_counts.parquet")


def _sidebar_descendants(panel) -> None:
    """The sidebar's filters at 250 px: no dataset is annotated with `lymphocyte` itself, both with terms
    below it; the code says so; removing the condition shows every record again."""
    panel.locator(".lw-filter-toggle").click()
    panel.locator(".lw-add-cond").first.click()
    condition = panel.locator(".lw-cond").first
    condition.locator("select.lw-field").select_option("cell_types__name")
    condition.locator(".lw-value").fill("lymphocyte")
    condition.locator(".lw-value").press("Enter")
    expect(panel.locator(".lw-total")).to_have_text("0 records")
    condition.locator("input.lw-descendants").check()
    expect(panel.locator(".lw-total")).to_have_text("2 records")
    expect(panel.locator(".lw-codebar")).to_contain_text("cell_types__descendant_of='lymphocyte'")
    box = condition.bounding_box()
    assert box["x"] + box["width"] <= panel.bounding_box()["x"] + panel.bounding_box()["width"] + 1
    condition.locator("button[aria-label='Remove condition']").click()
    expect(panel.locator(".lw-total")).to_have_text("6 records")
    panel.locator(".lw-filter-toggle").click()


# the README's screenshot of each widget (docs/images/widgets/), and what to do in it first
WIDGET_SHOTS = {
    'lw.RegistryBrowser("Artifact")': ("registry_browser", _summaries),
    'lw.FilterBuilder("Artifact")': ("filter_builder", _h5ad_condition),
    'lw.SearchBox("CellType")': ("search_box", _typed("t cell")),
    "lw.LookupBox(ln.ULabel)": ("lookup_box", _typed("exp")),
    "lw.ViewPanel()": ("view_panel", None),
}
CELLS_JS = """() => {
  const m = window.jupyterapp.shell.currentWidget.content.model;
  const cells = [];
  for (let i = 0; i < m.cells.length; i++) {
    const c = m.cells.get(i);
    if (c.type === "code")
      cells.push({index: i, source: c.sharedModel.getSource(), count: c.executionCount, trusted: c.trusted,
                  outputs: c.outputs.toJSON()});
  }
  return cells;
}"""


class DemoLab:
    """`scripts/demo-lab.sh start` in its own process group; its output collected as it comes."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "demo-lab.sh"), "start", "--LabApp.expose_app_in_browser=True"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            # as from a terminal's shell: SIGINT not ignored (a background job's children ignore it)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with open(self.log, "a") as log:
            for line in self.process.stdout:
                self.lines.append(line)
                log.write(line)
                log.flush()

    def url(self, timeout: float = 120) -> str:
        """The notebook URL the script prints once the server answers."""
        started = time.time()
        while time.time() - started < timeout:
            for line in self.lines:
                if match := re.search(r"^\s+(http://127\.0\.0\.1:\d+/\S+)$", line):
                    return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no URL printed: {''.join(self.lines)[-3000:]}")

    def ctrl_c(self) -> int:
        """What Ctrl-C in the terminal sends (SIGINT to the foreground group); the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


def _demo_py(env: dict, python: Path) -> str:
    result = subprocess.run(
        [python, ROOT / "docs" / "demo.py"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _serving(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _run_all(page) -> list[dict]:
    """Run > Run All Cells, as a user, once the kernel is ready; until every code cell ran."""
    for attempt in range(2):
        page.wait_for_function(KERNEL_READY_JS, polling=100, timeout=60_000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        deadline = time.time() + 120
        while time.time() < deadline:
            cells = page.evaluate(CELLS_JS)
            if all(c["count"] for c in cells) and page.evaluate(KERNEL_READY_JS):
                return cells
            if attempt == 0 and time.time() > deadline - 90 and not any(c["count"] for c in cells):
                break  # the run was dropped (the kernel-ready race): once more
            page.wait_for_timeout(250)
    raise AssertionError(f"Run All did not finish: {page.evaluate(CELLS_JS)}")


def _readme_shots(page, cells: list[dict], dom) -> None:
    """The README's screenshots of the demo: its widgets, then the Lamin sidebar (250 px, its record page of
    the first .h5ad artifact with its preview, the image's page with its thumbnail, widened to the table;
    JupyterLab Dark and Dark High Contrast)."""
    page.set_viewport_size({"width": 1400, "height": 2400})  # the tallest widget (ViewPanel) whole
    for code, (name, prepare) in WIDGET_SHOTS.items():
        (index,) = [i for i, c in enumerate(cells) if code in c["source"]]
        widget = dom.nth(index).locator(".jp-OutputArea-output .lamin-widget").first
        widget.scroll_into_view_if_needed()
        if prepare:
            prepare(widget)
        shot(widget, f"widgets/{name}")
        if name == "filter_builder":
            _descendants(widget)
            shot(widget, "widgets/filter_descendants")
        if name == "registry_browser":
            widget.locator("tbody tr[data-id]", has_text="cell_type_counts").click()
            _lineage(widget, "widgets/lineage", wide=True)
            widget.locator(".lw-record").press("Escape")
            expect(widget.locator(".lw-record")).to_be_hidden()
            _summary_click(widget)  # filters to .h5ad: after the lineage of the parquet table
            shot(widget, "widgets/column_summaries")
    page.set_viewport_size({"width": 1400, "height": 1000})

    dom.first.scroll_into_view_if_needed()  # the notebook from its top, the RegistryBrowser in view
    page.wait_for_function("() => document.body.dataset.laminSidebar === 'activated'")
    page.locator('.jp-SideBar [data-id="lamin-sidebar"]').click()
    panel = page.locator(".lamin-sidebar")
    items = panel.locator(".lw-list li[data-id]")
    items.first.wait_for()
    page.wait_for_timeout(500)
    assert 200 <= panel.bounding_box()["width"] < 400
    shot(page, "sidebar")
    items.filter(has_text=".h5ad").first.click()
    record = panel.locator(".lw-record")
    record.locator(".lw-record-title").wait_for()
    # its preview, read from the h5ad file: shape, obs columns with their categories, the var names
    h5ad = record.locator(".lw-preview-body[data-kind=anndata]")
    h5ad.wait_for()
    assert re.search(r"^\d obs \u00d7 3 vars \u00b7 X dense int64", h5ad.inner_text()), h5ad.inner_text()
    assert "ENSG00000153563" in h5ad.inner_text() and "perturbation" in h5ad.inner_text()
    page.wait_for_timeout(500)
    shot(panel, "record-page")
    shot(record.locator(".lw-preview"), "preview-h5ad")
    set_theme(page, "JupyterLab Dark")
    shot(page, "sidebar-dark")
    set_theme(page, "JupyterLab Dark High Contrast")
    shot(panel, "sidebar-high-contrast")
    set_theme(page, "JupyterLab Light")
    record.locator(".lw-back-record").click()
    items.filter(has_text="my_image.jpg").first.click()  # the guide's image: a thumbnail made by the server
    image = record.locator(".lw-preview-body[data-kind=image] img")
    image.wait_for()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    page.wait_for_timeout(300)
    shot(panel, "preview-image")
    record.locator(".lw-back-record").click()
    items.filter(has_text="iris.parquet").first.click()  # a DataFrame artifact: its head and column types
    table = record.locator(".lw-preview-body[data-kind=table]")
    table.wait_for()
    assert (
        table.locator(".lw-preview-caption").inner_text()
        == "parquet \u00b7 first 20 of 150 rows \u00b7 5 columns"
    )
    shot(record.locator(".lw-preview"), "preview-table")
    record.locator(".lw-back-record").click()
    items.filter(has_text="cell_type_counts").first.click()
    _lineage(panel, "lineage-sidebar", wide=False)
    set_theme(page, "JupyterLab Dark")
    shot(panel.locator(".lw-record [data-section=lineage]"), "lineage-sidebar-dark")
    set_theme(page, "JupyterLab Light")
    record.locator(".lw-back-record").click()
    _sidebar_descendants(panel)
    widen_left_panel(page, 420)
    panel.locator(".lw-browser[data-view=table] tbody tr[data-id]").first.wait_for()
    panel.locator(".lw-browser[data-summarized] [data-summary=suffix] button").first.wait_for()  # over REST
    page.wait_for_timeout(500)
    shot(page, "sidebar-wide")


@pytest.fixture
def demo():
    """The demo's folder, outside pytest's temp paths: its storage path shows in the README's screenshots."""
    folder = Path(tempfile.mkdtemp(prefix="lamin-demo-"))
    yield folder / "demo-instance"
    shutil.rmtree(folder, ignore_errors=True)


def test_make_demo_notebook_runs_all_cells(lab, tmp_path, demo):
    port = free_port()
    env = jupyter_env(
        tmp_path,
        lab=True,
        drop=("JUPYTER", "LAMIN"),
        PATH=f"{lab.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),  # anywidget's front end, the test venv's
        VENV=str(lab.venv),
        LAMIN_DEMO_DIR=str(demo),
        DEMO_PORT=str(port),
        DEMO_BROWSER="0",
        LAMIN_HOME=str(tmp_path / "my-own-settings"),  # exported: the demo keeps its own
    )
    python = lab.venv / "bin" / "python"
    tour = _demo_py(env, python)
    assert "widget notebook:" in tour and "using the demo's own settings" in tour
    assert not (tmp_path / "my-own-settings").exists()
    notebooks = demo / "notebooks"
    assert sorted(p.name for p in notebooks.iterdir()) == [NOTEBOOK]  # example files live elsewhere
    assert (demo / "downloads" / "input.fastq.gz").is_file()

    server = DemoLab(env, tmp_path / "demo-lab.log")
    try:
        url = server.url()
        assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/lab/tree/{NOTEBOOK}\?token=\w+", url), url
        page = lab.browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        page.goto(url)
        page.wait_for_selector(".jp-NotebookPanel:visible .jp-CodeCell .jp-InputArea-editor", timeout=60_000)
        assert page.evaluate("() => window.jupyterapp.shell.currentWidget.title.label") == NOTEBOOK
        assert page.locator(".jp-Launcher:visible").count() == 0
        before = page.evaluate(CELLS_JS)
        assert before and all(c["trusted"] for c in before), before  # signed by demo-lab.sh

        cells = _run_all(page)
        errors = [
            (c["source"], o.get("ename"), o.get("evalue"))
            for c in cells
            for o in c["outputs"]
            if o["output_type"] == "error"
        ]
        assert errors == []
        dom = page.locator(".jp-NotebookPanel:visible .jp-CodeCell")
        for code, selector in WIDGETS.items():
            (index,) = [i for i, c in enumerate(cells) if code in c["source"]]
            output = dom.nth(index).locator(".jp-OutputArea-output .lamin-widget")
            output.first.wait_for(timeout=30_000)
            output.locator(selector).first.wait_for(timeout=30_000)
        _readme_shots(page, cells, dom)
        page.close()

        assert server.ctrl_c() == 130
        assert not (demo / ".demo-server").exists() and not _serving(port)
    finally:
        server.kill()

    # a second `make demo`, LAMIN_HOME unset: the same instance, and the server starts again
    env.pop("LAMIN_HOME")
    tour = _demo_py(env, python)
    assert "connected lamin instance: testuser1/test-registries" in tour
    server = DemoLab(env, tmp_path / "demo-lab-2.log")
    try:
        assert server.url().startswith(f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token=")
        # `make demo-stop` (and `make clean`) stop the server this checkout started
        subprocess.run(["bash", ROOT / "scripts" / "demo-lab.sh", "stop"], env=env, check=True, timeout=60)
        assert server.process.wait(timeout=60) in (0, 143)
        assert not _serving(port)
    finally:
        server.kill()
