#!/usr/bin/env bash
# The third-party contract checks, as CI runs them (called by .ci/run):
#   1. Spectral + openapi-spec-validator lint openapi/kling.yaml;
#   2. the generated client's request for every operation goes to a Prism mock of the spec,
#      and Prism reports no violation; Schemathesis then checks Prism against the spec;
#   3. Schemathesis runs against our own simulated server (mock/) with --checks all.
# Everything runs on 127.0.0.1 and every server started here is stopped on exit.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/_common.sh"
cd "$REPO_ROOT"

"$CONTRACT_DIR/install.sh"

echo "== 1. lint the spec"
"$CONTRACT_DIR/spectral.sh"

# Prism's own limits, not the spec's: it reads integers as doubles, so it refuses valid int64
# ids and times above 2^53 (positive data rejected), and it stops when a violation it reports
# names a non-ASCII property (an invalid header), so its strings are ASCII. Schemathesis runs
# every check, with any strings, on every operation against our simulated server below.
echo "== 2. generated client -> Prism, then Schemathesis -> Prism"
"$CONTRACT_DIR/prism.sh" run -- bash -c '
  set -euo pipefail
  cargo test -q -p nicerouter-kling-contract-tests --test prism -- --include-ignored --nocapture
  "'"$CONTRACT_DIR"'/schemathesis.sh" "$PRISM_URL" \
    --exclude-checks ignored_auth,unsupported_method,positive_data_acceptance \
    --generation-codec ascii \
    --baseline "'"$CONTRACT_DIR"'/schemathesis-prism-baseline.json"
'

echo "== 3. Schemathesis -> our simulated server (mock/)"
cargo build -q -p nicerouter-kling-mock --bin nicerouter-kling-mock
mock_log="$STATE_DIR/mock.log"
mkdir -p "$STATE_DIR"
"$REPO_ROOT/target/debug/nicerouter-kling-mock" --port 0 --api-key test-key --allow-duplicate-external-ids >"$mock_log" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true' EXIT
mock_url=""
for _ in $(seq 1 100); do
  mock_url=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+' "$mock_log" | head -n1 || true)
  [[ -n "$mock_url" ]] && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$mock_log" >&2; contract_die "the mock exited"; }
  sleep 0.1
done
[[ -n "$mock_url" ]] || contract_die "the mock did not print its URL within 10 s"
echo "mock listening on $mock_url"
SCHEMATHESIS_CONFIG="$CONTRACT_DIR/schemathesis-mock.toml" \
  "$CONTRACT_DIR/schemathesis.sh" "$mock_url/kling" --exclude-checks unsupported_method "$@"
echo "contract: all third-party checks passed"
