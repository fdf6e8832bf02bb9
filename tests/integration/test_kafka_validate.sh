#!/usr/bin/env bash
# `sluice validate` on Kafka jobs: connections are checked at load (an
# undefined connection, a protocol that does not fit the keys, a missing
# password) with file:line, and secrets never appear in its output, nor in
# the error of a run whose password is refused by the broker side.
source "$(dirname "$0")/lib.sh"
export KPW='Sup3rS3cret!'
job() { # conn-yaml source-connection
  cat > job.yaml <<EOF2
name: v
checkpoint: ./cp
connections:
$1
source: {type: kafka, connection: $2, topic: t}
sink: {type: file, path: ./lake}
EOF2
}
job '  c1:
    bootstrap_servers: "127.0.0.1:1"
    security_protocol: SASL_PLAINTEXT
    sasl: {mechanism: SCRAM-SHA-512, username: u, password: "${KPW}"}' c1
out=$("$SLUICE" validate job.yaml 2>&1) || fail "valid job refused: $out"
case "$out" in *"$KPW"*) fail "secret in validate output";; esac
echo "$out" | grep -q "source:      kafka" || fail "summary: $out"

job '  c1: {bootstrap_servers: "h:1"}' c2
out=$("$SLUICE" validate job.yaml 2>&1) && fail "undefined connection accepted"
echo "$out" | grep -q "job.yaml:5:.*source.connection: 'c2' is not defined" || fail "message: $out"

job '  c1:
    bootstrap_servers: "h:1"
    ssl: {ca_file: /x.pem}' c1
out=$("$SLUICE" validate job.yaml 2>&1) && fail "ssl with PLAINTEXT accepted"
echo "$out" | grep -q "connection c1: .ssl:. is set but security_protocol is PLAINTEXT" || fail "message: $out"

job '  c1:
    bootstrap_servers: "h:1"
    security_protocol: SASL_SSL
    sasl: {mechanism: PLAIN, username: u}' c1
out=$("$SLUICE" validate job.yaml 2>&1) && fail "PLAIN without password accepted"
echo "$out" | grep -q "needs sasl.username and sasl.password" || fail "message: $out"

job '  c1:
    bootstrap_servers: "h:1"
    security_protocol: SASL_SSL
    sasl: {mechanism: PLAIN, username: u, password: "${KPW}", typo: 1}' c1
out=$("$SLUICE" validate job.yaml 2>&1) && fail "unknown key accepted"
echo "$out" | grep -q "unknown key 'typo'" || fail "message: $out"
case "$out" in *"$KPW"*) fail "secret in an error";; esac

# MSK IAM: valid configuration; without AWS credentials the token
# refresher says why it has no token (test_msk_iam_broker.sh runs it with
# credentials against a fake broker)
job '  msk:
    bootstrap_servers: "b-1.x.y.c2.kafka.eu-west-1.amazonaws.com:9098"
    security_protocol: SASL_SSL
    sasl: {mechanism: AWS_MSK_IAM}' msk
"$SLUICE" validate job.yaml > /dev/null || fail "MSK IAM config refused"
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
  -u AWS_PROFILE -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_FULL_URI \
  -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_EC2_METADATA_DISABLED=true \
  AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
  "$SLUICE" run job.yaml --until-idle 2>&1) && fail "MSK IAM ran"
echo "$out" | grep -q "kafka: MSK IAM token for region eu-west-1: " || fail "message: $out"
echo "$out" | grep -q "Failed to acquire SASL OAUTHBEARER token" || fail "message: $out"
echo "kafka validate ok"
# the example job runs against the mock broker as its comment says
source "$SRC_DIR/tests/integration/kafka_lib.sh"
start_mock events:4
export KAFKA_BOOTSTRAP=$B
seq 1 1000 | sed 's/.*/{"id":&}/' | kcat -P -b "$B" -t events
"$SLUICE" run "$SRC_DIR/examples/kafka.yaml" 2> example.log || { cat example.log; fail "example"; }
check_ids kafka-example-lake 1 1000
echo "example ok"
