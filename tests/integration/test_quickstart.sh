#!/usr/bin/env bash
# The quickstart job: 100,000 generated events into a partitioned Parquet
# lake, read back with DuckDB.
source "$(dirname "$0")/lib.sh"
"$SRC_DIR/tests/peers/setup.sh"
PQ="node $SRC_DIR/tests/integration/parquet_check.mjs"

"$SLUICE" run "$SRC_DIR/examples/quickstart.yaml" --until-idle 2> run.log \
  || { cat run.log; fail "quickstart run failed"; }
$PQ exactly out/quickstart/lake 100000 1 || fail "ids in the lake"
# Hive-style ingestion-time folders, zero-padded as Glue writes them.
n=$(find out/quickstart/lake -path '*ingest_year=20[0-9][0-9]/ingest_month=[01][0-9]/ingest_day=[0-3][0-9]/ingest_hour=[0-2][0-9]/part-*.parquet' | wc -l)
[ "$n" -ge 1 ] || fail "no file in ingest_year=/ingest_month=/ingest_day=/ingest_hour= folders"
# Nothing left under temporary names, no dead letters.
[ -z "$(find out/quickstart/lake -name '*.tmp')" ] || fail "temporary files left"
expect_eq "$($CHECK lines out/quickstart/lake/_errors 2>/dev/null || echo 0)" 0 "dead letters"
# A second run has nothing to do (the generator's count is reached).
"$SLUICE" run "$SRC_DIR/examples/quickstart.yaml" --until-idle 2> run2.log
$PQ exactly out/quickstart/lake 100000 1 || fail "ids after a second run"
"$SLUICE" checkpoint show "$SRC_DIR/examples/quickstart.yaml" > show.txt
grep -q "gen-0" show.txt || fail "checkpoint show lacks the partition: $(cat show.txt)"
grep -q "100000" show.txt || fail "checkpoint show lacks the position 100000: $(cat show.txt)"
echo "quickstart ok"
