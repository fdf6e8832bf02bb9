#!/usr/bin/env bash
# Grok end to end: Apache combined-log lines through %{COMBINEDAPACHELOG}
# with typed captures from a second pattern, syslog lines through
# SYSLOGBASE, and lines that match nothing dead-lettered. The lake holds
# exactly the expected fields (computed independently by Python from the
# same values it wrote).
source "$(dirname "$0")/lib.sh"

mkdir -p in
$PY - <<'PY'
import json, random
rnd = random.Random(3)
exp = []
with open('in/access.log', 'w') as f:
    for i in range(2000):
        ip = '10.%d.%d.%d' % (i // 65536, (i // 256) % 256, i % 256)
        status = [200, 404, 304, 500][i % 4]
        size = '-' if status == 304 else str(100 + i)
        ref = '-' if i % 3 else 'https://example.com/p?i=%d' % i
        agent = 'agent/%d (x; y)' % (i % 5)
        line = '%s - %s [25/Nov/2026:10:%02d:%02d +0000] "GET /item/%d?x=1 HTTP/1.1" %d %s "%s" "%s"' % (
            ip, '-' if i % 2 else 'user%d' % i, i % 60, (i * 7) % 60, i, status,
            size, ref, agent)
        f.write(line + '\n')
        r = {'clientip': ip, 'ident': '-', 'auth': '-' if i % 2 else 'user%d' % i,
             'timestamp': '25/Nov/2026:10:%02d:%02d +0000' % (i % 60, (i * 7) % 60),
             'verb': 'GET', 'request': '/item/%d?x=1' % i, 'httpversion': '1.1',
             'response': str(status), 'referrer': '"%s"' % ref,
             'agent': '"%s"' % agent}
        if size != '-':
            r['bytes'] = size
        exp.append(r)
        if i % 500 == 0:
            f.write('this is not an access log line %d\n' % i)
json.dump(exp, open('expect.json', 'w'))
with open('in/sys.log', 'w') as f:
    f.write('Nov 25 10:00:01 web01 sshd[4242]: Accepted publickey for bob\n')
    f.write('Nov  5 09:08:07 <4.3> 192.168.1.10 kernel: eth0 link up\n')
PY
cat > job.yaml <<'EOF2'
name: grok-e2e
window: 5s
checkpoint: ./cp
source:
  type: file
  path: ./in/access.log
  format: grok
  grok_pattern: "%{COMBINEDAPACHELOG}"
sink:
  type: file
  path: ./lake
  format: json
dead_letter:
  path: ./errors
EOF2
"$SLUICE" run job.yaml --until-idle 2> run.log || { cat run.log; fail "run failed"; }

cat > sys.yaml <<'EOF2'
name: grok-syslog
window: 5s
checkpoint: ./cp2
source:
  type: file
  path: ./in/sys.log
  format: grok
  grok_patterns:
    - "%{SYSLOGBASE} %{GREEDYDATA:message}"
  grok_custom_patterns: "NOTUSED %{WORD}"
sink:
  type: file
  path: ./lake2
  format: json
EOF2
"$SLUICE" run sys.yaml --until-idle 2> run2.log || { cat run2.log; fail "syslog run failed"; }

# A pattern naming an unknown pattern is a start-up error naming it.
sed 's/COMBINEDAPACHELOG/COMBINEDAPACHELOGZ/' job.yaml > bad.yaml
if "$SLUICE" run bad.yaml --until-idle 2> bad.log; then fail "bad pattern accepted"; fi
grep -q "unknown pattern name 'COMBINEDAPACHELOGZ'" bad.log || { cat bad.log; fail "no error naming the pattern"; }

$PY - <<'PY'
import json, os, sys
sys.path.insert(0, os.environ.get('SL_SOURCE_DIR', '.') + '/tests/integration')
from check import data_files
got = [json.loads(l) for p in data_files('lake') for l in open(p, 'rb')]
exp = json.load(open('expect.json'))
key = lambda r: r['request']
assert sorted(got, key=key) == sorted(exp, key=key), 'lake differs (%d vs %d rows)' % (len(got), len(exp))
bad = [json.loads(l) for p in data_files('errors', errors=True) for l in open(p, 'rb')]
assert sorted(b['record'] for b in bad) == sorted('this is not an access log line %d' % i for i in range(0, 2000, 500)), bad
assert all(b['error'] == 'line does not match the grok pattern' for b in bad), bad
sl = sorted((json.loads(l) for p in data_files('lake2') for l in open(p, 'rb')), key=lambda r: r['timestamp'])
assert sl == [
    {'timestamp': 'Nov  5 09:08:07', 'facility': '4', 'priority': '3', 'logsource': '192.168.1.10',
     'program': 'kernel', 'message': 'eth0 link up'},
    {'timestamp': 'Nov 25 10:00:01', 'logsource': 'web01', 'program': 'sshd', 'pid': '4242',
     'message': 'Accepted publickey for bob'}], sl
print('ok: %d access lines, %d dead letters, %d syslog lines' % (len(got), len(bad), len(sl)))
PY
echo "grok ok"
