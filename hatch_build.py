"""Hatch build hook: build the front ends when missing or older than their sources.

- the widget front ends (npm + esbuild) into lamin_widgets/static/ (shipped inside the package,
  `artifacts` in pyproject.toml);
- the JupyterLab extension (JupyterLab's builder, `jupyter-builder build .`, on the esbuild bundle
  js/lib/labextension.js) into lamin_widgets/labextension/, shipped as the wheel's data files
  `share/jupyter/labextensions/lamin-widgets/` (added here, so editable installs need no build).

All built files are git-ignored. `make` builds them before installing; this hook covers `pip wheel .` /
`pip install .` from a clean checkout (with `--no-build-isolation`: JupyterLab's builder runs from the
environment's `jupyterlab`). Editable installs only build the widgets, and without npm only warn.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LABEXTENSION = "share/jupyter/labextensions/lamin-widgets"


def _newest(paths) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def _fresh(outputs: list[Path], inputs: list[Path]) -> bool:
    return bool(outputs) and all(p.is_file() for p in outputs) and _newest(outputs) >= _newest(inputs)


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        sources = root / "js" / "src"
        labextension = root / "lamin_widgets" / "labextension"
        if sources.is_dir():  # from an sdist without js sources, the built files must be there
            self._build(root, sources, labextension, editable=version == "editable")
        if version != "editable":
            if not (labextension / "package.json").is_file():
                raise RuntimeError(f"the JupyterLab extension is not built ({labextension})")
            build_data["shared_data"][str(labextension)] = LABEXTENSION
            build_data["shared_data"][str(root / "js" / "install.json")] = f"{LABEXTENSION}/install.json"

    def _build(self, root: Path, sources: Path, labextension: Path, editable: bool) -> None:
        static = root / "lamin_widgets" / "static"
        inputs = [*sources.rglob("*.ts"), root / "package-lock.json", root / "js" / "build.mjs"]
        outputs = [static / f"{p.stem}.js" for p in (sources / "widgets").glob("*.ts")]
        bundle = root / "js" / "lib" / "labextension.js"
        lab_outputs = [labextension / "package.json"]
        lab_inputs = [bundle, root / "package.json", root / "js" / "schema" / "plugin.json"]
        need_widgets = not _fresh([*outputs, bundle], inputs)
        need_lab = not editable and (need_widgets or not _fresh(lab_outputs, lab_inputs))
        if not (need_widgets or need_lab):
            return
        npm = shutil.which("npm")
        if npm is None:
            message = "npm not found: cannot build the front ends (lamin_widgets/static/, labextension/)"
            if editable:
                self.app.display_warning(message)
                return
            raise RuntimeError(message)
        if not (root / "node_modules" / ".package-lock.json").is_file():
            subprocess.run([npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=root, check=True)
        subprocess.run([npm, "run", "build"], cwd=root, check=True)
        if need_lab:
            builder = shutil.which("jupyter-builder", path=str(Path(sys.executable).parent)) or shutil.which(
                "jupyter-builder"
            )
            if builder is None:
                raise RuntimeError(
                    "jupyter-builder not found: install jupyterlab>=4.6 to build the extension"
                )
            subprocess.run([builder, "build", "."], cwd=root, check=True)
