#!/usr/bin/python3
"""Check MSK IAM tokens made by sluice against botocore.

Usage: msk_token_check.py TOKEN_BIN COUNT SEED

For COUNT generated cases (region, access key, secret key, optional
session token, signing time), runs `TOKEN_BIN --token REGION AK SK TOKEN
TIME` (tests/unit/test_msk_iam.c), decodes the token (base64url without
padding), and checks it against what the AWS MSK IAM signer libraries
make, computed here with botocore's SigV4QueryAuth for the same
credentials, time and region: a GET of https://kafka.<region>.amazonaws
.com/ with Action=kafka-cluster:Connect, service kafka-cluster, expires
900; then User-Agent appended. Every query parameter must be equal
(X-Amz-Signature included). Prints "msk tokens: N checked, M mismatches".
"""
import base64
import datetime
import random
import subprocess
import sys
import types
from urllib.parse import parse_qsl, urlsplit

import botocore.auth as BA
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXED = [None]


class FakeDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED[0]


BA.datetime = types.SimpleNamespace(datetime=FakeDateTime)
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1",
           "eu-central-2"]
SECRET_CHARS = "abcXYZ0189+/=-_"


def expected(region, ak, sk, tok, secs):
    FIXED[0] = datetime.datetime(1970, 1, 1) + datetime.timedelta(
        seconds=secs)
    req = AWSRequest(method="GET", url="https://kafka.%s.amazonaws.com/" %
                     region, params={"Action": "kafka-cluster:Connect"})
    BA.SigV4QueryAuth(Credentials(ak, sk, tok or None), "kafka-cluster",
                      region, expires=900).add_auth(req)
    return dict(parse_qsl(urlsplit(req.prepare().url).query,
                          keep_blank_values=True))


def main():
    binary, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    bad = 0
    for i in range(count):
        region = rng.choice(REGIONS)
        ak = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                              for _ in range(16))
        sk = "".join(rng.choice(SECRET_CHARS) for _ in range(40))
        tok = ("".join(rng.choice(SECRET_CHARS) for _ in range(120))
               if rng.random() < 0.5 else "")
        secs = rng.randint(1262304000, 1893456000)
        out = subprocess.run([binary, "--token", region, ak, sk, tok or "-",
                              str(secs)], capture_output=True, text=True,
                             check=True).stdout.split()
        token, expires_ms = out[0], int(out[1])
        problems = []
        if "=" in token or "+" in token or "/" in token:
            problems.append("not base64url without padding")
        url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        parts = urlsplit(url.decode())
        if (parts.scheme, parts.netloc, parts.path) != (
                "https", "kafka.%s.amazonaws.com" % region, "/"):
            problems.append("url %s://%s%s" % parts[:3])
        got = dict(parse_qsl(parts.query, keep_blank_values=True))
        ua = got.pop("User-Agent", "")
        if not ua.startswith("sluice/"):
            problems.append("User-Agent %r" % ua)
        if not parts.query.endswith("&User-Agent=" + ua.replace("/", "%2F")):
            problems.append("User-Agent is not the last parameter")
        want = expected(region, ak, sk, tok, secs)
        if got != want:
            problems.append("parameters differ:\n  ours     %s\n  botocore %s"
                            % (sorted(got.items()), sorted(want.items())))
        if expires_ms != (secs + 900) * 1000:
            problems.append("expiry %d" % expires_ms)
        if problems:
            bad += 1
            print("case %d (%s %s): %s" % (i, region, secs,
                                            "; ".join(problems)),
                  file=sys.stderr)
    print("msk tokens: %d checked, %d mismatches" % (count, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
