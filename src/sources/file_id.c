/*
 * file_id.c - identity of the file source's partitions (see file.c's head
 * comment): ids "<dev>:<ino>:<fplen>:<fphash>" from a fingerprint of the
 * first bytes, matching checkpointed ids against present files, and the
 * position text of a file ("D", or "D:codec:C:B" inside a compressed one).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_int.h"
#include "log.h"

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Hash of the first fplen bytes of f (via its fd, or its path). */
int sl__file_fp_hash(struct ffile *f, size_t fplen, uint64_t *h)
{
    uint8_t b[FP_MAX];
    int fd = f->fd;
    if (fd < 0) {
        fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return SL_EIO;
        struct stat sb;
        if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_dev != f->dev ||
            (uint64_t)sb.st_ino != f->ino) {
            close(fd);
            return SL_EIO;
        }
    }
    ssize_t got = pread(fd, b, fplen, 0);
    if (fd != f->fd)
        close(fd);
    if (got != (ssize_t)fplen)
        return SL_EIO;
    *h = fnv1a(b, fplen);
    return 0;
}

bool sl__file_parse_id(const char *s, struct fid *id)
{
    unsigned long long dev, ino, hash;
    size_t fplen;
    int used = -1;
    if (sscanf(s, "%llu:%llu:%zu:%16llx%n", &dev, &ino, &fplen, &hash, &used) !=
            4 ||
        used < 0 || s[used] != '\0' || fplen == 0 || fplen > FP_MAX)
        return false;
    id->dev = dev;
    id->ino = ino;
    id->fplen = fplen;
    id->hash = hash;
    return true;
}

/* Does checkpointed id s name file f as it is now? */
static bool id_matches(struct ffile *f, const char *s)
{
    struct fid id;
    uint64_t h;
    if (!sl__file_parse_id(s, &id) || id.dev != f->dev || id.ino != f->ino ||
        (int64_t)id.fplen > f->size)
        return false;
    return sl__file_fp_hash(f, id.fplen, &h) == 0 && h == id.hash;
}

static bool id_in_use(const struct fsrc *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->files[i]->id && strcmp(s->files[i]->id, id) == 0)
            return true;
    return sl_positions_get(&s->gone, id) != NULL;
}

/* Give f (with bytes) a new id; a shorter fingerprint keeps it distinct
 * from an id still in use (a rewritten file that starts the same way). */
int sl__file_new_id(struct fsrc *s, struct ffile *f)
{
    char buf[96];
    size_t fplen = f->size < FP_MAX ? (size_t)f->size : FP_MAX;
    for (; fplen > 0; fplen--) {
        uint64_t h;
        if (sl__file_fp_hash(f, fplen, &h) != 0)
            return SL_EIO;
        snprintf(buf, sizeof buf, "%" PRIu64 ":%" PRIu64 ":%zu:%016" PRIx64,
                 f->dev, f->ino, fplen, h);
        if (!id_in_use(s, buf))
            break;
    }
    if (fplen == 0)
        return SL_EAGAIN; /* wait for more bytes to tell it apart */
    f->id = strdup(buf);
    return f->id ? 0 : SL_ENOMEM;
}

void sl__file_positions_del(struct sl_positions *ps, size_t i)
{
    free(ps->v[i].id);
    free(ps->v[i].pos);
    memmove(&ps->v[i], &ps->v[i + 1], (ps->n - i - 1) * sizeof ps->v[0]);
    ps->n--;
}

static int set_pos(struct sl_positions *ps, const char *id, int64_t pos)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRId64, pos);
    return sl_positions_set(ps, id, b);
}

/* f's position: "D", or "D:codec:C:B" inside a compressed file. */
int sl__file_set_fpos(struct sl_positions *ps, const struct ffile *f)
{
    if (!compressed(f))
        return set_pos(ps, f->id, f->pos);
    struct sl_dstream_mark m = f->mark;
    if (f->ds && sl_dstream_mark_before(f->ds, (uint64_t)f->pos, &m) != 0)
        m = f->mark;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    int rc = sl_dstream_pos_format(&b, f->codec, (uint64_t)f->pos, &m);
    if (!rc)
        rc = sl_buf_cstr(&b);
    if (!rc)
        rc = sl_positions_set(ps, f->id, (const char *)b.data);
    sl_buf_free(&b);
    return rc;
}

/* The decompressed offset D of a position string, or -1. */
static int64_t pos_offset(const char *s)
{
    enum sl_codec c;
    uint64_t d;
    struct sl_dstream_mark m;
    if (!s || sl_dstream_pos_parse(s, &c, &d, &m, NULL) != 0 ||
        d > (uint64_t)INT64_MAX)
        return -1;
    return (int64_t)d;
}

/* Index in ps of an id that names f as it is now, or -1. */
static long find_match(struct ffile *f, const struct sl_positions *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        if (id_matches(f, ps->v[i].id))
            return (long)i;
    return -1;
}

/* Give f an id: a checkpointed one (pending) or the one it had before it
 * left the glob (gone) when it still matches, else a new one. Returns
 * SL_EAGAIN while f has no bytes. */
int sl__file_assign_id(struct fsrc *s, struct ffile *f)
{
    if (f->id)
        return 0;
    if (f->size <= 0)
        return SL_EAGAIN;
    struct sl_positions *ps = &s->pending;
    long i = find_match(f, ps);
    if (i < 0) {
        ps = &s->gone;
        i = find_match(f, ps);
    }
    if (i < 0)
        return sl__file_new_id(s, f);
    struct sl_position *p = &ps->v[i];
    enum sl_codec pc = SL_CODEC_NONE;
    uint64_t d = 0;
    struct sl_dstream_mark m = {0, 0};
    struct sl_error perr;
    sl_error_clear(&perr);
    if (sl_dstream_pos_parse(p->pos, &pc, &d, &m, &perr) != 0 ||
        d > (uint64_t)INT64_MAX) {
        sl_warn("file source: bad position '%s' for %s (%s): %s; reading it "
                "from the start",
                p->pos, f->path, p->id, perr.msg);
        pc = SL_CODEC_NONE;
        d = 0;
        m.in_off = m.out_off = 0;
    }
    int64_t pos = (int64_t)d;
    /* compared with the file size: the mark's offset when compressed */
    int64_t floor = pc != SL_CODEC_NONE ? (int64_t)m.in_off : pos;
    const char *end = sl_positions_get(&s->ends, p->id);
    if (end)
        f->end = pos_offset(end);
    if (floor > f->size) {
        sl_warn("file source: %s is shorter (%" PRId64 " bytes) than its "
                "last position %" PRId64 ": it was truncated or replaced; "
                "reading it from the start as a new partition",
                f->path, f->size, pos);
        sl__file_positions_del(ps, (size_t)i);
        f->end = -1;
        f->pos = 0;
        return sl__file_new_id(s, f);
    }
    f->id = p->id;
    p->id = NULL;
    sl__file_positions_del(ps, (size_t)i);
    f->pos = pos;
    f->latest = false;
    if (pc != SL_CODEC_NONE) {
        f->codec = pc;
        f->mark = m;
    } else if (pos > 0 && s->codec == SL_CODEC_AUTO) {
        f->codec = SL_CODEC_NONE; /* was read as a plain file */
    }
    return 0;
}
