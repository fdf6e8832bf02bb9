#!/usr/bin/env bash
# The command line: help on every subcommand, exit codes, job-file errors
# that name file, line and key, validate's summary, schema detect, env vars,
# a checkpoint of another job refused, stdin source.
source "$(dirname "$0")/lib.sh"

run_rc() { set +e; "$@" > out.txt 2> err.txt; rc=$?; set -e; }

for sub in run validate "checkpoint" "schema"; do
  run_rc "$SLUICE" $sub --help
  expect_eq "$rc" 0 "$sub --help exit code"
  grep -q "Example" out.txt || fail "$sub --help has no example"
done
run_rc "$SLUICE" version; expect_eq "$rc" 0 "version"
grep -q '^sluice [0-9]' out.txt || fail "version output: $(cat out.txt)"
run_rc "$SLUICE" frobnicate; expect_eq "$rc" 2 "unknown command"

mkdir -p in
printf '{"id": 1, "user": {"name": "a", "age": 30}, "tags": ["x"]}\n{"id": 2, "user": {"name": "b", "age": 31, "vip": true}, "score": 1.5}\n' > in/a.json

# Unknown key, with its line and a suggestion.
cat > bad1.yaml <<'EOF2'
name: t
checkpoint: ./cp
source:
  type: file
  pth: ./in/*.json
sink: {type: stdout}
EOF2
run_rc "$SLUICE" validate bad1.yaml
expect_eq "$rc" 2 "unknown key exit code"
grep -q "bad1.yaml:5" err.txt || fail "no file:line in: $(cat err.txt)"
grep -q "pth" err.txt || fail "key not named: $(cat err.txt)"

# Wrong type.
printf 'name: t\nwindow: 10x\ncheckpoint: ./cp\nsource: {type: file, path: "./in/*.json"}\nsink: {type: stdout}\n' > bad2.yaml
run_rc "$SLUICE" validate bad2.yaml
expect_eq "$rc" 2 "wrong type exit code"
grep -q "bad2.yaml:2" err.txt && grep -q "window" err.txt || fail "wrong type: $(cat err.txt)"

# Missing required key.
printf 'name: t\nsource: {type: file, path: "./in/*.json"}\nsink: {type: stdout}\n' > bad3.yaml
run_rc "$SLUICE" validate bad3.yaml
expect_eq "$rc" 2 "missing key exit code"
grep -q "checkpoint" err.txt || fail "missing key not named: $(cat err.txt)"

# Unknown source type lists the known ones.
printf 'name: t\ncheckpoint: ./cp\nsource: {type: kafkaa}\nsink: {type: stdout}\n' > bad4.yaml
run_rc "$SLUICE" validate bad4.yaml
expect_eq "$rc" 2 "unknown type exit code"
grep -q "generator" err.txt || fail "known types not listed: $(cat err.txt)"

# Unset environment variable, then set.
printf 'name: t\ncheckpoint: ${CP_DIR}\nsource: {type: file, path: "./in/*.json"}\nsink: {type: file, path: ./lake}\n' > env.yaml
run_rc env -u CP_DIR "$SLUICE" validate env.yaml
expect_eq "$rc" 2 "unset env var exit code"
grep -q "CP_DIR" err.txt || fail "unset variable not named: $(cat err.txt)"
CP_DIR=./cp-env run_rc "$SLUICE" validate env.yaml
expect_eq "$rc" 0 "validate with env var"
grep -q "cp-env" out.txt || fail "validate summary lacks the substituted path: $(cat out.txt)"

# schema detect prints the widened, nested schema.
CP_DIR=./cp run_rc "$SLUICE" schema detect env.yaml --sample 10
expect_eq "$rc" 0 "schema detect"
grep -q 'struct<id:int,user:struct<name:string,age:int,vip:boolean>,tags:array<string>,score:double>' out.txt \
  || fail "schema detect output: $(cat out.txt)"

# A checkpoint of another job is refused (exit 3), naming the owner.
CP_DIR=./cp run_rc "$SLUICE" run env.yaml --until-idle
expect_eq "$rc" 0 "first run"
sed 's/^name: t$/name: other/' env.yaml > other.yaml
CP_DIR=./cp run_rc "$SLUICE" run other.yaml --until-idle
expect_eq "$rc" 3 "other job's checkpoint exit code"
grep -q "'t'" err.txt || fail "owner not named: $(cat err.txt)"

# Two runs on one checkpoint: the second is refused (exit 3, the holder's
# pid named), and so is a reset; once the first is killed (SIGKILL, no
# clean-up) the lock is gone and a run goes ahead.
cat > lock.yaml <<'EOF2'
name: lock
window: 200ms
checkpoint: ./cp-lock
source: {type: file, path: "./in/*.json"}
sink: {type: file, path: ./lake-lock}
EOF2
"$SLUICE" run lock.yaml > lock1.out 2> lock1.err &
lpid=$!
for _ in $(seq 1 100); do [ -f cp-lock/metadata ] && break; sleep 0.1; done
[ -f cp-lock/metadata ] || fail "first run made no checkpoint: $(cat lock1.err)"
sleep 0.3
run_rc "$SLUICE" run lock.yaml --until-idle
expect_eq "$rc" 3 "second run on a locked checkpoint"
grep -q "in use by another sluice process (pid $lpid)" err.txt || fail "lock holder not named: $(cat err.txt)"
run_rc "$SLUICE" checkpoint reset lock.yaml --yes
expect_eq "$rc" 3 "reset of a locked checkpoint"
[ -f cp-lock/metadata ] || fail "reset deleted a checkpoint in use"
kill -9 $lpid; wait $lpid 2>/dev/null || true
run_rc "$SLUICE" run lock.yaml --until-idle
expect_eq "$rc" 0 "run after the holder was killed: $(cat err.txt)"

# stdin source: validate warns that it cannot resume; a run reads to EOF.
cat > stdin.yaml <<'EOF2'
name: s
checkpoint: ./cp-stdin
source: {type: stdin}
sink: {type: stdout}
EOF2
run_rc "$SLUICE" validate stdin.yaml
expect_eq "$rc" 0 "validate stdin"
grep -q "cannot resume" out.txt || fail "no resume warning: $(cat out.txt)"
printf '{"a": 1}\n{"a": 2}\nnot json\n' | "$SLUICE" run stdin.yaml --until-idle > out.txt 2> err.txt
expect_eq "$(cat out.txt)" "$(printf '{"a":1}\n{"a":2}')" "stdin to stdout"
grep -q "1 dead-lettered" err.txt || fail "dead letter not counted: $(cat err.txt)"
echo "cli ok"
