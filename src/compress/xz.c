/*
 * xz.c - xz through liblzma, both directions.
 *
 * Decoding: an xz file is a sequence of streams, each optionally followed
 * by stream padding (zero bytes, a multiple of four) - what `cat a.xz b.xz`
 * gives. Each stream may hold many blocks (xz -T0). We decode one stream
 * at a time with lzma_stream_decoder() without LZMA_CONCATENATED, so the
 * driver learns every stream boundary (a resume mark), and handle padding
 * here. The decoder's memory is capped by limits.max_memory (xz -9 needs
 * 65 MiB); a stream asking for more is an SL_ELIMIT error.
 *
 * Encoding (sink.compression: xz): lzma_easy_encoder with CRC-64; level 6
 * (xz's default) needs about 94 MiB while compressing.
 */
#include "internal.h"

#include <inttypes.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>

struct unxz {
    lzma_stream s;
    uint64_t padding; /* zero bytes seen since the last stream ended */
};

static int unxz_init(struct sl__dec *d, struct sl_error *err)
{
    struct unxz *x = calloc(1, sizeof *x);
    if (!x)
        return sl__dec_nomem(err, SL_CODEC_XZ);
    lzma_stream init = LZMA_STREAM_INIT;
    x->s = init;
    d->st = x;
    return 0;
}

static int unxz_reset(struct sl__dec *d, struct sl_error *err)
{
    struct unxz *x = d->st;
    x->padding = 0;
    return 0;
}

static void unxz_fini(struct sl__dec *d)
{
    struct unxz *x = d->st;
    if (!x)
        return;
    lzma_end(&x->s); /* also fine on a stream never initialised */
    free(x);
}

static int bad_padding(struct sl_error *err, uint64_t off)
{
    return sl__dec_corrupt(err, SL_CODEC_XZ, off, "xz stream padding",
                           "not a multiple of 4 bytes");
}

/* Between streams: eat padding, then open a decoder for the next one.
 * Returns 1 when a stream was started, 0 when the caller should return
 * (padding consumed or no input), < 0 on error. */
static int between(struct sl__dec *d, struct unxz *x, const uint8_t *in,
                   size_t *in_n, bool at_end, struct sl_error *err)
{
    size_t avail = *in_n, i = 0;
    *in_n = 0;
    if (d->units > 0 || d->resumed) {
        while (i < avail && in[i] == 0)
            i++;
        x->padding += i;
        if (i == avail) {
            *in_n = i;
            if (at_end && x->padding % 4)
                return bad_padding(err, d->in_off + i);
            return 0;
        }
        if (x->padding % 4)
            return bad_padding(err, d->in_off + i);
        if (in[i] != 0xfd)
            return sl__dec_trailing(err, SL_CODEC_XZ, d->in_off + i);
        if (i > 0) {
            *in_n = i; /* report the padding; the stream starts next call */
            return 0;
        }
    } else if (avail == 0) {
        return 0;
    }
    x->padding = 0;
    /* An lzma_stream initialised again keeps its memory where it can. */
    uint64_t memlimit = d->lim.max_memory ? d->lim.max_memory : UINT64_MAX;
    if (lzma_stream_decoder(&x->s, memlimit, 0) != LZMA_OK)
        return sl__dec_nomem(err, SL_CODEC_XZ);
    sl__dec_begin_unit(d);
    return 1;
}

static int unxz_step(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                     uint8_t *out, size_t *out_n, bool at_end,
                     struct sl_error *err)
{
    struct unxz *x = d->st;
    size_t in_avail = *in_n, out_avail = *out_n;
    *out_n = 0;
    if (!d->inside) {
        int rc = between(d, x, in, in_n, at_end, err);
        if (rc <= 0)
            return rc;
    }
    x->s.next_in = in;
    x->s.avail_in = in_avail;
    x->s.next_out = out;
    x->s.avail_out = out_avail;
    lzma_ret rc = lzma_code(&x->s, LZMA_RUN);
    *in_n = in_avail - x->s.avail_in;
    *out_n = out_avail - x->s.avail_out;
    uint64_t off = d->in_off + *in_n;
    char why[128];
    switch (rc) {
    case LZMA_OK:
    case LZMA_BUF_ERROR: /* no progress possible: needs input or room */
        return 0;
    case LZMA_STREAM_END:
        d->inside = false;
        d->units++;
        return SL__DEC_UNIT_END;
    case LZMA_MEM_ERROR:
        return sl__dec_nomem(err, SL_CODEC_XZ);
    case LZMA_MEMLIMIT_ERROR:
        return sl_error_set_at(err, SL_ELIMIT, (int64_t)off,
                               "xz: stream at compressed byte %" PRIu64
                               " needs %" PRIu64 " MiB of memory to "
                               "decompress, over the %zu MiB limit",
                               d->unit_off,
                               (lzma_memusage(&x->s) + (1 << 20) - 1) >> 20,
                               d->lim.max_memory >> 20);
    case LZMA_FORMAT_ERROR:
        return sl__dec_corrupt(err, SL_CODEC_XZ, off, "xz header",
                               "not an xz stream");
    case LZMA_OPTIONS_ERROR:
        return sl__dec_corrupt(err, SL_CODEC_XZ, off, "xz header",
                               "unsupported options");
    case LZMA_DATA_ERROR:
        return sl__dec_corrupt(err, SL_CODEC_XZ, off, "xz data",
                               "compressed data is corrupt");
    default:
        snprintf(why, sizeof why, "liblzma error %d", (int)rc);
        return sl__dec_corrupt(err, SL_CODEC_XZ, off, "xz data", why);
    }
}

const struct sl__dec_ops sl__xz_dec = {
    .codec = SL_CODEC_XZ,
    .unit = "stream",
    .init = unxz_init,
    .reset = unxz_reset,
    .step = unxz_step,
    .fini = unxz_fini,
};

/* ---- encoder ---- */

struct xz {
    lzma_stream s;
    int level;
};

static int xz_open(struct xz *z, struct sl_error *err)
{
    lzma_stream init = LZMA_STREAM_INIT;
    z->s = init;
    if (lzma_easy_encoder(&z->s, (uint32_t)z->level, LZMA_CHECK_CRC64) !=
        LZMA_OK)
        return sl_error_set(err, SL_ENOMEM, "xz: cannot start compressor");
    return 0;
}

static int xz_init(void **st, int level, struct sl_error *err)
{
    struct xz *z = calloc(1, sizeof *z);
    if (!z)
        return sl_error_set(err, SL_ENOMEM, "xz: out of memory");
    z->level = level;
    int rc = xz_open(z, err);
    if (rc) {
        lzma_end(&z->s);
        free(z);
        return rc;
    }
    *st = z;
    return 0;
}

static int xz_step(void *st, const uint8_t *in, size_t *in_n, uint8_t *out,
                   size_t *out_n, bool finish, struct sl_error *err)
{
    struct xz *z = st;
    size_t ai = *in_n, ao = *out_n;
    z->s.next_in = in;
    z->s.avail_in = ai;
    z->s.next_out = out;
    z->s.avail_out = ao;
    lzma_ret rc = lzma_code(&z->s, finish ? LZMA_FINISH : LZMA_RUN);
    *in_n = ai - z->s.avail_in;
    *out_n = ao - z->s.avail_out;
    if (rc == LZMA_STREAM_END)
        return 1;
    if (rc == LZMA_OK || rc == LZMA_BUF_ERROR)
        return 0;
    return sl_error_set(err, rc == LZMA_MEM_ERROR ? SL_ENOMEM : SL_EINVAL,
                        "xz: compressor failed (liblzma error %d)", (int)rc);
}

static int xz_reset(void *st, struct sl_error *err)
{
    struct xz *z = st;
    lzma_end(&z->s);
    return xz_open(z, err);
}

static void xz_fini(void *st)
{
    struct xz *z = st;
    if (!z)
        return;
    lzma_end(&z->s);
    free(z);
}

const struct sl__enc_ops sl__xz_enc = {
    .codec = SL_CODEC_XZ,
    .default_level = 6,
    .min_level = 0,
    .max_level = 9,
    .init = xz_init,
    .step = xz_step,
    .reset = xz_reset,
    .fini = xz_fini,
};
