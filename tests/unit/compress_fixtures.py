#!/usr/bin/python3
"""Compressed fixtures for test_compress*.c, made by implementations other
than ours (run with /usr/bin/python3, which has Debian's modules).

Framed snappy follows Google's framing_format.txt with python3-snappy's RAW
compressor (snappy.compress) and python3-crcmod's CRC-32C; python3-snappy's
own framing mode crashes on Python 3.11, so it is not used. zlib and raw
deflate come from Python's zlib module.

Usage:
  compress_fixtures.py framed IN OUT [CHUNK] [UNCOMPRESSED_EVERY] [EXTRAS]
      EXTRAS=1 adds a padding chunk (0xfe) and a skippable chunk (0x80)
      after every data chunk and a second stream identifier in the middle.
  compress_fixtures.py framed_badcrc IN OUT K
      like framed, with the stored CRC of data chunk K (0-based) off by one
      bit; prints "OFFSET STORED COMPUTED" (chunk offset, masked CRCs).
  compress_fixtures.py snappy_raw IN OUT
  compress_fixtures.py zlib IN OUT
  compress_fixtures.py deflate IN OUT
  compress_fixtures.py zstd_skippable OUT   a skippable zstd frame
"""
import struct
import sys
import zlib

import crcmod.predefined
import snappy

crc32c = crcmod.predefined.mkCrcFun('crc-32c')


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff


def chunk(kind, body):
    return bytes([kind]) + len(body).to_bytes(3, 'little') + body


STREAM_ID = chunk(0xff, b'sNaPpY')


def framed(data, size=65536, uncompressed_every=0, extras=False, bad=-1):
    out = bytearray(STREAM_ID)
    info = None
    pieces = [data[o:o + size] for o in range(0, len(data), size)]
    for i, piece in enumerate(pieces):
        crc = masked(piece)
        stored = crc ^ 1 if i == bad else crc
        if i == bad:
            info = (len(out), stored, crc)
        if uncompressed_every and i % uncompressed_every == \
                uncompressed_every - 1:
            out += chunk(0x01, struct.pack('<I', stored) + piece)
        else:
            out += chunk(0x00,
                         struct.pack('<I', stored) + snappy.compress(piece))
        if extras:
            out += chunk(0xfe, b'\0' * 3) + chunk(0x80, b'skip me')
            if i == len(pieces) // 2:
                out += STREAM_ID
    return bytes(out), info


def main(argv):
    cmd = argv[1]
    if cmd == 'zstd_skippable':
        payload = b'sluice skippable frame'
        with open(argv[2], 'wb') as f:
            f.write(struct.pack('<II', 0x184D2A5A, len(payload)) + payload)
        return
    with open(argv[2], 'rb') as f:
        data = f.read()
    info = None
    if cmd == 'framed':
        size = int(argv[4]) if len(argv) > 4 else 65536
        every = int(argv[5]) if len(argv) > 5 else 0
        extras = len(argv) > 6 and argv[6] == '1'
        out, _ = framed(data, size, every, extras)
    elif cmd == 'framed_badcrc':
        out, info = framed(data, bad=int(argv[4]))
    elif cmd == 'snappy_raw':
        out = snappy.compress(data)
    elif cmd == 'zlib':
        out = zlib.compress(data, 6)
    elif cmd == 'deflate':
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        out = c.compress(data) + c.flush()
    else:
        sys.exit('unknown command ' + cmd)
    with open(argv[3], 'wb') as f:
        f.write(out)
    if info:
        print('%d %d %d' % info)


if __name__ == '__main__':
    main(sys.argv)
