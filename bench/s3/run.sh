#!/usr/bin/env bash
# bench/s3: see bench.py. Run from anywhere: bench/s3/run.sh [GiB]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x build/sluice ] && [ -x build/test_s3 ] || { echo "build first: cmake --build build" >&2; exit 1; }
exec /usr/bin/python3 bench/s3/bench.py "$@"
