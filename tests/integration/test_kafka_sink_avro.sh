#!/usr/bin/env bash
# Kafka sink, format avro: one binary datum per record, bare
# (avro_framing: none), Confluent-framed (0x00, 4-byte schema id) and Glue
# Schema Registry-framed (0x03, 0x00, 16-byte schema version id). The
# records are read back with kcat (length-prefixed with %R) and decoded by
# python3-avro's BinaryDecoder with the writer schema the sink logged:
# every value exact. The Glue topic is then read again by sluice's own
# Kafka source (glue_schema_dir) into a lake: the same rows.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
N=300
GLUE_ID=0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b
start_mock bare:2 conf:1 glue:1
mkdir in
$PY - "$N" <<'PY'
import json, sys
n = int(sys.argv[1])
with open('in/a.json', 'w') as f:
    for i in range(n):
        f.write(json.dumps({
            'id': i * 1000003, 'name': 'n\u00e9%d' % i, 'x': i / 8,
            'ok': i % 3 == 0, 'opt': None if i % 5 == 0 else i - 7,
            'tags': ['t%d' % k for k in range(i % 4)],
            'pt': {'a': i % 7, 'b': 'b%d' % i},
            'day': '2026-11-%02d' % (1 + i % 28),
            'ts': '2026-11-25T10:00:%02d.%03dZ' % (i % 60, i % 1000)}) + '\n')
PY
for fr in bare conf glue; do
  case $fr in
    bare) extra="avro_framing: none" ;;
    conf) extra="avro_framing: confluent
  schema_id: 42" ;;
    glue) extra="avro_framing: glue
  schema_version_id: $GLUE_ID" ;;
  esac
  cat > $fr.yaml <<EOF2
name: kav-$fr
window: 5s
checkpoint: ./cp-$fr
source:
  type: file
  path: ./in/*.json
  schema:
    - {name: id, type: bigint}
    - {name: name, type: string}
    - {name: x, type: double}
    - {name: ok, type: boolean}
    - {name: opt, type: int}
    - {name: tags, type: "array<string>"}
    - {name: pt, type: "struct<a:int,b:string>"}
    - {name: day, type: date}
    - {name: ts, type: timestamp}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: $fr
  format: avro
  key_column: id
  compression: zstd
  $extra
EOF2
  "$SLUICE" run $fr.yaml --until-idle 2> $fr.log || { cat $fr.log; fail "$fr run"; }
  sed -n 's/.*Avro writer schema //p' $fr.log | head -1 > $fr.avsc
  [ -s $fr.avsc ] || { cat $fr.log; fail "$fr: writer schema not logged"; }
  kcat -C -b "$B" -t $fr -e -q -f '%R%s' > $fr.bin
done
$PY - "$N" "$GLUE_ID" <<'PY' || fail "avro read-back"
import datetime, io, json, struct, sys, uuid
import avro.io, avro.schema
n, glue = int(sys.argv[1]), uuid.UUID(sys.argv[2])
def records(path):
    b, out, k = open(path, 'rb').read(), [], 0
    while k < len(b):
        (ln,) = struct.unpack('>i', b[k:k + 4])
        out.append(b[k + 4:k + 4 + ln])
        k += 4 + ln
    return out
def want(i):
    return {'id': i * 1000003, 'name': 'n\u00e9%d' % i, 'x': i / 8,
            'ok': i % 3 == 0, 'opt': None if i % 5 == 0 else i - 7,
            'tags': ['t%d' % k for k in range(i % 4)],
            'pt': {'a': i % 7, 'b': 'b%d' % i},
            'day': datetime.date(2026, 11, 1 + i % 28),
            'ts': datetime.datetime(2026, 11, 25, 10, 0, i % 60, (i % 1000) * 1000,
                                    tzinfo=datetime.timezone.utc)}
for fr, head in (('bare', b''), ('conf', b'\x00' + struct.pack('>I', 42)),
                 ('glue', b'\x03\x00' + glue.bytes)):
    ws = json.load(open(fr + '.avsc'))
    assert [f['name'] for f in ws['fields']] == \
        ['id', 'name', 'x', 'ok', 'opt', 'tags', 'pt', 'day', 'ts'], ws
    rd = avro.io.DatumReader(avro.schema.parse(json.dumps(ws)))
    got = {}
    for m in records(fr + '.bin'):
        assert m[:len(head)] == head, (fr, m[:24])
        buf = io.BytesIO(m[len(head):])
        r = rd.read(avro.io.BinaryDecoder(buf))
        assert buf.tell() == len(m) - len(head), (fr, 'trailing bytes')
        got[r['id'] // 1000003] = r
    assert sorted(got) == list(range(n)), (fr, len(got))
    for i in range(n):
        assert got[i] == want(i), (fr, i, got[i], want(i))
    print('ok: %s: %d datums decoded by python3-avro, values exact' % (fr, n))
PY
# sluice reads its own Glue frames back
mkdir glue-dir
cp glue.avsc "glue-dir/$GLUE_ID.avsc"
cat > back.yaml <<EOF2
name: kav-back
window: 5s
checkpoint: ./cp-back
source:
  type: kafka
  bootstrap_servers: $B
  topic: glue
  starting_offsets: earliest
  ending_offsets: latest
  format: avro
  glue_schema_dir: ./glue-dir
sink: {type: file, path: ./back, format: json}
dead_letter: {path: ./back-dl}
EOF2
"$SLUICE" run back.yaml --until-idle 2> back.log || { cat back.log; fail "read back"; }
$PY - "$N" <<'PY' || fail "glue frames read by sluice"
import datetime, glob, json, sys
n = int(sys.argv[1])
rows = sorted((json.loads(l) for p in glob.glob('back/**/*.json', recursive=True)
               for l in open(p)), key=lambda r: r['id'])
assert len(rows) == n, len(rows)
assert not glob.glob('back-dl/**/*.json', recursive=True)
for i, r in enumerate(rows):
    w = {'id': i * 1000003, 'name': 'n\u00e9%d' % i, 'x': i / 8, 'ok': i % 3 == 0,
         'tags': ['t%d' % k for k in range(i % 4)], 'pt': {'a': i % 7, 'b': 'b%d' % i},
         'day': '2026-11-%02d' % (1 + i % 28)}
    if i % 5:
        w['opt'] = i - 7
    ts = datetime.datetime.fromisoformat(r.pop('ts'))
    assert ts == datetime.datetime(2026, 11, 25, 10, 0, i % 60, (i % 1000) * 1000,
                                   tzinfo=datetime.timezone.utc), (i, ts)
    assert r == w, (i, r, w)
print('ok: %d Glue-framed records read back by the kafka source' % n)
PY
echo "kafka sink avro ok"
