"""A real JupyterLab in headless Chromium, driven by Playwright: the e2e tests' and the benchmarks' harness.

`running_lab` builds the project's wheel, installs it (no dependencies) into a fresh virtual environment
whose other packages (JupyterLab, anywidget, Django, ...) come from the calling venv through a `.pth`
file, seeds the guide's instance (seed.py, next to this file), starts `jupyter lab` from that environment
and opens Debian's Chromium (`CHROMIUM`, default /usr/bin/chromium). Never `playwright install`. `Lab` and
`Notebook` drive any JupyterLab (benchmarks/sidebar_bench.py also serves the checkout's own).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

from harness.local_servers import LAB_ARGS, free_port, jupyter_env, server_command, serving

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "lamin-e2e"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
KERNEL_READY_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const sc = w && w.sessionContext;
  const k = sc && sc.session && sc.session.kernel;
  return !!(sc && sc.isReady && k && k.connectionStatus === "connected" && k.status === "idle");
}"""


def _wheel_env(tmp: Path) -> Path:
    """A venv with the project's wheel installed; everything else from this venv."""
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, ROOT],
        check=True,
    )
    (wheel,) = dist.glob("lamin_widgets-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", wheel], check=True)
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    # appended after the venv's own site-packages: the wheel's lamin_core/lamin_widgets win over the
    # editable install (whose .pth files are not processed from an appended path)
    (site / "zz_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


class Notebook:
    """One open notebook: run cells (with the kernel-ready race handled) and read outputs."""

    def __init__(self, lab: Lab, page, path: str):
        self.lab, self.page, self.path = lab, page, path
        self.cells = page.locator(".jp-NotebookPanel:visible .jp-Cell")

    def run(self, index: int, until, timeout: float = 30_000) -> None:
        """Run cell `index` and wait for `until` (a locator, or a callable returning one)."""
        cell = self.cells.nth(index)
        for attempt in range(3):
            cell.locator(".jp-InputArea-editor").click()
            self.page.keyboard.press("Escape")
            self.page.keyboard.press("Shift+Enter")
            target = until() if callable(until) else until
            try:
                target.first.wait_for(timeout=timeout)
                return
            except Exception:
                if attempt == 2:
                    raise
                self.page.wait_for_function(KERNEL_READY_JS, polling=100, timeout=30_000)

    def output(self, index: int, marker: str = "RESULT=") -> dict:
        """The JSON printed after `marker` by cell `index` (run first)."""
        out = self.cells.nth(index).locator(".jp-OutputArea-output").filter(has_text=marker)
        out.first.wait_for(timeout=30_000)
        text = out.first.inner_text()
        return json.loads(text.split(marker, 1)[1].strip().splitlines()[0])

    def widget(self, index: int):
        return self.cells.nth(index).locator(".lamin-widget")

    def close(self) -> None:
        self.page.close()
        for session in self.lab.api("/api/sessions"):
            if session.get("path") == self.path:
                self.lab.api(f"/api/sessions/{session['id']}", method="DELETE")


class Lab:
    """The running JupyterLab server and browser."""

    def __init__(self, base: str, root: Path, browser, venv: Path):
        self.base, self.root, self.browser, self.venv = base, root, browser, venv

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {TOKEN}"}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def notebook(self, name: str, cells: list[str]) -> Notebook:
        """Write a notebook with `cells`, open it in a new page, and wait for its kernel."""

        def cell(i, src):
            return {
                "id": f"c{i}",
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": src,
            }

        nb = {
            "cells": [cell(i, src) for i, src in enumerate(cells)],
            "metadata": {
                "kernelspec": {
                    "display_name": "Python 3 (ipykernel)",
                    "language": "python",
                    "name": "python3",
                },
                "language_info": {"name": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        (self.root / name).write_text(json.dumps(nb))
        page = self.browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        page.on("console", lambda m: m.type == "error" and print("console error:", m.text[:300]))
        # a workspace of its own: the notebooks of earlier tests are not restored next to it
        page.goto(f"{self.base}/lab/workspaces/{Path(name).stem}/tree/{name}?token={TOKEN}&reset")
        page.wait_for_selector(".jp-NotebookPanel:visible .jp-Cell .jp-InputArea-editor")
        page.wait_for_function(KERNEL_READY_JS, polling=100, timeout=60_000)
        return Notebook(self, page, name)


@contextlib.contextmanager
def running_lab(tmp: Path, db: str | None = None, bulk: int = 0):
    """JupyterLab (from the wheel's venv) on a seeded instance, and Chromium; `bulk` adds N artifacts."""
    from playwright.sync_api import sync_playwright

    venv = _wheel_env(tmp)
    home = tmp / "home"
    home.mkdir()
    (home / "user.json").write_text(
        json.dumps({"uid": "DzTjkKse", "handle": "testuser1", "name": "Test User1"})
    )
    env = jupyter_env(
        tmp,
        lab=True,
        drop=("JUPYTER", "LAMIN_TEST_DB"),
        LAMIN_HOME=str(home),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # front-end extensions (anywidget, the widget manager) of this venv
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
    )
    seed = [
        venv / "bin" / "python",
        Path(__file__).with_name("seed.py"),
        tmp / "storage",
        db or "",
        str(bulk),
    ]
    subprocess.run(seed, env=env, check=True, cwd=tmp)
    root = tmp / "root"
    root.mkdir()
    cmd = [
        *server_command([venv / "bin" / "python", "-m", "jupyterlab"], free_port(), TOKEN, root),
        *LAB_ARGS,
        "--LabApp.expose_app_in_browser=True",
    ]
    with serving(cmd, env, tmp / "jupyter.log", TOKEN, timeout=120, interval=0.2) as base:
        lab = Lab(base, root, None, venv)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS, headless=True)
            lab.browser = browser
            try:
                yield lab
            finally:
                browser.close()
