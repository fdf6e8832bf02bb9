#!/usr/bin/env bash
# The whole test suite (make test, and .ci/run through it):
#   1. Release build: unit, fuzz-corpus replay and integration tests.
#   2. ASan + UBSan build: unit tests and fuzz-corpus replay again.
# Ends with one line "N passed, N failed" over both runs.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

build() { # dir, cmake args...: quiet unless it fails
  local dir=$1; shift
  echo "== building $dir"
  if ! { cmake -S . -B "$dir" "$@" && cmake --build "$dir" -j "$JOBS"; } > "$dir.log" 2>&1; then
    grep -E 'error|Error' "$dir.log" | head -40
    echo "build of $dir failed (full log: $dir.log)"
    echo "0 passed, 1 failed"
    exit 1
  fi
}
mkdir -p build build-asan
build build -DCMAKE_BUILD_TYPE=Release
CC=clang build build-asan -DSL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
[ -x tests/peers/setup.sh ] && tests/peers/setup.sh

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
