/*
 * expr_testutil.h - helpers for the expression and transform unit tests:
 * a batch from a Hive type string and JSON lines (through the real JSON
 * decoder), and a column or a whole batch rendered as compact JSON text so
 * a test compares one exact string.
 */
#ifndef SL_EXPR_TESTUTIL_H
#define SL_EXPR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "options.h"
#include "part.h"

#define TU_UNUSED __attribute__((unused))

/* Rows given as JSON lines ("\n"-separated) decoded into a batch of
 * schema `type` (NULL: detect the schema from the rows). */
static TU_UNUSED struct sl_batch *tu_rows(const char *type, const char *lines)
{
    struct sl_field f, *fp = NULL;
    struct sl_error err;
    sl_error_clear(&err);
    if (type) {
        if (sl_type_parse(type, &f, &err))
            fail_msg("%s: %s", type, err.msg);
        fp = &f;
    }
    const struct sl_decoder_ops *dec = sl_decoder_find("json");
    struct sl_conf *c;
    assert_int_equal(sl_conf_load_string("{}", 2, "t", &c, &err), 0);
    struct sl_decoder_ctx ctx = {.conf = c, .schema = fp, .max_depth = 64};
    void *st;
    assert_int_equal(dec->create(&ctx, &st, &err), 0);
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(fp, &b, &err), 0);
    for (const char *p = lines; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && dec->decode(st, (const uint8_t *)p, n, b, &err))
            fail_msg("decode %.*s: %s", (int)n, p, err.msg);
        p += n + (e ? 1 : 0);
    }
    dec->destroy(st);
    sl_conf_free(c);
    if (fp)
        sl_field_free(fp);
    return b;
}

/* Values of a column as a JSON array text (caller frees). */
static TU_UNUSED char *tu_col_json(const struct sl_col *c)
{
    struct sl_buf o;
    sl_buf_init(&o, 0);
    sl_buf_putc(&o, '[');
    for (size_t i = 0; i < c->len; i++) {
        if (i)
            sl_buf_putc(&o, ',');
        assert_int_equal(sl_col_value_json(c, i, &o), 0);
    }
    sl_buf_putc(&o, ']');
    sl_buf_cstr(&o);
    return (char *)o.data;
}

/* A batch's rows as JSON lines (struct fields that are null left out) and
 * its schema, "schema|row\nrow\n" (caller frees). */
static TU_UNUSED char *tu_batch_text(const struct sl_batch *b)
{
    struct sl_buf o;
    sl_buf_init(&o, 0);
    struct sl_field f;
    assert_int_equal(sl_batch_schema(b, &f), 0);
    sl_type_format(&f, &o);
    sl_field_free(&f);
    sl_buf_putc(&o, '|');
    for (size_t i = 0; i < sl_batch_rows(b); i++) {
        assert_int_equal(sl_col_value_json(&b->root, i, &o), 0);
        sl_buf_putc(&o, '\n');
    }
    sl_buf_cstr(&o);
    return (char *)o.data;
}

/* ---- running one transform ---- */

struct tu_dl {
    struct sl_buf text; /* "why|row\n" per dead-lettered row */
};

static TU_UNUSED int tu_dead_letter(void *ctx, const struct sl_batch *b,
                                    size_t row, const char *why,
                                    struct sl_error *err)
{
    (void)err;
    struct tu_dl *d = ctx;
    sl_buf_puts(&d->text, why);
    sl_buf_putc(&d->text, '|');
    sl_col_value_json(&b->root, row, &d->text);
    sl_buf_putc(&d->text, '\n');
    sl_buf_cstr(&d->text);
    return 0;
}

struct tu_t {
    const struct sl_transform_ops *ops;
    void *st;
    struct sl_conf *conf;
    struct sl_transform_env env;
    struct sl_field schema, out_schema;
    struct tu_dl dl;
    struct sl_batch_info bi;
};

/* Create transform `name` from YAML config text and prepare it with the
 * declared schema `type` (NULL: detection). */
static TU_UNUSED struct tu_t *tu_t_new(const char *name, const char *yaml,
                                       const char *type)
{
    struct tu_t *t = calloc(1, sizeof *t);
    struct sl_error err;
    sl_error_clear(&err);
    t->ops = sl_transform_find(name);
    assert_non_null(t->ops);
    if (sl_conf_load_string(yaml, strlen(yaml), "t.yaml", &t->conf, &err))
        fail_msg("%s", err.msg);
    if (t->ops->create(t->conf, &t->st, &err))
        fail_msg("create %s: %s", name, err.msg);
    sl_buf_init(&t->dl.text, 0);
    t->env.dead_letter = tu_dead_letter;
    t->env.ctx = &t->dl;
    t->env.partition = "p0";
    t->env.bi = &t->bi;
    if (type) {
        assert_int_equal(sl_type_parse(type, &t->schema, &err), 0);
        t->env.schema = &t->schema;
    }
    if (t->ops->prepare &&
        t->ops->prepare(t->st, &t->env, &t->out_schema, &err))
        fail_msg("prepare %s: %s", name, err.msg);
    return t;
}

/* The error create+prepare give (exact text), or "" when none. */
static TU_UNUSED void tu_t_err(const char *name, const char *yaml,
                               const char *type, const char *want)
{
    const struct sl_transform_ops *ops = sl_transform_find(name);
    struct sl_conf *c;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "t.yaml", &c, &err), 0);
    void *st = NULL;
    int rc = ops->create(c, &st, &err);
    if (!rc && ops->prepare) {
        struct sl_field f = {0}, o = {0};
        struct sl_transform_env env = {0};
        if (type) {
            assert_int_equal(sl_type_parse(type, &f, &err), 0);
            env.schema = &f;
        }
        rc = ops->prepare(st, &env, &o, &err);
        sl_field_free(&f);
        sl_field_free(&o);
    }
    if (st)
        ops->destroy(st);
    sl_conf_free(c);
    if (!rc)
        fail_msg("%s %s: no error, wanted %s", name, yaml, want);
    if (strcmp(err.msg, want))
        fail_msg("%s: got\n  %s\nwant\n  %s", name, err.msg, want);
}

/* Apply to rows (JSON lines decoded with schema `type`, NULL: detect);
 * returns tu_batch_text of the output (caller frees). */
static TU_UNUSED char *tu_t_apply(struct tu_t *t, const char *type,
                                  const char *rows)
{
    struct sl_batch *in = tu_rows(type, rows), *out = NULL;
    struct sl_error err;
    sl_error_clear(&err);
    if (t->ops->apply(t->st, in, &out, &err))
        fail_msg("apply %s: %s", t->ops->name, err.msg);
    char *s = tu_batch_text(out);
    sl_batch_destroy(in);
    return s;
}

static TU_UNUSED void tu_t_free(struct tu_t *t)
{
    t->ops->destroy(t->st);
    sl_conf_free(t->conf);
    sl_field_free(&t->schema);
    sl_field_free(&t->out_schema);
    sl_buf_free(&t->dl.text);
    free(t);
}

#define TU_EQ(got, want)                                                       \
    do {                                                                       \
        char *g_ = (got);                                                      \
        if (strcmp(g_, (want)) != 0)                                           \
            fail_msg("got\n%s\nwant\n%s", g_, (want));                         \
        free(g_);                                                              \
    } while (0)

#endif
