#!/usr/bin/env bash
# Start s3rver (S3 peer, DESIGN.md §8) on 127.0.0.1 on a free port.
#   s3rver.sh DATA_DIR BUCKET...   prints "PORT=n PID=p" once it listens
# Credentials are S3RVER/S3RVER (any secret with S3RVER_ANY_SECRET=1).
# Stop it with `kill PID`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh"
dir=$1; shift
mkdir -p "$dir"
args=()
for b in "$@"; do args+=(--configure-bucket "$b"); done
[ "${S3RVER_ANY_SECRET:-}" = 1 ] && args+=(--allow-mismatched-signatures)
log="$dir.log"
node --openssl-legacy-provider "$here/node_modules/s3rver/bin/s3rver.js" \
  -a 127.0.0.1 -p 0 -d "$dir" --no-vhost-buckets "${args[@]}" > "$log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  if [ -n "$port" ]; then echo "PORT=$port PID=$pid"; exit 0; fi
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.05
done
echo "s3rver did not start" >&2; kill $pid; exit 1
