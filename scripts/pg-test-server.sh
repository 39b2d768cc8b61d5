#!/usr/bin/env bash
# Throwaway PostgreSQL server for the test suite (Debian, run as root).
#
#   scripts/pg-test-server.sh start    fresh server on 127.0.0.1:$LAMIN_PGPORT; waits until it is ready
#   scripts/pg-test-server.sh url      prints its connection URL
#   scripts/pg-test-server.sh status   exit 0 if it accepts connections
#   scripts/pg-test-server.sh restart  restarts the running server, keeping its data (clients are cut off)
#   scripts/pg-test-server.sh stop     stops it and removes its data
#   scripts/pg-test-server.sh stop-mine  stops the servers this checkout started (any port), not another's
#   scripts/pg-test-server.sh halt     stops it and keeps its data (for `resume`)
#   scripts/pg-test-server.sh resume   starts a halted server on its kept data (after `halt`, a kill or a reboot)
#
# `start` always begins from an empty cluster: a server left behind by an earlier run is stopped and
# its data removed first. Installs Debian's `postgresql` if no server binaries are found. `start` records
# the postmaster's pid in test-output/pg-test-server-$PORT.pid of this checkout, for `stop-mine`
# (`make clean`): a server on the same port that another checkout started since is left alone.
# Settings: LAMIN_PGPORT (default 54329), LAMIN_PGROOT (default /tmp/lamin-pgtest-$LAMIN_PGPORT),
# LAMIN_PGDURABLE=1: keep fsync and full-page writes on (a database that must outlive a crash or a
# reboot, such as benchmarks/workload/large.py's 10M one under /work/data; only the last commits can be
# lost, and that populate redoes them). The default turns them off: a test database is worthless after.
set -euo pipefail

PORT=${LAMIN_PGPORT:-54329}
ROOT=${LAMIN_PGROOT:-/tmp/lamin-pgtest-$PORT}
DATA=$ROOT/data
URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
MINE_DIR="$(cd "$(dirname "$0")/.." && pwd)/test-output"

die() { echo "pg-test-server: $*" >&2; exit 1; }

# Highest installed server version, e.g. /usr/lib/postgresql/15/bin; empty if none.
find_pgbin() {
  local dir
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)  # literal glob if none
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
}

ensure_server_installed() {
  PGBIN=$(find_pgbin)
  if [ -z "$PGBIN" ]; then
    echo "pg-test-server: installing Debian package postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq -o DPkg::Lock::Timeout=120 postgresql >/dev/null
    PGBIN=$(find_pgbin)
    [ -n "$PGBIN" ] || die "postgresql installed, but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
  fi
  id -u postgres >/dev/null 2>&1 || die "the 'postgres' OS user is missing (initdb refuses to run as root)"
}

# Run a PostgreSQL binary as the postgres user (initdb and postgres refuse root), from a directory
# that user can read.
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

accepts_connections() {
  if [ -x "${PGBIN:-}/pg_isready" ]; then
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
  fi
}

# Stop whatever server runs from our data dir (a stale one included), then remove the data.
stop_and_remove() {
  if [ -f "$DATA/postmaster.pid" ]; then
    local pid
    pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
    if [ -n "${PGBIN:-}" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m immediate -t 20 -w stop >/dev/null 2>&1 || true
    fi
    # pg_ctl could not stop it (other version, broken dir): end the postmaster listed in its pid file.
    if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "-D $DATA"; then
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
    fi
  fi
  rm -rf "$ROOT"
}

start() {
  ensure_server_installed
  stop_and_remove
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "another server already listens on 127.0.0.1:$PORT; stop it or set LAMIN_PGPORT"
  fi
  mkdir -p "$ROOT"
  chown postgres:postgres "$ROOT"
  chmod 700 "$ROOT"
  as_postgres "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$ROOT/initdb.log" 2>&1 || { cat "$ROOT/initdb.log" >&2; die "initdb failed"; }
  # Durability is worthless for a throwaway test database; these settings make writes much faster.
  local opts="-p $PORT -k $ROOT -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=200"
  if [ "${LAMIN_PGDURABLE:-0}" != 1 ]; then opts+=" -c fsync=off -c full_page_writes=off"; fi
  as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -o "$opts" -w -t 60 start >/dev/null \
    || { tail -n 30 "$ROOT/server.log" >&2 || true; die "server did not start (log: $ROOT/server.log)"; }
  for _ in $(seq 100); do
    if accepts_connections; then
      mkdir -p "$MINE_DIR"
      echo "$(head -n 1 "$DATA/postmaster.pid") $PORT $ROOT" >"$MINE_DIR/pg-test-server-$PORT.pid"
      return 0
    fi
    sleep 0.1
  done
  tail -n 30 "$ROOT/server.log" >&2 || true
  die "server started but does not accept connections on 127.0.0.1:$PORT"
}

# The servers this checkout started and that still run from the data dir it started them on.
stop_mine() {
  PGBIN=$(find_pgbin)
  local record pid port root
  for record in "$MINE_DIR"/pg-test-server-*.pid; do
    [ -f "$record" ] || continue
    read -r pid port root <"$record" || true
    if [ -n "$root" ] && [ "$(head -n 1 "$root/data/postmaster.pid" 2>/dev/null)" = "$pid" ]; then
      PORT=$port ROOT=$root DATA=$root/data stop_and_remove
    fi
    rm -f "$record"
  done
}

# Stop the server, keep its data.
halt() {
  PGBIN=$(find_pgbin)
  [ -f "$DATA/postmaster.pid" ] || return 0
  as_postgres "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 120 stop >/dev/null \
    || die "stop failed (log: $ROOT/server.log)"
}

# Start a server on the data a halted (or killed) one left, with the options it was started with.
resume() {
  ensure_server_installed
  [ -f "$DATA/PG_VERSION" ] || die "no cluster in $DATA; use start"
  accepts_connections && return 0
  # A postmaster that was killed leaves its pid file; it blocks a start while that pid lives on (as
  # a zombie where PID 1 reaps no orphans), so drop it unless a live process still serves this dir.
  local pid
  pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && ! grep -qs '^State:[[:space:]]*[RSDT]' "/proc/$pid/status"; then
    rm -f "$DATA/postmaster.pid" "$ROOT/.s.PGSQL.$PORT.lock"
  fi
  local opts
  opts=$(sed -n 's/^[^ ]* "-D" "[^"]*" //p' "$DATA/postmaster.opts" | tr -d '"')
  as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -o "$opts" -w -t 300 start >/dev/null \
    || { tail -n 30 "$ROOT/server.log" >&2 || true; die "server did not start (log: $ROOT/server.log)"; }
  for _ in $(seq 100); do accepts_connections && return 0; sleep 0.1; done
  die "server started but does not accept connections on 127.0.0.1:$PORT"
}

# Fast shutdown (open sessions are terminated, as in a real server restart), then start on the same data
# with the options it was started with (pg_ctl keeps them in postmaster.opts).
restart() {
  PGBIN=$(find_pgbin)
  [ -n "$PGBIN" ] || die "no PostgreSQL server binaries found"
  [ -f "$DATA/postmaster.pid" ] || die "no server runs from $DATA; use start"
  as_postgres "$PGBIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -m fast -w -t 60 restart >/dev/null \
    || { tail -n 30 "$ROOT/server.log" >&2 || true; die "restart failed (log: $ROOT/server.log)"; }
  for _ in $(seq 100); do accepts_connections && return 0; sleep 0.1; done
  die "server restarted but does not accept connections on 127.0.0.1:$PORT"
}

case "${1:-}" in
  start) start ;;
  restart) restart ;;
  halt) halt ;;
  resume) resume ;;
  stop) PGBIN=$(find_pgbin); stop_and_remove; rm -f "$MINE_DIR/pg-test-server-$PORT.pid" ;;
  stop-mine) stop_mine ;;
  url) echo "$URL" ;;
  status) PGBIN=$(find_pgbin); accepts_connections ;;
  *) echo "usage: $0 start|restart|stop|stop-mine|halt|resume|url|status" >&2; exit 2 ;;
esac
