#!/usr/bin/env bash
# format: avro over Kafka (mock broker), end to end: Confluent frames whose
# schemas come from a real HTTP registry (tests/peers/avro_registry.py, basic
# auth), two schema ids with different fields, Glue Schema Registry frames
# (plain and zlib) with a local schema folder, whole container files as
# messages, and an unknown schema id plus a garbage message, which go to
# the dead-letter output with their reasons while every other row arrives.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
start_mock av:2

# The registry peer lives as long as fd 9 (this shell) keeps its stdin open.
mkfifo reg.in
$PY "$SRC_DIR/tests/peers/avro_registry.py" reg < reg.in > reg.out 2> reg.err &
exec 9> reg.in
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/^PORT=//p' reg.out 2>/dev/null || true)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "registry peer did not start: $(cat reg.err)"

$PY - "$B" <<'PY'
import io, json, struct, sys, uuid, zlib
import avro.datafile, avro.io, avro.schema
from confluent_kafka import Producer
sys.path.insert(0, 'reg')
S7 = json.load(open('reg/schema7.avsc'))
S8 = json.load(open('reg/schema8.avsc'))
GLUE = uuid.UUID('0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b')
def enc(s, d):
    b = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(json.dumps(s))).write(d, avro.io.BinaryEncoder(b))
    return b.getvalue()
p = Producer({'bootstrap.servers': sys.argv[1]})
msgs = []
for i in range(200):
    msgs.append(b'\x00' + struct.pack('>I', 7) + enc(S7, {'id': i, 'page': '/p%d' % i, 'ms': i if i % 2 else None}))
for i in range(200, 250):
    msgs.append(b'\x00' + struct.pack('>I', 8) + enc(S8, {'id': i, 'page': '/q', 'extra': i / 4}))
for i in range(300, 320):
    d = enc(S7, {'id': i, 'page': '/glue', 'ms': None})
    msgs.append(b'\x03\x00' + GLUE.bytes + d if i % 2 else b'\x03\x05' + GLUE.bytes + zlib.compress(d))
for f in range(5):
    class Keep(io.BytesIO):
        def close(self): pass
    b = Keep()
    w = avro.datafile.DataFileWriter(b, avro.io.DatumWriter(), avro.schema.parse(json.dumps(S7)), codec='deflate')
    for i in range(400 + 3 * f, 403 + 3 * f):
        w.append({'id': i, 'page': '/file', 'ms': 1})
    w.close()
    msgs.append(b.getvalue())
msgs.append(b'\x00' + struct.pack('>I', 99) + enc(S7, {'id': 999, 'page': 'x', 'ms': None}))
msgs.append(b'{"not": "avro"}')
for k, m in enumerate(msgs):
    p.produce('av', m, key=b'k%d' % k)
p.flush()
print('produced %d messages' % len(msgs))
PY

cat > job.yaml <<EOF2
name: avro-kafka
window: 2s
checkpoint: ./cp
source:
  type: kafka
  bootstrap_servers: $B
  topic: av
  starting_offsets: earliest
  ending_offsets: latest
  format: avro
  schema_registry_url: http://127.0.0.1:$PORT
  schema_registry_user: u
  schema_registry_password: p
  glue_schema_dir: ./reg/glue
  registry_retries: 1
sink:
  type: file
  path: ./lake
  format: json
EOF2
"$SLUICE" run job.yaml 2> run.log || { cat run.log; fail "run"; }

$PY - <<'PY'
import json, os
rows, errs = [], []
for d, _, fs in os.walk('lake'):
    for f in fs:
        if not f.endswith('.json'):
            continue
        lines = [json.loads(l) for l in open(os.path.join(d, f))]
        (errs if '_errors' in d else rows).extend(lines)
ids = sorted(r['id'] for r in rows)
want = list(range(250)) + list(range(300, 320)) + list(range(400, 415))
assert ids == want, (len(ids), len(want))
by = {r['id']: r for r in rows}
assert by[3] == {'id': 3, 'page': '/p3', 'ms': 3}, by[3]
assert by[210] == {'id': 210, 'page': '/q', 'extra': 52.5}, by[210]
assert by[301] == {'id': 301, 'page': '/glue'} and by[302] == {'id': 302, 'page': '/glue'}, (by[301], by[302])
assert by[414] == {'id': 414, 'page': '/file', 'ms': 1}, by[414]
reasons = sorted(e['error'] for e in errs)
assert len(reasons) == 2, reasons
assert any('schema registry, id 99' in r and '404' in r for r in reasons), reasons
assert any('no avro_schema is set' in r for r in reasons), reasons
print('ok: %d rows from Confluent, Glue and container messages; 2 dead letters' % len(rows))
PY
echo "avro over kafka ok"
