#!/usr/bin/env bash
# Checks the package's hand-written TypeScript declarations (js/index.d.ts, shipped as
# pkg/index.d.ts) in strict mode: `tsc -p tests/types` type-checks tests/types/usage.ts, a small
# app using the API, including @ts-expect-error lines that misuse must trip. No output: noEmit.
# Installs typescript (the root package.json's devDependency) when it is missing.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ensure_npm_deps
log "tsc -p tests/types ($(node_modules/.bin/tsc --version))"
node_modules/.bin/tsc -p tests/types
echo "types: ok"
