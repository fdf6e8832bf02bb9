/*
 * stdout.c - the stdout sink (`type: stdout`): rows as JSON lines (or CSV)
 * on standard output, for trying a job and for pipes.
 *
 * Output is buffered and written at commit, so a batch shows up whole;
 * a batch bigger than FLUSH_AT is written as it goes (stdout cannot take
 * back what it printed anyway: this sink is at-least-once). The encoder
 * stays open across batches, so a CSV header is printed once, and again
 * only when the schema changes. Called from the engine thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "part.h"
#include "sink_common.h"

#define FLUSH_AT (16u << 20)
#define OUT_MAX (1ull << 30)

struct stdout_opts {
    char *format;
};

static const struct sl_option stdout_options[] = {
    {"format", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct stdout_opts, format),
     "json (JSON lines, the default) or csv"},
    {0},
};

struct stdout_sink {
    struct stdout_opts o;
    const struct sl_encoder_ops *enc;
    void *es;
    bool begun; /* es has begun a "file" with `schema` */
    struct sl_field schema;
    struct sl_buf out;
    FILE *fp;
    uint64_t rows, bytes; /* of the current batch, for the receipt */
};

static int put_out(struct stdout_sink *s, struct sl_error *err)
{
    s->bytes += s->out.len;
    if (s->out.len && fwrite(s->out.data, 1, s->out.len, s->fp) != s->out.len)
        return sl_error_set(err, SL_EIO, "stdout sink: cannot write: %s",
                            strerror(errno));
    sl_buf_reset(&s->out);
    if (fflush(s->fp) != 0)
        return sl_error_set(err, SL_EIO, "stdout sink: cannot write: %s",
                            strerror(errno));
    return 0;
}

static void stdout_close(void *st)
{
    struct stdout_sink *s = st;
    if (!s)
        return;
    if (s->begun && s->enc->finish(s->es, &s->out, NULL) == 0)
        put_out(s, NULL);
    if (s->es)
        s->enc->destroy(s->es);
    sl_field_free(&s->schema);
    sl_buf_free(&s->out);
    sl_options_free(stdout_options, &s->o);
    free(s);
}

static int stdout_open(const struct sl_sink_ctx *ctx, void **out,
                       struct sl_error *err)
{
    struct stdout_sink *s = calloc(1, sizeof *s);
    if (!s)
        return sl_error_set(err, SL_ENOMEM, "stdout sink: out of memory");
    const struct sl_encoder_ops *enc;
    int rc =
        sl__sink_parse(stdout_options, ctx, "stdout sink", &s->o, &enc, err);
    if (rc) {
        free(s);
        return rc;
    }
    s->enc = enc;
    s->fp = stdout;
    sl_buf_init(&s->out, OUT_MAX);
    if ((rc = enc->create(ctx->conf, &s->es, err))) {
        s->es = NULL;
        stdout_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int stdout_begin(void *st, const struct sl_batch_info *bi,
                        struct sl_error *err)
{
    return 0;
}

static int stdout_write(void *st, const struct sl_batch_info *bi,
                        const char *partition, const struct sl_batch *b,
                        struct sl_error *err)
{
    struct stdout_sink *s = st;
    if (sl_batch_rows(b) == 0)
        return 0;
    struct sl_field schema = {0};
    int rc = sl_batch_schema(b, &schema);
    if (rc)
        return sl_error_set(err, rc, "stdout sink: %s", sl_strerror(rc));
    if (s->begun && !sl_field_equal(&s->schema, &schema)) {
        if ((rc = s->enc->finish(s->es, &s->out, err)))
            goto out;
        s->begun = false;
    }
    if (!s->begun) {
        sl_field_free(&s->schema);
        s->schema = schema;
        memset(&schema, 0, sizeof schema);
        if ((rc = s->enc->begin(s->es, &s->schema, &s->out, err)))
            goto out;
        s->begun = true;
    }
    if ((rc = s->enc->write(s->es, b, NULL, sl_batch_rows(b), &s->out, err)))
        goto out;
    s->rows += sl_batch_rows(b);
    if (s->out.len >= FLUSH_AT)
        rc = put_out(s, err);
out:
    sl_field_free(&schema);
    return rc;
}

static int stdout_commit(void *st, const struct sl_batch_info *bi,
                         struct sl_buf *receipt, struct sl_error *err)
{
    struct stdout_sink *s = st;
    int rc = put_out(s, err);
    if (rc)
        return rc;
    rc = sl_buf_appendf(receipt, "{\"rows\":%llu,\"bytes\":%llu}",
                        (unsigned long long)s->rows,
                        (unsigned long long)s->bytes);
    s->rows = s->bytes = 0;
    return rc;
}

static void stdout_abort(void *st, const struct sl_batch_info *bi)
{
    struct stdout_sink *s = st;
    /* Drop what was not printed; the next write begins afresh (a CSV
     * header is printed again). */
    if (s->begun && s->enc->finish(s->es, &s->out, NULL) == 0)
        s->begun = false;
    sl_buf_reset(&s->out);
    s->rows = s->bytes = 0;
}

const struct sl_sink_ops sl_sink_stdout = {
    .name = "stdout",
    .summary = "rows on standard output as JSON lines or CSV (at-least-once)",
    .options = stdout_options,
    .exactly_once = false,
    .open = stdout_open,
    .begin = stdout_begin,
    .write = stdout_write,
    .commit = stdout_commit,
    .abort = stdout_abort,
    .committed = NULL,
    .close = stdout_close,
};
