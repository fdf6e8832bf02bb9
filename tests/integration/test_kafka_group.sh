#!/usr/bin/env bash
# Kafka scale-out: 2, then 3 `sluice run` workers of one job (worker_id)
# share 8 partitions through the consumer group while a producer writes
# 60,000 records; workers are SIGKILLed at random moments and restarted.
# Each worker keeps its own checkpoint (cp/workers/<id>); a worker given a
# partition continues at the largest end any worker recorded for it. After
# a final drain, every id must be in the lake exactly once.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
N=${KAFKA_GROUP_N:-60000}
SEED=${CRASH_SEED:-$RANDOM}
echo "kafka group test seed $SEED"
RANDOM=$SEED
start_mock g:8

cat > job.yaml <<EOF2
name: kgroup
window: 1s
checkpoint: ./cp
worker_id: \${W}
source:
  type: kafka
  bootstrap_servers: $B
  topic: g
  properties:
    session.timeout.ms: 6000
    heartbeat.interval.ms: 500
    max.poll.interval.ms: 10000
sink:
  type: file
  path: ./lake
  format: json
EOF2

declare -A PID
start_worker() { W=$1 "$SLUICE" run job.yaml 2>> "$1.log" & PID[$1]=$!; }

$PRODUCE "$B" g 0 "$N" --rate 4000 &
producer=$!
start_worker w1
sleep 4
start_worker w2              # w1 gives up half of its partitions
sleep 3
kills=0
for round in $(seq 1 6); do
  [ $round -eq 3 ] && start_worker w3
  victim=w$((1 + RANDOM % (round >= 3 ? 3 : 2)))
  sleep "0.$(printf '%03d' $((200 + RANDOM % 700)))"
  kill -9 ${PID[$victim]} 2>/dev/null && kills=$((kills + 1))
  wait ${PID[$victim]} 2>/dev/null || true
  sleep 0.3
  start_worker $victim
  sleep 1
done
wait $producer || fail "producer"
sleep 2
for w in w1 w2 w3; do kill -INT ${PID[$w]} 2>/dev/null || true; done
for w in w1 w2 w3; do wait ${PID[$w]} 2>/dev/null || true; done
# drain: each worker alone replays what it left uncommitted, then reads
# what is left
for w in w1 w2 w3; do
  W=$w "$SLUICE" run job.yaml --until-idle 2>> "$w.log" \
    || { tail -20 $w.log; fail "drain $w"; }
done
echo "$kills workers killed"
# what happened, for the log (a run may have none of these: every
# revocation can land between batches, every kill after a commit)
grep -h "revoked\|giving up\|replaying" w*.log | sed 's/^[^ ]* //' | sort | uniq -c || true
check_ids lake 0 $((N - 1))
echo "kafka group ok"
