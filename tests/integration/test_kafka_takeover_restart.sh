#!/usr/bin/env bash
# Kafka scale-out takeover, B: w2 dies between offsets/N and commits/N
# (SLUICE_FAULT=kill_after_offsets); w1 takes its batch N over and is
# stopped in the middle of that replay (SLUICE_FAULT=stop_in_replay); w2
# restarts and replays batch N itself, to its commit; then w1 resumes and
# publishes the same files again. The files of batch N must keep their
# names and bytes (each was renamed again: new inode), and at the end
# every id is in the lake exactly once and every poison record in the
# dead-letter output exactly once.
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
source "$SRC_DIR/tests/integration/kafka_takeover_lib.sh"
start_mock B:8

# ---- B: w2 restarts while w1 is in the middle of taking its batch over
echo "== B: restarted during the takeover"
setup_case B
start_worker B w1 stop_in_replay
start_worker B w2 kill_after_offsets:3
assigned B w1 w2
$PRODUCE "$B" B 0 "$N" --rate 3000 "${POISON[@]}" &
producer=$!
wait_exit B w2 30
M=$(died_at B/w2.log)
[ -n "$M" ] || { tail B/w2.log; fail "B: w2 did not die after offsets/N"; }
wait_log B/w1.log "stopped in the replay of batch $M" 30
# w1 is stopped in the middle of the takeover; w2 comes back and replays
# batch M itself, to the end
sleep 0.2
start_worker B w2
wait_log B/w2.log "batch $M (replay)" 30
committed B w2 "$M" || fail "B: w2's own replay did not commit batch $M"
# the files of batch M as w2 published them: name, inode, checksum
CPID=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' \
  B/cp/workers/w2/metadata)
snap() {
  (cd B/lake && for f in part-$(printf '%08d' "$M")-*-"$CPID".json; do
     echo "$f $(stat -c %i "$f") $(md5sum < "$f" | cut -c1-32)"
   done) | sort
}
before=$(snap)
[ -n "$before" ] || fail "B: no files of w2's batch $M"
kill -CONT ${PID[Bw1]}
wait_log B/w1.log "batch $M (replay on another worker's behalf)" 30
after=$(snap)
# same names and bytes, but each file renamed again by w1 (new inode)
[ "$(cut -d' ' -f1,3 <<< "$before")" = "$(cut -d' ' -f1,3 <<< "$after")" ] \
  || fail "B: the takeover changed batch $M's files: $before / $after"
[ "$(cut -d' ' -f2 <<< "$before")" != "$(cut -d' ' -f2 <<< "$after")" ] \
  || fail "B: the takeover did not publish batch $M again"
echo "B: batch $M published by w2, then again by w1: $(wc -l <<< "$after") files, same bytes"
wait $producer || fail "producer B"
sleep 2
stop_all B w1 w2
drain B w1 w2
check_case B

echo "kafka takeover restart ok"
