#!/usr/bin/env bash
# TLS of Kafka connections against an `openssl s_server` endpoint (the
# mock broker speaks plaintext only): with the right CA (ssl.ca_file) the
# handshake completes; with a wrong CA, or a certificate for another host
# name, the client refuses it. The endpoint is not a Kafka broker, so every
# run ends with an error after the handshake; what matters is whether the
# handshake was accepted.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl missing"

mkcert() { # name cn san ca
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -subj "/CN=$2" \
    -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" \
    -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -subj "/CN=sluice test CA" \
  -days 2 -out ca.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -subj "/CN=other CA" \
  -days 2 -out other.pem 2>/dev/null
mkcert srv localhost "DNS:localhost" ca
mkcert elsewhere kafka.example "DNS:kafka.example" ca

free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# attempt NAME SERVER_CERT CA_FILE -> leaves NAME.client and NAME.server
attempt() {
  local name=$1 cert=$2 cafile=$3 port srv
  port=$(free_port)
  # -rev: a TLS echo server that logs each handshake; it does not read stdin
  openssl s_server -accept "127.0.0.1:$port" -cert "$cert.pem" \
    -key "$cert.key" -rev < /dev/null > "$name.server" 2>&1 &
  srv=$!
  for _ in $(seq 1 50); do
    grep -q "^ACCEPT" "$name.server" && break; sleep 0.1
  done
  cat > "$name.yaml" <<EOF2
name: tls-$name
checkpoint: ./cp-$name
connections:
  tls:
    bootstrap_servers: localhost:$port
    security_protocol: SSL
    ssl:
      ca_file: $cafile
source:
  type: kafka
  connection: tls
  topic: t
sink: {type: file, path: ./lake-$name}
EOF2
  "$SLUICE" run "$name.yaml" --until-idle > "$name.client" 2>&1 && fail "$name: ran?"
  kill $srv 2>/dev/null; wait $srv 2>/dev/null || true
}

attempt good srv "$T/ca.pem"
grep -aq "CONNECTION ESTABLISHED" good.server || { cat good.server good.client; fail "good: no handshake"; }
grep -qi "certificate verify failed\|SSL handshake failed" good.client \
  && { cat good.client; fail "good: client refused the right CA"; }
echo "ok: right CA accepted ($(grep -a 'Ciphersuite' good.server | head -1))"

attempt wrongca srv "$T/other.pem"
grep -qi "certificate verify failed" wrongca.client || { cat wrongca.client; fail "wrong CA not refused"; }
grep -aq "CONNECTION ESTABLISHED" wrongca.server && fail "wrong CA: handshake completed"
grep -aq "alert unknown ca" wrongca.server || fail "wrong CA: no alert at the server"
echo "ok: wrong CA refused"

attempt wronghost elsewhere "$T/ca.pem"
grep -qi "certificate verify failed" wronghost.client || { cat wronghost.client; fail "wrong host name not refused"; }
grep -aq "CONNECTION ESTABLISHED" wronghost.server && fail "wrong host: handshake completed"
echo "ok: certificate for another host name refused"
echo "kafka tls ok"
