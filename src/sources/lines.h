/*
 * lines.h - record framing over a byte stream, shared by the file and stdin
 * sources (DESIGN.md §1: source -> raw records).
 *
 * A struct sl_lines is one read buffer over one byte stream. Bytes are read
 * in large blocks (1 MiB) straight into the buffer and cut into records
 * with memchr (lines) or the decoder's frame function; records point into
 * the buffer, no per-record copy. The buffer moves (compaction, growth)
 * only when no record of the current chunk points into it, so the records
 * handed out stay valid until the next call that starts a new chunk.
 *
 * Lines: '\n' ends a record and a '\r' just before it is dropped. An empty
 * record is skipped (no record) but the position moves past it. A record
 * longer than max_rec is returned once, cut to max_rec bytes, with
 * SL_REC_TRUNCATED; its rest (up to the next '\n', also with custom framing
 * which cannot find the end of a record it cannot hold) is dropped while
 * reading, so memory stays bounded by max_rec + one read block. The record
 * is returned only when its end has been seen, so positions always fall on
 * record boundaries.
 *
 * Threads: one struct sl_lines is used by one thread.
 */
#ifndef SL_LINES_H
#define SL_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "part.h"

#define SL_LINES_DEFAULT_MAX_REC (16u << 20) /* when max_record_bytes = 0 */
#define SL_LINES_READ_SIZE (1u << 20)
#define SL_LINES_CHUNK_MAX 65536 /* records per chunk, whatever is asked */

/* Where a stream's bytes come from when they are not read from a file
 * descriptor (a compressed file: its decompressor). Fill dst[0..cap) and
 * return the byte count; 0 at the final end of the stream; SL_EAGAIN when
 * nothing more comes now (SL_LINES_AGAIN: the tail waits, whatever
 * final_eof says); another
 * negative code with err filled on failure. */
typedef long (*sl_lines_reader_fn)(void *reader_state, uint8_t *dst, size_t cap,
                                   struct sl_error *err);

struct sl_lines {
    uint8_t *buf;
    size_t cap;        /* allocated bytes */
    size_t cap_max;    /* max_rec + read_size + slack: the hard cap */
    size_t read_size;  /* normal size of buf, one read block */
    size_t start, end; /* unconsumed bytes are buf[start..end) */
    size_t scan;       /* lines: no '\n' in buf[start..scan) */
    size_t max_rec;
    int64_t off;      /* stream offset of buf[start] */
    int64_t read_off; /* stream offset of buf[end]: the next byte to read */
    bool skipping;    /* dropping the rest of an over-long record */
    sl_frame_fn frame;
    void *frame_state;
    sl_lines_reader_fn reader; /* NULL: read the fd */
    void *reader_state;
};

/* Records of one chunk, built by sl_lines_read. `v` grows to `max` at most
 * (max_records of the poll); bytes counts record lengths. */
struct sl_recvec {
    struct sl_raw_record *v;
    size_t n, cap, max;
    size_t bytes, max_bytes; /* max_bytes 0 = no byte bound */
};

/* Why sl_lines_read stopped. */
enum sl_lines_stop {
    SL_LINES_FULL,   /* the chunk reached max records or max bytes */
    SL_LINES_NOROOM, /* the buffer is full and records of this chunk point
                        into it: call again after handing the chunk out */
    SL_LINES_EOF,    /* read returned 0 (for a final stream: all returned) */
    SL_LINES_LIMIT,  /* reached `limit` (replay end) */
    SL_LINES_AGAIN,  /* non-positional fd (or the reader) had nothing to
                        read now */
};

/* max_rec 0 means SL_LINES_DEFAULT_MAX_REC; frame NULL means lines. */
void sl_lines_init(struct sl_lines *l, size_t max_rec, sl_frame_fn frame,
                   void *frame_state);
void sl_lines_free(struct sl_lines *l);
/* Forget buffered bytes; the next byte read is at stream offset off. */
void sl_lines_reset(struct sl_lines *l, int64_t off);

/* Next record from the buffered bytes: 1 and *rec filled (pointing into
 * the buffer; rec->pos is its stream offset), or 0 when more bytes are
 * needed. at_eof: the stream has ended, the remaining bytes are the last
 * record. After each call l->off is the position after what was consumed. */
int sl_lines_next(struct sl_lines *l, bool at_eof, struct sl_raw_record *rec);

struct sl_dstream;

/* For a reader of compressed bytes: pull decompressed bytes of ds into
 * dst[0..cap). Returns the byte count (> 0); 0 at the end of the stream;
 * SL_EAGAIN when ds needs more input; SL_ECORRUPT when ds failed (corrupt,
 * truncated, over a limit: *why is set, once, to "<what>: <message>", the
 * reason of the error record); SL_ENOMEM with err filled. */
long sl_lines_pull(struct sl_dstream *ds, uint8_t *dst, size_t cap,
                   const char *what, char **why, struct sl_error *err);

/* The last record of a stream that cannot go on (a decompression error):
 * what is buffered of the record in progress (at most max_rec bytes) at
 * stream offset l->off, with SL_REC_ERROR and `why` (borrowed: it must
 * live until the record is used). l->off then moves one past the last
 * byte read, a position no read can reach again. */
void sl_lines_error_record(struct sl_lines *l, const char *why,
                           struct sl_raw_record *rec);

/* Read from fd (or l->reader when set, fd unused) and append records to
 * out until one of enum sl_lines_stop (in *stop). positional: pread at
 * l->read_off (files); otherwise read()
 * after checking with poll(2) that fd is readable (pipes, ttys). Never
 * reads at or past stream offset `limit`. final_eof: a 0-byte read means
 * the stream has ended, so the unterminated tail is returned as the last
 * record. Returns 0, or SL_EIO / SL_ENOMEM / SL_ELIMIT with err filled
 * (`what` names the stream in the message). */
int sl_lines_read(struct sl_lines *l, int fd, bool positional, int64_t limit,
                  bool final_eof, struct sl_recvec *out, int *stop,
                  const char *what, struct sl_error *err);

/* Start a new chunk: n = bytes = 0, max records (at most
 * SL_LINES_CHUNK_MAX) and max bytes set, v grown to hold max records. */
int sl_recvec_begin(struct sl_recvec *rv, size_t max, size_t max_bytes);
void sl_recvec_free(struct sl_recvec *rv);

#endif
