# Sourced by the other scripts: where builds go and the tools they need, installed if missing.
# Everything comes from the registries (crates.io, npm, Debian); nothing is downloaded from
# anywhere else, so it works on a machine whose only network is the package registries.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A target directory outside the clone: a warm machine does not rebuild tract from scratch.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/likeness/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# npm checks the registry for a newer npm and prints a notice when the process exits, which
# lands after the closing `N passed, N failed` line: not wanted in test logs.
export NPM_CONFIG_UPDATE_NOTIFIER=false

log() { printf '\n== %s\n' "$*" >&2; }

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# Debian's Chromium and its driver (one version, /usr/bin), installed when missing and root.
ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing chromium and chromium-driver (Debian)"
    # Another install running (unattended-upgrades, a parallel job) holds the dpkg lock: wait
    # for it (up to 15 minutes) instead of failing.
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq chromium chromium-driver
  else
    echo "error: chromium and chromedriver are needed: apt-get install chromium chromium-driver" >&2
    exit 1
  fi
}

# The root package.json's devDependencies (playwright-core, typescript; never a browser).
ensure_npm_deps() {
  if [ -f "$ROOT/node_modules/playwright-core/package.json" ] && [ -x "$ROOT/node_modules/.bin/tsc" ]; then return; fi
  log "installing the npm devDependencies"
  (cd "$ROOT" && npm install --no-audit --no-fund --ignore-scripts)
}

# The wasm-bindgen CLI (and its test runner) of exactly Cargo.lock's wasm-bindgen version, in
# $LIKENESS_TOOLS (default ~/.cache/likeness/tools), put first on PATH.
ensure_wasm_bindgen() {
  local tools="${LIKENESS_TOOLS:-$HOME/.cache/likeness/tools}" version
  export PATH="$tools/bin:$PATH"
  version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
  if [ -z "$version" ]; then
    echo "error: no wasm-bindgen in Cargo.lock" >&2
    exit 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" = "$version" ] &&
     command -v wasm-bindgen-test-runner >/dev/null; then
    return
  fi
  log "installing wasm-bindgen-cli $version into $tools (a few minutes, once)"
  # Not --locked: a version it pins is missing from the registry mirror. opt-level 1 halves the
  # build; the CLI is not on a hot path. Its own target dir: no lock on the main one.
  CARGO_TARGET_DIR="$tools/build" CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --no-default-features --force --root "$tools" wasm-bindgen-cli --version "$version"
  rm -rf "$tools/build"
}

# wasm-pack (pinned), from crates.io into $LIKENESS_TOOLS: npm's `wasm-pack` package downloads its
# binary from GitHub. It finds what it would otherwise download: the wasm-bindgen CLI of
# Cargo.lock's version on PATH (ensure_wasm_bindgen, called first), ChromeDriver on PATH or via
# --chromedriver; wasm-opt is off in Cargo.toml's [package.metadata.wasm-pack].
WASM_PACK_VERSION=0.15.1
ensure_wasm_pack() {
  local tools="${LIKENESS_TOOLS:-$HOME/.cache/likeness/tools}"
  export PATH="$tools/bin:$PATH"
  if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" = "$WASM_PACK_VERSION" ]; then return; fi
  log "installing wasm-pack $WASM_PACK_VERSION into $tools (about 2 minutes, once)"
  CARGO_TARGET_DIR="$tools/build-wasm-pack" CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked --force --root "$tools" wasm-pack --version "$WASM_PACK_VERSION"
  rm -rf "$tools/build-wasm-pack"
}

# Runs node's test runner on FILE, prints its spec output and a plain `N passed, N failed` line
# (cancelled tests count as failed), and returns non-zero on any failure.
run_node_tests() {
  local tap status=0 passed failed
  tap="$(mktemp)"
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$1" || status=$?
  passed="$(awk '/^# pass /  { print $3 }' "$tap")"
  failed="$(awk '/^# (fail|cancelled) / { n += $3 } END { print n + 0 }' "$tap")"
  rm -f "$tap"
  echo "${passed:-0} passed, ${failed:-0} failed"
  if [ "$status" = 0 ] && [ "${failed:-0}" != 0 ]; then status=1; fi
  return "$status"
}
