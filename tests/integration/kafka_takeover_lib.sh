# Helpers of the Kafka takeover tests (sourced after lib.sh and
# kafka_lib.sh; test_kafka_takeover.sh, test_kafka_takeover_restart.sh):
# workers of one job per case folder, fault injection (SLUICE_FAULT,
# src/core/engine_fault.c), waiting on logs, and the exactly-once check of
# the lake and the dead-letter output.
N=${KAFKA_TAKEOVER_N:-24000}
POISON=()
for i in $(seq 250 500 $((N - 1))); do POISON+=(--poison "$i"); done

declare -A PID
producer=
# on any exit, also end the workers and the producer (kafka_lib.sh's trap
# waits for every child), and the S3 peers when s3lib.sh is loaded
trap 'rc=$?; for p in "${PID[@]}" $producer; do kill -9 $p 2>/dev/null || true; done; ! declare -F s3_cleanup > /dev/null || s3_cleanup; [ -n "$MOCK_PID" ] && kill $MOCK_PID 2>/dev/null; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT
# start_worker CASE W [FAULT]
start_worker() {
  SLUICE_FAULT=${3:-} W=$2 "$SLUICE" run "$1/job.yaml" 2>> "$1/$2.log" &
  PID[$1$2]=$!
}
# wait_log FILE PATTERN SECONDS
wait_log() {
  for _ in $(seq 1 $(($3 * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  tail -20 "$1" >&2
  fail "no '$2' in $1 within $3 s"
}
# wait_log_any PATTERN SECONDS FILE...
wait_log_any() {
  local pat=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 10))); do
    grep -q "$pat" "$@" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no '$pat' in $* within $secs s"
}
# wait_exit CASE W SECONDS: the worker ended (it kills itself)
wait_exit() {
  local p=${PID[$1$2]}
  for _ in $(seq 1 $(($3 * 10))); do
    kill -0 $p 2>/dev/null || { wait $p 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  tail -5 "$1/$2.log" >&2
  fail "$1: $2 still runs after $3 s"
}
# assigned CASE W...: each worker has its partitions
assigned() {
  local c=$1; shift
  for w in "$@"; do wait_log "$c/$w.log" "worker assigned" 40; done
}
# the batch a worker died after: "killed after offsets/M"
died_at() { sed -n 's/.*killed after offsets\/\([0-9]*\).*/\1/p' "$1" | head -1; }

setup_case() {
  mkdir -p "$1"
  cat > "$1/job.yaml" <<EOF2
name: ktake
window: 1s
checkpoint: $T/$1/cp
worker_id: \${W}
source:
  type: kafka
  bootstrap_servers: $B
  topic: $1
  group_id: take-$1
  starting_offsets: earliest
  properties:
    session.timeout.ms: 6000
    heartbeat.interval.ms: 500
    max.poll.interval.ms: 10000
sink:
  type: file
  path: $T/$1/lake
  format: json
EOF2
}

# check_case CASE: ids 0..N-1 but the poison ones exactly once in the lake,
# each poison record exactly once in the dead-letter output
check_case() {
  check_ids_except "$1/lake" "${POISON[@]}"
}
check_ids_except() {
  $PY - "$N" "$@" <<'PY'
import json, os, sys
from collections import Counter
n, root = int(sys.argv[1]), sys.argv[2]
poison = {int(x) for x in sys.argv[3:] if x != '--poison'}
c, dl = Counter(), Counter()
for d, dirs, files in os.walk(root):
    if '_sluice_tmp' in d:
        continue
    for f in files:
        if not f.endswith('.json'):
            continue
        for line in open(os.path.join(d, f), 'rb'):
            r = json.loads(line)
            if '_errors' in d.split(os.sep):
                assert r['record'] == 'not json{', r
                dl[(r['partition'], r['position'])] += 1
            else:
                c[r['id']] += 1
want = [i for i in range(n) if i not in poison]
bad = [(i, c.get(i, 0)) for i in want if c.get(i, 0) != 1]
extra = [i for i in c if i in poison or not 0 <= i < n]
dup = [k for k, v in dl.items() if v != 1]
if bad or extra or dup or len(dl) != len(poison):
    print('FAIL: %d wrong, %d unexpected (first %s %s); dead letters: %d '
          'distinct, %d repeated, want %d' % (len(bad), len(extra), bad[:8],
          extra[:8], len(dl), len(dup), len(poison)))
    sys.exit(1)
print('ok: %d ids exactly once, %d poison records dead-lettered once'
      % (len(want), len(poison)))
PY
}
# commits/M of worker W in CASE exists
committed() { [ -f "$1/cp/workers/$2/commits/$3" ]; }
# drain CASE W...: each worker alone reads what is left
drain() {
  local c=$1; shift
  for w in "$@"; do
    W=$w "$SLUICE" run "$c/job.yaml" --until-idle 2>> "$c/$w.log" \
      || { tail -20 "$c/$w.log"; fail "drain $c $w"; }
  done
}
stop_all() {
  local c=$1; shift
  for w in "$@"; do kill -INT ${PID[$c$w]} 2>/dev/null || true; done
  for w in "$@"; do wait ${PID[$c$w]} 2>/dev/null || true; done
}

