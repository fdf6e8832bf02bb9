#!/usr/bin/env bash
# Glue Schema Registry framing with the schema only at the Glue API
# (GetSchemaVersion, tests/aws/fake_json_api.py, which verifies every
# request's SigV4 signature with botocore): Glue-framed Avro records from
# Kafka (mock broker, produced by python3-confluent-kafka; datums written by
# python3-avro) are decoded with the fetched schema, fetched once; a 500
# and a ThrottlingException on the way are retried; an unknown version id
# is retried then dead-lettered with Glue's reason; with the endpoint down
# every record is retried then dead-lettered, none lost.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
# temporary credentials: the session token is signed and sent too
export AWS_ACCESS_KEY_ID=AKIDGLUETEST AWS_SECRET_ACCESS_KEY='glue/Secret+Key' AWS_REGION=eu-west-1
export AWS_SESSION_TOKEN='glue+Session/Token=='
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_GLUE
export AWS_EC2_METADATA_DISABLED=true
start_mock glue:1

mkdir -p state/glue empty
echo '{"AKIDGLUETEST": "glue/Secret+Key"}' > state/keys.json
FAKE_PID=
trap 'rc=$?; kill $FAKE_PID $MOCK_PID 2>/dev/null || true; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT
start_fake() { # [VAR=value...] for the endpoint
  start_peer fake env "$@" $PY "$SRC_DIR/tests/aws/fake_json_api.py" state
  FAKE_PID=$PEER_PID PORT=$PEER_PORT
}
stop_fake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null || true; }

# Records 1..5 with schema version GV (3 uncompressed, 2 zlib), then one
# with an unknown version id, one whose version is a JSON Schema, and one
# whose version is still PENDING; the schemas are only at the endpoint.
GV=6a1f0c2e-4b3d-4e5f-9a8b-0c1d2e3f4a5b
UNKNOWN=00000000-0000-4000-8000-00000000dead
JSONV=11111111-2222-4333-8444-555555555555
PENDING=99999999-8888-4777-8666-555555555555
$PY - "$B" "$GV" "$UNKNOWN" "$JSONV" "$PENDING" <<'PY' || fail "produce"
import io, json, sys, uuid, zlib
import avro.io, avro.schema
from confluent_kafka import Producer
S = {"type": "record", "name": "Click", "namespace": "t", "fields": [
    {"name": "id", "type": "long"}, {"name": "page", "type": "string"},
    {"name": "ms", "type": ["null", "int"]}]}
open("state/glue/%s.avsc" % sys.argv[2], "w").write(json.dumps(S))
open("state/glue/%s.json" % sys.argv[4], "w").write('{"type": "object"}')
open("state/glue/%s.pending" % sys.argv[5], "w").write(json.dumps(S))
w = avro.io.DatumWriter(avro.schema.parse(json.dumps(S)))
def datum(i):
    b = io.BytesIO()
    w.write({"id": i, "page": "/p%d" % i, "ms": i * 10 if i % 2 else None},
            avro.io.BinaryEncoder(b))
    return b.getvalue()
gv, unk = uuid.UUID(sys.argv[2]).bytes, uuid.UUID(sys.argv[3]).bytes
p = Producer({"bootstrap.servers": sys.argv[1]})
for i in range(1, 6):
    if i <= 3:
        p.produce("glue", b"\x03\x00" + gv + datum(i))
    else:
        p.produce("glue", b"\x03\x05" + gv + zlib.compress(datum(i)))
p.produce("glue", b"\x03\x00" + unk + datum(99))
p.produce("glue", b"\x03\x00" + uuid.UUID(sys.argv[4]).bytes + datum(98))
p.produce("glue", b"\x03\x00" + uuid.UUID(sys.argv[5]).bytes + datum(97))
assert p.flush(10) == 0
PY

job() { # name endpoint
  cat > "$1.yaml" <<EOF2
name: $1
window: 1s
checkpoint: ./cp-$1
source:
  type: kafka
  bootstrap_servers: $B
  topic: glue
  starting_offsets: earliest
  ending_offsets: latest
  format: avro
  glue_schema_dir: ./empty
  glue_registry: true
  glue_registry_endpoint: $2
  registry_retries: 2
  registry_timeout: 2s
sink: {type: file, path: ./lake-$1, format: json}
EOF2
}

# 1. endpoint up, answering 500 then ThrottlingException first
start_fake FAKE_FAIL_FIRST=1 FAKE_THROTTLE_FIRST=1
job up "http://127.0.0.1:$PORT"
"$SLUICE" run up.yaml > up.out 2> up.log || { cat up.log; fail "run up"; }
stop_fake
$PY - <<'PY' || fail "lake-up"
import json, os
rows = []
for d, _, fs in os.walk("lake-up"):
    if "_errors" in d: continue
    for f in fs:
        if f.endswith(".json"):
            rows += [json.loads(l) for l in open(os.path.join(d, f))]
rows.sort(key=lambda r: r["id"])
# the JSON lake leaves null fields out
want = [dict({"id": i, "page": "/p%d" % i}, **({"ms": i * 10} if i % 2 else {}))
        for i in range(1, 6)]
assert rows == want, rows
print("ok: 5 records decoded with the schema from GetSchemaVersion")
PY
dl=$(cat lake-up/_errors/*.json)
expect_eq "$(echo "$dl" | wc -l)" 3 "dead letters (up)"
echo "$dl" | grep -q "\"error\":\"Glue schema version $JSONV: Glue GetSchemaVersion $JSONV: the version is a JSON schema, not Avro\"" || fail "JSON schema reason: $dl"
echo "$dl" | grep -q "\"error\":\"Glue schema version $PENDING: not in ./empty, and Glue GetSchemaVersion $PENDING: the version is PENDING, not AVAILABLE\"" || fail "PENDING reason: $dl"
echo "$dl" | grep -q "Glue schema version $UNKNOWN: not in ./empty, and Glue AWSGlue.GetSchemaVersion at http://127.0.0.1:$PORT failed: HTTP 400 EntityNotFoundException: Schema version is not found." \
  || fail "dead-letter reason: $dl"
$PY - "$GV" "$UNKNOWN" "$JSONV" "$PENDING" <<'PY' || fail "requests (up)"
import json, sys
gv, unk, jsv, pend = sys.argv[1:5]
log = [json.loads(l) for l in open("state/requests.log")]
for r in log:
    assert r["sig_ok"], r           # botocore agrees with every signature
    assert r["scope"] == ["glue", "eu-west-1"], r
    assert r["target"] == "AWSGlue.GetSchemaVersion", r
    assert r["content_type"] == "application/x-amz-json-1.1", r
    assert r["token"], r
bodies = [json.loads(r["body"])["SchemaVersionId"] for r in log]
# 500, throttled, answered: 3 requests for GV, then never again (cached);
# the unknown id and the PENDING one: 1 + registry_retries lookups; the
# JSON Schema one: one answer is enough
assert bodies == [gv] * 3 + [unk] * 3 + [jsv] + [pend] * 3, bodies
print("ok: %d signed requests, all verified by botocore" % len(log))
PY
grep -q "HTTP 500 InternalServiceException" up.log || fail "500 not retried with a warning"
grep -q "ThrottlingException" up.log || fail "throttling not retried with a warning"
grep -q "aws: Glue endpoint http://127.0.0.1:$PORT" up.log || fail "endpoint not logged"
grep -q "aws: credentials from environment" up.log || fail "credentials source not logged"
grep -q "glue/Secret+Key\|glue+Session" up.log up.out && fail "secret key or token in the output"

# 2. endpoint down: every record retried, then dead-lettered; none lost
DOWN=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
job down "http://127.0.0.1:$DOWN"
"$SLUICE" run down.yaml > down.out 2> down.log || { cat down.log; fail "run down"; }
[ -z "$(find lake-down -name '*.json' -not -path '*_errors*' -size +0)" ] || fail "rows without a schema?"
dl=$(cat lake-down/_errors/*.json)
expect_eq "$(echo "$dl" | wc -l)" 8 "dead letters (down)"
expect_eq "$(echo "$dl" | grep -c "GetSchemaVersion: http: POST http://127.0.0.1:$DOWN/: ")" 8 "unreachable reasons"
# the first lookup was tried 1 + registry_retries times by the HTTP layer
grep -q "(attempt 2 of 3)" down.log || { cat down.log; fail "no retries"; }
echo "glue registry ok"
