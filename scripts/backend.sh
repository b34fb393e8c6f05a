#!/usr/bin/env bash
# The reference /v1/face-recognition backend (server/, issue 5): `npm run backend`.
# Configured by LIKENESS_BACKEND_ADDR, LIKENESS_DATABASE_URL, LIKENESS_TOKENS (server/README.md).
source "$(dirname "$0")/env.sh"
cd "$ROOT"
exec cargo run --release -p likeness-server -- "$@"
