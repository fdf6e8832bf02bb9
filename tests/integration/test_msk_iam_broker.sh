#!/usr/bin/env bash
# MSK IAM end to end as far as authentication: a Kafka connection with
# sasl.mechanism AWS_MSK_IAM against tests/aws/fake_msk_broker.py (TLS,
# ApiVersions, SaslHandshake, SaslAuthenticate), which checks the bearer
# token with botocore exactly as MSK checks it (presigned
# kafka-cluster:Connect URL, signature recomputed from the secret key).
# librdkafka asks sluice's token refresh callback for the token (in the
# Kafka source, and in the Kafka sink); the credentials come from the
# chain: the environment, with a session token; a profile named in the
# connection's aws: map; a wrong secret key (refused); then the container
# provider, whose short-lived credentials make the token lifetime short,
# so librdkafka asks for a new token before the old one expires. The fake
# broker serves no data: the runs end with an error after authenticating.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl missing"
PIDS=()
trap 'rc=$?; for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -subj "/CN=msk test CA" -days 2 -out ca.pem 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout srv.key -subj "/CN=localhost" -out srv.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile srv.ext -out srv.pem 2>/dev/null
# the keys the broker knows: the environment's, and the container
# endpoint's (fake_endpoints.py derives them from a counter)
$PY - <<'PY'
import json
keys = {"AKIDMSKENV": "msk/env+Secret"}
for i in range(1, 50):
    keys["ASIACONTAINER%d" % i] = "fakeSECRETkey/container+%d" % i
json.dump(keys, open("keys.json", "w"))
PY
start_peer broker $PY "$SRC_DIR/tests/aws/fake_msk_broker.py" srv.pem srv.key keys.json auth.log
PIDS+=("$PEER_PID")
BPORT=$PEER_PORT

cat > job.yaml <<EOF2
name: msk
checkpoint: ./cp
connections:
  msk:
    bootstrap_servers: localhost:$BPORT
    security_protocol: SASL_SSL
    ssl: {ca_file: $T/ca.pem}
    sasl: {mechanism: AWS_MSK_IAM, region: eu-west-1}
source:
  type: kafka
  connection: msk
  topic: t
  # reconnect often, so the ~5 s the source waits for metadata span
  # several authentications
  properties: {reconnect.backoff.ms: "100", reconnect.backoff.max.ms: "300"}
sink: {type: file, path: ./lake}
EOF2

# 1. environment credentials with a session token
export AWS_ACCESS_KEY_ID=AKIDMSKENV AWS_SECRET_ACCESS_KEY='msk/env+Secret' AWS_SESSION_TOKEN='Sess+Tok/en=='
timeout 60 "$SLUICE" run job.yaml --until-idle > env.out 2>&1 && fail "ran against a broker without data?"
$PY - <<'PY' || { cat env.out | tail; fail "env: authentication"; }
import json
log = [json.loads(l) for l in open("auth.log")]
assert log, "no authentication reached the broker"
for r in log:
    assert r["ok"], r
    assert (r["region"], r["akid"], r["session"]) == ("eu-west-1", "AKIDMSKENV", True), r
    assert r["user_agent"].startswith("sluice/"), r
print("ok: %d authentications, token verified by botocore" % len(log))
PY
grep -q "kafka: MSK IAM token for region eu-west-1 (credentials from environment), valid for 900 s" env.out \
  || grep -q "kafka: MSK IAM token for region eu-west-1 (credentials from environment), valid for 899 s" env.out \
  || { tail env.out; fail "token line"; }
grep -qF "msk/env+Secret" env.out && fail "secret key in the output"
grep -qF "Sess+Tok" env.out && fail "session token in the output"
$PY - env.out <<'PY' || fail "the token itself is in the output"
import base64, re, sys
# any long base64url run that decodes to the presigned URL would be a leak
for m in re.findall(r"[A-Za-z0-9_-]{200,}", open(sys.argv[1]).read()):
    u = base64.urlsafe_b64decode(m + "=" * (-len(m) % 4))
    assert b"kafka-cluster" not in u, "token leaked"
PY
echo "ok: environment credentials"

# the Kafka sink authenticates the same way
: > auth.log
cat > sink.yaml <<EOF2
name: msk-sink
checkpoint: ./cp-sink
connections:
  msk:
    bootstrap_servers: localhost:$BPORT
    security_protocol: SASL_SSL
    ssl: {ca_file: $T/ca.pem}
    sasl: {mechanism: AWS_MSK_IAM, region: eu-west-1}
source: {type: generator, count: 3}
sink:
  type: kafka
  connection: msk
  topic: out
  delivery_timeout: 4s
  properties: {reconnect.backoff.ms: "100", reconnect.backoff.max.ms: "300"}
EOF2
timeout 60 "$SLUICE" run sink.yaml --until-idle > sink.out 2>&1 || true
$PY - <<'PY' || { tail sink.out; fail "sink: authentication"; }
import json
log = [json.loads(l) for l in open("auth.log")]
assert log and all(r["ok"] and r["akid"] == "AKIDMSKENV" for r in log), log
print("ok: the Kafka sink authenticated %d times" % len(log))
PY

# a named profile from the connection's aws: map (sasl.oauthbearer.config
# carries it to the refresher)
: > auth.log
printf '[msk]\naws_access_key_id = AKIDMSKPROFILE\naws_secret_access_key = msk/profile+Secret\n' > credentials
$PY - <<'PY'
import json
k = json.load(open("keys.json")); k["AKIDMSKPROFILE"] = "msk/profile+Secret"
json.dump(k, open("keys.json", "w"))
PY
sed 's/sasl: {mechanism: AWS_MSK_IAM, region: eu-west-1}/&\n    aws: {profile: msk}/' job.yaml > profile.yaml
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
  AWS_SHARED_CREDENTIALS_FILE=$T/credentials \
  timeout 60 "$SLUICE" run profile.yaml --until-idle > profile.out 2>&1 && fail "profile: ran?"
$PY - <<'PY' || { tail profile.out; fail "profile: authentication"; }
import json
log = [json.loads(l) for l in open("auth.log")]
assert log and all(r["ok"] and r["akid"] == "AKIDMSKPROFILE" and not r["session"]
                   for r in log), log
print("ok: profile credentials, %d authentications" % len(log))
PY
grep -q "credentials from profile msk" profile.out || fail "profile not named in the log"

# 2. a wrong secret key: the broker refuses the token and says why
: > auth.log
AWS_SECRET_ACCESS_KEY=wrong timeout 60 "$SLUICE" run job.yaml --until-idle > wrong.out 2>&1 && fail "wrong key: ran?"
grep -q '"ok": false, "why": "signature mismatch"' auth.log || { cat auth.log; fail "wrong key not refused"; }
echo "ok: a token signed with the wrong key is refused"

# 3. container credentials that expire in 4 s: the token lives as long as
# the credentials, and librdkafka asks again before it expires
: > auth.log
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
start_peer endpoints env FAKE_EXPIRES_IN=4 $PY "$SRC_DIR/tests/aws/fake_endpoints.py" endpoints.log
PIDS+=("$PEER_PID")
EPORT=$PEER_PORT
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$EPORT/container/creds
timeout 60 "$SLUICE" run job.yaml --until-idle > cont.out 2>&1 && fail "container: ran?"
$PY - <<'PY' || { grep "MSK IAM" cont.out; fail "container: refresh"; }
import json
log = [json.loads(l) for l in open("auth.log")]
assert log and all(r["ok"] for r in log), log
keys = sorted({r["akid"] for r in log})
tokens = {r["sha256"] for r in log}
assert len(keys) >= 2 and len(tokens) >= 2, (keys, len(tokens))
print("ok: %d authentications with %d tokens from %d credentials" % (
    len(log), len(tokens), len(keys)))
PY
grep -q "kafka: MSK IAM token for region eu-west-1 (credentials from container), valid for [0-4] s" cont.out \
  || { grep "MSK IAM" cont.out; fail "token lifetime not the credentials'"; }
echo "msk iam broker ok"
