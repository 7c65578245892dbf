#!/usr/bin/env bash
# Property-based contract test of a running server against the spec:
#
#   schemathesis.sh URL [EXTRA_SCHEMATHESIS_ARGS...]
#
# URL is the base the spec's paths hang off: a Prism mock (`tools/contract/prism.sh url`), or a
# relay's `https://<origin>/kling`. Extra arguments are passed through, e.g.
#   schemathesis.sh "$(tools/contract/prism.sh url)" --exclude-checks ignored_auth,unsupported_method
#
# Bounded and repeatable: --max-examples (SCHEMATHESIS_MAX_EXAMPLES, default 20), a fixed --seed
# (SCHEMATHESIS_SEED, default 1), one worker, no example database, a 10 s per-request timeout,
# and a hard wall-clock limit (SCHEMATHESIS_TIMEOUT seconds, default 600; exit 124 when hit).
# SCHEMATHESIS_MAX_TIME=N adds `--max-time N`, which in 4.x makes fuzzing/stateful *keep going
# until N seconds are spent*, so it is opt-in (for longer soak runs), not a default.
# SCHEMATHESIS_TOKEN sets the bearer (default test-key). KLING_SPEC overrides the spec.
#
# Runs from target/contract/schemathesis/work so .hypothesis/ and .schemathesis/ stay out of the
# repo; reports (JUnit) go to target/contract/schemathesis/. Exit code 1 means failures found.
set -euo pipefail
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(dirname -- "${BASH_SOURCE[0]}")/_common.sh"

if [[ $# -lt 1 || "$1" == -* ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  [[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" ) ]] && exit 0
  exit 2
fi
url="$1"; shift
[[ "$url" =~ ^https?:// ]] || contract_die "URL must start with http:// or https://, got: $url"
[[ -f "$SPEC" ]] || contract_die "spec not found: $SPEC"

max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-20}"
seed="${SCHEMATHESIS_SEED:-1}"
wall_timeout="${SCHEMATHESIS_TIMEOUT:-600}"
token="${SCHEMATHESIS_TOKEN:-test-key}"

"$CONTRACT_DIR/install.sh" >/dev/null

report_dir="$STATE_DIR/schemathesis"
work_dir="$report_dir/work"
mkdir -p "$work_dir"

args=()
if [[ -n "${SCHEMATHESIS_CONFIG:-}" ]]; then
  args+=(--config-file "$(cd -- "$(dirname -- "$SCHEMATHESIS_CONFIG")" && pwd -P)/$(basename -- "$SCHEMATHESIS_CONFIG")")
fi
args+=(
  run "$SPEC"
  --url "$url"
  --header "Authorization: Bearer $token"
  --checks all
  --max-examples "$max_examples"
  --seed "$seed"
  --workers 1
  --generation-database none
  --request-timeout 10
  --report junit
  --report-dir "$report_dir"
)
if [[ -n "${SCHEMATHESIS_MAX_TIME:-}" ]]; then
  args+=(--max-time "$SCHEMATHESIS_MAX_TIME")
fi

rc=0
(cd "$work_dir" && exec timeout --kill-after=10 "$wall_timeout" \
  "$VENV_BIN/schemathesis" "${args[@]}" "$@") || rc=$?
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
  contract_log "schemathesis hit the ${wall_timeout}s wall-clock limit (SCHEMATHESIS_TIMEOUT)"
fi
exit "$rc"
