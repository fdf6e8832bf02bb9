/*
 * stdin.c - `type: stdin`: records from standard input, read to its end
 * (DESIGN.md §1, part.h struct sl_source_ops).
 *
 * One partition, "stdin". Framing is lines.c (the same splitter as the file
 * source). Positions are byte offsets after the last record returned, but
 * a pipe cannot be read again, so the source is not resumable: seek ignores
 * start positions and refuses a replay. After the end of input poll returns
 * SL_EEOF. The fd is read only when poll(2) says it is readable, so poll
 * never blocks past its timeout.
 *
 * source.compression: standard input is a byte stream like a file, so a
 * compressed one (`cat x.json.gz | sluice run job.yaml`) is decompressed
 * as it is read: the codec is decided from its first 64 bytes (or all of
 * it when shorter), and then the bytes go through an sl_dstream via the
 * lines reader hook; positions count decompressed bytes. Plain input goes
 * back to direct reads once the detection bytes are handed out. A
 * decompression error ends the input with one SL_REC_ERROR record, as in
 * the file source.
 *
 * Threads: engine thread only.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "compress/compress.h"
#include "lines.h"
#include "log.h"
#include "sources.h"

#define ZREAD ((size_t)64 << 10)

struct ssrc {
    int fd;
    bool eof;
    struct sl_lines lines;
    struct sl_recvec rv;
    /* decompression (see the head comment) */
    enum sl_codec codec; /* configured; then the one decided */
    bool decided;
    struct sl_dstream *ds;
    uint8_t *z;        /* ZREAD bytes read from fd, not yet used */
    size_t zlen, zoff; /* z[zoff..zlen) pending */
    bool zeof, finishing;
    char *derr; /* the decompression error, as the last record */
};

static bool readable_now(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&pfd, 1, 0);
    while (r < 0 && errno == EINTR);
    return r != 0;
}

/* Read more raw bytes into z (after zlen). 1: got some or the end; 0:
 * nothing now; < 0 error. */
static int raw_read(struct ssrc *s, struct sl_error *err)
{
    if (s->zoff == s->zlen)
        s->zoff = s->zlen = 0;
    if (s->zlen == ZREAD || !readable_now(s->fd))
        return 0;
    ssize_t n;
    do
        n = read(s->fd, s->z + s->zlen, ZREAD - s->zlen);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return sl_error_set(err, SL_EIO, "standard input: read: %s",
                            strerror(errno));
    }
    if (n == 0)
        s->zeof = true;
    s->zlen += (size_t)n;
    return 1;
}

/* lines reader until the codec is decided, and for compressed input. */
static long sread(void *rs, uint8_t *dst, size_t cap, struct sl_error *err)
{
    struct ssrc *s = rs;
    for (;;) {
        if (!s->decided) {
            if (s->zlen < SL_CODEC_DETECT_BYTES && !s->zeof &&
                s->codec == SL_CODEC_AUTO &&
                sl_codec_may_start(s->z, s->zlen)) {
                int rc = raw_read(s, err);
                if (rc <= 0)
                    return rc < 0 ? rc : SL_EAGAIN;
                continue;
            }
            s->codec = sl_codec_resolve(s->codec, s->z, s->zlen);
            s->decided = true;
            if (s->codec != SL_CODEC_NONE) {
                struct sl_error derr;
                sl_error_clear(&derr);
                int rc = sl_dstream_create(&s->ds, s->codec, NULL, &derr);
                if (rc)
                    return sl_error_set(err, rc, "standard input: %s",
                                        derr.msg);
            }
        }
        if (!s->ds) {
            /* plain: hand out the detection bytes, then read the fd */
            size_t n = s->zlen - s->zoff < cap ? s->zlen - s->zoff : cap;
            memcpy(dst, s->z + s->zoff, n);
            s->zoff += n;
            if (s->zoff == s->zlen && !s->zeof)
                s->lines.reader = NULL;
            return (long)n; /* 0 at the end of a short input */
        }
        long got = sl_lines_pull(s->ds, dst, cap, "stdin", &s->derr, err);
        if (got == SL_ECORRUPT)
            return SL_EAGAIN; /* s->derr: the error record comes next */
        if (got != SL_EAGAIN)
            return got;
        if (s->zoff < s->zlen) {
            size_t taken = 0;
            if (sl_dstream_push(s->ds, s->z + s->zoff, s->zlen - s->zoff,
                                &taken, NULL) != 0 ||
                taken == 0)
                return SL_EAGAIN; /* defensive: the decoder wanted input */
            s->zoff += taken;
            continue;
        }
        if (s->zeof) {
            if (s->finishing)
                return 0;
            sl_dstream_finish(s->ds);
            s->finishing = true;
            continue;
        }
        int rc = raw_read(s, err);
        if (rc <= 0)
            return rc < 0 ? rc : SL_EAGAIN;
    }
}

/* The decompression error: the partial record and the reason. */
static void error_record(struct ssrc *s)
{
    sl_lines_error_record(&s->lines, s->derr, &s->rv.v[s->rv.n++]);
    s->eof = true;
}

static int ssrc_poll(void *st, struct sl_raw_chunk *chunk, size_t max_records,
                     size_t max_bytes, int timeout_ms, struct sl_error *err)
{
    struct ssrc *s = st;
    chunk->n = 0;
    chunk->recs = NULL;
    if (s->eof)
        return SL_EEOF;
    int rc = sl_recvec_begin(&s->rv, max_records, max_bytes);
    if (rc)
        return sl_error_set(err, rc,
                            "stdin source: no memory for %zu "
                            "records",
                            max_records);
    int64_t deadline = sl_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int stop;
        rc = sl_lines_read(&s->lines, s->fd, false, INT64_MAX, true, &s->rv,
                           &stop, "standard input", err);
        if (rc)
            return rc;
        if (stop == SL_LINES_EOF)
            s->eof = true;
        if (stop == SL_LINES_AGAIN && s->derr && s->rv.n < s->rv.max)
            error_record(s);
        if (s->rv.n > 0)
            break;
        if (s->eof)
            return SL_EEOF;
        int64_t left = deadline - sl_mono_ms();
        if (left <= 0)
            return SL_EAGAIN;
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
            return sl_error_set(err, SL_EIO, "stdin source: poll: %s",
                                strerror(errno));
    }
    chunk->partition = "stdin";
    chunk->label = "stdin";
    chunk->n = s->rv.n;
    chunk->recs = s->rv.v;
    return 0;
}

static int ssrc_seek(void *st, const struct sl_positions *start,
                     const struct sl_positions *end, bool resume,
                     struct sl_error *err)
{
    if (end)
        return sl_error_set(err, SL_EINVAL,
                            "stdin source: cannot replay "
                            "a batch: standard input cannot be read again; "
                            "delete the checkpoint or use a file source");
    const char *pos = sl_positions_get(start, "stdin");
    if (pos && strcmp(pos, "0") != 0)
        sl_warn("stdin source: ignoring the checkpointed position %s: "
                "standard input is read from where it is now",
                pos);
    return 0;
}

static int ssrc_positions(void *st, struct sl_positions *out,
                          struct sl_error *err)
{
    struct ssrc *s = st;
    char b[32];
    out->n = 0;
    out->v = NULL;
    snprintf(b, sizeof b, "%" PRId64, s->lines.off);
    int rc = sl_positions_set(out, "stdin", b);
    if (rc)
        return sl_error_set(err, rc, "stdin source: no memory");
    return 0;
}

static int ssrc_identity(void *st, struct sl_buf *out)
{
    return sl_buf_puts(out, "stdin");
}

static void ssrc_close(void *st)
{
    struct ssrc *s = st;
    if (!s)
        return;
    sl_lines_free(&s->lines);
    sl_recvec_free(&s->rv);
    sl_dstream_destroy(s->ds);
    free(s->z);
    free(s->derr);
    free(s);
}

int sl__stdin_source_create(const struct sl_source_ctx *ctx, int fd, void **st,
                            struct sl_error *err)
{
    struct ssrc *s = calloc(1, sizeof *s);
    *st = NULL;
    if (!s)
        return sl_error_set(err, SL_ENOMEM, "stdin source: out of memory");
    s->fd = fd;
    sl_lines_init(&s->lines, ctx->max_record_bytes, ctx->frame,
                  ctx->frame_state);
    sl_lines_reset(&s->lines, 0);
    s->codec = SL_CODEC_AUTO;
    const char *cname =
        ctx->conf ? sl_conf_str(ctx->conf, "compression") : NULL;
    struct sl_error cerr;
    sl_error_clear(&cerr);
    if (cname && sl_codec_from_name(cname, &s->codec, &cerr) != 0) {
        ssrc_close(s);
        return sl_error_set(err, SL_EINVAL, "stdin source: compression: %s",
                            cerr.msg);
    }
    if (s->codec != SL_CODEC_NONE) {
        if (!(s->z = malloc(ZREAD))) {
            ssrc_close(s);
            return sl_error_set(err, SL_ENOMEM, "stdin source: out of memory");
        }
        s->lines.reader = sread;
        s->lines.reader_state = s;
    }
    *st = s;
    return 0;
}

static const struct sl_option stdin_options[] = {{0}};

static int ssrc_open(const struct sl_source_ctx *ctx, void **st,
                     struct sl_error *err)
{
    char dummy;
    *st = NULL;
    int rc = sl__source_options(stdin_options, ctx, &dummy, err);
    if (rc)
        return rc;
    return sl__stdin_source_create(ctx, 0, st, err);
}

const struct sl_source_ops sl_source_stdin = {
    .name = "stdin",
    .summary = "standard input to its end (not resumable)",
    .options = stdin_options,
    .resumable = false,
    .open = ssrc_open,
    .identity = ssrc_identity,
    .seek = ssrc_seek,
    .poll = ssrc_poll,
    .positions = ssrc_positions,
    .commit = NULL,
    .close = ssrc_close,
};
