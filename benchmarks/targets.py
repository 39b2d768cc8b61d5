"""Implementations under test: which python, which settings env, and a shared instance fixture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Settings variables of either implementation; cleared so the caller's own instance never leaks in.
SETTINGS_VARS = ("LAMIN_HOME", "LAMIN_SETTINGS_DIR", "LAMIN_CURRENT_INSTANCE", "LAMIN_ENV")
# start-up is timed as an installed package starts, from bytecode (pip compiles it at install): with this
# set, every process would compile the source trees again
NOT_PASSED = (*SETTINGS_VARS, "PYTHONDONTWRITEBYTECODE")
SUBPROCESS_TIMEOUT_S = 300


class BenchError(RuntimeError):
    """A measured command failed; the message carries the command and its output tail."""


@dataclass(frozen=True)
class Sandbox:
    """A throw-away user: its own home/settings dir, a working dir and a storage location."""

    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def storage(self) -> Path:
        return self.root / "s"

    @classmethod
    def create(cls, parent: Path, prefix: str) -> Sandbox:
        """Make an empty sandbox under ``parent`` (the working dir is not the home dir: LaminDB 2.x
        refuses to init with cwd == $HOME)."""
        box = cls(Path(tempfile.mkdtemp(prefix=prefix, dir=parent)))
        box.home.mkdir()
        box.work.mkdir()
        return box


def run_checked(
    cmd: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; raise BenchError with the output tail unless it exits 0."""
    try:
        proc = subprocess.run(
            cmd, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"{' '.join(cmd)}: {type(e).__name__}: {e}") from e
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip()[-1500:]
        raise BenchError(f"{' '.join(cmd)} exited {proc.returncode}: {tail}")
    return proc


@dataclass
class Target:
    """One implementation: ``lamin_core`` (this repo) or ``lamindb`` (the peer venv)."""

    impl: str
    python: Path
    module: str
    dists: tuple[str, ...]
    scratch: Path
    extra_pythonpath: str | None = None
    label: str | None = None  # how results name it when it is not plainly ``impl`` (an earlier commit's)
    _instance: Sandbox | None = field(default=None, repr=False)
    _bionty_instance: Sandbox | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The ``impl`` of its result lines: ``lamin_core``, ``lamindb`` or ``lamin_core@<sha>``."""
        return self.label or self.impl

    @property
    def lamin(self) -> Path:
        """The command-line script of this target's venv: ``lamin-core``, or lamin-cli's ``lamin``."""
        return self.python.parent / ("lamin-core" if self.impl == "lamin_core" else "lamin")

    def env(self, box: Sandbox) -> dict[str, str]:
        """Environment isolating all settings inside ``box``: HOME plus the impl's settings variable."""
        env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED}
        env["HOME"] = str(box.home)
        if self.impl == "lamin_core":
            env["LAMIN_HOME"] = str(box.home / ".lamin")
        else:
            env["LAMIN_SETTINGS_DIR"] = str(box.home)  # lamindb_setup keeps $LAMIN_SETTINGS_DIR/.lamin
        if self.extra_pythonpath:
            env["PYTHONPATH"] = self.extra_pythonpath
        env["NO_COLOR"] = "1"
        return env

    def sandbox(self, prefix: str) -> Sandbox:
        """A fresh empty sandbox inside this run's scratch dir."""
        return Sandbox.create(self.scratch, f"{self.name.replace('@', '-')}-{prefix}-")

    def init(self, box: Sandbox) -> list[str]:
        """The ``lamin init`` command line for ``box`` (run with ``cwd=box.work``, ``env=self.env(box)``)."""
        return [str(self.lamin), "init", "--storage", str(box.storage)]

    def instance(self) -> Sandbox:
        """A sandbox holding an initialized, current instance; created once per run and reused."""
        if self._instance is None:
            box = self.sandbox("instance")
            run_checked(self.init(box), self.env(box), box.work)
            self._instance = box
        return self._instance

    def bionty_instance(self) -> Sandbox:
        """A sandbox holding a current instance with the bionty module; created once per run and reused."""
        if self._bionty_instance is None:
            box = self.sandbox("bionty")
            run_checked([*self.init(box), "--modules", "bionty"], self.env(box), box.work)
            self._bionty_instance = box
        return self._bionty_instance

    def versions(self) -> dict[str, str]:
        """Python, SQLite and distribution versions as seen by this target's interpreter."""
        code = (
            "import importlib.metadata as m, json, platform, sqlite3\n"
            "def v(d):\n"
            "    try:\n"
            "        return m.version(d)\n"
            "    except m.PackageNotFoundError:\n"
            "        return None\n"
            f"out = {{d: v(d) for d in {list(self.dists)!r}}}\n"
            "out['python'] = platform.python_version()\n"
            "out['sqlite'] = sqlite3.sqlite_version\n"
            "print(json.dumps(out))\n"
        )
        try:
            proc = run_checked([str(self.python), "-c", code], dict(os.environ), self.scratch)
            return {k: v for k, v in json.loads(proc.stdout).items() if v is not None}
        except (BenchError, ValueError) as e:
            return {"error": str(e)[:300]}


def find_module_path(python: Path, module: str, cwd: Path) -> str | None:
    """Return None if ``module`` imports from a neutral cwd, else the repo root to put on PYTHONPATH.

    The package is normally installed (editable) into the venv; this only rescues a venv where it
    is not, so the import op still measures the real package.
    """
    spec = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    if subprocess.run([str(python), "-c", spec], cwd=cwd, capture_output=True).returncode == 0:
        return None
    repo = Path(__file__).resolve().parent.parent
    return str(repo) if (repo / module).is_dir() else None


def which_python(path: str) -> Path:
    """Resolve a ``--python``/``--peer-python`` argument without following venv symlinks."""
    found = shutil.which(path)
    if found is None:
        raise SystemExit(f"python not found: {path}")
    return Path(os.path.abspath(found))
