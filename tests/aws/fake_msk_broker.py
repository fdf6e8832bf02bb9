#!/usr/bin/python3
"""A fake MSK broker for the IAM authentication handshake only: TLS, then
the Kafka requests ApiVersions, SaslHandshake (OAUTHBEARER) and
SaslAuthenticate, where it checks the bearer token the way MSK does, with
botocore: the token is a base64url (no padding) presigned URL for
kafka.<region>.amazonaws.com, Action=kafka-cluster:Connect, whose SigV4
signature botocore's SigV4QueryAuth must reproduce from the secret key of
the access key id in it, at its X-Amz-Date, with X-Amz-Expires 900.

Usage: fake_msk_broker.py CERT KEY KEYS_JSON LOG   (prints PORT=n)

KEYS_JSON maps access key ids to secret keys. Each authentication is
logged as a JSON line in LOG: ok, why, region, access key id, signing
date, whether a session token came, the token's SHA-256 (not the token).
After a successful authentication the broker closes the connection (it
serves no data): the client reconnects and authenticates again.
"""
import base64
import datetime
import hashlib
import json
import socket
import ssl
import struct
import sys
import threading
import types
from urllib.parse import parse_qsl, urlsplit

import botocore.auth as BA
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CERT, KEY, KEYS, LOGF = sys.argv[1:5]
LOG = open(LOGF, "a", buffering=1)
SIGN_AT = threading.local()


class FakeDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return SIGN_AT.value


BA.datetime = types.SimpleNamespace(datetime=FakeDateTime)
LOCK = threading.Lock()


def check_token(token):
    """(ok, why, info) for a bearer token."""
    info = {"sha256": hashlib.sha256(token.encode()).hexdigest()}
    if "=" in token or "+" in token or "/" in token:
        return False, "not base64url without padding", info
    url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    parts = urlsplit(url)
    q = dict(parse_qsl(parts.query, keep_blank_values=True))
    cred = q.get("X-Amz-Credential", "").split("/")
    if len(cred) != 5:
        return False, "no credential scope", info
    akid, date, region, service = cred[:4]
    info.update(region=region, akid=akid, date=q.get("X-Amz-Date"),
                session="X-Amz-Security-Token" in q,
                user_agent=q.get("User-Agent"))
    if parts.scheme != "https" or parts.netloc != (
            "kafka.%s.amazonaws.com" % region) or parts.path != "/":
        return False, "wrong URL %s://%s%s" % parts[:3], info
    if q.get("Action") != "kafka-cluster:Connect" or service != (
            "kafka-cluster") or q.get("X-Amz-Expires") != "900":
        return False, "wrong action, service or expiry", info
    keys = json.load(open(KEYS))
    if akid not in keys:
        return False, "unknown access key id", info
    signed_at = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    age = (datetime.datetime.utcnow() - signed_at).total_seconds()
    if not -300 <= age <= 900:
        return False, "token expired or from the future (%d s)" % age, info
    with LOCK:
        SIGN_AT.value = signed_at
        req = AWSRequest(method="GET", url="https://%s/" % parts.netloc,
                         params={"Action": "kafka-cluster:Connect"})
        BA.SigV4QueryAuth(Credentials(akid, keys[akid],
                                      q.get("X-Amz-Security-Token")),
                          "kafka-cluster", region, expires=900).add_auth(req)
        want = dict(parse_qsl(urlsplit(req.prepare().url).query))
    if want.get("X-Amz-Signature") != q.get("X-Amz-Signature"):
        return False, "signature mismatch", info
    return True, "", info


def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def uvarint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, i
        shift += 7


def send(s, corr, body):
    s.sendall(struct.pack(">ii", 4 + len(body), corr) + body)


def api_versions(version):
    # Metadata is listed so the client asks for it (and retries) after
    # authenticating, instead of giving up at once; it gets no answer
    apis = [(18, 0, 3), (17, 0, 1), (36, 0, 1), (3, 0, 4)]
    if version >= 3:  # flexible: compact array, tagged fields
        body = struct.pack(">hB", 0, len(apis) + 1)
        for k, lo, hi in apis:
            body += struct.pack(">hhhB", k, lo, hi, 0)
        return body + struct.pack(">iB", 0, 0)
    body = struct.pack(">hi", 0, len(apis))
    for k, lo, hi in apis:
        body += struct.pack(">hhh", k, lo, hi)
    return body + (struct.pack(">i", 0) if version >= 1 else b"")


def serve(conn):
    try:
        while True:
            n = struct.unpack(">i", read_exact(conn, 4))[0]
            req = read_exact(conn, n)
            key, ver, corr = struct.unpack(">hhi", req[:8])
            clen = struct.unpack(">h", req[8:10])[0]
            i = 10 + max(clen, 0)
            if key == 18:
                send(conn, corr, api_versions(ver))
            elif key == 17:
                mlen = struct.unpack(">h", req[i:i + 2])[0]
                mech = req[i + 2:i + 2 + mlen].decode()
                ok = mech == "OAUTHBEARER"
                send(conn, corr, struct.pack(">hih", 0 if ok else 33, 1, 11) +
                     b"OAUTHBEARER")
                if not ok:
                    return
            elif key == 36:
                alen = struct.unpack(">i", req[i:i + 4])[0]
                auth = req[i + 4:i + 4 + alen].decode()
                # RFC 7628: n,,^Aauth=Bearer <token>^A...^A^A
                fields = dict(f.split("=", 1) for f in auth.split("\x01")
                              if "=" in f and not f.startswith("n,"))
                token = fields.get("auth", "")[len("Bearer "):]
                ok, why, info = check_token(token)
                LOG.write(json.dumps(dict(info, ok=ok, why=why)) + "\n")
                msg = why.encode()
                body = struct.pack(">h", 0 if ok else 58)
                body += (struct.pack(">h", -1) if ok else
                         struct.pack(">h", len(msg)) + msg)
                body += struct.pack(">i", 0)
                if ver >= 1:
                    body += struct.pack(">q", 0)
                send(conn, corr, body)
                return  # authenticated (or not): nothing more to serve
            else:
                return
    except (EOFError, OSError, ssl.SSLError, ValueError):
        pass
    finally:
        conn.close()


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    print("PORT=%d" % ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        try:
            t = ctx.wrap_socket(c, server_side=True)
        except (ssl.SSLError, OSError):
            c.close()
            continue
        threading.Thread(target=serve, args=(t,), daemon=True).start()


if __name__ == "__main__":
    main()
