#!/usr/bin/env bash
# Create .peer-venv (next to .venv, git-ignored) with LaminDB 2.12 + bionty for side-by-side runs:
#   benchmarks/setup-peer.sh && .venv/bin/python benchmarks/run.py --peer-python .peer-venv/bin/python
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${PEER_VENV:-$root/.peer-venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --upgrade --quiet pip
"$venv/bin/python" -m pip install --quiet 'lamindb==2.12.*' bionty
"$venv/bin/python" -c "import importlib.metadata as m; print('peer ready:', *(f'{d}=={m.version(d)}' for d in ('lamindb', 'bionty', 'lamindb_setup')))"
