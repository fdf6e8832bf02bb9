/*
 * avro_codec.c - Avro container block codecs over zlib, libsnappy, libbz2,
 * liblzma and libzstd (see avro_codec.h).
 *
 * Decoders stream into a capped sl_buf, so a hostile block cannot make us
 * allocate more than `max` bytes whatever sizes its headers claim.
 */
#include "avro_codec.h"

#include <bzlib.h>
#include <lzma.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static const char *const names[] = {"null",  "deflate", "snappy",
                                    "bzip2", "xz",      "zstandard"};

int sl_avro_codec_find(const char *name, size_t n)
{
    for (int i = 0; i < 6; i++)
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
            return i;
    return -1;
}

const char *sl_avro_codec_name(enum sl_avro_codec c)
{
    return (unsigned)c < 6 ? names[c] : "?";
}

#define STEP (64u << 10)

/* Room for at least STEP more bytes in out, within max. */
static int room(struct sl_buf *out, size_t max, size_t *avail)
{
    if (out->len >= max)
        return SL_ELIMIT;
    size_t want = max - out->len < STEP ? max - out->len : STEP;
    if (out->cap - out->len < want) {
        int rc = sl_buf_reserve(out, want);
        if (rc)
            return rc;
    }
    *avail = out->cap - out->len;
    if (*avail > max - out->len)
        *avail = max - out->len;
    return 0;
}

static int inflate_raw(const uint8_t *p, size_t n, size_t max,
                       struct sl_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        return SL_ENOMEM;
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    int rc = 0, zr;
    do {
        size_t avail;
        if ((rc = room(out, max, &avail)))
            break;
        if (avail > UINT32_MAX)
            avail = UINT32_MAX;
        z.next_out = out->data + out->len;
        z.avail_out = (uInt)avail;
        zr = inflate(&z, Z_NO_FLUSH);
        out->len += avail - z.avail_out;
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = SL_ECORRUPT;
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0) {
            rc = SL_ECORRUPT; /* truncated */
            break;
        }
    } while (1);
    inflateEnd(&z);
    return rc;
}

static int bunzip(const uint8_t *p, size_t n, size_t max, struct sl_buf *out)
{
    bz_stream s;
    memset(&s, 0, sizeof s);
    if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
        return SL_ENOMEM;
    s.next_in = (char *)p;
    s.avail_in = (unsigned)n;
    int rc = 0;
    for (;;) {
        size_t avail;
        if ((rc = room(out, max, &avail)))
            break;
        if (avail > UINT32_MAX)
            avail = UINT32_MAX;
        s.next_out = (char *)out->data + out->len;
        s.avail_out = (unsigned)avail;
        int br = BZ2_bzDecompress(&s);
        out->len += avail - s.avail_out;
        if (br == BZ_STREAM_END)
            break;
        if (br != BZ_OK || (s.avail_in == 0 && s.avail_out != 0)) {
            rc = SL_ECORRUPT;
            break;
        }
    }
    BZ2_bzDecompressEnd(&s);
    return rc;
}

static int unxz(const uint8_t *p, size_t n, size_t max, struct sl_buf *out)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, 1u << 30, 0) != LZMA_OK)
        return SL_ENOMEM;
    s.next_in = p;
    s.avail_in = n;
    int rc = 0;
    for (;;) {
        size_t avail;
        if ((rc = room(out, max, &avail)))
            break;
        s.next_out = out->data + out->len;
        s.avail_out = avail;
        lzma_ret lr = lzma_code(&s, LZMA_FINISH);
        out->len += avail - s.avail_out;
        if (lr == LZMA_STREAM_END)
            break;
        if (lr != LZMA_OK) {
            rc = lr == LZMA_MEM_ERROR ? SL_ENOMEM : SL_ECORRUPT;
            break;
        }
    }
    lzma_end(&s);
    return rc;
}

static int unzstd(const uint8_t *p, size_t n, size_t max, struct sl_buf *out)
{
    ZSTD_DStream *d = ZSTD_createDStream();
    if (!d)
        return SL_ENOMEM;
    ZSTD_inBuffer in = {p, n, 0};
    int rc = 0;
    size_t zr = 1;
    while (in.pos < in.size || zr != 0) {
        size_t avail;
        if ((rc = room(out, max, &avail)))
            break;
        ZSTD_outBuffer o = {out->data + out->len, avail, 0};
        zr = ZSTD_decompressStream(d, &o, &in);
        out->len += o.pos;
        if (ZSTD_isError(zr)) {
            rc = SL_ECORRUPT;
            break;
        }
        if (in.pos == in.size && zr != 0 && o.pos < avail) {
            rc = SL_ECORRUPT; /* truncated frame */
            break;
        }
    }
    ZSTD_freeDStream(d);
    return rc;
}

static int unsnappy(const uint8_t *p, size_t n, size_t max, struct sl_buf *out)
{
    if (n < 4)
        return SL_ECORRUPT;
    size_t ulen;
    if (snappy_uncompressed_length((const char *)p, n - 4, &ulen) != SNAPPY_OK)
        return SL_ECORRUPT;
    if (ulen > max)
        return SL_ELIMIT;
    int rc = sl_buf_reserve(out, ulen ? ulen : 1);
    if (rc)
        return rc;
    if (snappy_uncompress((const char *)p, n - 4, (char *)out->data, &ulen) !=
        SNAPPY_OK)
        return SL_ECORRUPT;
    out->len = ulen;
    uint32_t want = (uint32_t)p[n - 4] << 24 | (uint32_t)p[n - 3] << 16 |
                    (uint32_t)p[n - 2] << 8 | p[n - 1];
    uint32_t got = (uint32_t)crc32(0L, out->data, (uInt)ulen);
    return got == want ? 0 : SL_ECORRUPT;
}

int sl_avro_codec_decode(enum sl_avro_codec c, const uint8_t *p, size_t n,
                         size_t max, struct sl_buf *out, struct sl_error *err)
{
    sl_buf_reset(out);
    int rc;
    switch (c) {
    case SL_AVC_NULL:
        rc = n > max ? SL_ELIMIT : sl_buf_append(out, p, n);
        break;
    case SL_AVC_DEFLATE:
        rc = inflate_raw(p, n, max, out);
        break;
    case SL_AVC_SNAPPY:
        rc = unsnappy(p, n, max, out);
        break;
    case SL_AVC_BZIP2:
        rc = bunzip(p, n, max, out);
        break;
    case SL_AVC_XZ:
        rc = unxz(p, n, max, out);
        break;
    case SL_AVC_ZSTD:
        rc = unzstd(p, n, max, out);
        break;
    default:
        rc = SL_EINVAL;
    }
    if (rc == SL_ELIMIT)
        return sl_error_set(err, rc,
                            "%s block inflates beyond %zu bytes "
                            "(max_block_bytes)",
                            sl_avro_codec_name(c), max);
    if (rc == SL_ECORRUPT)
        return sl_error_set(err, rc,
                            "%s block does not decompress (corrupt or "
                            "truncated%s)",
                            sl_avro_codec_name(c),
                            c == SL_AVC_SNAPPY ? ", or CRC-32 mismatch" : "");
    if (rc)
        return sl_error_set(err, rc, "%s block: %s", sl_avro_codec_name(c),
                            sl_strerror(rc));
    return 0;
}

int sl_avro_codec_encode(enum sl_avro_codec c, int level, const uint8_t *p,
                         size_t n, struct sl_buf *out, struct sl_error *err)
{
    int rc = 0;
    switch (c) {
    case SL_AVC_NULL:
        return sl_buf_append(out, p, n);
    case SL_AVC_DEFLATE: {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, level ? level : 6, Z_DEFLATED, -15, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return sl_error_set(err, SL_ENOMEM, "deflate: out of memory");
        size_t bound = deflateBound(&z, (uLong)n);
        if (!(rc = sl_buf_reserve(out, bound))) {
            z.next_in = (Bytef *)p;
            z.avail_in = (uInt)n;
            z.next_out = out->data + out->len;
            z.avail_out = (uInt)bound;
            if (deflate(&z, Z_FINISH) != Z_STREAM_END)
                rc = SL_EIO;
            else
                out->len += bound - z.avail_out;
        }
        deflateEnd(&z);
        break;
    }
    case SL_AVC_SNAPPY: {
        size_t bound = snappy_max_compressed_length(n);
        if ((rc = sl_buf_reserve(out, bound + 4)))
            break;
        size_t olen = bound;
        if (snappy_compress((const char *)p, n, (char *)out->data + out->len,
                            &olen) != SNAPPY_OK) {
            rc = SL_EIO;
            break;
        }
        out->len += olen;
        uint32_t crc = (uint32_t)crc32(0L, p, (uInt)n);
        uint8_t b[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16),
                        (uint8_t)(crc >> 8), (uint8_t)crc};
        rc = sl_buf_append(out, b, 4);
        break;
    }
    case SL_AVC_ZSTD: {
        size_t bound = ZSTD_compressBound(n);
        if ((rc = sl_buf_reserve(out, bound)))
            break;
        size_t zr =
            ZSTD_compress(out->data + out->len, bound, p, n, level ? level : 3);
        if (ZSTD_isError(zr))
            rc = SL_EIO;
        else
            out->len += zr;
        break;
    }
    default:
        return sl_error_set(err, SL_EINVAL,
                            "Avro output codec %s is not supported (use "
                            "null, deflate, snappy or zstandard)",
                            sl_avro_codec_name(c));
    }
    if (rc)
        return sl_error_set(err, rc, "%s compression failed: %s",
                            sl_avro_codec_name(c), sl_strerror(rc));
    return 0;
}
