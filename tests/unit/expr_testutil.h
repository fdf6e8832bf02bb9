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

#endif
