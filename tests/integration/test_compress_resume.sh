#!/usr/bin/env bash
# Crash and resume inside compressed files: jobs over a one-member gzip
# file, a many-frame zstd file, framed snappy, and a gzip file that a writer
# grows member by member (written in small pieces, so the job often sees a
# member cut short for now) are killed with SIGKILL at random moments and
# restarted; every id must reach the lake exactly once.
source "$(dirname "$0")/lib.sh"
FIX=("$PY" "$SRC_DIR/tests/unit/compress_fixtures.py")
N=120000
SEED=${CRASH_SEED:-$RANDOM}
echo "compress resume seed $SEED"

$PY - $N <<'PY'
import json, sys
n = int(sys.argv[1])
with open('events.json', 'w') as f:
    for i in range(n):
        f.write(json.dumps({"id": i, "pad": "x" * (i % 61)}) + "\n")
PY
mkdir -p in
# ids 0..N/3-1 in one gzip member, N/3..2N/3-1 in zstd frames of 2000
# lines, the rest framed snappy
third=$((N / 3))
head -n $third events.json | gzip -n -c > in/a.json.gz
sed -n "$((third + 1)),$((2 * third))p" events.json | split -l 2000 - zpart.
for p in zpart.*; do zstd -q -c "$p" >> in/b.json.zst; done
tail -n +$((2 * third + 1)) events.json > c.json
"${FIX[@]}" framed c.json in/c.json.sz

cat > job.yaml <<'EOF'
name: zresume
window: 300ms
checkpoint: ./cp
max_batch_records: 4000
chunk_records: 1000
source:
  type: file
  path: ./in/*
  scan_interval: 100ms
sink:
  type: file
  path: ./lake
  format: json
  max_file_size: 64KiB
EOF

run_with_kills() {
  RANDOM=$SEED
  for k in $(seq 1 15); do
    "$SLUICE" run job.yaml --quiet 2>> run.log &
    local pid=$!
    sleep "0.$(printf '%03d' $((50 + RANDOM % 700)))"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
  done
}

# a writer grows d.json.gz: ids N..N+M-1, one gzip member per 500 lines
# (Python's zlib, not ours), each written in three pieces 20 ms apart
M=30000
$PY - $N $M <<'PY' &
import json, sys, time, zlib
n, m = int(sys.argv[1]), int(sys.argv[2])
with open('in/d.json.gz', 'ab') as f:
    for s in range(n, n + m, 500):
        text = ''.join(json.dumps({"id": i}) + "\n" for i in range(s, s + 500))
        c = zlib.compressobj(6, zlib.DEFLATED, 31)
        member = c.compress(text.encode()) + c.flush()
        for k in range(3):
            f.write(member[k * len(member) // 3:(k + 1) * len(member) // 3])
            f.flush()
            time.sleep(0.02)
PY
writer=$!
run_with_kills
wait $writer
"$SLUICE" run job.yaml --until-idle --quiet 2>> run.log \
  || { tail -20 run.log; fail "final run failed"; }
$CHECK exactly lake $((N + M)) 1
[ -z "$(find lake/_errors -name '*.json' 2>/dev/null)" ] || fail "dead letters"
grep -q "replay" run.log && echo "(some runs replayed an uncommitted batch)"
# positions name a mark inside the compressed files
last=$(ls cp/offsets | sort -n | tail -1)
grep -q ':zstd:' "cp/offsets/$last" || fail "no zstd position in offsets/$last"
echo "compress resume ok"
