"""Hatch build hook: build the widget front ends (npm + esbuild) into lamin_widgets/static/ when missing.

The built files are git-ignored and shipped in the wheel (`artifacts` in pyproject.toml). `make` builds
them before installing; this hook covers `pip wheel .` / `pip install .` from a clean checkout. Editable
installs without node only warn (the widgets then say how to build the front end).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _newest(paths) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        sources = root / "js" / "src"
        if not sources.is_dir():  # building from an sdist without js sources: static files must be there
            return
        static = root / "lamin_widgets" / "static"
        outputs = [static / f"{p.stem}.js" for p in (sources / "widgets").glob("*.ts")]
        inputs = [*sources.rglob("*.ts"), root / "package-lock.json", root / "js" / "build.mjs"]
        if outputs and all(p.is_file() for p in outputs) and _newest(outputs) >= _newest(inputs):
            return
        npm = shutil.which("npm")
        if npm is None:
            message = "npm not found: cannot build the widget front ends (lamin_widgets/static/)"
            if version == "editable":
                self.app.display_warning(message)
                return
            raise RuntimeError(message)
        if not (root / "node_modules" / ".package-lock.json").is_file():
            subprocess.run([npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=root, check=True)
        subprocess.run([npm, "run", "build"], cwd=root, check=True)
