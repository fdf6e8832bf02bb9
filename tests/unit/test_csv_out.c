/*
 * test_csv_out.c - the CSV encoder (formats/csv_out.c): header, RFC 4180
 * quoting only where needed, nulls vs empty strings, nested values as
 * quoted JSON, separator / line end / header options, option errors.
 */
#include <math.h>

#include "sink_testutil.h"

static void row(struct sl_batch *b, int32_t id, const char *s, double d,
                int64_t ts)
{
    struct sl_col *c = b->root.child;
    assert_int_equal(sl_col_append_i32(&c[0], id), 0);
    if (s)
        tu_str(&c[1], s);
    else
        assert_int_equal(sl_col_append_null(&c[1]), 0);
    assert_int_equal(sl_col_append_f64(&c[2], d), 0);
    assert_int_equal(sl_col_append_i64(&c[3], ts), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
}

static struct sl_batch *sample(void)
{
    struct sl_batch *b =
        tu_batch("struct<id:int,`na me, \"x\"`:string,d:double,ts:timestamp>");
    row(b, 1, "plain", 1.5, 1795600800123000LL);
    row(b, 2, "a,b", -0.25, 0);
    row(b, 3, "say \"hi\"", NAN, 0);
    row(b, 4, "line\nbreak", INFINITY, 0);
    row(b, 5, "cr\rhere", -INFINITY, 0);
    row(b, 6, " lead", 1e21, 0);
    row(b, 7, "trail\t", 0, 0);
    row(b, 8, "", 0, 0);
    row(b, 9, NULL, 0, 0);
    row(b, 10, "\xc3\xa9t\xc3\xa9;x", 0, 0);
    return b;
}

static void test_default(void **state)
{
    struct sl_batch *b = sample();
    char *s = tu_encode(&sl_encoder_csv, NULL, b, NULL, sl_batch_rows(b));
    assert_string_equal(s, "id,\"na me, \"\"x\"\"\",d,ts\n"
                           "1,plain,1.5,2026-11-25T10:00:00.123Z\n"
                           "2,\"a,b\",-0.25,1970-01-01T00:00:00Z\n"
                           "3,\"say \"\"hi\"\"\",NaN,1970-01-01T00:00:00Z\n"
                           "4,\"line\nbreak\",Infinity,1970-01-01T00:00:00Z\n"
                           "5,\"cr\rhere\",-Infinity,1970-01-01T00:00:00Z\n"
                           "6,\" lead\",1e+21,1970-01-01T00:00:00Z\n"
                           "7,\"trail\t\",0,1970-01-01T00:00:00Z\n"
                           "8,\"\",0,1970-01-01T00:00:00Z\n"
                           "9,,0,1970-01-01T00:00:00Z\n"
                           "10,\xc3\xa9t\xc3\xa9;x,0,1970-01-01T00:00:00Z\n");
    free(s);
    sl_batch_destroy(b);
}

static void test_options(void **state)
{
    struct sl_batch *b = sample();
    static const uint32_t sel[] = {9, 0, 8};
    /* Semicolons, CRLF, no header; unknown (sink) keys are not ours. */
    char *s = tu_encode(&sl_encoder_csv,
                        "path: /tmp/x\nformat: csv\nseparator: ';'\n"
                        "line_end: crlf\nwrite_header: false\n",
                        b, sel, 3);
    assert_string_equal(s,
                        "10;\"\xc3\xa9t\xc3\xa9;x\";0;1970-01-01T00:00:00Z\r\n"
                        "1;plain;1.5;2026-11-25T10:00:00.123Z\r\n"
                        "9;;0;1970-01-01T00:00:00Z\r\n");
    free(s);
    /* A ':' separator makes timestamps need quotes. */
    s = tu_encode(&sl_encoder_csv, "separator: ':'\n", b, sel + 1, 1);
    assert_string_equal(s, "id:\"na me, \"\"x\"\"\":d:ts\n"
                           "1:plain:1.5:\"2026-11-25T10:00:00.123Z\"\n");
    free(s);
    /* Tab-separated. */
    s = tu_encode(&sl_encoder_csv, "separator: \"\\t\"\nwrite_header: false\n",
                  b, sel + 1, 1);
    assert_string_equal(s, "1\tplain\t1.5\t2026-11-25T10:00:00.123Z\n");
    free(s);
    sl_batch_destroy(b);
}

static void test_bad_options(void **state)
{
    static const char *bad[] = {
        "separator: ab\n", "separator: '\"'\n",     "separator: ''\n",
        "line_end: cr\n",  "write_header: maybe\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct sl_conf *c = tu_conf(bad[i]);
        struct sl_error err;
        void *st = NULL;
        assert_int_equal(sl_encoder_csv.create(c, &st, &err), SL_EINVAL);
        assert_true(err.msg[0] != '\0');
        assert_null(st);
        sl_conf_free(c);
    }
}

static void test_nested(void **state)
{
    struct sl_batch *b =
        tu_batch("struct<a:array<string>,m:map<string,int>,s:struct<x:int>,"
                 "bin:binary,dt:date,dec:decimal(5,1),ok:boolean>");
    struct sl_col *c = b->root.child;
    tu_str(&c[0].child[0], "x\"y");
    tu_str(&c[0].child[0], "z");
    assert_int_equal(sl_col_list_end(&c[0]), 0);
    tu_str(&c[1].child[0], "k");
    assert_int_equal(sl_col_append_i32(&c[1].child[1], 1), 0);
    assert_int_equal(sl_col_list_end(&c[1]), 0);
    assert_int_equal(sl_col_append_i32(&c[2].child[0], 5), 0);
    assert_int_equal(sl_col_struct_end(&c[2]), 0);
    assert_int_equal(sl_col_append_bytes(&c[3], "\xfb\xff", 2), 0);
    assert_int_equal(sl_col_append_i32(&c[4], 20782), 0);
    assert_int_equal(sl_col_append_dec(&c[5], -15), 0);
    assert_int_equal(sl_col_append_bool(&c[6], true), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    char *s = tu_encode(&sl_encoder_csv, NULL, b, NULL, 2);
    assert_string_equal(s, "a,m,s,bin,dt,dec,ok\n"
                           "\"[\"\"x\\\"\"y\"\",\"\"z\"\"]\",\"{\"\"k\"\":1}\","
                           "\"{\"\"x\"\":5}\",+/8=,2026-11-25,-1.5,true\n"
                           ",,,,,,\n");
    free(s);
    sl_batch_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
