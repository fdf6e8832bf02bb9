/*
 * cstream.c - streaming compression of output files (sink.compression).
 *
 * The JSON-lines and CSV sinks hand the encoded bytes of a file to a
 * struct sl_cstream, which appends the compressed bytes to the sink's
 * output buffer (the sink moves them to the file as it grows, as with
 * encoders). One cstream writes one file at a time: finish ends it and
 * readies the next. Codec work is in gzip.c, zstd.c, bzip2.c, xz.c.
 */
#include "internal.h"

#include <stdlib.h>

/* Room asked of the output buffer before each compressor call. */
#define OUT_STEP ((size_t)64 << 10)

struct sl_cstream {
    const struct sl__enc_ops *ops;
    void *st;
};

static const struct sl__enc_ops *enc_find(enum sl_codec c)
{
    switch (c) {
    case SL_CODEC_GZIP:
        return &sl__gzip_enc;
    case SL_CODEC_ZSTD:
        return &sl__zstd_enc;
    case SL_CODEC_BZIP2:
        return &sl__bzip2_enc;
    case SL_CODEC_XZ:
        return &sl__xz_enc;
    default:
        return NULL;
    }
}

int sl_cstream_create(struct sl_cstream **out, enum sl_codec codec, int level,
                      struct sl_error *err)
{
    *out = NULL;
    const struct sl__enc_ops *ops = enc_find(codec);
    if (!ops)
        return sl_error_set(err, SL_EINVAL,
                            "compression '%s' cannot be written: use gzip, "
                            "zstd, bzip2 or xz",
                            sl_codec_name(codec));
    if (level == 0)
        level = ops->default_level;
    if (level < ops->min_level || level > ops->max_level)
        return sl_error_set(err, SL_EINVAL,
                            "%s: compression level %d is out of range "
                            "(%d to %d)",
                            sl_codec_name(codec), level, ops->min_level,
                            ops->max_level);
    struct sl_cstream *cs = calloc(1, sizeof *cs);
    if (!cs)
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory",
                            sl_codec_name(codec));
    cs->ops = ops;
    int rc = ops->init(&cs->st, level, err);
    if (rc) {
        free(cs);
        return rc;
    }
    *out = cs;
    return 0;
}

void sl_cstream_destroy(struct sl_cstream *cs)
{
    if (!cs)
        return;
    cs->ops->fini(cs->st);
    free(cs);
}

/* Run the compressor over p[0..n) (finish: then end the stream). */
static int run(struct sl_cstream *cs, const uint8_t *p, size_t n, bool finish,
               struct sl_buf *out, struct sl_error *err)
{
    const char *name = sl_codec_name(cs->ops->codec);
    size_t pos = 0;
    for (;;) {
        if (!finish && pos == n)
            return 0;
        int rc = sl_buf_reserve(out, OUT_STEP);
        if (rc)
            return sl_error_set(err, rc,
                                "%s: cannot grow the output buffer (%s)", name,
                                sl_strerror(rc));
        size_t in_n = n - pos, out_n = out->cap - out->len;
        rc = cs->ops->step(cs->st, p + pos, &in_n, out->data + out->len, &out_n,
                           finish, err);
        if (rc < 0)
            return rc;
        pos += in_n;
        out->len += out_n;
        if (rc == 1)
            return 0;
        if (in_n == 0 && out_n == 0)
            return sl_error_set(err, SL_EINVAL,
                                "%s: compressor made no progress", name);
    }
}

int sl_cstream_write(struct sl_cstream *cs, const uint8_t *p, size_t n,
                     struct sl_buf *out, struct sl_error *err)
{
    return run(cs, p, n, false, out, err);
}

int sl_cstream_finish(struct sl_cstream *cs, struct sl_buf *out,
                      struct sl_error *err)
{
    static const uint8_t none[1];
    int rc = run(cs, none, 0, true, out, err);
    return rc ? rc : cs->ops->reset(cs->st, err);
}
