#!/usr/bin/env bash
# Benchmarks (numbers, not tests): `likeness bench` on the committed photos, and the same
# models in onnxruntime (Python, one thread) when it is installed. Results go in bench/README.md.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo build --release --bin likeness
log "likeness bench (tract, native, one thread)"
"$CARGO_TARGET_DIR/release/likeness" bench --runs "${RUNS:-20}" "$@"
if python3 -c 'import onnxruntime, numpy, PIL' 2>/dev/null; then
  log "onnxruntime (Python, one thread): tests/reference/bench.py"
  python3 tests/reference/bench.py
else
  log "skipping onnxruntime: pip install -r tests/reference/requirements.txt"
fi
