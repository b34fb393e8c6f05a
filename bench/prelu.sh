#!/usr/bin/env bash
# Stock vs fused PRelu timing, natively and in wasm32-wasip1 (+simd128) under node's WASI.
# Results and method: bench/prelu.md. Usage: bench/prelu.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-1}
native_dir=${CARGO_TARGET_DIR:-$HOME/.cache/likeness/target}
wasi_dir=$HOME/.cache/likeness/target-wasi

CARGO_TARGET_DIR=$native_dir cargo build --release --example prelu_bench
rustup target add wasm32-wasip1 >/dev/null
CARGO_TARGET_DIR=$wasi_dir RUSTFLAGS="-C target-feature=+simd128" \
  cargo build --release --example prelu_bench --target wasm32-wasip1

native=$native_dir/release/examples/prelu_bench
wasm=$wasi_dir/wasm32-wasip1/release/examples/prelu_bench.wasm
for _ in $(seq "$repeats"); do
  for m in "fr_feature 1,3,112,112" "fr_liveness 1,3,128,128"; do
    set -- $m
    echo "native $1: $("$native" "models/$1.onnx" "$2" | tail -1)"
    echo "wasm   $1: $(node --experimental-wasi-unstable-preview1 --no-warnings \
      bench/wasi_run.mjs "$wasm" "models/$1.onnx" "$2" | tail -1)"
  done
done
