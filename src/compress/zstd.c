/*
 * zstd.c - zstd through libzstd, both directions.
 *
 * Decoding: a zstd input is a sequence of frames (pzstd, `cat a.zst b.zst`)
 * and skippable frames. ZSTD_decompressStream() returns 0 exactly when a
 * frame is decoded and flushed, and never reads past it, so every frame
 * end is a resume mark. The window (the decoder's memory) is capped by
 * limits.max_memory: 128 MiB by default, as zstd(1) itself without
 * --long; a frame that needs more is an SL_ELIMIT error.
 *
 * Encoding (sink.compression: zstd): one frame per file, with the content
 * checksum zstd(1) writes by default; single-threaded, so deterministic.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* zstd's window log range (WLOG_MIN / _MAX_64, which
 * zstd.h only shows with ZSTD_STATIC_LINKING_ONLY). */
#define WLOG_MIN 10
#define WLOG_MAX 31

static int window_log(size_t max_memory)
{
    if (!max_memory)
        return WLOG_MAX;
    int log = 0;
    while (log < WLOG_MAX && ((size_t)2 << log) <= max_memory)
        log++;
    return log < WLOG_MIN ? WLOG_MIN : log;
}

static int unz_init(struct sl__dec *d, struct sl_error *err)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!dc)
        return sl__dec_nomem(err, SL_CODEC_ZSTD);
    size_t r = ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax,
                                      window_log(d->lim.max_memory));
    if (ZSTD_isError(r)) {
        ZSTD_freeDCtx(dc);
        return sl_error_set(err, SL_EINVAL, "zstd: %s", ZSTD_getErrorName(r));
    }
    d->st = dc;
    return 0;
}

static int unz_reset(struct sl__dec *d, struct sl_error *err)
{
    size_t r = ZSTD_DCtx_reset(d->st, ZSTD_reset_session_only);
    if (!ZSTD_isError(r))
        r = ZSTD_DCtx_setParameter(d->st, ZSTD_d_windowLogMax,
                                   window_log(d->lim.max_memory));
    return ZSTD_isError(r)
               ? sl_error_set(err, SL_EINVAL, "zstd: %s", ZSTD_getErrorName(r))
               : 0;
}

static void unz_fini(struct sl__dec *d)
{
    ZSTD_freeDCtx(d->st);
}

static int unz_step(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                    uint8_t *out, size_t *out_n, bool at_end,
                    struct sl_error *err)
{
    ZSTD_inBuffer ib = {in, *in_n, 0};
    ZSTD_outBuffer ob = {out, *out_n, 0};
    *in_n = *out_n = 0;
    bool starting = !d->inside;
    if (starting) {
        if (ib.size == 0)
            return 0;
        sl__dec_begin_unit(d);
    }
    size_t r = ZSTD_decompressStream(d->st, &ob, &ib);
    *in_n = ib.pos;
    *out_n = ob.pos;
    uint64_t off = d->in_off + ib.pos;
    if (ZSTD_isError(r)) {
        switch (ZSTD_getErrorCode(r)) {
        case ZSTD_error_frameParameter_windowTooLarge:
            return sl_error_set_at(err, SL_ELIMIT, (int64_t)off,
                                   "zstd: frame at compressed byte %" PRIu64
                                   " needs a window over the %zu MiB memory "
                                   "limit (compressed with --long?)",
                                   d->unit_off, d->lim.max_memory >> 20);
        case ZSTD_error_memory_allocation:
            return sl__dec_nomem(err, SL_CODEC_ZSTD);
        case ZSTD_error_prefix_unknown:
            if (starting && (d->units > 0 || d->resumed))
                return sl__dec_trailing(err, SL_CODEC_ZSTD, d->in_off);
            return sl__dec_corrupt(err, SL_CODEC_ZSTD, d->unit_off,
                                   "zstd header", "not a zstd frame");
        default:
            /* libzstd does not say how far it read when it fails: name the
             * frame, which does not depend on how the input came in. */
            return sl__dec_corrupt(err, SL_CODEC_ZSTD, d->unit_off,
                                   "zstd frame", ZSTD_getErrorName(r));
        }
    }
    if (r == 0) {
        d->inside = false;
        d->units++;
        return SL__DEC_UNIT_END;
    }
    return 0;
}

static uint64_t zstd_hint(const uint8_t *in, size_t n)
{
    unsigned long long size = ZSTD_getFrameContentSize(in, n);
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
        return 0;
    return size;
}

const struct sl__dec_ops sl__zstd_dec = {
    .codec = SL_CODEC_ZSTD,
    .unit = "frame",
    .init = unz_init,
    .reset = unz_reset,
    .step = unz_step,
    .fini = unz_fini,
    .hint = zstd_hint,
};

/* ---- encoder ---- */

static int z_init(void **st, int level, struct sl_error *err)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!cc)
        return sl_error_set(err, SL_ENOMEM, "zstd: out of memory");
    size_t r = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(r)) {
        ZSTD_freeCCtx(cc);
        return sl_error_set(err, SL_EINVAL, "zstd: %s", ZSTD_getErrorName(r));
    }
    *st = cc;
    return 0;
}

static int z_step(void *st, const uint8_t *in, size_t *in_n, uint8_t *out,
                  size_t *out_n, bool finish, struct sl_error *err)
{
    ZSTD_inBuffer ib = {in, *in_n, 0};
    ZSTD_outBuffer ob = {out, *out_n, 0};
    size_t r = ZSTD_compressStream2(st, &ob, &ib,
                                    finish ? ZSTD_e_end : ZSTD_e_continue);
    *in_n = ib.pos;
    *out_n = ob.pos;
    if (ZSTD_isError(r))
        return sl_error_set(err, SL_EINVAL, "zstd: compressor failed (%s)",
                            ZSTD_getErrorName(r));
    return finish && r == 0 && ib.pos == ib.size ? 1 : 0;
}

static int z_reset(void *st, struct sl_error *err)
{
    size_t r = ZSTD_CCtx_reset(st, ZSTD_reset_session_only);
    return ZSTD_isError(r)
               ? sl_error_set(err, SL_EINVAL, "zstd: %s", ZSTD_getErrorName(r))
               : 0;
}

static void z_fini(void *st)
{
    ZSTD_freeCCtx(st);
}

const struct sl__enc_ops sl__zstd_enc = {
    .codec = SL_CODEC_ZSTD,
    .default_level = 3,
    .min_level = 1,
    .max_level = 19,
    .init = z_init,
    .step = z_step,
    .reset = z_reset,
    .fini = z_fini,
};
