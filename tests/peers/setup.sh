#!/usr/bin/env bash
# Install the npm test peers pinned in package.json/package-lock.json into
# tests/peers/node_modules (git-ignored). Does nothing when they are already
# installed from the same lock file.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.sluice-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
# one installer at a time when tests run in parallel
exec 9> .setup.lock
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" > "$stamp"
