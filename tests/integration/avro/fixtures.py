#!/usr/bin/python3
"""Avro fixtures for test_avro*.sh, written by independent writers.

python3-avro (Apache's Python implementation) writes the container files
and datums; the xz container and the registry frames are assembled here
from the specification's description of the layout, with python3-avro's
BinaryEncoder for the datums. Each function also returns the rows sluice
must produce, as the JSON-lines sink writes them.

  fixtures.py types OUTDIR      every type and logical type, every codec
  fixtures.py evolution OUTDIR  writer files + reader schema + expectations
  fixtures.py roots OUTDIR      non-record roots, one folder each
  fixtures.py bad OUTDIR        a corrupt block, garbage, truncated file
"""
import base64
import datetime
import decimal
import io
import json
import lzma
import os
import struct
import sys
import uuid
import warnings

import avro.datafile
import avro.io
import avro.schema

UTC = datetime.timezone.utc
warnings.simplefilter("ignore")

TYPES_SCHEMA = {
    "type": "record", "name": "Every", "namespace": "t.sluice",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "n", "type": "null"},
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "by", "type": "bytes"},
        {"name": "s", "type": "string"},
        {"name": "rec", "type": {"type": "record", "name": "Inner", "fields": [
            {"name": "x", "type": "int"},
            {"name": "y", "type": ["null", "string"]}]}},
        {"name": "e", "type": {"type": "enum", "name": "Color",
                               "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "arr", "type": {"type": "array", "items": "long"}},
        {"name": "arr_rec", "type": {"type": "array", "items": "Inner"}},
        {"name": "m", "type": {"type": "map", "values": ["null", "double"]}},
        {"name": "opt", "type": ["null", "string"]},
        {"name": "opt2", "type": ["int", "null"]},
        {"name": "u", "type": ["null", "string", "long", "Inner"]},
        {"name": "u2", "type": ["boolean", "string"]},
        {"name": "fx", "type": {"type": "fixed", "name": "Four", "size": 4}},
        {"name": "date", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tmil", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "tmic", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "tsm", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "tsu", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "ltsm", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "ltsu", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
        {"name": "decb", "type": {"type": "bytes", "logicalType": "decimal",
                                  "precision": 20, "scale": 4}},
        {"name": "decf", "type": {"type": "fixed", "name": "D8", "size": 8,
                                  "logicalType": "decimal", "precision": 18,
                                  "scale": 2}},
        {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
    ]}


def b64(b):
    return base64.b64encode(b).decode()


def types_rows(n):
    """(datum, expected JSON row) pairs."""
    out = []
    for k in range(n):
        ts = datetime.datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC) + \
            datetime.timedelta(seconds=k, microseconds=k * 1001)
        tsm_us = int(ts.timestamp()) * 1000000 + (ts.microsecond // 1000) * 1000
        tsu_us = int(ts.timestamp()) * 1000000 + ts.microsecond
        dec_b = decimal.Decimal(k * 7 - 20) / 3
        dec_b = dec_b.quantize(decimal.Decimal("0.0001"))
        dec_f = decimal.Decimal("-%d.%02d" % (k * 1000, k)) if k % 2 else \
            decimal.Decimal("%d.%02d" % (k * 1000, k))
        u = [None, "s%d" % k, k * 1000000000000, {"x": k, "y": None}][k % 4]
        datum = {
            "id": k, "n": None, "b": k % 2 == 0, "i": -k * 3 - (1 << 30) * (k % 2),
            "l": k * (1 << 40) * (-1) ** k, "f": k + 0.5, "d": k / 3.0,
            "by": bytes([k % 256, 0, 255]), "s": "héllo %d ✓" % k,
            "rec": {"x": k, "y": None if k % 3 == 0 else "y%d" % k},
            "e": ["RED", "GREEN", "BLUE"][k % 3],
            "arr": list(range(k % 4)),
            "arr_rec": [{"x": j, "y": "a"} for j in range(k % 3)],
            "m": {"a": 1.5, "b": None} if k % 2 else {},
            "opt": None if k % 2 else "o%d" % k,
            "opt2": k if k % 3 else None,
            "u": u,
            "u2": True if k % 2 else "two",
            "fx": bytes([1, 2, 3, k % 256]),
            "date": datetime.date(2026, 1, 1) + datetime.timedelta(days=k),
            "tmil": datetime.time(1, 2, 3, 4000),
            "tmic": datetime.time(23, 59, 59, 999999),
            "tsm": ts, "tsu": ts,
            "ltsm": tsm_us // 1000, "ltsu": tsu_us,
            "decb": dec_b, "decf": dec_f,
            "uid": str(uuid.UUID(int=k * 0x1234567)),
        }
        def tstext(us):
            t = datetime.datetime.fromtimestamp(us / 1e6, UTC)
            s = t.strftime("%Y-%m-%dT%H:%M:%S")
            if us % 1000000:  # the JSON sink trims trailing zeros
                s += (".%06d" % (us % 1000000)).rstrip("0")
            return s + "Z"
        row = {
            "id": k, "b": k % 2 == 0, "i": datum["i"], "l": datum["l"],
            "f": k + 0.5, "d": k / 3.0, "by": b64(datum["by"]), "s": datum["s"],
            "rec": {"x": k} if datum["rec"]["y"] is None else dict(datum["rec"]),
            "e": datum["e"], "arr": datum["arr"], "arr_rec": datum["arr_rec"],
            "m": {"a": 1.5, "b": None} if k % 2 else {},
            "u2": {"member0": True} if k % 2 else {"member1": "two"},
            "fx": b64(datum["fx"]),
            "date": datum["date"].isoformat(),
            "tmil": 3723004, "tmic": 86399999999,
            "tsm": tstext(tsm_us), "tsu": tstext(tsu_us),
            "ltsm": tstext(tsm_us), "ltsu": tstext(tsu_us),
            "decb": float(dec_b), "decf": float(dec_f),
            "uid": datum["uid"],
        }
        if datum["opt"] is not None:
            row["opt"] = datum["opt"]
        if datum["opt2"] is not None:
            row["opt2"] = datum["opt2"]
        if u is not None:
            row["u"] = {["member0", "member1", "member2"][k % 4 - 1]:
                        {"x": k} if k % 4 == 3 else u}
        out.append((datum, row))
    return out


def encode_datum(schema, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def write_container(path, schema_json, datums, codec="null", block=None):
    schema = avro.schema.parse(json.dumps(schema_json))
    with open(path, "wb") as fh:
        w = avro.datafile.DataFileWriter(fh, avro.io.DatumWriter(), schema,
                                         codec=codec)
        for k, d in enumerate(datums):
            w.append(d)
            if block and (k + 1) % block == 0:
                w.flush()  # ends the block: several blocks per file
        w.close()


def zz(n):
    """Zigzag varint, from the specification."""
    u = (n << 1) ^ (n >> 63)
    out = bytearray()
    while u >= 0x80:
        out.append((u & 0x7f) | 0x80)
        u >>= 7
    out.append(u)
    return bytes(out)


def write_xz_container(path, schema_json, datums, per_block):
    """Container with the xz codec, assembled from the spec's layout."""
    schema = avro.schema.parse(json.dumps(schema_json))
    sync = bytes(range(16))
    meta = {b"avro.schema": json.dumps(schema_json).encode(), b"avro.codec": b"xz"}
    out = bytearray(b"Obj\x01")
    out += zz(len(meta))
    for k, v in meta.items():
        out += zz(len(k)) + k + zz(len(v)) + v
    out += zz(0) + sync
    for a in range(0, len(datums), per_block):
        chunk = datums[a:a + per_block]
        raw = b"".join(encode_datum(schema, d) for d in chunk)
        comp = lzma.compress(raw, format=lzma.FORMAT_XZ)
        out += zz(len(chunk)) + zz(len(comp)) + comp + sync
    open(path, "wb").write(bytes(out))


def cmd_types(outdir):
    os.makedirs(outdir, exist_ok=True)
    pairs = types_rows(40)
    datums = [d for d, _ in pairs]
    for codec in ["null", "deflate", "bzip2", "snappy", "zstandard"]:
        write_container(os.path.join(outdir, "every-%s.avro" % codec),
                        TYPES_SCHEMA, datums, codec, block=9)
    write_xz_container(os.path.join(outdir, "every-xz.avro"), TYPES_SCHEMA,
                       datums, 7)
    with open(os.path.join(outdir, "..", "expect_types.json"), "w") as fh:
        json.dump([r for _, r in pairs], fh)


EVO_WRITER = {
    "type": "record", "name": "Ev", "fields": [
        {"name": "id", "type": "long"},
        {"name": "a", "type": "int"},
        {"name": "f", "type": "float"},
        {"name": "b", "type": "string"},
        {"name": "bb", "type": "bytes"},
        {"name": "c", "type": {"type": "enum", "name": "C",
                               "symbols": ["X", "Y", "Z"]}},
        {"name": "gone", "type": "long"},
        {"name": "skipme", "type": {"type": "record", "name": "Big", "fields": [
            {"name": "l", "type": {"type": "array", "items": {
                "type": "map", "values": ["null", "string", "double"]}}},
            {"name": "fx", "type": {"type": "fixed", "name": "F3", "size": 3}},
            {"name": "e", "type": "C"}]}},
        {"name": "u", "type": ["null", "int"]},
        {"name": "u3", "type": "int"},
        {"name": "arr", "type": {"type": "array", "items": "int"}},
        {"name": "m", "type": {"type": "map", "values": "int"}},
        {"name": "rec", "type": {"type": "record", "name": "R", "fields": [
            {"name": "p", "type": "int"}, {"name": "q", "type": "string"}]}},
        {"name": "old_name", "type": "string"},
    ]}

EVO_READER = {
    "type": "record", "name": "Ev", "fields": [
        {"name": "id", "type": "long"},
        {"name": "a", "type": "long"},
        {"name": "f", "type": "double"},
        {"name": "b", "type": "bytes"},
        {"name": "bb", "type": "string"},
        {"name": "c", "type": {"type": "enum", "name": "C",
                               "symbols": ["X", "Y", "W"], "default": "W"}},
        {"name": "new1", "type": "int", "default": 42},
        {"name": "new2", "type": ["null", "string"], "default": None},
        {"name": "new3", "type": {"type": "record", "name": "N", "fields": [
            {"name": "z", "type": "int"},
            {"name": "zs", "type": {"type": "array", "items": "string"}}]},
         "default": {"z": 5, "zs": ["p", "q"]}},
        {"name": "new4", "type": "bytes", "default": "\u00ff\u0001"},
        {"name": "u", "type": ["null", "long"]},
        {"name": "u3", "type": ["null", "string", "long"]},
        {"name": "arr", "type": {"type": "array", "items": "double"}},
        {"name": "m", "type": {"type": "map", "values": "long"}},
        {"name": "rec", "type": {"type": "record", "name": "R", "fields": [
            {"name": "q", "type": "string"}, {"name": "p", "type": "long"},
            {"name": "r", "type": "string", "default": "dflt"}]}},
        {"name": "new_name", "aliases": ["old_name"], "type": "string"},
    ]}


def cmd_evolution(outdir):
    os.makedirs(outdir, exist_ok=True)
    datums, rows = [], []
    for k in range(25):
        d = {"id": k, "a": -k * 100000, "f": k + 0.25, "b": "s%d" % k,
             "bb": ("b%d" % k).encode(), "c": ["X", "Y", "Z"][k % 3],
             "gone": k * 7,
             "skipme": {"l": [{"a": None, "b": "x" * k, "c": 1.5}] * (k % 3),
                        "fx": b"abc", "e": "Z"},
             "u": None if k % 2 else k, "u3": k * 3,
             "arr": [k, -k], "m": {"k%d" % k: k}, "rec": {"p": k, "q": "q%d" % k},
             "old_name": "old%d" % k}
        datums.append(d)
        r = {"id": k, "a": -k * 100000, "f": k + 0.25,
             "b": base64.b64encode(("s%d" % k).encode()).decode(),
             "bb": "b%d" % k, "c": ["X", "Y", "W"][k % 3], "new1": 42,
             "new3": {"z": 5, "zs": ["p", "q"]},
             "new4": base64.b64encode(b"\xff\x01").decode(),
             "u3": {"member1": k * 3}, "arr": [float(k), float(-k)],
             "m": {"k%d" % k: k}, "rec": {"q": "q%d" % k, "p": k, "r": "dflt"},
             "new_name": "old%d" % k}
        if k % 2 == 0:
            r["u"] = k
        rows.append(r)
    write_container(os.path.join(outdir, "evo-deflate.avro"), EVO_WRITER,
                    datums, "deflate", block=10)
    json.dump(EVO_READER, open(os.path.join(outdir, "..", "reader.avsc"), "w"))
    json.dump(rows, open(os.path.join(outdir, "..", "expect_evo.json"), "w"))


ROOTS = [
    ("long", "long", [1, -2, 1 << 50], [1, -2, 1 << 50]),
    ("array", {"type": "array", "items": "string"}, [["a", "b"], [], ["c"]],
     [["a", "b"], [], ["c"]]),
    ("map", {"type": "map", "values": "int"}, [{"x": 1}, {}, {"y": -1, "z": 2}],
     [{"x": 1}, {}, {"y": -1, "z": 2}]),
    ("nullable", ["null", "string"], [None, "v"], [None, "v"]),
    ("union", ["null", "string", "long"], ["s", 5, None],
     [{"member0": "s"}, {"member1": 5}, None]),
    ("enum", {"type": "enum", "name": "E", "symbols": ["A", "B"]}, ["B", "A"],
     ["B", "A"]),
    ("fixed", {"type": "fixed", "name": "F", "size": 2}, [b"\x00\x01"],
     [base64.b64encode(b"\x00\x01").decode()]),
    ("double", "double", [0.1, -2.5], [0.1, -2.5]),
]


def cmd_roots(outdir):
    for name, schema, datums, values in ROOTS:
        d = os.path.join(outdir, name)
        os.makedirs(d, exist_ok=True)
        write_container(os.path.join(d, "root.avro"), schema, datums, "null")
        rows = [{"value": v} if v is not None else {} for v in values]
        json.dump(rows, open(os.path.join(d, "expect.json"), "w"))


def blocks(data):
    """(offset, count, data offset, size) of each block, per the spec."""
    def varint(p):
        u, shift = 0, 0
        while True:
            c = data[p]
            p += 1
            u |= (c & 0x7f) << shift
            shift += 7
            if not c & 0x80:
                return (u >> 1) ^ -(u & 1), p
    p = 4
    while True:
        n, p = varint(p)
        if n == 0:
            break
        if n < 0:
            n = -n
            _, p = varint(p)
        for _ in range(2 * n):
            ln, p = varint(p)
            p += ln
    p += 16
    out = []
    while p < len(data):
        start = p
        cnt, p = varint(p)
        size, p = varint(p)
        out.append((start, cnt, p, size))
        p += size + 16
    return out


def cmd_bad(outdir):
    """Every file holds 3 blocks of 5 rows (ids file*100 + i); some blocks
    are broken. Writes expect_bad.json: ids in the lake, dead letters."""
    os.makedirs(outdir, exist_ok=True)
    schema = {"type": "record", "name": "B", "fields": [
        {"name": "id", "type": "long"}, {"name": "s", "type": "string"}]}
    good_ids, dead = [], 0
    for f, (codec, breakage) in enumerate([
            ("deflate", None), ("deflate", "inflate"), ("snappy", "crc"),
            ("null", "length"), ("null", "sync"), ("zstandard", "count")]):
        path = os.path.join(outdir, "f%d-%s.avro" % (f, codec))
        datums = [{"id": f * 100 + i, "s": "v%d" % i} for i in range(15)]
        write_container(path, schema, datums, codec, block=5)
        data = bytearray(open(path, "rb").read())
        bl = blocks(data)
        assert len(bl) == 3, bl
        start, cnt, dat, size = bl[1]
        if breakage == "inflate":
            for j in range(2, 6):
                data[dat + j] ^= 0x5a
        elif breakage == "crc":
            data[dat + size - 1] ^= 1
        elif breakage == "length":
            # first datum: id varint then string length; make it huge
            p = dat
            while data[p] & 0x80:
                p += 1
            data[p + 1] = 0x7e  # length 63, longer than the datum
        elif breakage == "sync":
            data[dat + size + 3] ^= 0xff
        elif breakage == "count":
            data[start] = 2 * 6  # 6 datums claimed, 5 present
        open(path, "wb").write(bytes(data))
        for i in range(15):
            if breakage is None or i // 5 != 1:
                good_ids.append(f * 100 + i)
        dead += 0 if breakage is None else 1
    # Not Avro at all: one record, dead-lettered.
    open(os.path.join(outdir, "garbage.avro"), "wb").write(b"\x03" + b"not avro" * 10)
    dead += 1
    json.dump({"ids": sorted(good_ids), "dead": dead},
              open(os.path.join(outdir, "..", "expect_bad.json"), "w"))


def cmd_restart(outdir):
    """One deflate file, 4 blocks of 5 rows (ids 0..19)."""
    os.makedirs(outdir, exist_ok=True)
    schema = {"type": "record", "name": "R", "fields": [
        {"name": "id", "type": "long"}, {"name": "s", "type": "string"}]}
    write_container(os.path.join(outdir, "restart.avro"), schema,
                    [{"id": i, "s": "r%d" % i} for i in range(20)], "deflate",
                    block=5)


def main():
    {"types": cmd_types, "evolution": cmd_evolution, "roots": cmd_roots,
     "bad": cmd_bad, "restart": cmd_restart}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
