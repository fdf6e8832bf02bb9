#!/usr/bin/env bash
# The s3 sink against s3rver, read back with boto3:
#  1. generator -> S3 JSON, Hive partitioned: the same rows, byte for byte
#     per file, as the same job into the file sink (names differ only by
#     the checkpoint id), and large files went up as multipart uploads;
#  2. file -> S3 JSON with bad records: values equal the input exactly,
#     dead letters under s3://.../_errors; with compression: gzip the
#     objects gunzip to the same bytes;
#  3. checkpoint on S3: stop, more input, restart, resume: exactly once,
#     and the checkpoint objects are in the bucket;
#  4. generator -> S3 Parquet: byte for byte the file sink's Parquet, and
#     DuckDB reads the downloaded lake (every id once, Hive folders).
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
start_s3rver lake cp
start_proxy

# 1. generator -> S3 and -> file, same seed
for t in s3 file; do
  if [ $t = s3 ]; then
    sink="type: s3
  path: s3://lake/gen/
  endpoint_url: $PROXY_URL
  part_size: 5MiB
  upload_threads: 3"
  else
    sink="type: file
  path: ./lake-file"
  fi
  cat > gen-$t.yaml <<EOF2
name: gen-$t
window: 60s  # one batch: file contents do not depend on timing
checkpoint: ./cp-gen-$t
source:
  type: generator
  count: 60000
  partitions: 3
  seed: 11
sink:
  $sink
  format: json
  max_file_size: 6MiB
  partition_by: [ingest_year, ingest_month, ingest_day, ingest_hour]
EOF2
  "$SLUICE" run gen-$t.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "gen-$t"; }
done
s3_download lake gen lake-s3
$CHECK ids lake-s3 > ids-s3.txt
$CHECK ids lake-file > ids-file.txt
expect_eq "$(cat ids-s3.txt)" "$(cat ids-file.txt)" "ids s3 vs file"
expect_eq "$(cut -d' ' -f1 ids-s3.txt)" 180000 "rows in S3"
# same files, same bytes; names differ only by the checkpoint id
$PY - <<'PY' || fail "S3 objects differ from the file lake"
import os, re, hashlib, sys
def tree(root):
    out = {}
    for d, _, fs in os.walk(root):
        if "_sluice_tmp" in d:
            continue
        for f in fs:
            rel = os.path.relpath(os.path.join(d, f), root)
            rel = re.sub(r"-[0-9a-f]{16}\.json$", ".json", rel)
            out[rel] = hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest()
    return out
a, b = tree("lake-s3"), tree("lake-file")
if a != b:
    print(sorted(set(a) ^ set(b))[:5], [k for k in a if a.get(k) != b.get(k)][:5])
    sys.exit(1)
print("same %d files" % len(a))
PY
# files over 5 MiB went up as multipart uploads with 5 MiB parts
n_mpu=$(grep -c '"method": "POST", "path": "/lake/gen/[^"]*?uploads"' "$T/proxy.log" || true)
n_big=$(find lake-s3 -name '*.json' -size +5120k | wc -l)
[ "$n_big" -ge 3 ] || fail "expected files over 5 MiB, got $n_big"
expect_eq "$n_mpu" "$n_big" "multipart uploads"
grep -q '"fault": null' "$T/proxy.log"

# 2. file -> S3 JSON, bad records to s3 dead letters
mkdir in
$PY - <<'PY'
import json, random
r = random.Random(5)
with open("in/a.json", "w") as f:
    for i in range(5000):
        if i % 1000 == 7:
            f.write('{"id": %d, "broken": \n' % i)
            continue
        rec = {"id": i, "name": "n\u00e9\u4e2d-%d" % i, "v": r.random() * 1e6,
               "tags": ["a", "b"][: i % 3], "ok": i % 2 == 0, "nested": {"x": i * 3}}
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
PY
cat > files.yaml <<EOF2
name: files-s3
window: 1s
checkpoint: ./cp-files
source:
  type: file
  path: ./in/*.json
sink:
  type: s3
  path: s3://lake/files
  endpoint_url: $S3_URL
  format: json
EOF2
"$SLUICE" run files.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "files"; }
s3_download lake files lake-files
$PY - <<'PY' || fail "values differ"
import json, glob, os
want = []
for line in open("in/a.json", encoding="utf-8"):
    try:
        want.append(json.loads(line))
    except ValueError:
        pass
got = []
for p in sorted(glob.glob("lake-files/part-*.json")):
    got += [json.loads(l) for l in open(p, encoding="utf-8")]
assert len(got) == 4995, len(got)
assert got == want, "first difference at %d" % next(i for i in range(len(want)) if got[i] != want[i])
errs = []
for p in glob.glob("lake-files/_errors/**/*.json", recursive=True):
    errs += [json.loads(l) for l in open(p)]
assert len(errs) == 5, errs
print("values equal; 5 dead letters")
PY

# 2b. the same with compression: gzip: the same bytes once gunzipped
sed -e 's/name: files-s3/name: files-s3/' -e 's|s3://lake/files|s3://lake/files-gz|' \
    -e 's|checkpoint: ./cp-files|checkpoint: ./cp-files-gz|' files.yaml > files-gz.yaml
printf '  compression: gzip\n' >> files-gz.yaml
"$SLUICE" run files-gz.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "files gz"; }
s3_download lake files-gz lake-files-gz
$PY - <<'PY' || fail "gzip objects differ"
import glob, gzip, os
a = sorted(glob.glob("lake-files/part-*.json"))
b = sorted(glob.glob("lake-files-gz/part-*.json.gz"))
assert len(a) == len(b) > 0, (a, b)
for x, y in zip(a, b):
    assert open(x, "rb").read() == gzip.open(y).read(), (x, y)
print("gzip objects equal the plain ones")
PY

# 3. checkpoint on S3: stop, restart, resume
mkdir in2
$PY -c '
import json
with open("in2/x.json", "w") as f:
    for i in range(3000): f.write(json.dumps({"id": i}) + "\n")'
cat > cp.yaml <<EOF2
name: cp-s3
window: 1s
checkpoint: s3://cp/jobs/cp-s3
source:
  type: file
  path: ./in2/*.json
sink:
  type: s3
  path: s3://lake/cpjob
  endpoint_url: $S3_URL
  format: json
EOF2
export AWS_ENDPOINT_URL_S3=$S3_URL
"$SLUICE" run cp.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "cp run 1"; }
$PY -c '
import json
with open("in2/x.json", "a") as f:
    for i in range(3000, 7000): f.write(json.dumps({"id": i}) + "\n")'
"$SLUICE" run cp.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "cp run 2"; }
"$SLUICE" run cp.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "cp run 3"; }
s3_download lake cpjob lake-cp
$CHECK exactly lake-cp 7000 1
cpkeys=$(s3py 'print(" ".join(sorted(set(k.split("/")[2] for k in keys("cp", "jobs/cp-s3/")))))')
expect_eq "$cpkeys" "commits metadata offsets" "checkpoint objects"
"$SLUICE" checkpoint show cp.yaml > show.txt 2>>run.log || fail "checkpoint show"
grep -q "cp-s3" show.txt || fail "checkpoint show: $(cat show.txt)"
# reset deletes every checkpoint object; the next run starts over
"$SLUICE" checkpoint reset cp.yaml --yes 2>> run.log || fail "checkpoint reset"
expect_eq "$(s3py 'print(len(keys("cp", "jobs/cp-s3/")))')" 0 "objects after reset"
"$SLUICE" run cp.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "cp run 4"; }
rm -rf lake-cp && s3_download lake cpjob lake-cp
$CHECK exactly lake-cp 7000 2

# 4. generator -> S3 Parquet and -> file Parquet (same job name and seed)
for t in s3 file; do
  if [ $t = s3 ]; then
    sink="type: s3
  path: s3://lake/pq
  endpoint_url: $S3_URL
  part_size: 5MiB"
  else
    sink="type: file
  path: ./lake-pq-file"
  fi
  cat > pq-$t.yaml <<EOF2
name: gen-pq
window: 60s
checkpoint: ./cp-pq-$t
source:
  type: generator
  count: 40000
  partitions: 2
  seed: 12
sink:
  $sink
  format: parquet
  partition_by: [ingest_year, ingest_month, ingest_day]
EOF2
  "$SLUICE" run pq-$t.yaml --until-idle --quiet 2>> run.log || { cat run.log; fail "pq-$t"; }
done
s3_download lake pq lake-pq-s3
$PY - <<'PY' || fail "S3 Parquet differs from the file lake's"
import os, re, hashlib, sys
def tree(root):
    out = {}
    for d, _, fs in os.walk(root):
        if "_sluice_tmp" in d:
            continue
        for f in fs:
            rel = re.sub(r"-[0-9a-f]{16}\.parquet$", ".parquet",
                         os.path.relpath(os.path.join(d, f), root))
            out[rel] = hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest()
    return out
a, b = tree("lake-pq-s3"), tree("lake-pq-file")
assert a == b and len(a) == 2, (sorted(a), sorted(b))
PY
PQ="node $SRC_DIR/tests/integration/parquet_check.mjs"
$PQ exactly lake-pq-s3 80000 1 || fail "DuckDB: ids in the S3 Parquet lake"
out=$($PQ sql "SELECT count(*), count(DISTINCT ingest_day) FROM read_parquet('lake-pq-s3/**/*.parquet', hive_partitioning=true)")
expect_eq "$out" '["80000","1"]' "DuckDB over the S3 lake"
echo "ok: s3 sink"
