#!/usr/bin/env bash
# The JavaScript package end to end: builds pkg/ (scripts/build_pkg.sh), checks the TypeScript
# declarations in strict mode (scripts/check_types.sh), then runs tests/browser/pkg.test.mjs:
# the built package on a bare page in Debian's headless Chromium (playwright-core, no browser
# download). Installs what is missing (npm devDependencies, Debian's chromium when root).
# Prints one line per check and a final plain `N passed, N failed`. JS_NO_BUILD=1 skips the build.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

ensure_npm_deps
ensure_chromium

if [ "${JS_NO_BUILD:-0}" != 1 ]; then
  bash scripts/build_pkg.sh
fi
bash scripts/check_types.sh

log "the package in headless Chromium: tests/browser/pkg.test.mjs"
node tests/browser/pkg.test.mjs
