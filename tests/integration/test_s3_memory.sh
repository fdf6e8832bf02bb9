#!/usr/bin/env bash
# Memory stays bounded whatever the window: one 100 s window of about
# 290 MiB of JSON (one source partition, so one file of 256 MiB and the
# rest) goes to S3 through multipart uploads; the job's peak RSS (GNU
# time) stays under 128 MiB, and boto3 reads every row back.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
start_s3rver lake
N=1500000
cat > job.yaml <<EOF2
name: s3-memory
window: 100s
checkpoint: ./cp
source:
  type: generator
  count: $N
  seed: 2
sink:
  type: s3
  path: s3://lake/mem
  endpoint_url: $S3_URL
  format: json
  max_file_size: 256MiB
EOF2
/usr/bin/time -o rss.txt -f '%M' "$SLUICE" run job.yaml --until-idle --quiet 2> run.log \
  || { cat run.log; fail "job failed"; }
rss_kib=$(tail -1 rss.txt)
echo "peak RSS $((rss_kib / 1024)) MiB"
[ "$rss_kib" -lt $((128 * 1024)) ] || fail "peak RSS $((rss_kib / 1024)) MiB is not under 128 MiB"
got=$(s3py '
n = 0; big = 0
for k in keys("lake", "mem/"):
    b = s3.get_object(Bucket="lake", Key=k)["Body"].read()
    n += b.count(b"\n"); big = max(big, len(b))
print(n, big > 200 * 2**20)')
expect_eq "$got" "$N True" "rows and a file over 200 MiB"
echo "ok: $N rows in one window with peak RSS $((rss_kib / 1024)) MiB"
