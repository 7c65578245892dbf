#!/usr/bin/env bash
# Installs the pinned contract tooling (idempotent):
#   - npm:  @stoplight/prism-cli + @stoplight/spectral-cli from package-lock.json -> node_modules/
#   - pip:  schemathesis + openapi-spec-validator from requirements.txt          -> .venv/
# Each side is (re)installed only when missing or when its stamp (hash of the lock/requirements
# file plus the interpreter version) no longer matches. Safe to run concurrently (flock).
set -euo pipefail
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(dirname -- "${BASH_SOURCE[0]}")/_common.sh"

command -v node >/dev/null 2>&1 || contract_die "node is not installed (need Node >= 20)"
command -v npm >/dev/null 2>&1 || contract_die "npm is not installed"
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || contract_die "$PYTHON is not installed (need Python >= 3.9 with venv)"

mkdir -p "$STATE_DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$STATE_DIR/install.lock"
  flock -w 600 9 || contract_die "timed out waiting for another install.sh"
fi

sha() { sha256sum "$1" | cut -d' ' -f1; }

LOG="$STATE_DIR/install.log"
: >"$LOG"

# --- npm side --------------------------------------------------------------------------------
npm_stamp_file="$CONTRACT_DIR/node_modules/.contract-install-stamp"
npm_want="lock=$(sha "$CONTRACT_DIR/package-lock.json") node=$(node --version)"
npm_state="up to date"
if [[ ! -f "$npm_stamp_file" || "$(cat "$npm_stamp_file")" != "$npm_want" \
      || ! -x "$NODE_BIN/prism" || ! -x "$NODE_BIN/spectral" ]]; then
  npm_state="installed"
  # --ignore-scripts: the only install script in the tree is @scarf/scarf's analytics ping.
  if ! (cd "$CONTRACT_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >>"$LOG" 2>&1; then
    cat "$LOG" >&2
    contract_die "npm ci failed (log above, also in $LOG)"
  fi
  printf '%s\n' "$npm_want" >"$npm_stamp_file"
fi

# --- Python side -----------------------------------------------------------------------------
venv_stamp_file="$VENV_DIR/.contract-install-stamp"
venv_want="req=$(sha "$CONTRACT_DIR/requirements.txt") python=$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
venv_state="up to date"
if [[ ! -f "$venv_stamp_file" || "$(cat "$venv_stamp_file")" != "$venv_want" \
      || ! -x "$VENV_BIN/schemathesis" || ! -x "$VENV_BIN/openapi-spec-validator" ]] \
   || ! "$VENV_BIN/python" -c '' >/dev/null 2>&1; then
  venv_state="installed"
  # Recreate from scratch so that a removed pin does not linger in an old venv.
  rm -rf "$VENV_DIR"
  if ! { "$PYTHON" -m venv "$VENV_DIR" \
         && "$VENV_BIN/python" -m pip install --quiet --requirement "$CONTRACT_DIR/requirements.txt"; } >>"$LOG" 2>&1; then
    cat "$LOG" >&2
    rm -rf "$VENV_DIR"
    contract_die "creating the venv failed (log above, also in $LOG)"
  fi
  printf '%s\n' "$venv_want" >"$venv_stamp_file"
fi

printf 'contract tools: npm %s (prism %s, spectral %s); venv %s (schemathesis %s, openapi-spec-validator %s)\n' \
  "$npm_state" \
  "$(node -p 'require(process.argv[1]).version' "$CONTRACT_DIR/node_modules/@stoplight/prism-cli/package.json")" \
  "$(node -p 'require(process.argv[1]).version' "$CONTRACT_DIR/node_modules/@stoplight/spectral-cli/package.json")" \
  "$venv_state" \
  "$("$VENV_BIN/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))')" \
  "$("$VENV_BIN/python" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))')"
