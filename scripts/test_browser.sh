#!/usr/bin/env bash
# The browser tests: tests/wasm_golden.rs runs the full pipeline as wasm32 in real headless
# Chromium (wasm-bindgen-test + ChromeDriver) and matches the native golden fixtures.
# Installs what is missing: Debian's chromium + chromium-driver (when root), and the
# wasm-bindgen CLI (its test runner) of exactly Cargo.lock's version, cached in
# $HOME/.cache/likeness/tools. Extra arguments go to the test runner (e.g. --nocapture).
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ensure_wasm_target

ensure_chromium
ensure_wasm_bindgen

# The profile of pkg/ (Cargo.toml's wasm-release): the code under test is the code shipped, and
# tract is compiled for wasm32 once, not once per profile.
log "wasm32 in headless Chromium: tests/wasm_golden.rs (profile wasm-release)"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export WASM_BINDGEN_USE_BROWSER=1
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json"
# The default 20 s covers the whole suite; every model plus 13 photos take longer.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test --profile wasm-release --target wasm32-unknown-unknown --test wasm_golden -- "$@"
