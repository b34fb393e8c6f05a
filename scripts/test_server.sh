#!/usr/bin/env bash
# The reference backend's tests (server/): on SQLite always, then on PostgreSQL.
#
# PostgreSQL: LIKENESS_TEST_POSTGRES_URL if set; otherwise a throw-away cluster on loopback
# (temporary data dir, port 54329 or the next free one), installing Debian's `postgresql`
# first when it is missing and we are root. The cluster is stopped and deleted on exit,
# whatever happens. Without PostgreSQL and without root the PostgreSQL run is skipped with a
# warning, unless LIKENESS_REQUIRE_POSTGRES=1 (then it fails).
source "$(dirname "$0")/env.sh"
cd "$ROOT"

log "server: tests on SQLite"
LIKENESS_TEST_POSTGRES_URL= cargo test --release -p likeness-server

if [ -n "${LIKENESS_TEST_POSTGRES_URL:-}" ]; then
  log "server: tests on PostgreSQL at the given LIKENESS_TEST_POSTGRES_URL"
  cargo test --release -p likeness-server
  exit 0
fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PG_BIN="$(pg_bin)"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "server: installing Debian's postgresql"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    PG_BIN="$(pg_bin)"
  fi
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  if [ "${LIKENESS_REQUIRE_POSTGRES:-0}" = 1 ]; then
    echo "PostgreSQL is not installed and cannot be (not root): the PostgreSQL run is required" >&2
    exit 1
  fi
  echo "WARNING: PostgreSQL is not installed and cannot be (not root): PostgreSQL run skipped" >&2
  exit 0
fi

PG_TMP="$(mktemp -d /tmp/likeness-pg.XXXXXX)"
# initdb and postgres refuse to run as root: as root, run them as the `postgres` user that
# Debian's package creates.
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$PG_TMP"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
cleanup() {
  if [ -f "$PG_TMP/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_TMP"
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PG_PORT="${LIKENESS_TEST_PG_PORT:-54329}"
for _ in $(seq 1 20); do port_free "$PG_PORT" && break; PG_PORT=$((PG_PORT + 1)); done

log "server: a temporary PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust --no-sync -E UTF8 >"$PG_TMP/initdb.log" 2>&1 \
  || { cat "$PG_TMP/initdb.log" >&2; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=off" start >/dev/null \
  || { cat "$PG_TMP/postgres.log" >&2; exit 1; }
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres likeness_test

log "server: tests on PostgreSQL"
LIKENESS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/likeness_test" \
  cargo test --release -p likeness-server
