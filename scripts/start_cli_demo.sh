#!/usr/bin/env bash
# The CLI's main job without a browser (`npm run compare-demo`): compare two bundled photos
# and print the seed 004 scan record.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo build --release --bin likeness
"$CARGO_TARGET_DIR/release/likeness" compare --reference demo-0001 \
  tests/fixtures/golden/obama_640x480.png tests/fixtures/golden/obama2.png
