#!/usr/bin/env bash
# Kafka crash test: while an independent producer (confluent-kafka) writes
# 200,000 records to 8 partitions, a job with a 1 s window is killed with
# SIGKILL at 20 random moments and restarted each time, then run until
# idle: every id must be in the lake exactly once (replays of uncommitted
# batches read exactly their recorded offset ranges).
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
N=${KAFKA_CRASH_N:-200000}
SEED=${CRASH_SEED:-$RANDOM}
echo "kafka crash test seed $SEED"
start_mock c:8

cat > job.yaml <<EOF2
name: kcrash
window: 1s
checkpoint: ./cp
source:
  type: kafka
  bootstrap_servers: $B
  topic: c
sink:
  type: file
  path: ./lake
  format: json
  max_file_size: 256KiB
EOF2
# ~25,000 records/s: the producer runs for ~8 s
$PRODUCE "$B" c 0 "$N" --rate 25000 --compression zstd &
producer=$!
RANDOM=$SEED
for k in $(seq 1 20); do
  "$SLUICE" run job.yaml --quiet 2>> run.log &
  pid=$!
  sleep "0.$(printf '%03d' $((50 + RANDOM % 750)))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
done
wait $producer || fail "producer"
"$SLUICE" run job.yaml --until-idle --quiet 2>> run.log \
  || { tail -20 run.log; fail "final run failed"; }
check_ids lake 0 $((N - 1))
grep -q "replay" run.log && echo "(some runs replayed an uncommitted batch)"
echo "kafka crash ok"
