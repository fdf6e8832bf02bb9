#!/usr/bin/python3
"""A fake AWS JSON 1.1 endpoint for tests: Glue GetSchemaVersion and
Secrets Manager GetSecretValue on one 127.0.0.1 port, verifying every
request's SigV4 signature independently with botocore.

Usage: fake_json_api.py STATE_DIR   (prints PORT=n when ready; runs until
                                     killed)

STATE_DIR/keys.json      {"ACCESS_KEY_ID": "secret key", ...} the
                         credentials the endpoint knows
STATE_DIR/secrets.json   {"name or ARN": "SecretString", ...}
STATE_DIR/glue/<uuid>.avsc  schema versions (AVAILABLE, AVRO); a file
                         <uuid>.json holds a JSON Schema version instead,
                         <uuid>.pending one that is not AVAILABLE yet

For each request, the signature is recomputed: botocore's SigV4Auth signs
the received method, URL, body and the headers named in SignedHeaders, at
the received X-Amz-Date, with the secret key of the received access key
id; the Authorization header must be equal. A mismatch answers 403
InvalidSignatureException. Every request is logged as a JSON line in
STATE_DIR/requests.log: target, service and region of the credential
scope, whether the signature matched, whether a session token came, and
the request body for Glue (never for Secrets Manager: it names secrets
only, but the log stays free of anything secret-shaped).

FAKE_FAIL_FIRST=n answers the first n requests 500, FAKE_THROTTLE_FIRST=n
answers the first n (after those) 400 ThrottlingException.
"""
import datetime
import json
import os
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.auth as BA
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

STATE = sys.argv[1]
LOG = open(os.path.join(STATE, "requests.log"), "a", buffering=1)
LOCK = threading.Lock()
COUNT = {"n": 0}
FAIL_FIRST = int(os.environ.get("FAKE_FAIL_FIRST", "0"))
THROTTLE_FIRST = int(os.environ.get("FAKE_THROTTLE_FIRST", "0"))
SIGNING_TIME = threading.local()


class FakeDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return SIGNING_TIME.value


BA.datetime = types.SimpleNamespace(datetime=FakeDateTime)


def load(name, default):
    try:
        with open(os.path.join(STATE, name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def verify(method, host, path, headers, body):
    """(ok, why, scope) for the request as received."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return False, "no SigV4 Authorization header", None
    parts = dict(p.strip().split("=", 1) for p in auth[17:].split(","))
    cred = parts["Credential"].split("/")
    akid, date, region, service = cred[0], cred[1], cred[2], cred[3]
    keys = load("keys.json", {})
    if akid not in keys:
        return False, "unknown access key id", (service, region)
    amz = headers.get("X-Amz-Date", "")
    SIGNING_TIME.value = datetime.datetime.strptime(amz, "%Y%m%dT%H%M%SZ")
    if amz[:8] != date:
        return False, "scope date differs from X-Amz-Date", (service, region)
    token = headers.get("X-Amz-Security-Token")
    creds = Credentials(akid, keys[akid], token)
    req = AWSRequest(method=method, url="http://%s%s" % (host, path),
                     data=body)
    for name in parts["SignedHeaders"].split(";"):
        if name in ("host", "x-amz-date", "x-amz-security-token"):
            continue
        req.headers[name] = headers.get(name, "")
    BA.SigV4Auth(creds, service, region).add_auth(req)
    if req.headers["Authorization"] != auth:
        return False, "signature mismatch", (service, region)
    return True, "", (service, region)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body):
        b = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(b)))
        self.send_header("x-amzn-RequestId", "fake-%d" % COUNT["n"])
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        if self.path == "/health":
            return self.send(200, {"ok": True})
        self.send(404, {"__type": "UnknownOperationException"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with LOCK:
            COUNT["n"] += 1
            seq = COUNT["n"]
        target = self.headers.get("X-Amz-Target", "")
        ok, why, scope = verify("POST", self.headers.get("Host"), self.path,
                                self.headers, body)
        entry = {"seq": seq, "target": target, "sig_ok": ok, "why": why,
                 "scope": scope,
                 "token": "X-Amz-Security-Token" in self.headers,
                 "content_type": self.headers.get("Content-Type")}
        if target.startswith("AWSGlue."):
            entry["body"] = body.decode()
        LOG.write(json.dumps(entry) + "\n")
        if seq <= FAIL_FIRST:
            return self.send(500, {"__type": "InternalServiceException",
                                   "Message": "try again"})
        if seq <= FAIL_FIRST + THROTTLE_FIRST:
            return self.send(400, {"__type": "ThrottlingException",
                                   "Message": "Rate exceeded"})
        if not ok:
            return self.send(403, {"__type": "InvalidSignatureException",
                                   "message": "fake endpoint: " + why})
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            return self.send(400, {"__type": "SerializationException"})
        req = json.loads(body)
        if target == "AWSGlue.GetSchemaVersion" and scope[0] == "glue":
            return self.glue(req)
        if (target == "secretsmanager.GetSecretValue" and
                scope[0] == "secretsmanager"):
            return self.secret(req)
        self.send(400, {"__type": "UnknownOperationException",
                        "Message": "no %s for service %s" % (target,
                                                             scope[0])})

    def glue(self, req):
        vid = req.get("SchemaVersionId", "")
        base = os.path.join(STATE, "glue", os.path.basename(vid))
        for ext, fmt, status in ((".avsc", "AVRO", "AVAILABLE"),
                                 (".json", "JSON", "AVAILABLE"),
                                 (".pending", "AVRO", "PENDING")):
            if os.path.exists(base + ext):
                with open(base + ext) as f:
                    text = f.read()
                return self.send(200, {
                    "SchemaVersionId": vid, "SchemaDefinition": text,
                    "DataFormat": fmt,
                    "SchemaArn": "arn:aws:glue:us-east-1:123456789012:"
                                 "schema/reg/clicks",
                    "VersionNumber": 1, "Status": status,
                    "CreatedTime": "2026-11-25T00:00:00Z"})
        self.send(400, {"__type": "EntityNotFoundException",
                        "Message": "Schema version is not found."})

    def secret(self, req):
        sid = req.get("SecretId", "")
        secrets = load("secrets.json", {})
        if sid not in secrets:
            return self.send(400, {
                "__type": "ResourceNotFoundException",
                "Message": "Secrets Manager can't find the specified "
                           "secret."})
        self.send(200, {"ARN": "arn:aws:secretsmanager:us-east-1:"
                               "123456789012:secret:%s-AbCdEf" % sid,
                        "Name": sid, "SecretString": secrets[sid],
                        "VersionId": "v1", "VersionStages": ["AWSCURRENT"],
                        "CreatedDate": 1.7e9})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("PORT=%d" % srv.server_address[1], flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
