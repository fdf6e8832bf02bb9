/*
 * csv_out.c - the CSV encoder (format `csv` of sinks), RFC 4180.
 *
 * A header row with the top-level column names (write_header), then one
 * record per row ending with "\n" or "\r\n" (line_end). A field is quoted
 * only when it must be: it holds the separator, a quote, CR or LF, or
 * starts or ends with a space or tab (readers that trim would lose them);
 * quotes inside are doubled. A null is an empty field and an empty string
 * is `""`, so the two stay apart. Nested values are their JSON text
 * (text_out.c), always quoted. Other values read as in the JSON encoder,
 * except NaN/Infinity which are spelled out.
 *
 * Per row: one switch per column, no allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "part.h"
#include "text_out.h"

struct csv_opts {
    char *separator;
    bool write_header;
    char *line_end;
};

static const struct sl_option csv_options[] = {
    {"separator", SL_OPT_STRING, ",", NULL, false,
     offsetof(struct csv_opts, separator),
     "field separator, one byte (\"\\t\" for tab-separated)"},
    {"write_header", SL_OPT_BOOL, "true", NULL, false,
     offsetof(struct csv_opts, write_header),
     "first line of each file holds the column names"},
    {"line_end", SL_OPT_ENUM, "lf", "lf|crlf", false,
     offsetof(struct csv_opts, line_end),
     "record terminator: lf (\"\\n\") or crlf (\"\\r\\n\", as RFC 4180)"},
    {0},
};

struct csv {
    char sep;
    bool header;
    bool crlf;
    uint8_t special[256]; /* bytes that force quoting anywhere in a field */
    struct sl_field schema;
    bool begun;
    const struct sl_col **map;
};

static int csv_create(const struct sl_conf *sink_conf, void **st,
                      struct sl_error *err)
{
    struct csv_opts o = {0};
    int rc = sl__options_parse_own(csv_options, sink_conf, "sink", &o, err);
    if (rc)
        return rc;
    const char *s = o.separator ? o.separator : ",";
    if (strlen(s) != 1 || *s == '"' || *s == '\r' || *s == '\n') {
        rc = sl_error_set(err, SL_EINVAL,
                          "sink: csv separator must be one byte other than "
                          "a quote, CR or LF (got '%s')",
                          s);
        sl_options_free(csv_options, &o);
        return rc;
    }
    struct csv *e = calloc(1, sizeof *e);
    if (!e) {
        sl_options_free(csv_options, &o);
        return sl_error_set(err, SL_ENOMEM, "csv encoder: out of memory");
    }
    e->sep = *s;
    e->header = o.write_header;
    e->crlf = o.line_end && strcmp(o.line_end, "crlf") == 0;
    e->special[(uint8_t)e->sep] = 1;
    e->special['"'] = e->special['\r'] = e->special['\n'] = 1;
    sl_options_free(csv_options, &o);
    *st = e;
    return 0;
}

static void reset(struct csv *e)
{
    sl_field_free(&e->schema);
    memset(&e->schema, 0, sizeof e->schema);
    free(e->map);
    e->map = NULL;
    e->begun = false;
}

static bool needs_quotes(const struct csv *e, const uint8_t *p, size_t n)
{
    if (n == 0 || p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' ||
        p[n - 1] == '\t')
        return true;
    for (size_t i = 0; i < n; i++)
        if (e->special[p[i]])
            return true;
    return false;
}

/* Append p[0..n) quoted, with inner quotes doubled. */
static int put_quoted(struct sl_buf *o, const uint8_t *p, size_t n)
{
    size_t q = 0;
    for (size_t i = 0; i < n; i++)
        q += p[i] == '"';
    int rc = sl_buf_reserve(o, n + q + 2);
    if (rc)
        return rc;
    uint8_t *w = o->data + o->len;
    *w++ = '"';
    if (q == 0) {
        memcpy(w, p, n);
        w += n;
    } else {
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '"')
                *w++ = '"';
            *w++ = p[i];
        }
    }
    *w++ = '"';
    o->len = (size_t)(w - o->data);
    return 0;
}

/* The field text sits at o->data[p0..len): quote it in place. */
static int quote_tail(struct sl_buf *o, size_t p0)
{
    size_t n = o->len - p0, q = 0;
    for (size_t i = p0; i < o->len; i++)
        q += o->data[i] == '"';
    int rc = sl_buf_reserve(o, q + 2);
    if (rc)
        return rc;
    uint8_t *s = o->data + p0;
    size_t j = n + q + 2; /* write from the end backwards */
    s[--j] = '"';
    for (size_t i = n; i-- > 0;) {
        s[--j] = s[i];
        if (s[i] == '"')
            s[--j] = '"';
    }
    s[--j] = '"';
    o->len += q + 2;
    return 0;
}

static int put_field(const struct csv *e, struct sl_buf *o, const uint8_t *p,
                     size_t n)
{
    return needs_quotes(e, p, n) ? put_quoted(o, p, n) : sl_buf_append(o, p, n);
}

static int end_line(const struct csv *e, struct sl_buf *o)
{
    return e->crlf ? sl_buf_append(o, "\r\n", 2) : sl_buf_putc(o, '\n');
}

static int csv_begin(void *st, const struct sl_field *schema,
                     struct sl_buf *out, struct sl_error *err)
{
    struct csv *e = st;
    reset(e);
    int rc = sl_field_copy(&e->schema, schema);
    if (!rc && !(e->map = calloc(schema->n_children + 1, sizeof *e->map)))
        rc = SL_ENOMEM;
    for (uint32_t k = 0; !rc && e->header && k < schema->n_children; k++) {
        const char *name = schema->children[k].name;
        if (k > 0)
            rc = sl_buf_putc(out, e->sep);
        if (!rc)
            rc = put_field(e, out, (const uint8_t *)name, strlen(name));
    }
    if (!rc && e->header)
        rc = end_line(e, out);
    if (rc) {
        reset(e);
        return sl_error_set(err, rc, "csv encoder: cannot start a file: %s",
                            sl_strerror(rc));
    }
    e->begun = true;
    return 0;
}

static int put_value(const struct csv *e, struct sl_buf *o,
                     const struct sl_col *c, size_t i)
{
    if (c->type == SL_STRING)
        return put_field(e, o, c->data + c->off[i],
                         (size_t)(c->off[i + 1] - c->off[i]));
    size_t p0 = o->len;
    int rc = sl__text_value(o, c, i);
    if (rc)
        return rc;
    if (sl_type_is_nested(c->type) ||
        needs_quotes(e, o->data + p0, o->len - p0))
        return quote_tail(o, p0);
    return 0;
}

static int csv_write(void *st, const struct sl_batch *b, const uint32_t *sel,
                     size_t n, struct sl_buf *out, struct sl_error *err)
{
    struct csv *e = st;
    if (!e->begun)
        return sl_error_set(err, SL_EINVAL, "csv encoder: write before begin");
    size_t nf = e->schema.n_children;
    int rc = sl__map_columns(&e->schema, b, e->map, err);
    if (rc)
        return rc;
    for (size_t r = 0; r < n; r++) {
        size_t i = sel ? sel[r] : r;
        for (size_t k = 0; k < nf; k++) {
            const struct sl_col *c = e->map[k];
            if (k > 0 && (rc = sl_buf_putc(out, e->sep)))
                goto fail;
            if (sl_col_is_valid(c, i) && c->type != SL_NULLTYPE &&
                (rc = put_value(e, out, c, i)))
                goto fail;
        }
        if ((rc = end_line(e, out)))
            goto fail;
    }
    return 0;
fail:
    return sl_error_set(err, rc, "csv encoder: %s while writing a row",
                        sl_strerror(rc));
}

static int csv_finish(void *st, struct sl_buf *out, struct sl_error *err)
{
    reset(st);
    return 0;
}

static void csv_destroy(void *st)
{
    struct csv *e = st;
    if (!e)
        return;
    reset(e);
    free(e);
}

const struct sl_encoder_ops sl_encoder_csv = {
    .name = "csv",
    .extension = "csv",
    .text = true,
    .options = csv_options,
    .create = csv_create,
    .begin = csv_begin,
    .write = csv_write,
    .finish = csv_finish,
    .destroy = csv_destroy,
};
