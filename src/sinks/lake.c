/*
 * lake.c - output names and Hive partition folders of the lake sinks (see
 * lake.h for the naming contract).
 *
 * Grouping a chunk by folder: for each row the folder text is built in a
 * scratch buffer and looked up in a small open-addressing table of the
 * chunk's folders; rows then go to their group by a counting pass, which
 * keeps each group's rows in source order. With only ingest_* keys every
 * row shares one folder and no per-row work is done.
 */
#include "lake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "formats/text_out.h"

/* Ceiling on the folders of one chunk (a typo'd partition_by on a unique
 * column would otherwise make one folder per row). */
#define MAX_GROUPS 65536

uint64_t sl__lake_hash(const void *p, size_t n)
{
    /* FNV-1a 64 over the bytes ... */
    const uint8_t *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    /* ... then an avalanche step, so ids that differ in their last byte
     * ("topic/1", "topic/2") differ in every hex digit. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

int sl__lake_part_name(struct sl_buf *o, int64_t batch, const char *partition,
                       uint32_t part, const char *checkpoint_id,
                       const char *ext)
{
    uint64_t h = sl__lake_hash(partition, strlen(partition));
    return sl_buf_appendf(o, "part-%08lld-%016llx-%05u-%s.%s", (long long)batch,
                          (unsigned long long)h, part, checkpoint_id, ext);
}

static bool hive_special(uint8_t c)
{
    return c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c) != NULL;
}

int sl__hive_escape(struct sl_buf *o, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = sl_buf_reserve(o, n * 3);
    if (rc)
        return rc;
    uint8_t *w = o->data + o->len;
    for (size_t i = 0; i < n; i++) {
        if (hive_special(s[i])) {
            *w++ = '%';
            *w++ = (uint8_t)hex[s[i] >> 4];
            *w++ = (uint8_t)hex[s[i] & 15];
        } else {
            *w++ = s[i];
        }
    }
    o->len = (size_t)(w - o->data);
    return 0;
}

static const char *const ingest_names[] = {
    NULL, "ingest_year", "ingest_month", "ingest_day", "ingest_hour",
};

void sl__lake_spec_free(struct sl_lake_spec *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n; i++) {
        free(sp->name ? sp->name[i] : NULL);
        free(sp->fixed ? sp->fixed[i] : NULL);
    }
    free(sp->kind);
    free(sp->name);
    free(sp->fixed);
    memset(sp, 0, sizeof *sp);
}

int sl__lake_spec_init(struct sl_lake_spec *sp, const struct sl_strlist *by,
                       struct sl_error *err)
{
    memset(sp, 0, sizeof *sp);
    size_t n = by ? by->n : 0;
    if (n == 0)
        return 0;
    sp->kind = calloc(n, sizeof *sp->kind);
    sp->name = calloc(n, sizeof *sp->name);
    sp->fixed = calloc(n, sizeof *sp->fixed);
    if (!sp->kind || !sp->name || !sp->fixed)
        goto nomem;
    sp->n = n;
    for (size_t i = 0; i < n; i++) {
        const char *k = by->v[i];
        if (!k || !*k) {
            sl__lake_spec_free(sp);
            return sl_error_set(err, SL_EINVAL,
                                "sink: partition_by entry %zu is empty", i + 1);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(by->v[j], k) == 0) {
                sl__lake_spec_free(sp);
                return sl_error_set(err, SL_EINVAL,
                                    "sink: partition_by names '%s' twice", k);
            }
        if (!(sp->name[i] = strdup(k)))
            goto nomem;
        for (int t = SL_LAKE_INGEST_YEAR; t <= SL_LAKE_INGEST_HOUR; t++)
            if (strcmp(k, ingest_names[t]) == 0)
                sp->kind[i] = (enum sl_lake_key)t;
        if (sp->kind[i] == SL_LAKE_COLUMN)
            sp->has_columns = true;
    }
    return 0;
nomem:
    sl__lake_spec_free(sp);
    return sl_error_set(err, SL_ENOMEM, "sink: out of memory");
}

int sl__lake_spec_window(struct sl_lake_spec *sp, int64_t window_start_ms)
{
    int64_t ms_day = 86400000;
    int64_t days = window_start_ms / ms_day, rem = window_start_ms % ms_day;
    if (rem < 0) {
        rem += ms_day;
        days--;
    }
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    for (size_t i = 0; i < sp->n; i++) {
        char t[64];
        switch (sp->kind[i]) {
        case SL_LAKE_COLUMN:
            continue;
        case SL_LAKE_INGEST_YEAR:
            snprintf(t, sizeof t, "ingest_year=%04lld", (long long)y);
            break;
        case SL_LAKE_INGEST_MONTH:
            snprintf(t, sizeof t, "ingest_month=%02u", m);
            break;
        case SL_LAKE_INGEST_DAY:
            snprintf(t, sizeof t, "ingest_day=%02u", d);
            break;
        case SL_LAKE_INGEST_HOUR:
            snprintf(t, sizeof t, "ingest_hour=%02u",
                     (unsigned)(rem / 3600000));
            break;
        }
        char *s = strdup(t);
        if (!s)
            return SL_ENOMEM;
        free(sp->fixed[i]);
        sp->fixed[i] = s;
    }
    return 0;
}

bool sl__lake_spec_is_column(const struct sl_lake_spec *sp, const char *name)
{
    for (size_t i = 0; i < sp->n; i++)
        if (sp->kind[i] == SL_LAKE_COLUMN && strcmp(sp->name[i], name) == 0)
            return true;
    return false;
}

int sl__lake_content_schema(const struct sl_lake_spec *sp,
                            const struct sl_batch *b, struct sl_field *out,
                            struct sl_error *err)
{
    int rc = sl_batch_schema(b, out);
    if (rc)
        return sl_error_set(err, rc, "sink: cannot read the batch schema: %s",
                            sl_strerror(rc));
    if (!sp->has_columns)
        return 0;
    uint32_t w = 0;
    for (uint32_t k = 0; k < out->n_children; k++) {
        struct sl_field *f = &out->children[k];
        if (f->name && sl__lake_spec_is_column(sp, f->name)) {
            sl_field_free(f);
            continue;
        }
        if (w != k)
            out->children[w] = *f;
        w++;
    }
    out->n_children = w;
    return 0;
}

void sl__lake_groups_free(struct sl_lake_groups *g)
{
    if (!g)
        return;
    free(g->v);
    free(g->sel);
    free(g->gid);
    free(g->tab);
    free(g->cols);
    sl_buf_free(&g->names);
    sl_buf_free(&g->scratch);
    sl_buf_free(&g->value);
    memset(g, 0, sizeof *g);
}

/* Append the folder of row i (every key) to o; tmp holds a value's text. */
static int row_folder(struct sl_buf *o, struct sl_buf *tmp,
                      const struct sl_lake_spec *sp,
                      const struct sl_col *const *cols, size_t i)
{
    int rc = 0;
    for (size_t k = 0; k < sp->n && !rc; k++) {
        if (k > 0 && (rc = sl_buf_putc(o, '/')))
            break;
        if (sp->kind[k] != SL_LAKE_COLUMN) {
            rc = sl_buf_puts(o, sp->fixed[k] ? sp->fixed[k] : "");
            continue;
        }
        if ((rc = sl__hive_escape(o, (const uint8_t *)sp->name[k],
                                  strlen(sp->name[k]))) ||
            (rc = sl_buf_putc(o, '=')))
            break;
        const struct sl_col *c = cols[k];
        if (!c || c->type == SL_NULLTYPE || !sl_col_is_valid(c, i) ||
            ((c->type == SL_STRING || c->type == SL_BINARY) &&
             c->off[i] == c->off[i + 1])) {
            rc = sl_buf_puts(o, SL_HIVE_DEFAULT_PARTITION);
            continue;
        }
        if (c->type == SL_STRING) {
            rc = sl__hive_escape(o, c->data + c->off[i],
                                 (size_t)(c->off[i + 1] - c->off[i]));
            continue;
        }
        sl_buf_reset(tmp);
        if ((rc = sl__text_value(tmp, c, i)))
            break;
        rc = sl__hive_escape(o, tmp->data, tmp->len);
    }
    return rc;
}

static int grow_rows(struct sl_lake_groups *g, size_t rows)
{
    if (rows <= g->rows_cap)
        return 0;
    uint32_t *s = realloc(g->sel, rows * sizeof *s);
    if (!s)
        return SL_ENOMEM;
    g->sel = s;
    uint32_t *d = realloc(g->gid, rows * sizeof *d);
    if (!d)
        return SL_ENOMEM;
    g->gid = d;
    g->rows_cap = rows;
    return 0;
}

static int add_group(struct sl_lake_groups *g, const uint8_t *name, size_t n)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        struct sl_lake_group *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return SL_ENOMEM;
        g->v = v;
        g->cap = cap;
    }
    struct sl_lake_group *gr = &g->v[g->n++];
    gr->name_off = g->names.len;
    gr->name_len = n;
    gr->sel_off = gr->n = 0;
    int rc = sl_buf_append(&g->names, name, n);
    return rc ? rc : sl_buf_putc(&g->names, '\0');
}

/* Index of the folder in g->scratch, adding it when new. */
static int find_group(struct sl_lake_groups *g, uint32_t *out)
{
    if (g->n * 2 >= g->tab_cap) {
        size_t cap = g->tab_cap ? g->tab_cap * 2 : 64;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t)
            return SL_ENOMEM;
        for (size_t k = 0; k < g->n; k++) {
            const struct sl_lake_group *gr = &g->v[k];
            size_t h = (size_t)sl__lake_hash(g->names.data + gr->name_off,
                                             gr->name_len);
            while (t[h & (cap - 1)])
                h++;
            t[h & (cap - 1)] = (uint32_t)k + 1;
        }
        free(g->tab);
        g->tab = t;
        g->tab_cap = cap;
    }
    const uint8_t *s = g->scratch.data;
    size_t n = g->scratch.len;
    size_t h = (size_t)sl__lake_hash(s, n);
    for (;; h++) {
        uint32_t e = g->tab[h & (g->tab_cap - 1)];
        if (!e)
            break;
        const struct sl_lake_group *gr = &g->v[e - 1];
        if (gr->name_len == n &&
            memcmp(g->names.data + gr->name_off, s, n) == 0) {
            *out = e - 1;
            return 0;
        }
    }
    if (g->n >= MAX_GROUPS)
        return SL_ELIMIT;
    int rc = add_group(g, s, n);
    if (rc)
        return rc;
    g->tab[h & (g->tab_cap - 1)] = (uint32_t)g->n;
    *out = (uint32_t)g->n - 1;
    return 0;
}

int sl__lake_group(struct sl_lake_groups *g, const struct sl_lake_spec *sp,
                   const struct sl_batch *b, struct sl_error *err)
{
    size_t rows = sl_batch_rows(b);
    g->n = 0;
    g->all_rows = false;
    sl_buf_reset(&g->names);
    if (g->tab)
        memset(g->tab, 0, g->tab_cap * sizeof *g->tab);
    int rc = 0;
    if (!sp->has_columns) {
        sl_buf_reset(&g->scratch);
        if ((rc = row_folder(&g->scratch, &g->value, sp, NULL, 0)) ||
            (rc = add_group(g, g->scratch.data, g->scratch.len)))
            goto fail;
        g->all_rows = true;
        g->v[0].n = rows;
        return 0;
    }
    if (sp->n > g->cols_cap) {
        const struct sl_col **c = realloc(g->cols, sp->n * sizeof *c);
        if (!c) {
            rc = SL_ENOMEM;
            goto fail;
        }
        g->cols = c;
        g->cols_cap = sp->n;
    }
    const struct sl_col **cols = g->cols;
    for (size_t k = 0; k < sp->n; k++) {
        cols[k] = NULL;
        if (sp->kind[k] != SL_LAKE_COLUMN)
            continue;
        for (uint32_t j = 0; j < b->root.n_child; j++)
            if (b->root.child[j].name &&
                strcmp(b->root.child[j].name, sp->name[k]) == 0)
                cols[k] = &b->root.child[j];
        if (cols[k] && sl_type_is_nested(cols[k]->type))
            return sl_error_set(err, SL_EINVAL,
                                "sink: partition_by column '%s' is %s; only "
                                "scalar columns can name folders",
                                sp->name[k], sl_type_name(cols[k]->type));
    }
    if ((rc = grow_rows(g, rows)))
        goto fail;
    for (size_t i = 0; i < rows; i++) {
        sl_buf_reset(&g->scratch);
        uint32_t gi;
        if ((rc = row_folder(&g->scratch, &g->value, sp, cols, i)) ||
            (rc = find_group(g, &gi)))
            goto fail;
        g->gid[i] = gi;
        g->v[gi].n++;
    }
    /* Counting pass: group k's rows start after groups 0..k-1. */
    size_t at = 0;
    for (size_t k = 0; k < g->n; k++) {
        g->v[k].sel_off = at;
        at += g->v[k].n;
        g->v[k].n = 0;
    }
    for (size_t i = 0; i < rows; i++) {
        struct sl_lake_group *gr = &g->v[g->gid[i]];
        g->sel[gr->sel_off + gr->n++] = (uint32_t)i;
    }
    return 0;
fail:
    if (rc == SL_ELIMIT)
        return sl_error_set(err, rc,
                            "sink: more than %d partition folders in one "
                            "chunk; partition_by is probably a column with "
                            "(almost) unique values",
                            MAX_GROUPS);
    return sl_error_set(err, rc, "sink: cannot split rows by folder: %s",
                        sl_strerror(rc));
}
