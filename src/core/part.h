/*
 * part.h - the interfaces of the parts a job is made of (DESIGN.md §4).
 *
 * source -> (decompress) -> decoder -> batch -> transforms -> sink
 *
 * Each kind of part is a const table of function pointers registered by name
 * in registry.c, so a new source, format or sink is one new file plus one
 * line there. A part owns what it allocates. Functions that can fail return
 * 0 or a negative SL_E* code and fill the optional struct sl_error.
 * All part functions are called from the engine thread unless said.
 */
#ifndef SL_PART_H
#define SL_PART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "options.h"
#include "schema.h"

/* ---- positions: opaque strings per partition, compared only by sources */

struct sl_position {
    char *id;  /* partition identity, stable across restarts and renames */
    char *pos; /* opaque position: file byte offset, Kafka offset, ... */
};

struct sl_positions {
    size_t n;
    struct sl_position *v;
};

/* Set (insert or replace) the position of partition id. */
int sl_positions_set(struct sl_positions *ps, const char *id, const char *pos);
/* Position of id, or NULL. */
const char *sl_positions_get(const struct sl_positions *ps, const char *id);
int sl_positions_copy(struct sl_positions *dst, const struct sl_positions *src);
void sl_positions_free(struct sl_positions *ps);

/* ---- source ---- */

struct sl_raw_record {
    const uint8_t *data;
    size_t len;
    const uint8_t *key; /* message key (Kafka), NULL otherwise */
    size_t key_len;
    int64_t timestamp_ms; /* source timestamp, or -1 */
    int64_t pos;          /* position of the record in its partition */
    const char *pos_str;  /* set when positions are not numbers (Kinesis) */
    uint32_t flags;       /* SL_REC_* */
};

/* The record was longer than max_record_bytes: data holds its first
 * max_record_bytes bytes; the engine dead-letters it with that reason. */
#define SL_REC_TRUNCATED 1u

/* Records of ONE partition in source order. Memory owned by the source and
 * valid until the next poll, seek or close. */
struct sl_raw_chunk {
    const char *partition; /* partition id (as in sl_position.id) */
    const char *label;     /* short human name: file path, "topic/3" */
    size_t n;
    struct sl_raw_record *recs;
};

/* Record framing for byte-stream sources (files, stdin): find the end of
 * the first record in p[0..n). Return the record length without its
 * terminator and set *consumed to the bytes to skip (record + terminator);
 * return -1 when more bytes are needed (at_eof: the stream has ended and
 * the remaining bytes are the last record). NULL framing means lines
 * ('\n', with a '\r' before it dropped). */
typedef long (*sl_frame_fn)(void *frame_state, const uint8_t *p, size_t n,
                            bool at_eof, size_t *consumed);

struct sl_source_ctx {
    const char *job_name;
    const struct sl_conf *conf; /* the job's `source:` map */
    const char *starting_position; /* "earliest" | "latest" */
    size_t max_record_bytes;       /* a longer record is cut and reported */
    sl_frame_fn frame;             /* NULL = lines */
    void *frame_state;
};

struct sl_source_ops {
    const char *name;
    const char *summary;
    const struct sl_option *options; /* keys of this source type */
    bool resumable;                  /* false for stdin */
    int (*open)(const struct sl_source_ctx *ctx, void **st,
                struct sl_error *err);
    /* A string naming what is read ("file:/abs/data/in/x.json"); stored in
     * the checkpoint metadata so a checkpoint of another source is refused. */
    int (*identity)(void *st, struct sl_buf *out);
    /* Position the reader. Partitions listed in `start` continue from their
     * position; others start at the starting position, or at their
     * beginning when `resume` (they are new since the last run). With `end`
     * set the reading is a replay: each partition listed in `end` is read
     * exactly up to its end position and nothing else is read; poll then
     * returns SL_EEOF once every end is reached. */
    int (*seek)(void *st, const struct sl_positions *start,
                const struct sl_positions *end, bool resume,
                struct sl_error *err);
    /* Next records of one partition: at most max_records and about
     * max_bytes. Returns 0 with chunk->n > 0; SL_EAGAIN when nothing came
     * within timeout_ms; SL_EEOF when the source or replay range ended. */
    int (*poll)(void *st, struct sl_raw_chunk *chunk, size_t max_records,
                size_t max_bytes, int timeout_ms, struct sl_error *err);
    /* Position just after everything poll returned, for every partition
     * known (out is filled; the caller frees it). */
    int (*positions)(void *st, struct sl_positions *out, struct sl_error *err);
    /* Optional: report committed positions to the broker. */
    int (*commit)(void *st, const struct sl_positions *end,
                  struct sl_error *err);
    void (*close)(void *st);
};

/* ---- decoder (input format) ---- */

struct sl_decoder_ctx {
    const struct sl_conf *conf;   /* the job's `source:` map */
    const struct sl_field *schema; /* declared schema, NULL = detect */
    size_t max_depth;              /* nesting limit */
};

struct sl_decoder_ops {
    const char *name;
    const char *summary;
    const struct sl_option *options; /* format keys in `source:` */
    int (*create)(const struct sl_decoder_ctx *ctx, void **st,
                  struct sl_error *err);
    /* Optional framing for byte streams (CSV quoted newlines). */
    sl_frame_fn frame;
    /* Append the rows of one record (a JSON top-level array gives one row
     * per element) to b. A bad record returns < 0 with err->msg saying what
     * and where (field path) and err->offset the byte offset; b is then left
     * exactly as it was (the decoder rolls back). */
    int (*decode)(void *st, const uint8_t *p, size_t n, struct sl_batch *b,
                  struct sl_error *err);
    void (*destroy)(void *st);
    /* Optional: called just before decode() with the partition and
     * position (sl_raw_record.pos) of the record about to be decoded; for
     * byte-stream sources the position is its byte offset, so 0 is the
     * first record of a file. Formats whose rows depend on an earlier
     * record of the same partition use it (the CSV header line). */
    void (*locate)(void *st, const char *partition, int64_t pos);
};

/* ---- encoder (output format) ---- */

struct sl_encoder_ops {
    const char *name;      /* "json", "csv" */
    const char *extension; /* file suffix without dot */
    const struct sl_option *options; /* format keys in `sink:` */
    int (*create)(const struct sl_conf *sink_conf, void **st,
                  struct sl_error *err);
    /* Start one output file whose rows have `schema` (SL_STRUCT). */
    int (*begin)(void *st, const struct sl_field *schema, struct sl_buf *out,
                 struct sl_error *err);
    /* Encode rows sel[0..n) of b, or rows 0..n when sel is NULL; append to
     * out (the sink moves out's bytes to the file as it grows). */
    int (*write)(void *st, const struct sl_batch *b, const uint32_t *sel,
                 size_t n, struct sl_buf *out, struct sl_error *err);
    /* End the file (footer); the encoder is ready for the next begin. */
    int (*finish)(void *st, struct sl_buf *out, struct sl_error *err);
    void (*destroy)(void *st);
    /* Optional (NULL when the format has no place for it): set a key-value
     * pair that files finished after this call carry in their metadata;
     * sinks pass "sluice.job" (job name) and "sluice.batch_id" before
     * begin. Setting a key again replaces its value. Returns 0 or SL_E*. */
    int (*meta)(void *st, const char *key, const char *value);
};

/* ---- sink ---- */

struct sl_batch_info {
    int64_t batch_id;
    int64_t window_start_ms; /* recorded in offsets/N: ingest_* columns */
    int64_t window_end_ms;
    bool replay;             /* replaying a recorded, uncommitted batch */
};

struct sl_sink_ctx {
    const char *job_name;
    const struct sl_conf *conf;  /* the `sink:` (or `dead_letter:`) map */
    const char *checkpoint_id;   /* goes into every output name */
    const char *default_format;  /* when conf has no `format` */
};

struct sl_sink_ops {
    const char *name;
    const char *summary;
    const struct sl_option *options;
    bool exactly_once;
    int (*open)(const struct sl_sink_ctx *ctx, void **st,
                struct sl_error *err);
    int (*begin)(void *st, const struct sl_batch_info *bi,
                 struct sl_error *err);
    /* Rows of one source partition, in source order. Nothing becomes
     * visible before commit. Output names depend only on (checkpoint id,
     * batch id, partition, part number); a new part starts only because of
     * the data (size, schema change), never the clock. */
    int (*write)(void *st, const struct sl_batch_info *bi,
                 const char *partition, const struct sl_batch *b,
                 struct sl_error *err);
    /* Make batch bi visible. Appends a JSON object (what was written) to
     * receipt for commits/N. Called again for a replayed batch: same names,
     * same bytes. */
    int (*commit)(void *st, const struct sl_batch_info *bi,
                  struct sl_buf *receipt, struct sl_error *err);
    /* Drop what was written for bi and not committed (clean stop). */
    void (*abort)(void *st, const struct sl_batch_info *bi);
    /* Optional: the last batch id the sink itself stored (JDBC). */
    int (*committed)(void *st, int64_t *last_batch, struct sl_error *err);
    void (*close)(void *st);
};

/* ---- transform ---- */

struct sl_transform_ops {
    const char *name;
    const char *summary;
    int (*create)(const struct sl_conf *c, void **st, struct sl_error *err);
    /* Transform `in` into *out (may be `in` itself when done in place). */
    int (*apply)(void *st, struct sl_batch *in, struct sl_batch **out,
                 struct sl_error *err);
    /* Stateful transforms: state after a batch, and back. */
    int (*snapshot)(void *st, struct sl_buf *out, struct sl_error *err);
    int (*restore)(void *st, const uint8_t *p, size_t n,
                   struct sl_error *err);
    void (*destroy)(void *st);
};

/* ---- registry (registry.c) ---- */

const struct sl_source_ops *sl_source_find(const char *name);
const struct sl_decoder_ops *sl_decoder_find(const char *name);
const struct sl_encoder_ops *sl_encoder_find(const char *name);
const struct sl_sink_ops *sl_sink_find(const char *name);
const struct sl_transform_ops *sl_transform_find(const char *name);
/* NULL-terminated lists, for --help and docs. */
extern const struct sl_source_ops *const sl_sources[];
extern const struct sl_decoder_ops *const sl_decoders[];
extern const struct sl_encoder_ops *const sl_encoders[];
extern const struct sl_sink_ops *const sl_sinks[];
extern const struct sl_transform_ops *const sl_transforms[];

#endif
