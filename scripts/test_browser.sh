#!/usr/bin/env bash
# The browser tests: tests/wasm_golden.rs runs the full pipeline as wasm32 in real headless
# Chromium (wasm-bindgen-test + ChromeDriver) and matches the native golden fixtures.
# Installs what is missing: Debian's chromium + chromium-driver (when root), and the
# wasm-bindgen CLI (its test runner) of exactly Cargo.lock's version, cached in
# $HOME/.cache/likeness/tools. Extra arguments go to the test runner (e.g. --nocapture).
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ensure_wasm_target

TOOLS="${LIKENESS_TOOLS:-$HOME/.cache/likeness/tools}"
export PATH="$TOOLS/bin:$PATH"

# Chromium and its driver from Debian (same version, found at /usr/bin by the driver).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing chromium and chromium-driver (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  else
    echo "error: chromium and chromedriver are needed: apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi

# The wasm-bindgen CLI must be the very version of the wasm-bindgen crate in Cargo.lock.
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$WB_VERSION" ]; then
  echo "error: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ] ||
   ! command -v wasm-bindgen-test-runner >/dev/null; then
  log "installing wasm-bindgen-cli $WB_VERSION into $TOOLS (a few minutes, once)"
  # Not --locked: a version it pins is missing from the registry mirror. opt-level 1 halves
  # the build; the runner is not on a hot path. Its own target dir: no lock on the main one.
  CARGO_TARGET_DIR="$TOOLS/build" CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --no-default-features --force --root "$TOOLS" wasm-bindgen-cli --version "$WB_VERSION"
  rm -rf "$TOOLS/build"
fi

log "wasm32 in headless Chromium: tests/wasm_golden.rs (release: tract unoptimised is far too slow)"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export WASM_BINDGEN_USE_BROWSER=1
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json"
# The default 20 s covers the whole suite; every model plus 13 photos take longer.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test --release --target wasm32-unknown-unknown --test wasm_golden -- "$@"
