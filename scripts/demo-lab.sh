#!/usr/bin/env bash
# Start JupyterLab on the demo instance (made by docs/demo.py) with the widgets and the Lamin sidebar.
# The checkout's built labextension is found through JUPYTER_PATH and the server extension is enabled on
# the command line, so the editable install needs no wheel. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data="$root/demo-instance/.jupyter-data"
mkdir -p "$data/labextensions"
ln -sfn "$root/lamin_widgets/labextension" "$data/labextensions/lamin-widgets"
export LAMIN_HOME="$root/demo-instance/.lamin"
export JUPYTER_PATH="$data${JUPYTER_PATH:+:$JUPYTER_PATH}"
exec "${VENV:-.venv}/bin/jupyter" lab --no-browser $([ "$(id -u)" = 0 ] && echo --allow-root) --ip=127.0.0.1 --port="${DEMO_PORT:-8888}" \
  --notebook-dir="$root/demo-instance" --ServerApp.jpserver_extensions="{'lamin_widgets.server': True}" \
  "$root/demo-instance/widgets-demo.ipynb"
