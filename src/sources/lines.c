/*
 * lines.c - record framing over a byte stream (see lines.h), shared by
 * sources/file.c and sources/stdin.c.
 *
 * Invariants: buf[start..end) are the bytes not yet consumed, l->off is the
 * stream offset of buf[start] and l->read_off the offset of buf[end]. While
 * skipping an over-long record, buf[start..start+max_rec) is the kept
 * prefix and the bytes read after it are dropped until a '\n' shows up, so
 * the stream offsets of bytes after the prefix are derived from read_off
 * (the buffer has a hole there) and never from start.
 */
#include "lines.h"

#include "compress/compress.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sl_lines_init(struct sl_lines *l, size_t max_rec, sl_frame_fn frame,
                   void *frame_state)
{
    memset(l, 0, sizeof *l);
    l->max_rec = max_rec ? max_rec : SL_LINES_DEFAULT_MAX_REC;
    l->read_size = SL_LINES_READ_SIZE;
    /* prefix + one '\r' + a byte proving the record is too long + a block */
    l->cap_max = l->max_rec + 2 + l->read_size;
    l->frame = frame;
    l->frame_state = frame_state;
}

void sl_lines_free(struct sl_lines *l)
{
    if (!l)
        return;
    free(l->buf);
    l->buf = NULL;
    l->cap = 0;
}

void sl_lines_reset(struct sl_lines *l, int64_t off)
{
    l->start = l->end = l->scan = 0;
    l->off = l->read_off = off;
    l->skipping = false;
}

static void set_rec(struct sl_raw_record *rec, const uint8_t *p, size_t len,
                    int64_t pos, uint32_t flags)
{
    rec->data = p;
    rec->len = len;
    rec->key = NULL;
    rec->key_len = 0;
    rec->timestamp_ms = -1;
    rec->pos = pos;
    rec->pos_str = NULL;
    rec->flags = flags;
    rec->error = NULL;
}

/* Over-long record: keep its prefix, look for the '\n' that ends it. */
static int next_skipping(struct sl_lines *l, bool at_eof,
                         struct sl_raw_record *rec)
{
    size_t keep_end = l->start + l->max_rec;
    size_t done;
    uint8_t *nl = NULL;
    if (l->scan < l->end)
        nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
    if (nl) {
        done = (size_t)(nl - l->buf) + 1;
    } else if (at_eof) {
        done = l->end;
    } else {
        /* drop what came after the prefix; read_off keeps counting */
        l->end = keep_end;
        l->scan = keep_end;
        return 0;
    }
    set_rec(rec, l->buf + l->start, l->max_rec, l->off, SL_REC_TRUNCATED);
    l->off = l->read_off - (int64_t)(l->end - done);
    l->start = l->scan = done;
    l->skipping = false;
    return 1;
}

static void start_skipping(struct sl_lines *l)
{
    l->skipping = true;
    size_t keep_end = l->start + l->max_rec;
    if (l->scan < keep_end)
        l->scan = keep_end;
}

int sl_lines_next(struct sl_lines *l, bool at_eof, struct sl_raw_record *rec)
{
    for (;;) {
        if (l->skipping)
            return next_skipping(l, at_eof, rec);
        size_t avail = l->end - l->start;
        if (avail == 0)
            return 0;
        const uint8_t *p = l->buf + l->start;
        size_t len, consumed;
        if (!l->frame) {
            const uint8_t *nl =
                memchr(l->buf + l->scan, '\n', l->end - l->scan);
            if (nl) {
                len = (size_t)(nl - p);
                consumed = len + 1;
                if (len > 0 && nl[-1] == '\r')
                    len--;
            } else if (at_eof) {
                len = consumed = avail;
            } else {
                l->scan = l->end;
                if (avail > l->max_rec + 1) {
                    start_skipping(l);
                    continue;
                }
                return 0;
            }
        } else {
            long r = l->frame(l->frame_state, p, avail, at_eof, &consumed);
            if (r < 0 && at_eof) {
                r = (long)avail;
                consumed = avail;
            }
            if (r < 0) {
                if (avail > l->max_rec + 1) {
                    l->scan = l->start;
                    start_skipping(l);
                    continue;
                }
                return 0;
            }
            len = (size_t)r;
            if (consumed == 0 || consumed > avail)
                consumed = avail; /* defensive: a frame must progress */
        }
        int64_t pos = l->off;
        l->off += (int64_t)consumed;
        l->start += consumed;
        l->scan = l->start;
        if (len == 0)
            continue; /* empty record: skipped, position moves on */
        uint32_t flags = 0;
        if (len > l->max_rec) {
            len = l->max_rec;
            flags = SL_REC_TRUNCATED;
        }
        set_rec(rec, p, len, pos, flags);
        return 1;
    }
}

void sl_lines_error_record(struct sl_lines *l, const char *why,
                           struct sl_raw_record *rec)
{
    size_t len = l->end - l->start;
    if (len > l->max_rec)
        len = l->max_rec;
    set_rec(rec, l->buf ? l->buf + l->start : (const uint8_t *)"", len, l->off,
            SL_REC_ERROR);
    rec->error = why;
    l->start = l->end = l->scan = 0;
    l->skipping = false;
    l->off = l->read_off + 1;
}

long sl_lines_pull(struct sl_dstream *ds, uint8_t *dst, size_t cap,
                   const char *what, char **why, struct sl_error *err)
{
    size_t got = 0;
    struct sl_error derr;
    sl_error_clear(&derr);
    int rc = sl_dstream_pull(ds, dst, cap, &got, &derr);
    if (rc == 0)
        return got > 0 ? (long)got : SL_EAGAIN;
    if (rc == SL_EEOF)
        return 0;
    if (rc == SL_ENOMEM)
        return sl_error_set(err, rc, "%s: %s", what, derr.msg);
    if (!*why && asprintf(why, "%s: %s", what, derr.msg) < 0) {
        *why = NULL;
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", what);
    }
    return SL_ECORRUPT;
}

/* Room to read into at buf[end]. may_move: no handed-out record points
 * into the buffer, so it may be compacted, grown or shrunk. */
static int make_room(struct sl_lines *l, bool may_move, size_t *room)
{
    if (may_move && l->start > 0 &&
        (l->cap - l->end < l->read_size / 2 || l->start == l->end)) {
        size_t n = l->end - l->start;
        memmove(l->buf, l->buf + l->start, n);
        l->scan -= l->start;
        l->end = n;
        l->start = 0;
    }
    if (may_move && l->cap > 4 * l->read_size && l->end < l->read_size) {
        /* a long record is gone: give the memory back */
        uint8_t *nb = realloc(l->buf, l->read_size);
        if (nb) {
            l->buf = nb;
            l->cap = l->read_size;
        }
    }
    if (may_move && l->cap - l->end == 0 && l->cap < l->cap_max) {
        size_t ncap = l->cap ? l->cap * 2 : l->read_size;
        if (ncap > l->cap_max)
            ncap = l->cap_max;
        uint8_t *nb = realloc(l->buf, ncap);
        if (!nb)
            return SL_ENOMEM;
        l->buf = nb;
        l->cap = ncap;
    }
    *room = l->cap - l->end;
    return 0;
}

int sl_recvec_begin(struct sl_recvec *rv, size_t max, size_t max_bytes)
{
    if (max == 0)
        max = 1;
    if (max > SL_LINES_CHUNK_MAX)
        max = SL_LINES_CHUNK_MAX;
    if (rv->cap < max) {
        struct sl_raw_record *nv = realloc(rv->v, max * sizeof *nv);
        if (!nv)
            return SL_ENOMEM;
        rv->v = nv;
        rv->cap = max;
    }
    rv->n = rv->bytes = 0;
    rv->max = max;
    rv->max_bytes = max_bytes;
    return 0;
}

void sl_recvec_free(struct sl_recvec *rv)
{
    if (!rv)
        return;
    free(rv->v);
    rv->v = NULL;
    rv->n = rv->cap = 0;
}

static bool readable_now(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&pfd, 1, 0);
    while (r < 0 && errno == EINTR);
    return r != 0; /* errors: let read() report them */
}

int sl_lines_read(struct sl_lines *l, int fd, bool positional, int64_t limit,
                  bool final_eof, struct sl_recvec *out, int *stop,
                  const char *what, struct sl_error *err)
{
    bool eof = false;
    for (;;) {
        if (out->n >= out->max ||
            (out->max_bytes && out->bytes >= out->max_bytes)) {
            *stop = SL_LINES_FULL;
            return 0;
        }
        if (sl_lines_next(l, eof, &out->v[out->n])) {
            out->bytes += out->v[out->n].len;
            out->n++;
            continue;
        }
        if (eof) {
            *stop = SL_LINES_EOF;
            return 0;
        }
        if (l->read_off >= limit) {
            *stop = SL_LINES_LIMIT;
            return 0;
        }
        size_t room;
        int rc = make_room(l, out->n == 0, &room);
        if (rc)
            return sl_error_set(err, rc,
                                "%s: no memory for a %zu-byte "
                                "read buffer",
                                what, l->cap * 2);
        if (room == 0) {
            if (out->n == 0) /* cannot happen: skipping bounds the bytes */
                return sl_error_set(err, SL_ELIMIT,
                                    "%s: record framing "
                                    "needs more than %zu bytes",
                                    what, l->cap_max);
            *stop = SL_LINES_NOROOM;
            return 0;
        }
        if ((int64_t)room > limit - l->read_off)
            room = (size_t)(limit - l->read_off);
        if (l->reader) {
            long got = l->reader(l->reader_state, l->buf + l->end, room, err);
            if (got == SL_EAGAIN) {
                *stop = SL_LINES_AGAIN;
                return 0;
            }
            if (got < 0)
                return (int)got;
            if (got == 0) {
                eof = true;
                continue;
            }
            l->end += (size_t)got;
            l->read_off += got;
            continue;
        }
        if (!positional && !readable_now(fd)) {
            *stop = SL_LINES_AGAIN;
            return 0;
        }
        ssize_t n;
        do
            n = positional ? pread(fd, l->buf + l->end, room, l->read_off)
                           : read(fd, l->buf + l->end, room);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            if (!positional && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                *stop = SL_LINES_AGAIN;
                return 0;
            }
            return sl_error_set(err, SL_EIO, "%s: read at byte %lld: %s", what,
                                (long long)l->read_off, strerror(errno));
        }
        if (n == 0) {
            if (!final_eof) {
                *stop = SL_LINES_EOF;
                return 0;
            }
            eof = true;
            continue;
        }
        l->end += (size_t)n;
        l->read_off += n;
    }
}
