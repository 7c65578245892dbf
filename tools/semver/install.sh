#!/usr/bin/env bash
# Installs the two pinned tools of `cargo xtask diff` (idempotent; safe to run concurrently):
#   - cargo-semver-checks, the Rust API-surface diff, built once per machine into a cache
#     ($NRK_TOOLS_CACHE, default ~/.cache/nicerouter-kling/tools: the build takes about 20
#     minutes on two cores) and linked into target/tools/bin, where `cargo xtask diff` finds it;
#   - Redocly CLI, whose `diff` rates the spec change too, from package-lock.json into
#     tools/semver/node_modules (skipped when present; without node/npm it is left out and the
#     report says so).
#
# The pin follows the toolchain: cargo-semver-checks reads rustdoc's JSON, whose format changes
# with rustc; 0.51.0 reads the format rustc 1.95 writes (v57).
set -euo pipefail

VERSION="0.51.0"
ROOT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)"
TOOLS="${NRK_TOOLS_CACHE:-$HOME/.cache/nicerouter-kling/tools}"
BIN="$TOOLS/bin/cargo-semver-checks"
LINK_DIR="$ROOT_DIR/target/tools/bin"

link() {
  mkdir -p "$LINK_DIR"
  ln -sf "$BIN" "$LINK_DIR/cargo-semver-checks"
}

installed_version() {
  [[ -x "$BIN" ]] && "$BIN" semver-checks --version 2>/dev/null | awk '{print $2}'
}

mkdir -p "$TOOLS"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/semver-install.lock"
  flock -w 3600 9 || { echo "semver: timed out waiting for another install.sh" >&2; exit 1; }
fi

SEMVER_DIR="$ROOT_DIR/tools/semver"
if [[ -x "$SEMVER_DIR/node_modules/.bin/redocly" ]]; then
  echo "redocly: up to date"
elif command -v npm >/dev/null 2>&1; then
  (cd "$SEMVER_DIR" && DO_NOT_TRACK=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "redocly: installed into tools/semver/node_modules"
else
  echo "redocly: npm is not installed; cargo xtask diff will run without Redocly's diff" >&2
fi

if [[ "$(installed_version || true)" == "$VERSION" ]]; then
  link
  echo "cargo-semver-checks $VERSION: up to date ($BIN)"
  exit 0
fi

start=$SECONDS
cargo install --locked --quiet --root "$TOOLS" "cargo-semver-checks@$VERSION"
link
echo "cargo-semver-checks $VERSION: installed into $TOOLS in $((SECONDS - start)) s"
