/*
 * derive.c - `derive: {column: "<expression>", ...}`: add or replace
 * top-level columns (Spark's withColumn / selectExpr).
 *
 * Every expression sees the input columns (as one SELECT does), not the
 * columns derived before it in the same map; chain two derive steps for
 * that. A replaced column keeps its position; new columns follow the
 * input's, in the order written. Unchanged columns pass as views (no
 * copy, tbatch.h). Integer arithmetic gives bigint, `/` gives double.
 */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tbatch.h"

struct derive {
    size_t n;
    char **name, **text;
    struct xset xs;
    struct tb out;
    struct sl_transform_env *env;
};

static void derive_destroy(void *st)
{
    struct derive *d = st;
    if (!d)
        return;
    xset_free(&d->xs);
    tb_free(&d->out);
    for (size_t i = 0; i < d->n; i++) {
        free(d->name[i]);
        free(d->text[i]);
    }
    free(d->name);
    free(d->text);
    free(d);
}

static int derive_create(const struct sl_conf *c, void **st,
                         struct sl_error *err)
{
    *st = NULL;
    if (!c || c->kind != SL_CONF_MAP || c->n == 0)
        return sl_error_set(err, SL_EINVAL,
                            "expected a map of column: expression, e.g. "
                            "{total: \"price * qty\"}");
    struct derive *d = calloc(1, sizeof *d);
    if (!d || !(d->name = calloc(c->n, sizeof *d->name)) ||
        !(d->text = calloc(c->n, sizeof *d->text))) {
        if (d)
            free(d->name);
        free(d);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    tb_init(&d->out);
    for (size_t i = 0; i < c->n; i++) {
        const struct sl_conf *v = c->items[i];
        d->n = i + 1;
        if (v->kind != SL_CONF_SCALAR || !v->str || !*v->str) {
            char where[256];
            sl_error_set(err, SL_EINVAL,
                         "%s: column '%s': expected an expression",
                         sl_conf_where(v, where, sizeof where), c->keys[i]);
            derive_destroy(d);
            return SL_EINVAL;
        }
        if (!(d->name[i] = strdup(c->keys[i])) ||
            !(d->text[i] = strdup(v->str))) {
            derive_destroy(d);
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        }
    }
    xset_init(&d->xs, d->n, d->text);
    d->xs.detect = true;
    int rc = xset_syntax(&d->xs, err);
    if (rc) {
        derive_destroy(d);
        return rc;
    }
    *st = d;
    return 0;
}

static int derive_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                        struct sl_error *err);

static int derive_prepare(void *st, struct sl_transform_env *env,
                          struct sl_field *out, struct sl_error *err)
{
    struct derive *d = st;
    d->env = env;
    if (!env->schema)
        return 0;
    d->xs.detect = false;
    int rc = xset_prepare(&d->xs, env->schema, err);
    if (rc)
        return rc;
    /* output schema: by building a zero-row batch the same way apply does */
    struct sl_batch *b;
    if ((rc = sl_batch_create(env->schema, &b, err)))
        return rc;
    struct sl_batch *o;
    rc = derive_apply(d, b, &o, err);
    if (!rc)
        rc = sl_batch_schema(o, out);
    tb_reset(&d->out);
    sl_batch_destroy(b);
    return rc;
}

static int derive_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                        struct sl_error *err)
{
    struct derive *d = st;
    struct sl_expr **e;
    int rc = xset_get(&d->xs, in, &e, err);
    if (rc)
        return rc;
    tb_reset(&d->out);
    const struct sl_col *r = &in->root;
    size_t rows = sl_batch_rows(in);
    uint8_t used[d->n ? d->n : 1];
    memset(used, 0, sizeof used);
    int64_t failed = 0;
    for (size_t pass = 0; pass < 2; pass++) {
        size_t m = pass == 0 ? r->n_child : d->n;
        for (size_t k = 0; k < m; k++) {
            size_t x = d->n;
            if (pass == 0) {
                for (size_t i = 0; i < d->n && x == d->n; i++)
                    if (strcmp(d->name[i], r->child[k].name) == 0)
                        x = i;
                if (x == d->n) {
                    if ((rc = tb_add_view(&d->out, &r->child[k], NULL)))
                        goto nomem;
                    continue;
                }
            } else {
                if (used[k])
                    continue;
                x = k;
            }
            used[x] = 1;
            struct sl_field f = {.type = sl_expr_type(e[x]), .nullable = true};
            struct sl_col *c = tb_add_new(&d->out, &f, d->name[x]);
            if (!c)
                goto nomem;
            if ((rc = sl_expr_eval(e[x], in, c, &failed, err))) {
                sl_error_prefix(err, "column %s: ", d->name[x]);
                return rc;
            }
        }
    }
    if (d->env)
        d->env->cast_failures += failed;
    if ((rc = tb_finish(&d->out, rows)))
        goto nomem;
    *out = &d->out.b;
    return 0;
nomem:
    return sl_error_set(err, SL_ENOMEM, "derive: out of memory");
}

const struct sl_transform_ops sl_transform_derive = {
    .name = "derive",
    .summary = "add or replace columns computed by expressions",
    .takes = "map of column: expression",
    .create = derive_create,
    .apply = derive_apply,
    .prepare = derive_prepare,
    .destroy = derive_destroy,
};
