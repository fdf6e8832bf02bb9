/*
 * tbatch.c - transform output batches (views + owned columns), row copies
 * between columns of one layout, and the per-schema cache transforms use
 * under schema detection. See tbatch.h for the lifetime rules.
 */
#include "tbatch.h"

#include "expr.h"

#include <stdlib.h>
#include <string.h>

void tb_init(struct tb *t)
{
    memset(t, 0, sizeof *t);
    t->b.root.type = SL_STRUCT;
}

void tb_reset(struct tb *t)
{
    struct sl_col *r = &t->b.root;
    for (uint32_t i = 0; i < r->n_child; i++) {
        if (t->shared[i]) {
            free(r->child[i].name);
            memset(&r->child[i], 0, sizeof r->child[i]);
        } else {
            sl_col_free(&r->child[i]);
        }
    }
    r->n_child = 0;
    r->len = 0;
}

void tb_free(struct tb *t)
{
    if (!t)
        return;
    tb_reset(t);
    free(t->b.root.child);
    free(t->b.root.valid);
    free(t->shared);
    memset(t, 0, sizeof *t);
}

static int grow(struct tb *t)
{
    struct sl_col *r = &t->b.root;
    if (r->n_child < t->cap)
        return 0;
    if (t->cap >= TB_MAX_COLS)
        return SL_ELIMIT;
    uint32_t cap = t->cap ? t->cap * 2 : 16;
    struct sl_col *c = realloc(r->child, cap * sizeof *c);
    if (!c)
        return SL_ENOMEM;
    r->child = c;
    uint8_t *s = realloc(t->shared, cap);
    if (!s)
        return SL_ENOMEM;
    t->shared = s;
    t->cap = cap;
    r->child_cap = cap;
    return 0;
}

int tb_add_view(struct tb *t, const struct sl_col *src, const char *name)
{
    int rc = grow(t);
    if (rc)
        return rc;
    struct sl_col *r = &t->b.root;
    struct sl_col *c = &r->child[r->n_child];
    *c = *src;
    c->name = strdup(name ? name : src->name ? src->name : "");
    if (!c->name)
        return SL_ENOMEM;
    t->shared[r->n_child++] = 1;
    return 0;
}

struct sl_col *tb_add_new(struct tb *t, const struct sl_field *f,
                          const char *name)
{
    if (grow(t))
        return NULL;
    struct sl_col *r = &t->b.root;
    struct sl_field g = *f;
    g.name = (char *)name;
    struct sl_col *c = &r->child[r->n_child];
    if (sl_col_init(c, &g))
        return NULL;
    t->shared[r->n_child++] = 0;
    return c;
}

int tb_add_owned(struct tb *t, struct sl_col *c)
{
    int rc = grow(t);
    if (rc)
        return rc;
    struct sl_col *r = &t->b.root;
    r->child[r->n_child] = *c;
    memset(c, 0, sizeof *c);
    t->shared[r->n_child++] = 0;
    return 0;
}

int tb_finish(struct tb *t, size_t rows)
{
    struct sl_col *r = &t->b.root;
    size_t need = (rows + 7) / 8 + 1;
    if (need > t->valid_cap) {
        uint8_t *v = realloc(r->valid, need);
        if (!v)
            return SL_ENOMEM;
        r->valid = v;
        t->valid_cap = need;
    }
    memset(r->valid, 0xff, need);
    r->len = rows;
    r->cap = rows;
    return 0;
}

/* ---- copies ---- */

static int copy_range(struct sl_col *dst, const struct sl_col *src, size_t from,
                      size_t to);

static int copy_row(struct sl_col *dst, const struct sl_col *src, size_t i)
{
    if (!sl_col_is_valid(src, i))
        return sl_col_append_null(dst);
    switch (src->type) {
    case SL_NULLTYPE:
        return sl_col_append_null(dst);
    case SL_BOOLEAN:
        return sl_col_append_bool(dst, SL_COL_VALUES(src, uint8_t)[i]);
    case SL_INT:
    case SL_DATE:
        return sl_col_append_i32(dst, SL_COL_VALUES(src, int32_t)[i]);
    case SL_BIGINT:
    case SL_TIMESTAMP:
        return sl_col_append_i64(dst, SL_COL_VALUES(src, int64_t)[i]);
    case SL_FLOAT:
        return sl_col_append_f32(dst, SL_COL_VALUES(src, float)[i]);
    case SL_DOUBLE:
        return sl_col_append_f64(dst, SL_COL_VALUES(src, double)[i]);
    case SL_DECIMAL:
        return sl_col_append_dec(dst, SL_COL_VALUES(src, __int128)[i]);
    case SL_STRING:
    case SL_BINARY:
        return sl_col_append_bytes(dst, src->data + src->off[i],
                                   (size_t)(src->off[i + 1] - src->off[i]));
    case SL_ARRAY:
    case SL_MAP:
        for (uint32_t k = 0; k < src->n_child && k < dst->n_child; k++) {
            int rc = copy_range(&dst->child[k], &src->child[k],
                                (size_t)src->off[i], (size_t)src->off[i + 1]);
            if (rc)
                return rc;
        }
        return sl_col_list_end(dst);
    case SL_STRUCT:
        for (uint32_t k = 0; k < src->n_child && k < dst->n_child; k++) {
            int rc = copy_row(&dst->child[k], &src->child[k], i);
            if (rc)
                return rc;
        }
        return sl_col_struct_end(dst);
    }
    return SL_EINVAL;
}

static int copy_range(struct sl_col *dst, const struct sl_col *src, size_t from,
                      size_t to)
{
    for (size_t i = from; i < to; i++) {
        int rc = copy_row(dst, src, i);
        if (rc)
            return rc;
    }
    return 0;
}

int sl__col_copy_row(struct sl_col *dst, const struct sl_col *src, size_t i)
{
    return copy_row(dst, src, i);
}

/* Copy validity bits s[from, from+n) to d[at, at+n). */
static void copy_bits(uint8_t *d, size_t at, const uint8_t *s, size_t from,
                      size_t n)
{
#define GET(p, i) (((p)[(i) >> 3] >> ((i)&7)) & 1)
#define PUT(p, i, v)                                                           \
    ((p)[(i) >> 3] = (uint8_t)(((p)[(i) >> 3] & ~(1u << ((i)&7))) |            \
                               ((unsigned)(v) << ((i)&7))))
    size_t i = 0;
    for (; i < n && ((at + i) & 7); i++)
        PUT(d, at + i, GET(s, from + i));
    for (; i + 8 <= n; i += 8) {
        size_t sb = from + i, j = sb >> 3;
        unsigned sh = sb & 7;
        d[(at + i) >> 3] =
            sh ? (uint8_t)((s[j] >> sh) | (s[j + 1] << (8 - sh))) : s[j];
    }
    for (; i < n; i++)
        PUT(d, at + i, GET(s, from + i));
#undef GET
#undef PUT
}

/* Append rows [from, from+n) of src to dst (same layout) buffer by
 * buffer: values, offsets and data in one copy each, children likewise. */
static int copy_span(struct sl_col *dst, const struct sl_col *src, size_t from,
                     size_t n)
{
    if (!n)
        return 0;
    if (dst->type != src->type ||
        ((src->type == SL_STRUCT || src->type == SL_ARRAY ||
          src->type == SL_MAP) &&
         dst->n_child != src->n_child))
        return copy_range(dst, src, from, from + n); /* row by row */
    bool str = src->type == SL_STRING || src->type == SL_BINARY;
    size_t bytes = str ? (size_t)(src->off[from + n] - src->off[from]) : 0;
    int rc = sl_col_reserve(dst, n, bytes);
    if (rc)
        return rc;
    size_t at = dst->len;
    copy_bits(dst->valid, at, src->valid, from, n);
    size_t w = sl_type_width(src->type);
    if (w)
        memcpy((uint8_t *)dst->values + at * w,
               (const uint8_t *)src->values + from * w, n * w);
    if (str || src->type == SL_ARRAY || src->type == SL_MAP) {
        int32_t s0 = src->off[from], base = dst->off[at] - s0;
        for (size_t k = 1; k <= n; k++)
            dst->off[at + k] = src->off[from + k] + base;
        if (str && bytes) {
            memcpy(dst->data + dst->data_len, src->data + s0, bytes);
            dst->data_len += bytes;
        }
        if (!str)
            for (uint32_t k = 0; k < src->n_child && !rc; k++)
                rc = copy_span(&dst->child[k], &src->child[k], (size_t)s0,
                               (size_t)(src->off[from + n] - s0));
    } else if (src->type == SL_STRUCT) {
        for (uint32_t k = 0; k < src->n_child && !rc; k++)
            rc = copy_span(&dst->child[k], &src->child[k], from, n);
    }
    dst->len = at + n;
    return rc;
}

int sl__col_copy_rows(struct sl_col *dst, const struct sl_col *src,
                      const uint32_t *sel, size_t n)
{
    if (!sel)
        return copy_span(dst, src, 0, n);
    /* runs of consecutive rows, each copied at once */
    int rc = 0;
    for (size_t k = 0; k < n && !rc;) {
        size_t j = k + 1;
        while (j < n && sel[j] == sel[j - 1] + 1)
            j++;
        rc = copy_span(dst, src, sel[k], j - k);
        k = j;
    }
    return rc;
}

/* The field describing column c (names, types, children), no copy of
 * data. */
static int col_field(const struct sl_col *c, struct sl_field *f)
{
    struct sl_batch tmp = {.root = *c};
    return sl_batch_schema(&tmp, f);
}

int tb_gather(struct tb *t, const struct sl_batch *b, const uint32_t *sel,
              size_t n)
{
    const struct sl_col *r = &b->root;
    for (uint32_t k = 0; k < r->n_child; k++) {
        struct sl_field f;
        int rc = col_field(&r->child[k], &f);
        if (rc)
            return rc;
        struct sl_col *c = tb_add_new(t, &f, r->child[k].name);
        sl_field_free(&f);
        if (!c)
            return SL_ENOMEM;
        if ((rc = sl__col_copy_rows(c, &r->child[k], sel, n)))
            return rc;
    }
    return tb_finish(t, n);
}

/* A new column like src (type, children) holding rows sel[0..n). */
static int col_gather(struct sl_col *out, const struct sl_col *src,
                      const uint32_t *sel, size_t n)
{
    struct sl_field f;
    int rc = col_field(src, &f);
    if (rc)
        return rc;
    rc = sl_col_init(out, &f);
    sl_field_free(&f);
    return rc ? rc : sl__col_copy_rows(out, src, sel, n);
}

#define REBUILD_MAX 64 /* replaced columns under one column */

int sl__col_rebuild(struct sl_col *out, const struct sl_col *src,
                    struct trepl *r, size_t nr, const uint32_t *sel, size_t n)
{
    if (nr > REBUILD_MAX)
        return SL_ELIMIT;
    struct sl_field f = {
        .name = src->name, .type = SL_STRUCT, .nullable = src->nullable};
    int rc = sl_col_init(out, &f);
    if (rc)
        return rc;
    if (src->n_child &&
        !(out->child = calloc(src->n_child, sizeof *out->child)))
        return SL_ENOMEM;
    out->child_cap = src->n_child;
    for (uint32_t k = 0; k < src->n_child && !rc; k++) {
        const struct sl_col *c = &src->child[k];
        struct sl_col *d = &out->child[k];
        struct trepl sub[REBUILD_MAX];
        size_t ns = 0;
        struct sl_col *leaf = NULL;
        for (size_t i = 0; i < nr; i++) {
            char name[256];
            size_t used = sl_expr_path_part(r[i].path, name, sizeof name);
            if (!c->name || strcmp(name, c->name) != 0)
                continue;
            if (!r[i].path[used])
                leaf = r[i].leaf;
            else
                sub[ns++] = (struct trepl){r[i].path + used, r[i].leaf};
        }
        if (leaf) {
            char *name = strdup(c->name);
            if (!name)
                return SL_ENOMEM;
            *d = *leaf;
            memset(leaf, 0, sizeof *leaf);
            free(d->name);
            d->name = name;
        } else if (ns && c->type == SL_STRUCT) {
            rc = sl__col_rebuild(d, c, sub, ns, sel, n);
        } else {
            rc = col_gather(d, c, sel, n);
        }
        out->n_child = k + 1;
    }
    if (!rc && n)
        rc = sl_col_reserve(out, n, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t j = sel ? sel[i] : i;
        uint8_t bit = (uint8_t)(1u << (i & 7));
        if (sl_col_is_valid(src, j))
            out->valid[i >> 3] |= bit;
        else
            out->valid[i >> 3] &= (uint8_t)~bit;
    }
    if (!rc)
        out->len = n;
    return rc;
}

static bool col_is(const struct sl_col *c, const struct sl_field *f)
{
    if (c->type != f->type || c->n_child != f->n_children)
        return false;
    if ((c->name == NULL) != (f->name == NULL) ||
        (c->name && strcmp(c->name, f->name) != 0))
        return false;
    if (c->type == SL_DECIMAL &&
        (c->precision != f->precision || c->scale != f->scale))
        return false;
    for (uint32_t i = 0; i < c->n_child; i++)
        if (!col_is(&c->child[i], &f->children[i]))
            return false;
    return true;
}

bool sl__batch_has_schema(const struct sl_batch *b, const struct sl_field *f)
{
    const struct sl_col *r = &b->root;
    if (r->n_child != f->n_children)
        return false;
    for (uint32_t i = 0; i < r->n_child; i++)
        if (!col_is(&r->child[i], &f->children[i]))
            return false;
    return true;
}

/* ---- per-schema cache ---- */

void *tcache_get(struct tcache *c, const struct sl_batch *b)
{
    for (int i = 0; i < c->n; i++)
        if (sl__batch_has_schema(b, &c->schema[i]))
            return c->val[i];
    return NULL;
}

int tcache_put(struct tcache *c, struct sl_field *f, void *val)
{
    int i;
    if (c->n < TCACHE_MAX) {
        i = c->n++;
    } else {
        i = c->next;
        c->next = (c->next + 1) % TCACHE_MAX;
    }
    if (c->val[i])
        c->free_val(c->val[i]);
    sl_field_free(&c->schema[i]);
    c->schema[i] = *f;
    memset(f, 0, sizeof *f);
    c->val[i] = val;
    return 0;
}

void tcache_free(struct tcache *c)
{
    for (int i = 0; i < c->n; i++) {
        if (c->val[i])
            c->free_val(c->val[i]);
        sl_field_free(&c->schema[i]);
    }
    c->n = c->next = 0;
}

/* ---- xset ---- */

struct xcomp {
    size_t n;
    struct sl_expr *e[];
};

static void xcomp_free(void *p)
{
    struct xcomp *x = p;
    for (size_t i = 0; x && i < x->n; i++)
        sl_expr_destroy(x->e[i]);
    free(x);
}

void xset_init(struct xset *x, size_t n, char **text)
{
    memset(x, 0, sizeof *x);
    x->n = n;
    x->text = text;
    x->cache.free_val = xcomp_free;
}

void xset_free(struct xset *x)
{
    if (x)
        tcache_free(&x->cache);
}

static int compile_all(struct xset *x, const struct sl_field *f,
                       struct xcomp **out, struct sl_error *err)
{
    struct xcomp *c = calloc(1, sizeof *c + x->n * sizeof c->e[0]);
    if (!c)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    for (size_t i = 0; i < x->n; i++) {
        int rc = sl_expr_compile_ex(
            x->text[i], f, x->detect ? SL_EXPR_MISSING_NULL : 0, &c->e[i], err);
        c->n = i + 1;
        if (rc) {
            xcomp_free(c);
            return rc;
        }
    }
    *out = c;
    return 0;
}

int xset_syntax(struct xset *x, struct sl_error *err)
{
    for (size_t i = 0; i < x->n; i++) {
        struct sl_expr *e;
        int rc = sl_expr_compile(x->text[i], NULL, &e, err);
        if (rc)
            return rc;
        sl_expr_destroy(e);
    }
    return 0;
}

int xset_prepare(struct xset *x, const struct sl_field *schema,
                 struct sl_error *err)
{
    struct xcomp *c;
    struct sl_field f;
    int rc = compile_all(x, schema, &c, err);
    if (rc)
        return rc;
    if (sl_field_copy(&f, schema)) {
        xcomp_free(c);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    return tcache_put(&x->cache, &f, c);
}

int xset_get(struct xset *x, const struct sl_batch *b, struct sl_expr ***out,
             struct sl_error *err)
{
    struct xcomp *c = tcache_get(&x->cache, b);
    if (!c) {
        struct sl_field f;
        int rc = sl_batch_schema(b, &f);
        if (rc)
            return sl_error_set(err, rc, "out of memory");
        rc = compile_all(x, &f, &c, err);
        if (!rc)
            rc = tcache_put(&x->cache, &f, c);
        sl_field_free(&f);
        if (rc)
            return rc;
    }
    *out = c->e;
    return 0;
}

struct sl_expr **xset_prepared(struct xset *x)
{
    struct xcomp *c = x->cache.val[0];
    return c->e;
}
