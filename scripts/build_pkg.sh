#!/usr/bin/env bash
# Builds the npm package `likeness` into pkg/ (generated, git-ignored):
#
#   pkg/package.json            name, version (Cargo.toml's), ESM entry points, exports, files
#   pkg/index.js, index.d.ts    the public API and its TypeScript declarations (from js/)
#   pkg/worker.js               the Web Worker entry of Likeness.createWorker() (from js/)
#   pkg/outbox.js               the scan outbox (openOutbox), imported by index.js (from js/)
#   pkg/gallery.js              the IndexedDB face gallery (openGallery), imported by index.js (from js/)
#   pkg/capture.js              the live captures' camera loop (startSelfieCapture, startDocumentCapture) (from js/)
#   pkg/selfie-capture.js       the <likeness-selfie-capture> web component (+ .d.ts) (from js/)
#   pkg/document-capture.js     the <likeness-document-capture> web component (+ .d.ts) (from js/)
#   pkg/capture-element.js      what the two web components share (from js/)
#   pkg/core/likeness.js        `wasm-pack build --target web` glue of the Rust crate (+ .d.ts)
#   pkg/core/likeness_bg.wasm   the crate, profile wasm-release (Cargo.toml: sized), +simd128
#                               (.cargo/config.toml), no name/producers sections
#   pkg/core/likeness_relaxed_bg.wasm
#                               the same crate built with LIKENESS_RELAXED_SIMD=1 (build.rs): our
#                               matmul kernels use f32x4.relaxed_madd; index.js loads it instead
#                               where the engine validates relaxed SIMD. Both share one glue.
#   pkg/models/                 the models of models/manifest.json and the manifest
#
# Idempotent; installs what is missing (the wasm32 target, wasm-pack and the wasm-bindgen CLI of
# exactly Cargo.lock's version, cached in $HOME/.cache/likeness/tools; nothing else is downloaded).
# The package is assembled in target/pkg-staging and swapped in at the end, so a server running
# on pkg/ never sees half of it.
# Size (2026-12-01, see Cargo.toml's wasm-release profile and bench/web/results.md): the .wasm is
# 10.1 MB raw, 2.60 MB gzipped (was 16.3 / 3.75 MB with the release profile). No wasm-opt
# (off in Cargo.toml for wasm-pack): measured on this crate, `wasm-opt -Oz` (npm binaryen) did not
# shrink the gzipped .wasm and -O3 was no faster.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
ensure_wasm_target

ensure_wasm_bindgen
ensure_wasm_pack

STAGE="$ROOT/target/pkg-staging"
rm -rf "$STAGE"
mkdir -p "$STAGE/models"

# --no-pack: the package.json is ours (below), the glue goes to core/. (wasm-pack's "failed to get
# wasm-pack version" is its update check against the crates.io web API: harmless offline.)
log "wasm-pack build --target web --profile wasm-release (+simd128) -> pkg/core"
LIKENESS_RELAXED_SIMD=0 wasm-pack --log-level warn build --target web --profile wasm-release --no-pack --no-gitignore \
  --out-dir "$STAGE/core" --out-name likeness "$ROOT"
log "the same with LIKENESS_RELAXED_SIMD=1 (relaxed-SIMD kernels) -> pkg/core/likeness_relaxed_bg.wasm"
LIKENESS_RELAXED_SIMD=1 wasm-pack --log-level warn build --target web --profile wasm-release --no-pack --no-gitignore \
  --out-dir "$STAGE/relaxed" --out-name likeness "$ROOT"
# index.js instantiates either .wasm with the one glue: it must be the glue of both.
cmp -s "$STAGE/core/likeness.js" "$STAGE/relaxed/likeness.js" \
  || { echo "the relaxed build's JavaScript glue differs from the plain build's (see build.rs)" >&2; exit 1; }
mv "$STAGE/relaxed/likeness_bg.wasm" "$STAGE/core/likeness_relaxed_bg.wasm"
rm -rf "$STAGE/relaxed"

# The name section (2.4 MB raw, function names for stack traces) and the producers section:
# wasm-pack has no option for wasm-bindgen's --remove-name-section / --remove-producers-section,
# so they are dropped here, walking the module's sections.
node -e '
  const fs = require("fs");
  for (const file of process.argv.slice(1)) {
  const wasm = fs.readFileSync(file);
  const leb = (at) => {
    let value = 0, shift = 0, byte;
    do { byte = wasm[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return [value, at];
  };
  const keep = [wasm.subarray(0, 8)];
  for (let at = 8; at < wasm.length; ) {
    const [size, body] = leb(at + 1);
    const end = body + size;
    let name = null;
    if (wasm[at] === 0) {
      const [length, start] = leb(body);
      name = wasm.toString("utf8", start, start + length);
    }
    if (name !== "name" && name !== "producers") keep.push(wasm.subarray(at, end));
    at = end;
  }
  fs.writeFileSync(file, Buffer.concat(keep));
  }
' "$STAGE/core/likeness_bg.wasm" "$STAGE/core/likeness_relaxed_bg.wasm"

VERSION="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
sed "s/__LIKENESS_VERSION__/$VERSION/" js/index.js >"$STAGE/index.js"
cp js/index.d.ts js/worker.js js/outbox.js js/gallery.js js/capture.js js/selfie-capture.js js/selfie-capture.d.ts \
  js/capture-element.js js/document-capture.js js/document-capture.d.ts "$STAGE/"
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
      "./selfie-capture": { types: "./selfie-capture.d.ts", default: "./selfie-capture.js" },
      "./document-capture": { types: "./document-capture.d.ts", default: "./document-capture.js" },
      "./models/*": "./models/*",
    },
    files: ["index.js", "index.d.ts", "worker.js", "outbox.js", "gallery.js", "capture.js", "selfie-capture.js", "selfie-capture.d.ts",
      "capture-element.js", "document-capture.js", "document-capture.d.ts", "core/", "models/"],
    // Importing selfie-capture.js / document-capture.js registers the element: a bundler must keep it.
    sideEffects: ["./selfie-capture.js", "./document-capture.js"],
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

printf 'pkg/ built: likeness %s\n' "$VERSION"
for wasm in likeness_bg.wasm likeness_relaxed_bg.wasm; do
  RAW=$(wc -c <"$ROOT/pkg/core/$wasm")
  GZ=$(gzip -9 -c "$ROOT/pkg/core/$wasm" | wc -c)
  awk -v f="$wasm" -v raw="$RAW" -v gz="$GZ" 'BEGIN { printf "pkg/core/%s: %d bytes raw (%.2f MB), %d bytes gzip -9 (%.2f MB)\n", f, raw, raw / 1e6, gz, gz / 1e6 }'
done
