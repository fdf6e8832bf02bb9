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
 * Exception: with the job's delivery_thread on, while a batch runs,
 * transforms' apply and sinks' write (main and dead-letter) are called
 * from the engine's delivery thread (engine.c, stage.h); calls to one part
 * never overlap and keep their order, and begin/commit/abort come from the
 * engine thread once the delivery thread is idle.
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
    const char *error;    /* with SL_REC_ERROR: why (else unset) */

    const struct sl_raw_extra *extra; /* with SL_REC_EXTRA */
    size_t n_extra;
};

/* The record was longer than max_record_bytes: data holds its first
 * max_record_bytes bytes; the engine dead-letters it with that reason. */
#define SL_REC_TRUNCATED 1u
/* The source cannot read the rest of the partition (a corrupt, truncated
 * or over-limit compressed file): `error` says why (codec, compressed byte
 * offset), data holds what was read of the record in progress. The engine
 * dead-letters it; nothing of the partition follows it. */
#define SL_REC_ERROR 2u

/* rec->extra[0..n_extra) is set (sources that never set this flag need
 * not initialise those fields). */
#define SL_REC_EXTRA 4u

/* A column value a source attaches to a record (Kafka key, topic, headers,
 * ...). The engine appends it to every row decoded from the record, adding
 * the column (nullable) when the batch does not have it yet. */
struct sl_raw_pair {
    const uint8_t *k, *v; /* v NULL: null value */
    size_t kn, vn;
};

struct sl_raw_extra {
    const char *name;
    enum sl_type type; /* SL_STRING, SL_INT, SL_BIGINT, SL_TIMESTAMP, or
                          SL_MAP (map<string,string> from pairs) */
    bool null;
    int64_t i64;      /* SL_INT, SL_BIGINT, SL_TIMESTAMP */
    const uint8_t *p; /* SL_STRING (valid UTF-8) */
    size_t len;
    const struct sl_raw_pair *pairs; /* SL_MAP */
    size_t n_pairs;
};

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
    const struct sl_conf *conf;    /* the job's `source:` map */
    const char *starting_position; /* "earliest" | "latest" */
    size_t max_record_bytes;       /* a longer record is cut and reported */
    sl_frame_fn frame;             /* NULL = lines */
    void *frame_state;
    const struct sl_conf *connections; /* the job's `connections:`, or NULL */
    /* scale-out: this worker's id and the job's checkpoint location (the
     * workers' checkpoints are <checkpoint_root>/workers/<id>); NULL for a
     * job run as one process */
    const char *worker_id, *checkpoint_root;
};

struct sl_source_ops {
    const char *name;
    const char *summary;
    const struct sl_option *options; /* keys of this source type */
    bool resumable;                  /* false for stdin */
    /* Each record is a message compressed on its own (Kafka, Kinesis):
     * the engine applies source.compression to every record before
     * decoding (byte-stream sources decompress whole files themselves). */
    bool per_message_compression;
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
     * within timeout_ms; SL_EEOF when the source or replay range ended;
     * SL_ELIMIT when the source's own per-batch bound is used up (the
     * engine closes the window; the bound restarts at commit or seek). */
    int (*poll)(void *st, struct sl_raw_chunk *chunk, size_t max_records,
                size_t max_bytes, int timeout_ms, struct sl_error *err);
    /* Position just after everything poll returned, for every partition
     * known (out is filled; the caller frees it). */
    int (*positions)(void *st, struct sl_positions *out, struct sl_error *err);
    /* Optional: report committed positions to the broker. */
    int (*commit)(void *st, const struct sl_positions *end,
                  struct sl_error *err);
    void (*close)(void *st);
    /* Optional (scale-out over worker checkpoints, Kafka): batches of
     * other workers, "<worker_id>/<batch>", that are not committed and
     * that this worker must replay on their behalf before it reads on.
     * poll returns SL_ELIMIT while any are pending; the engine then calls
     * this (out is filled, the caller frees it; the source forgets them),
     * replays each batch into that worker's checkpoint and polls again. */
    int (*orphans)(void *st, struct sl_strlist *out, struct sl_error *err);
};

/* ---- decoder (input format) ---- */

struct sl_decoder_ctx {
    const struct sl_conf *conf;    /* the job's `source:` map */
    const struct sl_field *schema; /* declared schema, NULL = detect */
    size_t max_depth;              /* nesting limit */
    /* The job's checkpoint location (a local folder or s3://...), where
     * a decoder may keep what a restart needs (Avro container headers);
     * NULL when the decoder does not run a job (validate, sampling). */
    const char *checkpoint;
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
    /* A text format (JSON lines, CSV): the file sink may compress its
     * output with sink.compression. Binary formats (Parquet, Avro) own
     * their compression. */
    bool text;
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
    bool replay; /* replaying a recorded, uncommitted batch */
};

struct sl_sink_ctx {
    const char *job_name;
    const struct sl_conf *conf;        /* the `sink:` (or `dead_letter:`) map */
    const char *checkpoint_id;         /* goes into every output name */
    const char *default_format;        /* when conf has no `format` */
    const struct sl_conf *connections; /* the job's `connections:`, or NULL */
    /* Set for the job's sink, NULL for the dead-letter output: a record
     * the sink cannot deliver (a Kafka message too large, a delivery
     * report error) goes to the dead-letter output through reject(),
     * called from write() or commit() of batch batch_id before commit
     * returns; the batch then commits without it. `partition`: the source
     * partition of the row; `where`: what refused it ("kafka topic t");
     * p[0..n): the bytes the sink tried to deliver; `why`: the reason. */
    int (*reject)(void *reject_ctx, int64_t batch_id, const char *partition,
                  const char *where, const uint8_t *p, size_t n,
                  const char *why, struct sl_error *err);
    void *reject_ctx;
};

struct sl_sink_ops {
    const char *name;
    const char *summary;
    const struct sl_option *options;
    bool exactly_once;
    int (*open)(const struct sl_sink_ctx *ctx, void **st, struct sl_error *err);
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

/* What the engine gives each transform (prepare). Owned by the engine,
 * valid until the transform is destroyed; `partition` and `bi` change
 * before every apply. */
struct sl_transform_env {
    /* Input schema when the job declares one (after the transforms
     * before this one), NULL under schema detection. */
    const struct sl_field *schema;
    /* The partition of the chunk being applied, and its batch. State of
     * stateful transforms is kept per partition so that a partition's
     * output depends only on its own records (replay determinism). */
    const char *partition;
    const struct sl_batch_info *bi;
    /* Send row `row` of b to the dead-letter output with reason `why`
     * (the row is rendered as JSON in the `record` column). */
    int (*dead_letter)(void *ctx, const struct sl_batch *b, size_t row,
                       const char *why, struct sl_error *err);
    void *ctx;
    /* Rows this transform changed to null because a value did not cast
     * (counted by the transforms, reported by the engine). */
    int64_t cast_failures;
};

struct sl_transform_ops {
    const char *name;
    const char *summary;
    /* c: the item's value in `transforms:` (the transform's config). */
    int (*create)(const struct sl_conf *c, void **st, struct sl_error *err);
    /* Transform `in` into *out (may be `in` itself when done in place). */
    int (*apply)(void *st, struct sl_batch *in, struct sl_batch **out,
                 struct sl_error *err);
    /* Stateful transforms: state after a batch, and back. */
    int (*snapshot)(void *st, struct sl_buf *out, struct sl_error *err);
    int (*restore)(void *st, const uint8_t *p, size_t n, struct sl_error *err);
    void (*destroy)(void *st);
    /* Optional, called once after create, before any apply: keep env;
     * with env->schema set, check the config against it (errors name the
     * job file line) and fill *out with the output schema (SL_STRUCT);
     * with env->schema NULL leave *out zeroed. A transform that cannot run
     * under schema detection refuses here, saying why. */
    int (*prepare)(void *st, struct sl_transform_env *env, struct sl_field *out,
                   struct sl_error *err);
    /* Option table of the config map (docs and --help), may be NULL. */
    const struct sl_option *options;
    /* Shape of the config when it is not a map: "expression", "list",
     * "path" (for docs). */
    const char *takes;
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
