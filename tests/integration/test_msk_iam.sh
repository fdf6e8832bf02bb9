#!/usr/bin/env bash
# MSK IAM tokens against botocore: 200 generated cases (regions, long-term
# and temporary credentials, signing times); each token, made by
# src/aws/msk_iam.c through tests/unit/test_msk_iam --token, must decode to
# the URL the AWS MSK IAM signer libraries build with botocore's
# SigV4QueryAuth for the same credentials, time and region.
source "$(dirname "$0")/lib.sh"
BUILD=${SL_BUILD_DIR:-$SRC_DIR/build}
out=$($PY "$SRC_DIR/tests/aws/msk_token_check.py" "$BUILD/test_msk_iam" 200 20261126)
expect_eq "$out" "msk tokens: 200 checked, 0 mismatches" "msk tokens vs botocore"
# the check itself catches a wrong token: a binary that changes one
# signature digit must fail
cat > bad.sh <<EOF2
#!/bin/sh
"$BUILD/test_msk_iam" "\$@" | $PY -c '
import base64, sys
t, e = sys.stdin.read().split()
u = base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)).decode()
i = u.index("X-Amz-Signature=") + 16
u = u[:i] + ("0" if u[i] != "0" else "1") + u[i + 1:]
print(base64.urlsafe_b64encode(u.encode()).decode().rstrip("="), e)'
EOF2
chmod +x bad.sh
if $PY "$SRC_DIR/tests/aws/msk_token_check.py" ./bad.sh 3 1 > bad.out 2>&1; then
  fail "a changed signature was not detected"
fi
grep -q "msk tokens: 3 checked, 3 mismatches" bad.out || fail "bad: $(cat bad.out)"
echo "ok: msk iam tokens equal botocore's"
