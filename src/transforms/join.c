/*
 * join.c - `join: {path: ./users.csv, format: csv, on: user_id,
 * how: left|inner}`: enrich the stream from a static table loaded when
 * the job starts.
 *
 * The table is CSV (RFC 4180: a header row of column names, "quoted"
 * fields with "" for a quote, CRLF or LF). Its columns join the stream as
 * strings (CAST them with derive), in header order, except the key column
 * (the stream already has it); a name the stream already has gets the
 * suffix "_right". `on` is the stream's column path; the table's key
 * column is its last part unless `table_key` says otherwise. Values are
 * compared as text (the stream value rendered as in JSON output, strings
 * without quotes). A stream row matching k table rows gives k rows; with
 * how: left a row matching none is kept with nulls, with inner it goes.
 *
 * As in Glue, a job whose schema is detected cannot join: the columns the
 * join adds must be known before the data, and a detected schema is not.
 * prepare refuses it, so `sluice validate` says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tbatch.h"
#include "tstate.h"

struct join_opts {
    char *path, *format, *on, *how, *table_key;
    int64_t max_bytes;
};

#define JOPT(f) offsetof(struct join_opts, f)
static const struct sl_option join_options[] = {
    {"path", SL_OPT_STRING, NULL, NULL, true, JOPT(path),
     "the table file (read once, when the job starts)"},
    {"format", SL_OPT_ENUM, "csv", "csv", false, JOPT(format),
     "table format: csv with a header row"},
    {"on", SL_OPT_STRING, NULL, NULL, true, JOPT(on),
     "the stream's key column path"},
    {"how", SL_OPT_ENUM, "left", "left|inner", false, JOPT(how),
     "left keeps rows without a match (nulls), inner drops them"},
    {"table_key", SL_OPT_STRING, NULL, NULL, false, JOPT(table_key),
     "the table's key column (default: the last part of `on`)"},
    {"max_bytes", SL_OPT_SIZE, "256MiB", NULL, false, JOPT(max_bytes),
     "largest table file accepted"},
    {0},
};

struct join {
    struct join_opts o;
    bool inner;
    size_t ncols, nrows;
    char **names;        /* table header */
    size_t key_col;      /* index of the key in the table */
    struct sl_col *cols; /* table columns (strings), key included */
    char **out_names;    /* output names (NULL for the key) */
    struct hmap map;     /* key text -> first row + 1 (chained via next) */
    uint32_t *next;      /* next row with the same key + 1, or 0 */
    struct tb out;
    uint32_t *sel, *match;
    size_t sel_cap;
    struct sl_buf key;
};

static void join_destroy(void *st)
{
    struct join *j = st;
    if (!j)
        return;
    for (size_t i = 0; i < j->ncols; i++) {
        free(j->names[i]);
        free(j->out_names[i]);
        sl_col_free(&j->cols[i]);
    }
    free(j->names);
    free(j->out_names);
    free(j->cols);
    hm_free(&j->map, NULL);
    free(j->next);
    tb_free(&j->out);
    free(j->sel);
    free(j->match);
    sl_buf_free(&j->key);
    sl_options_free(join_options, &j->o);
    free(j);
}

/* One CSV record from p[*at..n) into fields (each appended to f with a 0
 * between); returns the number of fields, 0 at the end, -1 when a quote
 * is not closed. */
static long csv_record(const char *p, size_t n, size_t *at, struct sl_buf *f,
                       size_t *lens, size_t max_fields)
{
    size_t i = *at, nf = 0;
    if (i >= n)
        return 0;
    sl_buf_reset(f);
    for (;;) {
        size_t start = f->len;
        if (i < n && p[i] == '"') {
            i++;
            for (;;) {
                if (i >= n)
                    return -1;
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"') {
                        sl_buf_putc(f, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                sl_buf_putc(f, p[i++]);
            }
        }
        while (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r')
            sl_buf_putc(f, p[i++]);
        if (nf < max_fields)
            lens[nf] = f->len - start;
        nf++;
        if (i < n && p[i] == ',') {
            i++;
            continue;
        }
        if (i < n && p[i] == '\r')
            i++;
        if (i < n && p[i] == '\n')
            i++;
        break;
    }
    *at = i;
    return (long)nf;
}

static int load_table(struct join *j, const char *text, size_t n,
                      struct sl_error *err)
{
    struct sl_buf f;
    sl_buf_init(&f, 0);
    size_t at = 0, lens[4096];
    int rc = 0;
    long nf = csv_record(text, n, &at, &f, lens, 4096);
    if (nf <= 0 || nf > 4096) {
        sl_buf_free(&f);
        return sl_error_set(err, SL_ECORRUPT,
                            "%s: expected a header row of column names",
                            j->o.path);
    }
    j->ncols = (size_t)nf;
    j->names = calloc(j->ncols, sizeof *j->names);
    j->out_names = calloc(j->ncols, sizeof *j->out_names);
    j->cols = calloc(j->ncols, sizeof *j->cols);
    if (!j->names || !j->out_names || !j->cols)
        goto nomem;
    const char *key = j->o.table_key;
    char last[256];
    if (!key) {
        last[0] = 0;
        for (const char *q = j->o.on; *q;)
            q += sl_expr_path_part(q, last, sizeof last);
        key = last;
    }
    j->key_col = j->ncols;
    size_t off = 0;
    struct sl_field sf = {.type = SL_STRING, .nullable = true};
    for (size_t k = 0; k < j->ncols; k++) {
        if (!(j->names[k] = strndup((char *)f.data + off, lens[k])))
            goto nomem;
        off += lens[k];
        if (strcmp(j->names[k], key) == 0 && j->key_col == j->ncols)
            j->key_col = k;
        if ((rc = sl_col_init(&j->cols[k], &sf)))
            goto nomem;
    }
    if (j->key_col == j->ncols) {
        sl_buf_free(&f);
        return sl_error_set(err, SL_EINVAL,
                            "%s: no column '%s' in the header (set "
                            "table_key)",
                            j->o.path, key);
    }
    size_t line = 1;
    for (;;) {
        nf = csv_record(text, n, &at, &f, lens, 4096);
        line++;
        if (nf == 0)
            break;
        if (nf < 0) {
            sl_buf_free(&f);
            return sl_error_set(err, SL_ECORRUPT,
                                "%s: record %zu: a quote is not closed",
                                j->o.path, line);
        }
        if (nf == 1 && lens[0] == 0)
            continue; /* blank line */
        if ((size_t)nf != j->ncols) {
            sl_buf_free(&f);
            return sl_error_set(err, SL_ECORRUPT,
                                "%s: record %zu has %ld fields, the header "
                                "%zu",
                                j->o.path, line, nf, j->ncols);
        }
        off = 0;
        for (size_t k = 0; k < j->ncols; k++) {
            if ((rc = sl_col_append_bytes(
                     &j->cols[k], f.len ? (char *)f.data + off : "", lens[k])))
                goto nomem;
            off += lens[k];
        }
        j->nrows++;
    }
    sl_buf_free(&f);
    if (!(j->next = calloc(j->nrows ? j->nrows : 1, sizeof *j->next)))
        goto nomem;
    /* index: rows with the same key chained in file order */
    const struct sl_col *kc = &j->cols[j->key_col];
    for (size_t r = j->nrows; r-- > 0;) {
        const void *kp = kc->data + kc->off[r];
        size_t kl = (size_t)(kc->off[r + 1] - kc->off[r]);
        bool fresh;
        struct hent *e = hm_put(&j->map, kp, kl, hm_hash(kp, kl), &fresh);
        if (!e)
            goto nomem;
        j->next[r] = fresh ? 0 : (uint32_t)(uintptr_t)e->val;
        e->val = (void *)(uintptr_t)(r + 1);
    }
    return 0;
nomem:
    sl_buf_free(&f);
    return sl_error_set(err, SL_ENOMEM, "%s: out of memory", j->o.path);
}

static int join_create(const struct sl_conf *c, void **st, struct sl_error *err)
{
    *st = NULL;
    struct join *j = calloc(1, sizeof *j);
    if (!j)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_options_parse(join_options, NULL, c, "join", &j->o, err);
    if (rc) {
        free(j);
        return rc;
    }
    j->inner = strcmp(j->o.how, "inner") == 0;
    tb_init(&j->out);
    sl_buf_init(&j->key, 1u << 20);
    FILE *fp = fopen(j->o.path, "rb");
    if (!fp) {
        rc = sl_error_set(err, SL_EIO, "path: cannot open %s: %m", j->o.path);
        goto fail;
    }
    struct sl_buf text;
    sl_buf_init(&text, (size_t)j->o.max_bytes);
    char buf[65536];
    size_t got;
    while (!rc && (got = fread(buf, 1, sizeof buf, fp)) > 0)
        rc = sl_buf_append(&text, buf, got);
    fclose(fp);
    if (rc == SL_ELIMIT)
        rc = sl_error_set(err, rc, "%s is larger than max_bytes", j->o.path);
    else if (rc)
        rc = sl_error_set(err, rc, "out of memory");
    if (!rc)
        rc = load_table(j, text.data ? (char *)text.data : "", text.len, err);
    sl_buf_free(&text);
    if (rc)
        goto fail;
    *st = j;
    return 0;
fail:
    join_destroy(j);
    return rc;
}

static int reserve(struct join *j, size_t n)
{
    if (n <= j->sel_cap)
        return 0;
    size_t cap = j->sel_cap ? j->sel_cap : 1024;
    while (cap < n)
        cap *= 2;
    uint32_t *s = realloc(j->sel, cap * sizeof *s);
    if (!s)
        return SL_ENOMEM;
    j->sel = s;
    uint32_t *m = realloc(j->match, cap * sizeof *m);
    if (!m)
        return SL_ENOMEM;
    j->match = m;
    j->sel_cap = cap;
    return 0;
}

static int join_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                      struct sl_error *err)
{
    struct join *j = st;
    const struct sl_col *kc = sl_expr_path_col(in, j->o.on);
    if (!kc)
        return sl_error_set(err, SL_EINVAL, "join: no column '%s'", j->o.on);
    size_t rows = sl_batch_rows(in), n = 0;
    int rc = reserve(j, rows + 1);
    for (size_t i = 0; i < rows && !rc; i++) {
        uint32_t r = 0;
        if (sl_col_is_valid(kc, i)) {
            sl_buf_reset(&j->key);
            if (kc->type == SL_STRING)
                rc = sl_buf_append(&j->key, kc->data + kc->off[i],
                                   (size_t)(kc->off[i + 1] - kc->off[i]));
            else
                rc = sl_col_value_json(kc, i, &j->key);
            struct hent *e = rc ? NULL
                                : hm_get(&j->map, j->key.data, j->key.len,
                                         hm_hash(j->key.data, j->key.len));
            r = e ? (uint32_t)(uintptr_t)e->val : 0;
        }
        if (!r && !j->inner) {
            if (!(rc = reserve(j, n + 1))) {
                j->sel[n] = (uint32_t)i;
                j->match[n++] = UINT32_MAX;
            }
        }
        for (; r && !rc; r = j->next[r - 1]) {
            if ((rc = reserve(j, n + 1)))
                break;
            j->sel[n] = (uint32_t)i;
            j->match[n++] = r - 1;
        }
    }
    if (rc)
        return sl_error_set(err, rc, "join: out of memory");
    tb_reset(&j->out);
    bool same = n == rows;
    for (size_t i = 0; same && i < n; i++)
        same = j->sel[i] == i;
    const struct sl_col *root = &in->root;
    if (same) {
        for (uint32_t k = 0; k < root->n_child && !rc; k++)
            rc = tb_add_view(&j->out, &root->child[k], NULL);
    } else {
        rc = tb_gather(&j->out, in, j->sel, n);
    }
    struct sl_field sf = {.type = SL_STRING, .nullable = true};
    for (size_t k = 0; k < j->ncols && !rc; k++) {
        if (k == j->key_col)
            continue;
        char name[512];
        snprintf(name, sizeof name, "%s", j->names[k]);
        for (uint32_t c = 0; c < root->n_child; c++)
            if (strcmp(root->child[c].name, name) == 0) {
                snprintf(name, sizeof name, "%s_right", j->names[k]);
                break;
            }
        struct sl_col *c = tb_add_new(&j->out, &sf, name);
        if (!c) {
            rc = SL_ENOMEM;
            break;
        }
        for (size_t i = 0; i < n && !rc; i++)
            rc = j->match[i] == UINT32_MAX
                     ? sl_col_append_null(c)
                     : sl__col_copy_row(c, &j->cols[k], j->match[i]);
    }
    if (!rc)
        rc = tb_finish(&j->out, n);
    if (rc)
        return sl_error_set(err, rc, "join: out of memory");
    *out = &j->out.b;
    return 0;
}

static int join_prepare(void *st, struct sl_transform_env *env,
                        struct sl_field *out, struct sl_error *err)
{
    struct join *j = st;
    if (!env->schema)
        return sl_error_set(
            err, SL_EINVAL,
            "join needs a declared schema: as in Glue, a job whose schema "
            "is detected from the data cannot join, because the columns "
            "the join adds must be known before the data is (declare "
            "source.schema, e.g. from `sluice schema`)");
    struct sl_batch *b, *o;
    int rc = sl_batch_create(env->schema, &b, err);
    if (rc)
        return rc;
    if (!sl_expr_path_col(b, j->o.on))
        rc = sl_error_set(err, SL_EINVAL, "on: no column '%s' in the stream",
                          j->o.on);
    if (!rc)
        rc = join_apply(j, b, &o, err);
    if (!rc)
        rc = sl_batch_schema(o, out);
    tb_reset(&j->out);
    sl_batch_destroy(b);
    return rc;
}

const struct sl_transform_ops sl_transform_join = {
    .name = "join",
    .summary = "enrich rows from a static CSV table (needs a declared "
               "schema)",
    .options = join_options,
    .create = join_create,
    .apply = join_apply,
    .prepare = join_prepare,
    .destroy = join_destroy,
};
