#!/usr/bin/env bash
# Builds the npm package `likeness` into pkg/ (generated, git-ignored):
#
#   pkg/package.json            name, version (Cargo.toml's), ESM entry points, exports, files
#   pkg/index.js, index.d.ts    the public API and its TypeScript declarations (from js/)
#   pkg/worker.js               the Web Worker entry of Likeness.createWorker() (from js/)
#   pkg/outbox.js               the scan outbox (openOutbox), imported by index.js (from js/)
#   pkg/core/likeness.js        wasm-bindgen --target web glue of the Rust crate
#   pkg/core/likeness_bg.wasm   the crate, profile wasm-release (Cargo.toml: fat LTO, sized), +simd128
#                               (.cargo/config.toml), no name/producers sections
#   pkg/models/                 the models of models/manifest.json and the manifest
#
# Idempotent; installs what is missing (the wasm32 target, the wasm-bindgen CLI of exactly
# Cargo.lock's version, cached in $HOME/.cache/likeness/tools). The package is assembled in
# target/pkg-staging and swapped in at the end, so a server running on pkg/ never sees half of it.
# Size (2026-12-01, Cargo.toml's wasm-release profile, bench/web/results.md): the .wasm is
# 10.1 MB raw, 2.60 MB gzipped (16.3 / 3.75 MB with the release profile).
# No wasm-opt: measured on this crate, `wasm-opt -Oz` (npm binaryen) does not
# shrink the gzipped .wasm below what wasm-bindgen's name/producers stripping gives, and -O3 is
# no faster.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ensure_wasm_target

ensure_wasm_bindgen

log "cargo build --profile wasm-release --lib --target wasm32-unknown-unknown (+simd128)"
# The cdylib's path comes from cargo's own report: target/.../wasm-release/likeness.wasm is also
# the name of the `likeness` binary built for wasm32 by `cargo test`, which may have overwritten it.
WASM="$(cargo build --profile wasm-release --lib --target wasm32-unknown-unknown --message-format=json-render-diagnostics |
  node -e '
    let out = "";
    require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
      try {
        const m = JSON.parse(l);
        if (m.reason === "compiler-artifact" && m.target.name === "likeness" && m.target.kind.includes("cdylib")) {
          out = m.filenames.find((f) => f.endsWith(".wasm")) || out;
        }
      } catch {}
    }).on("close", () => console.log(out));
  ')"
if [ -z "$WASM" ] || [ ! -f "$WASM" ]; then
  echo "error: cargo reported no likeness cdylib .wasm" >&2
  exit 1
fi

STAGE="$ROOT/target/pkg-staging"
rm -rf "$STAGE"
mkdir -p "$STAGE/core" "$STAGE/models"

log "wasm-bindgen $(wasm-bindgen --version | awk '{print $2}') --target web -> pkg/core"
wasm-bindgen --target web --remove-name-section --remove-producers-section \
  --out-dir "$STAGE/core" --out-name likeness "$WASM"


VERSION="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
sed "s/__LIKENESS_VERSION__/$VERSION/" js/index.js >"$STAGE/index.js"
cp js/index.d.ts js/worker.js js/outbox.js "$STAGE/"
[ -f js/README.md ] && cp js/README.md "$STAGE/README.md"

# The models the manifest lists (fr_pose, a measurement-only model, is not shipped) + the manifest.
node -e '
  const fs = require("fs");
  const [root, stage] = process.argv.slice(1);
  const manifest = JSON.parse(fs.readFileSync(`${root}/models/manifest.json`, "utf8"));
  for (const m of Object.values(manifest.models)) fs.copyFileSync(`${root}/models/${m.file}`, `${stage}/models/${m.file}`);
  fs.copyFileSync(`${root}/models/manifest.json`, `${stage}/models/manifest.json`);
' "$ROOT" "$STAGE"

node -e '
  const fs = require("fs");
  const [stage, version] = process.argv.slice(1);
  const pkg = {
    name: "likeness",
    version,
    description: "Client-side face SDK in WebAssembly: detection, 68 landmarks, capture quality, 512-D embeddings and selfie-to-ID-document matching, without sending an image anywhere.",
    license: "MIT",
    type: "module",
    main: "index.js",
    module: "index.js",
    types: "index.d.ts",
    exports: {
      ".": { types: "./index.d.ts", default: "./index.js" },
      "./worker": "./worker.js",
      "./models/*": "./models/*",
    },
    files: ["index.js", "index.d.ts", "worker.js", "outbox.js", "core/", "models/"],
    sideEffects: false,
    keywords: ["face", "face-recognition", "face-detection", "kyc", "webassembly", "wasm", "liveness"],
  };
  if (fs.existsSync(`${stage}/README.md`)) pkg.files.push("README.md");
  fs.writeFileSync(`${stage}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
' "$STAGE" "$VERSION"

# Swap the new package in.
rm -rf "$ROOT/target/pkg-old"
[ -d "$ROOT/pkg" ] && mv "$ROOT/pkg" "$ROOT/target/pkg-old"
mv "$STAGE" "$ROOT/pkg"
rm -rf "$ROOT/target/pkg-old"

RAW=$(wc -c <"$ROOT/pkg/core/likeness_bg.wasm")
GZ=$(gzip -9 -c "$ROOT/pkg/core/likeness_bg.wasm" | wc -c)
printf 'pkg/ built: likeness %s\n' "$VERSION"
awk -v raw="$RAW" -v gz="$GZ" 'BEGIN { printf "pkg/core/likeness_bg.wasm: %d bytes raw (%.2f MB), %d bytes gzip -9 (%.2f MB)\n", raw, raw / 1e6, gz, gz / 1e6 }'
