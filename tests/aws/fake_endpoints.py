#!/usr/bin/python3
"""Fake AWS credential endpoints for tests: IMDSv2, container credentials
and STS (AssumeRole, AssumeRoleWithWebIdentity) on one 127.0.0.1 port.

Usage: fake_endpoints.py LOGFILE   (prints PORT=n when ready)

Every request is appended to LOGFILE as one JSON line (method, path,
headers of interest, form fields) so the test can check what was asked.
Credentials handed out are derived from a counter so refreshes show up as
new access key ids. Expirations are now + EXPIRES_IN seconds (env
FAKE_EXPIRES_IN, default 3600).
"""
import datetime
import json
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = open(sys.argv[1], "a", buffering=1)
LOCK = threading.Lock()
COUNT = {"n": 0}
IMDS_TOKEN = "imds-session-token-SECRET-7f3a"
CONTAINER_TOKEN = os.environ.get("FAKE_CONTAINER_TOKEN", "")
EXPIRES_IN = int(os.environ.get("FAKE_EXPIRES_IN", "3600"))
SECRET_PREFIX = "fakeSECRETkey"
TOKEN_PREFIX = "fakeSESSIONtoken"


def creds(kind):
    with LOCK:
        COUNT["n"] += 1
        n = COUNT["n"]
    exp = (datetime.datetime.utcnow() +
           datetime.timedelta(seconds=EXPIRES_IN)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"AccessKeyId": "ASIA%s%d" % (kind.upper(), n),
            "SecretAccessKey": "%s/%s+%d" % (SECRET_PREFIX, kind, n),
            "Token": "%s&%s<%d>" % (TOKEN_PREFIX, kind, n),
            "Expiration": exp}


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="text/plain"):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def record(self, extra=None):
        d = {"method": self.command, "path": self.path,
             "imds_ttl": self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"),
             "imds_token_ok": self.headers.get("X-aws-ec2-metadata-token") == IMDS_TOKEN,
             "authorization": self.headers.get("Authorization")}
        if extra:
            d.update(extra)
        LOG.write(json.dumps(d) + "\n")

    def do_PUT(self):
        self.record()
        if self.path == "/latest/api/token" and \
                self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.send(200, IMDS_TOKEN)
        self.send(404, "")

    def do_GET(self):
        self.record()
        if self.path.startswith("/latest/meta-data/"):
            if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self.send(401, "")
            if self.path == "/latest/meta-data/iam/security-credentials/":
                return self.send(200, "fake-role\n")
            if self.path == "/latest/meta-data/iam/security-credentials/fake-role":
                c = creds("imds")
                c["Code"] = "Success"
                return self.send(200, json.dumps(c), "application/json")
            return self.send(404, "")
        if self.path.startswith("/container/"):
            if CONTAINER_TOKEN and self.headers.get("Authorization") != CONTAINER_TOKEN:
                return self.send(403, '{"message":"bad token"}')
            return self.send(200, json.dumps(creds("container")),
                             "application/json")
        self.send(404, "")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode(),
                                           keep_blank_values=True))
        action = form.get("Action")
        safe = {k: v for k, v in form.items() if k != "WebIdentityToken"}
        safe["web_token_len"] = len(form.get("WebIdentityToken", ""))
        self.record({"form": safe})
        if action == "AssumeRoleWithWebIdentity":
            if not form.get("WebIdentityToken"):
                return self.send(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code></Error></ErrorResponse>")
            c = creds("webid")
        elif action == "AssumeRole":
            if not (self.headers.get("Authorization") or "").startswith("AWS4-HMAC-SHA256 Credential="):
                return self.send(403, "<ErrorResponse><Error><Code>MissingAuthenticationToken</Code><Message>no signature</Message></Error></ErrorResponse>")
            if form.get("RoleArn", "").endswith(":role/denied"):
                return self.send(403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed to assume this role</Message></Error></ErrorResponse>")
            c = creds("assumed")
        else:
            return self.send(400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>")
        body = ("<%sResponse><%sResult><Credentials>"
                "<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
                "<SessionToken>%s</SessionToken><Expiration>%s</Expiration>"
                "</Credentials></%sResult></%sResponse>") % (
            action, action, c["AccessKeyId"], xml_escape(c["SecretAccessKey"]),
            xml_escape(c["Token"]), c["Expiration"], action, action)
        self.send(200, body, "text/xml")


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print("PORT=%d" % srv.server_address[1], flush=True)
srv.serve_forever()
