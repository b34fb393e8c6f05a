#!/usr/bin/env bash
# The main job (README: `npm start`): build the npm package into pkg/, then serve the repository
# on http://localhost:$PORT (8000 by default) and open the demo page at /www/ — pick a selfie and
# an ID-document photo there. The page imports /pkg/index.js exactly as an app would.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
PORT="${PORT:-8000}"

bash scripts/build_pkg.sh

log "serving $ROOT — open http://localhost:$PORT/www/ (Ctrl-C stops)"
echo "Likeness demo: http://localhost:$PORT/www/"
PORT="$PORT" exec node scripts/serve.mjs
