#!/usr/bin/env bash
# Stateful transforms under SIGKILL.
# 1. aggregate: three input files (partitions) of events with random
#    lateness; a job with 1-minute tumbling windows and a 45 s watermark is
#    killed at 12 random moments and restarted, then run until idle. The
#    emitted windows must equal a brute-force reference computed here
#    (nothing lost, nothing counted twice), and every late row must be in
#    the dead-letter output exactly once with the reason "late".
# 2. dedupe: every id three times, repeats spread over several batches;
#    after kills and restarts each id is in the lake exactly once, and it
#    is the first occurrence.
source "$(dirname "$0")/lib.sh"
SEED=${CRASH_SEED:-$RANDOM}
echo "aggregate crash test seed $SEED"
mkdir -p in
$PY - "$SEED" <<'PY'
import random, sys, datetime
random.seed(int(sys.argv[1]))
base = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
rid = 0
for src in range(3):
    t = base
    with open("in/p%d.json" % src, "w") as f:
        for i in range(40000):
            t += random.choice([0, 0, 1, 1, 2])
            late = random.randint(1, 150) if random.random() < 0.08 else 0
            ts = datetime.datetime.fromtimestamp(t - late, datetime.timezone.utc)
            f.write('{"id":%d,"src":"p%d","k":"k%d","v":%d,"t":"%s"}\n' % (
                rid, src, random.randint(0, 9), random.randint(-50, 200),
                ts.strftime("%Y-%m-%dT%H:%M:%SZ")))
            rid += 1
PY
cat > agg.yaml <<'EOF2'
name: agg-crash
window: 1s
checkpoint: ./cp
max_batch_records: 1500
chunk_records: 500
source:
  type: file
  path: ./in/*.json
  schema: "struct<id:bigint,src:string,k:string,v:int,t:timestamp>"
transforms:
  - aggregate:
      time: t
      window: 1m
      watermark: 45s
      group_by: [src, k]
      measures:
        n: "count(*)"
        s: "sum(v)"
        lo: "min(v)"
        hi: "max(v)"
        d: "approx_count_distinct(v)"
sink:
  type: file
  path: ./lake
  format: json
EOF2
RANDOM=$SEED
run_with_kills() { # job.yaml
  for k in $(seq 1 12); do
    "$SLUICE" run "$1" --quiet 2>> run.log &
    pid=$!
    sleep "0.$(printf '%03d' $((30 + RANDOM % 500)))"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
  done
  "$SLUICE" run "$1" --until-idle --quiet 2>> run.log \
    || { tail -20 run.log; fail "final run of $1 failed"; }
}
run_with_kills agg.yaml
$PY - <<'PY' || fail "aggregate output differs from the reference"
import json, glob, datetime
from collections import Counter, defaultdict
WIN, WM = 60, 45
def ts(s): return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())
def iso(x): return datetime.datetime.fromtimestamp(x, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
want, late_ids = Counter(), Counter()
for src in range(3):
    mx, wins = None, defaultdict(list)
    for l in open("in/p%d.json" % src):
        r = json.loads(l); t = ts(r["t"])
        if mx is not None and t < mx - WM:
            late_ids[r["id"]] += 1; continue
        mx = t if mx is None or t > mx else mx
        wins[(t // WIN * WIN, r["k"])].append(r["v"])
    for (ws, k), vs in wins.items():
        if ws + WIN <= mx - WM:
            want[json.dumps({"window_start": iso(ws), "window_end": iso(ws + WIN),
                  "src": "p%d" % src, "k": k, "n": len(vs), "s": sum(vs),
                  "lo": min(vs), "hi": max(vs), "d": len(set(vs))}, separators=(",", ":"))] += 1
got, got_late = Counter(), Counter()
for f in glob.glob("lake/**/*.json", recursive=True):
    for l in open(f):
        if "/_errors/" in f:
            r = json.loads(l)
            assert r["error"] == "late", r
            got_late[json.loads(r["record"])["id"]] += 1
        else:
            got[l.strip()] += 1
missing, extra = want - got, got - want
print("windows: want %d got %d; late rows: want %d got %d" % (
    sum(want.values()), sum(got.values()), sum(late_ids.values()), sum(got_late.values())))
assert not missing and not extra, (list(missing)[:3], list(extra)[:3])
assert got_late == late_ids, "late rows differ"
assert sum(want.values()) > 3000 and sum(late_ids.values()) > 1000
PY

$PY - "$SEED" <<'PY'
import random, sys
random.seed(int(sys.argv[1]))
ids = [i for i in range(20000) for _ in range(3)]
ids.sort(key=lambda i: i + random.random() * 3000)
with open("dup.json", "w") as f:
    for n, i in enumerate(ids):
        f.write('{"id": %d, "n": %d}\n' % (i, n))
PY
cat > dedupe.yaml <<'EOF2'
name: dedupe-crash
window: 1s
checkpoint: ./cp-dd
max_batch_records: 1000
chunk_records: 250
source: {type: file, path: ./dup.json}
transforms:
  - dedupe: {keys: [id], within: 1h}
sink: {type: file, path: ./lake-dd, format: json}
EOF2
run_with_kills dedupe.yaml
$CHECK exactly lake-dd 20000 1
$PY - <<'PY' || fail "dedupe kept a later occurrence"
import json, glob
first = {}
for l in open("dup.json"):
    r = json.loads(l); first.setdefault(r["id"], r["n"])
for f in glob.glob("lake-dd/**/*.json", recursive=True):
    if "_errors" in f: continue
    for l in open(f):
        r = json.loads(l)
        assert first[r["id"]] == r["n"], r
PY
grep -q "replay" run.log && echo "(some runs replayed an uncommitted batch)"
echo "transforms crash ok"
