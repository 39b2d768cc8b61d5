"""End to end: the widgets in a real JupyterLab (headless Chromium), installed from the built wheel.

Each test opens a notebook on the guide's instance, drives a widget like a user (keyboard and mouse), then
runs a cell that reads the widget's state back in Python and compares it with the same query run in code.
"""

from __future__ import annotations

import re

import pytest
from lab_harness import set_theme, shot

pytest.importorskip("playwright")
from playwright.sync_api import expect

SETUP = "import json, lamin_core as ln, lamin_widgets as lw\n"


def test_registry_browser_pages_sorts_searches_and_selects(lab):
    nb = lab.notebook(
        "browser.ipynb",
        [
            SETUP + "browser = lw.RegistryBrowser('Artifact', page_size=2)\nbrowser",
            "expected = ln.Artifact.filter(key='iris.parquet')\n"
            "print('RESULT=' + json.dumps({'file': lw.__file__,"
            " 'selected': list(browser.selected.values_list('uid', flat=True)),"
            " 'expected': list(expected.values_list('uid', flat=True)),"
            " 'search': browser.search, 'order': browser.order, 'code': browser.code,"
            " 'df_keys': list(browser.to_dataframe()['key'])}))",
        ],
    )
    widget = nb.widget(0)
    rows = widget.locator("tbody tr[data-id]")
    nb.run(0, rows)
    expect(rows).to_have_count(2)
    expect(widget.locator(".lw-total")).to_have_text("5 records")
    expect(rows.nth(0)).to_have_attribute("data-id", "1")

    widget.locator(".lw-next").click()  # page 2 of 3
    expect(widget.locator(".lw-pageinfo")).to_have_text("page 2 of 3")
    expect(rows.nth(0)).to_have_attribute("data-id", "3")

    size = widget.locator("th[data-column=size]")
    size.click()  # ascending, back to page 1
    expect(size).to_have_attribute("aria-sort", "ascending")
    expect(widget.locator(".lw-pageinfo")).to_have_text("page 1 of 3")
    expect(rows.nth(0)).to_contain_text(".fastq.gz")
    size.click()  # descending
    expect(size).to_have_attribute("aria-sort", "descending")
    expect(rows.nth(0)).to_contain_text("examples/dataset1.h5ad")

    widget.locator(".lw-search").fill("iris")
    expect(widget.locator(".lw-total")).to_have_text("1 record")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("iris.parquet")
    rows.nth(0).locator("input[type=checkbox]").click()  # the checkbox selects; a click on the row opens
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    expect(widget.locator(".lw-selected")).to_have_text("1 selected")
    expect(widget.locator(".lw-browser-code")).to_have_text(
        "ln.Artifact.search('iris', limit=1000).order_by('-size')"
    )
    shot(widget, "registry_browser")
    expect(widget.locator("th[data-column^=_]")).to_have_count(0)  # private columns hidden by default
    rows.nth(0).click()  # the record's page, in place of the table
    expect(widget.locator(".lw-record-title")).to_have_text("iris.parquet")
    expect(widget.locator(".lw-facts")).to_contain_text("5.1 kB")
    # the names of the facts on one line: not JupyterLab's output-area dt (floated, 20% of its grid cell)
    assert widget.locator(".lw-facts dt").first.bounding_box()["width"] > 40
    # its preview over the comm: the seed's records have no stored file, which the preview says in one line
    expect(widget.locator(".lw-preview .lw-error")).to_contain_text("the stored file is missing: ")
    expect(widget.locator(".lw-tablewrap")).to_be_hidden()
    widget.locator(".lw-record").press("Escape")
    expect(widget.locator(".lw-record")).to_be_hidden()
    expect(rows.nth(0)).to_be_focused()
    expect(widget.locator(".lw-selected")).to_have_text("1 selected")  # opening did not toggle it

    nb.run(1, nb.cells.nth(1).locator(".jp-OutputArea-output"))
    result = nb.output(1)
    assert str(lab.venv) in result["file"]  # the wheel's package, not the editable checkout
    assert result["selected"] == result["expected"] and len(result["selected"]) == 1
    assert result["search"] == "iris" and result["order"] == ["-size"]
    assert result["code"] == "ln.Artifact.search('iris', limit=1000).order_by('-size')"
    assert result["df_keys"] == ["iris.parquet"]
    nb.close()


def test_column_summaries_filter_by_a_click_and_a_brush(lab):
    nb = lab.notebook(
        "summaries.ipynb",
        [
            SETUP + "browser = lw.RegistryBrowser('Artifact')\nbrowser",
            "print('RESULT=' + json.dumps({'code': browser.code, 'filters': browser.filters,"
            " 'ids': sorted(browser.queryset.values_list('id', flat=True)),"
            " 'expected': sorted(ln.Artifact.filter(suffix='.h5ad', size__gte=31500, size__lt=32000)"
            ".values_list('id', flat=True))}))",
        ],
    )
    widget = nb.widget(0)
    suffix = widget.locator("[data-summary=suffix]")
    nb.run(0, suffix.locator("button"))
    # the seed: 2 .h5ad of 5 artifacts, the most frequent suffix first
    expect(suffix.locator("button").first).to_have_attribute("aria-label", ".h5ad: 2")
    expect(suffix.locator(".lw-summary-text")).to_have_text(".h5ad 40%")
    size = widget.locator("[data-summary=size]")
    expect(size.locator("rect.lw-bar")).not_to_have_count(0)
    expect(size.locator(".lw-summary-text")).to_have_text("20 B \u2013 31.7 kB")
    widget.locator(".lw-browser[data-summarized='1']").wait_for()
    shot(widget, "column_summaries")
    set_theme(nb.page, "JupyterLab Dark")
    shot(widget, "column_summaries_dark")
    set_theme(nb.page, "JupyterLab Light")

    suffix.locator("button").first.click()  # the .h5ad bar
    expect(widget.locator(".lw-total")).to_have_text("2 records")
    expect(widget.locator(".lw-browser-code")).to_have_text("ln.Artifact.filter(suffix='.h5ad')")
    expect(widget.locator(".lw-filter-toggle")).to_have_text("Filters (1)")
    # the summaries follow the filter: both .h5ad are 26.9 kB and 31.7 kB
    expect(size.locator(".lw-summary-text")).to_have_text("26.9 kB \u2013 31.7 kB")
    widget.locator(".lw-browser[data-summarized='2']").wait_for()
    bars = size.locator("rect.lw-bar")
    last = bars.nth(bars.count() - 1).bounding_box()  # 31,672 bytes in 31.5-32 kB: a drag within it
    nb.page.mouse.move(last["x"] + 1, last["y"] + last["height"] - 2)
    nb.page.mouse.down()
    nb.page.mouse.move(last["x"] + last["width"] - 1, last["y"] + last["height"] - 2, steps=3)
    nb.page.mouse.up()
    code = "ln.Artifact.filter(suffix='.h5ad', size__gte=31500, size__lt=32000)"
    expect(widget.locator(".lw-browser-code")).to_have_text(code)
    expect(widget.locator(".lw-total")).to_have_text("1 record")

    nb.run(1, nb.cells.nth(1).locator(".jp-OutputArea-output"))
    result = nb.output(1)
    assert result["code"] == code and result["ids"] == result["expected"] and len(result["ids"]) == 1
    nb.close()


def test_a_column_of_more_distinct_values_than_counted_says_so(lab):
    """A column of more distinct values than the summaries count (1,000; 4 in this kernel, so that the
    seed's five keys are more): "4+ distinct" over a bar with no value to click; the four suffixes keep
    their top values."""
    nb = lab.notebook(
        "distinct.ipynb",
        [
            SETUP + "from lamin_widgets.protocol import summaries\n"
            "summaries.MAX_DISTINCT = 4\n"
            "browser = lw.RegistryBrowser('Artifact')\nbrowser"
        ],
    )
    widget = nb.widget(0)
    key = widget.locator("[data-summary=key]")
    nb.run(0, key.locator(".lw-summary-text"))
    expect(key.locator(".lw-summary-text")).to_have_text("4+ distinct")
    message = "more than 4 distinct values among 5: too many to show the most frequent"
    expect(key.locator(".lw-segs")).to_have_attribute("title", message)
    expect(key.locator("button")).to_have_count(0)
    expect(widget.locator("[data-summary=suffix] .lw-summary-text")).to_have_text(".h5ad 40%")
    widget.locator(".lw-browser[data-summarized='1']").wait_for()
    shot(widget, "column_summaries_many_distinct")
    set_theme(nb.page, "JupyterLab Dark")
    shot(widget, "column_summaries_many_distinct_dark")
    set_theme(nb.page, "JupyterLab Light")
    nb.close()


# the kernel's summaries estimate every selection's labels from about 3 records, and hold the exact counts
# back until `gate` is set (by the notebook's second cell)
HELD_EXACT = (
    "import threading\n"
    "from lamin_widgets.protocol import summaries\n"
    "summaries.EXACT_RECORDS, summaries.SAMPLE = 0, 3\n"
    "gate, summarize = threading.Event(), summaries.summarize\n"
    "def held(state, columns, bins=20, top=10, exact=False):\n"
    "    if exact:\n"
    "        gate.wait(60)\n"
    "    return summarize(state, columns, bins, top, exact)\n"
    "summaries.summarize = held\n"
)


def test_a_label_summary_shows_an_estimate_then_the_exact_counts(lab):
    """Estimated from 3 of the seed's 5 records, drawn at random between the least and the greatest id
    and seeded by the total (`summaries._drawn`: ids 3, 4 and 5, two of them with DMSO, one with
    Experiment 1, scaled to ~3 and ~2 of 5), marked "≈" and dimmed; the exact counts (DMSO on two
    records, Experiment 1 on one) then replace the estimate."""
    nb = lab.notebook(
        "estimate.ipynb",
        [
            SETUP + HELD_EXACT + "browser = lw.RegistryBrowser('Artifact')\n"
            "browser.columns = ['key', 'suffix', 'size', 'ulabels__name']\nbrowser",
            "gate.set()",
        ],
    )
    widget = nb.widget(0)
    labels = widget.locator("[data-summary=ulabels__name]")
    experiment = labels.locator("button[aria-label^='Experiment 1']")
    nb.run(0, experiment)
    expect(labels).to_have_class(re.compile("lw-approx"))
    expect(experiment).to_have_attribute("aria-label", "Experiment 1: \u2248 2")
    expect(labels.locator(".lw-summary-text")).to_have_text("\u2248 DMSO 60%")
    title = "estimated from 3 of 5 records (a sample spread over them); counting every record\u2026"
    expect(labels).to_have_attribute("title", title)
    expect(widget.locator("[data-summary=suffix] .lw-summary-text")).to_have_text(".h5ad 40%")
    shot(widget, "column_summaries_estimate")
    set_theme(nb.page, "JupyterLab Dark")
    shot(widget, "column_summaries_estimate_dark")
    set_theme(nb.page, "JupyterLab Light")
    assert widget.locator(".lw-browser").get_attribute("data-summarized") is None  # the exact ones to come

    nb.run(1, widget.locator(".lw-browser[data-summarized='1']"))
    expect(labels).not_to_have_class(re.compile("lw-approx"))
    expect(experiment).to_have_attribute("aria-label", "Experiment 1: 1")
    expect(labels.locator(".lw-summary-text")).to_have_text("DMSO 40%")
    expect(labels).not_to_have_attribute("title", re.compile("."))
    shot(widget, "column_summaries_exact")
    nb.close()


def test_filter_builder_suffix_and_perturbation(lab):
    nb = lab.notebook(
        "filter.ipynb",
        [
            SETUP + "fb = lw.FilterBuilder('Artifact')\nfb",
            "expected = ln.Artifact.filter(suffix='.h5ad', perturbation='DMSO').df()\n"
            "print('RESULT=' + json.dumps({'code': fb.code, 'filters': fb.filters,"
            " 'same': fb.to_dataframe().equals(expected), 'ids': list(fb.to_dataframe().index),"
            " 'expected': list(expected.index)}))",
        ],
    )
    widget = nb.widget(0)
    add = widget.locator(".lw-add-cond")
    nb.run(0, add)
    add.click()
    condition = widget.locator(".lw-cond").nth(0)
    condition.locator("select.lw-field").select_option("suffix")
    condition.locator("select.lw-lookup").select_option("exact")
    condition.locator(".lw-value").fill(".h5ad")
    condition.locator(".lw-value").press("Enter")
    expect(widget.locator(".lw-count")).to_have_text("2 records")
    add.click()
    second = widget.locator(".lw-cond").nth(1)
    second.locator("select.lw-field").select_option("perturbation")
    value = second.locator(".lw-value")
    value.fill("DM")  # autocomplete offers the labels
    expect(second.locator("datalist option[value=DMSO]")).to_have_count(1)
    value.fill("DMSO")
    value.press("Tab")
    code = "ln.Artifact.filter(suffix='.h5ad', perturbation='DMSO')"
    expect(widget.locator(".lw-filter-code")).to_have_text(code)
    expect(widget.locator(".lw-count")).to_have_text("2 records")
    shot(widget, "filter_builder")

    nb.run(1, nb.cells.nth(1).locator(".jp-OutputArea-output"))
    result = nb.output(1)
    assert result["code"] == code
    assert result["same"] and result["ids"] == result["expected"] and len(result["ids"]) == 2
    assert [item["field"] for item in result["filters"]["items"]] == ["suffix", "perturbation"]
    nb.close()


def test_search_and_lookup_boxes_pick_records(lab):
    nb = lab.notebook(
        "search.ipynb",
        [
            SETUP + "picked = []\nbox = lw.SearchBox('Artifact')\nbox.on_submit(picked.append)\nbox",
            "label = lw.LookupBox('ULabel')\nlabel",
            "print('RESULT=' + json.dumps({'value': repr(box.value), 'picked': [repr(r) for r in picked],"
            " 'expected': repr(ln.Artifact.get(key='iris.parquet')),"
            " 'results': list(box.results.values_list('key', flat=True)),"
            " 'label': repr(label.value), 'expected_label': repr(ln.ULabel.get(name='Experiment 2'))}))",
        ],
    )
    search = nb.widget(0).locator("input")
    nb.run(0, search)
    search.fill("iris")
    option = nb.widget(0).locator("li[role=option]")
    expect(option.first).to_contain_text("iris.parquet")
    expect(option.first.locator("mark")).to_have_text("iris")
    shot(nb.widget(0), "search_box")
    search.press("ArrowDown")
    search.press("Enter")
    expect(nb.widget(0).locator(".lw-picked")).to_have_text("picked: iris.parquet")

    lookup = nb.widget(1).locator("input")
    nb.run(1, lookup)
    lookup.fill("exp")
    hits = nb.widget(1).locator("li[role=option]")
    expect(hits).to_have_count(2)
    lookup.press("ArrowDown")  # Experiment 2
    shot(nb.widget(1), "lookup_box")
    lookup.press("Enter")
    expect(nb.widget(1).locator(".lw-picked")).to_have_text("picked: Experiment 2")

    nb.run(2, nb.cells.nth(2).locator(".jp-OutputArea-output"))
    result = nb.output(2)
    assert result["value"] == result["expected"] and result["picked"] == [result["expected"]]
    assert result["results"][0] == "iris.parquet"
    assert result["label"] == result["expected_label"]
    nb.close()


def test_view_panel_opens_a_registry(lab):
    nb = lab.notebook(
        "view.ipynb",
        [SETUP + "panel = lw.ViewPanel(limit=3)\npanel", "print('RESULT=' + json.dumps(panel.registry))"],
    )
    widget = nb.widget(0)
    names = widget.locator(".lw-regname")
    nb.run(0, names)
    expect(widget).to_contain_text("module: core")
    expect(widget).to_contain_text("examples/dataset2.h5ad")
    shot(widget, "view_panel")
    widget.locator(".lw-regname", has_text="ULabel").click()
    rows = widget.locator(".lw-browser tbody tr[data-id]")
    expect(rows).to_have_count(5)
    expect(widget.locator(".lw-browser")).to_contain_text("Experiment 1")
    nb.run(1, nb.cells.nth(1).locator(".jp-OutputArea-output"))
    assert nb.output(1) == "ULabel"
    nb.close()
