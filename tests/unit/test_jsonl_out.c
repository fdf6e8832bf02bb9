/*
 * test_jsonl_out.c - the JSON lines encoder (formats/jsonl_out.c) and the
 * value text it shares (formats/text_out.c): exact bytes for every type,
 * nulls left out, nested values, escaping, unicode, selections, output
 * schemas that leave columns out.
 */
#include <math.h>

#include "formats/text_out.h"
#include "sink_testutil.h"

#define SCALARS                                                                \
    "struct<b:boolean,i:int,l:bigint,f:float,d:double,dec:decimal(10,2),"      \
    "s:string,bin:binary,dt:date,ts:timestamp>"

static void add_scalars(struct sl_batch *b, bool bv, int32_t i, int64_t l,
                        float f, double d, __int128 dec, const char *s,
                        const void *bin, size_t nbin, int32_t dt, int64_t ts)
{
    struct sl_col *c = b->root.child;
    assert_int_equal(sl_col_append_bool(&c[0], bv), 0);
    assert_int_equal(sl_col_append_i32(&c[1], i), 0);
    assert_int_equal(sl_col_append_i64(&c[2], l), 0);
    assert_int_equal(sl_col_append_f32(&c[3], f), 0);
    assert_int_equal(sl_col_append_f64(&c[4], d), 0);
    assert_int_equal(sl_col_append_dec(&c[5], dec), 0);
    tu_str(&c[6], s);
    assert_int_equal(sl_col_append_bytes(&c[7], bin, nbin), 0);
    assert_int_equal(sl_col_append_i32(&c[8], dt), 0);
    assert_int_equal(sl_col_append_i64(&c[9], ts), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
}

static void test_scalars(void **state)
{
    struct sl_batch *b = tu_batch(SCALARS);
    static const uint8_t bin[] = {0, 1, 2, 0xff};
    add_scalars(b, true, -5, 9007199254740993LL, 1.5f, 0.1, -5,
                "h\xc3\xa9llo \"q\"\n\t\\ \xe2\x98\x83 \xf0\x9f\x98\x80\x01",
                bin, 4, 20782, 1795600800123000LL);
    assert_int_equal(sl_batch_row_end(b), 0); /* all null */
    add_scalars(b, false, INT32_MIN, INT64_MIN, NAN, -0.0, 12345, "", "", 0, -1,
                -1);
    add_scalars(b, false, 0, 0, -3.25f, 1e300, 0, "x", "\xff", 1, 0,
                1795600800100000LL);
    add_scalars(b, true, 0, 0, 0, 5e-324, (__int128)-1, "y", "ab", 2, 2932896,
                1795600800000000LL);
    char *s = tu_encode(&sl_encoder_json, NULL, b, NULL, sl_batch_rows(b));
    assert_string_equal(
        s,
        "{\"b\":true,\"i\":-5,\"l\":9007199254740993,\"f\":1.5,\"d\":0.1,"
        "\"dec\":-0.05,\"s\":\"h\xc3\xa9llo \\\"q\\\"\\n\\t\\\\ \xe2\x98\x83 "
        "\xf0\x9f\x98\x80\\u0001\",\"bin\":\"AAEC/w==\",\"dt\":\"2026-11-25\","
        "\"ts\":\"2026-11-25T10:00:00.123Z\"}\n"
        "{}\n"
        "{\"b\":false,\"i\":-2147483648,\"l\":-9223372036854775808,"
        "\"f\":null,\"d\":-0,\"dec\":123.45,\"s\":\"\",\"bin\":\"\","
        "\"dt\":\"1969-12-31\",\"ts\":\"1969-12-31T23:59:59.999999Z\"}\n"
        "{\"b\":false,\"i\":0,\"l\":0,\"f\":-3.25,\"d\":1e+300,\"dec\":0.00,"
        "\"s\":\"x\",\"bin\":\"/w==\",\"dt\":\"1970-01-01\","
        "\"ts\":\"2026-11-25T10:00:00.1Z\"}\n"
        "{\"b\":true,\"i\":0,\"l\":0,\"f\":0,\"d\":4.94065645841247e-324,"
        "\"dec\":-0.01,\"s\":\"y\",\"bin\":\"YWI=\",\"dt\":\"9999-12-31\","
        "\"ts\":\"2026-11-25T10:00:00Z\"}\n");
    free(s);
    sl_batch_destroy(b);
}

static void test_nested(void **state)
{
    struct sl_batch *b =
        tu_batch("struct<id:int,st:struct<a:int,b:string>,arr:array<int>,"
                 "m:map<string,int>,mi:map<int,array<string>>,"
                 "deep:array<struct<x:double,y:array<string>>>>");
    struct sl_col *id = &b->root.child[0], *st = &b->root.child[1],
                  *arr = &b->root.child[2], *m = &b->root.child[3],
                  *mi = &b->root.child[4], *deep = &b->root.child[5];
    /* row 0: everything set, with nulls inside */
    assert_int_equal(sl_col_append_i32(id, 1), 0);
    assert_int_equal(sl_col_append_i32(&st->child[0], 7), 0);
    assert_int_equal(sl_col_append_null(&st->child[1]), 0);
    assert_int_equal(sl_col_struct_end(st), 0);
    assert_int_equal(sl_col_append_i32(&arr->child[0], 1), 0);
    assert_int_equal(sl_col_append_null(&arr->child[0]), 0);
    assert_int_equal(sl_col_append_i32(&arr->child[0], -3), 0);
    assert_int_equal(sl_col_list_end(arr), 0);
    tu_str(&m->child[0], "k\"1");
    assert_int_equal(sl_col_append_i32(&m->child[1], 10), 0);
    tu_str(&m->child[0], "k2");
    assert_int_equal(sl_col_append_null(&m->child[1]), 0);
    assert_int_equal(sl_col_list_end(m), 0);
    assert_int_equal(sl_col_append_i32(&mi->child[0], 42), 0);
    struct sl_col *strs = &mi->child[1];
    tu_str(&strs->child[0], "a");
    tu_str(&strs->child[0], "\xc3\xa9");
    assert_int_equal(sl_col_list_end(strs), 0);
    assert_int_equal(sl_col_list_end(mi), 0);
    struct sl_col *el = &deep->child[0];
    assert_int_equal(sl_col_append_f64(&el->child[0], 2.5), 0);
    tu_str(&el->child[1].child[0], "z");
    assert_int_equal(sl_col_list_end(&el->child[1]), 0);
    assert_int_equal(sl_col_struct_end(el), 0);
    assert_int_equal(sl_col_append_null(el), 0);
    assert_int_equal(sl_col_list_end(deep), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    /* row 1: empty containers, struct with no fields set */
    assert_int_equal(sl_col_struct_end(st), 0);
    assert_int_equal(sl_col_list_end(arr), 0);
    assert_int_equal(sl_col_list_end(m), 0);
    assert_int_equal(sl_col_list_end(mi), 0);
    assert_int_equal(sl_col_list_end(deep), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    /* row 2: nested columns null */
    assert_int_equal(sl_col_append_i32(id, 3), 0);
    assert_int_equal(sl_batch_row_end(b), 0);

    char *s = tu_encode(&sl_encoder_json, NULL, b, NULL, 3);
    assert_string_equal(
        s, "{\"id\":1,\"st\":{\"a\":7},\"arr\":[1,null,-3],"
           "\"m\":{\"k\\\"1\":10,\"k2\":null},\"mi\":{\"42\":[\"a\","
           "\"\xc3\xa9\"]},"
           "\"deep\":[{\"x\":2.5,\"y\":[\"z\"]},null]}\n"
           "{\"st\":{},\"arr\":[],\"m\":{},\"mi\":{},\"deep\":[]}\n"
           "{\"id\":3}\n");
    free(s);
    sl_batch_destroy(b);
}

static void test_selection_and_projection(void **state)
{
    struct sl_batch *b = tu_batch("struct<a:int,b:string,c:bigint>");
    for (int i = 0; i < 4; i++) {
        char t[8];
        snprintf(t, sizeof t, "r%d", i);
        assert_int_equal(sl_col_append_i32(&b->root.child[0], i), 0);
        tu_str(&b->root.child[1], t);
        assert_int_equal(sl_col_append_i64(&b->root.child[2], i * 10), 0);
        assert_int_equal(sl_batch_row_end(b), 0);
    }
    /* The file's schema leaves b out and lists c before a. */
    struct sl_field schema;
    struct sl_error err;
    assert_int_equal(sl_type_parse("struct<c:bigint,a:int>", &schema, &err), 0);
    void *st;
    assert_int_equal(sl_encoder_json.create(NULL, &st, &err), 0);
    struct sl_buf out;
    sl_buf_init(&out, 0);
    assert_int_equal(sl_encoder_json.begin(st, &schema, &out, &err), 0);
    assert_int_equal(out.len, 0);
    static const uint32_t sel[] = {3, 1};
    assert_int_equal(sl_encoder_json.write(st, b, sel, 2, &out, &err), 0);
    assert_int_equal(sl_encoder_json.write(st, b, NULL, 1, &out, &err), 0);
    assert_int_equal(sl_encoder_json.finish(st, &out, &err), 0);
    sl_buf_cstr(&out);
    assert_string_equal((char *)out.data, "{\"c\":30,\"a\":3}\n"
                                          "{\"c\":10,\"a\":1}\n"
                                          "{\"c\":0,\"a\":0}\n");
    /* A schema column the batch lacks, or with another type, is refused. */
    sl_field_free(&schema);
    assert_int_equal(sl_type_parse("struct<a:int,zz:int>", &schema, &err), 0);
    assert_int_equal(sl_encoder_json.begin(st, &schema, &out, &err), 0);
    assert_int_equal(sl_encoder_json.write(st, b, NULL, 1, &out, &err),
                     SL_EINVAL);
    assert_non_null(strstr(err.msg, "'zz'"));
    sl_field_free(&schema);
    assert_int_equal(sl_type_parse("struct<a:string>", &schema, &err), 0);
    assert_int_equal(sl_encoder_json.begin(st, &schema, &out, &err), 0);
    assert_int_equal(sl_encoder_json.write(st, b, NULL, 1, &out, &err),
                     SL_EINVAL);
    assert_non_null(strstr(err.msg, "int in the batch but string"));
    sl_field_free(&schema);
    sl_buf_free(&out);
    sl_encoder_json.destroy(st);
    sl_encoder_json.destroy(NULL);
    sl_batch_destroy(b);
}

static void test_foreign_keys_ignored(void **state)
{
    struct sl_batch *b = tu_batch("struct<a:int>");
    assert_int_equal(sl_col_append_i32(&b->root.child[0], 1), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    char *s = tu_encode(&sl_encoder_json,
                        "path: /x\nformat: json\nseparator: ';'\n", b, NULL, 1);
    assert_string_equal(s, "{\"a\":1}\n");
    free(s);
    sl_batch_destroy(b);
}

static void test_text_formats(void **state)
{
    char t[SL_TEXT_SCALAR_MAX];
    size_t n = sl__fmt_timestamp(0, t);
    assert_int_equal(n, 20);
    assert_memory_equal(t, "1970-01-01T00:00:00Z", n);
    n = sl__fmt_timestamp(951782400000001LL, t); /* 2000-02-29, leap day */
    assert_memory_equal(t, "2000-02-29T00:00:00.000001Z", n);
    n = sl__fmt_timestamp(-62135596800000000LL, t); /* 0001-01-01 */
    assert_memory_equal(t, "0001-01-01T00:00:00Z", n);
    n = sl__fmt_date(-719528, t); /* 0000-01-01 */
    assert_memory_equal(t, "0000-01-01", n);
    n = sl__fmt_date(2932897, t); /* year 10000 */
    assert_int_equal(n, 11);
    assert_memory_equal(t, "10000-01-01", n);
    n = sl__fmt_decimal(0, 0, t);
    assert_memory_equal(t, "0", n);
    n = sl__fmt_decimal(-123456789, 3, t);
    assert_memory_equal(t, "-123456.789", n);
    __int128 big = (__int128)99999999999999999LL * 1000000000000000000LL +
                   999999999999999999LL; /* 35 nines */
    n = sl__fmt_decimal(big, 35, t);
    assert_int_equal(n, 37);
    assert_memory_equal(t, "0.99999999999999999999999999999999999", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_selection_and_projection),
        cmocka_unit_test(test_foreign_keys_ignored),
        cmocka_unit_test(test_text_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
