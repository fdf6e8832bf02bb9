#!/usr/bin/env bash
# Deleting the checkpoint reprocesses: a second run writes every record
# again into new files and leaves the first run's files untouched. Also
# `checkpoint reset` needs --yes and does the same.
source "$(dirname "$0")/lib.sh"
mkdir -p in
$PY -c "
import json
with open('in/a.json','w') as f:
    for i in range(5000): f.write(json.dumps({'id': i, 's': 'v%d' % i}) + '\n')
"
cat > job.yaml <<'EOF2'
name: reprocess
window: 2s
checkpoint: ./cp
source: {type: file, path: ./in/*.json}
sink: {type: file, path: ./lake, format: json}
EOF2
"$SLUICE" run job.yaml --until-idle 2> run1.log
$CHECK exactly lake 5000 1
find lake -name '*.json' -not -path '*/_errors/*' | sort | xargs sha256sum > first.sums
rm -rf cp
"$SLUICE" run job.yaml --until-idle 2> run2.log
$CHECK exactly lake 5000 2
sha256sum -c --quiet first.sums || fail "first run's files changed"
n1=$(wc -l < first.sums)
n2=$(find lake -name '*.json' -not -path '*/_errors/*' | wc -l)
[ "$n2" -eq $((2 * n1)) ] || fail "expected $((2 * n1)) files, found $n2"
# reset without --yes refuses; with --yes deletes
set +e
"$SLUICE" checkpoint reset job.yaml > reset.out 2>&1; rc=$?
set -e
expect_eq "$rc" 2 "reset without --yes exit code"
[ -d cp ] || fail "reset without --yes deleted the checkpoint"
"$SLUICE" checkpoint reset job.yaml --yes
[ ! -e cp ] || fail "reset --yes left the checkpoint"
"$SLUICE" run job.yaml --until-idle 2> run3.log
$CHECK exactly lake 5000 3
echo "reprocess ok"
