#!/usr/bin/env bash
# The browser tests: `wasm-pack test --headless --chrome` runs tests/wasm_golden.rs, the full
# pipeline as wasm32 in real headless Chromium (wasm-bindgen-test + ChromeDriver), against the
# native golden fixtures, and tests/wasm_kernels.rs, our matmul kernels — once for the plain-SIMD
# build and once for the relaxed-SIMD one. Installs what is missing: Debian's chromium + chromium-driver (when
# root), wasm-pack and the wasm-bindgen CLI (its test runner) of exactly Cargo.lock's version,
# cached in $HOME/.cache/likeness/tools: wasm-pack downloads nothing. Extra arguments go to the
# test runner (e.g. --nocapture).
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ensure_wasm_target

ensure_chromium
ensure_wasm_bindgen
ensure_wasm_pack

# The profile of pkg/ (Cargo.toml's wasm-release): the code under test is the code shipped, and
# tract is compiled for wasm32 once, not once per profile. `wasm-pack test` has --release but no
# --profile: the profile goes to cargo with the other cargo arguments.
# In the browser even for a suite without `wasm_bindgen_test_configure!(run_in_browser)`, which
# `wasm-pack test --chrome` would otherwise skip.
export WASM_BINDGEN_USE_BROWSER=1
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/webdriver.json"
# The default 20 s covers the whole suite; every model plus 13 photos take longer.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
# Both builds the package ships (scripts/build_pkg.sh): the plain-SIMD core and the relaxed-SIMD
# one (build.rs), each against the goldens, with our matmul kernels (tests/wasm_kernels.rs).
for relaxed in 0 1; do
  log "wasm-pack test --headless --chrome: LIKENESS_RELAXED_SIMD=$relaxed, tests/wasm_golden.rs + tests/wasm_kernels.rs"
  LIKENESS_RELAXED_SIMD=$relaxed wasm-pack --log-level warn test --headless --chrome --chromedriver "$(command -v chromedriver)" \
    -- --profile wasm-release --test wasm_golden --test wasm_kernels -- "$@"
done
