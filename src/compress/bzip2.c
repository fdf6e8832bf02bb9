/*
 * bzip2.c - bzip2 through libbz2, both directions.
 *
 * Decoding: a bzip2 input is a sequence of streams ("BZh" + level, blocks,
 * end-of-stream marker and combined CRC), as bzip2(1) and pbzip2 write when
 * files are concatenated or compressed in parallel. libbz2 decodes one
 * stream and stops exactly after it (BZ_STREAM_END), so the next stream is
 * started with a fresh libbz2 state. libbz2 checks every block CRC and the
 * combined CRC.
 *
 * Encoding (sink.compression: bzip2): level = block size in 100 kB units.
 */
#include "internal.h"

#include <bzlib.h>
#include <limits.h>
#include <stdlib.h>

struct bunzip {
    bz_stream s;
    bool open;
};

static int bun_init(struct sl__dec *d, struct sl_error *err)
{
    struct bunzip *b = calloc(1, sizeof *b);
    if (!b)
        return sl__dec_nomem(err, SL_CODEC_BZIP2);
    d->st = b;
    return 0;
}

static void bun_fini(struct sl__dec *d)
{
    struct bunzip *b = d->st;
    if (!b)
        return;
    if (b->open)
        BZ2_bzDecompressEnd(&b->s);
    free(b);
}

static int bun_step(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                    uint8_t *out, size_t *out_n, bool at_end,
                    struct sl_error *err)
{
    struct bunzip *b = d->st;
    size_t in_avail = *in_n, out_avail = *out_n;
    *in_n = *out_n = 0;
    if (out_avail == 0)
        return 0; /* libbz2 refuses a call without room */
    if (!d->inside) {
        if (in_avail == 0)
            return 0;
        if ((d->units > 0 || d->resumed) && in[0] != 'B')
            return sl__dec_trailing(err, SL_CODEC_BZIP2, d->in_off);
        if (b->open)
            BZ2_bzDecompressEnd(&b->s);
        b->open = false;
        memset(&b->s, 0, sizeof b->s);
        if (BZ2_bzDecompressInit(&b->s, 0, 0) != BZ_OK)
            return sl__dec_nomem(err, SL_CODEC_BZIP2);
        b->open = true;
        sl__dec_begin_unit(d);
    }
    unsigned ai = in_avail > UINT_MAX ? UINT_MAX : (unsigned)in_avail;
    unsigned ao = out_avail > UINT_MAX ? UINT_MAX : (unsigned)out_avail;
    b->s.next_in = (char *)in;
    b->s.avail_in = ai;
    b->s.next_out = (char *)out;
    b->s.avail_out = ao;
    int rc = BZ2_bzDecompress(&b->s);
    *in_n = ai - b->s.avail_in;
    *out_n = ao - b->s.avail_out;
    uint64_t off = d->in_off + *in_n;
    switch (rc) {
    case BZ_OK:
        return 0;
    case BZ_STREAM_END:
        d->inside = false;
        d->units++;
        return SL__DEC_UNIT_END;
    case BZ_DATA_ERROR_MAGIC:
        return sl__dec_corrupt(err, SL_CODEC_BZIP2, off, "bzip2 header",
                               "bad magic: not a bzip2 stream");
    case BZ_MEM_ERROR:
        return sl__dec_nomem(err, SL_CODEC_BZIP2);
    default:
        return sl__dec_corrupt(err, SL_CODEC_BZIP2, off, "bzip2 data",
                               "invalid block or CRC mismatch");
    }
}

const struct sl__dec_ops sl__bzip2_dec = {
    .codec = SL_CODEC_BZIP2,
    .unit = "stream",
    .init = bun_init,
    .step = bun_step,
    .fini = bun_fini,
};

/* ---- encoder ---- */

struct bzip {
    bz_stream s;
    int level;
};

static int bz_open(struct bzip *z, struct sl_error *err)
{
    memset(&z->s, 0, sizeof z->s);
    if (BZ2_bzCompressInit(&z->s, z->level, 0, 0) != BZ_OK)
        return sl_error_set(err, SL_ENOMEM, "bzip2: cannot start compressor");
    return 0;
}

static int bz_init(void **st, int level, struct sl_error *err)
{
    struct bzip *z = calloc(1, sizeof *z);
    if (!z)
        return sl_error_set(err, SL_ENOMEM, "bzip2: out of memory");
    z->level = level;
    int rc = bz_open(z, err);
    if (rc) {
        free(z);
        return rc;
    }
    *st = z;
    return 0;
}

static int bz_step(void *st, const uint8_t *in, size_t *in_n, uint8_t *out,
                   size_t *out_n, bool finish, struct sl_error *err)
{
    struct bzip *z = st;
    unsigned ai = *in_n > UINT_MAX ? UINT_MAX : (unsigned)*in_n;
    unsigned ao = *out_n > UINT_MAX ? UINT_MAX : (unsigned)*out_n;
    *in_n = *out_n = 0;
    /* libbz2 calls a BZ_RUN without input (or any call without room) a
     * parameter error. */
    if (ao == 0 || (!finish && ai == 0))
        return 0;
    z->s.next_in = (char *)in;
    z->s.avail_in = ai;
    z->s.next_out = (char *)out;
    z->s.avail_out = ao;
    int rc = BZ2_bzCompress(&z->s, finish ? BZ_FINISH : BZ_RUN);
    *in_n = ai - z->s.avail_in;
    *out_n = ao - z->s.avail_out;
    if (rc == BZ_STREAM_END)
        return 1;
    if (rc == BZ_RUN_OK || rc == BZ_FINISH_OK)
        return 0;
    return sl_error_set(err, SL_EINVAL, "bzip2: compressor failed (code %d)",
                        rc);
}

static int bz_reset(void *st, struct sl_error *err)
{
    struct bzip *z = st;
    BZ2_bzCompressEnd(&z->s);
    return bz_open(z, err);
}

static void bz_fini(void *st)
{
    struct bzip *z = st;
    if (!z)
        return;
    BZ2_bzCompressEnd(&z->s);
    free(z);
}

const struct sl__enc_ops sl__bzip2_enc = {
    .codec = SL_CODEC_BZIP2,
    .default_level = 9,
    .min_level = 1,
    .max_level = 9,
    .init = bz_init,
    .step = bz_step,
    .reset = bz_reset,
    .fini = bz_fini,
};
