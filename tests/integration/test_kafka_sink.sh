#!/usr/bin/env bash
# Kafka sink: rows produced as JSON and CSV records with a key column and
# fixed headers, read back with kcat (an independent client); and a batch
# whose records cannot be delivered (broker down, short delivery_timeout)
# fails without commits/N (undeliverable: fail), then is produced again
# on restart: nothing is lost (at-least-once). test_kafka_sink_dl.sh covers
# the default, undeliverable: dead_letter.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
N=5000
start_mock out:3 outcsv:1 down:2
mkdir in
$PY -c "
import json
with open('in/a.json', 'w') as f:
    for i in range($N):
        f.write(json.dumps({'id': i, 'name': 'n%d' % i, 'x': i * 0.5}) + '\n')
"
cat > json.yaml <<EOF2
name: ksink
window: 1s
checkpoint: ./cp
source: {type: file, path: ./in/*.json}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: out
  key_column: id
  headers: {origin: sluice, team: etl}
  compression: zstd
EOF2
"$SLUICE" run json.yaml --until-idle 2> run.log || { cat run.log; fail "json run"; }
grep -q '"records":5000' cp/commits/0 || { cat cp/commits/0; fail "receipt"; }
kcat -C -b "$B" -t out -e -q -f '%k\t%h\t%s\n' > got.tsv
$PY - "$N" <<'PY' || fail "kcat read-back (json)"
import json, sys
n = int(sys.argv[1])
rows = [l.rstrip('\n').split('\t') for l in open('got.tsv')]
assert len(rows) == n, len(rows)
seen = set()
for k, h, v in rows:
    r = json.loads(v)
    assert k == str(r['id']), (k, v)
    assert r == {'id': r['id'], 'name': 'n%d' % r['id'], 'x': r['id'] * 0.5}, v
    assert h == 'origin=sluice,team=etl', h
    seen.add(r['id'])
assert seen == set(range(n))
print('ok: %d records read back with kcat, keys and headers' % n)
PY

# CSV values
cat > csv.yaml <<EOF2
name: ksinkcsv
window: 1s
checkpoint: ./cpcsv
source: {type: file, path: ./in/*.json}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: outcsv
  format: csv
EOF2
"$SLUICE" run csv.yaml --until-idle --quiet 2> csv.log || { cat csv.log; fail "csv run"; }
kcat -C -b "$B" -t outcsv -e -q -f '%s\n' > got.csv
expect_eq "$(wc -l < got.csv)" "$N" "csv records"
expect_eq "$(head -2 got.csv | tr '\n' ' ')" "0,n0,0 1,n1,0.5 " "first csv records"

# undeliverable: the broker is down and delivery_timeout short
cat > down.yaml <<EOF2
name: ksinkdown
window: 1s
checkpoint: ./cpdown
source: {type: file, path: ./in/*.json}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: down
  delivery_timeout: 2s
  undeliverable: fail
EOF2
kill -USR1 $MOCK_PID
sleep 0.3
if "$SLUICE" run down.yaml --until-idle 2> down.log; then
  cat down.log; fail "a batch with undelivered records was committed"
fi
grep -q "could not be delivered\|not acknowledged" down.log || { cat down.log; fail "reason"; }
[ -e cpdown/offsets/0 ] && [ ! -e cpdown/commits/0 ] || fail "offsets/0 without commits/0 expected"
kill -USR2 $MOCK_PID
sleep 0.5
"$SLUICE" run down.yaml --until-idle 2>> down.log || { cat down.log; fail "rerun"; }
grep -q "replaying batch 0" down.log || fail "batch 0 not replayed"
kcat -C -b "$B" -t down -e -q -f '%s\n' > got-down.json
$PY - "$N" <<'PY' || fail "at-least-once"
import json, sys
n = int(sys.argv[1])
ids = [json.loads(l)['id'] for l in open('got-down.json')]
assert set(ids) == set(range(n)), len(set(ids))
print('ok: all %d records delivered after the failed batch (%d copies)'
      % (n, len(ids)))
PY
echo "kafka sink ok"
