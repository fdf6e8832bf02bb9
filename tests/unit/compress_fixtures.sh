#!/usr/bin/env bash
# Compressed fixtures for test_compress*.c, made in folder $1 by the
# independent tools (gzip, bzip2, xz, zstd command-line tools; python3-snappy
# + crcmod and Python's zlib through compress_fixtures.py), from the plain
# files the test wrote there: small.json, medium.json, big.json, a.json,
# b.json. Nothing here comes from sluice's own compressors.
set -euo pipefail
cd "$1"
py=(/usr/bin/python3 "$(dirname "$0")/compress_fixtures.py")

for f in small medium; do
  gzip -n -6 -c $f.json > $f.gz
  bzip2 -9 -c $f.json > $f.bz2
  xz -6 -c $f.json > $f.xz
  zstd -q -3 -c $f.json > $f.zst
  "${py[@]}" framed $f.json $f.sz
  "${py[@]}" snappy_raw $f.json $f.snappy
  "${py[@]}" zlib $f.json $f.zz
  "${py[@]}" deflate $f.json $f.deflate
done

# Concatenations: members, streams (xz with stream padding), frames (with
# a skippable one), snappy streams and chunks of every kind.
gzip -n -c a.json > ab.gz; gzip -n -c /dev/null >> ab.gz; gzip -n -c b.json >> ab.gz
bzip2 -c a.json > ab.bz2; bzip2 -c b.json >> ab.bz2
xz -c a.json > ab.xz; printf '\0\0\0\0\0\0\0\0' >> ab.xz; xz -c b.json >> ab.xz
"${py[@]}" zstd_skippable skip.zst
zstd -q -c a.json > ab.zst; cat skip.zst >> ab.zst; zstd -q -c b.json >> ab.zst
cat a.json b.json > ab.json
"${py[@]}" framed a.json a.sz 65536 3 1
"${py[@]}" framed b.json b.sz 10000
cat a.sz b.sz > ab.sz
xz -T2 --block-size=65536 -c medium.json > blocks.xz

# Files of many units, for resuming inside them.
split -b 400000 big.json big.part.
for p in big.part.*; do gzip -n -c "$p"; done > bigm.gz
for p in big.part.*; do bzip2 -c "$p"; done > bigm.bz2
for p in big.part.*; do xz -0 -c "$p"; done > bigm.xz
for p in big.part.*; do zstd -q -c "$p"; done > bigm.zst
rm -f big.part.*
gzip -n -1 -c big.json > big1.gz
"${py[@]}" framed big.json big.sz

# Corrupt snappy: the CRC of data chunk 2 is off by one bit.
"${py[@]}" framed_badcrc medium.json badcrc.sz 2 > badcrc.txt

# Bombs and memory hogs.
head -c 100000000 /dev/zero | gzip -c > zeros100.gz
head -c 100000000 /dev/zero | zstd -q -c > zeros100.zst
head -c 20000000 /dev/zero | bzip2 -c > zeros20.bz2
head -c 20000000 /dev/zero | xz -c > zeros20.xz
head -c 20000000 /dev/zero > zeros20
"${py[@]}" framed zeros20 zeros20.sz
rm -f zeros20
xz -9 -c small.json > xz9.xz
cat medium.json | zstd -q --long=28 -c > long.zst
