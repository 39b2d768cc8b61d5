#!/usr/bin/env bash
# Creates the virtual environment VENV (default .venv) with PY (default python3), unless it has a python.
#
#   scripts/ensure-venv.sh [PY] [VENV]
#
# Debian's python3 cannot create one without the `python3-venv` package (no ensurepip), and a fresh
# Debian has no python3 at all: as root both are installed with apt-get; otherwise one line says what to
# install. A venv left half-made by a failed attempt is removed, so the next `make` tries again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-${PY:-python3}}
VENV=${2:-${VENV:-.venv}}

die() { echo "ensure-venv: $*" >&2; exit 1; }

[ -x "$VENV/bin/python" ] && exit 0

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    die "$1; install it (Debian/Ubuntu: sudo apt-get install $2), or run make with PY=<a python >= 3.11>"
  fi
  echo "ensure-venv: $1; installing $2" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086  # $2: a list of packages
  apt-get install -y -qq -o DPkg::Lock::Timeout=120 $2 >/dev/null
}

if ! command -v "$PY" >/dev/null; then
  [ "$PY" = python3 ] || die "$PY not found"
  apt_install "no python3" "python3 python3-venv"
fi
"$PY" -c 'import sys' 2>/dev/null || die "$PY does not run; run make with PY=<a python >= 3.11>"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "$PY is Python $("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])'); the package needs >= 3.11: run make with PY=python3.11 (or newer)"
if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
  version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ "$("$PY" -c 'import sys; print(sys.base_prefix)')" = /usr ]; then
    # Debian's: python3-venv for its default python3, python3.X-venv for another version
    package=python3-venv
    [ "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$version" ] ||
      package=python$version-venv
    apt_install "$PY cannot create virtual environments (no ensurepip)" "$package"
  fi
  "$PY" -c 'import ensurepip, venv' 2>/dev/null ||
    die "$PY cannot create virtual environments (no ensurepip); install its venv module or run make with PY=<another python>"
fi
"$PY" -m venv "$VENV" || { rm -rf "$VENV"; die "'$PY -m venv $VENV' failed"; }
