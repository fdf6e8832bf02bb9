#!/usr/bin/env bash
# Avro inside a compression layer (the compression table for Avro):
#  1. whole container files (python3-avro: codecs null, deflate, bzip2,
#     snappy) compressed as a whole by the gzip, bzip2, xz and zstd tools,
#     read by the file source with `compression: auto`;
#  2. Kafka messages (mock broker, python3-confluent-kafka) compressed one
#     by one (Python's gzip and python3-zstandard): bare datums, Glue
#     Schema Registry frames and whole container files; a message that is
#     not valid gzip goes to the dead-letter output with the reason.
# Every value is checked exactly.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
start_mock avz:2

$PY - <<'PY'
import json, os
import avro.datafile, avro.io, avro.schema
S = {"type": "record", "name": "Ev", "namespace": "t", "fields": [
    {"name": "id", "type": "long"}, {"name": "s", "type": "string"},
    {"name": "d", "type": "double"}, {"name": "opt", "type": ["null", "int"]}]}
json.dump(S, open('ev.avsc', 'w'))
os.makedirs('raw')
for k, codec in enumerate(['null', 'deflate', 'bzip2', 'snappy']):
    with open('raw/%s.avro' % codec, 'wb') as fh:
        w = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(),
                                         avro.schema.parse(json.dumps(S)), codec=codec)
        for i in range(k * 1000, k * 1000 + 1000):
            w.append({'id': i, 's': 'v%d' % i, 'd': i / 4, 'opt': None if i % 3 else i})
            if i % 250 == 249:
                w.flush()
        w.close()
PY
# 1. every Avro codec under every whole-file compressor: 16 files
mkdir in
for c in null deflate bzip2 snappy; do
  gzip -n -c raw/$c.avro > in/$c.avro.gz
  bzip2 -c raw/$c.avro > in/$c.avro.bz2
  xz -c raw/$c.avro > in/$c.avro.xz
  zstd -q -c raw/$c.avro > in/$c.avro.zst
done
cat > files.yaml <<'EOF2'
name: avz-files
window: 5s
checkpoint: ./cp-files
source: {type: file, path: ./in/*, format: avro, compression: auto}
sink: {type: file, path: ./lake-files, format: json}
dead_letter: {path: ./dl-files}
EOF2
"$SLUICE" run files.yaml --until-idle 2> files.log || { cat files.log; fail "files run"; }
$PY - <<'PY' || fail "compressed container files"
import glob, json
from collections import Counter
rows = [json.loads(l) for p in glob.glob('lake-files/**/*.json', recursive=True) for l in open(p)]
assert not glob.glob('dl-files/**/*.json', recursive=True), 'dead letters'
c = Counter(r['id'] for r in rows)
assert sorted(c) == list(range(4000)) and set(c.values()) == {4}, (len(c), set(c.values()))
for r in rows:
    i = r['id']
    w = {'id': i, 's': 'v%d' % i, 'd': i / 4}
    if i % 3 == 0:
        w['opt'] = i
    assert r == w, (r, w)
print('ok: 4 Avro codecs x gzip, bzip2, xz, zstd: 16000 rows exact')
PY

# 2. per-message compression over Kafka
mkdir glue
cp ev.avsc glue/0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b.avsc
$PY - "$B" <<'PY'
import gzip, io, json, sys, uuid
import avro.datafile, avro.io, avro.schema, zstandard
from confluent_kafka import Producer
S = avro.schema.parse(open('ev.avsc').read())
GLUE = uuid.UUID('0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b')
def enc(d):
    b = io.BytesIO()
    avro.io.DatumWriter(S).write(d, avro.io.BinaryEncoder(b))
    return b.getvalue()
def row(i):
    return {'id': i, 's': 'm%d' % i, 'd': -i / 2, 'opt': i if i % 2 else None}
z = zstandard.ZstdCompressor()
p = Producer({'bootstrap.servers': sys.argv[1]})
# topic avz, partition 0: bare datums (gzip, zstd, plain)
for i in range(0, 300):
    d = enc(row(i))
    v = gzip.compress(d) if i % 3 == 0 else z.compress(d) if i % 3 == 1 else d
    p.produce('avz', v, partition=0)
p.produce('avz', b'\x1f\x8b\x08\x00garbage that is not deflate', partition=0)
# partition 1: Glue frames and container files, compressed
for i in range(1000, 1200):
    fr = b'\x03\x00' + GLUE.bytes + enc(row(i))
    p.produce('avz', gzip.compress(fr) if i % 2 else z.compress(fr), partition=1)
for f in range(4):
    class Keep(io.BytesIO):
        def close(self): pass
    b = Keep()
    w = avro.datafile.DataFileWriter(b, avro.io.DatumWriter(), S, codec='deflate')
    for i in range(2000 + 10 * f, 2010 + 10 * f):
        w.append(row(i))
    w.close()
    v = b.getvalue()
    p.produce('avz', gzip.compress(v) if f % 2 else z.compress(v), partition=1)
p.flush()
PY
kjob() { # name partition extra-yaml
  cat > "$1.yaml" <<EOF2
name: avz-$1
window: 5s
checkpoint: ./cp-$1
source:
  type: kafka
  bootstrap_servers: $B
  assign: {avz: [$2]}
  starting_offsets: earliest
  ending_offsets: latest
  format: avro
  compression: auto
$3
sink: {type: file, path: ./lake-$1, format: json}
dead_letter: {path: ./dl-$1}
EOF2
  "$SLUICE" run "$1.yaml" --until-idle 2> "$1.log" || { cat "$1.log"; fail "$1 run"; }
}
kjob datums 0 "  avro_framing: datum
  avro_schema: ./ev.avsc"
kjob framed 1 "  glue_schema_dir: ./glue"
$PY - <<'PY' || fail "compressed Kafka messages"
import glob, json
def lines(d):
    return [json.loads(l) for p in glob.glob(d + '/**/*.json', recursive=True)
            for l in open(p)]
def rows(d):
    return sorted(lines(d), key=lambda r: r['id'])
def want(i):
    w = {'id': i, 's': 'm%d' % i, 'd': -i / 2}
    if i % 2:
        w['opt'] = i
    return w
got = rows('lake-datums')
assert got == [want(i) for i in range(300)], len(got)
dl = lines('dl-datums')
assert len(dl) == 1, dl
assert dl[0]['error'] == 'gzip: corrupt deflate data at compressed byte 14 (invalid code lengths set)', dl[0]['error']
assert dl[0]['position'] == '300' and dl[0]['partition'] == 'avz/0', dl[0]
got = rows('lake-framed')
want_ids = list(range(1000, 1200)) + list(range(2000, 2040))
assert got == [want(i) for i in want_ids], (len(got), got[:2])
assert not glob.glob('dl-framed/**/*.json', recursive=True)
print('ok: gzip/zstd per message: 300 bare datums, 200 Glue frames, '
      '4 container files exact; 1 bad gzip dead-lettered')
PY
echo "avro compressed ok"
