#!/usr/bin/env bash
# The Playwright test of the demo page (tests/e2e/demo.test.mjs): Debian's headless Chromium
# (/usr/bin/chromium) drives www/ served from localhost with the built pkg/. playwright-core never
# downloads a browser. Installs what is missing: playwright-core (npm, the root devDependency)
# and Debian's chromium (when root). Builds the package first unless E2E_NO_BUILD=1.
# Prints node's test summary and a plain `N passed, N failed` line.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ensure_npm_deps
ensure_chromium
if [ "${E2E_NO_BUILD:-0}" != 1 ]; then
  bash scripts/build_pkg.sh
fi

run_node_tests tests/e2e/demo.test.mjs
