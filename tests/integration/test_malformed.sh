#!/usr/bin/env bash
# 100,000 JSON lines, 1% malformed in varied ways, through a file source:
# the lake holds exactly the valid records, the dead-letter output exactly
# the malformed ones (raw text, error, position).
source "$(dirname "$0")/lib.sh"

mkdir -p in
$PY - <<'PY'
import json, random
random.seed(7)
bad_kinds = [
    lambda i: '{"id": %d, "name": "x"' % i,                 # truncated
    lambda i: '{"id": %d, "name": "\\q"}' % i,               # bad escape
    lambda i: '{"id": %d "name": "x"}' % i,                  # missing comma
    lambda i: '{"id": %d, "name": "x"} trailing' % i,        # trailing garbage
    lambda i: '{"id": %d, "name": "\xff"}' % i,              # invalid UTF-8 (latin-1 write)
    lambda i: '[1, 2, %d]' % i,                              # array of non-objects
    lambda i: '{"id": "abc%d", "name": "x"}' % i,            # id not a bigint
]
good = open('in/a.json', 'w', encoding='latin-1')
good2 = open('in/b.json', 'w', encoding='latin-1')
expect_bad = []
for i in range(100000):
    out = good if i % 2 == 0 else good2
    if i % 100 == 37:
        line = bad_kinds[i % len(bad_kinds)](i)
        expect_bad.append(line)
    else:
        line = json.dumps({"id": i, "name": "user %d" % i,
                           "tags": ["a", "b"][: i % 3],
                           "score": i / 8, "ok": i % 2 == 0})
    out.write(line + '\n')
good.close(); good2.close()
with open('expect_bad.txt', 'w', encoding='latin-1') as f:
    for l in sorted(expect_bad):
        f.write(l + '\n')
PY
cat > job.yaml <<'EOF2'
name: malformed
window: 5s
checkpoint: ./cp
source:
  type: file
  path: ./in/*.json
  format: json
  schema:
    - {name: id, type: bigint}
    - {name: name, type: string}
    - {name: tags, type: "array<string>"}
    - {name: score, type: double}
    - {name: ok, type: boolean}
sink:
  type: file
  path: ./lake
  format: json
dead_letter:
  path: ./errors
EOF2
"$SLUICE" run job.yaml --until-idle 2> run.log || { cat run.log; fail "run failed"; }

$PY - <<'PY'
import json, os, sys, base64
sys.path.insert(0, os.environ.get('SL_SOURCE_DIR', '.') + '/tests/integration')
from check import data_files
valid = {}
for p in data_files('lake'):
    for line in open(p, 'rb'):
        r = json.loads(line)
        assert r['id'] not in valid, 'duplicate id %d' % r['id']
        valid[r['id']] = r
expect = [i for i in range(100000) if i % 100 != 37]
assert sorted(valid) == expect, 'lake ids differ: %d vs %d' % (len(valid), len(expect))
r = valid[4]
assert r == {"id": 4, "name": "user 4", "tags": ["a"], "score": 0.5, "ok": True}, r
bad = []
for p in data_files('errors', errors=True):
    for line in open(p, 'rb'):
        d = json.loads(line)
        raw = d['record'].encode('latin-1') if 'record' in d else base64.b64decode(d['record_base64'])
        assert d['error'], d
        assert d['partition'] and d['position'] is not None and 'batch_id' in d, d
        bad.append(raw.decode('latin-1'))
expect_bad = open('expect_bad.txt', encoding='latin-1').read().splitlines()
assert sorted(bad) == expect_bad, 'dead letters differ: %d vs %d' % (len(bad), len(expect_bad))
print('ok: %d valid in the lake, %d in the dead-letter output' % (len(valid), len(bad)))
PY
# The batch lines count every record once.
grep -q "dead-lettered" run.log || fail "no batch line on stderr"
echo "malformed ok"
