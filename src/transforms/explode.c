/*
 * explode.c - `explode: path`: one row per element of the array column at
 * `path`, the other columns repeated; the column takes the element's
 * type. Rows whose array is null or empty give no row (Spark's explode;
 * `{path: p, outer: true}` keeps them with a null, as explode_outer). A
 * map explodes into struct<key, value> rows. A dotted path (a.b.items)
 * explodes an array inside structs: the enclosing structs are rebuilt
 * with the element in the array's place (sl__col_rebuild).
 */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tbatch.h"

struct explode {
    char *path;
    bool outer;
    struct tb out;
    uint32_t *sel;
    size_t sel_cap;
};

static void explode_destroy(void *st)
{
    struct explode *x = st;
    if (!x)
        return;
    tb_free(&x->out);
    free(x->sel);
    free(x->path);
    free(x);
}

static int explode_create(const struct sl_conf *c, void **st,
                          struct sl_error *err)
{
    *st = NULL;
    const char *path = NULL;
    bool outer = false;
    if (c && c->kind == SL_CONF_SCALAR) {
        path = c->str;
    } else if (c && c->kind == SL_CONF_MAP) {
        path = sl_conf_str(c, "path");
        const char *o = sl_conf_str(c, "outer");
        if (o && sl_parse_bool(o, &outer))
            return sl_error_set(err, SL_EINVAL,
                                "outer: expected true or "
                                "false");
    }
    if (!path || !*path)
        return sl_error_set(err, SL_EINVAL,
                            "expected the array column: explode: items (or "
                            "{path: items, outer: true})");
    struct explode *x = calloc(1, sizeof *x);
    if (!x || !(x->path = strdup(path))) {
        free(x);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    x->outer = outer;
    tb_init(&x->out);
    *st = x;
    return 0;
}

static int explode_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                         struct sl_error *err)
{
    struct explode *x = st;
    const struct sl_col *arr = sl_expr_path_col(in, x->path);
    if (!arr) {
        *out = in; /* not in this chunk (detection): nothing to explode */
        return 0;
    }
    if (arr->type != SL_ARRAY && arr->type != SL_MAP)
        return sl_error_set(err, SL_EINVAL,
                            "explode: '%s' is %s, not an array or map", x->path,
                            sl_type_name(arr->type));
    size_t rows = sl_batch_rows(in), n = 0;
    size_t total = arr->n_child ? arr->child[0].len : 0;
    size_t need = total + rows + 1;
    if (need > x->sel_cap) {
        uint32_t *s = realloc(x->sel, 2 * need * sizeof *s);
        if (!s)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        x->sel = s;
        x->sel_cap = need;
    }
    /* sel[0..n): input row of each output row; elem[]: element or -1 */
    uint32_t *elem = x->sel + x->sel_cap;
    for (size_t i = 0; i < rows; i++) {
        size_t len = sl_col_is_valid(arr, i) ? sl_col_list_len(arr, i) : 0;
        for (size_t k = 0; k < len; k++) {
            x->sel[n] = (uint32_t)i;
            elem[n++] = (uint32_t)arr->off[i] + (uint32_t)k;
        }
        if (!len && x->outer) {
            x->sel[n] = (uint32_t)i;
            elem[n++] = UINT32_MAX;
        }
    }
    tb_reset(&x->out);
    /* the exploded column: element values (map: struct<key,value>) */
    struct sl_field f, ef;
    struct sl_batch tmp = {.root = *arr};
    int rc;
    if (arr->type == SL_ARRAY) {
        tmp.root = arr->child[0];
        if ((rc = sl_batch_schema(&tmp, &ef)))
            return sl_error_set(err, rc, "explode: out of memory");
    } else {
        if ((rc = sl_batch_schema(&tmp, &f)))
            return sl_error_set(err, rc, "explode: out of memory");
        memset(&ef, 0, sizeof ef);
        ef.type = SL_STRUCT;
        ef.nullable = true;
        ef.n_children = 2;
        ef.children = f.children;
        f.children = NULL;
        f.n_children = 0;
        free(ef.children[0].name);
        free(ef.children[1].name);
        ef.children[0].name = strdup("key");
        ef.children[1].name = strdup("value");
        sl_field_free(&f);
    }
    free(ef.name);
    ef.name = NULL;
    struct sl_col leaf;
    rc = sl_col_init(&leaf, &ef);
    sl_field_free(&ef);
    if (rc)
        return sl_error_set(err, rc, "explode: out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        if (elem[i] == UINT32_MAX) {
            rc = sl_col_append_null(&leaf);
        } else if (arr->type == SL_ARRAY) {
            rc = sl__col_copy_row(&leaf, &arr->child[0], elem[i]);
        } else {
            rc = sl__col_copy_row(&leaf.child[0], &arr->child[0], elem[i]);
            if (!rc)
                rc = sl__col_copy_row(&leaf.child[1], &arr->child[1], elem[i]);
            if (!rc)
                rc = sl_col_struct_end(&leaf);
        }
    }
    /* the top-level column holding the path, and the rest gathered */
    char top[256];
    size_t used = sl_expr_path_part(x->path, top, sizeof top);
    const struct sl_col *r = &in->root;
    for (uint32_t k = 0; k < r->n_child && !rc; k++) {
        const struct sl_col *c = &r->child[k];
        struct sl_col nc;
        if (c == arr) {
            free(leaf.name);
            if (!(leaf.name = strdup(c->name)))
                rc = SL_ENOMEM;
            else
                rc = tb_add_owned(&x->out, &leaf);
            continue;
        }
        if (x->path[used] && c->name && strcmp(c->name, top) == 0) {
            struct trepl rp = {x->path + used, &leaf};
            memset(&nc, 0, sizeof nc);
            rc = sl__col_rebuild(&nc, c, &rp, 1, x->sel, n);
            if (!rc)
                rc = tb_add_owned(&x->out, &nc);
            sl_col_free(&nc);
            continue;
        }
        if ((rc = sl_batch_schema(&(struct sl_batch){.root = *c}, &f)))
            break;
        struct sl_col *gc = tb_add_new(&x->out, &f, c->name);
        sl_field_free(&f);
        rc = gc ? sl__col_copy_rows(gc, c, x->sel, n) : SL_ENOMEM;
    }
    sl_col_free(&leaf);
    if (!rc)
        rc = tb_finish(&x->out, n);
    if (rc)
        return sl_error_set(err, rc, "explode: out of memory");
    *out = &x->out.b;
    return 0;
}

static int explode_prepare(void *st, struct sl_transform_env *env,
                           struct sl_field *out, struct sl_error *err)
{
    struct explode *x = st;
    if (!env->schema)
        return 0;
    struct sl_batch *b, *o;
    int rc = sl_batch_create(env->schema, &b, err);
    if (rc)
        return rc;
    if (!sl_expr_path_col(b, x->path))
        rc = sl_error_set(err, SL_EINVAL, "no column '%s' to explode", x->path);
    if (!rc)
        rc = explode_apply(st, b, &o, err);
    if (!rc)
        rc = sl_batch_schema(o, out);
    tb_reset(&x->out);
    sl_batch_destroy(b);
    return rc;
}

const struct sl_transform_ops sl_transform_explode = {
    .name = "explode",
    .summary = "one row per element of an array (or map) column",
    .takes = "column name, or {path, outer}",
    .create = explode_create,
    .apply = explode_apply,
    .prepare = explode_prepare,
    .destroy = explode_destroy,
};
