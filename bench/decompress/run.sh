#!/usr/bin/env bash
# bench/decompress: N generated JSON events compressed by each codec's
# command-line tool, through a file-source job into a JSON lake, against
# (the tool's `-dc` time + the uncompressed job's time) in the same run.
# Usage: bench/decompress/run.sh [N]   (from the repository root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/decompress/bench.py "${1:-1000000}"
