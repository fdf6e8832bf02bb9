#!/usr/bin/env bash
# sink.compression: JSON lines and CSV output compressed with gzip, zstd,
# bzip2 and xz. Each compressed file, decompressed by the command-line
# tool, must equal the file the same job writes uncompressed; a replayed
# batch must rewrite the same compressed bytes; Parquet-style encoders and
# unknown codecs are refused with a message.
source "$(dirname "$0")/lib.sh"
N=20000

$PY - $N <<'PY'
import json, sys
n = int(sys.argv[1])
with open('events.json', 'w') as f:
    for i in range(n):
        f.write(json.dumps({"id": i, "name": "user%d" % i, "v": i % 97,
                            "tags": ["a", "b"][: i % 3]}) + "\n")
PY
mkdir -p in && cp events.json in/

run_job() { # name format compression
  cat > "$1.yaml" <<EOF
name: $1
checkpoint: ./cp-$1
max_batch_records: 6000
source:
  type: file
  path: ./in/*.json
sink:
  type: file
  path: ./lake-$1
  format: $2
  compression: $3
  max_file_size: 128KiB
EOF
  "$SLUICE" run "$1.yaml" --until-idle --quiet 2>> run.log \
    || { tail -20 run.log; fail "job $1 failed"; }
}

cpid() { $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "cp-$1/metadata"; }

for fmt in json csv; do
  run_job "$fmt-none" $fmt none
  ref=$(cpid "$fmt-none")
  nref=$(ls "lake-$fmt-none"/*.$fmt | wc -l)
  [ "$nref" -ge 3 ] || fail "$fmt: expected several parts, got $nref"
  for c in gzip zstd bzip2 xz; do
    case $c in
      gzip) suf=gz; tool="gzip -dc" ;;
      zstd) suf=zst; tool="zstd -qdc" ;;
      bzip2) suf=bz2; tool="bzip2 -dc" ;;
      xz) suf=xz; tool="xz -dc" ;;
    esac
    run_job "$fmt-$c" $fmt $c
    id=$(cpid "$fmt-$c")
    n=$(ls "lake-$fmt-$c"/*.$fmt.$suf | wc -l)
    [ "$n" -ge 1 ] || fail "$fmt $c: no .$fmt.$suf files"
    # every row once, and file by file equal to the uncompressed job's
    # output when the parts fall the same way (max_file_size counts
    # compressed bytes, so the compressed job has fewer, larger parts)
    cat "lake-$fmt-$c"/*.$suf | $tool > all.$c
    if [ $fmt = json ]; then
      cmp <(sort all.$c) <(cat "lake-$fmt-none"/*.json | sort) \
        || fail "$fmt $c: rows differ"
    else
      cmp <(grep -v '^id,' all.$c | sort) \
          <(cat "lake-$fmt-none"/*.csv | grep -v '^id,' | sort) \
        || fail "$fmt $c: rows differ"
    fi
    extra=0; [ $fmt = csv ] && extra=$n  # a header per CSV file
    [ "$(wc -l < all.$c)" = $((N + extra)) ] \
      || fail "$fmt $c: $(wc -l < all.$c) lines"
  done
  echo "$fmt: ok"
done

# byte for byte: with max_file_size large enough for one part per batch,
# the compressed files decompress to the uncompressed job's files
rm -rf cp-* lake-*
for c in none gzip zstd; do
  cat > "one-$c.yaml" <<EOF
name: one-$c
checkpoint: ./cp-one-$c
max_batch_records: 6000
source: {type: file, path: ./in/*.json}
sink: {type: file, path: ./lake-one-$c, format: json, compression: $c}
EOF
  "$SLUICE" run "one-$c.yaml" --until-idle --quiet 2>> run.log || fail "one-$c"
done
ref=$(cpid one-none)
for f in lake-one-none/*.json; do
  b=$(basename "$f" "-$ref.json")
  cmp "$f" <(gzip -dc lake-one-gzip/"$b"-$(cpid one-gzip).json.gz) \
    || fail "gzip file $b differs"
  cmp "$f" <(zstd -qdc lake-one-zstd/"$b"-$(cpid one-zstd).json.zst) \
    || fail "zstd file $b differs"
done
[ "$(ls lake-one-none/*.json | wc -l)" = 3 ] || fail "expected 3 batches (8192 records each: two chunks)"
echo "byte for byte: ok"

# replay: drop the last commit, run again: same names, same bytes
before=$(cd lake-one-gzip && md5sum *.gz)
last=$(ls cp-one-gzip/commits | sort -n | tail -1)
rm "cp-one-gzip/commits/$last"
"$SLUICE" run one-gzip.yaml --until-idle 2>> replay.log || fail "replay run"
grep -q "replaying batch $last" replay.log || fail "no replay"
after=$(cd lake-one-gzip && md5sum *.gz)
[ "$before" = "$after" ] || fail "replay changed the gzip files"
echo "replay: ok"

# refused: a codec that cannot be written, and a non-text format
cat > bad.yaml <<'EOF'
name: bad
checkpoint: ./cp-bad
source: {type: file, path: ./in/*.json}
sink: {type: file, path: ./lake-bad, format: json, compression: snappy}
EOF
out=$("$SLUICE" run bad.yaml --until-idle 2>&1) && fail "snappy accepted"
echo "$out" | grep -q "compression: 'snappy' cannot be written; use none, gzip, zstd, bzip2 or xz" \
  || fail "snappy message: $out"
# Parquet owns its `compression` (page codec): the sink does not compress
# the file again and the name stays .parquet
cat > pq.yaml <<'EOF'
name: pq
checkpoint: ./cp-pq
source: {type: file, path: ./in/*.json}
sink: {type: file, path: ./lake-pq, format: parquet, compression: zstd}
EOF
"$SLUICE" run pq.yaml --until-idle --quiet 2>> run.log || fail "parquet job"
n=$(ls lake-pq/*.parquet | wc -l)
[ "$n" -ge 1 ] || fail "no .parquet file"
[ -z "$(ls lake-pq | grep -E '\.(zst|gz)$')" ] || fail "parquet file renamed"
for f in lake-pq/*.parquet; do
  [ "$(head -c 4 "$f")" = PAR1 ] || fail "$f does not start with PAR1"
  [ "$(tail -c 4 "$f")" = PAR1 ] || fail "$f does not end with PAR1"
done
echo "parquet: ok"
echo "compress sink ok"
