/*
 * jsonl_out.c - the JSON lines encoder (format `json` of sinks).
 *
 * One compact JSON object per row, "\n" after each, fields in schema order.
 * Null fields are left out (as Spark's JSON writer does with its default
 * ignoreNullFields), nested values are JSON (map keys as strings), dates
 * "YYYY-MM-DD", timestamps ISO-8601 UTC ("2026-11-25T10:00:00.123Z"),
 * decimals exact numbers, binary base64 strings. Value text comes from
 * text_out.c, shared with CSV and partition folders.
 *
 * The hot loop (rows x top-level columns) appends the `"name":` prefix
 * made once at begin and the value (sl__json_value switches on the type):
 * no allocation per row. A file has no header or footer, so finish
 * adds nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "part.h"
#include "text_out.h"

struct jsonl {
    struct sl_field schema; /* of the current file */
    bool begun;
    const struct sl_col **map; /* schema field -> batch column (per write) */
    size_t *pre_off;           /* prefix k is names.data[pre_off[k]..] */
    struct sl_buf names;       /* `,"name":` for every top-level field */
};

static const struct sl_option jsonl_options[] = {{0}};

static int jsonl_create(const struct sl_conf *sink_conf, void **st,
                        struct sl_error *err)
{
    char dummy;
    int rc =
        sl__options_parse_own(jsonl_options, sink_conf, "sink", &dummy, err);
    if (rc)
        return rc;
    struct jsonl *e = calloc(1, sizeof *e);
    if (!e)
        return sl_error_set(err, SL_ENOMEM, "json encoder: out of memory");
    sl_buf_init(&e->names, 0);
    *st = e;
    return 0;
}

static void reset(struct jsonl *e)
{
    sl_field_free(&e->schema);
    memset(&e->schema, 0, sizeof e->schema);
    free(e->map);
    free(e->pre_off);
    e->map = NULL;
    e->pre_off = NULL;
    sl_buf_reset(&e->names);
    e->begun = false;
}

static int jsonl_begin(void *st, const struct sl_field *schema,
                       struct sl_buf *out, struct sl_error *err)
{
    struct jsonl *e = st;
    reset(e);
    int rc = sl_field_copy(&e->schema, schema);
    size_t n = schema->n_children;
    if (!rc) {
        e->map = calloc(n + 1, sizeof *e->map);
        e->pre_off = calloc(n + 1, sizeof *e->pre_off);
        if (!e->map || !e->pre_off)
            rc = SL_ENOMEM;
    }
    for (size_t k = 0; !rc && k < n; k++) {
        e->pre_off[k] = e->names.len;
        if (!(rc = sl_buf_putc(&e->names, ',')) &&
            !(rc = sl_jsonw_cstr(&e->names, schema->children[k].name)))
            rc = sl_buf_putc(&e->names, ':');
    }
    if (rc) {
        reset(e);
        return sl_error_set(err, rc, "json encoder: cannot start a file: %s",
                            sl_strerror(rc));
    }
    e->pre_off[n] = e->names.len;
    e->begun = true;
    return 0;
}

static int jsonl_write(void *st, const struct sl_batch *b, const uint32_t *sel,
                       size_t n, struct sl_buf *out, struct sl_error *err)
{
    struct jsonl *e = st;
    if (!e->begun)
        return sl_error_set(err, SL_EINVAL, "json encoder: write before begin");
    size_t nf = e->schema.n_children;
    int rc = sl__map_columns(&e->schema, b, e->map, err);
    if (rc)
        return rc;
    const uint8_t *names = e->names.data;
    for (size_t r = 0; r < n; r++) {
        size_t i = sel ? sel[r] : r;
        if ((rc = sl_buf_putc(out, '{')))
            goto fail;
        bool first = true;
        for (size_t k = 0; k < nf; k++) {
            const struct sl_col *c = e->map[k];
            if (!sl_col_is_valid(c, i))
                continue;
            size_t p0 = e->pre_off[k] + first, p1 = e->pre_off[k + 1];
            first = false;
            if ((rc = sl_buf_append(out, names + p0, p1 - p0)) ||
                (rc = sl__json_value(out, c, i)))
                goto fail;
        }
        if ((rc = sl_buf_append(out, "}\n", 2)))
            goto fail;
    }
    return 0;
fail:
    return sl_error_set(err, rc, "json encoder: %s while writing a row",
                        sl_strerror(rc));
}

static int jsonl_finish(void *st, struct sl_buf *out, struct sl_error *err)
{
    reset(st);
    return 0;
}

static void jsonl_destroy(void *st)
{
    struct jsonl *e = st;
    if (!e)
        return;
    reset(e);
    sl_buf_free(&e->names);
    free(e);
}

const struct sl_encoder_ops sl_encoder_json = {
    .name = "json",
    .extension = "json",
    .text = true,
    .options = jsonl_options,
    .create = jsonl_create,
    .begin = jsonl_begin,
    .write = jsonl_write,
    .finish = jsonl_finish,
    .destroy = jsonl_destroy,
};
