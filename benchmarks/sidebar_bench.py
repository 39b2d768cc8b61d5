"""Sidebar benchmarks (issues 8, 21): the REST API at N artifacts, and the Lamin panel in JupyterLab.

    .venv/bin/python benchmarks/sidebar_bench.py [--n 1000000] [--home DIR ...] [--panel-repeats 5]

REST: a `jupyter server` (this venv, the `lamin_widgets.server` extension enabled on the command line,
token auth) serves a lamin_core SQLite instance with N artifacts built by benchmarks/workload/runner.py
(`--keep`; or `--home` = the `LAMIN_HOME` of one built earlier, e.g. `/tmp/workload-lamin_core-1000000-*/
home/.lamin`; repeatable). Timed with urllib from this process, a new TCP connection per request (a
browser would keep one alive, so this errs high): POST /lamin/api/rpc/page (100 rows, -created_at, the
JSON answer with the Arrow IPC page base64-encoded, as the sidebar asks for it; and the raw Arrow stream),
the sidebar's own first request (20 rows, default order), and the total `count` separately. Median of
`--repeats` after one warm-up, ms.

Panel: headless Debian Chromium through Playwright (benchmarks/harness/lab.py) on JupyterLab from the
checkout (the labextension through JUPYTER_PATH, as scripts/demo-lab.sh) serving each `--home` instance
(`--panel-on small|both` adds the guide's 5-artifact instance on the project's wheel, as the e2e tests).
Measured in the page, from the event's timestamp to the rows in the DOM and the next animation frame
painted: the first open after a fresh server start (per repetition a new server and browser), the open
after a warm-up page load, a page change at 500 rows per page and the last keystroke of a search to its
results, in the panel at its default width (the list) and widened (the table). Medians of
`--panel-repeats`.

Writes benchmarks/SIDEBAR.md (folded into RESULTS.md by registry_report.py) and appends the figures to
benchmarks/sidebar-results.jsonl.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
BIN = Path(sys.executable).parent
TOKEN = "lamin-sidebar-bench"

# the rows of the panel's list or table (whichever is shown)
ROWS = ".lamin-sidebar .lw-results-area > :not([hidden]) [data-id]"

PANEL_JS = """async ([timeoutMs, rowsSelector]) => {
  // pointerdown on the Lamin tab (recorded by the listener below) -> rows of the first page in the DOM,
  // then the next animation frame painted (a task after requestAnimationFrame: style, layout and paint
  // of that frame included)
  const t0 = window.__laminTabDown;
  const rows = () => document.querySelectorAll(rowsSelector).length;
  while (!rows()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('no rows');
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return [performance.now() - t0, rows()];
}"""

ARM_JS = """([rowsSelector]) => {
  // the rows already in the panel (none: nothing is rendered before the tab is clicked)
  window.__laminTabDown = undefined;
  const tab = document.querySelector('.jp-SideBar [data-id="lamin-sidebar"]');
  tab.addEventListener('pointerdown', () => { window.__laminTabDown ??= performance.now(); },
                       {capture: true, once: true});
  return document.querySelectorAll(rowsSelector).length;
}"""

# One interaction (a click, a keystroke) to its results painted, measured in the page: ARM_EVENT_JS notes
# the counters a component raises when it has rendered new results (the registry browser: `data-loaded`,
# a search box: `data-results`) and
# listens for the next event of a type; Playwright then clicks or types; WAIT_EVENT_JS waits for each
# counter to rise in turn (a MutationObserver, no polling delay), then for the next animation frame
# painted, and answers the times from the event's timestamp.
ARM_EVENT_JS = """([selector, counters, type]) => {
  const root = document.querySelector(selector);
  window.__lwBench = {t0: undefined, before: counters.map((c) => Number(root.dataset[c] || 0))};
  document.addEventListener(type, (e) => { window.__lwBench.t0 ??= e.timeStamp; },
                            {capture: true, once: true});
}"""

WAIT_EVENT_JS = """async ([selector, counters, rowsSelector, timeoutMs]) => {
  const root = document.querySelector(selector);
  const bench = window.__lwBench;
  const risen = (i) => Number(root.dataset[counters[i]] || 0) > bench.before[i];
  const painted = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const times = [];
  for (let i = 0; i < counters.length; i++) {
    if (!risen(i)) {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => { observer.disconnect(); reject(new Error('no results')); },
                                 timeoutMs);
        const observer = new MutationObserver(() => {
          if (!risen(i)) return;
          observer.disconnect();
          clearTimeout(timer);
          resolve();
        });
        observer.observe(root, {attributes: true});
      });
    }
    await painted();
    times.push(performance.now() - bench.t0);
  }
  return [times, root.querySelectorAll(rowsSelector).length];
}"""


def timed_event(page, selector: str, counters: list[str], rows: str, event: str, act) -> tuple[list, int]:
    """From the next `event` (pointerdown, keydown) that `act()` causes to the results painted, per counter:
    ([ms, ...], rows)."""
    page.evaluate(ARM_EVENT_JS, [selector, counters, event])
    act()
    return page.evaluate(WAIT_EVENT_JS, [selector, counters, rows, 60_000])


def wait_results(page, selector: str, counter: str, before: int) -> None:
    """Wait until the counter of `selector` rose above `before`, then let the page settle."""
    page.wait_for_function(
        "([s, c, b]) => Number(document.querySelector(s).dataset[c] || 0) > b",
        arg=[selector, counter, before],
    )
    page.wait_for_timeout(300)


def counter_of(page, selector: str, counter: str) -> int:
    return page.evaluate("([s, c]) => Number(document.querySelector(s).dataset[c] || 0)", [selector, counter])


def page_changes(page, browser: str, rows: str, repeats: int) -> dict:
    """Click "next page" `repeats` + 1 times (the first a warm-up) in the registry browser `browser`."""
    times, shown = [], 0
    for i in range(repeats + 1):
        button = page.locator(f"{browser} .lw-next")
        (elapsed,), shown = timed_event(page, browser, ["loaded"], rows, "pointerdown", button.click)
        if i:
            times.append(elapsed)
        page.wait_for_timeout(300)
    return {**stats(times), "rows": shown}


def keystrokes(page, root: str, counter: str, rows: str, texts: list[str], enter: bool) -> dict:
    """Per text: type all but its last character (then Enter when `enter`: the registry browser searches
    at once), wait for those results, then time the last keystroke (the debounce included) to its results
    painted. The first text is a warm-up."""
    times, shown = [], 0
    field = page.locator(f"{root} input[type=search]")
    for i, text in enumerate(texts):
        field.fill("")
        if enter:
            field.press("Enter")
        page.wait_for_timeout(600)
        before = counter_of(page, root, counter)
        field.press_sequentially(text[:-1])
        if enter:
            field.press("Enter")
        wait_results(page, root, counter, before)
        page.wait_for_timeout(300)  # whatever the prefix still asked for has come back
        last = functools.partial(field.press, text[-1])
        (elapsed,), shown = timed_event(page, root, [counter], rows, "keydown", last)
        if i:
            times.append(elapsed)
    return {**stats(times), "rows": shown}


def search_texts(n: int, repeats: int) -> list[str]:
    """Keys of the workload (benchmarks/workload/spec.py: `.../sample_<i:07d><suffix>`), one per repeat."""
    return [f"sample_{(i * 7919 + 4242) % n:07d}" for i in range(repeats + 1)]


def machine() -> dict:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = round(kb / 2**20, 1)
    return {"cpu": cpu, "cpus": os.cpu_count(), "mem_gib": mem, "platform": platform.platform()}


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def stats(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "n": len(times)}


# --- REST ------------------------------------------------------------------------------------------


def build_instance(n: int) -> Path:
    """A lamin_core instance with `n` workload artifacts (runner.py --keep); its LAMIN_HOME."""
    before = set(Path(tempfile.gettempdir()).glob(f"workload-lamin_core-{n}-*"))
    out = Path(tempfile.mkdtemp(prefix="sidebar-populate-")) / "populate.jsonl"
    cmd = [sys.executable, str(HERE / "workload" / "runner.py"), "--impl", "lamin_core", "--n", str(n)]
    subprocess.run([*cmd, "--ops", "none", "--repeats", "1", "--keep", "--out", str(out)], check=True)
    (new,) = set(Path(tempfile.gettempdir()).glob(f"workload-lamin_core-{n}-*")) - before
    return new / "home" / ".lamin"


def post(base: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}{path}", data=data, method="POST" if data is not None else "GET")
    req.add_header("Authorization", f"token {TOKEN}")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@contextlib.contextmanager
def jupyter_server(home: Path, tmp: Path):
    """`jupyter server` on 127.0.0.1 serving the instance of `home` (LAMIN_HOME); stopped on exit."""
    from harness.local_servers import EXTENSION_ARG, free_port, jupyter_env, server_command, serving

    # runner.py's layout: HOME/.lamin is LAMIN_HOME, HOME is the settings dir
    env = jupyter_env(
        tmp,
        drop=("JUPYTER", "LAMIN"),
        LAMIN_HOME=str(home),
        LAMIN_SETTINGS_DIR=str(home.parent),
        HOME=str(home.parent),
    )
    cmd = [*server_command([BIN / "jupyter", "server"], free_port(), TOKEN, tmp), EXTENSION_ARG]
    with serving(cmd, env, tmp / "server.log", TOKEN) as base:
        yield base


def bench_rest(home: Path, repeats: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="lamin-sidebar-rest-"))
    results: dict[str, dict] = {}
    with jupyter_server(home, tmp) as base:
        status, body = post(base, "/lamin/api/instance")
        assert status == 200, body[:500]
        instance = json.loads(body)["result"]

        def rpc(method: str, accept: str | None = None, **params):
            def call():
                headers = {"Content-Type": "application/json"}
                if accept:
                    headers["Accept"] = accept
                status, raw = post(base, f"/lamin/api/rpc/{method}", {"params": params}, headers)
                assert status == 200, raw[:500]
                return raw

            return call

        arrow = "application/vnd.apache.arrow.stream"
        ops = {
            "page": ("POST rpc/page: 100 rows, order -created_at (JSON, Arrow page base64)", rpc(
                "page", registry="Artifact", order=["-created_at"], limit=100)),
            "page_arrow": ("POST rpc/page: 100 rows, order -created_at (raw Arrow stream)", rpc(
                "page", arrow, registry="Artifact", order=["-created_at"], limit=100)),
            "page_sidebar": ("POST rpc/page: 20 rows, default order (the sidebar's first page)", rpc(
                "page", registry="Artifact", order=[], limit=20)),
            "count": ("POST rpc/count: all artifacts", rpc("count", registry="Artifact")),
        }  # fmt: skip
        for key, (label, fn) in ops.items():
            raw = fn()  # warm-up
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t) * 1000)
            results[key] = {"label": label, **stats(times), "bytes": len(raw)}
            print(f"{label}: {results[key]['median']:.1f} ms", file=sys.stderr)
        count = json.loads(ops["count"][1]())["result"]["count"]
        page = json.loads(ops["page"][1]())
        import base64

        import pyarrow as pa

        table = pa.ipc.open_stream(base64.b64decode(page["buffers"][0])).read_all()
        assert table.num_rows == 100, table.num_rows
    return {"instance": instance, "count": count, "page_rows": table.num_rows, "ops": results}


# --- panel -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def checkout_lab(home: Path, tmp: Path):
    """JupyterLab (this venv) serving the instance of `home`, with the checkout's built labextension and
    widget bundles (the labextension found through JUPYTER_PATH, as scripts/demo-lab.sh), and Chromium;
    yields harness.lab's `Lab` (its notebooks get a kernel of this venv on the same instance)."""
    from harness.lab import CHROME_ARGS, CHROMIUM, Lab
    from harness.lab import TOKEN as LAB_TOKEN
    from harness.local_servers import EXTENSION_ARG, LAB_ARGS, free_port, jupyter_env, server_command, serving
    from playwright.sync_api import sync_playwright

    data = tmp / "ext"
    (data / "labextensions").mkdir(parents=True)
    (data / "labextensions" / "lamin-widgets").symlink_to(ROOT / "lamin_widgets" / "labextension")
    env = jupyter_env(
        tmp,
        lab=True,
        drop=("JUPYTER", "LAMIN"),
        LAMIN_HOME=str(home),
        LAMIN_SETTINGS_DIR=str(home.parent),
        HOME=str(home.parent),
        JUPYTER_PATH=f"{data}{os.pathsep}{Path(sys.prefix) / 'share' / 'jupyter'}",
    )
    root = tmp / "root"
    root.mkdir()
    cmd = [
        *server_command([BIN / "jupyter", "lab"], free_port(), LAB_TOKEN, root),
        *LAB_ARGS,
        "--LabApp.expose_app_in_browser=True",
        EXTENSION_ARG,
    ]
    with (
        serving(cmd, env, tmp / "jupyter.log", LAB_TOKEN, timeout=120, interval=0.2) as base,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
        try:
            yield Lab(base, root, browser, Path(sys.prefix))
        finally:
            browser.close()


@contextlib.contextmanager
def wheel_lab(tmp: Path):
    """The e2e tests' JupyterLab (`harness.lab.running_lab`: the project's wheel) on the guide's instance."""
    from harness.lab import running_lab

    with running_lab(tmp) as lab:
        yield lab


def open_panel(lab, workspace: str, settle_ms: int = 500):
    """A new page on a fresh workspace, the Lamin panel opened by a click on its tab: (page, ms, rows)."""
    from harness.lab import TOKEN as LAB_TOKEN

    page = lab.browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(f"{lab.base}/lab/workspaces/{workspace}?token={LAB_TOKEN}&reset")
    page.wait_for_function("() => document.body.dataset.laminSidebar === 'activated'")
    tab = page.locator('.jp-SideBar [data-id="lamin-sidebar"]')
    tab.wait_for()
    page.wait_for_timeout(settle_ms)  # JupyterLab's own start-up work in the page done
    before = page.evaluate(ARM_JS, [ROWS])
    assert not before, f"rows in the panel before the click: {before}"
    tab.click()
    elapsed, rows = page.evaluate(PANEL_JS, [60_000, ROWS])
    return page, elapsed, rows


def bench_panel(repeats: int, home: Path | None) -> dict:
    """Panel open to first page after a warm-up page load; on the guide's small instance (wheel) or on
    `home` (the checkout)."""
    tmp = Path(tempfile.mkdtemp(prefix="lamin-sidebar-lab-"))
    times, rows = [], 0
    with checkout_lab(home, tmp) if home else wheel_lab(tmp) as lab:
        for i in range(repeats + 1):
            page, elapsed, rows = open_panel(lab, f"sidebar{i}")
            if i:  # the first load is the warm-up (server-side imports, caches)
                times.append(elapsed)
            page.close()
    return {**stats(times), "rows": rows, "instance": "home" if home else "small"}


def bench_first_open(repeats: int, home: Path) -> dict:
    """The first panel open after a fresh server start: per repeat a new JupyterLab and Chromium, the page
    loaded as soon as the server answers, the tab clicked once JupyterLab has started (the server's
    warm-up runs in the background meanwhile)."""
    times, rows, since_start = [], 0, []
    for i in range(repeats):
        tmp = Path(tempfile.mkdtemp(prefix="lamin-sidebar-first-"))
        t = time.perf_counter()
        with checkout_lab(home, tmp) as lab:
            page, elapsed, rows = open_panel(lab, f"first{i}")
            since_start.append((time.perf_counter() - t) * 1000)
            times.append(elapsed)
            page.close()
    return {**stats(times), "rows": rows, "click_after_start": stats(since_start)}


def bench_sidebar(repeats: int, home: Path, n: int) -> dict:
    """Page change at 500 rows per page and last keystroke to results, in the panel at its default width
    (the list) and widened to 600 px (the table)."""
    tmp = Path(tempfile.mkdtemp(prefix="lamin-sidebar-use-"))
    browser = ".lamin-sidebar .lw-browser"
    out = {}
    with checkout_lab(home, tmp) as lab:
        page, _, _ = open_panel(lab, "use")
        before = counter_of(page, browser, "loaded")
        page.locator(f"{browser} select.lw-pagesize").select_option("500")
        wait_results(page, browser, "loaded", before)
        for view in ("list", "table"):
            if view == "table":  # the panel widened by dragging its edge: the table from 400 px on
                handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
                box = handle.bounding_box()
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 300)
                page.mouse.down()
                page.mouse.move(box["x"] + 360, box["y"] + 300, steps=5)
                page.mouse.up()
                page.wait_for_function(f"() => document.querySelector('{browser}').dataset.view === 'table'")
            width = page.evaluate(f"() => document.querySelector('{browser}').getBoundingClientRect().width")
            out[f"page_{view}"] = {**page_changes(page, browser, ROWS, repeats), "width": round(width)}
            out[f"search_{view}"] = {
                **keystrokes(page, browser, "loaded", ROWS, search_texts(n, repeats), enter=True),
                "width": round(width),
            }
            page.locator(f"{browser} input[type=search]").fill("")
            page.keyboard.press("Enter")
            page.wait_for_timeout(500)
        page.close()
    return out


# --- report ----------------------------------------------------------------------------------------


def render(instances: list[dict], small: dict | None, meta: dict) -> str:
    m = meta["machine"]
    lines = [
        "# Sidebar benchmarks",
        "",
        f"Generated by `benchmarks/sidebar_bench.py` on {meta['ts'][:10]} ({m['cpu']}, {m['cpus']} cpus,"
        f" {m['mem_gib']} GiB, {m['platform']}; load avg {meta['load_before']} before, {meta['load_after']}"
        " after). Targets from issues 8 and 21. Medians, ms.",
        "",
    ]
    for inst in instances:
        rest = inst.get("rest")
        if not rest:
            continue
        lines += [
            f"## REST API at {inst['n']:,} artifacts",
            "",
            "A `jupyter server` with the `lamin_widgets.server` extension on a lamin_core SQLite instance"
            " (benchmarks/workload/runner.py), called over HTTP on 127.0.0.1 with the server's token"
            " (urllib, a new connection per request: a browser would keep one alive, so these err high): from"
            " the request sent to the answer read; after one warm-up.",
            "",
            "| request | median ms | min-max | n | answer bytes | target |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, r in rest["ops"].items():
            target = "≤ 60" if key == "page" else "-"
            lines.append(
                f"| {r['label']} | **{r['median']:.1f}** | {r['min']:.1f}-{r['max']:.1f} | {r['n']} |"
                f" {r['bytes']:,} | {target} |"
            )
        lines.append("")
    lines += [
        "## The panel in JupyterLab",
        "",
        "Headless Chromium (Playwright) on JupyterLab from the checkout (the labextension through"
        " JUPYTER_PATH, as scripts/demo-lab.sh), 1400x1000 px, a fresh workspace per page load. Measured in"
        " the page (`performance.now()` and the event's timestamp), from the pointerdown or keydown event to"
        " the results in the DOM and the next animation frame painted (a task after"
        " `requestAnimationFrame`, so the frame's style, layout and paint are included).",
        "",
        "- *first open after the server starts*: per repetition a new JupyterLab server and browser; the"
        " page is loaded as soon as the server answers and the Lamin tab clicked once JupyterLab has started"
        " (plus 500 ms); the server's warm-up (`_warm_up` in lamin_widgets/server/app.py) runs in the"
        " background from its start. The panel then asks for the instance, the registries with their counts,"
        " the schema, the first page (20 rows) and its count.",
        "- *open after a warm-up page load*: the same in one server, the first page load not counted.",
        '- *page change*: 500 rows per page, a click on "next page" (the first click not counted); the'
        " panel at its default width (the list: all 500 rows in the DOM, those out of view not laid out) and"
        " widened by dragging its edge (the table: the rows that fill its box at once, the others as it is"
        " scrolled; the measure ends with those painted).",
        "- *last keystroke*: a workload key (`sample_0004242`) typed but its last character, its results"
        " awaited, then the last keystroke to the new rows painted, the search's 60 ms debounce included"
        " (the first text not counted).",
        "",
        "| measure | artifacts | median ms | min-max | n | target |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "first_open": ("first open after the server starts (20 rows)", "≤ 300"),
        "panel": ("open after a warm-up page load (20 rows)", "≤ 1000"),
        "page_list": ("page change, 500 rows, list (panel {width} px)", "≤ 150"),
        "page_table": ("page change, 500 rows, table (panel {width} px)", "≤ 150"),
        "search_list": ("last keystroke to results, list (panel {width} px)", "≤ 150"),
        "search_table": ("last keystroke to results, table (panel {width} px)", "≤ 150"),
    }
    if small:
        lines.append(
            f"| open after a warm-up page load, the guide's instance on the project's wheel (e2e harness) | 5"
            f" | **{small['median']:.0f}** | {small['min']:.0f}-{small['max']:.0f} | {small['n']} | ≤ 1000 |"
        )
    for key, (label, target) in labels.items():
        for inst in instances:
            r = inst.get(key)
            if r:
                lines.append(
                    f"| {label.format(width=r.get('width'))} | {inst['n']:,} | **{r['median']:.0f}** |"
                    f" {r['min']:.0f}-{r['max']:.0f} | {r['n']} | {target} |"
                )
    lines.append("")
    return "\n".join(lines)


def instance_size(home: Path) -> int:
    """Artifacts in the SQLite instance of `home` (a workload instance: its database in the storage)."""
    import sqlite3

    settings = json.loads(next((home / "instances").glob("*.json")).read_text())
    path = Path(settings["storage"]) / ".lamindb" / "lamin.db"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute("SELECT count(*) FROM lamin_core_artifact").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="artifacts to build (without --home)")
    parser.add_argument(
        "--home",
        type=Path,
        action="append",
        help="LAMIN_HOME of an instance built by runner.py --keep (repeatable)",
    )
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--panel-repeats", type=int, default=5, help="browser repetitions (0: no browser)")
    parser.add_argument(
        "--panel-on", choices=["small", "home", "both"], default="home", help="instance(s) for the panel"
    )
    parser.add_argument("--skip-rest", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "SIDEBAR.md")
    parser.add_argument("--jsonl", type=Path, default=HERE / "sidebar-results.jsonl")
    args = parser.parse_args(argv)

    meta = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "machine": machine(),
        "python": platform.python_version(),
        "load_before": load(),
    }
    homes = [h.resolve() for h in args.home] if args.home else [build_instance(args.n)]
    instances, small = [], None
    repeats = args.panel_repeats
    if repeats and args.panel_on in ("small", "both"):
        small = bench_panel(repeats, None)
    for home in homes:
        inst: dict = {"home": str(home), "n": instance_size(home)}
        if not args.skip_rest:
            inst["rest"] = bench_rest(home, args.repeats)
        if repeats and args.panel_on in ("home", "both"):
            inst["first_open"] = bench_first_open(repeats, home)
            inst["panel"] = bench_panel(repeats, home)
            inst.update(bench_sidebar(repeats, home, inst["n"]))
        for key, r in inst.items():
            if isinstance(r, dict) and "median" in r:
                print(f"{inst['n']:,} artifacts, {key}: {r['median']:.0f} ms ({r['min']:.0f}-{r['max']:.0f})",
                      file=sys.stderr)  # fmt: skip
        instances.append(inst)
    meta["load_after"] = load()

    records = []
    for inst in instances:
        for key, r in (inst.get("rest") or {}).get("ops", {}).items():
            records.append(
                {
                    **meta,
                    "op": f"rest_{key}",
                    "artifacts": inst["n"],
                    "instance": inst["rest"]["instance"],
                    **r,
                }
            )
        for key, r in inst.items():
            if isinstance(r, dict) and "median" in r:
                records.append({**meta, "op": f"browser_{key}", "artifacts": inst["n"], **r})
    if small:
        records.append({**meta, "op": "browser_panel_small", "artifacts": 5, **small})
    with args.jsonl.open("a") as f:
        for rec in records:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
    args.out.write_text(render(instances, small, meta))
    print(f"wrote {args.out} and {args.jsonl}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
