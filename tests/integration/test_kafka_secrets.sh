#!/usr/bin/env bash
# Kafka connection secrets from AWS Secrets Manager (password_secret):
# GetSecretValue at tests/aws/fake_json_api.py, which checks each
# request's SigV4 signature with botocore. The secret is resolved when the
# job starts and never appears in stdout, stderr or `sluice validate`
# output, even with librdkafka's security and configuration debug logs on;
# validate does not fetch secrets at all. The mock broker speaks no SASL,
# so the run ends in an authentication error after the secret was used:
# the mapping to librdkafka properties is checked exactly in
# tests/unit/test_kafka_conn.c.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
export AWS_ACCESS_KEY_ID=AKIDSECRETS AWS_SECRET_ACCESS_KEY='sm/Key+1' AWS_REGION=us-east-1
export AWS_SESSION_TOKEN='sm+Session/Tok=='
unset AWS_PROFILE AWS_ENDPOINT_URL
export AWS_EC2_METADATA_DISABLED=true
SECRET='Gl00-Scr4m:Pw!'
start_mock t:1
mkdir -p state
echo '{"AKIDSECRETS": "sm/Key+1"}' > state/keys.json
$PY - "$SECRET" <<'PY'
import json, sys
json.dump({"AmazonMSK_etl": json.dumps({"username": "glueuser",
                                        "password": sys.argv[1]})},
          open("state/secrets.json", "w"))
PY
FAKE_PID=
trap 'rc=$?; kill $FAKE_PID $MOCK_PID 2>/dev/null || true; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT
start_peer fake $PY "$SRC_DIR/tests/aws/fake_json_api.py" state
FAKE_PID=$PEER_PID PORT=$PEER_PORT

cat > job.yaml <<EOF2
name: secrets
checkpoint: ./cp
connections:
  msk:
    bootstrap_servers: $B
    security_protocol: SASL_PLAINTEXT
    sasl:
      mechanism: SCRAM-SHA-512
      password_secret: AmazonMSK_etl
    aws:
      secrets_endpoint_url: http://127.0.0.1:$PORT
source:
  type: kafka
  connection: msk
  topic: t
  properties: {debug: "security,conf,broker"}
sink: {type: file, path: ./lake}
EOF2

nosecret() { # file...
  for f in "$@"; do
    grep -qF "$SECRET" "$f" && fail "the secret is in $f"
    grep -qF "sm/Key+1" "$f" && fail "the secret key is in $f"
    grep -qF "sm+Session" "$f" && fail "the session token is in $f"
  done
  return 0
}

"$SLUICE" validate job.yaml > validate.out 2>&1 || { cat validate.out; fail "validate"; }
nosecret validate.out
[ -s state/requests.log ] && fail "validate fetched the secret"

timeout 60 "$SLUICE" --log-level debug run job.yaml --until-idle > run.out 2> run.err && fail "ran without SASL?"
nosecret run.out run.err
# the secret was fetched once, with a signature botocore accepts ...
$PY - <<'PY' || fail "requests"
import json
log = [json.loads(l) for l in open("state/requests.log")]
assert len(log) == 1, log
r = log[0]
assert r["target"] == "secretsmanager.GetSecretValue", r
assert r["sig_ok"] and r["scope"] == ["secretsmanager", "us-east-1"], r
assert r["token"] and r["content_type"] == "application/x-amz-json-1.1", r
print("ok: GetSecretValue signed as botocore signs it")
PY
# ... librdkafka got a user (the job sets none: it came from the JSON
# secret) and a password, both shown redacted in its configuration dump,
# and went on to SASL
grep -q "sasl.username = \[redacted\]" run.err || fail "no sasl.username"
grep -q "sasl.password = \[redacted\]" run.err || fail "no sasl.password"
grep -q "SASL Handshake not supported by broker (required by mechanism SCRAM-SHA-512)" run.err \
  || { tail -20 run.err; fail "no SASL attempt"; }
echo "kafka secrets ok"
