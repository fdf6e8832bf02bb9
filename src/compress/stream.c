/*
 * stream.c - streaming decompression of files (struct sl_dstream).
 *
 * The file source pushes the compressed bytes it reads and pulls the
 * decompressed bytes it frames into records, so memory stays bounded: the
 * input buffer (SL_DSTREAM_INPUT_MAX), the codec's own state and the
 * caller's output buffer. Codec steps (internal.h) decode straight into the
 * caller's buffer.
 *
 * Resuming (docs/formats.md, "Compressed input"): a position inside a
 * compressed file is its decompressed byte offset D. The stream remembers
 * marks, points where a fresh decoder can start (a gzip member, bzip2 or xz
 * stream, zstd frame, snappy chunk), at most SL_DSTREAM_MARK_SPACING apart
 * and the SL_DSTREAM_MARKS latest. To resume at D the source takes the mark
 * {C, B} at or before D, reads the file from byte C into a stream made by
 * sl_dstream_create_at() and drops D - B bytes with sl_dstream_skip().
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#define SKIP_SCRATCH ((size_t)64 << 10)

struct sl_dstream {
    enum sl_codec codec; /* as configured, then as detected */
    bool open;           /* d is set up (codec known) */
    struct sl__dec d;
    struct sl_decompress_limits lim;
    struct sl_dstream_mark start;
    uint8_t *in; /* SL_DSTREAM_INPUT_MAX bytes */
    size_t in_pos, in_len;
    bool finished; /* no more input will be pushed */
    bool eof;      /* finished and all output handed out */
    int error;     /* sticky */
    struct sl_error saved;
    uint64_t skip; /* decompressed bytes still to drop */
    uint8_t *scratch;
    size_t n_marks;
    struct sl_dstream_mark marks[SL_DSTREAM_MARKS];
};

int sl_dstream_create_at(struct sl_dstream **out, enum sl_codec codec,
                         const struct sl_decompress_limits *lim,
                         const struct sl_dstream_mark *m, struct sl_error *err)
{
    *out = NULL;
    struct sl_dstream_mark zero = {0, 0};
    if (!m)
        m = &zero;
    if (codec != SL_CODEC_AUTO && !sl__dec_find(codec))
        return sl_error_set(err, SL_EINVAL, "dstream: unknown codec %d",
                            (int)codec);
    if (codec == SL_CODEC_AUTO && (m->in_off || m->out_off))
        return sl_error_set(err, SL_EINVAL,
                            "dstream: resuming at compressed byte %" PRIu64
                            " needs the codec, not auto",
                            m->in_off);
    struct sl_dstream *ds = calloc(1, sizeof *ds);
    if (!ds || !(ds->in = malloc(SL_DSTREAM_INPUT_MAX))) {
        free(ds);
        return sl_error_set(err, SL_ENOMEM, "dstream: out of memory");
    }
    ds->codec = codec;
    if (lim) {
        ds->lim = *lim;
    } else {
        sl_decompress_limits_default(&ds->lim);
        ds->lim.max_output = 0; /* a file has no total cap by default */
    }
    ds->start = *m;
    *out = ds;
    return 0;
}

int sl_dstream_create(struct sl_dstream **out, enum sl_codec codec,
                      const struct sl_decompress_limits *lim,
                      struct sl_error *err)
{
    return sl_dstream_create_at(out, codec, lim, NULL, err);
}

void sl_dstream_destroy(struct sl_dstream *ds)
{
    if (!ds)
        return;
    if (ds->open)
        sl__dec_close(&ds->d);
    free(ds->in);
    free(ds->scratch);
    free(ds);
}

int sl_dstream_push(struct sl_dstream *ds, const uint8_t *p, size_t n,
                    size_t *taken, struct sl_error *err)
{
    *taken = 0;
    if (ds->finished)
        return sl_error_set(err, SL_EINVAL,
                            "dstream: push after the input was finished");
    if (ds->in_pos > 0) {
        memmove(ds->in, ds->in + ds->in_pos, ds->in_len - ds->in_pos);
        ds->in_len -= ds->in_pos;
        ds->in_pos = 0;
    }
    size_t k = SL_DSTREAM_INPUT_MAX - ds->in_len;
    if (k > n)
        k = n;
    if (k)
        memcpy(ds->in + ds->in_len, p, k);
    ds->in_len += k;
    *taken = k;
    return 0;
}

void sl_dstream_finish(struct sl_dstream *ds)
{
    ds->finished = true;
}

void sl_dstream_skip(struct sl_dstream *ds, uint64_t n)
{
    ds->skip += n;
}

uint64_t sl_dstream_in_offset(const struct sl_dstream *ds)
{
    return ds->open ? ds->d.in_off : ds->start.in_off;
}

uint64_t sl_dstream_out_offset(const struct sl_dstream *ds)
{
    return ds->open ? ds->d.out_off : ds->start.out_off;
}

enum sl_codec sl_dstream_codec(const struct sl_dstream *ds)
{
    return ds->codec;
}

int sl_dstream_mark_before(const struct sl_dstream *ds, uint64_t out_off,
                           struct sl_dstream_mark *m)
{
    if (out_off < ds->start.out_off)
        return SL_EINVAL;
    if (ds->codec == SL_CODEC_NONE) { /* every byte is a mark */
        m->in_off = ds->start.in_off + (out_off - ds->start.out_off);
        m->out_off = out_off;
        return 0;
    }
    for (size_t i = ds->n_marks; i-- > 0;) {
        if (ds->marks[i].out_off <= out_off) {
            *m = ds->marks[i];
            return 0;
        }
    }
    *m = ds->start;
    return 0;
}

/* A unit ended at the decoder's current offsets: keep it as a mark when it
 * is far enough from the last one kept. */
static void add_mark(struct sl_dstream *ds)
{
    struct sl_dstream_mark m = {ds->d.in_off, ds->d.out_off};
    uint64_t last =
        ds->n_marks ? ds->marks[ds->n_marks - 1].out_off : ds->start.out_off;
    if (m.out_off - last < SL_DSTREAM_MARK_SPACING)
        return;
    if (ds->n_marks == SL_DSTREAM_MARKS) {
        memmove(ds->marks, ds->marks + 1,
                (SL_DSTREAM_MARKS - 1) * sizeof ds->marks[0]);
        ds->n_marks--;
    }
    ds->marks[ds->n_marks++] = m;
}

static int fail(struct sl_dstream *ds, int rc, struct sl_error *err)
{
    ds->error = rc;
    if (err)
        ds->saved = *err;
    else
        sl_error_set(&ds->saved, rc, "%s", sl_strerror(rc));
    return rc;
}

/* Choose the codec (detecting it when asked) and set up the decoder.
 * Returns 1 when open, 0 when more input is needed for detection. */
static int open_decoder(struct sl_dstream *ds, struct sl_error *err)
{
    size_t avail = ds->in_len - ds->in_pos;
    if (ds->codec == SL_CODEC_AUTO) {
        if (avail < SL_CODEC_DETECT_BYTES && !ds->finished)
            return 0;
        ds->codec = sl_codec_detect(ds->in + ds->in_pos, avail);
    }
    int rc = sl__dec_open(&ds->d, sl__dec_find(ds->codec), &ds->lim, &ds->start,
                          "per stream", NULL, err);
    if (rc)
        return rc;
    ds->open = true;
    return 1;
}

/* The input ended and the decoder has nothing more: check it ended where
 * it may, and that no skip is pending. */
static int at_eof(struct sl_dstream *ds, struct sl_error *err)
{
    const struct sl__dec *d = &ds->d;
    if (ds->in_pos < ds->in_len)
        return sl__dec_corrupt(err, ds->codec, d->in_off, "data",
                               "decoder made no progress");
    if (!sl__dec_ended_ok(d))
        return sl__dec_truncated(err, d);
    if (ds->skip)
        return sl_error_set_at(
            err, SL_ECORRUPT, (int64_t)d->in_off,
            "%s: input ends at decompressed byte %" PRIu64
            ", before the position %" PRIu64
            " to resume from (file changed since the checkpoint?)",
            sl_codec_name(ds->codec), d->out_off, d->out_off + ds->skip);
    ds->eof = true;
    return 0;
}

int sl_dstream_pull(struct sl_dstream *ds, uint8_t *dst, size_t cap,
                    size_t *got, struct sl_error *err)
{
    *got = 0;
    if (ds->error) {
        if (err)
            *err = ds->saved;
        return ds->error;
    }
    if (ds->eof)
        return SL_EEOF;
    if (!ds->open) {
        int rc = open_decoder(ds, err);
        if (rc < 0)
            return fail(ds, rc, err);
        if (rc == 0)
            return 0;
    }
    struct sl__dec *d = &ds->d;
    size_t made = 0;
    int rc = 0;
    for (;;) {
        uint8_t *to = dst + made;
        size_t room = cap - made;
        if (ds->skip) {
            if (!ds->scratch && !(ds->scratch = malloc(SKIP_SCRATCH))) {
                rc = sl__dec_nomem(err, ds->codec);
                break;
            }
            to = ds->scratch;
            room = ds->skip < SKIP_SCRATCH ? (size_t)ds->skip : SKIP_SCRATCH;
        }
        if (room == 0)
            break;
        size_t in_n = ds->in_len - ds->in_pos, out_n = room;
        int st = d->ops->step(d, ds->in + ds->in_pos, &in_n, to, &out_n,
                              ds->finished, err);
        /* Output made before an error counts (see pull in compress.h). */
        ds->in_pos += in_n;
        d->in_off += in_n;
        d->out_off += out_n;
        if (ds->skip)
            ds->skip -= out_n;
        else
            made += out_n;
        if (st < 0) {
            rc = st;
            break;
        }
        if ((rc = sl__dec_check(d, 0, err)) < 0)
            break;
        if (st == SL__DEC_UNIT_END && ds->codec != SL_CODEC_NONE)
            add_mark(ds);
        if (in_n == 0 && out_n == 0) {
            if (ds->finished)
                rc = at_eof(ds, err);
            break;
        }
    }
    *got = made;
    if (rc < 0) {
        fail(ds, rc, err);
        /* Bytes decoded before the error are good: hand them out first,
         * the error comes with the next pull. */
        return made ? 0 : rc;
    }
    return ds->eof && made == 0 ? SL_EEOF : 0;
}

/* ---- position strings ---- */

int sl_dstream_pos_format(struct sl_buf *out, enum sl_codec codec, uint64_t pos,
                          const struct sl_dstream_mark *m)
{
    if (codec == SL_CODEC_NONE || codec == SL_CODEC_AUTO || !m)
        return sl_buf_appendf(out, "%" PRIu64, pos);
    return sl_buf_appendf(out, "%" PRIu64 ":%s:%" PRIu64 ":%" PRIu64, pos,
                          sl_codec_name(codec), m->in_off, m->out_off);
}

/* A decimal number ending at a ':' or the end; *s moves past it. */
static bool number(const char **s, uint64_t *v)
{
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(p, &end, 10);
    if (errno || (*end != ':' && *end != '\0'))
        return false;
    *v = x;
    *s = end;
    return true;
}

int sl_dstream_pos_parse(const char *s, enum sl_codec *codec, uint64_t *pos,
                         struct sl_dstream_mark *m, struct sl_error *err)
{
    const char *p = s;
    uint64_t d, c, b;
    if (!number(&p, &d))
        goto bad;
    if (*p == '\0') {
        *codec = SL_CODEC_NONE;
        *pos = d;
        m->in_off = m->out_off = d;
        return 0;
    }
    const char *name = ++p, *colon = strchr(name, ':');
    if (!colon || colon - name >= 32)
        goto bad;
    char nm[32];
    memcpy(nm, name, (size_t)(colon - name));
    nm[colon - name] = '\0';
    enum sl_codec cd;
    if (sl_codec_from_name(nm, &cd, NULL) || cd == SL_CODEC_AUTO ||
        cd == SL_CODEC_NONE)
        goto bad;
    p = colon + 1;
    if (!number(&p, &c) || *p != ':')
        goto bad;
    p++;
    if (!number(&p, &b) || *p != '\0' || b > d)
        goto bad;
    *codec = cd;
    *pos = d;
    m->in_off = c;
    m->out_off = b;
    return 0;
bad:
    return sl_error_set(err, SL_EINVAL,
                        "bad position '%s' in a compressed file: expected "
                        "D or D:codec:C:B (decompressed offset, codec, mark)",
                        s);
}
