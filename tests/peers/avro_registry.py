#!/usr/bin/python3
"""A tiny Confluent Schema Registry for tests, plus registry-framed Avro
fixtures built from the wire-format descriptions.

  avro_registry.py OUTDIR

Writes into OUTDIR (python3-avro encodes every datum):
  conf-7.bin conf-8.bin conf-99.bin   Confluent frames: 0x00, 4-byte
                                      big-endian schema id, datum
  glue-none.bin glue-zlib.bin         Glue frames: 0x03, compression (0 or
  glue-unknown.bin                    5 = zlib), 16-byte schema version
                                      UUID, datum
  glue/<uuid>.avsc                    the Glue schema, by version id
  datum.bin                           a bare datum of schema 7
  container.avro                      deflate container, 3 blocks of 2
  schema7.avsc schema8.avsc           the schemas
then serves GET /schemas/ids/{id} (ids 7 and 8; basic auth user "u",
password "p"; id 55 answers after 3 s) on 127.0.0.1 at a free port, prints PORT=<n>, and counts
schema requests at GET /count. It stops when its standard input closes.
"""
import base64
import io
import json
import os
import struct
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import avro.datafile
import avro.io
import avro.schema

S7 = {"type": "record", "name": "Click", "namespace": "t", "fields": [
    {"name": "id", "type": "long"}, {"name": "page", "type": "string"},
    {"name": "ms", "type": ["null", "int"]}]}
S8 = {"type": "record", "name": "Click", "namespace": "t", "fields": [
    {"name": "id", "type": "int"}, {"name": "page", "type": "string"},
    {"name": "extra", "type": "double"}]}
GLUE_ID = uuid.UUID("0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b")
SCHEMAS = {7: S7, 8: S8}
count = 0


def enc(schema, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(json.dumps(schema))).write(
        datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def fixtures(out):
    os.makedirs(os.path.join(out, "glue"), exist_ok=True)
    w = lambda n, b: open(os.path.join(out, n), "wb").write(b)
    d7 = enc(S7, {"id": 1 << 40, "page": "/home", "ms": 12})
    w("conf-7.bin", b"\x00" + struct.pack(">I", 7) + d7)
    w("conf-8.bin", b"\x00" + struct.pack(">I", 8) +
      enc(S8, {"id": -3, "page": "/x", "extra": 0.5}))
    w("conf-99.bin", b"\x00" + struct.pack(">I", 99) + d7)
    w("conf-55.bin", b"\x00" + struct.pack(">I", 55) + d7)
    w("datum.bin", d7)
    g = enc(S7, {"id": 5, "page": "/glue", "ms": None})
    w("glue-none.bin", b"\x03\x00" + GLUE_ID.bytes + g)
    w("glue-zlib.bin", b"\x03\x05" + GLUE_ID.bytes + zlib.compress(g))
    w("glue-unknown.bin", b"\x03\x00" + uuid.UUID(int=1).bytes + g)
    w("glue/%s.avsc" % GLUE_ID, json.dumps(S7).encode())
    w("schema7.avsc", json.dumps(S7).encode())
    w("schema8.avsc", json.dumps(S8).encode())
    with open(os.path.join(out, "container.avro"), "wb") as fh:
        dw = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(),
                                          avro.schema.parse(json.dumps(S7)),
                                          codec="deflate")
        for i in range(6):
            dw.append({"id": i, "page": "/p%d" % i, "ms": i if i % 2 else None})
            if i % 2:
                dw.flush()
        dw.close()


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global count
        if self.path == "/count":
            return self.send(200, {"count": count})
        want = "Basic " + base64.b64encode(b"u:p").decode()
        if self.headers.get("Authorization") != want:
            return self.send(401, {"error_code": 401, "message": "Unauthorized"})
        parts = self.path.split("/")
        if len(parts) == 4 and parts[1] == "schemas" and parts[2] == "ids":
            count += 1
            if parts[3] == "55":  # a registry that hangs
                time.sleep(3)
            s = SCHEMAS.get(int(parts[3]))
            if s is None:
                return self.send(404, {"error_code": 40403,
                                       "message": "Schema not found"})
            return self.send(200, {"schema": json.dumps(s)})
        self.send(404, {"error_code": 404, "message": "HTTP 404 Not Found"})


def main():
    fixtures(sys.argv[1])
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("PORT=%d" % srv.server_address[1], flush=True)
    sys.stdin.read()
    srv.shutdown()


if __name__ == "__main__":
    main()
