"""Where `ln.track()` runs: the script or notebook file, its title and its imported packages.

Notebook path detection, first match wins (the returned *runner* says how the path was found):

1. ``path=`` passed to ``ln.track()``                                   -> runner ``"explicit"``
2. env ``LAMIN_NOTEBOOK_PATH`` in the kernel's environment              -> runner ``"headless"``
3. ``__vsc_ipynb_file__`` (set by VS Code's Jupyter extension)          -> runner ``"vscode"``
4. the kernel's parent process is a headless runner (``jupyter execute``, ``jupyter nbconvert
   --execute``, ``papermill``) with a ``.ipynb`` argument                 -> runner ``"headless"``
5. env ``JPY_SESSION_NAME``, which jupyter-server >= 2 (JupyterLab 4, Notebook 7) sets for every
   kernel it starts to the notebook's path                               -> runner ``"jupyter"``

Headless runners built on nbclient (as the tests are) start the kernel with an explicit
environment that names the notebook, e.g.::

    client = NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.execute(env={**os.environ, "LAMIN_NOTEBOOK_PATH": str(folder / "registries.ipynb")})

Step 4 comes before step 5 because ``JPY_SESSION_NAME`` is inherited: a headless run started from a
JupyterLab terminal or cell would otherwise be attributed to the notebook that started it.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import sys
from pathlib import Path

from ..errors import LaminError

NOTEBOOK_PATH_ENV = "LAMIN_NOTEBOOK_PATH"
# executables (basenames) and `python -m` modules that run notebooks without a server
_RUNNER_EXECUTABLES = ("jupyter-execute", "jupyter-nbconvert", "papermill")
_RUNNER_MODULES = ("nbconvert", "nbclient", "papermill")
_MAGIC = re.compile(r"^\s*[%!].*$", re.MULTILINE)
_HEADING = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


class NotebookPathError(LaminError):
    """The path of the running notebook cannot be found."""


def in_notebook_kernel() -> bool:
    """Whether this code runs in a Jupyter (ipykernel) kernel, as opposed to a script or terminal IPython."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None


def in_ipython() -> bool:
    """Whether an IPython shell (terminal or kernel) runs this code."""
    ipython = sys.modules.get("IPython")
    try:
        return ipython is not None and ipython.get_ipython() is not None
    except Exception:
        return False


def script_path() -> Path | None:
    """The file run as `__main__` (`python script.py`, `python -m pkg.mod`), or None (REPL, `-c`, IPython)."""
    if in_ipython():
        return None  # terminal IPython: __main__ and sys.argv name IPython, not the user's code
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if not file and sys.argv and sys.argv[0].endswith(".py"):
        file = sys.argv[0]
    if not file:
        return None
    path = Path(file)
    return path.resolve() if path.is_file() else None


def notebook_path(path: str | os.PathLike[str] | None = None) -> tuple[Path, str]:
    """(path of the running notebook, runner); see the module docstring for the order of the checks."""
    if path is not None:
        return _absolute(path), "explicit"
    env_path = os.environ.get(NOTEBOOK_PATH_ENV)
    if env_path:
        return _absolute(env_path), "headless"
    vscode = _vscode_path()
    if vscode is not None:
        return _absolute(vscode), "vscode"
    runner_path = headless_runner_path()
    if runner_path is not None:
        return runner_path, "headless"
    session = os.environ.get("JPY_SESSION_NAME")
    if session and session.endswith(".ipynb"):
        return _session_path(session), "jupyter"
    raise NotebookPathError(
        "failed to infer the notebook's path: pass it as `ln.track(..., path='my-notebook.ipynb')` or set "
        f"{NOTEBOOK_PATH_ENV} in the kernel's environment (JupyterLab/Notebook >= 7 set JPY_SESSION_NAME)"
    )


def _absolute(path: str | os.PathLike[str]) -> Path:
    result = Path(path).expanduser()
    return result if result.is_absolute() else Path.cwd() / result


def _vscode_path() -> str | None:
    main = sys.modules.get("__main__")
    found = getattr(main, "__vsc_ipynb_file__", None)
    if found:
        return found
    try:
        shell = sys.modules["IPython"].get_ipython()
        return shell.user_ns.get("__vsc_ipynb_file__") if shell is not None else None
    except Exception:
        return None


def _session_path(session: str) -> Path:
    """JPY_SESSION_NAME is absolute when the server knows the file name, else relative to its root."""
    path = Path(session)
    if path.is_absolute():
        return path
    # the kernel starts in the notebook's folder
    beside = Path.cwd() / path.name
    return beside if beside.is_file() else _absolute(path)


def _parent_process() -> tuple[list[str], Path | None]:
    """Command line and working directory of this process's parent ([] and None when unknown)."""
    ppid = os.getppid()
    try:
        import psutil  # optional: not a dependency; without it the parent stays unknown

        parent = psutil.Process(ppid)
        return parent.cmdline(), Path(parent.cwd())
    except Exception:
        pass
    try:
        raw = Path(f"/proc/{ppid}/cmdline").read_bytes()
        cwd = Path(os.readlink(f"/proc/{ppid}/cwd"))
        return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg], cwd
    except OSError:
        return [], None


def is_headless_runner(cmdline: list[str]) -> bool:
    """Whether a command line runs notebooks without a server (jupyter execute/nbconvert, papermill)."""
    names = [os.path.basename(arg) for arg in cmdline]
    for i, name in enumerate(names):
        if name in _RUNNER_EXECUTABLES:
            return True
        following = names[i + 1] if i + 1 < len(names) else ""
        if name == "jupyter" and following in ("execute", "nbconvert"):
            return True
        if name == "-m" and following in _RUNNER_MODULES:
            return True
    return False


def headless_runner_path() -> Path | None:
    """The first `.ipynb` argument of the parent process if that process is a headless runner."""
    cmdline, cwd = _parent_process()
    if not is_headless_runner(cmdline):
        return None
    for arg in cmdline:
        if arg.endswith(".ipynb"):
            path = Path(arg).expanduser()
            if not path.is_absolute() and cwd is not None:
                path = cwd / path
            return path
    return None


def read_notebook(path: Path) -> dict | None:
    """The notebook's JSON, or None when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_title(notebook: dict) -> str | None:
    """The first level-1 Markdown heading (`# Title`) of the notebook's markdown cells, or None."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        in_fence = False
        for line in _source(cell).splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                continue
            match = None if in_fence else _HEADING.match(line)
            if match:
                title = html.unescape(match.group(1)).strip()
                if title:
                    return title
    return None


def notebook_imports(notebook: dict) -> list[str]:
    """Top-level packages the notebook's code cells import, as sorted `name==version` strings.

    Standard-library and private modules, and modules without a known version (local files), are left
    out. The name is the distribution's (``import yaml`` -> ``PyYAML``) where one is known, else the
    module's with its ``__version__``.
    """
    modules: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or "import" not in (source := _source(cell)):
            continue
        modules |= _imported_modules(_MAGIC.sub("", source))
    pinned: set[str] = set()
    for module in modules:
        if module in sys.stdlib_module_names or module.startswith("_"):
            continue
        pinned |= _pin(module)
    return sorted(pinned, key=str.lower)


def _imported_modules(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        found = re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", source, flags=re.MULTILINE)
        return set(found)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


_distributions: dict[str, list[str]] | None = None


def _pin(module: str) -> set[str]:
    """`dist==version` for a top-level module; empty when no version is known."""
    global _distributions
    from importlib import metadata  # ~10 ms to import: only when requirements are pinned

    try:
        return {f"{module}=={metadata.version(module)}"}
    except metadata.PackageNotFoundError:
        pass
    except Exception:
        return set()
    if _distributions is None:
        try:
            _distributions = metadata.packages_distributions()
        except Exception:
            _distributions = {}
    pinned = set()
    for dist in _distributions.get(module, []):
        try:
            pinned.add(f"{dist}=={metadata.version(dist)}")
        except Exception:
            continue
    if pinned:
        return pinned
    version = getattr(sys.modules.get(module), "__version__", None)
    return {f"{module}=={version}"} if isinstance(version, str) else set()
