#!/usr/bin/env bash
# bench/kafka: 1,000,000 JSON events (~170 B) on 64 partitions of the mock
# broker, consumed into a JSON lake by sluice; `kcat -C -e` of the same
# topic to /dev/null is the reference, measured in the same run.
# Usage: bench/kafka/run.sh [N] [PARTITIONS] [ROUNDS]  (repository root,
# after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/kafka/bench.py "${1:-1000000}" "${2:-64}" "${3:-5}"
