#!/usr/bin/env bash
# Installs the Debian packages the tests need, if any is missing (one `apt-get update`, only then).
# CI runs on a fresh machine as root, so `make test` calls this before anything else.
set -euo pipefail

# Debian packages the test suite needs. Add to this list, nowhere else.
SYSTEM_TEST_PACKAGES=(
  postgresql # server for the second pytest run (scripts/pg-test-server.sh)
  chromium   # headless browser of the widget end-to-end tests (tests/e2e, driven by Playwright)
)

missing=()
for pkg in "${SYSTEM_TEST_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ensure-system-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-system-deps: need root to install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${missing[@]}" >/dev/null
