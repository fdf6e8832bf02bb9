/*
 * decompress.c - one-shot decompression of a message, and what every
 * decoder shares: limits, the codec table, the error messages.
 *
 * Kafka and Kinesis records and Avro blocks arrive whole, so sl_decompress()
 * drives a codec's resumable decoder (struct sl__dec_ops, internal.h) over
 * the whole input into a growing struct sl_buf. The output grows
 * geometrically from a size hint (gzip's ISIZE, zstd's content size) and
 * never past the limit: once the buffer holds the limit, the decoder runs
 * into a small scratch buffer only to learn whether it had more to say.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

void sl_decompress_limits_default(struct sl_decompress_limits *lim)
{
    lim->max_output = SL_DECOMPRESS_DEFAULT_MAX_OUTPUT;
    lim->max_ratio = SL_DECOMPRESS_DEFAULT_MAX_RATIO;
    lim->ratio_floor = SL_DECOMPRESS_DEFAULT_RATIO_FLOOR;
    lim->max_memory = SL_DECOMPRESS_DEFAULT_MAX_MEMORY;
}

const struct sl__dec_ops *sl__dec_find(enum sl_codec c)
{
    switch (c) {
    case SL_CODEC_NONE:
        return &sl__none_dec;
    case SL_CODEC_GZIP:
        return &sl__gzip_dec;
    case SL_CODEC_ZLIB:
        return &sl__zlib_dec;
    case SL_CODEC_DEFLATE:
        return &sl__deflate_dec;
    case SL_CODEC_BZIP2:
        return &sl__bzip2_dec;
    case SL_CODEC_XZ:
        return &sl__xz_dec;
    case SL_CODEC_ZSTD:
        return &sl__zstd_dec;
    case SL_CODEC_SNAPPY_FRAMED:
        return &sl__snappy_framed_dec;
    case SL_CODEC_SNAPPY_RAW:
        return &sl__snappy_raw_dec;
    default:
        return NULL;
    }
}

int sl__dec_open(struct sl__dec *d, const struct sl__dec_ops *ops,
                 const struct sl_decompress_limits *lim,
                 const struct sl_dstream_mark *m, const char *scope, void *st,
                 struct sl_error *err)
{
    memset(d, 0, sizeof *d);
    d->ops = ops;
    d->scope = scope;
    if (lim)
        d->lim = *lim;
    else
        sl_decompress_limits_default(&d->lim);
    if (m) {
        d->in_off = m->in_off;
        d->out_off = m->out_off;
        d->resumed = m->in_off != 0;
    }
    d->start_in = d->in_off;
    d->start_out = d->out_off;
    if (!st)
        return ops->init ? ops->init(d, err) : 0;
    d->st = st;
    int rc = ops->reset ? ops->reset(d, err) : 0;
    if (rc)
        sl__dec_close(d);
    return rc;
}

void sl__dec_close(struct sl__dec *d)
{
    if (d->ops && d->ops->fini)
        d->ops->fini(d);
    d->st = NULL;
    d->ops = NULL;
}

/* "64 MiB", "1 KiB", "1000 bytes" */
static const char *size_text(char *buf, size_t n, uint64_t v)
{
    if (v >= (1u << 30) && v % (1u << 30) == 0)
        snprintf(buf, n, "%" PRIu64 " GiB", v >> 30);
    else if (v >= (1u << 20) && v % (1u << 20) == 0)
        snprintf(buf, n, "%" PRIu64 " MiB", v >> 20);
    else if (v >= (1u << 10) && v % (1u << 10) == 0)
        snprintf(buf, n, "%" PRIu64 " KiB", v >> 10);
    else
        snprintf(buf, n, "%" PRIu64 " bytes", v);
    return buf;
}

int sl__dec_corrupt(struct sl_error *err, enum sl_codec c, uint64_t off,
                    const char *what, const char *why)
{
    return sl_error_set_at(err, SL_ECORRUPT, (int64_t)off,
                           "%s: corrupt %s at compressed byte %" PRIu64 " (%s)",
                           sl_codec_name(c), what, off, why);
}

int sl__dec_trailing(struct sl_error *err, enum sl_codec c, uint64_t off)
{
    return sl_error_set_at(err, SL_ECORRUPT, (int64_t)off,
                           "%s: corrupt input: trailing data at compressed "
                           "byte %" PRIu64 " after the end of the %s data",
                           sl_codec_name(c), off, sl_codec_name(c));
}

int sl__dec_truncated(struct sl_error *err, const struct sl__dec *d)
{
    const char *name = sl_codec_name(d->ops->codec);
    if (d->in_off == 0)
        return sl_error_set_at(err, SL_ECORRUPT, 0,
                               "%s: truncated input (empty: no %s %s)", name,
                               name, d->ops->unit);
    return sl_error_set_at(err, SL_ECORRUPT, (int64_t)d->in_off,
                           "%s: truncated input (ends inside a %s at "
                           "compressed byte %" PRIu64 ")",
                           name, d->ops->unit, d->in_off);
}

int sl__dec_nomem(struct sl_error *err, enum sl_codec c)
{
    return sl_error_set(err, SL_ENOMEM, "%s: out of memory while decompressing",
                        sl_codec_name(c));
}

int sl__dec_check(const struct sl__dec *d, uint64_t extra, struct sl_error *err)
{
    const char *name = sl_codec_name(d->ops->codec);
    uint64_t out = d->out_off + extra - d->start_out;
    uint64_t in = d->in_off - d->start_in;
    char sz[32];
    if (d->lim.max_output && out > d->lim.max_output)
        return sl_error_set_at(
            err, SL_ELIMIT, (int64_t)d->in_off,
            "%s: output exceeds the %s limit %s "
            "(decompression bomb?)",
            name, size_text(sz, sizeof sz, d->lim.max_output), d->scope);
    if (d->lim.max_ratio && out > d->lim.ratio_floor &&
        out / d->lim.max_ratio > in)
        return sl_error_set_at(
            err, SL_ELIMIT, (int64_t)d->in_off,
            "%s: output exceeds %" PRIu32 " times the compressed size (%" PRIu64
            " bytes from %" PRIu64 " compressed bytes; decompression bomb?)",
            name, d->lim.max_ratio, out, in);
    return 0;
}

/* ---- the "none" codec: bytes pass through ---- */

static int none_step(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                     uint8_t *out, size_t *out_n, bool at_end,
                     struct sl_error *err)
{
    size_t n = *in_n < *out_n ? *in_n : *out_n;
    if (n)
        memcpy(out, in, n);
    *in_n = *out_n = n;
    return SL__DEC_UNIT_END;
}

const struct sl__dec_ops sl__none_dec = {
    .codec = SL_CODEC_NONE,
    .unit = "byte",
    .step = none_step,
};

/* ---- one-shot ---- */

bool sl__dec_ended_ok(const struct sl__dec *d)
{
    if (d->inside)
        return false;
    return d->units > 0 || d->resumed || d->ops->codec == SL_CODEC_NONE;
}

struct sl_dctx {
    void *st[SL_CODEC_AUTO]; /* a decoder state per codec, once used */
};

int sl_dctx_create(struct sl_dctx **out, struct sl_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : sl_error_set(err, SL_ENOMEM, "decompress: out of memory");
}

void sl_dctx_destroy(struct sl_dctx *ctx)
{
    if (!ctx)
        return;
    for (int c = 0; c < SL_CODEC_AUTO; c++) {
        struct sl__dec d = {.ops = sl__dec_find(c), .st = ctx->st[c]};
        if (d.st)
            sl__dec_close(&d);
    }
    free(ctx);
}

int sl_decompress(enum sl_codec c, const uint8_t *in, size_t n,
                  struct sl_buf *out, const struct sl_decompress_limits *lim,
                  struct sl_error *err)
{
    return sl_dctx_decompress(NULL, c, in, n, out, lim, err);
}

static int oneshot(struct sl_dctx *ctx, const struct sl__dec_ops *ops,
                   const uint8_t *in, size_t n, struct sl_buf *out,
                   const struct sl_decompress_limits *lim,
                   struct sl_error *err);

int sl_dctx_decompress(struct sl_dctx *ctx, enum sl_codec c, const uint8_t *in,
                       size_t n, struct sl_buf *out,
                       const struct sl_decompress_limits *lim,
                       struct sl_error *err)
{
    static const uint8_t none[1];
    if (!in) /* n is 0: no pointer arithmetic on NULL below */
        in = none;
    if (c == SL_CODEC_AUTO)
        c = sl_codec_detect(in, n);
    if (c == SL_CODEC_NONE) {
        int rc = sl_buf_append(out, in, n);
        return rc ? sl_error_set(err, rc, "cannot copy a %zu-byte message", n)
                  : 0;
    }
    const struct sl__dec_ops *ops = sl__dec_find(c);
    if (!ops)
        return sl_error_set(err, SL_EINVAL, "decompress: unknown codec %d",
                            (int)c);
    bool reused = ctx && ctx->st[c];
    int rc = oneshot(ctx, ops, in, n, out, lim, err);
    /* A library's message may depend on what its state decoded before
     * (zstd's does): say what a fresh decoder says, so a replayed batch
     * writes the same dead-letter reasons. Errors are rare. */
    if (rc < 0 && reused)
        rc = oneshot(NULL, ops, in, n, out, lim, err);
    return rc;
}

/* Decode in[0..n) with ops, reusing ctx's state for it if any. */
static int oneshot(struct sl_dctx *ctx, const struct sl__dec_ops *ops,
                   const uint8_t *in, size_t n, struct sl_buf *out,
                   const struct sl_decompress_limits *lim, struct sl_error *err)
{
    enum sl_codec c = ops->codec;
    struct sl__dec d;
    void *st = ctx ? ctx->st[c] : NULL;
    if (ctx)
        ctx->st[c] = NULL;
    int rc = sl__dec_open(&d, ops, lim, NULL, "per message", st, err);
    if (rc)
        return rc;

    size_t len0 = out->len, pos = 0;
    /* Output room: the limit per message, and out's own cap. */
    uint64_t room = d.lim.max_output ? d.lim.max_output : UINT64_MAX;
    if (out->max && out->max - out->len < room)
        room = out->max - out->len;
    uint64_t hint = ops->hint ? ops->hint(in, n) : 0;
    if (!hint)
        hint = (uint64_t)n * 4;
    if (d.lim.max_ratio && hint > (uint64_t)n * d.lim.max_ratio &&
        hint > d.lim.ratio_floor)
        hint = (uint64_t)n * d.lim.max_ratio;
    if (hint < 4096)
        hint = 4096;
    /* The decoder writes up to `window` (bytes produced), which grows by a
     * schedule of its own, not by out's spare capacity: the same input
     * then takes the same steps, so errors read the same however out was
     * used before. At the room's end a scratch buffer tells whether the
     * decoder has more to say. */
    uint8_t scratch[64];
    uint64_t window = 0;
    for (;;) {
        uint64_t produced = out->len - len0;
        if (produced == window && window < room) {
            uint64_t grow = produced > hint ? produced : hint;
            if (grow > room - produced)
                grow = room - produced;
            if (sl_buf_reserve(out, (size_t)grow)) {
                rc = sl__dec_nomem(err, c);
                break;
            }
            window = produced + grow;
        }
        bool probe = produced == window;
        uint8_t *dst = probe ? scratch : out->data + out->len;
        size_t in_n = n - pos;
        size_t out_n = probe ? sizeof scratch : (size_t)(window - produced);
        rc = ops->step(&d, in + pos, &in_n, dst, &out_n, true, err);
        if (rc < 0)
            break;
        pos += in_n;
        d.in_off += in_n;
        if (probe && out_n) {
            rc = sl__dec_check(&d, out_n, err);
            if (!rc)
                rc = sl_error_set_at(err, SL_ELIMIT, (int64_t)d.in_off,
                                     "%s: output exceeds the output buffer "
                                     "cap (%zu bytes)",
                                     sl_codec_name(c), out->max);
            break;
        }
        out->len += out_n;
        d.out_off += out_n;
        rc = sl__dec_check(&d, 0, err);
        if (rc)
            break;
        if (in_n == 0 && out_n == 0) {
            if (pos < n) /* a decoder that stalls with input left */
                rc = sl__dec_corrupt(err, c, d.in_off, "data",
                                     "decoder made no progress");
            else if (!sl__dec_ended_ok(&d))
                rc = sl__dec_truncated(err, &d);
            break;
        }
    }
    if (ctx) /* keep the state for the next message */
        ctx->st[c] = d.st;
    else
        sl__dec_close(&d);
    if (rc < 0)
        out->len = len0;
    return rc < 0 ? rc : 0;
}
