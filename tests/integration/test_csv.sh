#!/usr/bin/env bash
# CSV end to end: files written by Python's csv module (two files with
# their columns in different orders, a BOM and CRLF, quoted fields holding
# separators, quotes and newlines, a ragged row, null_value), read by the
# file source with the CSV framing into a JSON lake. The lake holds exactly
# the expected rows with detected types; the ragged row is dead-lettered
# with its reason.
source "$(dirname "$0")/lib.sh"

mkdir -p in
$PY - <<'PY'
import csv, json
rows = []
with open('in/a.csv', 'w', newline='', encoding='utf-8-sig') as f:  # BOM
    w = csv.writer(f, dialect='excel')                                # CRLF
    w.writerow(['id', 'name', 'score', 'seen', 'ok'])
    for i in range(0, 500):
        name = 'user %d' % i
        if i % 7 == 0:
            name = 'multi\nline, "quoted" %d' % i
        w.writerow([i, name, i / 4, '2026-11-25T10:%02d:00Z' % (i % 60),
                    'true' if i % 2 else 'false'])
        rows.append({'id': i, 'name': name, 'score': i / 4,
                     'seen': '2026-11-25T10:%02d:00Z' % (i % 60),
                     'ok': bool(i % 2)})
    # A ragged row: one field too many.
    w.writerow([999, 'too', 'many', 'fields', 'here', 'extra'])
with open('in/b.csv', 'w', newline='') as f:
    w = csv.writer(f, dialect='unix', quoting=csv.QUOTE_MINIMAL)
    w.writerow(['ok', 'seen', 'id', 'name', 'score'])
    for i in range(500, 1000):
        score = 'NA' if i % 10 == 0 else str(i / 4)
        w.writerow(['true' if i % 2 else 'false',
                    '2026-11-25T11:%02d:00Z' % (i % 60), i, 'u%d' % i, score])
        r = {'id': i, 'name': 'u%d' % i,
             'seen': '2026-11-25T11:%02d:00Z' % (i % 60), 'ok': bool(i % 2)}
        if i % 10:
            r['score'] = i / 4
        rows.append(r)
json.dump(rows, open('expect.json', 'w'))
PY
cat > job.yaml <<'EOF2'
name: csv-e2e
window: 5s
checkpoint: ./cp
source:
  type: file
  path: ./in/*.csv
  format: csv
  header: true
  null_value: NA
sink:
  type: file
  path: ./lake
  format: json
dead_letter:
  path: ./errors
EOF2
"$SLUICE" run job.yaml --until-idle 2> run.log || { cat run.log; fail "run failed"; }

$PY - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ.get('SL_SOURCE_DIR', '.') + '/tests/integration')
from check import data_files
got = {}
for p in data_files('lake'):
    for line in open(p, 'rb'):
        r = json.loads(line)
        assert r['id'] not in got, 'duplicate id %d' % r['id']
        got[r['id']] = r
expect = {r['id']: r for r in json.load(open('expect.json'))}
assert sorted(got) == sorted(expect), 'ids differ: %d vs %d' % (len(got), len(expect))
for i, r in expect.items():
    assert got[i] == r, (got[i], r)
bad = []
for p in data_files('errors', errors=True):
    for line in open(p, 'rb'):
        bad.append(json.loads(line))
assert len(bad) == 1, bad
assert bad[0]['error'] == 'row has 6 fields, expected 5', bad[0]
assert bad[0]['record'] == '999,too,many,fields,here,extra', bad[0]
print('ok: %d rows, 1 dead letter' % len(got))
PY
echo "csv ok"
