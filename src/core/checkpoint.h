/*
 * checkpoint.h - the checkpoint location: metadata, offsets/N, commits/N,
 * state/N (DESIGN.md §2).
 *
 * The store below it is a tiny blob interface (put/get/list/delete) so the
 * same protocol runs on a local folder now and on s3:// later. Local puts
 * are atomic: temp file, fsync, rename, fsync of the folder.
 *
 * Files are JSON:
 *   metadata   {"job":..., "id":..., "source":..., "created_ms":...,
 *               "version":1}
 *   offsets/N  {"batch":N, "window_start_ms":..., "window_end_ms":...,
 *               "schema":"struct<...>", "schema_version":V,
 *               "partitions":[{"id":..., "start":..., "end":...}, ...]}
 *   commits/N  {"batch":N, "records_in":..., "records_out":...,
 *               "dead_lettered":..., "bytes_in":..., "duration_ms":...,
 *               "schema":"struct<...>", "schema_version":V, "sink":{...}}
 */
#ifndef SL_CHECKPOINT_H
#define SL_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "options.h"
#include "part.h"

/* ---- blob store ---- */

struct sl_store;
struct sl_store_ops {
    const char *scheme; /* "file", "s3" */
    int (*put)(struct sl_store *s, const char *key, const void *p, size_t n,
               struct sl_error *err);
    /* Replace out's content with the blob; SL_ENOTFOUND when missing,
     * SL_ELIMIT past out->max. */
    int (*get)(struct sl_store *s, const char *key, struct sl_buf *out,
               struct sl_error *err);
    /* Keys directly under prefix ("offsets/") without the prefix. */
    int (*list)(struct sl_store *s, const char *prefix, struct sl_strlist *out,
                struct sl_error *err);
    /* Missing key is success. Locally a key that is a folder whose blobs
     * were deleted (state/N) is removed too; on S3 there is nothing to do. */
    int (*del)(struct sl_store *s, const char *key, struct sl_error *err);
    /* Remove every key, `metadata` last, then the location itself. */
    int (*destroy)(struct sl_store *s, struct sl_error *err);
    void (*close)(struct sl_store *s);
    /* Optional: take the store's writer lock until close; SL_ECONFLICT
     * when another process holds it. NULL when the store cannot lock. */
    int (*lock)(struct sl_store *s, struct sl_error *err);
};
struct sl_store {
    const struct sl_store_ops *ops;
    char *location;
};
/* Open a store for a location: a local folder (or file://folder; created
 * by the first put) or s3://bucket/prefix. Keys are '/'-separated names whose
 * parts do not start with '.'. */
int sl_store_open(const char *location, struct sl_store **out,
                  struct sl_error *err);
void sl_store_close(struct sl_store *s);
/* The local folder store (store_local.c); sl_store_open dispatches to it. */
int sl_store_local_open(const char *location, const char *path,
                        struct sl_store **out, struct sl_error *err);
/* The S3 store (store_s3.c) for s3://bucket/prefix; AWS settings from the
 * environment and shared files (docs/aws.md). */
int sl_store_s3_open(const char *location, struct sl_store **out,
                     struct sl_error *err);

/* ---- checkpoint ---- */

struct sl_range {
    char *id;
    char *start; /* NULL when the partition starts at the starting position */
    char *end;
};

struct sl_offsets {
    int64_t batch;
    int64_t window_start_ms, window_end_ms;
    char *schema; /* Hive spelling of the schema in force, or NULL */
    int64_t schema_version;
    size_t n;
    struct sl_range *ranges;
};

struct sl_commit_info {
    int64_t batch;
    int64_t records_in, records_out, dead_lettered, bytes_in;
    int64_t duration_ms;
    char *sink_json; /* receipt object as JSON text, may be NULL */
    char *schema;    /* schema in force after the batch (detection), or NULL */
    int64_t schema_version;
};

struct sl_checkpoint;

/* Open (or create) the checkpoint at location for job `job`, reading
 * `source_identity`. A checkpoint made by another job or source is refused
 * with SL_ECONFLICT and a message that says whose it is. */
int sl_checkpoint_open(const char *location, const char *job,
                       const char *source_identity, struct sl_checkpoint **out,
                       struct sl_error *err);
/* Open an existing checkpoint read-only (checkpoint show); SL_ENOTFOUND. */
int sl_checkpoint_open_existing(const char *location,
                                struct sl_checkpoint **out,
                                struct sl_error *err);
void sl_checkpoint_close(struct sl_checkpoint *cp);
/* Take the checkpoint's writer lock until close, so two runs cannot write
 * one checkpoint (local folders: flock on <folder>/.lock, released by the
 * kernel when the process dies; S3 has no lock). SL_ECONFLICT names the
 * process holding it. */
int sl_checkpoint_lock(struct sl_checkpoint *cp, struct sl_error *err);
const char *sl_checkpoint_id(const struct sl_checkpoint *cp);
const char *sl_checkpoint_job(const struct sl_checkpoint *cp);
/* Source identity recorded at creation (NULL when none was given). */
const char *sl_checkpoint_source(const struct sl_checkpoint *cp);
int64_t sl_checkpoint_created_ms(const struct sl_checkpoint *cp);

/* How many batches the engine keeps by default (sl_checkpoint_prune). */
#define SL_CHECKPOINT_KEEP 100

/* Highest N with offsets/N and with commits/N, -1 when none. */
int sl_checkpoint_latest(struct sl_checkpoint *cp, int64_t *last_offsets,
                         int64_t *last_commit, struct sl_error *err);

int sl_checkpoint_put_offsets(struct sl_checkpoint *cp,
                              const struct sl_offsets *o, struct sl_error *err);
int sl_checkpoint_get_offsets(struct sl_checkpoint *cp, int64_t batch,
                              struct sl_offsets *out, struct sl_error *err);
void sl_offsets_free(struct sl_offsets *o);
/* End positions of o as a positions set (for the next batch's start). */
int sl_offsets_ends(const struct sl_offsets *o, struct sl_positions *out);

int sl_checkpoint_put_commit(struct sl_checkpoint *cp,
                             const struct sl_commit_info *c,
                             struct sl_error *err);
int sl_checkpoint_get_commit(struct sl_checkpoint *cp, int64_t batch,
                             struct sl_commit_info *out, struct sl_error *err);
void sl_commit_info_free(struct sl_commit_info *c);

/* state/N/<name> blobs of stateful transforms. */
int sl_checkpoint_put_state(struct sl_checkpoint *cp, int64_t batch,
                            const char *name, const void *p, size_t n,
                            struct sl_error *err);
int sl_checkpoint_get_state(struct sl_checkpoint *cp, int64_t batch,
                            const char *name, struct sl_buf *out,
                            struct sl_error *err);

/* Delete offsets/commits/state older than the newest `keep` batches. */
int sl_checkpoint_prune(struct sl_checkpoint *cp, int keep,
                        struct sl_error *err);
/* Remove the whole checkpoint (checkpoint reset). */
int sl_checkpoint_destroy_location(const char *location, struct sl_error *err);

#endif
