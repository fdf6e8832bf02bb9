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

# start_peer NAME CMD...: run a test peer that prints "PORT=n" when ready
# in the background (stdout NAME.out, stderr NAME.err); sets PEER_PORT and
# PEER_PID. The caller stops it.
start_peer() {
  local name=$1; shift
  "$@" > "$name.out" 2> "$name.err" &
  PEER_PID=$!
  PEER_PORT=
  for _ in $(seq 100); do
    PEER_PORT=$(sed -n 's/^PORT=//p' "$name.out" 2>/dev/null || true)
    [ -n "$PEER_PORT" ] && return 0
    sleep 0.05
  done
  fail "$name did not start: $(cat "$name.err")"
}
