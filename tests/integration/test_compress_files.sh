#!/usr/bin/env bash
# Compressed files end to end through the file source: every codec (made by
# the command-line tools, framed snappy / zlib / raw deflate by Python's
# independent implementations) through JSON, CSV and Grok jobs, with
# concatenated members, streams and frames; a corrupt, a bombed and a
# truncated file go to the dead-letter output with their reason while the
# job goes on. Nothing here comes from sluice's own compressors.
source "$(dirname "$0")/lib.sh"
FIX=("$PY" "$SRC_DIR/tests/unit/compress_fixtures.py")
N=30000

$PY - $N <<'PY'
import json, sys
n = int(sys.argv[1])
with open('events.json', 'w') as f:
    for i in range(n):
        f.write(json.dumps({"id": i, "name": "user%d" % i, "v": i % 97}) + "\n")
with open('events.csv', 'w') as f:
    f.write("id,name,v\n")
    for i in range(n):
        f.write("%d,user%d,%d\n" % (i, i, i % 97))
with open('events.log', 'w') as f:
    for i in range(n):
        f.write("id=%d name=user%d v=%d\n" % (i, i, i % 97))
# three pieces for concatenated members
lines = open('events.json').read().splitlines(True)
k = n // 3
for j, part in enumerate([lines[:k], lines[k:2 * k], lines[2 * k:]]):
    open('part%d.json' % j, 'w').writelines(part)
PY

# compress SRC into folder DIR, one file per codec (suffix from the tool)
make_codecs() { # src dir
  local src=$1 dir=$2 base
  base=$(basename "$src")
  mkdir -p "$dir"
  gzip -n -c "$src" > "$dir/$base.gz"
  bzip2 -c "$src" > "$dir/$base.bz2"
  xz -c "$src" > "$dir/$base.xz"
  zstd -q -c "$src" > "$dir/$base.zst"
  "${FIX[@]}" framed "$src" "$dir/$base.sz"
  "${FIX[@]}" zlib "$src" "$dir/$base.zz"
}

run_job() { # name path format [extra source yaml lines]
  local name=$1 path=$2 fmt=$3 extra=${4:-}
  cat > "$name.yaml" <<EOF
name: $name
window: 1s
checkpoint: ./cp-$name
source:
  type: file
  path: $path
  format: $fmt
$extra
sink:
  type: file
  path: ./lake-$name
  format: json
EOF
  "$SLUICE" run "$name.yaml" --until-idle --quiet 2>> run.log \
    || { tail -20 run.log; fail "job $name failed"; }
}

# 1. every codec, per file, JSON: one job per codec, every id once
make_codecs events.json json
for f in json/*; do
  c=${f##*.}
  run_job "json-$c" "./$f" json
  $CHECK exactly "lake-json-$c" $N 1 > /dev/null || fail "json $c: ids"
done
# raw deflate has no magic: named
"${FIX[@]}" deflate events.json events.json.deflate
run_job json-deflate ./events.json.deflate json "  compression: deflate"
$CHECK exactly lake-json-deflate $N 1 > /dev/null || fail "json deflate: ids"
# all of them in one job (one glob, files read side by side)
run_job json-all './json/*' json
$CHECK exactly lake-json-all $N 6 > /dev/null || fail "all codecs in one job"
# compression: none reads the bytes as they are: every file dead-letters
run_job json-none './json/events.json.gz' json "  compression: none"
[ "$($CHECK ids lake-json-none)" = "0 0 None None" ] || fail "none: rows"
echo "json per file: ok"

# 2. concatenated members / streams / frames
mkdir -p cat
for j in 0 1 2; do
  gzip -n -c part$j.json >> cat/e.json.gz
  bzip2 -c part$j.json >> cat/e.json.bz2
  xz -c part$j.json >> cat/e.json.xz
  zstd -q -c part$j.json >> cat/e.json.zst
  "${FIX[@]}" framed part$j.json p$j.sz
  cat p$j.sz >> cat/e.json.sz
done
for f in cat/*; do
  c=${f##*.}
  run_job "cat-$c" "./$f" json
  $CHECK exactly "lake-cat-$c" $N 1 > /dev/null || fail "concatenated $c"
done
echo "concatenated: ok"

# 3. CSV and Grok columns of Glue's table, same codecs
make_codecs events.csv csv
make_codecs events.log log
for f in csv/*; do
  c=${f##*.}
  run_job "csv-$c" "./$f" csv "  header: true"
  $CHECK exactly "lake-csv-$c" $N 1 > /dev/null || fail "csv $c: ids"
done
for f in log/*; do
  c=${f##*.}
  run_job "grok-$c" "./$f" grok \
    "  grok_pattern: 'id=%{INT:id:long} name=%{WORD:name} v=%{INT:v:int}'"
  $CHECK exactly "lake-grok-$c" $N 1 > /dev/null || fail "grok $c: ids"
done
echo "csv and grok: ok"

# 4. damaged inputs next to a good file: the records before the damage,
# one dead letter with codec and compressed offset, the good file whole.
mkdir -p bad
cp json/events.json.gz bad/good.json.gz
# framed snappy whose 3rd data chunk (index 2) has a wrong CRC
read -r off stored computed < <("${FIX[@]}" framed_badcrc events.json bad/crc.json.sz 2)
# zstd bomb: 200 MB of zeros, about 6 KB compressed
head -c 200000000 /dev/zero | zstd -q -19 -c > bad/bomb.json.zst
run_job bad './bad/*' json "  max_record_bytes: 64KiB"
$PY - "$N" "$off" "$stored" "$computed" <<'PY' || fail "damaged inputs"
import json, os, re, sys
from collections import Counter
n, off, stored, computed = (int(x) for x in sys.argv[1:])
rows = Counter()
for d, _, fs in os.walk('lake-bad'):
    if '_errors' in d or '_sluice_tmp' in d:
        continue
    for f in fs:
        for l in open(os.path.join(d, f)):
            rows[json.loads(l)['id']] += 1
dead = []
for d, _, fs in os.walk('lake-bad/_errors'):
    for f in fs:
        dead += [json.loads(l) for l in open(os.path.join(d, f))]
data = open('events.json', 'rb').read()
good = data[:2 * 65536].count(b'\n')  # lines wholly in chunks 0 and 1
exp = Counter(range(n))
exp.update(range(good))
assert rows == exp, ('rows', sum(rows.values()), len(rows), good)
assert len(dead) == 2, dead
by = {os.path.basename(r['source']): r for r in dead}
crc, bomb = by['crc.json.sz'], by['bomb.json.zst']
want = ('./bad/crc.json.sz: snappy: corrupt snappy chunk at compressed '
        'byte %d (CRC-32C mismatch: stored 0x%08x, computed 0x%08x)'
        % (off, stored, computed))
assert crc['error'] == want, (crc['error'], want)
assert crc['record'] == data[:2 * 65536].rsplit(b'\n', 1)[1].decode(), crc
assert crc['position'] == str(data[:2 * 65536].rfind(b'\n') + 1), crc
assert re.fullmatch(r'\./bad/bomb\.json\.zst: zstd: output exceeds 1000 '
                    r'times the compressed size \(\d+ bytes from \d+ '
                    r'compressed bytes; decompression bomb\?\)',
                    bomb['error']), bomb['error']
assert bomb['position'] == '0', bomb
print('damaged inputs: ok')
PY
# a second run reads nothing again (the positions are past the errors)
"$SLUICE" run bad.yaml --until-idle --quiet 2>> run.log || fail "rerun"
[ "$(cat lake-bad/_errors/*.json | wc -l)" = 2 ] || fail "rerun added dead letters"

# 5. truncated: a member cut short is known only once the file is gone
# (a growing file ends anywhere); the job is running when it goes.
mkdir -p tr
head -c 100000 json/events.json.gz > tr/cut.json.gz
cat > tr.yaml <<'EOF'
name: tr
window: 500ms
checkpoint: ./cp-tr
source:
  type: file
  path: ./tr/*.json.gz
  scan_interval: 100ms
sink:
  type: file
  path: ./lake-tr
  format: json
EOF
"$SLUICE" run tr.yaml --quiet 2>> run.log &
pid=$!
for _ in $(seq 1 100); do
  ls lake-tr/*.json > /dev/null 2>&1 && break
  sleep 0.1
done
mv tr/cut.json.gz tr/cut.json.gz.done
for _ in $(seq 1 100); do
  ls lake-tr/_errors/*.json > /dev/null 2>&1 && break
  sleep 0.1
done
kill -TERM $pid
wait $pid || fail "truncated: job failed"
$PY - <<'PY' || fail "truncated"
import gzip, json, glob, zlib
d = zlib.decompressobj(31).decompress(open('tr/cut.json.gz.done', 'rb').read())
whole = d.count(b'\n')
rows = [json.loads(l)['id'] for f in glob.glob('lake-tr/*.json') for l in open(f)]
assert sorted(rows) == list(range(whole)), (len(rows), whole)
dead = [json.loads(l) for f in glob.glob('lake-tr/_errors/*.json') for l in open(f)]
assert len(dead) == 1, dead
assert dead[0]['error'] == ('./tr/cut.json.gz: gzip: truncated input (ends '
                            'inside a member at compressed byte 100000)'), dead
assert dead[0]['record'] == d.rsplit(b'\n', 1)[1].decode(), dead
print('truncated: ok')
PY
# 6. standard input is a byte stream like a file: decompressed as read
for f in json/*; do
  c=${f##*.}
  cat > "stdin-$c.yaml" <<EOF
name: stdin-$c
checkpoint: ./cp-stdin-$c
source: {type: stdin}
sink: {type: file, path: ./lake-stdin-$c, format: json}
EOF
  "$SLUICE" run "stdin-$c.yaml" --until-idle --quiet < "$f" 2>> run.log \
    || fail "stdin $c"
  $CHECK exactly "lake-stdin-$c" $N 1 > /dev/null || fail "stdin $c: ids"
done
# a truncated stream on stdin: its end is final, so the cut is an error
sed -e 's/stdin-zz/stdin-cut/g' stdin-zz.yaml > stdin-cut.yaml
"$SLUICE" run stdin-cut.yaml --until-idle --quiet < tr/cut.json.gz.done \
  2>> run.log || fail "stdin cut"
$PY - <<'PY' || fail "stdin truncated"
import json, glob, zlib
d = zlib.decompressobj(31).decompress(open('tr/cut.json.gz.done', 'rb').read())
rows = [json.loads(l)['id'] for f in glob.glob('lake-stdin-cut/*.json') for l in open(f)]
assert sorted(rows) == list(range(d.count(b'\n'))), len(rows)
dead = [json.loads(l) for f in glob.glob('lake-stdin-cut/_errors/*.json') for l in open(f)]
assert [r['error'] for r in dead] == ['stdin: gzip: truncated input (ends '
    'inside a member at compressed byte 100000)'], dead
assert dead[0]['record'] == d.rsplit(b'\n', 1)[1].decode(), dead
PY
echo "stdin: ok"
echo "compress files ok"
