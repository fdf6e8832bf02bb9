#!/usr/bin/env bash
# format: avro over the file source. python3-avro (an independent writer)
# makes the container files; every row must come out exactly as expected:
#  1. every Avro type and logical type, in every codec (null, deflate,
#     bzip2, snappy, zstandard from python3-avro; xz assembled from the
#     spec's layout), one output file per input file;
#  2. schema evolution: a reader schema (avro_schema) that promotes, adds
#     fields with defaults, drops, renames by alias, maps enum symbols;
#  3. non-record roots (long, array, map, unions, enum, fixed, double);
#  4. broken blocks and garbage go to the dead-letter output, block by
#     block, and every good block still reaches the lake;
#  5. a job stopped in the middle of a container file resumes there: with
#     the header saved (by default in the checkpoint folder, or in
#     avro_header_dir) every row arrives exactly once; when the saved
#     header is lost the blocks after the restart are dead-lettered;
#  6. a declared `schema:` takes the columns it names, converting where it
#     can (int -> double, long -> double, timestamp -> ISO text), skips the
#     others and leaves missing ones null.
source "$(dirname "$0")/lib.sh"
FIX="$PY $SRC_DIR/tests/integration/avro/fixtures.py"
CMP="$PY $SRC_DIR/tests/integration/avro/compare.py"

job() { # name input-glob lake [extra source line]
  cat > "$1.yaml" <<EOF2
name: $1
window: 5s
checkpoint: ./cp-$1
source:
  type: file
  path: $2
  format: avro
  ${4:-}
sink:
  type: file
  path: $3
  format: json
dead_letter:
  path: ./errors-$1
EOF2
  "$SLUICE" run "$1.yaml" --until-idle 2> "$1.log" || { cat "$1.log"; fail "$1: run failed"; }
}

# 1. types x codecs
$FIX types types/in
job types './types/in/*.avro' ./types/lake
$CMP types/lake types/expect_types.json --per-file 6 || fail "types"
grep -q " 0 dead-lettered" types.log || fail "types: dead letters"

# 2. evolution
$FIX evolution evo/in
job evo './evo/in/*.avro' ./evo/lake "avro_schema: ./evo/reader.avsc"
$CMP evo/lake evo/expect_evo.json || fail "evolution"

# 3. non-record roots
$FIX roots roots
for d in roots/*/; do
  n=$(basename "$d")
  job "root-$n" "./roots/$n/*.avro" "./roots/$n/lake"
  $CMP "roots/$n/lake" "roots/$n/expect.json" --key value || fail "root $n"
done

# 4. broken blocks
$FIX bad bad/in
job bad './bad/in/*.avro' ./bad/lake
$PY - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ.get('SL_SOURCE_DIR', '.') + '/tests/integration')
from check import data_files
want = json.load(open('bad/expect_bad.json'))
ids = sorted(json.loads(l)['id'] for p in data_files('bad/lake') for l in open(p))
assert ids == want['ids'], (len(ids), len(want['ids']))
errs = [json.loads(l) for p in data_files('errors-bad', errors=True) for l in open(p)]
assert len(errs) == want['dead'], (len(errs), want['dead'])
text = '\n'.join(e['error'] for e in errs)
for why in ['deflate block does not inflate', 'CRC-32 mismatch',
            'field $.s: length longer than the data', 'truncated or overlong varint',
            'not an Avro container file']:
    assert why in text, (why, text)
print('ok: %d good rows, %d dead letters' % (len(ids), len(errs)))
PY
# 5. restart in the middle of a container file (4 blocks of 5 rows; a
#    batch of 2 records = the header and the first block): `def` keeps the
#    headers in the default place (<checkpoint>/avro-headers), `set` in an
#    avro_header_dir, `lost` loses them between the runs
$FIX restart rs/in
for hd in def set lost; do
  cat > "rs-$hd.yaml" <<EOF2
name: rs-$hd
window: 5s
checkpoint: ./cp-rs-$hd
chunk_records: 1
max_batch_records: 2
source:
  type: file
  path: ./rs/in/*.avro
  format: avro
  $( [ $hd = set ] && echo "avro_header_dir: ./hdr-set" )
sink: {type: file, path: ./rs/lake-$hd, format: json}
dead_letter: {path: ./rs/errors-$hd}
EOF2
  "$SLUICE" run "rs-$hd.yaml" --max-batches 1 2> "rs-$hd-1.log" || { cat "rs-$hd-1.log"; fail "rs-$hd 1"; }
  [ $hd = lost ] && rm -r cp-rs-lost/avro-headers
  "$SLUICE" run "rs-$hd.yaml" --until-idle 2> "rs-$hd-2.log" || { cat "rs-$hd-2.log"; fail "rs-$hd 2"; }
done
expect_eq "$(ls cp-rs-def/avro-headers | grep -c '\.avrohdr$')" 1 "default header folder"
expect_eq "$(ls hdr-set | grep -c '\.avrohdr$')" 1 "avro_header_dir"
[ ! -e cp-rs-set/avro-headers ] || fail "avro_header_dir set, yet headers in the checkpoint"
$PY - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ.get('SL_SOURCE_DIR', '.') + '/tests/integration')
from check import data_files
def ids(d):
    return sorted(json.loads(l)['id'] for p in data_files(d) for l in open(p))
def errs(d):
    return [json.loads(l)['error'] for p in data_files(d, errors=True) for l in open(p)]
for hd in ('def', 'set'):
    assert ids('rs/lake-' + hd) == list(range(20)), (hd, ids('rs/lake-' + hd))
    assert errs('rs/errors-' + hd) == [], (hd, errs('rs/errors-' + hd))
assert ids('rs/lake-lost') == list(range(5)), ids('rs/lake-lost')
e = errs('rs/errors-lost')
assert len(e) == 3 and all('set avro_header_dir' in x for x in e), e
print('ok: restart mid-file: 20 rows with the saved header (default folder '
      'or avro_header_dir); 5 + 3 dead letters when it is lost')
PY
# 6. declared schema
cat > declared.yaml <<'EOF2'
name: declared
window: 5s
checkpoint: ./cp-declared
source:
  type: file
  path: ./types/in/every-deflate.avro
  format: avro
  schema:
    - {name: id, type: bigint}
    - {name: i, type: double}
    - {name: s, type: string}
    - {name: rec, type: "struct<x:bigint>"}
    - {name: arr, type: "array<double>"}
    - {name: missing, type: string}
    - {name: tsm, type: string}
sink: {type: file, path: ./declared/lake, format: json}
dead_letter: {path: ./declared/errors}
EOF2
"$SLUICE" run declared.yaml --until-idle 2> declared.log || { cat declared.log; fail declared; }
$PY - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ.get('SL_SOURCE_DIR', '.') + '/tests/integration')
from check import data_files
rows = sorted((json.loads(l) for p in data_files('declared/lake') for l in open(p)),
              key=lambda r: r['id'])
assert len(rows) == 40, len(rows)
assert rows[1] == {"id": 1, "i": -1073741827, "s": "h\u00e9llo 1 \u2713", "rec": {"x": 1},
                   "arr": [0], "tsm": "2026-11-25T10:00:01.001000Z"}, rows[1]
assert all(set(r) == {"id", "i", "s", "rec", "arr", "tsm"} for r in rows)
print('ok: declared schema')
PY
echo "avro decode ok"
