#!/usr/bin/env bash
# Install the npm test peers pinned in tests/peers/package-lock.json into
# tests/peers/node_modules (git-ignored). Does nothing when they are already
# there at the pinned versions. Used by scripts/test.sh and by the tests that
# need them (DuckDB and hyparquet read the Parquet files we write).
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.sluice-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
command -v npm >/dev/null || { echo "peers: npm is missing (apt-get install npm)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error >&2
cp package-lock.json "$stamp"
