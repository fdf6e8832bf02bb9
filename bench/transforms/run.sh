#!/usr/bin/env bash
# bench/transforms: 1,000,000 generated events through filter + derive
# (3 expressions) + apply_mapping, and through aggregate (1-minute
# tumbling windows, 10k keys), each against the pass-through job measured
# in the same run.
# Usage: bench/transforms/run.sh [N]   (from the repository root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/transforms/bench.py "${1:-1000000}"
