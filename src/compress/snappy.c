/*
 * snappy.c - framed and raw snappy decoding.
 *
 * Framed snappy (Google's "framing_format.txt", what Glue calls snappy for
 * JSON/CSV/Grok and Avro datums) is a sequence of chunks: one byte type, a
 * 24-bit little-endian length, then the body:
 *   0xff stream identifier  "sNaPpY" (6 bytes); must come first, may repeat
 *   0x00 compressed data    masked CRC-32C (4 bytes LE) + raw snappy block
 *   0x01 uncompressed data  masked CRC-32C + the bytes
 *   0x02-0x7f               reserved, unskippable: an error
 *   0x80-0xfe               reserved skippable and padding: skipped
 * A data chunk holds at most 65536 uncompressed bytes; its CRC-32C covers
 * the uncompressed bytes, masked as ((crc >> 15) | (crc << 17)) +
 * 0xa282ead8. We parse the framing ourselves (libsnappy has none in C),
 * hold at most one chunk body and one decompressed chunk, and report every
 * chunk end as a unit end, so a file can resume at any chunk.
 *
 * Raw snappy (one block: varint length + elements, as Avro container files
 * use) has no streaming form: the whole block is needed. In a stream it is
 * gathered up to SNAPPY_RAW_MAX_INPUT; one-shot it is decoded in place.
 */
#include "internal.h"

#include <inttypes.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MAX_DATA 65536
#define SNAPPY_RAW_MAX_INPUT ((size_t)64 << 20)

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint32_t masked(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

struct unsnap {
    uint8_t hdr[4];
    size_t hdr_len;
    uint8_t type;
    size_t len;      /* body length of the current chunk */
    uint8_t *body;   /* body of a data chunk split across inputs */
    size_t body_len; /* bytes of it collected */
    size_t body_max; /* largest valid data chunk body */
    uint8_t *pend;   /* decompressed chunk not yet handed out */
    size_t pend_len, pend_pos;
    bool seen_id;
};

static int framed_init(struct sl__dec *d, struct sl_error *err)
{
    struct unsnap *s = calloc(1, sizeof *s);
    if (!s)
        return sl__dec_nomem(err, SL_CODEC_SNAPPY_FRAMED);
    s->body_max = 4 + snappy_max_compressed_length(CHUNK_MAX_DATA);
    s->body = malloc(s->body_max);
    s->pend = malloc(CHUNK_MAX_DATA);
    if (!s->body || !s->pend) {
        free(s->body);
        free(s->pend);
        free(s);
        return sl__dec_nomem(err, SL_CODEC_SNAPPY_FRAMED);
    }
    d->st = s;
    return 0;
}

static int framed_reset(struct sl__dec *d, struct sl_error *err)
{
    struct unsnap *s = d->st;
    s->hdr_len = s->len = s->body_len = s->pend_len = s->pend_pos = 0;
    s->seen_id = false;
    return 0;
}

static void framed_fini(struct sl__dec *d)
{
    struct unsnap *s = d->st;
    if (!s)
        return;
    free(s->body);
    free(s->pend);
    free(s);
}

static int framing_error(struct sl_error *err, const struct sl__dec *d,
                         const char *fmt, unsigned v)
{
    char why[160];
    snprintf(why, sizeof why, fmt, v);
    return sl__dec_corrupt(err, SL_CODEC_SNAPPY_FRAMED, d->unit_off,
                           "snappy framing", why);
}

/* The chunk header is complete: check type and length. */
static int chunk_begin(struct sl__dec *d, struct unsnap *s,
                       struct sl_error *err)
{
    s->type = s->hdr[0];
    s->len = s->hdr[1] | (size_t)s->hdr[2] << 8 | (size_t)s->hdr[3] << 16;
    s->body_len = 0;
    if (!s->seen_id && !d->resumed && s->type != 0xff)
        return framing_error(err, d,
                             "chunk type 0x%02x before the stream identifier "
                             "chunk: not a framed snappy stream",
                             s->type);
    if (s->type == 0xff && s->len != 6)
        return framing_error(err, d,
                             "stream identifier chunk of %u bytes, not 6",
                             (unsigned)s->len);
    if (s->type == 0x00 || s->type == 0x01) {
        size_t max = s->type == 0 ? s->body_max : 4 + CHUNK_MAX_DATA;
        if (s->len < 4 || s->len > max)
            return framing_error(err, d, "data chunk of invalid length %u",
                                 (unsigned)s->len);
    } else if (s->type >= 0x02 && s->type <= 0x7f) {
        return framing_error(err, d, "reserved unskippable chunk type 0x%02x",
                             s->type);
    }
    return 0;
}

/* A whole chunk body: check it, and decode data into dst (room bytes) or,
 * when it does not fit, into s->pend. *produced: bytes written to dst. */
static int chunk_body(struct sl__dec *d, struct unsnap *s, const uint8_t *b,
                      uint8_t *dst, size_t room, size_t *produced,
                      struct sl_error *err)
{
    enum sl_codec c = SL_CODEC_SNAPPY_FRAMED;
    *produced = 0;
    if (s->type == 0xff) {
        if (memcmp(b, "sNaPpY", 6) != 0)
            return sl__dec_corrupt(err, SL_CODEC_SNAPPY_FRAMED, d->unit_off,
                                   "snappy framing", "bad stream identifier");
        s->seen_id = true;
        return 0;
    }
    if (s->type != 0x00 && s->type != 0x01)
        return 0; /* skippable */
    const uint8_t *data = b + 4;
    size_t n = s->len - 4, ulen = n;
    if (s->type == 0x00 && (snappy_uncompressed_length((const char *)data, n,
                                                       &ulen) != SNAPPY_OK ||
                            ulen > CHUNK_MAX_DATA))
        return sl__dec_corrupt(err, c, d->unit_off, "snappy chunk",
                               "invalid compressed data length");
    uint8_t *to = room >= ulen ? dst : s->pend;
    if (s->type == 0x00) {
        size_t got = ulen;
        if (snappy_uncompress((const char *)data, n, (char *)to, &got) !=
                SNAPPY_OK ||
            got != ulen)
            return sl__dec_corrupt(err, c, d->unit_off, "snappy chunk",
                                   "invalid compressed data");
    } else {
        memcpy(to, data, ulen);
    }
    uint32_t want = le32(b), got = masked(sl_crc32c(0, to, ulen));
    if (want != got) {
        char why[96];
        snprintf(why, sizeof why,
                 "CRC-32C mismatch: stored 0x%08" PRIx32
                 ", computed 0x%08" PRIx32,
                 want, got);
        return sl__dec_corrupt(err, c, d->unit_off, "snappy chunk", why);
    }
    if (to == dst) {
        *produced = ulen;
    } else {
        s->pend_len = ulen;
        s->pend_pos = 0;
    }
    return 0;
}

static int chunk_done(struct sl__dec *d, struct unsnap *s)
{
    s->pend_len = s->pend_pos = 0;
    s->hdr_len = s->body_len = s->len = 0;
    d->inside = false;
    d->units++;
    return SL__DEC_UNIT_END;
}

/* Hand out the rest of a decoded chunk that did not fit the output. */
static int hand_out(struct sl__dec *d, struct unsnap *s, uint8_t *out,
                    size_t room, size_t *out_n)
{
    size_t k = s->pend_len - s->pend_pos;
    if (k > room)
        k = room;
    memcpy(out, s->pend + s->pend_pos, k);
    s->pend_pos += k;
    *out_n = k;
    return s->pend_pos < s->pend_len ? 0 : chunk_done(d, s);
}

static int framed_step(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                       uint8_t *out, size_t *out_n, bool at_end,
                       struct sl_error *err)
{
    struct unsnap *s = d->st;
    size_t in_avail = *in_n, out_avail = *out_n, used = 0, made = 0;
    int rc = 0;
    *in_n = *out_n = 0;
    if (s->pend_pos < s->pend_len)
        return hand_out(d, s, out, out_avail, out_n);
    if (!d->inside) {
        if (in_avail == 0)
            return 0;
        sl__dec_begin_unit(d);
        s->hdr_len = 0;
    }
    if (s->hdr_len < 4) {
        while (s->hdr_len < 4 && used < in_avail)
            s->hdr[s->hdr_len++] = in[used++];
        *in_n = used;
        if (s->hdr_len < 4)
            return 0;
        if ((rc = chunk_begin(d, s, err)) < 0)
            return rc;
    }
    size_t left = s->len - s->body_len, have = in_avail - used;
    size_t k = have < left ? have : left;
    if (s->type >= 0x80 && s->type != 0xff) { /* skippable: not kept */
        used += k;
        s->body_len += k;
    } else if (s->body_len == 0 && have >= left) {
        /* The whole body is in the input: decode it from there. */
        rc = chunk_body(d, s, in + used, out, out_avail, &made, err);
        used += left;
        s->body_len = s->len;
    } else {
        memcpy(s->body + s->body_len, in + used, k);
        used += k;
        s->body_len += k;
        if (s->body_len == s->len)
            rc = chunk_body(d, s, s->body, out, out_avail, &made, err);
    }
    *in_n = used;
    *out_n = made;
    if (rc < 0)
        return rc;
    if (s->body_len < s->len)
        return 0;
    if (s->pend_len)
        return hand_out(d, s, out, out_avail, out_n);
    return chunk_done(d, s);
}

const struct sl__dec_ops sl__snappy_framed_dec = {
    .codec = SL_CODEC_SNAPPY_FRAMED,
    .unit = "chunk",
    .init = framed_init,
    .reset = framed_reset,
    .step = framed_step,
    .fini = framed_fini,
};

/* ---- raw snappy ---- */

struct unsnap_raw {
    struct sl_buf in; /* the block, gathered when it comes in pieces */
    uint8_t *pend;    /* decoded block when it did not fit the output */
    size_t pend_len, pend_pos;
};

static int raw_init(struct sl__dec *d, struct sl_error *err)
{
    struct unsnap_raw *r = calloc(1, sizeof *r);
    if (!r)
        return sl__dec_nomem(err, SL_CODEC_SNAPPY_RAW);
    sl_buf_init(&r->in, SNAPPY_RAW_MAX_INPUT);
    d->st = r;
    return 0;
}

static int raw_reset(struct sl__dec *d, struct sl_error *err)
{
    struct unsnap_raw *r = d->st;
    sl_buf_free(&r->in);
    free(r->pend);
    r->pend = NULL;
    r->pend_len = r->pend_pos = 0;
    return 0;
}

static void raw_fini(struct sl__dec *d)
{
    struct unsnap_raw *r = d->st;
    if (!r)
        return;
    sl_buf_free(&r->in);
    free(r->pend);
    free(r);
}

/* Decode the whole block src[0..n), which starts at compressed offset off,
 * into out (room bytes) or r->pend. */
static int raw_block(const struct sl__dec *d, struct unsnap_raw *r,
                     const uint8_t *src, size_t n, uint64_t off, uint8_t *out,
                     size_t room, size_t *made, struct sl_error *err)
{
    enum sl_codec c = SL_CODEC_SNAPPY_RAW;
    size_t ulen;
    if (snappy_uncompressed_length((const char *)src, n, &ulen) != SNAPPY_OK)
        return sl__dec_corrupt(err, c, off, "snappy data",
                               "invalid length header");
    struct sl__dec whole = *d; /* limits see the whole block as consumed */
    whole.in_off = off + n;
    int rc = sl__dec_check(&whole, ulen, err);
    if (rc)
        return rc;
    uint8_t *to = out;
    if (room < ulen) {
        to = r->pend = malloc(ulen ? ulen : 1);
        if (!to)
            return sl__dec_nomem(err, c);
    }
    size_t got = ulen;
    if (snappy_uncompress((const char *)src, n, (char *)to, &got) !=
            SNAPPY_OK ||
        got != ulen)
        return sl__dec_corrupt(err, c, off, "snappy data",
                               "invalid compressed data");
    if (to == out)
        *made = ulen;
    else
        r->pend_len = ulen;
    return 0;
}

static int raw_step(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                    uint8_t *out, size_t *out_n, bool at_end,
                    struct sl_error *err)
{
    struct unsnap_raw *r = d->st;
    size_t in_avail = *in_n, out_avail = *out_n, made = 0;
    int rc;
    *in_n = *out_n = 0;
    if (d->units > 0 || (d->resumed && !d->inside))
        return in_avail ? sl__dec_trailing(err, SL_CODEC_SNAPPY_RAW, d->in_off)
                        : 0;
    if (r->pend) {
        size_t k = r->pend_len - r->pend_pos;
        if (k > out_avail)
            k = out_avail;
        memcpy(out, r->pend + r->pend_pos, k);
        r->pend_pos += k;
        *out_n = k;
        if (r->pend_pos < r->pend_len)
            return 0;
        goto done;
    }
    if (in_avail == 0 && (!at_end || !d->inside))
        return 0;
    if (!d->inside)
        sl__dec_begin_unit(d);
    if (at_end && r->in.len == 0) { /* whole block here: no copy */
        rc = raw_block(d, r, in, in_avail, d->in_off, out, out_avail, &made,
                       err);
    } else {
        if (sl_buf_append(&r->in, in, in_avail))
            return sl_error_set_at(
                err, SL_ELIMIT, (int64_t)d->in_off,
                "snappy_raw: input over %zu MiB (raw snappy has no streaming "
                "form; use framed snappy for large files)",
                SNAPPY_RAW_MAX_INPUT >> 20);
        if (!at_end) {
            *in_n = in_avail;
            return 0;
        }
        uint64_t off = d->in_off + in_avail - r->in.len;
        rc = raw_block(d, r, r->in.data, r->in.len, off, out, out_avail, &made,
                       err);
    }
    if (rc)
        return rc;
    *in_n = in_avail;
    *out_n = made;
    sl_buf_free(&r->in);
    if (r->pend)
        return 0;
done:
    d->inside = false;
    d->units++;
    return SL__DEC_UNIT_END;
}

static uint64_t raw_hint(const uint8_t *in, size_t n)
{
    size_t ulen;
    return snappy_uncompressed_length((const char *)in, n, &ulen) == SNAPPY_OK
               ? ulen
               : 0;
}

const struct sl__dec_ops sl__snappy_raw_dec = {
    .codec = SL_CODEC_SNAPPY_RAW,
    .unit = "block",
    .init = raw_init,
    .reset = raw_reset,
    .step = raw_step,
    .fini = raw_fini,
    .hint = raw_hint,
};
