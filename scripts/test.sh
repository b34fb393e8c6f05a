#!/usr/bin/env bash
# The one command that runs every test (README: `npm test`; CI: `.ci/run`).
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# Everything is also kept in a log, summed up in one closing `N passed, N failed` line.
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
exec > >(tee "$LOG") 2>&1
ensure_wasm_target

log "models: files match models/manifest.json"
node scripts/verify_models.mjs

log "native: unit, integration, CLI and doc tests (release build: tract is too slow unoptimised)"
cargo test --release --all-targets
cargo test --release --doc

log "wasm32-unknown-unknown +simd128: the core compiles for the browser"
cargo build --profile wasm-release --lib --target wasm32-unknown-unknown

log "wasm32 in real headless Chromium: the full pipeline against the goldens"
bash "$ROOT/scripts/test_browser.sh"

log "the npm package: build pkg/, strict TypeScript types, the API in headless Chromium"
bash "$ROOT/scripts/test_js.sh"

log "a newcomer's first app: npm install of the packed pkg/, plain and bundled by Vite"
NEWCOMER_NO_BUILD=1 bash "$ROOT/scripts/test_newcomer.sh"

log "the demo page end to end (Playwright)"
E2E_NO_BUILD=1 bash "$ROOT/scripts/test_e2e.sh"

log "the live selfie capture: a fake-device camera playing generated videos, the web component in the demo"
CAPTURE_NO_BUILD=1 bash "$ROOT/scripts/test_capture.sh"

log "the ID-document step: a card brought closer through a fake camera, the web component, the demo by upload"
DOCUMENT_NO_BUILD=1 bash "$ROOT/scripts/test_document.sh"

log "the reference backend (server/): SQLite, then a throw-away PostgreSQL on loopback"
bash "$ROOT/scripts/test_server.sh"

log "the face gallery end to end: IndexedDB in headless Chromium, two tabs, a crash mid-burst, quota"
GALLERY_NO_BUILD=1 bash "$ROOT/scripts/test_gallery.sh"

log "the scan outbox end to end: 50 scans through a down, flaky backend and a page reload"
bash "$ROOT/scripts/test_outbox.sh"

# One closing line over every runner above: cargo's `test result:` lines and the browser
# suites' own `N passed, N failed` lines.
awk '/^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
     END { printf "%d passed, %d failed\n", p, f }' "$LOG"
