# Kafka helpers for integration tests (sourced after lib.sh): start the mock
# broker (tests/peers/kafka_mock.c), produce with python3-confluent-kafka,
# and check ids in a lake.
BUILD_DIR=${SL_BUILD_DIR:-$(dirname "$SLUICE")}
MOCK="$BUILD_DIR/sluice-kafka-mock"
PRODUCE="$PY $SRC_DIR/tests/peers/kafka_produce.py"
MOCK_PID=
trap 'rc=$?; [ -n "$MOCK_PID" ] && kill $MOCK_PID 2>/dev/null; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT

# start_mock topic:partitions ... ; sets B (bootstrap) and MOCK_PID
start_mock() {
  "$MOCK" "$@" > mock.out 2> mock.err &
  MOCK_PID=$!
  for _ in $(seq 1 50); do
    B=$(sed -n 's/^BOOTSTRAP=//p' mock.out 2>/dev/null || true)
    [ -n "$B" ] && return 0
    sleep 0.1
  done
  fail "mock broker did not start: $(cat mock.err)"
}

# check_ids LAKE FIRST LAST: ids FIRST..LAST each exactly once, nothing else
check_ids() {
  $PY - "$@" <<'PY'
import json, os, sys
from collections import Counter
root, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = Counter()
for d, dirs, files in os.walk(root):
    if '_errors' in d.split(os.sep) or '_sluice_tmp' in d:
        continue
    for f in files:
        if f.endswith('.json') and not f.startswith('.'):
            for line in open(os.path.join(d, f), 'rb'):
                c[json.loads(line)['id']] += 1
bad = [(i, c.get(i, 0)) for i in range(lo, hi + 1) if c.get(i, 0) != 1]
extra = [i for i in c if not (lo <= i <= hi)]
if bad or extra:
    print('FAIL: ids %d..%d not exactly once: %d wrong, %d unexpected; '
          'first: %s %s' % (lo, hi, len(bad), len(extra), bad[:8], extra[:8]))
    sys.exit(1)
print('ok: ids %d..%d exactly once' % (lo, hi))
PY
}
