#!/usr/bin/env bash
# Kafka -> S3 Parquet (issue 8's first end-to-end case): 20,000 JSON events
# on 4 partitions produced by python3-confluent-kafka into the mock broker,
# a job with its checkpoint on S3 too, the lake read back with boto3 and
# DuckDB: every id exactly once, values equal to what was produced, Hive
# folders as partition columns.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
# both peers stop on exit
trap 'rc=$?; s3_cleanup; [ -n "$MOCK_PID" ] && kill $MOCK_PID 2>/dev/null; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT
start_mock ks:4
start_s3rver lake cp

$PY - "$B" <<'PY'
import json, sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'linger.ms': 5})
for i in range(20000):
    p.produce('ks', key=str(i).encode(), partition=i % 4,
              value=json.dumps({'id': i, 'user': 'u%d' % (i % 97), 'amount': i / 4,
                                'tags': ['a', 'b'][: i % 3]}).encode())
p.flush()
PY
cat > job.yaml <<EOF2
name: kafka-s3
window: 2s
checkpoint: s3://cp/kafka-s3
source:
  type: kafka
  bootstrap_servers: $B
  topic: ks
  starting_offsets: earliest
  ending_offsets: latest
  schema:
    - {name: id, type: bigint}
    - {name: user, type: string}
    - {name: amount, type: double}
    - {name: tags, type: "array<string>"}
sink:
  type: s3
  path: s3://lake/clicks
  endpoint_url: $S3_URL
  format: parquet
  partition_by: [ingest_year, ingest_month, ingest_day]
EOF2
AWS_ENDPOINT_URL=$S3_URL "$SLUICE" run job.yaml 2> run.log || { cat run.log; fail "kafka -> s3 run"; }
s3_download lake clicks lake-s3
PQ="node $SRC_DIR/tests/integration/parquet_check.mjs"
$PQ exactly lake-s3 20000 1 || fail "DuckDB: ids in the S3 Parquet lake"
out=$($PQ sql "SELECT count(*), sum(amount), count(DISTINCT user), sum(len(tags)), count(DISTINCT ingest_day) FROM read_parquet('lake-s3/**/*.parquet', hive_partitioning=true)")
# sum(i/4) for i < 20000 = 49997500; tags: i%3 elements, 19999 in all
expect_eq "$out" '["20000",49997500,"97","19999","1"]' "DuckDB over the S3 lake"
s3py 'print(len(keys("cp", "kafka-s3/commits/")))' > commits.txt
[ "$(cat commits.txt)" -ge 1 ] || fail "no commits/N in the S3 checkpoint"
echo "kafka -> s3 parquet ok"
