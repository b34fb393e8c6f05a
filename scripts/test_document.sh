#!/usr/bin/env bash
# The ID-document step in headless Chromium (tests/e2e/document.test.mjs): a fake-device camera
# playing a generated video of a card brought closer through startDocumentCapture and
# <likeness-document-capture>, the demo's document step by upload of a generated card photo
# (rectified card, portrait boxed, document-mode verdict), and analyzeDocument's typed errors.
# Cards and video come from examples/document_cards.rs. Builds the package first unless
# DOCUMENT_NO_BUILD=1. Prints node's test summary and a plain `N passed, N failed` line.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ensure_npm_deps
ensure_chromium
if [ "${DOCUMENT_NO_BUILD:-0}" != 1 ]; then
  bash scripts/build_pkg.sh
fi
cargo build --quiet --release --example document_cards

run_node_tests tests/e2e/document.test.mjs
