#!/usr/bin/env bash
# The whole test suite (make test, and .ci/run through it):
#   1. Release build: unit, fuzz-corpus replay and integration tests.
#   2. ASan + UBSan build: unit tests and fuzz-corpus replay again.
# Ends with one line "N passed, N failed" over both runs.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null || exit 1
cmake --build build -j "$JOBS" || exit 1
CC=clang cmake -S . -B build-asan -DSL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 1
cmake --build build-asan -j "$JOBS" || exit 1
# npm peers (DuckDB, hyparquet) that read what the Parquet encoder writes
tests/peers/setup.sh || exit 1

total_pass=0 total_fail=0
run_ctest() {
  local dir=$1; shift
  local log; log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure -j "$JOBS" "$@") 2>&1 | tee "$log"
  local line; line=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -1)
  if [ -z "$line" ]; then
    total_fail=$((total_fail + 1))
  else
    local failed total
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    total=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
    total_pass=$((total_pass + total - failed))
    total_fail=$((total_fail + failed))
  fi
  rm -f "$log"
}

echo "== release build: all tests =="
run_ctest build
echo "== ASan + UBSan build: unit tests =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_ctest build-asan -L unit

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
