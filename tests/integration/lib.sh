# Shared helpers for integration tests (sourced). Each test runs in its own
# temporary folder, removed on success and kept on failure for a look.
set -euo pipefail
SLUICE=${SLUICE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/sluice}
SRC_DIR=${SL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PY=/usr/bin/python3
CHECK="$PY $SRC_DIR/tests/integration/check.py"
T=$(mktemp -d "/tmp/sluice-it.XXXXXX")
cd "$T"
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
