/*
 * test_avro_read.c - reading Avro datums into batches with schema
 * resolution (avro_read.c): promotions, defaults, skipped and renamed
 * fields, enum symbols, union branches, non-record roots, and bad data
 * (error with byte offset and field path, batch rolled back).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "formats/avro_bin.h"
#include "formats/avro_read.h"

static struct sl_avro_schema *parse(const char *t)
{
    struct sl_avro_schema *s;
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_avro_schema_parse(t, strlen(t), &s, &err))
        fail_msg("%s: %s", t, err.msg);
    return s;
}

/* Datum builder: "i5 s'ab' f1.5 d2.5 b1 n" style helpers. */
static void L(struct sl_buf *b, int64_t v)
{
    assert_int_equal(sl_avro_buf_long(b, v), 0);
}
static void S(struct sl_buf *b, const char *s)
{
    assert_int_equal(sl_avro_buf_bytes(b, s, strlen(s)), 0);
}
static void F(struct sl_buf *b, float f)
{
    uint8_t t[4];
    sl_avro_put_f32(t, f);
    sl_buf_append(b, t, 4);
}
static void D(struct sl_buf *b, double d)
{
    uint8_t t[8];
    sl_avro_put_f64(t, d);
    sl_buf_append(b, t, 8);
}

struct fx {
    struct sl_avro_schema *w, *r;
    struct sl_avro_reader *rd;
    struct sl_batch *b;
    struct sl_buf d;
};

static void setup(struct fx *x, const char *w, const char *r)
{
    memset(x, 0, sizeof *x);
    x->w = parse(w);
    x->r = r ? parse(r) : NULL;
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_avro_reader_create(x->w, x->r, &x->rd, &err))
        fail_msg("reader: %s", err.msg);
    assert_int_equal(sl_batch_create(NULL, &x->b, NULL), 0);
    sl_buf_init(&x->d, 0);
}

static void teardown(struct fx *x)
{
    sl_avro_reader_destroy(x->rd);
    sl_avro_schema_destroy(x->w);
    sl_avro_schema_destroy(x->r);
    sl_batch_destroy(x->b);
    sl_buf_free(&x->d);
}

/* Read x->d as one datum; expect row JSON `want`, all bytes used. */
static void read_ok(struct fx *x, const char *want)
{
    size_t used = 0, rows = sl_batch_rows(x->b);
    struct sl_error err;
    sl_error_clear(&err);
    int rc = sl_avro_reader_read(x->rd, x->d.data, x->d.len, &used, x->b, true,
                                 0, &err);
    if (rc)
        fail_msg("read: %s", err.msg);
    assert_int_equal(used, x->d.len);
    assert_int_equal(sl_batch_rows(x->b), rows + 1);
    struct sl_buf j;
    sl_buf_init(&j, 0);
    assert_int_equal(sl_col_value_json(&x->b->root, rows, &j), 0);
    sl_buf_cstr(&j);
    assert_string_equal((char *)j.data, want);
    sl_buf_free(&j);
    sl_buf_reset(&x->d);
}

static void read_bad(struct fx *x, const char *want, int64_t offset)
{
    size_t used = 0, rows = sl_batch_rows(x->b);
    struct sl_error err;
    sl_error_clear(&err);
    int rc = sl_avro_reader_read(x->rd, x->d.data, x->d.len, &used, x->b, true,
                                 100, &err);
    assert_int_not_equal(rc, 0);
    assert_int_equal(sl_batch_rows(x->b), rows);
    if (!strstr(err.msg, want))
        fail_msg("\"%s\" lacks \"%s\"", err.msg, want);
    if (err.offset != offset)
        fail_msg("offset %lld, want %lld: %s", (long long)err.offset,
                 (long long)offset, err.msg);
    sl_buf_reset(&x->d);
}

static void test_plain(void **state)
{
    struct fx x;
    setup(&x,
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"s\",\"type\":"
          "\"string\"},{\"name\":\"o\",\"type\":[\"null\",\"double\"]},"
          "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":"
          "\"long\"}},{\"name\":\"m\",\"type\":{\"type\":\"map\","
          "\"values\":\"boolean\"}}]}",
          NULL);
    L(&x.d, -5);
    S(&x.d, "hé");
    L(&x.d, 1);
    D(&x.d, 0.25);
    L(&x.d, 2);
    L(&x.d, 7);
    L(&x.d, -8);
    /* a block with a negative count and byte size */
    L(&x.d, -1);
    L(&x.d, 1);
    L(&x.d, 9);
    L(&x.d, 0);
    L(&x.d, 1);
    S(&x.d, "k");
    sl_buf_putc(&x.d, 1);
    L(&x.d, 0);
    read_ok(&x, "{\"a\":-5,\"s\":\"hé\",\"o\":0.25,\"arr\":[7,-8,9],"
                "\"m\":{\"k\":true}}");
    L(&x.d, 0);
    S(&x.d, "");
    L(&x.d, 0);
    L(&x.d, 0);
    L(&x.d, 0);
    read_ok(&x, "{\"a\":0,\"s\":\"\",\"arr\":[],\"m\":{}}");
    teardown(&x);
}

static void test_promotions(void **state)
{
    struct fx x;
    setup(&x,
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":"
          "\"long\"},{\"name\":\"c\",\"type\":\"float\"},{\"name\":\"d\","
          "\"type\":\"string\"},{\"name\":\"e\",\"type\":\"bytes\"},"
          "{\"name\":\"f\",\"type\":\"int\"},{\"name\":\"g\",\"type\":"
          "\"int\"}]}",
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"a\",\"type\":\"double\"},{\"name\":\"b\",\"type\":"
          "\"float\"},{\"name\":\"c\",\"type\":\"double\"},{\"name\":\"d\","
          "\"type\":\"bytes\"},{\"name\":\"e\",\"type\":\"string\"},"
          "{\"name\":\"f\",\"type\":\"long\"},{\"name\":\"g\",\"type\":"
          "\"float\"}]}");
    L(&x.d, 3);
    L(&x.d, 1 << 20);
    F(&x.d, 1.5f);
    S(&x.d, "xy");
    S(&x.d, "zz");
    L(&x.d, -2147483648LL);
    L(&x.d, 16777217);
    read_ok(&x, "{\"a\":3,\"b\":1048576,\"c\":1.5,\"d\":\"eHk=\","
                "\"e\":\"zz\",\"f\":-2147483648,\"g\":16777216}");
    /* bytes read as string must be UTF-8 */
    L(&x.d, 3);
    L(&x.d, 1);
    F(&x.d, 1.5f);
    S(&x.d, "xy");
    S(&x.d, "\xff");
    read_bad(&x, "field $.e: string is not valid UTF-8", 100 + 9);
    teardown(&x);
}

static void test_defaults_skip_alias(void **state)
{
    struct fx x;
    setup(&x,
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"gone\",\"type\":{\"type\":\"record\",\"name\":\"G\","
          "\"fields\":[{\"name\":\"l\",\"type\":{\"type\":\"array\","
          "\"items\":{\"type\":\"map\",\"values\":\"string\"}}},"
          "{\"name\":\"u\",\"type\":[\"null\",\"G\"]}]}},"
          "{\"name\":\"old\",\"type\":\"string\"},"
          "{\"name\":\"b\",\"type\":\"int\"},"
          "{\"name\":\"a\",\"type\":\"int\"}]}",
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"a\",\"type\":\"int\"},"
          "{\"name\":\"b\",\"type\":\"int\"},"
          "{\"name\":\"new\",\"aliases\":[\"old\"],\"type\":\"string\"},"
          "{\"name\":\"d1\",\"type\":\"string\",\"default\":\"dv\"},"
          "{\"name\":\"d2\",\"type\":[\"null\",\"int\"],\"default\":null},"
          "{\"name\":\"d3\",\"type\":{\"type\":\"map\",\"values\":\"long\"},"
          "\"default\":{\"x\":1}}]}");
    /* gone: l = [{"k":"v"}], u = G{l=[], u=null} (recursive skip) */
    L(&x.d, 1);
    L(&x.d, 1);
    S(&x.d, "k");
    S(&x.d, "v");
    L(&x.d, 0);
    L(&x.d, 0);
    L(&x.d, 1);
    L(&x.d, 0);
    L(&x.d, 0);
    S(&x.d, "renamed");
    L(&x.d, 2);
    L(&x.d, 1);
    read_ok(&x, "{\"a\":1,\"b\":2,\"new\":\"renamed\",\"d1\":\"dv\","
                "\"d3\":{\"x\":1}}");
    teardown(&x);

    /* A reader field without default that the writer lacks. */
    struct sl_avro_schema *w = parse("{\"type\":\"record\",\"name\":\"r\","
                                     "\"fields\":[]}");
    struct sl_avro_schema *r =
        parse("{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"z\","
              "\"type\":\"int\"}]}");
    struct sl_avro_reader *rd;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(sl_avro_reader_create(w, r, &rd, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "reader field $.z is not in the writer "
                                    "schema and has no default"));
    sl_avro_schema_destroy(w);
    sl_avro_schema_destroy(r);
}

static void test_enum_union(void **state)
{
    struct fx x;
    setup(&x,
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
          "\"symbols\":[\"A\",\"B\",\"C\"]}},"
          "{\"name\":\"f\",\"type\":{\"type\":\"enum\",\"name\":\"F\","
          "\"symbols\":[\"P\",\"Q\"]}},"
          "{\"name\":\"u\",\"type\":[\"int\",\"string\"]},"
          "{\"name\":\"v\",\"type\":\"int\"},"
          "{\"name\":\"w\",\"type\":[\"null\",\"int\"]}]}",
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
          "\"symbols\":[\"C\",\"A\",\"Z\"],\"default\":\"Z\"}},"
          "{\"name\":\"f\",\"type\":{\"type\":\"enum\",\"name\":\"F\","
          "\"symbols\":[\"P\"]}},"
          "{\"name\":\"u\",\"type\":\"string\"},"
          "{\"name\":\"v\",\"type\":[\"null\",\"string\",\"long\"]},"
          "{\"name\":\"w\",\"type\":[\"null\",\"long\"]}]}");
    L(&x.d, 1); /* B -> default Z */
    L(&x.d, 0);
    L(&x.d, 1);
    S(&x.d, "str");
    L(&x.d, 12);
    L(&x.d, 0);
    read_ok(&x, "{\"e\":\"Z\",\"f\":\"P\",\"u\":\"str\","
                "\"v\":{\"member1\":12}}");
    L(&x.d, 2);
    L(&x.d, 0);
    L(&x.d, 1);
    S(&x.d, "s");
    L(&x.d, -1);
    L(&x.d, 1);
    L(&x.d, -9);
    read_ok(&x, "{\"e\":\"C\",\"f\":\"P\",\"u\":\"s\",\"v\":{\"member1\":-1},"
                "\"w\":-9}");
    /* Q has no match and F no default. */
    L(&x.d, 0);
    L(&x.d, 1);
    read_bad(&x, "field $.f: enum symbol unknown to the reader", 101);
    /* The int branch of u has no match in the reader. */
    L(&x.d, 0);
    L(&x.d, 0);
    L(&x.d, 0);
    L(&x.d, 5);
    read_bad(&x, "field $.u: the writer's union branch has no match", 102);
    /* Branch index out of range. */
    L(&x.d, 0);
    L(&x.d, 0);
    L(&x.d, 7);
    read_bad(&x, "union branch index out of range", 102);
    teardown(&x);
}

static void test_bad_data(void **state)
{
    struct fx x;
    setup(&x,
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"id\",\"type\":\"long\"},"
          "{\"name\":\"in\",\"type\":{\"type\":\"record\",\"name\":\"I\","
          "\"fields\":[{\"name\":\"xs\",\"type\":{\"type\":\"array\","
          "\"items\":\"string\"}}]}},"
          "{\"name\":\"b\",\"type\":\"boolean\"},"
          "{\"name\":\"n\",\"type\":{\"type\":\"array\",\"items\":\"null\"}}"
          "]}",
          NULL);
    L(&x.d, 1);
    L(&x.d, 2);
    S(&x.d, "a");
    S(&x.d, "b");
    L(&x.d, 0);
    sl_buf_putc(&x.d, 1);
    L(&x.d, 0);
    read_ok(&x, "{\"id\":1,\"in\":{\"xs\":[\"a\",\"b\"]},\"b\":true,"
                "\"n\":[]}");
    /* String length beyond the data, inside an array element. */
    L(&x.d, 1);
    L(&x.d, 2);
    S(&x.d, "a");
    L(&x.d, 40);
    read_bad(&x, "field $.in.xs[1]: length longer than the data", 100 + 4);
    /* Truncated varint. */
    sl_buf_putc(&x.d, (char)0x80);
    read_bad(&x, "field $.id: truncated or overlong varint", 100);
    /* Boolean byte not 0/1. */
    L(&x.d, 1);
    L(&x.d, 0);
    sl_buf_putc(&x.d, 2);
    read_bad(&x, "field $.b: bad boolean", 102);
    /* A billion nulls claimed: refused, not looped over. */
    L(&x.d, 1);
    L(&x.d, 0);
    sl_buf_putc(&x.d, 0);
    L(&x.d, 1000000000);
    read_bad(&x, "field $.n: array or map block count larger", 103);
    /* Array count larger than the bytes left. */
    L(&x.d, 1);
    L(&x.d, 1000);
    read_bad(&x, "field $.in.xs: array or map block count larger", 101);
    /* After the failures the batch holds just the first row and reads
     * on. */
    assert_int_equal(sl_batch_rows(x.b), 1);
    L(&x.d, 9);
    L(&x.d, 0);
    sl_buf_putc(&x.d, 0);
    L(&x.d, 2);
    L(&x.d, 0);
    read_ok(&x, "{\"id\":9,\"in\":{\"xs\":[]},\"b\":false,"
                "\"n\":[null,null]}");
    teardown(&x);
}

static void test_roots(void **state)
{
    struct fx x;
    setup(&x, "{\"type\":\"array\",\"items\":\"int\"}", NULL);
    L(&x.d, 2);
    L(&x.d, 1);
    L(&x.d, 2);
    L(&x.d, 0);
    read_ok(&x, "{\"value\":[1,2]}");
    teardown(&x);
    setup(&x, "[\"null\",\"string\",\"long\"]", NULL);
    L(&x.d, 2);
    L(&x.d, 5);
    read_ok(&x, "{\"value\":{\"member1\":5}}");
    L(&x.d, 0);
    read_ok(&x, "{}");
    teardown(&x);
    setup(&x, "\"long\"", "\"double\"");
    L(&x.d, 3);
    read_ok(&x, "{\"value\":3}");
    teardown(&x);
}

static void test_logical(void **state)
{
    struct fx x;
    setup(&x,
          "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
          "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":"
          "\"date\"}},"
          "{\"name\":\"tm\",\"type\":{\"type\":\"long\",\"logicalType\":"
          "\"timestamp-millis\"}},"
          "{\"name\":\"tu\",\"type\":{\"type\":\"long\",\"logicalType\":"
          "\"timestamp-micros\"}},"
          "{\"name\":\"db\",\"type\":{\"type\":\"bytes\",\"logicalType\":"
          "\"decimal\",\"precision\":38,\"scale\":3}},"
          "{\"name\":\"df\",\"type\":{\"type\":\"fixed\",\"name\":\"X\","
          "\"size\":3,\"logicalType\":\"decimal\",\"precision\":6,"
          "\"scale\":1}}]}",
          NULL);
    L(&x.d, 20417); /* 2025-11-25 */
    L(&x.d, 1764064800123LL);
    L(&x.d, -1);
    /* -1234567 as big-endian two's complement: ff ed 29 79 */
    sl_avro_buf_bytes(&x.d, "\xff\xed\x29\x79", 4);
    sl_buf_append(&x.d, "\x00\x30\x39", 3); /* 12345 */
    read_ok(&x, "{\"d\":\"2025-11-25\",\"tm\":\"2025-11-25T10:00:00.123000Z\","
                "\"tu\":\"1969-12-31T23:59:59.999999Z\",\"db\":-1234.567,"
                "\"df\":1234.5}");
    /* 17-byte decimal that does not fit 128 bits */
    L(&x.d, 0);
    L(&x.d, 0);
    L(&x.d, 0);
    sl_avro_buf_bytes(&x.d,
                      "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                      "\x00\x00\x00\x00",
                      17);
    sl_buf_append(&x.d, "\x00\x00\x00", 3);
    read_bad(&x, "field $.db:", 103);
    teardown(&x);
}

/* Detection across writer schemas: a column seen as int, then string,
 * widens to string; dates and timestamps written to it later are text. */
static void test_widen(void **state)
{
    struct sl_avro_schema *s1 =
        parse("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
              "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"d\",\"type\":"
              "{\"type\":\"int\",\"logicalType\":\"date\"}},{\"name\":\"t\","
              "\"type\":{\"type\":\"long\",\"logicalType\":"
              "\"timestamp-millis\"}},{\"name\":\"m\",\"type\":{"
              "\"type\":\"bytes\",\"logicalType\":\"decimal\","
              "\"precision\":6,\"scale\":3}}]}");
    struct sl_avro_schema *s2 =
        parse("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
              "{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"d\",\"type\":"
              "\"string\"},{\"name\":\"t\",\"type\":\"long\"},{\"name\":\"m\","
              "\"type\":\"string\"}]}");
    struct sl_avro_reader *r1, *r2;
    assert_int_equal(sl_avro_reader_create(s1, NULL, &r1, NULL), 0);
    assert_int_equal(sl_avro_reader_create(s2, NULL, &r2, NULL), 0);
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(NULL, &b, NULL), 0);
    struct sl_buf d;
    sl_buf_init(&d, 0);
    size_t used;
    struct sl_error err;
    sl_error_clear(&err);
    L(&d, 1);
    L(&d, 20417);
    L(&d, 1500);
    sl_avro_buf_bytes(&d, "\x30\x39", 2); /* 12345 */
    assert_int_equal(
        sl_avro_reader_read(r1, d.data, d.len, &used, b, true, 0, &err), 0);
    sl_buf_reset(&d);
    S(&d, "x");
    S(&d, "y");
    L(&d, 5);
    S(&d, "text");
    if (sl_avro_reader_read(r2, d.data, d.len, &used, b, true, 0, &err))
        fail_msg("%s", err.msg);
    sl_buf_reset(&d);
    L(&d, 7);
    L(&d, 20418);
    L(&d, 2000);
    sl_avro_buf_bytes(&d, "\xfb", 1); /* -5 */
    if (sl_avro_reader_read(r1, d.data, d.len, &used, b, true, 0, &err))
        fail_msg("%s", err.msg);
    static const char w0[] = "{\"a\":\"1\",\"d\":\"2025-11-25\","
                             "\"t\":\"1970-01-01T00:00:01.500000Z\","
                             "\"m\":\"12.345\"}";
    static const char w2[] = "{\"a\":\"7\",\"d\":\"2025-11-26\","
                             "\"t\":\"1970-01-01T00:00:02Z\",\"m\":\"-0.005\"}";
    const char *want[] = {
        w0,
        "{\"a\":\"x\",\"d\":\"y\",\"t\":\"5\",\"m\":\"text\"}",
        w2,
    };
    for (size_t i = 0; i < 3; i++) {
        struct sl_buf j;
        sl_buf_init(&j, 0);
        sl_col_value_json(&b->root, i, &j);
        sl_buf_cstr(&j);
        assert_string_equal((char *)j.data, want[i]);
        sl_buf_free(&j);
    }
    sl_buf_free(&d);
    sl_batch_destroy(b);
    sl_avro_reader_destroy(r1);
    sl_avro_reader_destroy(r2);
    sl_avro_schema_destroy(s1);
    sl_avro_schema_destroy(s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_promotions),
        cmocka_unit_test(test_defaults_skip_alias),
        cmocka_unit_test(test_enum_union),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_logical),
        cmocka_unit_test(test_widen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
