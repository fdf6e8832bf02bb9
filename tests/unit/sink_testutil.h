/*
 * sink_testutil.h - helpers for the encoder and sink unit tests: batches
 * from a type string, job-file maps from YAML text, running an encoder
 * over a batch, and reading files back.
 *
 * TEMPORARY: sl_encoder_find is stubbed here (weak) until registry.c is
 * on this branch; the real one wins once it is linked.
 */
#ifndef SL_SINK_TESTUTIL_H
#define SL_SINK_TESTUTIL_H

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

extern const struct sl_encoder_ops sl_encoder_json, sl_encoder_csv;

__attribute__((weak)) const struct sl_encoder_ops *
sl_encoder_find(const char *name)
{
    if (strcmp(name, "json") == 0)
        return &sl_encoder_json;
    if (strcmp(name, "csv") == 0)
        return &sl_encoder_csv;
    return NULL;
}

static TU_UNUSED struct sl_batch *tu_batch(const char *type)
{
    struct sl_field f;
    struct sl_error err;
    if (sl_type_parse(type, &f, &err))
        fail_msg("%s: %s", type, err.msg);
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&f, &b, &err), 0);
    sl_field_free(&f);
    return b;
}

static TU_UNUSED struct sl_conf *tu_conf(const char *yaml)
{
    struct sl_conf *c;
    struct sl_error err;
    if (sl_conf_load_string(yaml, strlen(yaml), "test.yaml", &c, &err))
        fail_msg("%s", err.msg);
    return c;
}

static TU_UNUSED void tu_str(struct sl_col *c, const char *s)
{
    assert_int_equal(sl_col_append_bytes(c, s, strlen(s)), 0);
}

/* Encode rows of b (sel/n as the encoder takes them) with a fresh encoder
 * made from yaml (may be NULL) into a NUL-terminated string (caller frees).
 * The file's schema is b's schema. */
static TU_UNUSED char *tu_encode(const struct sl_encoder_ops *ops,
                                 const char *yaml, const struct sl_batch *b,
                                 const uint32_t *sel, size_t n)
{
    struct sl_conf *c = yaml ? tu_conf(yaml) : NULL;
    struct sl_error err;
    void *st;
    if (ops->create(c, &st, &err))
        fail_msg("create: %s", err.msg);
    struct sl_field schema;
    assert_int_equal(sl_batch_schema(b, &schema), 0);
    struct sl_buf out;
    sl_buf_init(&out, 0);
    if (ops->begin(st, &schema, &out, &err) ||
        ops->write(st, b, sel, n, &out, &err) || ops->finish(st, &out, &err))
        fail_msg("encode: %s", err.msg);
    sl_buf_cstr(&out);
    sl_field_free(&schema);
    ops->destroy(st);
    sl_conf_free(c);
    return (char *)out.data;
}

/* Whole file as a NUL-terminated string, or NULL when missing. */
static TU_UNUSED char *tu_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(sl_buf_append(&b, tmp, n), 0);
    fclose(f);
    sl_buf_cstr(&b);
    if (!b.data)
        return strdup("");
    return (char *)b.data;
}

#endif
