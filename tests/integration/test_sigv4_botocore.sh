#!/usr/bin/env bash
# SigV4: sluice's signer against botocore's for 500 generated requests
# (header signing and presigned URLs, S3 and other services; paths and
# query strings with special characters, duplicate query keys and headers,
# session tokens, signed and unsigned payloads). Both must give the same
# Authorization header / X-Amz-Signature for every request.
source "$(dirname "$0")/lib.sh"
BUILD=${SL_BUILD_DIR:-$SRC_DIR/build}
$PY "$SRC_DIR/tests/aws/sigv4_vectors.py" 500 20261125 > vectors.txt
expect_eq "$(wc -l < vectors.txt)" 500 "generated requests"
# every kind of request is present
for kind in "h 1" "h 0" "p 1" "p 0"; do
  n=$(awk -v k="$kind" '($1" "$2)==k' vectors.txt | wc -l)
  [ "$n" -ge 20 ] || fail "only $n requests of kind '$kind'"
done
out=$("$BUILD/test_sigv4" --vectors vectors.txt)
expect_eq "$out" "sigv4 vectors: 500 checked, 0 mismatches" "sigv4 vs botocore"
# a wrong expected value must be caught
sed -n '1{s/..$/00/;p}' vectors.txt > bad.txt
if "$BUILD/test_sigv4" --vectors bad.txt >/dev/null 2>&1; then
  fail "a changed signature was not detected"
fi
echo "ok: sigv4 equals botocore on 500 requests"
