#!/usr/bin/env bash
# Lints the spec (default openapi/kling.yaml; or KLING_SPEC, or the first argument) with
#   1. Spectral (`spectral:oas` + house rules in .spectral.yaml), failing on warnings too, and
#   2. openapi-spec-validator (structural check against the OpenAPI 3.0 meta-schema).
# Both always run; exits non-zero if either reports a problem.
# A JUnit copy of Spectral's results is written to target/contract/spectral/junit.xml.
set -euo pipefail
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(dirname -- "${BASH_SOURCE[0]}")/_common.sh"

if [[ $# -gt 0 ]]; then
  SPEC="$(cd -- "$(dirname -- "$1")" && pwd -P)/$(basename -- "$1")"
fi
[[ -f "$SPEC" ]] || contract_die "spec not found: $SPEC"

"$CONTRACT_DIR/install.sh" >/dev/null

out_dir="$STATE_DIR/spectral"
mkdir -p "$out_dir"
# Repo-relative when possible, so the output names openapi/kling.yaml rather than an absolute path.
rel_spec="${SPEC#"$REPO_ROOT"/}"
status=0

printf '== spectral lint %s\n' "$rel_spec"
# Run from the repo root so that paths in the output are repo-relative.
if (cd "$REPO_ROOT" && "$NODE_BIN/spectral" lint "$rel_spec" \
      --ruleset "$CONTRACT_DIR/.spectral.yaml" \
      --fail-severity=warn \
      --format stylish \
      --format junit --output.junit "$out_dir/junit.xml"); then
  printf 'spectral: ok\n'
else
  status=1
  printf 'spectral: FAILED\n'
fi

printf '== openapi-spec-validator %s\n' "$rel_spec"
if "$VENV_BIN/openapi-spec-validator" --schema 3.0 --validation-errors all "$SPEC"; then
  # (It prints "<path>: OK" itself.)
  :
else
  status=1
  printf 'openapi-spec-validator: FAILED\n'
fi

exit "$status"
