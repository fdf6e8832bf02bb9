#!/usr/bin/env bash
# Kafka scale-out takeover: a worker dies between offsets/N and commits/N
# (SLUICE_FAULT=kill_after_offsets, src/core/engine_fault.c) and is NEVER
# restarted; the new owners of its partitions replay its batch N on its
# behalf (same checkpoint id and ranges: same names and bytes) and write
# its commits/N. A producer writes while the workers run, with poison
# records among the data (dead-letter output); at the end every id is in
# the lake exactly once and every poison record in the dead-letter output
# exactly once.
#   A  w2 dies, never restarted; w1 and/or w3 take over (both at once when
#      the group splits w2's partitions between them)
#   C  the taker w1 is killed mid-replay and never restarted either; a new
#      w3 takes over
# (B, the dead worker restarting during the takeover, is
# test_kafka_takeover_restart.sh.)
source "$(dirname "$0")/lib.sh"
source "$SRC_DIR/tests/integration/kafka_lib.sh"
source "$SRC_DIR/tests/integration/kafka_takeover_lib.sh"
start_mock A:8 C:8

# ---- A: the dead worker is never restarted; w1 and w3 take over
echo "== A: never restarted"
setup_case A
start_worker A w1
start_worker A w3
start_worker A w2 kill_after_offsets:3
assigned A w1 w2 w3
$PRODUCE "$B" A 0 "$N" --rate 3000 "${POISON[@]}" &
producer=$!
wait_exit A w2 30
M=$(died_at A/w2.log)
[ -n "$M" ] || { tail A/w2.log; fail "A: w2 did not die after offsets/N"; }
committed A w2 "$M" && fail "A: w2's batch $M should be uncommitted"
wait_log_any "taking over batch $M of worker w2" 30 A/w1.log A/w3.log
wait $producer || fail "producer A"
sleep 2
stop_all A w1 w3
drain A w1 w3
committed A w2 "$M" || fail "A: w2's commits/$M not written by the takeover"
echo "A: w2 died after offsets/$M; taken over by:" \
  $(grep -l "taking over batch $M of worker w2" A/w1.log A/w3.log)
check_case A


# ---- C: the taker is killed mid-replay and never restarted either
echo "== C: taker killed mid-takeover"
setup_case C
start_worker C w1 kill_in_replay
start_worker C w2 kill_after_offsets:3
assigned C w1 w2
$PRODUCE "$B" C 0 "$N" --rate 3000 "${POISON[@]}" &
producer=$!
wait_exit C w2 30
M=$(died_at C/w2.log)
[ -n "$M" ] || { tail C/w2.log; fail "C: w2 did not die after offsets/N"; }
wait_exit C w1 40
grep -q "killed in the replay of batch $M" C/w1.log \
  || { tail C/w1.log; fail "C: w1 did not die in the takeover"; }
committed C w2 "$M" && fail "C: w2's batch $M should still be uncommitted"
start_worker C w3
wait_log C/w3.log "taking over batch $M of worker w2" 40
wait $producer || fail "producer C"
sleep 2
stop_all C w3
drain C w3
committed C w2 "$M" || fail "C: w2's commits/$M not written by w3"
ls C/lake/_sluice_tmp | grep -q . && fail "C: temps left: $(ls C/lake/_sluice_tmp)"
check_case C
echo "kafka takeover ok"
