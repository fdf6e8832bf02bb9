/*
 * flatten.c - `flatten: {separator: "_"}`: nested struct fields become
 * top-level columns named by their path joined with the separator
 * (user.geo.lat -> user_geo_lat), as Glue's Relationalize does for
 * structs. Arrays and maps stay as they are (explode them). The columns
 * pass as views: a struct's children have one slot per row, and a null
 * struct has null children (batch.h), so no copy is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbatch.h"

struct flatten {
    char *sep;
    struct tb out;
};

static void flatten_destroy(void *st)
{
    struct flatten *f = st;
    if (!f)
        return;
    tb_free(&f->out);
    free(f->sep);
    free(f);
}

static int flatten_create(const struct sl_conf *c, void **st,
                          struct sl_error *err)
{
    *st = NULL;
    const char *sep = "_";
    if (c && c->kind == SL_CONF_MAP) {
        for (size_t i = 0; i < c->n; i++)
            if (strcmp(c->keys[i], "separator"))
                return sl_error_set(err, SL_EINVAL,
                                    "unknown key '%s' (known keys: "
                                    "separator)",
                                    c->keys[i]);
        if (sl_conf_str(c, "separator"))
            sep = sl_conf_str(c, "separator");
    } else if (c && !sl_conf_is_null(c) &&
               !(c->kind == SL_CONF_SCALAR && strcmp(c->str, "true") == 0)) {
        return sl_error_set(err, SL_EINVAL,
                            "expected {separator: \"_\"} or true");
    }
    struct flatten *f = calloc(1, sizeof *f);
    if (!f || !(f->sep = strdup(sep))) {
        free(f);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    tb_init(&f->out);
    *st = f;
    return 0;
}

static int add(struct flatten *f, const struct sl_col *c, struct sl_buf *name)
{
    size_t mark = name->len;
    int rc = 0;
    if (mark && (rc = sl_buf_puts(name, f->sep)))
        return rc;
    if ((rc = sl_buf_puts(name, c->name)) || (rc = sl_buf_cstr(name)))
        return rc;
    if (c->type == SL_STRUCT && c->n_child) {
        for (uint32_t k = 0; k < c->n_child && !rc; k++)
            rc = add(f, &c->child[k], name);
    } else {
        rc = tb_add_view(&f->out, c, (char *)name->data);
    }
    name->len = mark;
    return rc;
}

static int flatten_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                         struct sl_error *err)
{
    struct flatten *f = st;
    tb_reset(&f->out);
    struct sl_buf name;
    sl_buf_init(&name, 1u << 20);
    int rc = 0;
    for (uint32_t k = 0; k < in->root.n_child && !rc; k++)
        rc = add(f, &in->root.child[k], &name);
    sl_buf_free(&name);
    if (!rc)
        rc = tb_finish(&f->out, sl_batch_rows(in));
    if (rc)
        return sl_error_set(err, rc, "flatten: out of memory");
    *out = &f->out.b;
    return 0;
}

static int flatten_prepare(void *st, struct sl_transform_env *env,
                           struct sl_field *out, struct sl_error *err)
{
    if (!env->schema)
        return 0;
    struct sl_batch *b, *o;
    int rc = sl_batch_create(env->schema, &b, err);
    if (rc)
        return rc;
    rc = flatten_apply(st, b, &o, err);
    if (!rc)
        rc = sl_batch_schema(o, out);
    tb_reset(&((struct flatten *)st)->out);
    sl_batch_destroy(b);
    return rc;
}

const struct sl_transform_ops sl_transform_flatten = {
    .name = "flatten",
    .summary = "nested struct fields become top-level columns a_b_c",
    .takes = "{separator: \"_\"}",
    .create = flatten_create,
    .apply = flatten_apply,
    .prepare = flatten_prepare,
    .destroy = flatten_destroy,
};
