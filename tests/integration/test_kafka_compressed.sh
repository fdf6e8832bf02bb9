#!/usr/bin/env bash
# Per-message compression through Kafka (issue 4, "detected per message"):
# record values compressed one by one with gzip, zstd, bzip2 and xz by the
# command-line tools, plus plain values, produced with
# python3-confluent-kafka; `compression: auto` reads them all. A corrupt
# gzip value and a bomb go to the dead-letter output with the codec and
# byte offset; the job goes on.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
start_mock cz:2

$PY - "$B" <<'PY'
import json, subprocess, sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1]})
tools = [None, ['gzip', '-c'], ['zstd', '-q', '-c'], ['bzip2', '-c'], ['xz', '-c']]
for i in range(200):
    v = json.dumps({'id': i, 'codec': str(tools[i % 5][0]) if tools[i % 5] else 'none'}).encode()
    if tools[i % 5]:
        v = subprocess.run(tools[i % 5], input=v, capture_output=True, check=True).stdout
    p.produce('cz', value=v, partition=i % 2)
# a gzip value cut short, and a zstd bomb (100 MB of zeros)
good = subprocess.run(['gzip', '-c'], input=b'{"id": 1000}', capture_output=True).stdout
p.produce('cz', value=good[:-9] + b'\x00' * 3, partition=0)
bomb = subprocess.run(['zstd', '-q', '-c'], input=b'\x00' * (100 << 20), capture_output=True).stdout
p.produce('cz', value=bomb, partition=1)
p.flush()
PY
cat > job.yaml <<EOF2
name: cz
window: 1s
checkpoint: ./cp
source:
  type: kafka
  bootstrap_servers: $B
  topic: cz
  starting_offsets: earliest
  ending_offsets: latest
sink: {type: file, path: ./lake, format: json}
EOF2
"$SLUICE" run job.yaml 2> run.log || { cat run.log; fail "run"; }
check_ids lake 0 199
$PY - <<'PY' || fail "dead letters"
import json, glob
rows = [json.loads(l) for f in glob.glob('lake/_errors/**/*.json', recursive=True) for l in open(f)]
assert len(rows) == 2, rows
errs = sorted(r['error'] for r in rows)
assert any(e.startswith('gzip:') for e in errs), errs
assert any(e.startswith('zstd:') and 'bomb' in e for e in errs), errs
print('ok: 2 dead letters:', [e[:60] for e in errs])
PY
echo "kafka per-message compression ok"
