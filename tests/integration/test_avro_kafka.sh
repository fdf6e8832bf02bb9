#!/usr/bin/env bash
# format: avro over Kafka (mock broker) end to end. python3-confluent-kafka
# produces python3-avro datums with Confluent framing (schema ids 7 and 8,
# different fields), Glue Schema Registry frames (plain and zlib, schema
# from a local folder), whole container files, and bad records. Schemas
# come from a tiny Confluent registry started here (GET /schemas/ids/{id},
# basic auth u:p), which also counts the requests per id.
#  1. every good row reaches the lake with exact values; an unknown id (99,
#     the registry answers 404) and a failing id (55, the registry answers
#     503) are asked 1 + registry_retries times, then their records go to
#     the dead-letter output with the reason; a garbage record too;
#  2. with the registry down (its process killed), Confluent records are
#     retried, then dead-lettered with the reason; nothing is dropped.
# Peers: the mock broker and the registry write to files, never to the
# test's output, and the EXIT trap kills both (the registry by process
# group), so CTest is never left waiting.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
REG_PID=
trap 'rc=$?
  [ -n "$REG_PID" ] && { kill -- -"$REG_PID" 2>/dev/null || kill "$REG_PID" 2>/dev/null; }
  [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null
  wait 2>/dev/null
  if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi
  exit $rc' EXIT
start_mock av:2 av2:1

mkdir reg glue
cat > reg/schema7.avsc <<'J'
{"type": "record", "name": "Click", "namespace": "t", "fields": [
 {"name": "id", "type": "long"}, {"name": "page", "type": "string"},
 {"name": "ms", "type": ["null", "int"]}]}
J
cat > reg/schema8.avsc <<'J'
{"type": "record", "name": "Click", "namespace": "t", "fields": [
 {"name": "id", "type": "int"}, {"name": "page", "type": "string"},
 {"name": "extra", "type": "double"}]}
J
cp reg/schema7.avsc glue/0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b.avsc

# the registry: serves until killed; its own process group
setsid "$PY" - > reg.out 2> reg.err < /dev/null <<'PY' &
import base64, json, threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
S = {7: open('reg/schema7.avsc').read(), 8: open('reg/schema8.avsc').read()}
count, lock = Counter(), threading.Lock()
AUTH = 'Basic ' + base64.b64encode(b'u:p').decode()
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/vnd.schemaregistry.v1+json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        p = self.path.split('/')
        if p[1] == 'count':
            with lock:
                return self.send(200, dict(count))
        if self.headers.get('Authorization') != AUTH:
            return self.send(401, {'error_code': 401, 'message': 'Unauthorized'})
        if len(p) != 4 or p[1:3] != ['schemas', 'ids'] or not p[3].isdigit():
            return self.send(404, {'error_code': 404, 'message': 'HTTP 404 Not Found'})
        i = int(p[3])
        with lock:
            count[str(i)] += 1
        if i == 55:
            return self.send(503, {'error_code': 50003, 'message': 'store unavailable'})
        if i not in S:
            return self.send(404, {'error_code': 40403, 'message': 'Schema not found'})
        self.send(200, {'schema': S[i]})
srv = ThreadingHTTPServer(('127.0.0.1', 0), H)
print('PORT=%d' % srv.server_address[1], flush=True)
srv.serve_forever()
PY
REG_PID=$!
PORT=
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/^PORT=//p' reg.out 2>/dev/null || true)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "registry did not start: $(cat reg.err)"

$PY - "$B" <<'PY'
import io, json, struct, sys, uuid, zlib
import avro.datafile, avro.io, avro.schema
from confluent_kafka import Producer
S7 = avro.schema.parse(open('reg/schema7.avsc').read())
S8 = avro.schema.parse(open('reg/schema8.avsc').read())
GLUE = uuid.UUID('0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b')
def enc(s, d):
    b = io.BytesIO()
    avro.io.DatumWriter(s).write(d, avro.io.BinaryEncoder(b))
    return b.getvalue()
def conf(i, d):
    return b'\x00' + struct.pack('>I', i) + d
msgs = []
for i in range(200):
    msgs.append(conf(7, enc(S7, {'id': i, 'page': '/p%d' % i, 'ms': i if i % 2 else None})))
for i in range(200, 250):
    msgs.append(conf(8, enc(S8, {'id': i, 'page': '/q', 'extra': i / 4})))
for i in range(300, 320):
    d = enc(S7, {'id': i, 'page': '/glue', 'ms': None})
    msgs.append(b'\x03\x00' + GLUE.bytes + d if i % 2 else
                b'\x03\x05' + GLUE.bytes + zlib.compress(d))
for f in range(5):
    class Keep(io.BytesIO):
        def close(self): pass
    b = Keep()
    w = avro.datafile.DataFileWriter(b, avro.io.DatumWriter(), S7, codec='deflate')
    for i in range(400 + 3 * f, 403 + 3 * f):
        w.append({'id': i, 'page': '/file', 'ms': 1})
    w.close()
    msgs.append(b.getvalue())
for k in range(3):
    msgs.append(conf(99, enc(S7, {'id': 900 + k, 'page': 'x', 'ms': None})))
for k in range(4):
    msgs.append(conf(55, enc(S7, {'id': 550 + k, 'page': 'y', 'ms': None})))
msgs.append(b'{"not": "avro"}')
p = Producer({'bootstrap.servers': sys.argv[1]})
for k, m in enumerate(msgs):
    p.produce('av', m, key=b'k%d' % k)
for i in range(10):  # for the registry-down run
    p.produce('av2', conf(7, enc(S7, {'id': 1000 + i, 'page': '/down', 'ms': None})))
p.flush()
PY

job() { # name topic
  cat > "$1.yaml" <<EOF2
name: avro-kafka-$1
window: 5s
checkpoint: ./cp-$1
source:
  type: kafka
  bootstrap_servers: $B
  topic: $2
  starting_offsets: earliest
  ending_offsets: latest
  format: avro
  schema_registry_url: http://127.0.0.1:$PORT
  schema_registry_user: u
  schema_registry_password: p
  glue_schema_dir: ./glue
  registry_retries: 2
sink: {type: file, path: ./lake-$1, format: json}
dead_letter: {path: ./dl-$1}
EOF2
  "$SLUICE" run "$1.yaml" --until-idle 2> "$1.log" || { cat "$1.log"; fail "$1: run"; }
}

# 1. registry up
job up av
curl -s "http://127.0.0.1:$PORT/count" > count.json
$PY - "$PORT" <<'PY' || fail "registry up"
import glob, json, sys
port = sys.argv[1]
def lines(d):
    return [json.loads(l) for p in sorted(glob.glob(d + '/**/*.json', recursive=True))
            for l in open(p)]
rows = lines('lake-up')
ids = sorted(r['id'] for r in rows)
want = list(range(250)) + list(range(300, 320)) + list(range(400, 415))
assert ids == want, (len(ids), len(want))
by = {r['id']: r for r in rows}
for i in range(200):
    w = {'id': i, 'page': '/p%d' % i}
    if i % 2:
        w['ms'] = i
    assert by[i] == w, (by[i], w)
for i in range(200, 250):
    assert by[i] == {'id': i, 'page': '/q', 'extra': i / 4}, by[i]
for i in range(300, 320):
    assert by[i] == {'id': i, 'page': '/glue'}, by[i]
for i in range(400, 415):
    assert by[i] == {'id': i, 'page': '/file', 'ms': 1}, by[i]
errs = lines('dl-up')
assert len(errs) == 8, [e['error'] for e in errs]
url = 'http://127.0.0.1:%s/schemas/ids/' % port
e99 = [e for e in errs if 'id 99' in e['error']]
e55 = [e for e in errs if 'id 55' in e['error']]
assert len(e99) == 3 and len(e55) == 4, [e['error'] for e in errs]
assert all('schema registry, id 99: GET %s99: 404 not found' % url in e['error'] for e in e99), e99
assert all('schema registry, id 55: GET %s55: HTTP status 503' % url in e['error'] for e in e55), e55
assert all(e['record_base64'] for e in e99 + e55)
rest = [e for e in errs if e not in e99 and e not in e55]
assert len(rest) == 1 and rest[0]['record'] == '{"not": "avro"}', rest
# 1 + registry_retries requests for a failing id, then the failure is kept;
# one request for a good id (cached)
count = json.load(open('count.json'))
assert count == {'7': 1, '8': 1, '99': 3, '55': 3}, count
print('ok: %d rows exact (Confluent ids 7 and 8, Glue, container files); '
      '3 unknown-id, 4 registry-error and 1 garbage records dead-lettered' % len(rows))
PY

# 2. registry down: retried, then dead-lettered with the reason
kill -- -"$REG_PID" 2>/dev/null || kill "$REG_PID"
wait "$REG_PID" 2>/dev/null || true
REG_PID=
job down av2
$PY - "$PORT" <<'PY' || fail "registry down"
import glob, json, sys
rows = [json.loads(l) for p in glob.glob('lake-down/**/*.json', recursive=True) for l in open(p)]
assert rows == [], rows
errs = [json.loads(l) for p in glob.glob('dl-down/**/*.json', recursive=True) for l in open(p)]
assert len(errs) == 10, len(errs)
want = "schema registry, id 7: GET http://127.0.0.1:%s/schemas/ids/7: Couldn't connect to server" % sys.argv[1]
assert all(want in e['error'] for e in errs), errs[0]['error']
assert sorted(int(e['position']) for e in errs) == list(range(10))
print('ok: registry down: 10 records retried, then dead-lettered with the reason')
PY
grep -q " 10 dead-lettered" down.log || { cat down.log; fail "down: count"; }
echo "avro over kafka ok"
