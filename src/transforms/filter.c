/*
 * filter.c - `filter: "<expression>"`: keep the rows where the expression
 * is true (false and null rows go; SQL WHERE semantics).
 *
 * The expression is type-checked against the declared schema at job start
 * (tchain.c calls prepare), or compiled per distinct chunk schema under
 * detection, where a field not seen yet reads as null. When every row
 * passes, the input batch is handed on as it is (no copy).
 */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tbatch.h"

struct filter {
    char *text;
    struct xset xs;
    struct tb out;
    uint32_t *sel;
    size_t sel_cap;
};

static void filter_destroy(void *st)
{
    struct filter *f = st;
    if (!f)
        return;
    xset_free(&f->xs);
    tb_free(&f->out);
    free(f->sel);
    free(f->text);
    free(f);
}

static int filter_create(const struct sl_conf *c, void **st,
                         struct sl_error *err)
{
    *st = NULL;
    if (!c || c->kind != SL_CONF_SCALAR || !c->str || !*c->str)
        return sl_error_set(err, SL_EINVAL,
                            "expected an expression, e.g. filter: "
                            "\"status = 'ok' AND amount > 0\"");
    struct filter *f = calloc(1, sizeof *f);
    if (!f || !(f->text = strdup(c->str))) {
        free(f);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    xset_init(&f->xs, 1, &f->text);
    f->xs.detect = true;
    tb_init(&f->out);
    int rc = xset_syntax(&f->xs, err);
    if (rc) {
        filter_destroy(f);
        return rc;
    }
    *st = f;
    return 0;
}

static int filter_prepare(void *st, struct sl_transform_env *env,
                          struct sl_field *out, struct sl_error *err)
{
    struct filter *f = st;
    if (!env->schema)
        return 0;
    f->xs.detect = false;
    int rc = xset_prepare(&f->xs, env->schema, err);
    if (rc)
        return rc;
    struct sl_expr **e = xset_prepared(&f->xs);
    enum sl_type t = sl_expr_type(e[0]);
    if (t != SL_BOOLEAN && t != SL_NULLTYPE)
        return sl_error_set(err, SL_EINVAL,
                            "the expression is %s, a filter needs a boolean "
                            "(a comparison, IS NULL, LIKE, ...)",
                            sl_type_name(t));
    return sl_field_copy(out, env->schema) ? SL_ENOMEM : 0;
}

static int filter_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                        struct sl_error *err)
{
    struct filter *f = st;
    struct sl_expr **e;
    int rc = xset_get(&f->xs, in, &e, err);
    if (rc)
        return rc;
    enum sl_type t = sl_expr_type(e[0]);
    if (t != SL_BOOLEAN && t != SL_NULLTYPE)
        return sl_error_set(err, SL_EINVAL,
                            "filter '%s' is %s, a filter needs a boolean",
                            f->text, sl_type_name(t));
    size_t rows = sl_batch_rows(in), k = 0;
    if (rows > f->sel_cap) {
        uint32_t *s = realloc(f->sel, rows * sizeof *s);
        if (!s)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        f->sel = s;
        f->sel_cap = rows;
    }
    if ((rc = sl_expr_select(e[0], in, f->sel, &k, err)))
        return rc;
    if (k == rows) {
        *out = in;
        return 0;
    }
    tb_reset(&f->out);
    if ((rc = tb_gather(&f->out, in, f->sel, k)))
        return sl_error_set(err, rc, "filter: out of memory");
    *out = &f->out.b;
    return 0;
}

const struct sl_transform_ops sl_transform_filter = {
    .name = "filter",
    .summary = "keep the rows where an expression is true",
    .takes = "expression",
    .create = filter_create,
    .apply = filter_apply,
    .prepare = filter_prepare,
    .destroy = filter_destroy,
};
