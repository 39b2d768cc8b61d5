"""Helpers of the packaging tests: commands outside the dev venv, fresh venvs, a PATH without node.

Everything runs outside the dev venv: a copy of the work tree as a fresh clone has it (tracked and new
files, no node_modules, no built front ends), built by `python -m build` from a venv of its own with pip's
build isolation; the dev venv's folder is removed from PATH for every command. Packages come from PyPI
through pip's cache (`~/.cache/pip`), so a second run downloads nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_TOOLS = {"node", "nodejs", "npm", "npx", "corepack"}
# wall times of the installs, printed in the summary (tests/conftest.py) and quoted in the README
TIMINGS: dict[str, float] = {}


def clean_env(path: list[str] | None = None, **extra: str) -> dict[str, str]:
    """The environment without the dev venv (PATH, VIRTUAL_ENV) and with `extra` set."""
    dev_bin = str(Path(sys.executable).parent)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")
    }
    dirs = (
        path if path is not None else [d for d in env.get("PATH", "").split(os.pathsep) if d and d != dev_bin]
    )
    env["PATH"] = os.pathsep.join(dirs)
    env.update(extra)
    return env


def sh(args: list, what: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run a command (output captured as text; fails the test with its output); time it as `what`."""
    kwargs.setdefault("env", clean_env())
    start = time.perf_counter()
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kwargs)
    if what:
        TIMINGS[what] = time.perf_counter() - start
    assert result.returncode == 0, f"{args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def base_python() -> str:
    """A Python that is not the dev venv's (the one the dev venv was made from)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def new_venv(path: Path) -> Path:
    """A fresh virtual environment; returns its folder."""
    sh([base_python(), "-m", "venv", path])
    return path


def pip(venv: Path, *args, what: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`pip install ...` in a venv (quiet; pip's cache on; no bytecode compiled ahead)."""
    # --no-compile: no .pyc for all of JupyterLab's dependencies up front (a third of the install time here)
    command = [
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "--no-compile",
    ]
    command += list(args)
    return sh(command, what, env=env or clean_env())


def path_without_node(folder: Path) -> list[str]:
    """PATH entries with every tool of the current PATH except node and npm (links in `folder`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in clean_env()["PATH"].split(os.pathsep):
        if not Path(entry).is_dir():
            continue
        for tool in Path(entry).iterdir():
            link = folder / tool.name
            if tool.name not in NODE_TOOLS and not link.exists() and not link.is_symlink():
                link.symlink_to(tool)
    return [str(folder)]


def copy_work_tree(root: Path, target: Path) -> Path:
    """The work tree as a fresh clone has it: tracked and new (not ignored) files only."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
