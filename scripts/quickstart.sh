#!/usr/bin/env bash
# make quickstart: run examples/quickstart.yaml from a clean output folder,
# say where the output went, and show how to query it with DuckDB.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf out/quickstart
build/sluice run examples/quickstart.yaml --until-idle
lake=out/quickstart/lake
files=$(find $lake -name '*.parquet' -not -path '*/_*' | wc -l)
echo
echo "Done: $files Parquet file(s) under $lake/"
find $lake -name '*.parquet' -not -path '*/_*' | head -3 | sed 's/^/  /'
echo "Checkpoint: build/sluice checkpoint show examples/quickstart.yaml"
q="SELECT action, count(*) AS events FROM read_parquet('$lake/**/*.parquet', hive_partitioning=true) GROUP BY action ORDER BY action"
# DuckDB for node is a test peer (tests/peers); without npm, skip the query.
if tests/peers/setup.sh >/dev/null 2>&1; then
  echo "Events per action (DuckDB):"
  node tests/integration/parquet_check.mjs sql "$q" | sed 's/^/  /'
fi
echo "Query it with DuckDB: node tests/integration/parquet_check.mjs sql \"$q\"   (or duckdb -c \"$q\")"
