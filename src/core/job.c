/*
 * job.c - load a job file and resolve it to its parts (see job.h).
 *
 * Every section is checked against the union of the option tables that may
 * read it: the engine's own keys for that section plus the chosen part's
 * (and its format's). A key in none of them is an error with file:line.
 * The parts parse their own keys again when they open; that keeps each
 * part self-contained while the job file is validated up front.
 */
#include "job.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress/compress.h"
#include "jsonw.h"
#include "kafka/conn.h"

#define OPT(s, f) offsetof(s, f)

const struct sl_option sl_job_options[] = {
    {"name", SL_OPT_STRING, NULL, NULL, true, OPT(struct sl_job, name),
     "job name, [A-Za-z0-9_.-]+; stored in the checkpoint"},
    {"window", SL_OPT_DURATION, "100s", NULL, false,
     OPT(struct sl_job, window_ms),
     "batch window: ms, s, m or h (Glue's windowSize)"},
    {"checkpoint", SL_OPT_STRING, NULL, NULL, true,
     OPT(struct sl_job, checkpoint),
     "checkpoint location: a local folder; delete it to reprocess"},
    {"source", SL_OPT_NODE, NULL, NULL, true, OPT(struct sl_job, source_node),
     "where records come from (see the source types)"},
    {"transforms", SL_OPT_NODE, NULL, NULL, false,
     OPT(struct sl_job, transforms_node),
     "list of transforms applied in order"},
    {"sink", SL_OPT_NODE, NULL, NULL, true, OPT(struct sl_job, sink_node),
     "where rows go (see the sink types)"},
    {"dead_letter", SL_OPT_NODE, NULL, NULL, false,
     OPT(struct sl_job, dead_letter_node),
     "{path: ...} for records that cannot be read; default <sink "
     "path>/_errors"},
    {"worker_id", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_job, worker_id),
     "scale-out (Kafka consumer group): this process's name among the "
     "job's workers; its checkpoint is <checkpoint>/workers/<worker_id>"},
    {"keep_batches", SL_OPT_INT, "100", NULL, false,
     OPT(struct sl_job, keep_batches),
     "checkpoint entries kept when pruning old batches"},
    {"chunk_records", SL_OPT_INT, "4096", NULL, false,
     OPT(struct sl_job, chunk_records),
     "records decoded and written per chunk (memory bound)"},
    {"max_batch_records", SL_OPT_INT, "0", NULL, false,
     OPT(struct sl_job, max_batch_records),
     "close a window early after this many records (0: no bound)"},
    {"delivery_thread", SL_OPT_BOOL, "false", NULL, false,
     OPT(struct sl_job, delivery_thread),
     "decode the next chunk while a second thread runs the transforms and "
     "sink writes of the previous one: faster where a core is free, a "
     "little more CPU; output is the same"},
    {0},
};

const struct sl_option sl_job_source_options[] = {
    {"type", SL_OPT_STRING, NULL, NULL, true, OPT(struct sl_job_source, type),
     "source type: file, stdin, generator"},
    {"format", SL_OPT_STRING, "json", NULL, false,
     OPT(struct sl_job_source, format), "record format: json"},
    {"schema", SL_OPT_SCHEMA, NULL, NULL, false,
     OPT(struct sl_job_source, schema),
     "list of {name, type, nullable}; omit it to detect the schema"},
    {"starting_position", SL_OPT_ENUM, "earliest", "earliest|latest", false,
     OPT(struct sl_job_source, starting_position),
     "where a new job starts reading"},
    {"compression", SL_OPT_STRING, "auto", NULL, false,
     OPT(struct sl_job_source, compression),
     "auto (detect by magic bytes, per file or per message), none, or a "
     "codec: gzip, zlib, deflate, bzip2, xz, zstd, snappy (framed), "
     "snappy_raw"},
    {"max_decompressed_bytes", SL_OPT_SIZE, "64MiB", NULL, false,
     OPT(struct sl_job_source, max_decompressed_bytes),
     "a message decompressing to more goes to the dead-letter output "
     "(message sources; files have no total cap)"},
    {"max_decompression_ratio", SL_OPT_INT, "1000", NULL, false,
     OPT(struct sl_job_source, max_decompression_ratio),
     "decompressed bytes per compressed byte at most, past 1 MiB of output "
     "(decompression bombs: messages and files)"},
    {"max_record_bytes", SL_OPT_SIZE, "16MiB", NULL, false,
     OPT(struct sl_job_source, max_record_bytes),
     "longer records go to the dead-letter output"},
    {0},
};

const struct sl_option sl_job_sink_options[] = {
    {"type", SL_OPT_STRING, NULL, NULL, true, OPT(struct sl_job_sink, type),
     "sink type: file, stdout"},
    {"format", SL_OPT_STRING, "json", NULL, false,
     OPT(struct sl_job_sink, format), "output format: json, csv"},
    {0},
};

static const struct sl_option dead_letter_options[] = {
    {"path", SL_OPT_STRING, NULL, NULL, true, 0,
     "folder for dead-letter JSON lines"},
    {0},
};

/* Names of options in up to three tables, as a NULL-terminated list. */
static const char **names_of(const struct sl_option *a,
                             const struct sl_option *b,
                             const struct sl_option *c)
{
    const struct sl_option *t[3] = {a, b, c};
    size_t n = 0;
    for (int k = 0; k < 3; k++)
        for (const struct sl_option *o = t[k]; o && o->name; o++)
            n++;
    const char **v = calloc(n + 1, sizeof *v);
    if (!v)
        return NULL;
    n = 0;
    for (int k = 0; k < 3; k++)
        for (const struct sl_option *o = t[k]; o && o->name; o++)
            v[n++] = o->name;
    return v;
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
            return 0;
    return 1;
}

/* "file, stdin, generator" from a registry list. */
#define KNOWN(list, buf)                                                       \
    do {                                                                       \
        sl_buf_reset(buf);                                                     \
        for (size_t i = 0; list[i]; i++)                                       \
            sl_buf_appendf(buf, "%s%s", i ? ", " : "", list[i]->name);         \
        sl_buf_cstr(buf);                                                      \
    } while (0)

static int unknown_part(const struct sl_conf *node, const char *section,
                        const char *what, const char *name, const char *known,
                        struct sl_error *err)
{
    char where[256];
    const struct sl_conf *at = sl_conf_get(node, "type");
    if (!at || strcmp(what, "format") == 0)
        at = sl_conf_get(node, what);
    return sl_error_set(err, SL_EINVAL, "%s: %s: unknown %s '%s' (known: %s)",
                        sl_conf_where(at ? at : node, where, sizeof where),
                        section, what, name, known);
}

/* source.compression names a codec; the limits are positive. */
static int check_compression(const struct sl_conf *n,
                             const struct sl_job_source *src,
                             struct sl_error *err)
{
    char where[256];
    enum sl_codec c;
    struct sl_error cerr;
    sl_error_clear(&cerr);
    if (src->compression && sl_codec_from_name(src->compression, &c, &cerr))
        return sl_error_set(
            err, SL_EINVAL, "%s: source: compression: %s",
            sl_conf_where(sl_conf_get(n, "compression"), where, sizeof where),
            cerr.msg);
    if (src->max_decompressed_bytes <= 0 || src->max_decompression_ratio <= 0 ||
        src->max_decompression_ratio > UINT32_MAX)
        return sl_error_set(err, SL_EINVAL,
                            "%s: source: max_decompressed_bytes and "
                            "max_decompression_ratio must be positive",
                            sl_conf_where(n, where, sizeof where));
    return 0;
}

static int load_source(struct sl_job *job, struct sl_error *err)
{
    const struct sl_conf *n = job->source_node;
    struct sl_buf known;
    sl_buf_init(&known, 0);
    int rc = 0;
    const char *type = sl_conf_str(n, "type");
    const char *format = sl_conf_str(n, "format");
    if (type && !(job->source = sl_source_find(type))) {
        KNOWN(sl_sources, &known);
        rc = unknown_part(n, "source", "type", type, (char *)known.data, err);
        goto out;
    }
    job->decoder = sl_decoder_find(format ? format : "json");
    if (!job->decoder) {
        KNOWN(sl_decoders, &known);
        rc = unknown_part(n, "source", "format", format, (char *)known.data,
                          err);
        goto out;
    }
    const char **also = names_of(job->source ? job->source->options : NULL,
                                 job->decoder->options, NULL);
    if (!also) {
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto out;
    }
    rc = sl_options_parse(sl_job_source_options, also, n, "source", &job->src,
                          err);
    free(also);
    if (!rc)
        rc = check_compression(n, &job->src, err);
out:
    sl_buf_free(&known);
    return rc;
}

static int load_sink(struct sl_job *job, struct sl_error *err)
{
    const struct sl_conf *n = job->sink_node;
    struct sl_buf known;
    sl_buf_init(&known, 0);
    int rc = 0;
    const char *type = sl_conf_str(n, "type");
    const char *format = sl_conf_str(n, "format");
    if (type && !(job->sink = sl_sink_find(type))) {
        KNOWN(sl_sinks, &known);
        rc = unknown_part(n, "sink", "type", type, (char *)known.data, err);
        goto out;
    }
    const struct sl_encoder_ops *enc =
        sl_encoder_find(format ? format : "json");
    if (!enc) {
        KNOWN(sl_encoders, &known);
        rc = unknown_part(n, "sink", "format", format, (char *)known.data, err);
        goto out;
    }
    const char **also =
        names_of(job->sink ? job->sink->options : NULL, enc->options, NULL);
    if (!also) {
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto out;
    }
    rc = sl_options_parse(sl_job_sink_options, also, n, "sink", &job->snk, err);
    free(also);
out:
    sl_buf_free(&known);
    return rc;
}

static int load_transforms(struct sl_job *job, struct sl_error *err)
{
    const struct sl_conf *t = job->transforms_node;
    char where[256];
    if (!t)
        return 0;
    if (t->kind != SL_CONF_SEQ)
        return sl_error_set(err, SL_EINVAL,
                            "%s: transforms: expected a list of transforms",
                            sl_conf_where(t, where, sizeof where));
    for (size_t i = 0; i < t->n; i++) {
        const struct sl_conf *it = t->items[i];
        if (it->kind != SL_CONF_MAP || it->n != 1)
            return sl_error_set(
                err, SL_EINVAL,
                "%s: transforms: each item is a map with one key, the "
                "transform name (e.g. '- filter: \"x > 1\"')",
                sl_conf_where(it, where, sizeof where));
        if (!sl_transform_find(it->keys[0])) {
            struct sl_buf known;
            sl_buf_init(&known, 0);
            KNOWN(sl_transforms, &known);
            sl_error_set(err, SL_EINVAL,
                         "%s: transforms: unknown transform '%s' (known: %s)",
                         sl_conf_where(it, where, sizeof where), it->keys[0],
                         known.len ? (char *)known.data : "none yet");
            sl_buf_free(&known);
            return SL_EINVAL;
        }
    }
    return 0;
}

/* True for the keys of `from` that configure how the s3 sink reaches S3
 * (endpoint, credentials, encryption), not what it writes. */
static bool s3_access_key(const char *k)
{
    static const char *const what[] = {
        "type", "path", "format", "partition_by", "max_file_size", NULL};
    for (int i = 0; what[i]; i++)
        if (strcmp(k, what[i]) == 0)
            return false;
    const struct sl_sink_ops *s3 = sl_sink_find("s3");
    for (const struct sl_option *o = s3 ? s3->options : NULL; o && o->name; o++)
        if (strcmp(o->name, k) == 0)
            return true;
    return false;
}

/* Append ', "key": value' for the S3 access keys of map `from`. */
static int copy_s3_keys(struct sl_buf *y, const struct sl_conf *from)
{
    int rc = 0;
    for (size_t i = 0; from && from->kind == SL_CONF_MAP && !rc && i < from->n;
         i++) {
        if (!s3_access_key(from->keys[i]))
            continue;
        rc = sl_buf_puts(y, ", ");
        if (!rc)
            rc = sl_jsonw_cstr(y, from->keys[i]);
        if (!rc)
            rc = sl_buf_puts(y, ": ");
        if (!rc)
            rc = sl_conf_to_json(from->items[i], y);
    }
    return rc;
}

static int load_dead_letter(struct sl_job *job, struct sl_error *err)
{
    char *path = NULL;
    int rc;
    if (job->dead_letter_node) {
        /* an s3:// dead-letter output takes the s3 sink's access keys */
        const struct sl_sink_ops *s3 = sl_sink_find("s3");
        const char **also = names_of(s3 ? s3->options : NULL, NULL, NULL);
        rc = sl_options_parse(dead_letter_options, also, job->dead_letter_node,
                              "dead_letter", &path, err);
        free(also);
        if (rc)
            return rc;
    } else {
        const char *sp = sl_conf_str(job->sink_node, "path");
        struct sl_buf b;
        sl_buf_init(&b, 0);
        rc = sp ? sl_buf_appendf(&b, "%s/_errors", sp)
                : sl_buf_appendf(&b, "%s_errors", job->checkpoint);
        if (!rc)
            rc = sl_buf_cstr(&b);
        if (rc)
            return sl_error_set(err, rc, "out of memory");
        path = (char *)b.data;
    }
    job->dead_letter_path = path;
    /* JSON lines through the file sink, or the s3 sink for s3:// paths
     * (with the access keys of dead_letter, else of an s3 sink). */
    bool on_s3 = strncmp(path, "s3://", 5) == 0;
    job->dead_letter_sink = sl_sink_find(on_s3 ? "s3" : "file");
    if (!job->dead_letter_sink)
        return sl_error_set(err, SL_EINVAL,
                            "dead_letter: no %s sink in this build",
                            on_s3 ? "s3" : "file");
    const struct sl_conf *keys = job->dead_letter_node;
    if (!keys && job->sink == sl_sink_find("s3"))
        keys = job->sink_node;
    struct sl_buf y;
    sl_buf_init(&y, 0);
    rc = sl_buf_appendf(&y,
                        "{\"type\": \"%s\", \"format\": \"json\", "
                        "\"path\": ",
                        on_s3 ? "s3" : "file");
    if (!rc)
        rc = sl_jsonw_cstr(&y, path);
    if (!rc && on_s3)
        rc = copy_s3_keys(&y, keys);
    if (!rc)
        rc = sl_buf_puts(&y, "}");
    if (!rc)
        rc = sl_conf_load_string((char *)y.data, y.len, "dead_letter",
                                 &job->dead_letter_conf, err);
    sl_buf_free(&y);
    return rc;
}

/* A `connection:` key in a source or sink names an entry of the job's
 * `connections:` map. */
static int check_connection_ref(const struct sl_job *job,
                                const struct sl_conf *node, const char *section,
                                struct sl_error *err)
{
    const struct sl_conf *ref = sl_conf_get(node, "connection");
    const struct sl_conf *all = sl_conf_get(job->root, "connections");
    if (!ref || ref->kind != SL_CONF_SCALAR || sl_conf_get(all, ref->str))
        return 0;
    char where[256];
    return sl_error_set(err, SL_EINVAL,
                        "%s: %s.connection: '%s' is not defined in the job's "
                        "`connections:` map",
                        sl_conf_where(ref, where, sizeof where), section,
                        ref->str);
}

int sl_job_load(const char *path, struct sl_job **out, struct sl_error *err)
{
    *out = NULL;
    struct sl_job *job = calloc(1, sizeof *job);
    if (!job)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_conf_load_file(path, &job->root, err);
    if (rc)
        goto fail;
    job->file = strdup(path);
    char where[256];
    if (job->root->kind != SL_CONF_MAP) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: a job file is a map with keys name, window, "
                          "checkpoint, source, transforms, sink, dead_letter",
                          sl_conf_where(job->root, where, sizeof where));
        goto fail;
    }
    static const char *const reserved[] = {"connections", NULL};
    rc = sl_options_parse(sl_job_options, reserved, job->root, "job", job, err);
    if (rc)
        goto fail;
    if (!valid_name(job->name)) {
        rc = sl_error_set(
            err, SL_EINVAL,
            "%s: name: '%s' may only use letters, digits, "
            "'_', '.' and '-'",
            sl_conf_where(sl_conf_get(job->root, "name"), where, sizeof where),
            job->name);
        goto fail;
    }
    if (job->worker_id) {
        struct sl_buf cb;
        sl_buf_init(&cb, 0);
        if (!valid_name(job->worker_id)) {
            rc = sl_error_set(err, SL_EINVAL,
                              "%s: worker_id: '%s' may only use letters, "
                              "digits, '_', '.' and '-'",
                              path, job->worker_id);
            goto fail;
        }
        if (sl_buf_appendf(&cb, "%s/workers/%s", job->checkpoint,
                           job->worker_id) ||
            sl_buf_cstr(&cb)) {
            sl_buf_free(&cb);
            rc = sl_error_set(err, SL_ENOMEM, "out of memory");
            goto fail;
        }
        job->checkpoint_root = job->checkpoint;
        job->checkpoint = (char *)cb.data;
    }
    if (job->window_ms <= 0 || job->chunk_records <= 0 ||
        job->keep_batches <= 0 || job->max_batch_records < 0) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: window, chunk_records and keep_batches must be "
                          "positive, max_batch_records not negative",
                          path);
        goto fail;
    }
    if (job->source_node->kind != SL_CONF_MAP ||
        job->sink_node->kind != SL_CONF_MAP) {
        const struct sl_conf *bad = job->source_node->kind != SL_CONF_MAP
                                        ? job->source_node
                                        : job->sink_node;
        rc = sl_error_set(err, SL_EINVAL, "%s: source and sink are maps",
                          sl_conf_where(bad, where, sizeof where));
        goto fail;
    }
    rc = sl_kafka_conns_check(sl_conf_get(job->root, "connections"), err);
    if (rc)
        goto fail;
    if ((rc = check_connection_ref(job, job->source_node, "source", err)) ||
        (rc = check_connection_ref(job, job->sink_node, "sink", err)))
        goto fail;
    if ((rc = load_source(job, err)) || (rc = load_sink(job, err)) ||
        (rc = load_transforms(job, err)) || (rc = load_dead_letter(job, err)))
        goto fail;
    *out = job;
    return 0;
fail:
    sl_job_free(job);
    return rc;
}

void sl_job_free(struct sl_job *job)
{
    if (!job)
        return;
    sl_options_free(sl_job_source_options, &job->src);
    sl_options_free(sl_job_sink_options, &job->snk);
    sl_options_free(sl_job_options, job);
    free(job->checkpoint_root);
    sl_conf_free(job->dead_letter_conf);
    free(job->dead_letter_path);
    sl_conf_free(job->root);
    free(job->file);
    free(job);
}
