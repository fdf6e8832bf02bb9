/*
 * lake_sink.h - the data-lake sink machinery shared by the local file sink
 * (file.c) and the S3 sink (s3.c): streams per (source partition, folder),
 * encoders, parts rolled by size or schema, names from lake.h, receipts.
 * What differs is where bytes go; that is a storage table:
 *
 *   create   a new output file `rel` (folder/part-...), invisible for now
 *   append   bytes at its end; `last` marks its final bytes (make them
 *            durable: fsync a temp, upload the last part)
 *   publish  make every file of the batch visible (rename temps; complete
 *            uploads), files sorted by rel; called again by a replay
 *   drop     forget an unpublished file (remove the temp, abort the upload)
 *
 * Internal to the sinks (sl__ prefix). Engine thread only.
 */
#ifndef SL_LAKE_SINK_H
#define SL_LAKE_SINK_H

#include "part.h"

struct sl_lake_file {
    char *rel;   /* final name relative to the sink path */
    char *tmp;   /* storage's: local temp path */
    char *final; /* storage's: local final path */
    void *h;     /* storage's: upload handle */
    uint64_t bytes, rows;
};

struct sl_lake_storage_ops {
    const char *what; /* "file sink", "s3 sink" in messages */
    /* Optional: a batch begins (a replay may clean up a crashed attempt). */
    int (*begin)(void *sc, const struct sl_batch_info *bi,
                 struct sl_error *err);
    int (*create)(void *sc, struct sl_lake_file *f, const char *folder,
                  struct sl_error *err);
    int (*append)(void *sc, struct sl_lake_file *f, const void *p, size_t n,
                  bool last, struct sl_error *err);
    int (*publish)(void *sc, struct sl_lake_file *files, size_t n,
                   struct sl_error *err);
    /* Free what create made; with `remove` also drop the file's data. */
    void (*drop)(void *sc, struct sl_lake_file *f, bool remove);
    void (*destroy)(void *sc);
};

struct sl_lake_params {
    const char *path; /* shown in messages */
    const struct sl_strlist *partition_by;
    int64_t max_file_size;
    const char *compression; /* sink.compression for text formats, or NULL */
    const struct sl_encoder_ops *enc;
};

/* The `compression` key of the lake sinks, declared once. */
#define SL_LAKE_COMPRESSION_OPTION(T, m)                                       \
    {                                                                          \
        "compression", SL_OPT_STRING, NULL, NULL, false, offsetof(T, m),       \
            "compress JSON lines and CSV files: none (default), gzip, zstd, "  \
            "bzip2 "                                                           \
            "or xz; the name gets .gz, .zst, .bz2 or .xz. Parquet and Avro "   \
            "use "                                                             \
            "their own `compression`"                                          \
    }

/* Open the shared sink over storage (so, sc); sc is owned by the sink from
 * here on (destroyed by close, also when open fails). */
int sl__lake_sink_open(const struct sl_sink_ctx *ctx,
                       const struct sl_lake_params *lp,
                       const struct sl_lake_storage_ops *so, void *sc,
                       void **out, struct sl_error *err);
int sl__lake_sink_begin(void *st, const struct sl_batch_info *bi,
                        struct sl_error *err);
int sl__lake_sink_write(void *st, const struct sl_batch_info *bi,
                        const char *partition, const struct sl_batch *b,
                        struct sl_error *err);
int sl__lake_sink_commit(void *st, const struct sl_batch_info *bi,
                         struct sl_buf *receipt, struct sl_error *err);
void sl__lake_sink_abort(void *st, const struct sl_batch_info *bi);
void sl__lake_sink_close(void *st);

/* True when a checkpoint id may go into output names. */
bool sl__lake_name_safe(const char *s);

#endif
