"""End to end: the Lamin sidebar (JupyterLab extension + server extension from the installed wheel).

With no widget and before any cell runs, the panel browses the instance over REST; "Insert and run" puts
the query below the active cell, after the import lines the notebook lacks, and its output equals the
same query run in code.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest
from lab_harness import ROOT, SHOTS, THEME_JS, widen_left_panel

pytest.importorskip("playwright")
from playwright.sync_api import expect


def test_sidebar_browses_over_rest_and_inserts_code(lab):
    # two rows per page, so that three pages of the five artifacts show paging
    settings = lab.root.parent / "lab-settings" / "lamin-widgets" / "plugin.jupyterlab-settings"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"pageSize": 2}))
    nb = lab.notebook(
        "sidebar.ipynb",
        [
            "# the sidebar inserts its code below this cell",
            "import json\nexpected = ln.Artifact.filter(suffix='.h5ad').df()\n"
            "print('RESULT=' + json.dumps({'same': _.equals(expected), 'ids': list(_.index),"
            " 'expected': list(expected.index)}))",
        ],
    )
    page = nb.page
    page.wait_for_function("() => document.body.dataset.laminSidebar === 'activated'")
    commands = ["lamin:open", "lamin:refresh", "lamin:insert-code", "lamin:insert-and-run"]
    labels = page.evaluate("(ids) => ids.map((id) => window.jupyterapp.commands.label(id))", commands)
    assert labels == [
        "Open the Lamin Panel",
        "Refresh the Lamin Panel",
        "Insert Lamin Code Below the Active Cell",
        "Insert and Run Lamin Code",
    ]
    panel = page.locator(".lamin-sidebar")
    rows = panel.locator(".lw-results-area [data-id]:visible")  # list items at 250 px, table rows wider
    started = time.perf_counter()
    page.locator('.jp-SideBar [data-id="lamin-sidebar"]').click()
    expect(rows).to_have_count(2)
    print(f"panel open to first page: {time.perf_counter() - started:.2f} s")
    # a wider sidebar (drag the split handle), as a user browsing tables would
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + 300, steps=5)
    page.mouse.up()

    expect(panel.locator(".lw-instance-name")).to_have_text("testuser1/storage")
    expect(panel.locator("li[data-registry=Artifact] .lw-count")).to_have_text("5")
    expect(panel.locator("li[data-registry=ULabel] .lw-count")).to_have_text("5")
    expect(panel.locator(".lw-browser")).to_have_attribute("data-view", "table")
    expect(panel.locator("th[data-column=key]")).to_be_visible()
    expect(panel.locator("th[data-column^=_]")).to_have_count(0)  # private columns hidden
    expect(panel.locator(".lw-total")).to_have_text("5 records")
    expect(panel.locator(".lw-pageinfo")).to_have_text("page 1 of 3")
    panel.locator(".lw-next").click()
    expect(panel.locator(".lw-pageinfo")).to_have_text("page 2 of 3")
    expect(rows.nth(0)).to_have_attribute("data-id", "3")

    panel.locator(".lw-search").fill("iris")
    expect(panel.locator(".lw-total")).to_have_text("1 record")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("iris.parquet")
    panel.locator(".lw-search").fill("")
    expect(panel.locator(".lw-total")).to_have_text("5 records")

    panel.locator(".lw-filter-toggle").click()
    panel.locator(".lw-add-cond").click()
    condition = panel.locator(".lw-cond").nth(0)
    condition.locator("select.lw-field").select_option("suffix")
    condition.locator("select.lw-lookup").select_option("exact")
    condition.locator(".lw-value").fill(".h5ad")
    condition.locator(".lw-value").press("Enter")
    expect(panel.locator(".lw-total")).to_have_text("2 records")
    expect(panel.locator(".lw-browser-code")).to_have_text("ln.Artifact.filter(suffix='.h5ad')")

    rows.nth(0).click()  # a click opens the record's page
    detail = panel.locator(".lw-detail")
    expect(detail).to_contain_text("examples/dataset1.h5ad")
    expect(detail).to_contain_text("temperature")

    panel.locator(".lw-insert-run").click()
    inserted = nb.cells.nth(1)
    expect(inserted.locator(".jp-InputArea-editor")).to_contain_text(
        "ln.Artifact.filter(suffix='.h5ad').df()"
    )
    expect(inserted.locator(".jp-OutputArea-output")).to_contain_text("examples/dataset2.h5ad")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sidebar.png"))  # the panel next to the notebook
    nb.run(2, nb.cells.nth(2).locator(".jp-OutputArea-output"))
    result = nb.output(2)
    assert result["same"] and result["ids"] == result["expected"] and len(result["ids"]) == 2

    # "Insert code" alone: a new cell below the active one (the empty cell Shift+Enter added), not run
    expect(nb.cells).to_have_count(4)
    panel.locator(".lw-insert").click()
    expect(nb.cells).to_have_count(5)
    expect(nb.cells.nth(4).locator(".jp-InputArea-editor")).to_contain_text("ln.Artifact.filter(")
    expect(nb.cells.nth(4).locator(".jp-InputPrompt")).to_have_text("[ ]:")
    nb.close()


def _save_cell_types(lab, names: list[str]) -> None:
    """Save `bt.CellType` records in the lab's instance, from outside (the notebook imports nothing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "LAMIN_TEST_DB"))}
    env["LAMIN_HOME"] = str(lab.root.parent / "home")  # harness.lab.running_lab's settings folder
    code = "import sys, lamin_core.bionty as bt\nfor name in sys.argv[1:]:\n    bt.CellType(name=name).save()"
    done = subprocess.run(
        [lab.venv / "bin" / "python", "-c", code, *names], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_sidebar_inserts_the_imports_a_bionty_registry_needs_once_per_notebook(lab):
    """`bt.CellType...` runs in a notebook that imported nothing; a second insert adds no import again."""
    _save_cell_types(lab, ["e2e T cell", "e2e B cell"])
    nb = lab.notebook("bionty.ipynb", ["# the sidebar inserts its code below this cell"])
    page = nb.page
    page.wait_for_function("() => document.body.dataset.laminSidebar === 'activated'")
    panel = page.locator(".lamin-sidebar")
    page.locator('.jp-SideBar [data-id="lamin-sidebar"]').click()  # the default width, about 250 px
    panel.locator(".lw-registry-button").click()
    panel.locator(".lw-show-empty").click()  # CellType had no records when the registries were listed
    panel.locator("li[data-registry='bionty.CellType']").click()
    expect(panel.locator(".lw-total")).to_have_text("2 records")
    expect(panel.locator(".lw-list li[data-id]")).to_have_count(2)

    def sources() -> list[str]:
        return page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.content.model.sharedModel.cells"
            ".map((cell) => cell.getSource())"
        )

    def ran(index: int, count: int) -> None:
        """Cell `index` ran as the kernel's `count`th execution, showing both records and no error."""
        cell = nb.cells.nth(index)
        expect(cell.locator(".jp-InputPrompt")).to_have_text(f"[{count}]:")
        output = cell.locator(".jp-OutputArea-output")
        expect(output).to_contain_text("e2e T cell")
        expect(output).to_contain_text("e2e B cell")
        expect(cell.locator('[data-mime-type="application/vnd.jupyter.stderr"]')).to_have_count(0)

    panel.locator(".lw-insert-run").click()
    ran(1, 1)
    expect(panel.locator(".lw-insert-notice")).to_have_text("inserted and running")
    assert sources()[1] == (
        "import lamin_core as ln\nimport lamin_core.bionty as bt\n\nbt.CellType.filter().df()"
    )
    shots = ROOT / "test-output" / "e2e"  # not the README's screenshots (`make screenshots`)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "sidebar_bionty_insert.png"))

    # the same notebook already has both lines: the second cell is the query alone, and runs
    panel.locator(".lw-insert-run").click()
    ran(2, 2)
    assert sources()[1:] == [
        "import lamin_core as ln\nimport lamin_core.bionty as bt\n\nbt.CellType.filter().df()",
        "bt.CellType.filter().df()",
    ]
    nb.close()


def test_installed_wheel_enables_both_extensions(lab):
    """`pip install` is the whole set-up: the wheel's data files enable the lab and server extensions."""
    python = str(lab.venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(
        JUPYTER_CONFIG_DIR=str(lab.root.parent / "cfg"), JUPYTER_DATA_DIR=str(lab.root.parent / "data")
    )

    def run(*module):
        done = subprocess.run(
            [python, "-m", *module, "list"], env=env, capture_output=True, text=True, cwd="/"
        )
        assert done.returncode == 0, done.stderr[-2000:]
        # only the listing (no ANSI colours)
        return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)[-3000:]

    labextensions = run("jupyterlab.labextensions")
    assert re.search(r"lamin-widgets v0\.1\.0 enabled\s+OK \(python, lamin-widgets\)", labextensions), (
        labextensions
    )
    assert str(lab.venv / "share" / "jupyter" / "labextensions") in labextensions
    server = run("jupyter_server.extension.serverextension")
    assert re.search(r"lamin_widgets\.server enabled", server), server
    assert re.search(r"lamin_widgets\.server 0\.1\.0 OK", server), server
    assert str(lab.venv / "etc" / "jupyter") in server


def _page_size(lab, size: int) -> None:
    """The sidebar's rows per page for the pages opened next (its settings file)."""
    settings = lab.root.parent / "lab-settings" / "lamin-widgets" / "plugin.jupyterlab-settings"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"pageSize": size}))


def _open_sidebar(lab, name: str):
    _page_size(lab, 20)
    nb = lab.notebook(name, ["# the Lamin sidebar at JupyterLab's default width"])
    page = nb.page
    page.wait_for_function("() => document.body.dataset.laminSidebar === 'activated'")
    page.locator('.jp-SideBar [data-id="lamin-sidebar"]').click()
    panel = page.locator(".lamin-sidebar")
    expect(panel.locator(".lw-list li[data-id]")).to_have_count(5)
    return nb, page, panel


def _shot(panel, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / f"{name}.png"))


def test_sidebar_is_readable_at_its_default_width_and_by_keyboard(lab):
    """At about 250 px: a list of display names with a dim line, a toolbar, a compact picker; keyboard."""
    nb, page, panel = _open_sidebar(lab, "narrow.ipynb")
    width = panel.bounding_box()["width"]
    assert 200 <= width < 400, width
    expect(panel.locator(".lw-browser")).to_have_attribute("data-view", "list")
    items = panel.locator(".lw-list li[data-id]")
    first = items.nth(0)
    expect(first.locator(".lw-primary")).to_have_text("images/my_image.jpg")
    expect(first.locator(".lw-secondary")).to_contain_text("29.4 kB")
    expect(first.locator(".lw-secondary")).to_contain_text("testuser1")
    # the name is in view, whole: not clipped by the panel, not ellipsized
    name_box, panel_box = first.locator(".lw-primary").bounding_box(), panel.bounding_box()
    assert name_box["x"] >= panel_box["x"] and name_box["x"] + name_box["width"] <= panel_box["x"] + width
    assert first.locator(".lw-primary").evaluate("e => e.scrollWidth <= e.clientWidth")
    # the toolbar: LabIcon buttons with tooltips; the instance on one line
    toolbar = panel.locator("[role=toolbar]")
    expect(toolbar.locator("button")).to_have_count(4)
    expect(toolbar.locator("button.lw-refresh svg")).to_have_count(1)
    expect(toolbar.locator("button.lw-refresh")).to_have_attribute("title", "Refresh the registries")
    info = panel.locator(".lw-instance")
    assert info.bounding_box()["height"] < 24  # one line, paths in the tooltip
    expect(info).to_have_attribute("title", re.compile(r"storage: .*\ndatabase: "))
    expect(panel.locator(".lw-timing")).to_have_count(0)
    expect(panel.locator(".lw-registry-button")).to_have_text(re.compile(r"^Artifact\s*5$"))
    _shot(panel, "sidebar")

    # keyboard: arrows move, Space selects, Enter opens the record, Escape returns to the row
    first.focus()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("Space")
    expect(items.nth(1)).to_have_attribute("aria-selected", "true")
    expect(panel.locator(".lw-selected")).to_have_text("1 selected")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    detail = panel.locator(".lw-record")
    expect(detail.locator(".lw-record-title")).to_have_text("examples/dataset1.h5ad")
    page.keyboard.press("Escape")
    expect(detail).to_be_hidden()
    expect(items.nth(3)).to_be_focused()
    expect(items.nth(3)).to_have_attribute("aria-selected", "false")  # opening did not select it
    # the registry picker by keyboard: ULabel
    panel.locator(".lw-registry-button").focus()
    page.keyboard.press("ArrowDown")
    expect(panel.locator(".lw-registry-list")).to_be_visible()
    expect(panel.locator(".lw-registry-list li[data-registry=Collection]")).to_have_count(0)  # empty: folded
    for _ in range(10):
        if page.evaluate("() => document.activeElement.dataset.registry") == "ULabel":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(panel.locator(".lw-list li[data-id]").first.locator(".lw-primary")).to_have_text("DMSO")
    nb.close()


def test_record_page_wide_table_and_dark_theme(lab):
    """A record page with facts, features and links; the table from 400 px; JupyterLab Dark."""
    nb, page, panel = _open_sidebar(lab, "record.ipynb")
    panel.locator(".lw-list li[data-id='4']").click()
    detail = panel.locator(".lw-record")
    expect(detail.locator(".lw-record-title")).to_have_text("examples/dataset1.h5ad")
    facts = detail.locator(".lw-facts")
    expect(facts).to_contain_text("31.7 kB")
    expect(facts).to_contain_text("testuser1")
    expect(detail.locator(".lw-path code")).to_have_attribute("title", re.compile(r"\.h5ad$"))
    features = detail.locator("[data-section=features]")
    expect(features).to_contain_text("temperature")
    expect(features).to_contain_text("21.6")
    expect(features.locator("a[data-registry=ULabel]")).to_have_count(3)  # DMSO, IFNG, Experiment 1
    expect(detail.locator("[data-section=labels]")).to_contain_text("Experiment 1")
    expect(detail.locator("details.lw-all-fields")).not_to_have_attribute("open", "")
    expect(detail.locator(".lw-facts")).not_to_contain_text("_hash_type")
    _shot(panel, "record-page")
    features.locator("a", has_text="DMSO").click()  # links move between records
    expect(detail.locator(".lw-record-title")).to_have_text("DMSO")
    expect(detail.locator("[data-section=related]")).to_contain_text("examples/dataset2.h5ad")
    detail.locator(".lw-back-record").click()
    expect(detail.locator(".lw-record-title")).to_have_text("examples/dataset1.h5ad")
    detail.locator(".lw-back-record").click()
    expect(detail).to_be_hidden()

    page.evaluate(THEME_JS, "JupyterLab Dark")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")

    def luminance(locator, prop: str) -> float:
        rgb = locator.evaluate(f"e => getComputedStyle(e).{prop}")
        r, g, b = (int(x) for x in re.findall(r"\d+", rgb)[:3])
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255

    assert luminance(panel.locator(".lw-sidebar"), "backgroundColor") < 0.3
    assert luminance(panel.locator(".lw-primary").first, "color") > 0.6
    assert luminance(panel.locator(".lw-secondary").first, "color") > 0.4
    _shot(panel, "sidebar-dark")
    page.evaluate(THEME_JS, "JupyterLab Light")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    expect(panel.locator(".lw-browser")).to_have_attribute("data-view", "list")
    page.wait_for_timeout(500)  # the theme's stylesheet settles before the split handle is dragged

    widen_left_panel(page, 300)  # about 550 px: the table
    expect(panel.locator(".lw-browser")).to_have_attribute("data-view", "table")
    expect(panel.locator("th[data-column=key]")).to_be_visible()
    expect(panel.locator("th[data-column^=_]")).to_have_count(0)
    bar = panel.locator("[data-summary=suffix] button[aria-label^='.h5ad']")  # summaries over REST
    expect(bar).to_have_attribute("aria-label", ".h5ad: 2")
    _shot(panel, "sidebar-wide")
    bar.click()  # the filter, the count and the code to insert follow
    expect(panel.locator(".lw-browser-code")).to_have_text("ln.Artifact.filter(suffix='.h5ad')")
    expect(panel.locator(".lw-total")).to_have_text("2 records")
    nb.close()


def _bulk_artifacts(lab, n: int) -> None:
    """Add `n` artifacts (keys bench/<i>/file_<i>.<suffix>, harness.seed.bulk_artifacts) from outside the lab;
    `n` = 0 removes them again (the lab is shared with the other e2e modules)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "LAMIN_TEST_DB"))}
    env["LAMIN_HOME"] = str(lab.root.parent / "home")
    env["PYTHONPATH"] = str(ROOT / "benchmarks")  # benchmarks/harness/seed.py
    code = (
        "import sys; import lamin_core as ln\n"
        "from harness.seed import bulk_artifacts; n = int(sys.argv[1]); bulk_artifacts(ln, n) if n else"
        " ln.Artifact.all_objects.filter(key__startswith='bench/')._raw_delete('default')"
    )
    done = subprocess.run(
        [lab.venv / "bin" / "python", "-c", code, str(n)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_counts_say_first_1000_of_how_many_match(lab):
    """A broad search shows its best 1,000 and says how many match; a count never holds a page back.

    The last test of the module: it adds 2,500 artifacts to the lab's instance."""
    _bulk_artifacts(lab, 2500)
    try:
        _counts(lab)
    finally:
        _bulk_artifacts(lab, 0)


def _counts(lab):
    nb, page, panel = _open_sidebar_any(lab)
    expect(panel.locator(".lw-total")).to_have_text("2,505 records")
    search = panel.locator(".lw-search")
    search.fill("file")
    search.press("Enter")
    expect(panel.locator(".lw-total")).to_have_text("first 1,000 of 2,500", timeout=30_000)
    expect(panel.locator(".lw-pageinfo")).to_have_text(re.compile(r"page 1 of 50"))
    expect(panel.locator(".lw-list li[data-id]")).to_have_count(20)
    counts = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.includes('/rpc/count')).length"
    )
    assert counts >= 2
    nb.close()


def _open_sidebar_any(lab):
    _page_size(lab, 20)
    nb = lab.notebook("many.ipynb", ["# many artifacts"])
    page = nb.page
    page.wait_for_function("() => document.body.dataset.laminSidebar === 'activated'")
    page.locator('.jp-SideBar [data-id="lamin-sidebar"]').click()
    panel = page.locator(".lamin-sidebar")
    expect(panel.locator(".lw-list li[data-id]")).to_have_count(20)
    return nb, page, panel
