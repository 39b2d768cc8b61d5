"""The e2e tests' side of the JupyterLab harness (benchmarks/harness/lab.py): the pytest fixture behind
`lab`, screenshots, and the page actions the tests take (theme, panel width).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from harness.lab import CHROMIUM, running_lab

ROOT = Path(__file__).resolve().parents[2]
# screenshots of each widget: git-ignored by default; `make screenshots` writes the README's (docs/images/)
SHOTS = Path(os.environ.get("LAMIN_E2E_SHOTS", ROOT / "test-output" / "e2e"))


def lab_fixture(tmp_path_factory: pytest.TempPathFactory):
    """Generator behind the module fixture `lab`: the guide's instance on the tests' database."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    from conftest import new_database_url  # the tests' database: SQLite, or PostgreSQL in the second run

    with running_lab(tmp_path_factory.mktemp("e2e"), db=new_database_url()) as lab:
        yield lab


def shot(locator, name: str) -> None:
    """Save a screenshot of a widget or a page (`SHOTS/<name>.png`; `name` may have a folder)."""
    path = SHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(path))


THEME_JS = "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})"


def set_theme(page, theme: str) -> None:
    """Switch JupyterLab's theme (`JupyterLab Dark`, ...) and wait until it applies."""
    page.evaluate(THEME_JS, theme)
    page.wait_for_function("(theme) => document.body.dataset.jpThemeName === theme", arg=theme)
    page.wait_for_timeout(500)  # the theme's stylesheet settles


def widen_left_panel(page, by: int) -> None:
    """Drag the edge of the left sidebar `by` px to the right, as a user widening the Lamin panel."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + by, box["y"] + 300, steps=5)
    page.mouse.up()
