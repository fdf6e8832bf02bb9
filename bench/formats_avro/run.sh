#!/usr/bin/env bash
# bench/formats_avro: the same 1,000,000 generated events as JSON lines and
# as Avro container files (null and deflate codecs), each through a file
# source into a JSON file lake; JSON is the reference, measured in the same
# run. Also the Avro output: the JSON events into an Avro lake (deflate,
# snappy) against the JSON lake.
# Usage: bench/formats_avro/run.sh [N]   (from the repository root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 bench/formats_avro/bench.py "${1:-1000000}"
