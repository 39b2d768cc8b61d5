"""Local servers for tests and benchmarks: free ports; Jupyter (server or Lab) on 127.0.0.1 in scratch dirs.

One place for what the REST tests (tests/server), the JupyterLab harness (lab.py, next to this file) and
the sidebar benchmark (benchmarks/sidebar_bench.py) all need: an environment whose Jupyter folders live in a
scratch directory (nothing read from or written to the user's own), a free port, the command line, and
a process that is waited for until `/api/status` answers and whose whole process group is stopped after.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

# Jupyter's folders, each a subfolder of the scratch directory
SERVER_DIRS = {"JUPYTER_CONFIG_DIR": "cfg", "JUPYTER_RUNTIME_DIR": "rt", "JUPYTER_DATA_DIR": "data"}
LAB_DIRS = {
    **SERVER_DIRS,
    "IPYTHONDIR": "ipy",
    "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
    "JUPYTERLAB_WORKSPACES_DIR": "lab-ws",
}
# JupyterLab without the news and update checks (no network, no toast over the widgets)
LAB_ARGS = ("--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
EXTENSION_ARG = '--ServerApp.jpserver_extensions={"lamin_widgets.server": True}'


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_env(tmp: Path, *, lab: bool = False, drop: Sequence[str] = ("JUPYTER",), **extra: str) -> dict:
    """This process's environment without variables starting with `drop`, Jupyter's folders under `tmp`.

    For JupyterLab (`lab=True`) also IPython's and JupyterLab's settings folders, with the notification
    settings that turn off "get notified about Jupyter news?".
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop))}
    for var, sub in (LAB_DIRS if lab else SERVER_DIRS).items():
        env[var] = str(tmp / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    if lab:
        notification = (
            tmp / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        )
        notification.parent.mkdir(parents=True, exist_ok=True)
        notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env.update(extra)
    return env


def server_command(program: Sequence[str | os.PathLike], port: int, token: str, root: Path) -> list[str]:
    """`program` (e.g. `[jupyter, "server"]` or `[python, "-m", "jupyterlab"]`) on 127.0.0.1:`port`."""
    return [
        *map(str, program), "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--allow-root", f"--ServerApp.root_dir={root}",
    ]  # fmt: skip


def is_serving(base: str, token: str) -> bool:
    """Whether the server at `base` answers `/api/status`."""
    req = urllib.request.Request(f"{base}/api/status", headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def serving(
    cmd: Sequence[str], env: dict, log_path: Path, token: str, timeout: float = 60, interval: float = 0.1
) -> Iterator[str]:
    """Start `cmd` (a `server_command`), yield its base URL once it serves; stop its process group after.

    Raises with the log's tail if the server exits or does not answer within `timeout` seconds.
    """
    port = next(arg.split("=", 1)[1] for arg in cmd if arg.startswith("--port="))
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            started = time.time()
            while not is_serving(base, token):
                if process.poll() is not None:
                    raise RuntimeError(f"{cmd[0]} exited: {log_path.read_text()[-3000:]}")
                if time.time() - started > timeout:
                    raise RuntimeError(
                        f"{cmd[0]} did not serve in {timeout:.0f} s: {log_path.read_text()[-3000:]}"
                    )
                time.sleep(interval)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
