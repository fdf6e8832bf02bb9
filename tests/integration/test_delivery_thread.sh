#!/usr/bin/env bash
# delivery_thread: the same job with and without the engine's delivery
# thread (transforms and sink writes of chunk N while chunk N+1 is decoded)
# writes the same lake, byte for byte: rows, dead letters from the decoder
# and from a transform, in the same files in the same order. Small chunks
# (50 records) so that hundreds of chunks go through the hand-off; schema
# detection on, so the two decode batches are rebuilt as schemas widen.
source "$(dirname "$0")/lib.sh"

$PY - <<'PY'
import json
with open('in.json', 'w') as f:
    for i in range(20000):
        if i % 997 == 0:
            f.write('not json{\n')              # decoder dead letter
        r = {'id': i, 'page': '/p%d' % (i % 13), 'lat': i % 500}
        if i % 1301 == 0:
            r['lat'] = 'slow'                   # apply_mapping dead letter
        if i >= 15000:
            r['extra'] = {'k': i % 7}           # the schema widens late
        f.write(json.dumps(r) + '\n')
PY

job() { # name delivery_thread
  cat > "$1.yaml" <<EOF
name: $1
window: 100s
chunk_records: 50
delivery_thread: $2
checkpoint: ./cp-$1
source: {type: file, path: ./in.json, format: json}
transforms:
  - apply_mapping:
      mappings:
        - [id, bigint, id, bigint]
        - [lat, int, lat, int]
        - [page, string, page, string]
      on_error: dead_letter
sink: {type: file, path: ./lake-$1, format: json}
EOF
  "$SLUICE" run "$1.yaml" --until-idle 2> "$1.log" || { cat "$1.log"; fail "$1"; }
}
job one false
job two true

# 21 decoder dead letters (i % 997 == 0 for i < 20000), 16 from the mapping
# (i % 1301 == 0), the rest out
grep -q "20021 records in, 19984 rows out, 37 dead-lettered" two.log \
  || { cat two.log; fail "counts with delivery_thread"; }
grep -q "20021 records in, 19984 rows out, 37 dead-lettered" one.log \
  || { cat one.log; fail "counts without delivery_thread"; }
$PY - <<'PY' || fail "lakes differ"
import os, re
def lake(root):
    out = {}
    for d, _, fs in os.walk(root):
        if '_sluice_tmp' in d:
            continue
        for f in fs:
            p = os.path.join(d, f)
            # names differ only by the checkpoint id
            key = re.sub(r'-[0-9a-f]{16}\.', '.', os.path.relpath(p, root))
            out[key] = open(p, 'rb').read()
    return out
a, b = lake('lake-one'), lake('lake-two')
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
for k in a:
    assert a[k] == b[k], k
rows = sum(v.count(b'\n') for k, v in a.items() if not k.startswith('_errors'))
dead = sum(v.count(b'\n') for k, v in a.items() if k.startswith('_errors'))
assert (rows, dead) == (19984, 37), (rows, dead)
print('ok: %d files, %d rows, %d dead letters, identical' % (len(a), rows, dead))
PY
echo "delivery thread ok"
