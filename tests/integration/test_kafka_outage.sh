#!/usr/bin/env bash
# The broker goes away mid-run: a producer (confluent-kafka) keeps writing
# 60,000 records (it buffers while the broker is down), the running job
# is cut off for OUTAGE seconds (default 30) and must wait, reconnect and
# lose nothing: every id exactly once in the lake.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
N=60000
OUTAGE=${KAFKA_OUTAGE_S:-30}
start_mock o:4

cat > job.yaml <<EOF2
name: koutage
window: 1s
checkpoint: ./cp
source:
  type: kafka
  bootstrap_servers: $B
  topic: o
sink:
  type: file
  path: ./lake
  format: json
EOF2
"$SLUICE" run job.yaml 2> run.log &
job=$!
$PRODUCE "$B" o 0 "$N" --rate 10000 &
producer=$!
before=0
for _ in $(seq 1 100); do   # mid-run: after the first committed batch
  before=$(grep -c "^.*batch [0-9]*: " run.log || true)
  [ "$before" -ge 1 ] && break
  sleep 0.1
done
[ "$before" -ge 1 ] || { cat run.log; fail "no batch before the outage"; }
kill -USR1 $MOCK_PID     # every broker down
sleep "$OUTAGE"
kill -0 $job || { tail run.log; fail "the job exited during the outage"; }
kill -USR2 $MOCK_PID     # back
wait $producer || fail "producer"
# the job catches up by itself: wait until it has read all N records
for _ in $(seq 1 300); do
  got=$($PY - <<'PY'
import re
n = 0
for l in open('run.log'):
    m = re.search(r'batch \d+: (\d+) records in', l)
    if m: n += int(m.group(1))
print(n)
PY
)
  [ "$got" -ge "$N" ] && break
  sleep 0.2
done
kill -INT $job
wait $job || { tail run.log; fail "job exit after the outage"; }
echo "batches before the outage: $before; records read: $got"
check_ids lake 0 $((N - 1))
echo "kafka outage ok ($OUTAGE s)"
