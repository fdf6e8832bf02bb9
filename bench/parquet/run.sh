#!/usr/bin/env bash
# bench/parquet: 1,000,000 generated JSON events through a file source into
# a Parquet lake (snappy, zstd), against the same job writing JSON lines and
# DuckDB (one thread) converting the same JSON file to Parquet.
# Usage: bench/parquet/run.sh [N]   (from the repository root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/peers/setup.sh
exec /usr/bin/python3 bench/parquet/bench.py "${1:-1000000}"
