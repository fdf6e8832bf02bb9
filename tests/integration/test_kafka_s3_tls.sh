#!/usr/bin/env bash
# s3:// TLS files in a Kafka connection: the CA, the client certificate and
# its key are objects in S3 (s3rver), fetched when the job starts into
# private files (folder 0700, files 0600) and removed when it exits.
# Against an `openssl s_server` that requires a client certificate (the
# approach of test_kafka_tls.sh: the mock broker speaks plaintext only),
# the handshake completes, so the fetched CA verified the server and the
# fetched certificate and key were accepted; with the wrong CA in S3 it is
# refused. A run killed with SIGKILL leaves its files behind, private.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/s3lib.sh"
command -v openssl >/dev/null || fail "openssl missing"
SRV=
trap 'rc=$?; kill $SRV 2>/dev/null || true; s3_cleanup; wait 2>/dev/null; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "FAILED (rc=$rc); files kept in $T" >&2; fi; exit $rc' EXIT
start_s3rver certs

ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -subj "/CN=$1" -days 2 -out "$1.pem" 2>/dev/null; }
leaf() { # name cn san ca
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "/CN=$2" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
ca ca; ca other; leaf srv localhost DNS:localhost ca; leaf client sluice-client DNS:client ca
s3py '
for n in ["ca.pem", "other.pem", "client.pem", "client.key"]:
    s3.put_object(Bucket="certs", Key="kafka/" + n, Body=open(n, "rb").read())
'

mkdir -p tmp
export TMPDIR=$T/tmp AWS_ENDPOINT_URL_S3=$S3_URL
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# -Verify 1: a client certificate signed by ca is required
openssl s_server -accept "127.0.0.1:$port" -cert srv.pem -key srv.key \
  -CAfile ca.pem -Verify 1 -rev < /dev/null > server.log 2>&1 &
SRV=$!
for _ in $(seq 50); do grep -q "^ACCEPT" server.log && break; sleep 0.1; done

job() { # name ca-object
  cat > "$1.yaml" <<EOF2
name: s3tls-$1
checkpoint: ./cp-$1
connections:
  tls:
    bootstrap_servers: localhost:$port
    security_protocol: SSL
    ssl:
      ca_file: s3://certs/kafka/$2
      cert_file: s3://certs/kafka/client.pem
      key_file: s3://certs/kafka/client.key
source: {type: kafka, connection: tls, topic: t}
sink: {type: file, path: ./lake-$1}
EOF2
}

job good ca.pem
"$SLUICE" run good.yaml --until-idle > good.out 2>&1 && fail "good: ran against a TLS echo server?"
grep -aq "CONNECTION ESTABLISHED" server.log || { cat good.out server.log; fail "no handshake with the fetched files"; }
grep -aq "Peer certificate: CN = sluice-client" server.log || { cat server.log; fail "client certificate not presented"; }
for k in ca_file cert_file key_file; do
  grep -q "connection tls: ssl.$k fetched from s3://certs/kafka/" good.out || fail "no fetch line for $k"
done
grep -q "BEGIN" good.out && fail "file content in the output"
[ -z "$(ls -A tmp)" ] || { ls -laR tmp; fail "private files left after exit"; }
echo "ok: CA, certificate and key from S3; handshake completed; files removed"

job wrong other.pem
"$SLUICE" run wrong.yaml --until-idle > wrong.out 2>&1 && fail "wrong: ran?"
grep -qi "certificate verify failed" wrong.out || { cat wrong.out; fail "wrong CA from S3 not refused"; }
[ -z "$(ls -A tmp)" ] || fail "private files left after the refused run"
echo "ok: wrong CA from S3 refused"

# killed: files stay, but private
: > killed.out
"$SLUICE" run good.yaml --until-idle > killed.out 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "ssl.key_file fetched" killed.out && break; sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null || true
d=$(ls -d tmp/sluice-kafka-*)
expect_eq "$(stat -c %a "$d")" 700 "folder mode"
expect_eq "$(ls "$d" | wc -l)" 3 "files in the private folder"
for f in "$d"/*; do expect_eq "$(stat -c %a "$f")" 600 "mode of $f"; done
cmp -s "$d/2-client.key" client.key || fail "key file differs from the object"
rm -rf "$d"
echo "kafka s3 tls ok"
