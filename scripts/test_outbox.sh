#!/usr/bin/env bash
# The scan outbox end to end (tests/e2e/outbox.test.mjs, issue 5): the built pkg/ in Debian's
# headless Chromium posts scans to the real likeness-server binary (fresh SQLite file) through a
# fault-injecting proxy. Builds the server (cargo build --release -p likeness-server) and pkg/
# (scripts/build_pkg.sh) first, both idempotent; OUTBOX_NO_BUILD=1 skips that. Installs what is
# missing (playwright-core from npm, Debian's chromium when root).
# Prints node's test summary and a plain `N passed, N failed` line.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ensure_npm_deps
ensure_chromium
if [ "${OUTBOX_NO_BUILD:-0}" != 1 ]; then
  log "cargo build --release -p likeness-server"
  cargo build --release -p likeness-server
  bash scripts/build_pkg.sh
fi
export LIKENESS_SERVER_BIN="${LIKENESS_SERVER_BIN:-$CARGO_TARGET_DIR/release/likeness-server}"

run_node_tests tests/e2e/outbox.test.mjs
