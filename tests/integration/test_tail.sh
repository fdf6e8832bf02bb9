#!/usr/bin/env bash
# A running job picks up lines appended to a file (including a line whose
# newline arrives later) and files that appear later; SIGTERM commits the
# window in flight and exits 0.
source "$(dirname "$0")/lib.sh"
mkdir -p in
$PY -c "
import json
with open('in/a.json','w') as f:
    for i in range(0, 1000): f.write(json.dumps({'id': i}) + '\n')
"
cat > job.yaml <<'EOF2'
name: tail
window: 500ms
checkpoint: ./cp
source: {type: file, path: ./in/*.json}
sink: {type: file, path: ./lake, format: json}
EOF2
"$SLUICE" run job.yaml 2> run.log &
pid=$!
wait_ids() { # N
  for _ in $(seq 1 100); do
    [ "$($CHECK ids lake 2>/dev/null | cut -d' ' -f2)" = "$1" ] && return 0
    sleep 0.1
  done
  fail "expected $1 distinct ids in the lake, have $($CHECK ids lake)"
}
wait_ids 1000
$PY -c "
import json
with open('in/a.json','a') as f:
    for i in range(1000, 1500): f.write(json.dumps({'id': i}) + '\n')
    f.write('{\"id\": 1500')
"
wait_ids 1500
printf '}\n' >> in/a.json
$PY -c "
import json
with open('in/b.json','w') as f:
    for i in range(1501, 2000): f.write(json.dumps({'id': i}) + '\n')
"
wait_ids 2000
kill -TERM $pid
wait $pid || fail "SIGTERM stop exited $?"
$CHECK exactly lake 2000 1
echo "tail ok"
