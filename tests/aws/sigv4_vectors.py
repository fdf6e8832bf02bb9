#!/usr/bin/python3
"""Generate SigV4 test requests and botocore's signatures for them.

Usage: sigv4_vectors.py COUNT SEED > vectors.txt

Each line describes one request and the value botocore computes for it
(the Authorization header for header signing, the X-Amz-Signature value
for presigned URLs). tests/unit/test_sigv4.c --vectors FILE signs the same
requests with sluice's signer and compares. Every field is hex-encoded
("-" for empty) so no escaping is needed:

  mode s3 method host path region service time expires access secret
  token payload_hash nquery (name value)* nheaders (name value)* expected
"""
import datetime
import hashlib
import random
import sys
import types
from urllib.parse import quote

import botocore.auth as BA
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

FIXED = [datetime.datetime(2015, 8, 30, 12, 36, 0)]


class FakeDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED[0]


BA.datetime = types.SimpleNamespace(datetime=FakeDateTime)

KEY_CHARS = ("abcXYZ019-_.~ !\"#$&'()*+,:;=?@[]^`{|}%<>\\/" +
             "\u00e9\u4e2d\U0001f600\u1234")
HDR_CHARS = "abcXYZ019-_.~ !\"#$&'()*+,:;=?@[]^`{|}%<>/ "


def rstr(rng, chars, lo, hi):
    return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))


def hx(s):
    if isinstance(s, str):
        s = s.encode("utf-8")
    return s.hex() if s else "-"


def gen(rng, i):
    s3 = rng.random() < 0.7
    presign = rng.random() < 0.3
    method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"])
    host = rng.choice(["examplebucket.s3.amazonaws.com", "127.0.0.1:9000",
                       "s3.eu-west-1.amazonaws.com", "example.amazonaws.com",
                       "localhost:4569"])
    region = rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2"])
    service = "s3" if s3 else rng.choice(["kinesis", "sts", "service"])
    # path: S3 keys with anything in them, encoded once as S3 expects
    if s3:
        segs = [rstr(rng, KEY_CHARS, 1, 12) for _ in range(rng.randint(0, 4))]
        raw = "/" + "/".join(segs)
        path = quote(raw, safe="/~")
    else:
        # botocore normalises dot segments and empty segments for non-S3
        # services; keep to paths where that is a no-op
        segs = [rstr(rng, "abcXYZ019-_~ %+=\u00e9", 1, 8)
                for _ in range(rng.randint(0, 3))]
        segs = [x for x in segs if x not in (".", "..")]
        path = quote("/" + "/".join(segs), safe="/~")
    query = []
    names = set()
    for _ in range(rng.randint(0, 5)):
        n = rstr(rng, KEY_CHARS, 1, 8)
        if presign and (n in names or n.lower().startswith("x-amz-")):
            continue
        names.add(n)
        v = rstr(rng, KEY_CHARS, 0, 10) if rng.random() < 0.8 else ""
        query.append((n, v))
        if not presign and rng.random() < 0.2:
            query.append((n, rstr(rng, KEY_CHARS, 0, 6)))
    headers = []
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["Content-Type", "Content-MD5", "Range",
                           "x-amz-meta-" + rstr(rng, "abc019-", 1, 6),
                           "X-Amz-Server-Side-Encryption", "My-Header",
                           "x-amz-storage-class", "Cache-Control"])
        val = rstr(rng, HDR_CHARS, 0, 16)
        if rng.random() < 0.3:
            val = "  " + val + "   x  "
        headers.append((name, val))
    token = None
    if rng.random() < 0.4:
        token = "FQoG" + rstr(rng, "abcdefABCDEF0123456789+/=", 20, 80)
    creds = Credentials("AKIDEXAMPLE%d" % i,
                        "wJalrXUtnFEMI/K7MDENG+bPx" + rstr(rng, "abc019/+", 4, 9),
                        token)
    secs = rng.randint(1262304000, 1893456000)
    FIXED[0] = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
    body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
    if presign or method in ("GET", "HEAD", "DELETE"):
        body = b""
    qs = "&".join(quote(n, safe="-_.~") + "=" + quote(v, safe="-_.~")
                  for n, v in query)
    url = ("http://" if s3 and not presign else "https://") + host + path
    if qs:
        url += "?" + qs
    req = AWSRequest(method=method, url=url, data=body)
    for n, v in headers:
        req.headers.add_header(n, v)
    expires = 0
    payload_hash = None
    if presign:
        expires = rng.randint(1, 604800)
        cls = BA.S3SigV4QueryAuth if s3 else BA.SigV4QueryAuth
        cls(creds, service, region, expires=expires).add_auth(req)
        sig = req.url.split("X-Amz-Signature=")[1].split("&")[0]
        expected = sig
        if not s3:
            payload_hash = hashlib.sha256(body).hexdigest()
    else:
        if s3:
            signed = rng.random() < 0.6
            req.context["client_config"] = Config(
                s3={"payload_signing_enabled": signed})
            payload_hash = (hashlib.sha256(body).hexdigest() if signed
                            else "UNSIGNED-PAYLOAD")
            BA.S3SigV4Auth(creds, service, region).add_auth(req)
        else:
            payload_hash = hashlib.sha256(body).hexdigest()
            BA.SigV4Auth(creds, service, region).add_auth(req)
        expected = req.headers["Authorization"]
    # host as botocore signs it (it drops default ports, we use none)
    f = ["p" if presign else "h", "1" if s3 else "0", hx(method), hx(host),
         hx(path), hx(region), hx(service), str(secs), str(expires),
         hx(creds.access_key), hx(creds.secret_key), hx(token or ""), hx(payload_hash or ""), str(len(query))]
    for n, v in query:
        f += [hx(n), hx(v)]
    f.append(str(len(headers)))
    for n, v in headers:
        f += [hx(n), hx(v)]
    f.append(hx(expected))
    return " ".join(f)


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]))
    for i in range(count):
        print(gen(rng, i))


if __name__ == "__main__":
    main()
