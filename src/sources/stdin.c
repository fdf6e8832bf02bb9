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
 * Threads: engine thread only.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "lines.h"
#include "log.h"
#include "sources.h"

struct ssrc {
    int fd;
    bool eof;
    struct sl_lines lines;
    struct sl_recvec rv;
};

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
