#!/usr/bin/env bash
# sink.format: avro. JSON lines with every sluice type (nulls at every
# level, unicode, empty and large strings) are written as Avro container
# files with each output codec; python3-avro (an independent reader) reads
# every file back and every value is compared with the input. Also: small
# blocks (many per file), the same bytes from a second run (replays must
# rewrite identical files: the sync marker is not random), and sluice
# reading its own output back with format: avro.
source "$(dirname "$0")/lib.sh"

mkdir -p in
$PY - <<'PY'
import json
with open('in/a.json', 'w') as f:
    for i in range(3000):
        r = {"id": i, "b": i % 2 == 0, "i": i - 1500, "f": i + 0.5, "d": i / 3,
             "s": "s\u00e9\u2713%d" % i, "dt": "2026-01-%02d" % (i % 28 + 1),
             "ts": "2026-11-25T10:00:%02d.%06dZ" % (i % 60, i),
             "dec": "%s%d.%02d" % ("-" if i % 7 == 0 else "", i * 1000, i % 100),
             "arr": [i, None, i + 1][: i % 4], "m": {"k": "v%d" % i, "n": None},
             "st": {"x": i, "y": None if i % 2 else "y", "z": [{"q": i}]},
             "bin": None}
        if i % 5 == 0: r["s"] = None
        if i % 11 == 0: r["st"] = None
        if i == 7: r["s"] = ""
        if i == 8: r["s"] = "L" * 100000
        f.write(json.dumps(r) + "\n")
PY
cat > base.yaml <<'EOF2'
window: 5s
source:
  type: file
  path: ./in/*.json
  format: json
  schema:
    - {name: id, type: bigint, nullable: false}
    - {name: b, type: boolean}
    - {name: i, type: int}
    - {name: f, type: float}
    - {name: d, type: double}
    - {name: s, type: string}
    - {name: dt, type: date}
    - {name: ts, type: timestamp}
    - {name: dec, type: "decimal(12,2)"}
    - {name: arr, type: "array<bigint>"}
    - {name: m, type: "map<string,string>"}
    - {name: st, type: "struct<x:int,y:string,z:array<struct<q:bigint>>>"}
    - {name: bin, type: binary}
dead_letter:
  path: ./errors
EOF2
run() { # name codec [block bytes]
  { echo "name: job-$1"; echo "checkpoint: ./cp-$1"; cat base.yaml
    echo "sink:"; echo "  type: file"; echo "  path: ./lake-$1"
    echo "  format: avro"; echo "  compression: $2"
    [ -n "${3:-}" ] && echo "  avro_block_bytes: $3"
    [ -n "${4:-}" ] && echo "  compression_level: $4"; true; } > "$1.yaml"
  "$SLUICE" run "$1.yaml" --until-idle 2> "$1.log" || { cat "$1.log"; fail "$1"; }
}
for c in null deflate snappy zstandard; do run "$c" "$c"; done
run fast deflate "" 1
run zmax zstandard "" 19
run small deflate 4KiB
run again deflate 4KiB

$PY - <<'PY'
import avro.datafile, avro.io, datetime, decimal, glob, json, hashlib
inp = [json.loads(l) for l in open('in/a.json')]
def want(r):
    w = dict(r)
    w['f'] = float(r['f'])
    w['dt'] = datetime.date.fromisoformat(r['dt'])
    w['ts'] = datetime.datetime.fromisoformat(r['ts'].replace('Z', '+00:00'))
    w['dec'] = decimal.Decimal(r['dec'])
    return w
def files(lake):
    return sorted(glob.glob(lake + '/**/*.avro', recursive=True))
for lake, codec, min_blocks in [('lake-null', 'null', 1), ('lake-deflate', 'deflate', 1),
        ('lake-snappy', 'snappy', 1), ('lake-zstandard', 'zstandard', 1),
        ('lake-small', 'deflate', 50), ('lake-fast', 'deflate', 1),
        ('lake-zmax', 'zstandard', 1)]:
    fs = files(lake)
    assert len(fs) == 1, fs
    rd = avro.datafile.DataFileReader(open(fs[0], 'rb'), avro.io.DatumReader())
    assert rd.meta['avro.codec'].decode() == codec, rd.meta['avro.codec']
    rows = list(rd)
    assert len(rows) == len(inp), (lake, len(rows))
    for got, r in zip(rows, inp):
        w = want(r)
        got = dict(got)
        got['ts'] = got['ts'].astimezone(datetime.timezone.utc) if got['ts'] else None
        assert got == w, (lake, r['id'], {k: (got.get(k), w.get(k)) for k in w if got.get(k) != w.get(k)})
    data = open(fs[0], 'rb').read()
    sync = data[data.index(b'\x00', data.index(b'avro.codec') + 12) + 1:][:16]
    assert data.count(sync) >= min_blocks + 1, (lake, data.count(sync))
import os
size = lambda lake: os.path.getsize(files(lake)[0])
assert size('lake-fast') > size('lake-deflate'), 'compression_level 1 not applied'
assert size('lake-zmax') < size('lake-zstandard'), 'compression_level 19 not applied'
a, b = files('lake-small')[0], files('lake-again')[0]
assert hashlib.sha256(open(a, 'rb').read()).digest() == hashlib.sha256(open(b, 'rb').read()).digest(), 'second run wrote other bytes'
print('ok: python3-avro reads every codec; identical bytes on a second run')
PY

# sluice reads its own Avro back: same rows as the JSON input.
cat > back.yaml <<'EOF2'
name: back
window: 5s
checkpoint: ./cp-back
source:
  type: file
  path: ./lake-small/*.avro
  format: avro
sink:
  type: file
  path: ./lake-back
  format: json
dead_letter:
  path: ./errors-back
EOF2
"$SLUICE" run back.yaml --until-idle 2> back.log || { cat back.log; fail back; }
$PY - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ.get('SL_SOURCE_DIR', '.') + '/tests/integration')
from check import data_files
inp = {json.loads(l)['id']: json.loads(l) for l in open('in/a.json')}
got = [json.loads(l) for p in data_files('lake-back') for l in open(p)]
assert len(got) == len(inp), len(got)
def norm(r):
    r = {k: v for k, v in r.items() if v is not None}
    r['dec'] = float(r['dec'])
    r['ts'] = r['ts'].replace('.000000', '').rstrip('0').rstrip('.') if '.' in r['ts'] else r['ts']
    if 'st' in r:
        r['st'] = {k: v for k, v in r['st'].items() if v is not None}
    r['m'] = {k: v for k, v in r['m'].items()}
    return r
for g in got:
    w = norm(dict(inp[g['id']]))
    g['dec'] = float(g['dec'])
    g['ts'] = g['ts'][:-1].rstrip('0').rstrip('.') if '.' in g['ts'] else g['ts'][:-1]
    w['ts'] = w['ts'][:-1].rstrip('0').rstrip('.') if '.' in w['ts'] else w['ts'][:-1]
    assert g == w, (g['id'], {k: (g.get(k), w.get(k)) for k in set(g) | set(w) if g.get(k) != w.get(k)})
print('ok: %d rows read back by sluice' % len(got))
PY
# Detected fields seen only as null (type void) become Avro "null", never
# a ["null","null"] union (which readers refuse).
mkdir -p in2
printf '{"id":1,"x":null,"arr":[null],"m":{"k":null}}\n{"id":2,"x":null,"arr":[],"m":{}}\n' > in2/a.json
cat > nulls.yaml <<'EOF2'
name: nulls
window: 5s
checkpoint: ./cp-nulls
source: {type: file, path: ./in2/*.json, format: json}
sink: {type: file, path: ./lake-nulls, format: avro}
EOF2
"$SLUICE" run nulls.yaml --until-idle 2> nulls.log || { cat nulls.log; fail nulls; }
$PY - <<'PY'
import avro.datafile, avro.io, glob
p, = glob.glob('lake-nulls/*.avro')
rows = list(avro.datafile.DataFileReader(open(p, 'rb'), avro.io.DatumReader()))
assert rows == [{'id': 1, 'x': None, 'arr': [None], 'm': {'k': None}},
                {'id': 2, 'x': None, 'arr': [], 'm': {'k': None}}], rows
print('ok: void columns')
PY
echo "avro output ok"
