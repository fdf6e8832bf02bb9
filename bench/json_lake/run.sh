#!/usr/bin/env bash
# bench/json_lake: 1,000,000 generated JSON events (~150 B) through a file
# source into a JSON file lake; `cat` of the same bytes is the reference.
# Usage: bench/json_lake/run.sh [N]   (from the repository root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/json_lake/bench.py "${1:-1000000}"
