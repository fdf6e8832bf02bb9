#!/usr/bin/env bash
# Faults: a proxy in front of s3rver answers 500 InternalError, 503
# ServiceUnavailable, 503 SlowDown, drops the connection or stalls past the
# request timeout, in turn, for 30% of the requests during the first
# seconds; the generator -> S3 job retries and the bucket holds
# every record exactly once. The run uses a secret key and session token
# of its own (s3rver takes any secret here) at debug log level: neither
# may appear in any output, checkpoint or lake object.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
SECRET="sEcReT-$RANDOM-Zq9/xK+w7"
TOKEN="ToKeN-$RANDOM-FwoGZXIvYXdzEJr//////////wEaDK"
export S3RVER_ANY_SECRET=1 AWS_SECRET_ACCESS_KEY="$SECRET" AWS_SESSION_TOKEN="$TOKEN"
start_s3rver lake
start_proxy --rate 0.3 --seconds 10 --kinds 500,503,slowdown,drop,stall --stall 2.5 --seed 7
P=3; N=30000
cat > job.yaml <<EOF2
name: s3-faults
window: 500ms
checkpoint: ./cp
source:
  type: generator
  count: $N
  partitions: $P
  rate: 10000
  seed: 9
sink:
  type: s3
  path: s3://lake/out
  endpoint_url: $PROXY_URL
  format: json
  part_size: 5MiB
  max_file_size: 1MiB
  request_timeout: 1s
EOF2
# the job may give up on a request after its retries: run it again then
ok=0
for attempt in 1 2 3 4 5; do
  if "$SLUICE" run job.yaml --until-idle --log-level debug > out.$attempt 2> err.$attempt; then ok=1; break; fi
done
[ $ok = 1 ] || { for f in err.*; do tail -n 5 "$f"; done; fail "job did not finish"; }
s3_download lake out lake
$CHECK exactly lake $((N * P)) 1
faults=$($PY -c '
import json,sys,collections
c=collections.Counter(json.loads(l)["fault"] for l in open(sys.argv[1]))
print(sum(v for k,v in c.items() if k), " ".join("%s=%d" % (k, c[k]) for k in ("500","503","slowdown","drop","stall")))' "$T/proxy.log")
echo "faults injected: $faults"
[ "${faults%% *}" -ge 10 ] || fail "too few faults injected: $faults"
for k in 500 503 slowdown drop stall; do
  case "$faults" in *" $k=0"*|*" $k=0") fail "no '$k' fault injected: $faults";; esac
done
grep -q "attempt 1 of 8" err.* || fail "no retry was logged"
grep -q "timed out" err.* || fail "no timeout was retried"
# no secret anywhere sluice wrote
for s in "$SECRET" "$TOKEN" "${SECRET%%/*}" "${TOKEN:0:20}"; do
  if grep -rlF -- "$s" out.* err.* cp lake 2>/dev/null; then fail "a secret appears in the output"; fi
done
echo "ok: faults retried, exactly once, no secret in any output"
