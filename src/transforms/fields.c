/*
 * fields.c - Glue's field transforms: select_fields, drop_fields,
 * rename_field, drop_null_fields.
 *
 * Each builds, per distinct input schema, a *shape*: for every output
 * column, which input column it comes from, its name, and (for a struct
 * of which only some fields stay or one is renamed) the same one level
 * down. Columns kept whole pass as views (no copy); a reshaped struct is
 * copied row by row into a new struct column. Paths are dotted (a.b.c,
 * `odd.name` quoted with backticks). A path that names nothing is ignored
 * by drop_fields and select_fields, as Glue does, so one job handles
 * records with and without the field.
 *
 * drop_null_fields drops the top-level columns that are null in every row
 * of the chunk (DropNullFields works on the whole DynamicFrame; here the
 * chunk is the frame, so the output schema may differ between chunks).
 */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tbatch.h"

struct shape {
    int src;    /* child index in the input struct */
    char *name; /* output name */
    bool whole; /* the input column as it is (renamed at most) */
    size_t nk;
    struct shape *kid;
};

static void shape_free(struct shape *s)
{
    for (size_t i = 0; i < s->nk; i++)
        shape_free(&s->kid[i]);
    free(s->kid);
    free(s->name);
    memset(s, 0, sizeof *s);
}

static struct shape *shape_add(struct shape *s, int src, const char *name,
                               bool whole)
{
    struct shape *v = realloc(s->kid, (s->nk + 1) * sizeof *v);
    if (!v)
        return NULL;
    s->kid = v;
    struct shape *k = &v[s->nk];
    memset(k, 0, sizeof *k);
    k->src = src;
    k->whole = whole;
    if (!(k->name = strdup(name)))
        return NULL;
    s->nk++;
    return k;
}

/* Every child of f, whole. */
static int shape_all(struct shape *s, const struct sl_field *f)
{
    for (uint32_t i = 0; i < f->n_children; i++)
        if (!shape_add(s, (int)i, f->children[i].name, true))
            return SL_ENOMEM;
    return 0;
}

static int field_index(const struct sl_field *f, const char *name)
{
    for (uint32_t i = 0; i < f->n_children; i++)
        if (strcmp(f->children[i].name, name) == 0)
            return (int)i;
    return -1;
}

static struct shape *shape_find(struct shape *s, int src)
{
    for (size_t i = 0; i < s->nk; i++)
        if (s->kid[i].src == src)
            return &s->kid[i];
    return NULL;
}

/* Walk path in (shape s over field f); on the way, whole structs open up
 * into their children. Returns the parent shape and the index of the last
 * step in *at, or NULL when the path names nothing. */
static struct shape *open_path(struct shape *s, const struct sl_field *f,
                               const char *path, size_t *at, int *rc)
{
    char name[256];
    *rc = 0;
    for (;;) {
        path += sl_expr_path_part(path, name, sizeof name);
        int ix = field_index(f, name);
        if (ix < 0)
            return NULL;
        struct shape *k = shape_find(s, ix);
        if (!k)
            return NULL;
        if (!*path) {
            *at = (size_t)(k - s->kid);
            return s;
        }
        f = &f->children[ix];
        if (f->type != SL_STRUCT)
            return NULL;
        if (k->whole) {
            k->whole = false;
            if ((*rc = shape_all(k, f)))
                return NULL;
        }
        s = k;
    }
}

static int shape_drop(struct shape *root, const struct sl_field *f,
                      const char *path)
{
    size_t at;
    int rc;
    struct shape *p = open_path(root, f, path, &at, &rc);
    if (!p)
        return rc;
    shape_free(&p->kid[at]);
    memmove(&p->kid[at], &p->kid[at + 1], (p->nk - at - 1) * sizeof *p->kid);
    p->nk--;
    return 0;
}

static int shape_rename(struct shape *root, const struct sl_field *f,
                        const char *path, const char *to)
{
    size_t at;
    int rc;
    struct shape *p = open_path(root, f, path, &at, &rc);
    if (!p)
        return rc;
    char *n = strdup(to);
    if (!n)
        return SL_ENOMEM;
    free(p->kid[at].name);
    p->kid[at].name = n;
    return 0;
}

/* select: add path to s (which starts empty), keeping input order. */
static int shape_select(struct shape *s, const struct sl_field *f,
                        const char *path)
{
    char name[256];
    for (;;) {
        path += sl_expr_path_part(path, name, sizeof name);
        int ix = field_index(f, name);
        if (ix < 0)
            return 0;
        struct shape *k = shape_find(s, ix);
        if (!k) {
            if (!(k = shape_add(s, ix, name, !*path)))
                return SL_ENOMEM;
            /* keep input order */
            for (size_t i = s->nk - 1; i > 0 && s->kid[i - 1].src > ix; i--) {
                struct shape t = s->kid[i];
                s->kid[i] = s->kid[i - 1];
                s->kid[i - 1] = t;
                k = &s->kid[i - 1];
            }
        }
        if (!*path) {
            for (size_t i = 0; i < k->nk; i++)
                shape_free(&k->kid[i]);
            k->nk = 0;
            k->whole = true;
            return 0;
        }
        if (k->whole)
            return 0; /* a.b after a: a stays whole */
        f = &f->children[ix];
        if (f->type != SL_STRUCT)
            return 0;
        s = k;
    }
}

/* Output field of shape s over input field f. */
static int shape_field(const struct shape *s, const struct sl_field *f,
                       struct sl_field *out)
{
    if (s->whole) {
        int rc = sl_field_copy(out, f);
        if (rc)
            return rc;
        free(out->name);
        return (out->name = strdup(s->name)) ? 0 : SL_ENOMEM;
    }
    memset(out, 0, sizeof *out);
    out->type = SL_STRUCT;
    out->nullable = f->nullable;
    if (!(out->name = strdup(s->name)) ||
        !(out->children = calloc(s->nk ? s->nk : 1, sizeof *out->children)))
        return SL_ENOMEM;
    for (size_t i = 0; i < s->nk; i++) {
        int rc = shape_field(&s->kid[i], &f->children[s->kid[i].src],
                             &out->children[i]);
        out->n_children = (uint32_t)i + 1;
        if (rc)
            return rc;
    }
    return 0;
}

static int shape_copy_row(const struct shape *s, struct sl_col *dst,
                          const struct sl_col *src, size_t i)
{
    if (!sl_col_is_valid(src, i))
        return sl_col_append_null(dst);
    for (size_t k = 0; k < s->nk; k++) {
        const struct shape *ks = &s->kid[k];
        const struct sl_col *sc = &src->child[ks->src];
        int rc = ks->whole ? sl__col_copy_row(&dst->child[k], sc, i)
                           : shape_copy_row(ks, &dst->child[k], sc, i);
        if (rc)
            return rc;
    }
    return sl_col_struct_end(dst);
}

static int shape_copy(const struct shape *s, struct sl_col *dst,
                      const struct sl_col *src, size_t rows)
{
    for (size_t i = 0; i < rows; i++) {
        int rc = shape_copy_row(s, dst, src, i);
        if (rc)
            return rc;
    }
    return 0;
}

enum kind { K_SELECT, K_DROP, K_RENAME, K_DROP_NULL };

struct fields {
    enum kind kind;
    struct sl_strlist paths;
    char *from, *to;
    struct tcache cache; /* schema -> struct shape */
    struct tb out;
};

static void shape_box_free(void *p)
{
    shape_free(p);
    free(p);
}

static void fields_destroy(void *st)
{
    struct fields *x = st;
    if (!x)
        return;
    tcache_free(&x->cache);
    tb_free(&x->out);
    sl_strlist_free(&x->paths);
    free(x->from);
    free(x->to);
    free(x);
}

static int make_shape(struct fields *x, const struct sl_field *f,
                      struct shape **out)
{
    struct shape *s = calloc(1, sizeof *s);
    if (!s)
        return SL_ENOMEM;
    int rc = 0;
    if (x->kind != K_SELECT)
        rc = shape_all(s, f);
    for (size_t i = 0; !rc && i < x->paths.n; i++)
        rc = x->kind == K_SELECT ? shape_select(s, f, x->paths.v[i])
                                 : shape_drop(s, f, x->paths.v[i]);
    if (!rc && x->kind == K_RENAME)
        rc = shape_rename(s, f, x->from, x->to);
    if (rc) {
        shape_box_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int fields_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                        struct sl_error *err)
{
    struct fields *x = st;
    const struct sl_col *r = &in->root;
    size_t rows = sl_batch_rows(in);
    int rc;
    tb_reset(&x->out);
    if (x->kind == K_DROP_NULL) {
        for (uint32_t k = 0; k < r->n_child; k++) {
            const struct sl_col *c = &r->child[k];
            bool any = false;
            for (size_t i = 0; i < rows && !any; i++)
                any = sl_col_is_valid(c, i);
            if (any && (rc = tb_add_view(&x->out, c, NULL)))
                goto nomem;
        }
        goto done;
    }
    struct shape *s = tcache_get(&x->cache, in);
    struct sl_field f = {0};
    if (!s) {
        if ((rc = sl_batch_schema(in, &f)) || (rc = make_shape(x, &f, &s)))
            goto nomem;
        if ((rc = tcache_put(&x->cache, &f, s)))
            goto nomem;
        s = tcache_get(&x->cache, in);
    }
    for (size_t k = 0; k < s->nk; k++) {
        const struct shape *ks = &s->kid[k];
        const struct sl_col *c = &r->child[ks->src];
        if (ks->whole) {
            if ((rc = tb_add_view(&x->out, c, ks->name)))
                goto nomem;
            continue;
        }
        struct sl_field cf, of;
        struct sl_batch tmp = {.root = *c};
        if ((rc = sl_batch_schema(&tmp, &cf)))
            goto nomem;
        rc = shape_field(ks, &cf, &of);
        sl_field_free(&cf);
        struct sl_col *nc = rc ? NULL : tb_add_new(&x->out, &of, ks->name);
        sl_field_free(&of);
        if (!nc || (rc = shape_copy(ks, nc, c, rows)))
            goto nomem;
    }
done:
    if ((rc = tb_finish(&x->out, rows)))
        goto nomem;
    *out = &x->out.b;
    return 0;
nomem:
    return sl_error_set(err, rc ? rc : SL_ENOMEM, "%s: out of memory",
                        x->kind == K_SELECT ? "select_fields" : "fields");
}

static int fields_prepare(void *st, struct sl_transform_env *env,
                          struct sl_field *out, struct sl_error *err)
{
    if (!env->schema || ((struct fields *)st)->kind == K_DROP_NULL)
        return 0; /* drop_null_fields: the output depends on the data */
    struct sl_batch *b, *o;
    int rc = sl_batch_create(env->schema, &b, err);
    if (rc)
        return rc;
    rc = fields_apply(st, b, &o, err);
    if (!rc)
        rc = sl_batch_schema(o, out);
    tb_reset(&((struct fields *)st)->out);
    sl_batch_destroy(b);
    return rc;
}

static int paths_of(const struct sl_conf *c, struct sl_strlist *l,
                    struct sl_error *err)
{
    const struct sl_conf *v = c;
    if (c && c->kind == SL_CONF_MAP)
        v = sl_conf_get(c, "paths");
    if (!v || (v->kind != SL_CONF_SEQ && v->kind != SL_CONF_SCALAR))
        return sl_error_set(err, SL_EINVAL,
                            "expected a list of field paths, e.g. [id, "
                            "user.name]");
    size_t n = v->kind == SL_CONF_SEQ ? v->n : 1;
    if (!(l->v = calloc(n ? n : 1, sizeof *l->v)))
        return SL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct sl_conf *it = v->kind == SL_CONF_SEQ ? v->items[i] : v;
        if (it->kind != SL_CONF_SCALAR || !it->str || !*it->str)
            return sl_error_set(err, SL_EINVAL,
                                "item %zu: expected a field path", i + 1);
        if (!(l->v[i] = strdup(it->str)))
            return SL_ENOMEM;
        l->n = i + 1;
    }
    return 0;
}

static int create_kind(enum kind kind, const struct sl_conf *c, void **st,
                       struct sl_error *err)
{
    *st = NULL;
    struct fields *x = calloc(1, sizeof *x);
    if (!x)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    x->kind = kind;
    x->cache.free_val = shape_box_free;
    tb_init(&x->out);
    int rc = 0;
    if (kind == K_SELECT || kind == K_DROP) {
        rc = paths_of(c, &x->paths, err);
    } else if (kind == K_RENAME) {
        const char *from = sl_conf_str(c, "from"), *to = sl_conf_str(c, "to");
        if (!from || !to || !*from || !*to)
            rc = sl_error_set(err, SL_EINVAL,
                              "expected {from: a.b, to: new_name}");
        else if (!(x->from = strdup(from)))
            rc = SL_ENOMEM;
        else {
            /* `to` may be a whole path with the same parent: keep its last
             * name */
            char name[256] = "";
            for (const char *p = to; *p;)
                p += sl_expr_path_part(p, name, sizeof name);
            if (!(x->to = strdup(name)))
                rc = SL_ENOMEM;
        }
    } else if (c && c->kind == SL_CONF_SCALAR) {
        bool on = true;
        if (sl_parse_bool(c->str, &on) || !on)
            rc =
                sl_error_set(err, SL_EINVAL, "expected drop_null_fields: true");
    }
    if (rc) {
        if (rc == SL_ENOMEM && err && !err->msg[0])
            sl_error_set(err, rc, "out of memory");
        fields_destroy(x);
        return rc;
    }
    *st = x;
    return 0;
}

static int select_create(const struct sl_conf *c, void **st,
                         struct sl_error *err)
{
    return create_kind(K_SELECT, c, st, err);
}
static int drop_create(const struct sl_conf *c, void **st, struct sl_error *err)
{
    return create_kind(K_DROP, c, st, err);
}
static int rename_create(const struct sl_conf *c, void **st,
                         struct sl_error *err)
{
    return create_kind(K_RENAME, c, st, err);
}
static int drop_null_create(const struct sl_conf *c, void **st,
                            struct sl_error *err)
{
    return create_kind(K_DROP_NULL, c, st, err);
}

const struct sl_transform_ops sl_transform_select_fields = {
    .name = "select_fields",
    .summary = "keep only the listed field paths (Glue SelectFields)",
    .takes = "list of paths",
    .create = select_create,
    .apply = fields_apply,
    .prepare = fields_prepare,
    .destroy = fields_destroy,
};

const struct sl_transform_ops sl_transform_drop_fields = {
    .name = "drop_fields",
    .summary = "remove the listed field paths (Glue DropFields)",
    .takes = "list of paths",
    .create = drop_create,
    .apply = fields_apply,
    .prepare = fields_prepare,
    .destroy = fields_destroy,
};

const struct sl_transform_ops sl_transform_rename_field = {
    .name = "rename_field",
    .summary = "rename one field, at any depth (Glue RenameField)",
    .takes = "{from: path, to: name}",
    .create = rename_create,
    .apply = fields_apply,
    .prepare = fields_prepare,
    .destroy = fields_destroy,
};

const struct sl_transform_ops sl_transform_drop_null_fields = {
    .name = "drop_null_fields",
    .summary = "remove columns that are null in every row of the chunk",
    .takes = "true",
    .create = drop_null_create,
    .apply = fields_apply,
    .prepare = fields_prepare,
    .destroy = fields_destroy,
};
