#!/usr/bin/env bash
# Kafka scale-out takeover with everything on S3 (s3rver): the checkpoint
# is s3://cp/ktake (the workers find each other's offsets/N through the S3
# checkpoint store), the lake and the dead-letter output are S3 sinks. w2
# dies between offsets/N and commits/N (SLUICE_FAULT=kill_after_offsets)
# and is never restarted; w1 takes its batch over into w2's S3 checkpoint
# and lake names. Every id exactly once in the lake, every poison record
# exactly once in the dead letters, read back with boto3.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
source "$SRC_DIR/tests/integration/kafka_takeover_lib.sh"
start_mock S:8
start_s3rver lake cp
export AWS_ENDPOINT_URL=$S3_URL
mkdir -p S
cat > S/job.yaml <<EOF2
name: ktake
window: 1s
checkpoint: s3://cp/ktake
worker_id: \${W}
source:
  type: kafka
  bootstrap_servers: $B
  topic: S
  group_id: take-s3
  starting_offsets: earliest
  properties:
    session.timeout.ms: 6000
    heartbeat.interval.ms: 500
    max.poll.interval.ms: 10000
sink:
  type: s3
  path: s3://lake/ktake
  endpoint_url: $S3_URL
  format: json
EOF2
start_worker S w1
start_worker S w2 kill_after_offsets:3
assigned S w1 w2
$PRODUCE "$B" S 0 "$N" --rate 3000 "${POISON[@]}" &
producer=$!
wait_exit S w2 30
M=$(died_at S/w2.log)
[ -n "$M" ] || { tail S/w2.log; fail "w2 did not die after offsets/N"; }
s3keys() { s3py 'print(" ".join(sorted(keys(sys.argv[1], sys.argv[2]))))' "$@"; }
grep -q "ktake/workers/w2/offsets/$M\b" <<< "$(s3keys cp ktake/workers/w2/offsets/)" \
  || fail "no offsets/$M of w2 on S3"
grep -q "commits/$M\b" <<< "$(s3keys cp ktake/workers/w2/commits/)" \
  && fail "w2's batch $M should be uncommitted"
wait_log S/w1.log "taking over batch $M of worker w2" 40
wait_log S/w1.log "batch $M (replay on another worker's behalf)" 30
wait $producer || fail "producer"
sleep 2
stop_all S w1
drain S w1
grep -q "ktake/workers/w2/commits/$M\b" <<< "$(s3keys cp ktake/workers/w2/commits/)" \
  || fail "w2's commits/$M not written to S3 by the takeover"
s3_download lake ktake S/lake
check_ids_except S/lake "${POISON[@]}"
echo "kafka takeover s3 ok"
