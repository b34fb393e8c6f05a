#!/usr/bin/env bash
# Load figure for the reference backend (server/): requests/s and latency percentiles of
# create (POST /v1/face-recognition, a fresh UUID each time) and get (GET .../{id} of existing
# ids), with wrk on loopback, against SQLite and (when available) PostgreSQL.
#
#   bash bench/backend/run.sh            # prints a Markdown table (also written to $OUT if set)
#
# Environment: DURATION (seconds per scenario, 12), THREADS (2), CONNECTIONS (16),
# SEED_IDS (1000), BACKENDS ("sqlite postgres"), OUT (a file for the table; none),
# LIKENESS_BENCH_PORT (18080; the next free port is used when taken).
# Only 127.0.0.1 is ever a target. The server, the temporary SQLite file and the temporary
# PostgreSQL cluster are stopped and deleted on exit, whatever happens.
# Needs wrk (Debian: apt-get install -y wrk; installed here when missing and run as root)
# and python3. PostgreSQL: Debian's server binaries under /usr/lib/postgresql/*/bin; when they
# are missing, the PostgreSQL run is skipped (this script does not install PostgreSQL).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$BENCH_DIR/../.." && pwd)"
export BENCH_DIR
DURATION="${DURATION:-12}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-16}"
SEED_IDS="${SEED_IDS:-1000}"
BACKENDS="${BACKENDS:-sqlite postgres}"
OUT="${OUT:-}"
TOKEN=secret
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/likeness/target}"

log() { printf '== %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing (Debian: apt-get install wrk)" >&2; exit 1
  fi
fi

log "building likeness-server (release)"
(cd "$ROOT" && cargo build --release -q -p likeness-server)
SERVER="$CARGO_TARGET_DIR/release/likeness-server"

TMP="$(mktemp -d /tmp/likeness-bench.XXXXXX)"
SERVER_PID=""
PG_BIN=""
PG_DIR=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  stop_server
  if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP" ${PG_DIR:+"$PG_DIR"}
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p="$1"
  for _ in $(seq 1 50); do port_free "$p" && { echo "$p"; return; }; p=$((p + 1)); done
  echo "no free port near $1" >&2; exit 1
}

BODY="$TMP/record.json"
BODY_EMB="$TMP/record-embeddings.json"
BODY_BYTES="$(python3 "$BENCH_DIR/make_record.py" body "$BODY")"
BODY_EMB_BYTES="$(python3 "$BENCH_DIR/make_record.py" body "$BODY_EMB" --embeddings)"

start_server() { # DATABASE_URL
  PORT="$(free_port "${LIKENESS_BENCH_PORT:-18080}")"
  URL="http://127.0.0.1:$PORT"
  LIKENESS_BACKEND_ADDR="127.0.0.1:$PORT" LIKENESS_DATABASE_URL="$1" \
    LIKENESS_TOKENS="bench:$TOKEN" "$SERVER" >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if python3 - "$URL/health" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=1).status == 200 else 1)
PY
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$TMP/server.log" >&2; echo "the server did not become healthy" >&2; exit 1
}

ROWS=()
scenario() { # BACKEND NAME WRK-SCRIPT ARGS...
  local backend="$1" name="$2" script="$3"; shift 3
  log "$backend: $name (${DURATION}s, $THREADS threads, $CONNECTIONS connections)"
  local out
  out="$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s --latency \
    -s "$BENCH_DIR/$script" "$URL" -- "$@")"
  printf '%s\n' "$out" >&2
  local r; r="$(printf '%s\n' "$out" | grep '^RESULT ' | sed 's/^RESULT //')"
  get() { printf '%s\n' "$r" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  ROWS+=("| $backend | $name | $(get rps) | $(get p50_ms) | $(get p90_ms) | $(get p99_ms) | $(get max_ms) | $(get requests) | $(get statuses) | $(get socket_errors) |")
}

run_backend() { # BACKEND DATABASE_URL
  local backend="$1"
  start_server "$2"
  log "$backend: seeding $SEED_IDS records for the GET run"
  python3 "$BENCH_DIR/make_record.py" seed "$URL" "$TOKEN" "$BODY" "$SEED_IDS"
  scenario "$backend" "create, ${BODY_BYTES} B record" create.lua "$BODY" "$TOKEN"
  scenario "$backend" "create, ${BODY_EMB_BYTES} B record (with embeddings)" create.lua "$BODY_EMB" "$TOKEN"
  scenario "$backend" "get by id" get.lua "$SEED_IDS" "$TOKEN"
  stop_server
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for backend in $BACKENDS; do
  case "$backend" in
    sqlite)
      run_backend "SQLite (WAL, synchronous=FULL)" "sqlite://$TMP/bench.db?mode=rwc" ;;
    postgres)
      PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
      if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        log "PostgreSQL server binaries not found: PostgreSQL skipped"; PG_BIN=""; continue
      fi
      # A directory of its own: as root, initdb and postgres run as the `postgres` user.
      PG_DIR="$(mktemp -d /tmp/likeness-bench-pg.XXXXXX)"
      if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR"; fi
      PG_PORT="$(free_port 54339)"
      log "PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT"
      as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null \
        || { cat "$PG_DIR/postgres.log" >&2; exit 1; }
      as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres likeness_bench
      PG_VERSION="$("$PG_BIN/postgres" --version | awk '{print $3}')"
      run_backend "PostgreSQL $PG_VERSION (fsync on, synchronous_commit on)" \
        "postgres://postgres@127.0.0.1:$PG_PORT/likeness_bench" ;;
    *) echo "unknown backend $backend" >&2; exit 1 ;;
  esac
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), nproc $(nproc), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
  echo "Load average (1/5/15 min): before $LOAD_BEFORE, after $LOAD_AFTER"
  echo "Generator: $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}'), $THREADS threads, $CONNECTIONS connections, ${DURATION}s per scenario, on the same machine (127.0.0.1)"
  echo
  echo "| database | scenario | requests/s | p50 ms | p90 ms | p99 ms | max ms | requests | statuses | socket errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|"
  printf '%s\n' "${ROWS[@]}"
} >"$TMP/table.md"
if [ -n "$OUT" ]; then mkdir -p "$(dirname "$OUT")"; cp "$TMP/table.md" "$OUT"; fi
cat "$TMP/table.md"
