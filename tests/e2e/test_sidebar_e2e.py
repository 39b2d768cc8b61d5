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
from lab_harness import ROOT, SHOTS

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
    rows = panel.locator("tbody tr[data-id]")
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

    rows.nth(0).dblclick()  # the record's details
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
    env["LAMIN_HOME"] = str(lab.root.parent / "home")  # lab_harness.running_lab's settings folder
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
    panel.locator("li[data-registry='bionty.CellType'] button").click()
    expect(panel.locator(".lw-total")).to_have_text("2 records")
    expect(panel.locator("tbody tr[data-id]")).to_have_count(2)

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
