/*
 * job.h - a job file, validated and resolved to its parts.
 *
 * The job file (YAML or JSON) has the top-level keys of job_options in
 * job.c: name, window, checkpoint, source, transforms, sink, dead_letter.
 * Loading checks every section against the option tables of the engine and
 * of the chosen parts, so an unknown key, a wrong type or a missing
 * required key is reported with file:line and the key before anything
 * runs. See docs/jobs.md.
 */
#ifndef SL_JOB_H
#define SL_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "options.h"
#include "part.h"
#include "schema.h"

struct sl_job_source {
    char *type;
    char *format;
    struct sl_field *schema; /* declared, or NULL: detect */
    char *starting_position;
    char *compression;
    int64_t max_record_bytes;
    int64_t max_decompressed_bytes;  /* per message */
    int64_t max_decompression_ratio; /* messages and files */
};

struct sl_job_sink {
    char *type;
    char *format;
};

struct sl_job {
    struct sl_conf *root; /* owned */
    char *file;
    /* top level */
    char *name;
    int64_t window_ms;
    char *checkpoint;          /* this process's checkpoint location */
    char *worker_id;           /* scale-out: this worker's name, or NULL */
    char *checkpoint_root;     /* with worker_id: the job's location, whose
                                  workers/<id>/ folders are the workers' */
    int64_t keep_batches;      /* checkpoint entries kept when pruning */
    int64_t chunk_records;     /* records decoded per chunk */
    int64_t max_batch_records; /* backpressure bound per batch, 0 = none */
    bool delivery_thread;      /* transforms + sink writes on a 2nd thread */
    const struct sl_conf *source_node, *sink_node, *transforms_node,
        *dead_letter_node;
    /* resolved */
    struct sl_job_source src;
    struct sl_job_sink snk;
    const struct sl_source_ops *source;
    const struct sl_decoder_ops *decoder;
    const struct sl_sink_ops *sink;
    /* dead-letter sink: the file sink, or the s3 sink for an s3:// path,
     * configured from dead_letter.path (JSON lines) */
    struct sl_conf *dead_letter_conf; /* owned, synthesised */
    char *dead_letter_path;
    const struct sl_sink_ops *dead_letter_sink;
};

/* Load and validate a job file. On failure *out is NULL and err says what
 * and where. */
int sl_job_load(const char *path, struct sl_job **out, struct sl_error *err);
void sl_job_free(struct sl_job *job);
/* The top-level option table, for `--help` and docs. */
extern const struct sl_option sl_job_options[];
extern const struct sl_option sl_job_source_options[];
extern const struct sl_option sl_job_sink_options[];

#endif
