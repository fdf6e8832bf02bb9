#!/usr/bin/env bash
# Start s3rver (S3 peer, DESIGN.md §8) on 127.0.0.1 on a free port.
#   s3rver.sh DATA_DIR BUCKET...   prints "PORT=n PID=p" once it answers
# Credentials are S3RVER/S3RVER (any secret with S3RVER_ANY_SECRET=1).
# HTTPS with S3RVER_TLS_KEY and S3RVER_TLS_CERT (PEM files).
# Stop it with `kill PID`. On failure nothing is left running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh"
dir=$1; shift
mkdir -p "$dir"
args=()
for b in "$@"; do args+=(--configure-bucket "$b"); done
[ "${S3RVER_ANY_SECRET:-}" = 1 ] && args+=(--allow-mismatched-signatures)
[ -n "${S3RVER_TLS_KEY:-}" ] && args+=(--key "$S3RVER_TLS_KEY" --cert "$S3RVER_TLS_CERT")
log="$dir.log"
for try in 1 2 3; do
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  node --openssl-legacy-provider "$here/node_modules/s3rver/bin/s3rver.js" \
    -a 127.0.0.1 -p "$port" -d "$dir" --no-vhost-buckets "${args[@]}" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    kill -0 $pid 2>/dev/null || break
    if /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$port" 2>/dev/null \
       && grep -q "listening on" "$log"; then
      echo "PORT=$port PID=$pid"; exit 0
    fi
    sleep 0.05
  done
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
done
cat "$log" >&2
echo "s3rver did not start" >&2
exit 1
