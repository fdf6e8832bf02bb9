#!/usr/bin/env bash
# S3 over HTTPS with a private CA: s3rver serves TLS with a certificate
# signed by a CA made here. Without ca_file the job fails on certificate
# verification (TLS verification is on by default) and says so; with
# ca_file it writes the lake (payloads go UNSIGNED-PAYLOAD over TLS, with
# Content-MD5), read back with boto3 trusting the same CA.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sluice test CA" \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout srv.key -out srv.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile ext.cnf -out srv.pem 2>/dev/null
S3RVER_TLS_KEY=$T/srv.key S3RVER_TLS_CERT=$T/srv.pem start_s3rver lake
URL=https://127.0.0.1:$S3_PORT
job() { # name extra-sink-keys
  cat > $1.yaml <<EOF2
name: $1
window: 60s
checkpoint: ./cp-$1
source:
  type: generator
  count: 5000
  partitions: 2
  seed: 4
sink:
  type: s3
  path: s3://lake/$1
  endpoint_url: $URL
  format: json
$2
EOF2
}
job untrusted ""
rc=0; "$SLUICE" run untrusted.yaml --until-idle --quiet 2> untrusted.err || rc=$?
[ $rc -ne 0 ] || fail "a certificate from an unknown CA was accepted"
grep -q "SSL certificate problem" untrusted.err || fail "no certificate error: $(tail -3 untrusted.err)"
job trusted "  ca_file: $T/ca.pem"
"$SLUICE" run trusted.yaml --until-idle --quiet 2> trusted.err || { cat trusted.err; fail "job with ca_file"; }
got=$(AWS_CA_BUNDLE=$T/ca.pem S3_URL=$URL s3py 'print(sum(len(s3.get_object(Bucket="lake", Key=k)["Body"].read().splitlines()) for k in keys("lake", "trusted/")))')
expect_eq "$got" 10000 "rows over TLS"
echo "ok: TLS with a private CA"
