#!/usr/bin/env bash
# Crash test on S3: a generator -> S3 job (files large enough for
# multipart uploads) is killed with SIGKILL while part uploads are in
# flight (the proxy slows parts down and the kill waits for one), while a
# commit is completing the batch's uploads, and at random moments; it is
# restarted each time and finally run until idle: every id is in the
# bucket exactly once (read back with boto3). The checkpoint is on S3 too
# (s3://cp/...), so its protocol is crashed as well.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
SEED=${CRASH_SEED:-$RANDOM}
echo "s3 crash test seed $SEED"
start_s3rver lake cp
export AWS_ENDPOINT_URL_S3=$S3_URL  # the checkpoint, straight to s3rver
start_proxy --delay-parts 0.3
P=3; N=40000
cat > job.yaml <<EOF2
name: s3-crash
window: 3s
checkpoint: s3://cp/s3-crash
source:
  type: generator
  count: $N
  partitions: $P
  rate: 12000
  seed: 5
sink:
  type: s3
  path: s3://lake/out
  endpoint_url: $PROXY_URL
  format: json
  part_size: 5MiB
  upload_threads: 2
EOF2
parts() { grep -c 'partNumber=' "$T/proxy.log" 2>/dev/null || true; }
# 1. kills mid-upload: wait until a new part upload has started, then kill
for k in 1 2 3; do
  before=$(parts)
  "$SLUICE" run job.yaml --quiet 2>> run.log &
  pid=$!
  for _ in $(seq 300); do [ "$(parts)" -gt "$before" ] && break; sleep 0.02; done
  [ "$(parts)" -gt "$before" ] || fail "no part upload started (kill $k)"
  kill -9 $pid; wait $pid 2>/dev/null || true
done
# 2. kills during a commit: as soon as a CompleteMultipartUpload goes out
# (the other files of the batch are not complete yet), and replays over a
# half-published batch
completes() { grep -c '"method": "POST", "path": "/lake/out/[^"]*?uploadId=' "$T/proxy.log" 2>/dev/null || true; }
for k in 1 2; do
  before=$(completes)
  "$SLUICE" run job.yaml --quiet 2>> run.log &
  pid=$!
  for _ in $(seq 1000); do [ "$(completes)" -gt "$before" ] && break; sleep 0.01; done
  [ "$(completes)" -gt "$before" ] || fail "no commit started (kill $k)"
  kill -9 $pid; wait $pid 2>/dev/null || true
done
# 3. kills at random moments
RANDOM=$SEED
for k in $(seq 1 12); do
  "$SLUICE" run job.yaml --quiet 2>> run.log &
  pid=$!
  # 0.1..4.5 s: start-up, mid-window, mid-upload, during or after a commit
  ms=$((100 + RANDOM % 4400))
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
done
"$SLUICE" run job.yaml --until-idle --quiet 2>> run.log || { tail -20 run.log; fail "final run failed"; }
s3_download lake out lake
$CHECK exactly lake $((N * P)) 1
# multipart uploads were opened, and some never completed (the kills)
creates=$(grep -c '?uploads"' "$T/proxy.log" || true)
completes=$(grep -c '"method": "POST", "path": "/lake/out/[^"]*?uploadId=' "$T/proxy.log" || true)
[ "$creates" -gt "$completes" ] || fail "expected uploads left open by kills ($creates created, $completes completed)"
# the checkpoint on S3 recorded the batches
ncommits=$(s3py 'print(len(keys("cp", "s3-crash/commits/")))')
[ "$ncommits" -ge 2 ] || fail "expected commits/N objects on S3, got $ncommits"
grep -q "replay" run.log && echo "(some runs replayed an uncommitted batch)"
echo "ok: $creates multipart uploads, $completes completed, exactly once"
