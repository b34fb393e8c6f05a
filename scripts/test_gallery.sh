#!/usr/bin/env bash
# The face gallery end to end (tests/e2e/gallery.test.mjs, issue 4): the built pkg/ in Debian's
# headless Chromium with real IndexedDB. Builds pkg/ (scripts/build_pkg.sh, idempotent) unless
# GALLERY_NO_BUILD=1. Installs what is missing (playwright-core from npm, Debian's chromium when
# root). Prints node's test summary and a plain `N passed, N failed` line.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ensure_npm_deps
ensure_chromium
if [ "${GALLERY_NO_BUILD:-0}" != 1 ]; then
  bash scripts/build_pkg.sh
fi

run_node_tests tests/e2e/gallery.test.mjs
