#!/usr/bin/env bash
# Runs the pytest suite against SQLite, PostgreSQL, or both (default), as separate pytest processes:
# one Django process holds one database configuration. Picks the database through LAMIN_TEST_DB.
#
#   scripts/test.sh [all|sqlite|postgres] [pytest args...]   (default args: tests)
#
# The PostgreSQL server is a throwaway one (scripts/pg-test-server.sh), stopped on every exit.
# Both runs happen even if the first fails; the exit code is non-zero if either failed.
# The packaging tests (tests/packaging: builds and fresh venvs) and the browser tests (tests/e2e: JupyterLab
# on a SQLite instance) do not depend on the database: with the default target, only the SQLite run has them.
# Settings: VENV (default .venv), PYTEST_FLAGS (default -q -p no:cacheprovider --durations=10).
set -euo pipefail
cd "$(dirname "$0")/.."

which=${1:-all}
shift || true
VENV=${VENV:-.venv}
read -r -a flags <<<"${PYTEST_FLAGS:--q -p no:cacheprovider --durations=10}"
# Extra args replace the default target `tests` (so `tests/core/test_x.py -k name` runs just that).
targets=("$@")
once=()
[ ${#targets[@]} -gt 0 ] || { targets=(tests); once=(--ignore=tests/packaging --ignore=tests/e2e); }
pytest=("$VENV/bin/pytest" "${flags[@]}" "${targets[@]}")
[ -x "$VENV/bin/pytest" ] || { echo "test.sh: $VENV/bin/pytest not found; run 'make venv'" >&2; exit 1; }

sqlite_rc=skipped
postgres_rc=skipped

run_sqlite() {
  echo "=== pytest on SQLite"
  sqlite_rc=0
  env -u LAMIN_TEST_DB "${pytest[@]}" || sqlite_rc=$?
}

run_postgres() {
  echo "=== pytest on PostgreSQL"
  trap 'bash scripts/pg-test-server.sh stop' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  bash scripts/pg-test-server.sh start
  postgres_rc=0
  LAMIN_TEST_DB=$(bash scripts/pg-test-server.sh url) "${pytest[@]}" "${once[@]}" || postgres_rc=$?
}

case "$which" in
  all) run_sqlite; run_postgres ;;
  sqlite) run_sqlite ;;
  postgres) run_postgres ;;
  *) echo "usage: $0 [all|sqlite|postgres] [pytest args...]" >&2; exit 2 ;;
esac

echo "=== pytest exit codes: sqlite=$sqlite_rc postgresql=$postgres_rc"
for rc in "$sqlite_rc" "$postgres_rc"; do
  [ "$rc" = 0 ] || [ "$rc" = skipped ] || exit 1
done
