#!/usr/bin/env bash
# JupyterLab on the demo instance (made by docs/demo.py), opened on its widget notebook, with the widgets
# and the Lamin sidebar.
#
#   scripts/demo-lab.sh [start [jupyter lab options]]
#                                 serve demo-instance/notebooks/ on 127.0.0.1:$DEMO_PORT (default 8888),
#                                 print the notebook's URL; Ctrl-C stops it (and its kernels)
#   scripts/demo-lab.sh stop      stop the demo server this checkout started, if it still runs
#   scripts/demo-lab.sh prepare   `stop`, then fail with one line if another program holds the port
#
# The notebook is trusted (signed) before the server starts. The settings of the instance
# (LAMIN_HOME=demo-instance/.lamin) and Jupyter's data (demo-instance/.jupyter-data: notebook signatures,
# workspaces, runtime files) stay inside demo-instance/, whatever LAMIN_HOME is exported. A venv with the
# editable install gets the checkout's built labextension; a venv with the wheel installed has its own.
# `start` records "pid port" in demo-instance/.demo-server, so `stop` (and `make clean`) end only the
# server this checkout started. Settings: DEMO_PORT, VENV (default .venv), LAMIN_DEMO_DIR (default
# demo-instance), DEMO_BROWSER=0/1 (open a browser: default when a display is present).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo=$(realpath -m "${LAMIN_DEMO_DIR:-$root/demo-instance}")
notebooks=$demo/notebooks
notebook=widgets-demo.ipynb
port=${DEMO_PORT:-8888}
venv=${VENV:-.venv}
python=$(realpath -ms "$venv/bin/python")  # -s: the venv's own path, not its base python
record=$demo/.demo-server

say() { echo "demo: $*" >&2; }

# The pid recorded by `start`, if that process still runs and is this demo's JupyterLab.
recorded_pid() {
  [ -f "$record" ] || return 1
  local pid
  read -r pid _ <"$record" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "--ServerApp.root_dir=$notebooks" || return 1
  echo "$pid"
}

stop() {
  local pid
  if pid=$(recorded_pid); then
    say "stopping the demo server (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
    [ ! -e "/proc/$pid" ] || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$record"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

prepare() {
  stop  # a demo server started earlier from this checkout (it would hold the port)
  if port_in_use "$port"; then
    say "port $port is in use by another program; choose another: make demo DEMO_PORT=8899"
    exit 1
  fi
}

start() {
  [ -x "$python" ] || { say "$venv/bin/python not found; run 'make venv'"; exit 1; }
  [ -f "$notebooks/$notebook" ] || { say "$notebooks/$notebook not found; run docs/demo.py first"; exit 1; }
  prepare
  local data=$demo/.jupyter-data
  mkdir -p "$data/labextensions"
  local labext="$data/labextensions/lamin-widgets"
  if [ -e "$venv/share/jupyter/labextensions/lamin-widgets/package.json" ]; then
    rm -f "$labext"  # the installed wheel's extension
  else
    ln -sfn "$root/lamin_widgets/labextension" "$labext"  # the editable install: the checkout's build
  fi
  export LAMIN_HOME=$demo/.lamin JUPYTER_DATA_DIR=$data JUPYTERLAB_WORKSPACES_DIR=$data/workspaces
  "$python" -m nbformat.sign --log-level=WARN "$notebooks/$notebook" >/dev/null
  local token url browser=--no-browser
  token=$("$python" -c 'import secrets; print(secrets.token_hex(24))')
  url="http://127.0.0.1:$port/lab/tree/$notebook?token=$token"
  if [ "${DEMO_BROWSER:-}" = 1 ] || { [ "${DEMO_BROWSER:-}" != 0 ] &&
    { [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ]; }; }; then
    browser=--ServerApp.open_browser=True
  fi
  # stdin from /dev/null: one Ctrl-C stops the server (no "Shutdown this Jupyter server?" prompt)
  "$python" -m jupyterlab "$browser" $([ "$(id -u)" = 0 ] && echo --allow-root) \
    --ip=127.0.0.1 --port="$port" --ServerApp.port_retries=0 --IdentityProvider.token="$token" \
    --ServerApp.root_dir="$notebooks" --LabApp.default_url="/lab/tree/$notebook" \
    --ServerApp.jpserver_extensions="{'lamin_widgets.server': True}" \
    --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate "$@" \
    </dev/null &
  local pid=$!
  echo "$pid $port" >"$record"
  trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$record"; exit 130' INT TERM
  trap 'kill -TERM $pid 2>/dev/null || true; rm -f "$record"' EXIT
  for _ in $(seq 600); do
    "$python" - "$port" "$token" 2>/dev/null <<'EOF' && break
import sys, urllib.request
port, token = sys.argv[1:3]
request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"})
urllib.request.urlopen(request, timeout=2)
EOF
    [ -e "/proc/$pid" ] || { wait "$pid" || true; say "JupyterLab exited; see its log above"; exit 1; }
    sleep 0.2
  done
  cat >&2 <<EOF

    The demo notebook (widgets-demo.ipynb, then Run > Run All Cells):

        $url

    Stop with Ctrl-C here (or 'make demo-stop' from the checkout).

EOF
  local rc=0
  wait "$pid" || rc=$?
  rm -f "$record"
  trap - EXIT
  exit "$rc"
}

case "${1:-start}" in
  start) shift || true; start "$@" ;;
  stop) stop ;;
  prepare) prepare ;;
  *) echo "usage: $0 [start|stop|prepare]" >&2; exit 2 ;;
esac
