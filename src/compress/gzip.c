/*
 * gzip.c - gzip, zlib and raw deflate through zlib, both directions.
 *
 * Decoding: one inflate state per decoder, opened with the window bits of
 * the wrapping (31 gzip, 15 zlib, -15 raw). A gzip input is a sequence of
 * members (RFC 1952 §2.2): when one ends (Z_STREAM_END, after zlib checked
 * its CRC-32 and ISIZE) the next must start with 1f 8b, and the state is
 * reset for it; anything else after a member is trailing garbage, which we
 * refuse (gzip(1) only warns) because a record source cannot tell it from
 * a damaged member. zlib and raw deflate hold exactly one stream.
 *
 * Encoding (sink.compression: gzip): deflate with a gzip wrapper whose
 * header zlib writes with mtime 0 and no name, so bytes are reproducible.
 */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct inflater {
    z_stream z;
};

static int window_bits(enum sl_codec c)
{
    return c == SL_CODEC_GZIP ? 15 + 16 : c == SL_CODEC_ZLIB ? 15 : -15;
}

static int inf_init(struct sl__dec *d, struct sl_error *err)
{
    struct inflater *s = calloc(1, sizeof *s);
    if (!s)
        return sl__dec_nomem(err, d->ops->codec);
    if (inflateInit2(&s->z, window_bits(d->ops->codec)) != Z_OK) {
        free(s);
        return sl__dec_nomem(err, d->ops->codec);
    }
    d->st = s;
    return 0;
}

static int inf_reset(struct sl__dec *d, struct sl_error *err)
{
    struct inflater *s = d->st;
    return inflateReset(&s->z) == Z_OK ? 0 : sl__dec_nomem(err, d->ops->codec);
}

static void inf_fini(struct sl__dec *d)
{
    struct inflater *s = d->st;
    if (!s)
        return;
    inflateEnd(&s->z);
    free(s);
}

/* What part of the input zlib's message is about. */
static const char *zmsg_part(enum sl_codec c, const char *msg)
{
    static const char *const header[] = {
        "incorrect header check", "unknown compression method",
        "invalid window size", "unknown header flags set",
        "header crc mismatch"};
    for (size_t i = 0; msg && i < sizeof header / sizeof header[0]; i++)
        if (strcmp(msg, header[i]) == 0)
            return c == SL_CODEC_GZIP ? "gzip header" : "zlib header";
    if (msg && (strcmp(msg, "incorrect data check") == 0 ||
                strcmp(msg, "incorrect length check") == 0))
        return c == SL_CODEC_GZIP ? "gzip trailer" : "zlib trailer";
    return "deflate data";
}

static int inf_step(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                    uint8_t *out, size_t *out_n, bool at_end,
                    struct sl_error *err)
{
    struct inflater *s = d->st;
    enum sl_codec c = d->ops->codec;
    size_t in_avail = *in_n, out_avail = *out_n;
    *in_n = *out_n = 0;
    if (!d->inside) {
        if (in_avail == 0)
            return 0;
        if (d->units > 0 || d->resumed) {
            /* Only gzip has more than one unit; a member starts 1f 8b. */
            if (c != SL_CODEC_GZIP || in[0] != 0x1f)
                return sl__dec_trailing(err, c, d->in_off);
            inflateReset(&s->z);
        }
        sl__dec_begin_unit(d);
    }
    uInt ai = in_avail > UINT_MAX ? UINT_MAX : (uInt)in_avail;
    uInt ao = out_avail > UINT_MAX ? UINT_MAX : (uInt)out_avail;
    s->z.next_in = (Bytef *)in;
    s->z.avail_in = ai;
    s->z.next_out = out;
    s->z.avail_out = ao;
    int rc = inflate(&s->z, Z_NO_FLUSH);
    *in_n = ai - s->z.avail_in;
    *out_n = ao - s->z.avail_out;
    switch (rc) {
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible: needs input or room */
        return 0;
    case Z_STREAM_END:
        d->inside = false;
        d->units++;
        return SL__DEC_UNIT_END;
    case Z_NEED_DICT:
        return sl__dec_corrupt(err, c, d->in_off + *in_n, "zlib header",
                               "needs a preset dictionary");
    case Z_MEM_ERROR:
        return sl__dec_nomem(err, c);
    default:
        return sl__dec_corrupt(err, c, d->in_off + *in_n,
                               zmsg_part(c, s->z.msg),
                               s->z.msg ? s->z.msg : "inflate failed");
    }
}

/* ISIZE of the last member: the size mod 2^32 of a one-member input. */
static uint64_t gzip_hint(const uint8_t *in, size_t n)
{
    if (n < 18)
        return 0;
    const uint8_t *p = in + n - 4;
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24;
}

const struct sl__dec_ops sl__gzip_dec = {
    .codec = SL_CODEC_GZIP,
    .unit = "member",
    .init = inf_init,
    .reset = inf_reset,
    .step = inf_step,
    .fini = inf_fini,
    .hint = gzip_hint,
};

const struct sl__dec_ops sl__zlib_dec = {
    .codec = SL_CODEC_ZLIB,
    .unit = "stream",
    .init = inf_init,
    .reset = inf_reset,
    .step = inf_step,
    .fini = inf_fini,
};

const struct sl__dec_ops sl__deflate_dec = {
    .codec = SL_CODEC_DEFLATE,
    .unit = "stream",
    .init = inf_init,
    .reset = inf_reset,
    .step = inf_step,
    .fini = inf_fini,
};

/* ---- encoder ---- */

static int def_init(void **st, int level, struct sl_error *err)
{
    z_stream *z = calloc(1, sizeof *z);
    if (!z)
        return sl_error_set(err, SL_ENOMEM, "gzip: out of memory");
    if (deflateInit2(z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        free(z);
        return sl_error_set(err, SL_ENOMEM, "gzip: cannot start deflate");
    }
    *st = z;
    return 0;
}

static int def_step(void *st, const uint8_t *in, size_t *in_n, uint8_t *out,
                    size_t *out_n, bool finish, struct sl_error *err)
{
    z_stream *z = st;
    uInt ai = *in_n > UINT_MAX ? UINT_MAX : (uInt)*in_n;
    uInt ao = *out_n > UINT_MAX ? UINT_MAX : (uInt)*out_n;
    z->next_in = (Bytef *)in;
    z->avail_in = ai;
    z->next_out = out;
    z->avail_out = ao;
    /* Z_FINISH only once all input fits in this call. */
    int flush = finish && ai == *in_n ? Z_FINISH : Z_NO_FLUSH;
    int rc = deflate(z, flush);
    *in_n = ai - z->avail_in;
    *out_n = ao - z->avail_out;
    if (rc == Z_STREAM_END)
        return 1;
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        return 0;
    return sl_error_set(err, SL_EINVAL, "gzip: deflate failed (%s)",
                        z->msg ? z->msg : "stream error");
}

static int def_reset(void *st, struct sl_error *err)
{
    return deflateReset(st) == Z_OK
               ? 0
               : sl_error_set(err, SL_EINVAL, "gzip: deflateReset failed");
}

static void def_fini(void *st)
{
    if (!st)
        return;
    deflateEnd(st);
    free(st);
}

const struct sl__enc_ops sl__gzip_enc = {
    .codec = SL_CODEC_GZIP,
    .default_level = 6,
    .min_level = 1,
    .max_level = 9,
    .init = def_init,
    .step = def_step,
    .reset = def_reset,
    .fini = def_fini,
};
