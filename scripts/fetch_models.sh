#!/usr/bin/env bash
# Re-derives models/*.onnx from the vendor's npm tarball and verifies them against the
# manifest. The files are committed, so this is for audit: it proves where they came from.
source "$(dirname "$0")/env.sh"
pkg=$(node -e "const m=require('$ROOT/models/manifest.json').source; console.log(m.package+'@'+m.version)")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log "npm pack $pkg"
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
# The vendor's models only: card_finder is trained here (training/document), not in the tarball.
for f in $(node -e "const m=require('$ROOT/models/manifest.json').models; console.log(Object.values(m).filter(x=>!(x.source&&x.source.trained_here)).map(x=>x.file).join(' '))"); do
  if [ -f "$ROOT/models/$f" ] && ! cmp -s "$tmp/package/model/$f" "$ROOT/models/$f"; then
    echo "models/$f differs from the tarball's copy" >&2
    exit 1
  fi
  cp "$tmp/package/model/$f" "$ROOT/models/$f"
done
node "$ROOT/scripts/verify_models.mjs"
