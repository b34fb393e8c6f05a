#!/usr/bin/env bash
# The live selfie capture in headless Chromium with a fake-device camera (tests/e2e/capture.test.mjs):
# videos generated from committed photos by examples/fake_camera.rs, the camera loop, the Rust
# guidance and capture session, CAMERA_DENIED, page hide, and the demo's <likeness-selfie-capture>
# step at phone and desktop sizes (screenshots in bench/out/e2e). Builds the package first unless
# CAPTURE_NO_BUILD=1. Prints node's test summary and a plain `N passed, N failed` line.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ensure_npm_deps
ensure_chromium
if [ "${CAPTURE_NO_BUILD:-0}" != 1 ]; then
  bash scripts/build_pkg.sh
fi
cargo build --quiet --release --example fake_camera

run_node_tests tests/e2e/capture.test.mjs
