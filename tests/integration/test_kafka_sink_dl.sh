#!/usr/bin/env bash
# Kafka sink, undeliverable records (undeliverable: dead_letter, the
# default): a record larger than message.max.bytes (refused by produce)
# and records for a topic the cluster does not have (a delivery report
# error), and records that time out while the cluster is down, each go to
# the dead-letter output with the reason and their exact bytes; the batch
# commits, the job goes on to the next batch and every other record is in
# the topic (read back with kcat).
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
start_mock -u nosuch out:2
mkdir in
$PY - <<'PY'
import json
with open('in/a.json', 'w') as f:
    for i in range(40):
        f.write(json.dumps({'id': i, 'pad': 'x' * (3000 if i in (3, 17, 31) else 8)}) + '\n')
PY

# 1. too large for message.max.bytes: 3 rows dead-lettered, 37 produced;
#    two batches (max_batch_records 20): the job continues after the first
cat > big.yaml <<EOF2
name: kbig
window: 5s
max_batch_records: 20
chunk_records: 10
checkpoint: ./cp-big
source: {type: file, path: ./in/*.json}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: out
  properties: {message.max.bytes: 2000}
dead_letter: {path: ./dl-big}
EOF2
"$SLUICE" run big.yaml --until-idle 2> big.log || { cat big.log; fail "big run"; }
[ -e cp-big/commits/0 ] && [ -e cp-big/commits/1 ] || { cat big.log; fail "two committed batches expected"; }
kcat -C -b "$B" -t out -e -q -f '%s\n' > got.json
$PY - <<'PY' || fail "message too large"
import glob, json
got = sorted(json.loads(l)['id'] for l in open('got.json'))
assert got == [i for i in range(40) if i not in (3, 17, 31)], got
dl = [json.loads(l) for p in sorted(glob.glob('dl-big/**/*.json', recursive=True)) for l in open(p)]
dl.sort(key=lambda r: json.loads(r['record'])['id'])
assert len(dl) == 3, dl
for r, i, b in zip(dl, (3, 17, 31), (0, 0, 1)):
    want = json.dumps({'id': i, 'pad': 'x' * 3000}, separators=(',', ':'))
    assert r['record'] == want, r['record'][:80]
    assert r['error'] == ('kafka sink: cannot produce to out: Broker: '
                          'Message size too large (%d bytes)' % len(want)), r['error']
    assert r['batch_id'] == b, (i, r['batch_id'])
    assert r['source'] == 'kafka topic out', r['source']
    assert 'position' not in r and 'record_base64' not in r, r
c0 = json.load(open('cp-big/commits/0'))
c1 = json.load(open('cp-big/commits/1'))
assert c0['sink'] == {'topic': 'out', 'records': 18, 'dead_lettered': 2}, c0
assert c1['sink'] == {'topic': 'out', 'records': 19, 'dead_lettered': 1}, c1
assert c0['dead_lettered'] == 2 and c1['dead_lettered'] == 1, (c0, c1)
print('ok: 37 records in the topic, 3 too large dead-lettered, 2 batches')
PY

# 2. a topic the cluster does not know: every record's delivery report
#    fails; all dead-lettered with the broker's reason, the batch commits
cat > unk.yaml <<EOF2
name: kunk
window: 5s
checkpoint: ./cp-unk
source: {type: file, path: ./in/*.json}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: nosuch
  delivery_timeout: 20s
  properties: {topic.metadata.propagation.max.ms: 1000}
dead_letter: {path: ./dl-unk}
EOF2
"$SLUICE" run unk.yaml --until-idle 2> unk.log || { cat unk.log; fail "unknown topic run"; }
$PY - <<'PY' || fail "unknown topic"
import glob, json
dl = [json.loads(l) for p in glob.glob('dl-unk/**/*.json', recursive=True) for l in open(p)]
assert len(dl) == 40, len(dl)
ids = sorted(json.loads(r['record'])['id'] for r in dl)
assert ids == list(range(40)), ids
reasons = set(r['error'] for r in dl)
assert reasons == {'kafka sink: record not delivered to topic nosuch partition -1: '
                   'Broker: Unknown topic or partition'}, reasons
c0 = json.load(open('cp-unk/commits/0'))
assert c0['sink'] == {'topic': 'nosuch', 'records': 0, 'dead_lettered': 40}, c0
print('ok: 40 records for an unknown topic dead-lettered with the reason')
PY
# 2b. a value larger than the sink's 16 MiB cap (the source allows 32 MiB
#     records here): dead-lettered with what was encoded of it before the
#     limit, the records around it produced
$PY - <<'PY'
import json
with open('big.json', 'w') as f:
    f.write(json.dumps({'id': 0, 'pad': 'y' * 3}) + '\n')
    f.write(json.dumps({'id': 1, 'pad': 'z' * (17 << 20)}) + '\n')
    f.write(json.dumps({'id': 2, 'pad': 'y' * 3}) + '\n')
PY
cat > huge.yaml <<EOF2
name: khuge
window: 5s
checkpoint: ./cp-huge
source: {type: file, path: ./big.json, max_record_bytes: 32MiB}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: huge
dead_letter: {path: ./dl-huge}
EOF2
"$SLUICE" run huge.yaml --until-idle 2> huge.log || { cat huge.log; fail "huge run"; }
expect_eq "$(kcat -C -b "$B" -t huge -e -q -f '%s\n' | sort | tr '\n' ' ')" \
  '{"id":0,"pad":"yyy"} {"id":2,"pad":"yyy"} ' "records around the huge one"
$PY - <<'PY' || fail "huge value"
import glob, json
dl = [json.loads(l) for p in glob.glob('dl-huge/**/*.json', recursive=True) for l in open(p)]
assert len(dl) == 1, len(dl)
assert dl[0]['error'] == ('kafka sink: the record value is larger than 16 MiB; '
                          'what was encoded of it before the limit (at most '
                          '64 KiB) is kept here'), dl[0]['error']
assert dl[0]['record'] == '{"id":1,"pad":', dl[0]['record'][:40]
print('ok: a 17 MiB value dead-lettered with the start of its encoding')
PY

# 3. the cluster is unreachable for longer than delivery_timeout: each
#    record times out after librdkafka's retries and is dead-lettered; the
#    batch commits (undeliverable: fail would stop the job instead, see
#    test_kafka_sink.sh)
cat > down.yaml <<EOF2
name: kdown
window: 5s
checkpoint: ./cp-down
source: {type: file, path: ./in/*.json}
sink:
  type: kafka
  bootstrap_servers: $B
  topic: out
  delivery_timeout: 2s
dead_letter: {path: ./dl-down}
EOF2
kill -USR1 "$MOCK_PID"
sleep 0.3
"$SLUICE" run down.yaml --until-idle 2> down.log || { cat down.log; fail "broker down run"; }
kill -USR2 "$MOCK_PID"
$PY - <<'PY' || fail "broker down"
import glob, json
dl = [json.loads(l) for p in glob.glob('dl-down/**/*.json', recursive=True) for l in open(p)]
assert sorted(json.loads(r['record'])['id'] for r in dl) == list(range(40)), len(dl)
for r in dl:
    assert r['error'].startswith('kafka sink: record not delivered to topic out partition '), r['error']
    assert r['error'].endswith(': Local: Message timed out'), r['error']
c0 = json.load(open('cp-down/commits/0'))
assert c0['sink'] == {'topic': 'out', 'records': 0, 'dead_lettered': 40}, c0
print('ok: broker down longer than delivery_timeout: 40 records dead-lettered')
PY
echo "kafka sink dead letters ok"
