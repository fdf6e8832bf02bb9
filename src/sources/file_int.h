/*
 * file_int.h - the file source's state, shared by file.c (discovery and
 * reading) and file_id.c (file identity: fingerprint ids, positions).
 * Internal to src/sources (sl__file_ prefix). Engine thread only.
 */
#ifndef SL_FILE_INT_H
#define SL_FILE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "compress/compress.h"
#include "lines.h"
#include "sources.h"

#define FP_MAX 1024
#define SL_FILE_GONE_KEEP 1024
#define SL_FILE_MAX_TRACKED 100000
#define ZREAD_SIZE (64u << 10) /* compressed bytes per pread */

struct fsrc;

struct ffile {
    char *path; /* latest path the glob matched; the chunk label */
    char *id;   /* NULL until the file has bytes */
    uint64_t dev, ino;
    uint64_t serial; /* changes when the reading restarts (buffer owner) */
    int fd;          /* -1 when closed */
    int64_t pos;     /* after the last record returned */
    int64_t size;    /* last size seen */
    int64_t wait;    /* read to here without a full record; -1 = unknown */
    int64_t end;     /* replay end, -1 = not read in this replay */
    int64_t used;    /* LRU tick of the last read */
    uint64_t seen;   /* scan generation that last matched it */
    bool gone;       /* the glob no longer matches it */
    bool finished;   /* drop at the next poll (its id is in the chunk) */
    bool latest;     /* starting_position latest: skip what is there */
    /* compressed files (codec not NONE); SL_CODEC_AUTO: not decided */
    enum sl_codec codec;
    struct sl_dstream_mark mark; /* from the checkpointed position */
    struct sl_dstream *ds;       /* decoder, reading at cpos */
    struct sl_lines *zl;         /* own read buffer of decompressed bytes */
    struct fsrc *src;
    int64_t cpos;    /* next compressed byte to read */
    int64_t skip_to; /* decompressed offset the decoder resumed at */
    char *derr;      /* decompression error, the last record */
    bool finishing;  /* sl_dstream_finish was called */
    bool dead;       /* the error record was returned: nothing follows */
};

struct fsrc {
    char *pattern;  /* glob as configured */
    char *identity; /* "file:<absolute glob>" */
    int64_t scan_ms;
    size_t max_open;
    bool latest;
    bool replay;
    struct ffile **files;
    size_t n, cap;
    size_t rr;    /* round-robin cursor */
    size_t nopen; /* open descriptors */
    uint64_t serials, gen;
    int64_t tick;
    int64_t last_scan_ms;
    bool tracked_full_warned;
    struct sl_positions pending; /* start/end ids not matched yet */
    struct sl_positions ends;    /* replay ends by id */
    struct sl_positions gone;    /* last positions of dropped files */
    struct sl_lines lines;
    uint64_t owner; /* serial of the file whose bytes are in `lines` */
    struct sl_recvec rv;
    enum sl_codec codec; /* source.compression */
    struct sl_decompress_limits lim;
    size_t max_rec;
    sl_frame_fn frame;
    void *frame_state;
    uint8_t *zbuf; /* ZREAD_SIZE bytes, compressed reads */
};

struct fid {
    uint64_t dev, ino, hash;
    size_t fplen;
};

static inline bool compressed(const struct ffile *f)
{
    return f->codec != SL_CODEC_NONE && f->codec != SL_CODEC_AUTO;
}

/* Compressed bytes of f known to exist: a file now shorter was cut. */
static inline int64_t read_floor(const struct ffile *f)
{
    if (!compressed(f))
        return f->pos;
    return f->ds ? f->cpos : (int64_t)f->mark.in_off;
}

/* Hash of the first fplen bytes of f (via its fd, or its path). */
int sl__file_fp_hash(struct ffile *f, size_t fplen, uint64_t *h);
bool sl__file_parse_id(const char *s, struct fid *id);
/* Give f (with bytes) a new id; a shorter fingerprint keeps it distinct
 * from an id still in use (a rewritten file that starts the same way). */
int sl__file_new_id(struct fsrc *s, struct ffile *f);
void sl__file_positions_del(struct sl_positions *ps, size_t i);
/* f's position: "D", or "D:codec:C:B" inside a compressed file. */
int sl__file_set_fpos(struct sl_positions *ps, const struct ffile *f);
/* Give f an id: a checkpointed one (pending) or the one it had before it
 * left the glob (gone) when it still matches, else a new one. Returns
 * SL_EAGAIN while f has no bytes. */
int sl__file_assign_id(struct fsrc *s, struct ffile *f);

#endif
