#!/usr/bin/env bash
# A newcomer's first app (tests/e2e/newcomer.test.mjs, issue 3): `npm pack` the built pkg/,
# `npm install` it into a blank app, the README's five lines, a correct scan record in Debian's
# headless Chromium — with no bundler, and bundled by Vite (installed from the npm registry into
# the throw-away app) — and the <likeness-selfie-capture> element from the same tarball with a
# fake-device camera (the video made by examples/fake_camera.rs). Builds pkg/ (scripts/build_pkg.sh) unless NEWCOMER_NO_BUILD=1.
# Prints node's test summary and a plain `N passed, N failed` line.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ensure_npm_deps
ensure_chromium
if [ "${NEWCOMER_NO_BUILD:-0}" != 1 ]; then
  bash scripts/build_pkg.sh
fi
cargo build --quiet --release --example fake_camera

run_node_tests tests/e2e/newcomer.test.mjs
