/*
 * avro_codec.c - Avro container block codecs over zlib, libsnappy, libbz2,
 * liblzma and libzstd (see avro_codec.h).
 *
 * Decompression is the shared library's (src/compress, one-shot with
 * limits): a hostile block cannot make us allocate more than `max` bytes
 * whatever sizes its headers claim. Avro adds one thing to raw snappy, the
 * CRC-32 after each block, checked here. Compression (the encoder's
 * codecs: raw deflate, raw snappy + CRC-32, zstd frames) is here, since
 * the library's compressors write whole-file formats.
 */
#include "avro_codec.h"

#include "compress/compress.h"

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

/* Deflate blocks are inflated here, not by the shared library: Apache's
 * Python writer (python3-avro) leaves the last 3 bytes of zlib's adler32
 * after the raw deflate stream (it slices zlib.compress() output [2:-1]),
 * and readers (Java's Inflater, ours) ignore bytes after the stream's
 * end, which the library rightly treats as corruption in its own formats.
 */
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

/* Avro codec -> the compression library's codec. */
static const enum sl_codec lib_codec[] = {
    SL_CODEC_NONE,  SL_CODEC_DEFLATE, SL_CODEC_SNAPPY_RAW,
    SL_CODEC_BZIP2, SL_CODEC_XZ,      SL_CODEC_ZSTD,
};

int sl_avro_codec_decode(struct sl_dctx *ctx, enum sl_avro_codec c,
                         const uint8_t *p, size_t n, size_t max,
                         struct sl_buf *out, struct sl_error *err)
{
    sl_buf_reset(out);
    if ((unsigned)c >= sizeof lib_codec / sizeof *lib_codec)
        return sl_error_set(err, SL_EINVAL, "unknown Avro codec %d", (int)c);
    if (c == SL_AVC_NULL) {
        if (n > max)
            goto limit;
        return sl_buf_append(out, p, n);
    }
    /* Snappy blocks end with the big-endian CRC-32 (ISO 3309, zlib's) of
     * the uncompressed data. */
    size_t in_n = n;
    if (c == SL_AVC_SNAPPY) {
        if (n < 4)
            return sl_error_set(err, SL_ECORRUPT,
                                "snappy block shorter than its CRC-32");
        in_n = n - 4;
    }
    int rc;
    if (c == SL_AVC_DEFLATE) {
        rc = inflate_raw(p, n, max, out);
        if (rc == SL_ECORRUPT)
            return sl_error_set(err, rc,
                                "deflate block does not inflate (corrupt or "
                                "truncated)");
    } else {
        struct sl_decompress_limits lim;
        sl_decompress_limits_default(&lim);
        lim.max_output = max;
        lim.max_ratio = 0; /* max bounds a block; repeated rows compress */
        rc = sl_dctx_decompress(ctx, lib_codec[c], p, in_n, out, &lim, err);
    }
    if (rc == SL_ELIMIT)
        goto limit;
    if (rc)
        return rc;
    if (c == SL_AVC_SNAPPY) {
        uint32_t want = (uint32_t)p[n - 4] << 24 | (uint32_t)p[n - 3] << 16 |
                        (uint32_t)p[n - 2] << 8 | p[n - 1];
        uint32_t got = (uint32_t)crc32(0L, out->data, (uInt)out->len);
        if (got != want)
            return sl_error_set(err, SL_ECORRUPT,
                                "snappy block: CRC-32 mismatch (stored "
                                "%08x, data %08x)",
                                want, got);
    }
    return 0;
limit:
    sl_buf_reset(out);
    return sl_error_set(err, SL_ELIMIT,
                        "%s block inflates beyond %zu bytes "
                        "(max_block_bytes)",
                        sl_avro_codec_name(c), max);
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
