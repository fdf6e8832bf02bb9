/*
 * file.c - `type: file`: read the files matched by a glob, and what is
 * appended to them, as records (DESIGN.md §1, part.h struct sl_source_ops).
 *
 * A partition is one file. Its id "<dev>:<ino>:<fplen>:<fphash>" survives
 * renames: fphash is FNV-1a 64 of the first fplen bytes, fplen = min(size,
 * 1024) when the file is first seen with bytes. A checkpointed id matches a
 * present file with the same dev and ino whose first fplen bytes still hash
 * the same (an inode reused by another file does not match). A file cut
 * below its position, or rewritten, becomes a new partition read from 0.
 *
 * Positions are decimal byte offsets just after the last record returned
 * (skipped empty lines included). Framing is lines.c; one read buffer is
 * shared by all plain files: the file served by a poll owns it, and another
 * file taking it re-reads its unconsumed tail (at most one partial record).
 *
 * Compressed files (source.compression, compress.h): the codec is decided
 * once per file from its first SL_CODEC_DETECT_BYTES bytes (a growing file
 * that is shorter and could still start with a magic waits for them). A
 * plain file takes the path above untouched. A compressed file has its own
 * sl_dstream and its own read buffer (re-reading a tail would mean
 * decompressing again), fed through the lines reader hook; records and
 * positions count decompressed bytes, written "D:codec:C:B" (a mark to
 * restart the codec at, docs/formats.md). The stream is finished (a member
 * cut short becomes an error) only when the file is gone or in a replay,
 * never at the temporary end of a growing file. A decompression error ends
 * the file: the records before it are returned, then one SL_REC_ERROR
 * record (the partial record, the reason) whose end is one past the last
 * decompressed byte, a position no reading can reach again, so a resume or
 * a replay past it reads nothing more of that file. A decoder is dropped
 * with its descriptor when the file is closed as least recently used, so
 * max_open_files bounds decoders too; it restarts from a mark.
 *
 * Discovery: the glob is rescanned at most every scan_interval (1 s), or a
 * quarter of it when every file is exhausted. A file no longer matched is
 * "gone": its open descriptor is read to the end (the unterminated tail
 * becomes the last record) and the file is dropped; its last position stays
 * in positions() for the last SL_FILE_GONE_KEEP gone files. At most
 * max_open_files descriptors are open; the least recently used is closed
 * and the file reopened by path when it grows.
 *
 * Threads: engine thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_int.h"
#include "log.h"

/* ---- descriptors ---- */

static void close_file(struct fsrc *s, struct ffile *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
        s->nopen--;
    }
}

static void drop_stream(struct ffile *f);

/* Open f by its path, closing the least recently used other file when at
 * max_open. SL_EAGAIN when the path now names another file. */
static int open_file(struct fsrc *s, struct ffile *f)
{
    if (f->fd >= 0)
        return 0;
    if (s->nopen >= s->max_open) {
        struct ffile *lru = NULL;
        for (size_t i = 0; i < s->n; i++) {
            struct ffile *g = s->files[i];
            if (g != f && g->fd >= 0 && !g->gone &&
                (!lru || g->used < lru->used))
                lru = g;
        }
        if (!lru)
            return SL_EAGAIN;
        close_file(s, lru);
        drop_stream(lru);
    }
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SL_EAGAIN; /* removed or renamed: the next scan tells */
    struct stat sb;
    if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_dev != f->dev ||
        (uint64_t)sb.st_ino != f->ino) {
        close(fd);
        s->last_scan_ms = INT64_MIN / 2; /* path moved: rescan soon */
        return SL_EAGAIN;
    }
    f->fd = fd;
    s->nopen++;
    return 0;
}

/* ---- tracking ---- */

static void gone_add(struct fsrc *s, struct ffile *f)
{
    if (!f->id)
        return;
    if (s->gone.n >= SL_FILE_GONE_KEEP)
        sl__file_positions_del(&s->gone, 0);
    if (sl__file_set_fpos(&s->gone, f) != 0)
        sl_warn("file source: no memory to keep the position of %s", f->path);
}

/* Free the decoder and read buffer of compressed file f (closed as least
 * recently used), keeping where to start again: the latest mark at or
 * before its position. So decoders, like descriptors, number at most
 * max_open_files; one that comes back decompresses from that mark. */
static void drop_stream(struct ffile *f)
{
    if (!f->ds)
        return;
    struct sl_dstream_mark m;
    if (sl_dstream_mark_before(f->ds, (uint64_t)f->pos, &m) == 0)
        f->mark = m;
    sl_dstream_destroy(f->ds);
    f->ds = NULL;
    if (f->zl) {
        sl_lines_free(f->zl);
        free(f->zl);
        f->zl = NULL;
    }
    free(f->derr); /* found again when it is read again */
    f->derr = NULL;
    f->cpos = 0;
    f->finishing = false;
}

/* Forget f's decompression state (the codec is decided again). */
static void reset_codec(struct fsrc *s, struct ffile *f)
{
    drop_stream(f);
    f->codec = s ? s->codec : SL_CODEC_AUTO;
    f->mark.in_off = f->mark.out_off = 0;
    f->skip_to = 0;
    f->dead = false;
}

static void free_file(struct ffile *f)
{
    if (!f)
        return;
    reset_codec(NULL, f);
    free(f->path);
    free(f->id);
    free(f);
}

/* Drop files marked finished; their last position goes to `gone`. */
static void reap(struct fsrc *s)
{
    size_t j = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct ffile *f = s->files[i];
        if (!f->finished) {
            s->files[j++] = f;
            continue;
        }
        gone_add(s, f);
        close_file(s, f);
        free_file(f);
        if (s->rr > j)
            s->rr--;
    }
    s->n = j;
    if (s->rr >= s->n)
        s->rr = 0;
}

/* The file was cut below its position or rewritten: a new partition. */
static void restart_file(struct fsrc *s, struct ffile *f, const char *why)
{
    sl_warn("file source: %s was %s (now %" PRId64 " bytes, position %" PRId64
            "): reading it from the start as a new partition",
            f->path, why, f->size, f->pos);
    gone_add(s, f);
    free(f->id);
    f->id = NULL;
    f->pos = 0;
    f->wait = -1;
    reset_codec(s, f);
    f->serial = ++s->serials;
    if (f->size > 0 && sl__file_new_id(s, f) == SL_ENOMEM)
        sl_warn("file source: no memory for the id of %s", f->path);
}

/* A new size was seen for f: notice truncation and rewrites. */
static void update_size(struct fsrc *s, struct ffile *f, int64_t size)
{
    if (size == f->size)
        return;
    f->size = size;
    if (!f->id || s->replay)
        return;
    struct fid id;
    uint64_t h;
    if (size < read_floor(f))
        restart_file(s, f, "truncated");
    else if (sl__file_parse_id(f->id, &id) &&
             ((int64_t)id.fplen > size ||
              (sl__file_fp_hash(f, id.fplen, &h) == 0 && h != id.hash)))
        restart_file(s, f, "rewritten");
}

static struct ffile *add_file(struct fsrc *s, const char *path,
                              const struct stat *sb, int64_t pos)
{
    if (s->n >= SL_FILE_MAX_TRACKED) {
        if (!s->tracked_full_warned)
            sl_warn("file source: %s matches more than %d files; the "
                    "others are not read",
                    s->pattern, SL_FILE_MAX_TRACKED);
        s->tracked_full_warned = true;
        return NULL;
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        struct ffile **nv = realloc(s->files, ncap * sizeof *nv);
        if (!nv)
            return NULL;
        s->files = nv;
        s->cap = ncap;
    }
    struct ffile *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return NULL;
    }
    f->dev = (uint64_t)sb->st_dev;
    f->ino = (uint64_t)sb->st_ino;
    f->serial = ++s->serials;
    f->fd = -1;
    f->size = (int64_t)sb->st_size;
    f->pos = pos < f->size ? pos : f->size;
    f->wait = -1;
    f->end = -1;
    f->src = s;
    f->codec = s->codec;
    f->latest = pos == INT64_MAX && f->size > 0;
    s->files[s->n++] = f;
    if (sl__file_assign_id(s, f) == SL_ENOMEM)
        sl_warn("file source: no memory for the id of %s", path);
    return f;
}

struct seen {
    uint64_t dev, ino;
    const char *path;
    struct stat sb;
};

static int cmp_seen(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return strcmp(x->path, y->path);
}

static int cmp_file(const void *a, const void *b)
{
    const struct ffile *x = *(struct ffile *const *)a;
    const struct ffile *y = *(struct ffile *const *)b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return 0;
}

/* Match the glob against the tracked files (sorted merge on dev:ino).
 * New files start at new_pos (or their pending position). */
static int scan(struct fsrc *s, int64_t new_pos)
{
    glob_t g;
    int grc = glob(s->pattern, GLOB_NOSORT, NULL, &g);
    if (grc != 0 && grc != GLOB_NOMATCH) {
        globfree(&g);
        sl_warn("file source: cannot list %s (glob error %d)", s->pattern, grc);
        return grc == GLOB_NOSPACE ? SL_ENOMEM : SL_EIO;
    }
    size_t npaths = grc == 0 ? g.gl_pathc : 0;
    struct seen *sv = calloc(npaths ? npaths : 1, sizeof *sv);
    struct ffile **fv = calloc(s->n ? s->n : 1, sizeof *fv);
    if (!sv || !fv) {
        free(sv);
        free(fv);
        globfree(&g);
        return SL_ENOMEM;
    }
    size_t ns = 0;
    for (size_t i = 0; i < npaths; i++) {
        if (stat(g.gl_pathv[i], &sv[ns].sb) != 0 || !S_ISREG(sv[ns].sb.st_mode))
            continue;
        sv[ns].dev = (uint64_t)sv[ns].sb.st_dev;
        sv[ns].ino = (uint64_t)sv[ns].sb.st_ino;
        sv[ns].path = g.gl_pathv[i];
        ns++;
    }
    qsort(sv, ns, sizeof *sv, cmp_seen);
    size_t nf = s->n;
    if (nf)
        memcpy(fv, s->files, nf * sizeof *fv);
    qsort(fv, nf, sizeof *fv, cmp_file);
    s->gen++;
    size_t i = 0, j = 0;
    while (i < ns) {
        if (i > 0 && sv[i].dev == sv[i - 1].dev && sv[i].ino == sv[i - 1].ino) {
            i++; /* another name (hard link) of the same file */
            continue;
        }
        while (j < nf && (fv[j]->dev < sv[i].dev ||
                          (fv[j]->dev == sv[i].dev && fv[j]->ino < sv[i].ino)))
            j++;
        if (j < nf && fv[j]->dev == sv[i].dev && fv[j]->ino == sv[i].ino) {
            struct ffile *f = fv[j];
            f->seen = s->gen;
            f->gone = false; /* back in the glob before it was dropped */
            if (!f->finished && strcmp(f->path, sv[i].path) != 0) {
                char *np = strdup(sv[i].path);
                if (np) {
                    sl_info("file source: %s is now %s", f->path, np);
                    free(f->path);
                    f->path = np;
                }
            }
            if (!f->finished) {
                update_size(s, f, (int64_t)sv[i].sb.st_size);
                if (!f->id)
                    sl__file_assign_id(s, f);
            }
        } else if (!s->replay) {
            struct ffile *f = add_file(s, sv[i].path, &sv[i].sb, new_pos);
            if (f)
                f->seen = s->gen;
        }
        i++;
    }
    for (size_t k = 0; k < s->n; k++) {
        struct ffile *f = s->files[k];
        if (f->seen == s->gen || f->gone || s->replay)
            continue;
        f->gone = true;
        if (f->fd < 0) {
            if (f->size > f->pos)
                sl_warn("file source: %s was removed before its last %" PRId64
                        " bytes were read",
                        f->path, f->size - f->pos);
            f->finished = true;
        }
    }
    free(sv);
    free(fv);
    globfree(&g);
    return 0;
}

/* ---- reading ---- */

static bool wants_read(const struct fsrc *s, const struct ffile *f)
{
    if (f->finished)
        return false;
    if (f->dead)
        return f->gone; /* nothing more to read; drop it once it is gone */
    if (s->replay)
        return f->end >= 0 && f->pos < f->end;
    return f->gone || f->size > f->wait;
}

/* Decide f's codec (f->fd open). SL_EAGAIN: wait for more bytes. */
static int decide_codec(struct fsrc *s, struct ffile *f, struct sl_error *err)
{
    if (f->codec != SL_CODEC_AUTO)
        return 0;
    uint8_t b[SL_CODEC_DETECT_BYTES];
    ssize_t n;
    do
        n = pread(f->fd, b, sizeof b, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return sl_error_set(err, SL_EIO, "file source: %s: read: %s", f->path,
                            strerror(errno));
    enum sl_codec c = sl_codec_detect(b, (size_t)n);
    if (c == SL_CODEC_NONE && (size_t)n < sizeof b && !f->gone && !s->replay &&
        sl_codec_may_start(b, (size_t)n)) {
        f->wait = n;
        return SL_EAGAIN;
    }
    f->codec = c;
    if (c != SL_CODEC_NONE)
        sl_debug("file source: %s is %s-compressed", f->path, sl_codec_name(c));
    return 0;
}

/* lines reader of a compressed file: decompressed bytes. */
static long zread(void *rs, uint8_t *dst, size_t cap, struct sl_error *err)
{
    struct ffile *f = rs;
    struct fsrc *s = f->src;
    for (;;) {
        long got = sl_lines_pull(f->ds, dst, cap, f->path, &f->derr, err);
        if (got == SL_ECORRUPT)
            return SL_EAGAIN; /* f->derr: the error record comes next */
        if (got != SL_EAGAIN)
            return got;
        ssize_t n;
        do
            n = pread(f->fd, s->zbuf, ZREAD_SIZE, f->cpos);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return sl_error_set(err, SL_EIO,
                                "file source: %s: read at byte %" PRId64 ": %s",
                                f->path, f->cpos, strerror(errno));
        if (n == 0) {
            /* the end of the file is the end of the stream only when the
             * file is gone, or in a replay (its end was reached before) */
            if ((f->gone || s->replay) && !f->finishing) {
                sl_dstream_finish(f->ds);
                f->finishing = true;
                continue;
            }
            return SL_EAGAIN;
        }
        size_t taken = 0;
        if (f->finishing ||
            sl_dstream_push(f->ds, s->zbuf, (size_t)n, &taken, NULL) != 0 ||
            taken == 0)
            return SL_EAGAIN; /* defensive: the decoder wanted input */
        f->cpos += (int64_t)taken;
    }
}

/* Set up the decoder of compressed file f at its position. */
static int open_stream(struct fsrc *s, struct ffile *f, struct sl_error *err)
{
    struct sl_error derr;
    sl_error_clear(&derr);
    int rc;
    if (f->pos == 0 || f->latest) {
        f->mark.in_off = f->mark.out_off = 0;
        rc = sl_dstream_create(&f->ds, f->codec, &s->lim, &derr);
    } else {
        rc = sl_dstream_create_at(&f->ds, f->codec, &s->lim, &f->mark, &derr);
    }
    if (rc)
        return sl_error_set(err, rc, "file source: %s: %s", f->path, derr.msg);
    f->cpos = f->latest ? 0 : (int64_t)f->mark.in_off;
    if (!f->latest && f->pos > (int64_t)f->mark.out_off)
        sl_dstream_skip(f->ds, (uint64_t)f->pos - f->mark.out_off);
    f->skip_to = f->latest ? 0 : f->pos;
    f->zl = calloc(1, sizeof *f->zl);
    if (!f->zl)
        return sl_error_set(err, SL_ENOMEM, "file source: out of memory");
    sl_lines_init(f->zl, s->max_rec, s->frame, s->frame_state);
    f->zl->reader = zread;
    f->zl->reader_state = f;
    if (f->latest) {
        /* starting_position latest: what the file holds now is skipped
         * (decompressed into zbuf and dropped; zread's own use of zbuf is
         * over by then, push copies what it reads) */
        int64_t d = 0;
        long got;
        while ((got = zread(f, s->zbuf, ZREAD_SIZE, err)) > 0)
            d += got;
        if (got < 0 && got != SL_EAGAIN)
            return (int)got;
        f->pos = f->skip_to = d;
        f->latest = false;
    }
    sl_lines_reset(f->zl, f->pos);
    return 0;
}

/* After reading a compressed file: its decompression error, if any,
 * becomes its last record. */
static void stream_error(struct fsrc *s, struct ffile *f)
{
    struct sl_lines *l = f->zl;
    if (sl_dstream_out_offset(f->ds) < (uint64_t)f->skip_to) {
        /* the error came before the position resumed at: it was read
         * (and dead-lettered) before */
        sl_info("file source: %s: nothing to read after position %" PRId64
                " (%s)",
                f->path, f->pos, f->derr);
        f->dead = true;
        return;
    }
    if (s->rv.n >= s->rv.max)
        return; /* next poll */
    struct sl_raw_record *r = &s->rv.v[s->rv.n++];
    sl_lines_error_record(l, f->derr, r);
    s->rv.bytes += r->len;
    f->pos = l->off;
    f->dead = true;
}

/* starting_position latest on a plain file: the offset after the last
 * newline before f->pos, so a line half written when the job started is
 * read whole rather than as a fragment. Lines only (a decoder's own
 * framing decides record starts itself); a tail longer than a record may
 * be, or an unreadable one, keeps f->pos. */
static int64_t line_start(struct fsrc *s, struct ffile *f)
{
    if (s->frame || f->pos <= 0)
        return f->pos;
    size_t max = s->max_rec ? s->max_rec : SL_LINES_DEFAULT_MAX_REC;
    char buf[4096];
    int64_t end = f->pos;
    while (end > 0 && f->pos - end < (int64_t)max) {
        size_t n = end < (int64_t)sizeof buf ? (size_t)end : sizeof buf;
        ssize_t got = pread(f->fd, buf, n, end - (int64_t)n);
        if (got != (ssize_t)n)
            return f->pos;
        const char *nl = memrchr(buf, '\n', n);
        if (nl)
            return end - (int64_t)n + (nl - buf) + 1;
        end -= (int64_t)n;
    }
    return end == 0 ? 0 : f->pos;
}

/* Read records of f into s->rv. */
static int serve(struct fsrc *s, struct ffile *f, struct sl_error *err)
{
    if (!f->id) {
        int rc = sl__file_assign_id(s, f);
        if (rc == SL_EAGAIN) {
            f->wait = f->size;
            f->finished = f->gone; /* removed while still empty */
            return 0;
        }
        if (rc)
            return sl_error_set(err, rc, "file source: cannot identify %s",
                                f->path);
    }
    if (f->dead) {
        f->finished = f->gone;
        return 0;
    }
    if (open_file(s, f) != 0)
        return 0;
    f->used = ++s->tick;
    int rc = decide_codec(s, f, err);
    if (rc == SL_EAGAIN)
        return 0;
    if (rc)
        return rc;
    struct sl_lines *l = &s->lines;
    if (compressed(f)) {
        if (!f->ds && (rc = open_stream(s, f, err)))
            return rc;
        l = f->zl;
    } else {
        if (f->latest) {
            /* f->pos is the size seen: plain offsets, from the start of
             * the line being written then, never from its middle */
            f->pos = line_start(s, f);
            f->latest = false;
        }
        if (s->owner != f->serial) {
            sl_lines_reset(&s->lines, f->pos);
            s->owner = f->serial;
        }
    }
    int64_t limit = s->replay ? f->end : INT64_MAX;
    int stop;
    rc = sl_lines_read(l, f->fd, true, limit, f->gone && !compressed(f), &s->rv,
                       &stop, f->path, err);
    if (rc)
        return rc;
    f->pos = l->off;
    int64_t read_to = compressed(f) ? f->cpos : l->read_off;
    if (read_to > f->size)
        f->size = read_to;
    if (stop == SL_LINES_AGAIN && f->derr) {
        stream_error(s, f);
        return 0;
    }
    if (stop == SL_LINES_EOF || stop == SL_LINES_AGAIN) {
        f->wait = read_to;
        bool ended = !compressed(f) || f->finishing;
        if (f->gone && ended) {
            f->finished = true;
        } else if (s->replay && ended) {
            sl_warn("file source: replay of %s (%s) ends at byte %" PRId64
                    " but the file has only %" PRId64 " bytes now",
                    f->path, f->id, f->end, l->read_off);
            f->end = -1;
        }
    } else if (stop == SL_LINES_LIMIT && f->pos < f->end) {
        sl_warn("file source: replay of %s (%s) stops at byte %" PRId64
                " which is not the end of a record (the file changed)",
                f->path, f->id, f->end);
        f->end = -1;
    }
    return 0;
}

/* One round over the files from the round-robin cursor: the first file
 * that yields records fills the chunk. *idle: nothing was readable. */
static int round_robin(struct fsrc *s, struct sl_raw_chunk *chunk,
                       size_t max_records, size_t max_bytes, bool *idle,
                       struct sl_error *err)
{
    *idle = true;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = (s->rr + k) % s->n;
        struct ffile *f = s->files[i];
        if (!wants_read(s, f))
            continue;
        *idle = false;
        int rc = sl_recvec_begin(&s->rv, max_records, max_bytes);
        if (rc)
            return sl_error_set(err, rc,
                                "file source: no memory for %zu "
                                "records",
                                max_records);
        rc = serve(s, f, err);
        if (rc)
            return rc;
        if (s->rv.n > 0) {
            s->rr = (i + 1) % s->n;
            chunk->partition = f->id;
            chunk->label = f->path;
            chunk->n = s->rv.n;
            chunk->recs = s->rv.v;
            return 0;
        }
    }
    return SL_EAGAIN;
}

static bool replay_done(const struct fsrc *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (wants_read(s, s->files[i]))
            return false;
    return true;
}

static void refresh_open(struct fsrc *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct ffile *f = s->files[i];
        struct stat sb;
        if (f->fd >= 0 && !f->finished && fstat(f->fd, &sb) == 0)
            update_size(s, f, (int64_t)sb.st_size);
    }
}

static int fsrc_poll(void *st, struct sl_raw_chunk *chunk, size_t max_records,
                     size_t max_bytes, int timeout_ms, struct sl_error *err)
{
    struct fsrc *s = st;
    chunk->n = 0;
    chunk->recs = NULL;
    reap(s);
    int64_t deadline = sl_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    bool idle = false;
    for (;;) {
        int64_t now = sl_mono_ms();
        if (!s->replay && (now - s->last_scan_ms >= s->scan_ms ||
                           (idle && now - s->last_scan_ms >= s->scan_ms / 4))) {
            s->last_scan_ms = now;
            int rc = scan(s, 0);
            if (rc == SL_ENOMEM)
                return sl_error_set(err, rc,
                                    "file source: no memory to "
                                    "list %s",
                                    s->pattern);
            reap(s);
        }
        int rc = round_robin(s, chunk, max_records, max_bytes, &idle, err);
        if (rc != SL_EAGAIN)
            return rc;
        if (s->replay && replay_done(s))
            return SL_EEOF;
        now = sl_mono_ms();
        if (now >= deadline)
            return SL_EAGAIN;
        sl__sleep_ms(deadline - now < 50 ? deadline - now : 50);
        refresh_open(s);
        reap(s);
    }
}

/* ---- seek, positions, identity ---- */

static void drop_all(struct fsrc *s)
{
    for (size_t i = 0; i < s->n; i++) {
        close_file(s, s->files[i]);
        free_file(s->files[i]);
    }
    s->n = 0;
    s->rr = 0;
    s->owner = 0;
}

static int fsrc_seek(void *st, const struct sl_positions *start,
                     const struct sl_positions *end, bool resume,
                     struct sl_error *err)
{
    struct fsrc *s = st;
    drop_all(s);
    sl_positions_free(&s->pending);
    sl_positions_free(&s->ends);
    sl_positions_free(&s->gone);
    int rc = sl_positions_copy(&s->pending, start);
    if (!rc)
        rc = sl_positions_copy(&s->ends, end);
    /* a partition only in `end` is new in that batch: it starts at 0 */
    for (size_t i = 0; !rc && end && i < end->n; i++)
        if (!sl_positions_get(&s->pending, end->v[i].id))
            rc = sl_positions_set(&s->pending, end->v[i].id, "0");
    if (rc)
        return sl_error_set(err, rc, "file source: no memory for positions");
    s->replay = end != NULL;
    s->last_scan_ms = sl_mono_ms();
    bool was_replay = s->replay;
    s->replay = false; /* discover every present file, then restrict */
    rc = scan(s, !resume && s->latest ? INT64_MAX : 0);
    s->replay = was_replay;
    if (rc)
        return sl_error_set(err, rc, "file source: cannot list %s", s->pattern);
    if (s->replay) {
        for (size_t i = 0; i < s->ends.n; i++) {
            bool found = false;
            for (size_t k = 0; k < s->n && !found; k++)
                found = s->files[k]->id &&
                        strcmp(s->files[k]->id, s->ends.v[i].id) == 0;
            if (!found)
                sl_warn("file source: cannot replay partition %s up to byte "
                        "%s: no file matched by %s has that identity now",
                        s->ends.v[i].id, s->ends.v[i].pos, s->pattern);
        }
    }
    return 0;
}

static int fsrc_positions(void *st, struct sl_positions *out,
                          struct sl_error *err)
{
    struct fsrc *s = st;
    out->n = 0;
    out->v = NULL;
    int rc = 0;
    for (size_t i = 0; !rc && i < s->gone.n; i++)
        if (!sl_positions_get(out, s->gone.v[i].id))
            rc = sl_positions_set(out, s->gone.v[i].id, s->gone.v[i].pos);
    for (size_t i = 0; !rc && i < s->n; i++)
        if (s->files[i]->id)
            rc = sl__file_set_fpos(out, s->files[i]);
    if (rc) {
        sl_positions_free(out);
        return sl_error_set(err, rc, "file source: no memory for positions");
    }
    return 0;
}

static int fsrc_identity(void *st, struct sl_buf *out)
{
    struct fsrc *s = st;
    return sl_buf_puts(out, s->identity);
}

static void fsrc_close(void *st)
{
    struct fsrc *s = st;
    if (!s)
        return;
    drop_all(s);
    free(s->files);
    sl_positions_free(&s->pending);
    sl_positions_free(&s->ends);
    sl_positions_free(&s->gone);
    sl_lines_free(&s->lines);
    sl_recvec_free(&s->rv);
    free(s->zbuf);
    free(s->pattern);
    free(s->identity);
    free(s);
}

int sl__file_source_create(const struct sl_source_ctx *ctx,
                           const struct sl_file_opts *o, void **st,
                           struct sl_error *err)
{
    *st = NULL;
    if (!o->path || !*o->path)
        return sl_error_set(err, SL_EINVAL,
                            "file source: `path` is empty; "
                            "give a file name or a glob such as "
                            "/data/in/*.json");
    struct fsrc *s = calloc(1, sizeof *s);
    if (!s)
        return sl_error_set(err, SL_ENOMEM, "file source: out of memory");
    s->pattern = strdup(o->path);
    s->scan_ms = o->scan_interval_ms >= 0 ? o->scan_interval_ms : 1000;
    s->max_open = o->max_open_files > 0 ? (size_t)o->max_open_files : 64;
    s->latest =
        ctx->starting_position && strcmp(ctx->starting_position, "latest") == 0;
    sl_lines_init(&s->lines, ctx->max_record_bytes, ctx->frame,
                  ctx->frame_state);
    s->max_rec = ctx->max_record_bytes;
    s->frame = ctx->frame;
    s->frame_state = ctx->frame_state;
    sl_decompress_limits_default(&s->lim);
    s->lim.max_output = 0; /* a file has no total cap; the ratio applies */
    s->codec = SL_CODEC_AUTO;
    const char *cname =
        ctx->conf ? sl_conf_str(ctx->conf, "compression") : NULL;
    if (cname) {
        struct sl_error cerr;
        sl_error_clear(&cerr);
        if (sl_codec_from_name(cname, &s->codec, &cerr) != 0) {
            fsrc_close(s);
            return sl_error_set(err, SL_EINVAL, "file source: compression: %s",
                                cerr.msg);
        }
    }
    const char *ratio =
        ctx->conf ? sl_conf_str(ctx->conf, "max_decompression_ratio") : NULL;
    int64_t rv;
    if (ratio && sl_parse_i64(ratio, &rv) == 0 && rv > 0 && rv <= UINT32_MAX)
        s->lim.max_ratio = (uint32_t)rv;
    if (!(s->zbuf = malloc(ZREAD_SIZE))) {
        fsrc_close(s);
        return sl_error_set(err, SL_ENOMEM, "file source: out of memory");
    }
    struct sl_buf id;
    sl_buf_init(&id, 0);
    char cwd[PATH_MAX];
    int rc = sl_buf_puts(&id, "file:");
    if (!rc && o->path[0] != '/') {
        if (!getcwd(cwd, sizeof cwd)) {
            sl_buf_free(&id);
            fsrc_close(s);
            return sl_error_set(err, SL_EIO,
                                "file source: cannot get the "
                                "current directory to make %s absolute: %s",
                                o->path, strerror(errno));
        }
        rc = sl_buf_appendf(&id, "%s/", cwd);
    }
    if (!rc)
        rc = sl_buf_puts(&id, o->path);
    if (!rc)
        rc = sl_buf_cstr(&id);
    if (rc || !s->pattern) {
        sl_buf_free(&id);
        fsrc_close(s);
        return sl_error_set(err, SL_ENOMEM, "file source: out of memory");
    }
    s->identity = (char *)id.data;
    *st = s;
    return 0;
}

/* ---- options and ops ---- */

static const struct sl_option file_options[] = {
    {"path", SL_OPT_STRING, NULL, NULL, true,
     offsetof(struct sl_file_opts, path),
     "file name or glob(3) pattern; new matching files and appended lines "
     "are read too"},
    {"scan_interval", SL_OPT_DURATION, "1s", NULL, false,
     offsetof(struct sl_file_opts, scan_interval_ms),
     "how often the glob is listed again to find new, renamed and removed "
     "files"},
    {"max_open_files", SL_OPT_INT, "64", NULL, false,
     offsetof(struct sl_file_opts, max_open_files),
     "open file descriptors at most; idle files are closed and reopened"},
    {0},
};

static int fsrc_open(const struct sl_source_ctx *ctx, void **st,
                     struct sl_error *err)
{
    struct sl_file_opts o;
    memset(&o, 0, sizeof o);
    *st = NULL;
    int rc = sl__source_options(file_options, ctx, &o, err);
    if (!rc)
        rc = sl__file_source_create(ctx, &o, st, err);
    sl_options_free(file_options, &o);
    return rc;
}

const struct sl_source_ops sl_source_file = {
    .name = "file",
    .summary = "files matched by a glob, followed as they grow (tail), "
               "renames kept, new files picked up",
    .options = file_options,
    .resumable = true,
    .open = fsrc_open,
    .identity = fsrc_identity,
    .seek = fsrc_seek,
    .poll = fsrc_poll,
    .positions = fsrc_positions,
    .commit = NULL,
    .close = fsrc_close,
};
