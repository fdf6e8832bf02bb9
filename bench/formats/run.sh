#!/usr/bin/env bash
# bench/formats: the same 1,000,000 generated events as JSON lines and as
# CSV, and 1,000,000 Apache combined-log lines through Grok, each through a
# file source into a JSON file lake; the JSON run is the reference.
# Usage: bench/formats/run.sh [N]   (from the repository root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/formats/bench.py "${1:-1000000}"
