"""Sidebar benchmarks (issue 8): the REST API at N artifacts, and panel open to first page in JupyterLab.

    .venv/bin/python benchmarks/sidebar_bench.py [--n 1000000] [--home DIR] [--repeats 20] [--panel-repeats 5]

REST: a `jupyter server` (this venv, the `lamin_widgets.server` extension enabled on the command line,
token auth) serves a lamin_core SQLite instance with N artifacts built by benchmarks/workload/runner.py
(`--keep`; or `--home` = the `LAMIN_HOME` of one built earlier, e.g. `/tmp/workload-lamin_core-1000000-*/
home/.lamin`). Timed with urllib from this process, a new TCP connection per request (a browser
would keep one alive, so this errs high): POST /lamin/api/rpc/page (100 rows, -created_at, the JSON
answer with the Arrow IPC page base64-encoded, as the sidebar asks for it; and the raw Arrow stream), the
sidebar's own first request (20 rows, default order), and the total `count` separately. Median of
`--repeats` after one warm-up, ms.

Panel: headless Debian Chromium through Playwright (tests/e2e/lab_harness.py), on JupyterLab from the
project's wheel with the guide's 5-artifact instance (the e2e harness) and on JupyterLab from the checkout
(the labextension through JUPYTER_PATH, as scripts/demo-lab.sh) with the REST benchmark's instance
(`--panel-on small|home|both`); per page load a fresh workspace, then from the pointerdown on
the Lamin tab in the left sidebar to the first page's rows in the DOM and the next animation frame
(`performance.now()` in the page). Median of `--panel-repeats` page loads.

Writes benchmarks/SIDEBAR.md (folded into RESULTS.md by registry_report.py) and appends the figures to
benchmarks/sidebar-results.jsonl.
"""

from __future__ import annotations

import argparse
import contextlib
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
# the tests' Jupyter process helpers and e2e harness
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

PANEL_JS = """async ([timeoutMs]) => {
  // pointerdown on the Lamin tab (recorded by the listener below) -> rows of the first page in the DOM,
  // then the next animation frame (painted)
  const t0 = window.__laminTabDown;
  const rows = () => document.querySelectorAll('.lamin-sidebar tbody tr[data-id]').length;
  while (!rows()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('no rows');
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => requestAnimationFrame(() => r()));
  return [performance.now() - t0, rows()];
}"""

ARM_JS = """() => {
  // the rows already in the panel (none: nothing is rendered before the tab is clicked)
  window.__laminTabDown = undefined;
  const tab = document.querySelector('.jp-SideBar [data-id="lamin-sidebar"]');
  tab.addEventListener('pointerdown', () => { window.__laminTabDown ??= performance.now(); },
                       {capture: true, once: true});
  return document.querySelectorAll('.lamin-sidebar tbody tr[data-id]').length;
}"""


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
    from local_servers import EXTENSION_ARG, free_port, jupyter_env, server_command, serving

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
    """JupyterLab (this venv) serving the instance of `home`, with the checkout's built labextension found
    through JUPYTER_PATH (as scripts/demo-lab.sh), and Chromium; yields `(base, token, browser)`."""
    from lab_harness import CHROME_ARGS, CHROMIUM
    from local_servers import EXTENSION_ARG, LAB_ARGS, free_port, jupyter_env, server_command, serving
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
    cmd = [*server_command([BIN / "jupyter", "lab"], free_port(), TOKEN, root), *LAB_ARGS, EXTENSION_ARG]
    with (
        serving(cmd, env, tmp / "jupyter.log", TOKEN, timeout=120, interval=0.2) as base,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
        try:
            yield base, TOKEN, browser
        finally:
            browser.close()


@contextlib.contextmanager
def wheel_lab(tmp: Path):
    """The e2e tests' JupyterLab (the project's wheel) on the guide's small instance."""
    from lab_harness import TOKEN as LAB_TOKEN
    from lab_harness import running_lab

    with running_lab(tmp) as lab:
        yield lab.base, LAB_TOKEN, lab.browser


def bench_panel(repeats: int, home: Path | None) -> dict:
    """Panel open to first page; on the guide's small instance (wheel) or on `home` (the checkout)."""
    tmp = Path(tempfile.mkdtemp(prefix="lamin-sidebar-lab-"))
    times, wall, rows, before = [], [], 0, []
    with checkout_lab(home, tmp) if home else wheel_lab(tmp) as (base, token, browser):
        for i in range(repeats + 1):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{base}/lab/workspaces/sidebar{i}?token={token}&reset")
            page.wait_for_function("() => document.body.dataset.laminSidebar === 'activated'")
            tab = page.locator('.jp-SideBar [data-id="lamin-sidebar"]')
            tab.wait_for()
            page.wait_for_timeout(500)  # let the page settle (no competing start-up work)
            before.append(page.evaluate(ARM_JS))
            t = time.perf_counter()
            tab.click()
            elapsed, rows = page.evaluate(PANEL_JS, [60_000])
            if i:  # the first load is the warm-up (server-side imports, caches)
                times.append(elapsed)
                wall.append((time.perf_counter() - t) * 1000)
            page.close()
    assert not any(before), f"rows in the panel before the click: {before}"
    return {**stats(times), "wall": stats(wall), "rows": rows, "instance": "home" if home else "small"}


# --- report ----------------------------------------------------------------------------------------


def render(rest: dict | None, panels: dict[str, dict], meta: dict) -> str:
    m = meta["machine"]
    lines = [
        "# Sidebar benchmarks",
        "",
        f"Generated by `benchmarks/sidebar_bench.py` on {meta['ts'][:10]} ({m['cpu']}, {m['cpus']} cpus,"
        f" {m['mem_gib']} GiB, {m['platform']}; load avg {meta['load_before']} before, {meta['load_after']}"
        " after). Targets from issue 8. Medians after a warm-up, ms.",
        "",
    ]
    if rest:
        lines += [
            f"## REST API at {rest['count']:,} artifacts",
            "",
            "A `jupyter server` with the `lamin_widgets.server` extension on a lamin_core SQLite instance"
            " (benchmarks/workload/runner.py), called over HTTP on 127.0.0.1 with the server's token"
            " (urllib, a new connection per request: a browser would keep one alive, so these err high): from"
            " the request sent to the answer read.",
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
        "## Panel open to first page in JupyterLab",
        "",
        "Headless Chromium (Playwright), per page load a fresh workspace; from the pointerdown on the Lamin"
        " tab of the left sidebar to the first page's rows in the DOM and the next animation frame,"
        " measured in the page (`performance.now()`). Opening, the panel fetches the instance, the"
        " registries with their counts, the first page (20 rows, the default) and its count over REST."
        " The first page load is a warm-up.",
        "",
        "| instance | JupyterLab | median ms | min-max | n | target |",
        "|---|---|---:|---:|---:|---:|",
    ]
    if not panels:
        lines.append("| - | not measured on this run | - | - | - | ≤ 1000 |")
    for p in panels.values():
        lines.append(
            f"| {p['where']} | {p['lab']} | **{p['median']:.0f}** | {p['min']:.0f}-{p['max']:.0f} |"
            f" {p['n']} | ≤ 1000 |"
        )
    if panels:
        lines += [
            "",
            "Click to the rows seen from Playwright (the test process, outside the page): "
            + "; ".join(f"{p['where']}: median {p['wall']['median']:.0f} ms" for p in panels.values())
            + ".",
        ]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="artifacts to build (without --home)")
    parser.add_argument("--home", type=Path, help="LAMIN_HOME of an instance built by runner.py --keep")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--panel-repeats", type=int, default=5, help="page loads (0: skip the panel)")
    parser.add_argument(
        "--panel-on", choices=["small", "home", "both"], default="both", help="instance(s) for the panel"
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
    rest = home = None
    if not args.skip_rest:
        home = args.home.resolve() if args.home else build_instance(args.n)
        rest = bench_rest(home, args.repeats)
        meta["load_after_rest"] = load()
    panels: dict[str, dict] = {}
    if args.panel_repeats and args.panel_on in ("small", "both"):
        panels["small"] = bench_panel(args.panel_repeats, None)
        panels["small"].update(where="the guide's (5 artifacts)", lab="the project's wheel (e2e harness)")
    if args.panel_repeats and args.panel_on in ("home", "both"):
        if home is None:
            home = args.home.resolve() if args.home else build_instance(args.n)
        panels["home"] = bench_panel(args.panel_repeats, home)
        n = f"{rest['count']:,} artifacts" if rest else str(home)
        panels["home"].update(
            where=f"the REST benchmark's ({n})", lab="the checkout (as scripts/demo-lab.sh)"
        )
    for p in panels.values():
        print(f"panel open -> first page, {p['where']}: {p['median']:.0f} ms", file=sys.stderr)
    meta["load_after"] = load()

    records = []
    if rest:
        for key, r in rest["ops"].items():
            records.append(
                {**meta, "op": f"rest_{key}", "n": rest["count"], "instance": rest["instance"], **r}
            )
    for key, p in panels.items():
        records.append({**meta, "op": f"panel_open_first_page_{key}", **p})
    with args.jsonl.open("a") as f:
        for rec in records:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
    args.out.write_text(render(rest, panels, meta))
    print(f"wrote {args.out} and {args.jsonl}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
