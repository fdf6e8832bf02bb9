/*
 * s3.c - the S3 data-lake sink (`type: s3`), exactly-once.
 *
 * The lake machinery is lake_sink.c, shared with the file sink, so the
 * formats, partition folders and names are the same; this file is the S3
 * storage under it. Each output file is a streaming upload (aws/s3.h):
 * parts go up while the batch runs, nothing is visible until commit, where
 * every file of the batch is completed (or PUT when smaller than a part).
 * A replay rewrites the same keys with the same bytes; at its start the
 * multipart uploads of this checkpoint that crashed attempts left open
 * are aborted (where the store can list them) once they are STALE_UPLOAD_MS
 * old: younger ones may belong to a process replaying the same batch at
 * the same time (scale-out takeover), whose complete must not fail. Two
 * writers of one batch complete the same keys with the same bytes, so
 * either order leaves the same objects. Memory stays bounded: a file
 * holds at most (upload_threads + 1) parts while written and one part
 * (smaller than part_size) once sealed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "aws/s3_options.h"
#include "lake_sink.h"
#include "log.h"
#include "part.h"
#include "sink_common.h"

struct s3_sink_opts {
    char *path;
    char *format;
    struct sl_strlist partition_by;
    int64_t max_file_size;
    char *compression;
    struct sl_s3_conf s3;
};

static const struct sl_option s3_options[] = {
    {"path", SL_OPT_STRING, NULL, NULL, true,
     offsetof(struct s3_sink_opts, path), "s3://bucket/prefix"},
    {"format", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct s3_sink_opts, format),
     "output format: json, csv or another registered encoder (default: the "
     "job's default format)"},
    {"partition_by", SL_OPT_STRLIST, NULL, NULL, false,
     offsetof(struct s3_sink_opts, partition_by),
     "Hive folders: ingest_year, ingest_month, ingest_day, ingest_hour (from "
     "the batch window start, UTC) or top-level column names"},
    {"max_file_size", SL_OPT_SIZE, "128MiB", NULL, false,
     offsetof(struct s3_sink_opts, max_file_size),
     "start a new part once a file reaches this size"},
    SL_LAKE_COMPRESSION_OPTION(struct s3_sink_opts, compression),
    SL_S3_OPTIONS(struct s3_sink_opts, s3),
    {0},
};

/* An open upload of this checkpoint is a crashed attempt's, not a live
 * writer's, once it is this old (no batch takes that long to write). */
#define STALE_UPLOAD_MS (6 * 3600 * 1000LL)

struct s3_store {
    struct sl_s3 *s3;
    char *bucket, *prefix, *cpid;
    const char *ctype;
};

static const char *content_type(const char *ext)
{
    if (strcmp(ext, "json") == 0)
        return "application/x-ndjson";
    if (strcmp(ext, "csv") == 0)
        return "text/csv";
    if (strcmp(ext, "parquet") == 0)
        return "application/vnd.apache.parquet";
    if (strcmp(ext, "avro") == 0)
        return "application/avro";
    return "application/octet-stream";
}

static int s3s_begin(void *sc, const struct sl_batch_info *bi,
                     struct sl_error *err)
{
    struct s3_store *s = sc;
    if (!bi->replay)
        return 0;
    /* uploads of this checkpoint (part-...-<cpid>.<ext>) that a crashed
     * attempt left open, old enough that no live writer can own them: a
     * replay of this very batch may be running in another process right
     * now (a restarted worker and the one taking its batch over) */
    char tail[128];
    snprintf(tail, sizeof tail, "-%s.", s->cpid);
    const char *match[] = {"part-", tail};
    int n = 0;
    struct sl_error e2;
    int rc = sl_s3_abort_stale_uploads(s->s3, s->bucket, s->prefix, match, 2,
                                       STALE_UPLOAD_MS, &n, &e2);
    if (rc == SL_ENOTFOUND)
        sl_debug("s3 sink: %s; uploads a crash left open expire with the "
                 "bucket's lifecycle rule",
                 e2.msg);
    else if (rc)
        sl_warn("s3 sink: replay of batch %lld: %s", (long long)bi->batch_id,
                e2.msg);
    else if (n)
        sl_info("s3 sink: replay of batch %lld aborted %d upload(s) crashed "
                "attempts left open",
                (long long)bi->batch_id, n);
    return 0;
}

static int s3s_create(void *sc, struct sl_lake_file *f, const char *folder,
                      struct sl_error *err)
{
    struct s3_store *s = sc;
    if (asprintf(&f->final, "%s%s%s", s->prefix, s->prefix[0] ? "/" : "",
                 f->rel) < 0) {
        f->final = NULL;
        return sl_error_set(err, SL_ENOMEM, "s3 sink: out of memory");
    }
    struct sl_s3_upload *u;
    int rc = sl_s3_upload_open(s->s3, s->bucket, f->final, s->ctype, &u, err);
    if (rc) {
        free(f->final);
        f->final = NULL;
        return rc;
    }
    f->h = u;
    return 0;
}

static int s3s_append(void *sc, struct sl_lake_file *f, const void *p, size_t n,
                      bool last, struct sl_error *err)
{
    int rc = sl_s3_upload_write(f->h, p, n, err);
    if (!rc && last)
        rc = sl_s3_upload_seal(f->h, err);
    return rc;
}

static int s3s_publish(void *sc, struct sl_lake_file *files, size_t n,
                       struct sl_error *err)
{
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        if (!files[k].h)
            continue;
        struct sl_s3_upload *u = files[k].h;
        files[k].h = NULL;
        if (rc)
            sl_s3_upload_abort(u);
        else
            rc = sl_s3_upload_finish(u, NULL, err);
    }
    return rc;
}

static void s3s_drop(void *sc, struct sl_lake_file *f, bool remove)
{
    sl_s3_upload_abort(f->h);
    f->h = NULL;
    free(f->final);
    f->final = NULL;
}

static void s3s_destroy(void *sc)
{
    struct s3_store *s = sc;
    if (!s)
        return;
    sl_s3_destroy(s->s3);
    free(s->bucket);
    free(s->prefix);
    free(s->cpid);
    free(s);
}

static const struct sl_lake_storage_ops s3_storage = {
    .what = "s3 sink",
    .begin = s3s_begin,
    .create = s3s_create,
    .append = s3s_append,
    .publish = s3s_publish,
    .drop = s3s_drop,
    .destroy = s3s_destroy,
};

static int s3_open(const struct sl_sink_ctx *ctx, void **out,
                   struct sl_error *err)
{
    *out = NULL;
    struct s3_sink_opts o = {0};
    const struct sl_encoder_ops *enc;
    int rc = sl__sink_parse(s3_options, ctx, "s3 sink", &o, &enc, err);
    if (rc)
        return rc;
    struct s3_store *s = calloc(1, sizeof *s);
    if (!s) {
        rc = sl_error_set(err, SL_ENOMEM, "s3 sink: out of memory");
        goto out;
    }
    if (!(s->cpid = strdup(ctx->checkpoint_id ? ctx->checkpoint_id : ""))) {
        rc = sl_error_set(err, SL_ENOMEM, "s3 sink: out of memory");
        goto out;
    }
    s->ctype = content_type(enc->extension);
    if (o.compression && strcmp(o.compression, "none") != 0 && enc->text)
        s->ctype = "application/octet-stream"; /* the codec's bytes */
    if ((rc = sl_s3_parse_uri(o.path, &s->bucket, &s->prefix, err))) {
        sl_error_prefix(err, "s3 sink: path: ");
        goto out;
    }
    struct sl_s3_opts so;
    sl_s3_conf_to_opts(&o.s3, &so);
    if ((rc = sl_s3_create(&so, &s->s3, err))) {
        sl_error_prefix(err, "s3 sink %s: ", o.path);
        goto out;
    }
    struct sl_lake_params lp = {.path = o.path,
                                .partition_by = &o.partition_by,
                                .max_file_size = o.max_file_size,
                                .compression = o.compression,
                                .enc = enc};
    rc = sl__lake_sink_open(ctx, &lp, &s3_storage, s, out, err);
    s = NULL; /* owned by the lake sink now */
out:
    s3s_destroy(s);
    sl_options_free(s3_options, &o);
    return rc;
}

const struct sl_sink_ops sl_sink_s3 = {
    .name = "s3",
    .summary = "files in Amazon S3 or an S3-compatible store (JSON lines, "
               "CSV, ...), Hive partitioned, exactly-once",
    .options = s3_options,
    .exactly_once = true,
    .open = s3_open,
    .begin = sl__lake_sink_begin,
    .write = sl__lake_sink_write,
    .commit = sl__lake_sink_commit,
    .abort = sl__lake_sink_abort,
    .committed = NULL,
    .close = sl__lake_sink_close,
};
