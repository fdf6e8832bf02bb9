#!/usr/bin/env bash
# Parquet output read back by independent readers (DuckDB through
# @duckdb/node-api, hyparquet), every value compared:
#  1. property test: 500 random schemas (every type, nesting, nulls at every
#     level, empty/large/unicode strings, empty and one-row files, every
#     codec, small pages, row groups by rows and bytes, dictionary fall-back)
#     written by tests/tools/pq_gen; DuckDB reads all, hyparquet 100;
#     filters on each column's min and max (pushed down to the row-group
#     statistics) count the same rows as over an in-memory copy.
#  2. 1M-row files per codec: values recomputed in SQL, row groups,
#     statistics against the data, dictionary kept or dropped per column.
#  3. sluice end to end: generator -> partitioned Parquet lake, read with
#     read_parquet('lake/**/*.parquet', hive_partitioning=true) and compared
#     with the JSON-lines output of the same job; a schema change starts a
#     new file; footer metadata has the schema, job name and batch id; a
#     declared schema with every type read back value by value.
source "$(dirname "$0")/lib.sh"
BUILD=${SL_BUILD_DIR:-$SRC_DIR/build}
GEN=$BUILD/tools/pq_gen
"$SRC_DIR/tests/peers/setup.sh"
PQ="node $SRC_DIR/tests/integration/parquet_check.mjs"

# 1. property test
mkdir cases
"$GEN" random 1 500 cases || fail "pq_gen random"
$PQ cases cases || fail "DuckDB read differs"
$PQ hyparquet cases 100 || fail "hyparquet read differs"
empty=0 one=0
for f in cases/*.jsonl; do
  n=$(wc -l < "$f")
  [ "$n" -eq 0 ] && empty=$((empty + 1))
  [ "$n" -eq 1 ] && one=$((one + 1))
done
[ "$empty" -ge 1 ] && [ "$one" -ge 1 ] || fail "no empty ($empty) or one-row ($one) file among the cases"
echo "property test: $empty empty and $one one-row files among 500"

# 2. 1M rows, each codec; then row groups by rows and by bytes
for c in snappy zstd gzip none; do
  "$GEN" big 1000000 big_$c.parquet $c || fail "pq_gen big $c"
  $PQ big big_$c.parquet 1000000 1 | tee big_$c.txt || fail "big $c"
done
grep -q "s:PLAIN, RLE, RLE_DICTIONARY u:PLAIN, RLE$" big_snappy.txt \
  || fail "dictionary: kept for s (1000 values), dropped for u (unique)"
"$GEN" big 1000000 big_rg.parquet zstd "100000 rows" || fail "pq_gen rows"
$PQ big big_rg.parquet 1000000 10 || fail "row groups by rows"
"$GEN" big 1000000 big_rgb.parquet snappy 8MiB || fail "pq_gen bytes"
$PQ big big_rgb.parquet 1000000 | tee rgb.txt || fail "row groups by bytes"
rg=$(sed -E 's/.* ([0-9]+) row groups.*/\1/' rgb.txt)
[ "$rg" -ge 4 ] || fail "row_group_size 8MiB gave $rg row group(s)"

# 3. sluice end to end
job() { # name format
  cat > $1.yaml <<EOF2
name: $1
window: 5s
checkpoint: ./cp-$1
source:
  type: generator
  count: 25000        # per partition: 50,000 ids
  partitions: 2
  seed: 11
  format: json
sink:
  type: file
  path: ./lake-$1
  format: $2
  partition_by: [ingest_year, ingest_month, action]
EOF2
  "$SLUICE" run $1.yaml --until-idle --quiet 2> $1.log || { cat $1.log; fail "run $1"; }
}
job pq parquet
job js json
$PQ exactly lake-pq 50000 1 || fail "ids in the Parquet lake"
out=$($PQ sql "SELECT count(*), count(DISTINCT action), min(ingest_year) > 2000, count(*) FILTER (WHERE ingest_month IS NULL)
  FROM read_parquet('lake-pq/**/*.parquet', hive_partitioning=true)")
expect_eq "$out" '["50000","4",true,"0"]' "hive partition columns"
# the same rows as the JSON-lines lake, value by value
out=$($PQ sql "WITH p AS (SELECT * FROM read_parquet('lake-pq/**/*.parquet', hive_partitioning=true)),
  j AS (SELECT * FROM read_json('lake-js/**/*.json', format='newline_delimited', hive_partitioning=true,
    columns={id: 'BIGINT', event_time: 'VARCHAR', user_id: 'VARCHAR', session: 'VARCHAR', page: 'VARCHAR',
      latency_ms: 'BIGINT', amount: 'DOUBLE', device: 'STRUCT(os VARCHAR, mobile BOOLEAN)'}))
  SELECT count(*), count(*) FILTER (WHERE p.id IS NULL OR j.id IS NULL
    OR p.user_id IS DISTINCT FROM j.user_id OR p.session IS DISTINCT FROM j.session
    OR p.page IS DISTINCT FROM j.page OR p.action IS DISTINCT FROM j.action
    OR p.event_time IS DISTINCT FROM j.event_time
    OR p.latency_ms IS DISTINCT FROM j.latency_ms OR p.amount IS DISTINCT FROM j.amount
    OR p.device.os IS DISTINCT FROM j.device.os OR p.device.mobile IS DISTINCT FROM j.device.mobile)
  FROM p FULL OUTER JOIN j ON p.id = j.id AND p.action = j.action")
expect_eq "$out" '["50000","0"]' "Parquet and JSON-lines lakes hold the same values"
f=$(find lake-pq -name '*.parquet' | head -1)
out=$($PQ sql "SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata('$f') ORDER BY key")
echo "$out" | grep -q '"sluice.batch_id","0"' || fail "batch id metadata: $out"
echo "$out" | grep -q '"sluice.job","pq"' || fail "job name metadata: $out"
echo "$out" | grep -q '"sluice.schema","struct<id:' || fail "schema metadata: $out"

# a field that appears later widens the detected schema; each file carries
# its own schema (the second run's file has `n`, the first's does not)
mkdir in
for i in $(seq 0 99); do echo "{\"id\":$i,\"s\":\"é$i\"}"; done > in/a.json
cat > widen.yaml <<'EOF2'
name: widen
checkpoint: ./cp-widen
source:
  type: file
  path: ./in/*.json
  format: json
sink:
  type: file
  path: ./lake-widen
  format: parquet
EOF2
"$SLUICE" run widen.yaml --until-idle --quiet 2> widen.log || { cat widen.log; fail "run widen"; }
for i in $(seq 100 199); do echo "{\"id\":$i,\"s\":\"\",\"n\":{\"x\":[1,null,3]}}"; done >> in/a.json
"$SLUICE" run widen.yaml --until-idle --quiet 2>> widen.log || { cat widen.log; fail "run widen 2"; }
files=$(find lake-widen -name '*.parquet' -not -path '*/_*' | sort)
expect_eq "$(echo "$files" | wc -l)" 2 "files in the widened lake"
$PQ exactly lake-widen 200 1 || fail "ids in the widened lake"
for f in $files; do
  $PQ sql "SELECT count(*) FROM parquet_schema('$f') WHERE name = 'n'"
done > has_n.txt
expect_eq "$(tr -d '\n' < has_n.txt)" '["0"]["1"]' "schema of each file"
out=$($PQ sql "SELECT count(*) FILTER (WHERE n IS NULL), count(*) FILTER (WHERE n.x = [1, NULL, 3]), count(*) FILTER (WHERE s = '')
  FROM read_parquet('lake-widen/*.parquet', union_by_name=true)")
expect_eq "$out" '["100","100","100"]' "values across the schema change"
# a declared schema with every type, through the JSON decoder (gzip)
mkdir typed
cat > typed/a.json <<'EOF2'
{"id":1,"b":true,"i":-7,"f":1.5,"d":-0.25,"m":"12345678901234.5678","s":"héllo ✓","dt":"2026-11-25","ts":"2026-11-25T10:00:00.123456Z","st":{"a":3,"l":["x","",null]},"mp":{"k1":1,"k2":-9007199254740993}}
{"id":2}
{"id":3,"s":"","st":{"a":null,"l":[]},"mp":{}}
{"id":4,"st":null,"m":-0.0001,"d":1e300,"i":2147483647,"ts":"1969-12-31T23:59:59.999999Z","dt":"1900-01-01"}
EOF2
cat > typed.yaml <<'EOF2'
name: typed
checkpoint: ./cp-typed
source:
  type: file
  path: ./typed/*.json
  format: json
  schema:
    - {name: id, type: bigint, nullable: false}
    - {name: b, type: boolean}
    - {name: i, type: int}
    - {name: f, type: float}
    - {name: d, type: double}
    - {name: m, type: "decimal(20,4)"}
    - {name: s, type: string}
    - {name: dt, type: date}
    - {name: ts, type: timestamp}
    - {name: st, type: "struct<a:int,l:array<string>>"}
    - {name: mp, type: "map<string,bigint>"}
sink:
  type: file
  path: ./lake-typed
  format: parquet
  compression: gzip
EOF2
"$SLUICE" run typed.yaml --until-idle --quiet 2> typed.log || { cat typed.log; fail "run typed"; }
$PQ sql "SELECT id, b, i, f::VARCHAR, d::VARCHAR, m::VARCHAR, s, dt::VARCHAR, epoch_us(ts), st.a,
  st.l::VARCHAR, st IS NULL, mp::VARCHAR FROM read_parquet('lake-typed/*.parquet') ORDER BY id" > typed.out
cat > typed.want <<'EOF2'
["1",true,-7,"1.5","-0.25","12345678901234.5678","héllo ✓","2026-11-25","1795600800123456",3,"[x, '', NULL]",false,"{k1=1, k2=-9007199254740993}"]
["2",null,null,null,null,null,null,null,null,null,null,true,null]
["3",null,null,null,null,null,"",null,null,null,"[]",false,"{}"]
["4",null,2147483647,null,"1e+300","-0.0001",null,"1900-01-01","-1",null,null,true,null]
EOF2
diff typed.want typed.out || fail "declared types read back"
$PQ sql "SELECT name, type, repetition_type, converted_type FROM parquet_schema('lake-typed/*.parquet')
  WHERE name IN ('id', 'm', 'ts', 'l', 'mp', 'key')" | tr -d '\n' > typed.schema
expect_eq "$(cat typed.schema)" '["id","INT64","REQUIRED",null]["m","FIXED_LEN_BYTE_ARRAY","OPTIONAL","DECIMAL"]["ts","INT64","OPTIONAL","TIMESTAMP_MICROS"]["l",null,"OPTIONAL","LIST"]["mp",null,"OPTIONAL","MAP"]["key","BYTE_ARRAY","REQUIRED","UTF8"]' "Parquet schema"
echo "parquet ok"
