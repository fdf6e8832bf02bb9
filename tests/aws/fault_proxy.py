#!/usr/bin/python3
"""A small HTTP proxy in front of an S3 peer that logs requests and injects
faults, for sluice's S3 tests.

Usage: fault_proxy.py UPSTREAM_PORT LOGFILE [--rate R] [--seconds S]
                      [--kinds 500,503,slowdown,drop] [--seed N]
                      [--delay-parts SECONDS] [--stall SECONDS]
Prints PORT=n when ready.

Each request is logged as one JSON line: method, path, the x-amz-* and
content headers (never Authorization or the security token). While the
fault window lasts (S seconds from the first request), a request fails
with probability R with the next of the kinds, in turn: "500" (InternalError), "503"
(ServiceUnavailable), "slowdown" (503 with the SlowDown code) or "drop" (read
the request, close the connection without answering) or "stall" (read the
request, answer nothing for --stall seconds, then close: a timeout).
CreateMultipartUpload (POST ?uploads) only ever gets 503 SlowDown: sluice
does not resend a non-idempotent request whose outcome is unknown.
"""
import http.client
import json
import random
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UP = int(sys.argv[1])
LOG = open(sys.argv[2], "a", buffering=1)
args = sys.argv[3:]
opt = {"--rate": "0", "--seconds": "0", "--kinds": "500,503,slowdown,drop",
       "--seed": "1", "--delay-parts": "0", "--stall": "3"}
for i in range(0, len(args), 2):
    opt[args[i]] = args[i + 1]
RATE = float(opt["--rate"])
SECONDS = float(opt["--seconds"])
DELAY_PARTS = float(opt["--delay-parts"])
STALL = float(opt["--stall"])
KINDS = opt["--kinds"].split(",")
RNG = random.Random(int(opt["--seed"]))
LOCK = threading.Lock()
START = [None]
STATS = {"faults": 0, "requests": 0}

ERR = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
       "<Message>%s</Message><RequestId>fault</RequestId></Error>")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def fault(self):
        with LOCK:
            STATS["requests"] += 1
            now = time.time()
            if START[0] is None:
                START[0] = now
            if now - START[0] > SECONDS or RNG.random() >= RATE:
                return None
            kind = KINDS[STATS["faults"] % len(KINDS)]  # each kind in turn
            if self.command == "POST" and self.path.endswith("?uploads"):
                kind = "slowdown"
            STATS["faults"] += 1
            return kind

    def answer(self, code, body, headers):
        self.send_response(code)
        for k, v in headers:
            if k.lower() not in ("transfer-encoding", "connection",
                                 "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(n) if n else b""
        hdr = {k.lower(): v for k, v in self.headers.items()
               if (k.lower().startswith("x-amz-") or
                   k.lower().startswith("content-")) and
               k.lower() != "x-amz-security-token"}
        kind = self.fault()
        LOG.write(json.dumps({"method": self.command, "path": self.path,
                              "headers": hdr, "len": len(body),
                              "fault": kind}) + "\n")
        if kind == "stall":
            time.sleep(STALL)
            kind = "drop"
        if kind == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if kind == "500":
            return self.answer(500, (ERR % ("InternalError", "injected")).encode(), [])
        if kind == "503":
            return self.answer(503, (ERR % ("ServiceUnavailable", "injected")).encode(), [])
        if kind == "slowdown":
            return self.answer(503, (ERR % ("SlowDown", "Please reduce your request rate.")).encode(), [])
        if DELAY_PARTS and "partNumber=" in self.path:
            time.sleep(DELAY_PARTS)  # a slow link: uploads stay in flight
        c = http.client.HTTPConnection("127.0.0.1", UP, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "proxy-connection")}
        c.request(self.command, self.path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        self.answer(r.status, data, r.getheaders())
        c.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print("PORT=%d" % srv.server_address[1], flush=True)
srv.serve_forever()
