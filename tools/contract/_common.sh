# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables below are used by the scripts that source this file
# Shared setup for the tools/contract/*.sh scripts. Source it; do not run it.
# Resolves paths from this file's own location, so the scripts work from any cwd
# (and outside a git checkout, e.g. an exported tarball).

CONTRACT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$CONTRACT_DIR/../.." && pwd -P)"
# The spec under test; override with KLING_SPEC=/path/to/other.yaml.
SPEC="${KLING_SPEC:-$REPO_ROOT/openapi/kling.yaml}"
# Everything the tools write at run time goes under target/ (gitignored).
STATE_DIR="$REPO_ROOT/target/contract"
NODE_BIN="$CONTRACT_DIR/node_modules/.bin"
VENV_DIR="$CONTRACT_DIR/.venv"
VENV_BIN="$VENV_DIR/bin"

# No telemetry, no update nags, no fund/audit chatter, nothing dialling out.
export SCARF_ANALYTICS=false
export DO_NOT_TRACK=1
export NPM_CONFIG_FUND=false
export NPM_CONFIG_AUDIT=false
export NPM_CONFIG_UPDATE_NOTIFIER=false
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
export PYTHONDONTWRITEBYTECODE=1

contract_log() { printf 'contract: %s\n' "$*" >&2; }
contract_die() { printf 'contract: error: %s\n' "$*" >&2; exit 1; }
