/*
 * test_json.c - the JSON decoder (src/formats/json.c, json_num.c): RFC 8259
 * validity, declared-schema conversions, schema detection and widening,
 * error offsets and paths, rollback, top-level arrays.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_json;

struct fx {
    void *st;
    struct sl_batch *b;
    struct sl_field schema;
    struct sl_error err;
};

/* schema NULL = detect. */
static void fx_open(struct fx *f, const char *schema, size_t max_depth)
{
    memset(f, 0, sizeof *f);
    struct sl_decoder_ctx ctx = {.max_depth = max_depth};
    if (schema) {
        if (sl_type_parse(schema, &f->schema, &f->err))
            fail_msg("%s", f->err.msg);
        ctx.schema = &f->schema;
    }
    assert_int_equal(sl_decoder_json.create(&ctx, &f->st, &f->err), 0);
    assert_int_equal(
        sl_batch_create(schema ? &f->schema : NULL, &f->b, &f->err), 0);
}

static void fx_close(struct fx *f)
{
    sl_decoder_json.destroy(f->st);
    sl_batch_destroy(f->b);
    sl_field_free(&f->schema);
}

static int decn(struct fx *f, const char *p, size_t n)
{
    sl_error_clear(&f->err);
    return sl_decoder_json.decode(f->st, (const uint8_t *)p, n, f->b, &f->err);
}

static int dec(struct fx *f, const char *json)
{
    return decn(f, json, strlen(json));
}

/* Decode and require success. */
static void ok(struct fx *f, const char *json)
{
    if (dec(f, json))
        fail_msg("decode %s: %s", json, f->err.msg);
}

/* Decode and require failure with this message and offset. */
static void bad(struct fx *f, const char *json, const char *msg, long off)
{
    size_t rows = sl_batch_rows(f->b);
    int rc = dec(f, json);
    if (rc == 0)
        fail_msg("decode %s: accepted", json);
    if (strcmp(f->err.msg, msg) != 0)
        fail_msg("decode %s:\n  got  %s\n  want %s", json, f->err.msg, msg);
    assert_int_equal(f->err.offset, off);
    assert_int_equal(sl_batch_rows(f->b), rows);
}

/* Decode (detect mode) and require failure whose message starts with
 * `prefix`. */
static void bad_prefix(const char *json, size_t n, const char *prefix, long off)
{
    struct fx f;
    fx_open(&f, NULL, 0);
    if (decn(&f, json, n) == 0)
        fail_msg("decode %s: accepted", json);
    if (strncmp(f.err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("decode %s:\n  got  %s\n  want %s...", json, f.err.msg,
                 prefix);
    assert_int_equal(f.err.offset, off);
    assert_int_equal(sl_batch_rows(f.b), 0);
    fx_close(&f);
}

/* Column by dotted path of struct children from the root. */
static struct sl_col *col(struct fx *f, const char *path)
{
    struct sl_col *c = &f->b->root;
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *save, *t = strtok_r(tmp, ".", &save); t;
         t = strtok_r(NULL, ".", &save)) {
        c = sl_col_child(c, t);
        if (!c)
            fail_msg("no column %s", path);
    }
    return c;
}

static void assert_str(const struct sl_col *c, size_t i, const char *want,
                       size_t n)
{
    assert_int_equal(c->type, SL_STRING);
    assert_true(sl_col_is_valid(c, i));
    size_t len = (size_t)(c->off[i + 1] - c->off[i]);
    if (len != n || memcmp(c->data + c->off[i], want, n) != 0)
        fail_msg("slot %zu: got \"%.*s\", want \"%.*s\"", i, (int)len,
                 c->data + c->off[i], (int)n, want);
}
#define ASSERT_STR(c, i, lit) assert_str(c, i, lit, sizeof(lit) - 1)

static void assert_schema(struct fx *f, const char *want)
{
    struct sl_field s;
    assert_int_equal(sl_batch_schema(f->b, &s), 0);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_type_format(&s, &b), 0);
    sl_buf_cstr(&b);
    assert_string_equal((char *)b.data, want);
    sl_buf_free(&b);
    sl_field_free(&s);
}

/* ---- RFC 8259 ---- */

static void test_strings(void **state)
{
    struct fx f;
    fx_open(&f, NULL, 0);
    ok(&f, "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC"
           "\\ud83d\\ude00\"}");
    ASSERT_STR(col(&f, "s"), 0,
               "a\"b\\c/d\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    ok(&f, "{\"s\":\"h\xc3\xa9llo \xf0\x9f\x98\x80 \xe2\x82\xac "
           "long enough to take the eight-byte path\"}");
    ASSERT_STR(col(&f, "s"), 1,
               "h\xc3\xa9llo \xf0\x9f\x98\x80 \xe2\x82\xac long enough to "
               "take the eight-byte path");
    ok(&f, "{\"s\":\"\\u0000x\"}");
    assert_str(col(&f, "s"), 2, "\0x", 2);
    ok(&f, "{\"s\":\"\"}");
    ASSERT_STR(col(&f, "s"), 3, "");
    /* an escaped key matches its plain spelling */
    ok(&f, "{\"\\u0073\":\"k\"}");
    ASSERT_STR(col(&f, "s"), 4, "k");
    assert_int_equal(f.b->root.n_child, 1);
    fx_close(&f);
}

static void test_string_errors(void **state)
{
    bad_prefix("{\"a\":\"\\x\"}", 10,
               "invalid escape in a string at byte 6 "
               "in field a",
               6);
    bad_prefix("{\"a\":\"\\u12\"}", 12, "invalid \\u escape at byte 6", 6);
    bad_prefix("{\"a\":\"\\u12G4\"}", 14, "invalid \\u escape at byte 6", 6);
    bad_prefix("{\"a\":\"x\\ud800\"}", 15,
               "lone high surrogate in a \\u "
               "escape at byte 7 in field a",
               7);
    bad_prefix("{\"a\":\"\\ud800\\u0041\"}", 20, "lone high surrogate", 6);
    bad_prefix("{\"a\":\"\\udc00\"}", 14, "lone low surrogate", 6);
    bad_prefix("{\"a\":\"\xc3\x28\"}", 9,
               "invalid UTF-8 in a string at "
               "byte 6 in field a",
               6);
    bad_prefix("{\"a\":\"\xc0\xaf\"}", 9, "invalid UTF-8", 6); /* overlong */
    bad_prefix("{\"a\":\"\xe0\x80\xaf\"}", 10, "invalid UTF-8",
               6); /* overlong */
    bad_prefix("{\"a\":\"\xed\xa0\x80\"}", 10, "invalid UTF-8",
               6); /* surrogate */
    bad_prefix("{\"a\":\"\xf4\x90\x80\x80\"}", 11, "invalid UTF-8", 6);
    bad_prefix("{\"a\":\"\xf5\x80\x80\x80\"}", 11, "invalid UTF-8", 6);
    bad_prefix("{\"a\":\"ab\xe2\x82\"}", 10, "invalid UTF-8", 8); /* cut */
    bad_prefix("{\"a\":\"\xff\"}", 8, "invalid UTF-8", 6);
    bad_prefix("{\"a\":\"x\x01\"}", 9,
               "unescaped control character in a "
               "string at byte 7",
               7);
    bad_prefix("{\"a\":\"x\ny\"}", 10, "unescaped control character", 7);
    bad_prefix("{\"a\":\"abc", 9, "unterminated string at byte 5", 5);
    bad_prefix("{\"a\":\"abc\\", 10, "unterminated string at byte 5", 5);
    bad_prefix("{\"k\xff\":1}", 7, "invalid UTF-8 in a string at byte 3", 3);
    bad_prefix("{\"\\u0000\":1}", 12, "field name holds \\u0000 at byte 1", 1);
}

static void test_numbers(void **state)
{
    struct fx f;
    fx_open(&f, NULL, 0);
    ok(&f, "{\"i\":2147483647,\"j\":-2147483648,\"b\":9223372036854775807,"
           "\"m\":-9223372036854775808,\"z\":0,\"e\":1E2}");
    assert_int_equal(col(&f, "i")->type, SL_INT);
    assert_int_equal(SL_COL_VALUES(col(&f, "i"), int32_t)[0], 2147483647);
    assert_int_equal(SL_COL_VALUES(col(&f, "j"), int32_t)[0], INT32_MIN);
    assert_int_equal(col(&f, "b")->type, SL_BIGINT);
    assert_true(SL_COL_VALUES(col(&f, "b"), int64_t)[0] == INT64_MAX);
    assert_true(SL_COL_VALUES(col(&f, "m"), int64_t)[0] == INT64_MIN);
    assert_int_equal(col(&f, "z")->type, SL_INT);
    assert_int_equal(col(&f, "e")->type, SL_DOUBLE);
    assert_true(SL_COL_VALUES(col(&f, "e"), double)[0] == 100.0);
    fx_close(&f);

    /* Doubles: each value read back as strtod reads the same text. */
    static const char *const texts[] = {
        "9223372036854775808",
        "-9223372036854775809",
        "0.1",
        "-0.0",
        "1.5e3",
        "1e-2",
        "123456789012345678901234567890",
        "2.2250738585072011e-308",
        "2.2250738585072014e-308",
        "4.9e-324",
        "1e-400",
        "1.7976931348623157e308",
        "9007199254740993.0",
        "0.30000000000000004",
        "3.141592653589793238462643383279",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "7.0e-10",
        "123.456e-2",
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        fx_open(&f, NULL, 0);
        char rec[200];
        snprintf(rec, sizeof rec, "{\"x\":%s}", texts[k]);
        ok(&f, rec);
        struct sl_col *x = col(&f, "x");
        assert_int_equal(x->type, SL_DOUBLE);
        double want = strtod(texts[k], NULL), got = SL_COL_VALUES(x, double)[0];
        if (memcmp(&got, &want, sizeof got) != 0)
            fail_msg("%s: got %.17g want %.17g", texts[k], got, want);
        fx_close(&f);
    }
    /* -0 is the double -0.0, not the int 0 */
    fx_open(&f, NULL, 0);
    ok(&f, "{\"x\":-0}");
    assert_int_equal(col(&f, "x")->type, SL_DOUBLE);
    assert_true(signbit(SL_COL_VALUES(col(&f, "x"), double)[0]));
    fx_close(&f);
}

static void test_number_errors(void **state)
{
    bad_prefix("{\"a\":01}", 8,
               "leading zero in a number at byte 5 in field "
               "a",
               5);
    bad_prefix("{\"a\":-01}", 9, "leading zero in a number at byte 6", 6);
    bad_prefix("{\"a\":1.}", 8,
               "expected a digit after the decimal point at "
               "byte 7",
               7);
    bad_prefix("{\"a\":.5}", 8,
               "unexpected character, expected a value at "
               "byte 5",
               5);
    bad_prefix("{\"a\":-}", 7, "expected a digit after '-' at byte 6", 6);
    bad_prefix("{\"a\":1e}", 8, "expected a digit in the exponent at byte 7",
               7);
    bad_prefix("{\"a\":1e+}", 9, "expected a digit in the exponent", 8);
    bad_prefix("{\"a\":+1}", 8, "unexpected character", 5);
    bad_prefix("{\"a\":0x10}", 10,
               "expected ',' or '}' after a field at "
               "byte 6",
               6);
    bad_prefix("{\"a\":NaN}", 9, "unexpected character", 5);
    bad_prefix("{\"a\":Infinity}", 14, "unexpected character", 5);
    bad_prefix("{\"a\":-Infinity}", 15, "expected a digit after '-'", 6);
    bad_prefix("{\"a\":1e400}", 11,
               "field \"a\": 1e400 is out of range for a "
               "double at byte 5",
               5);
    bad_prefix("{\"a\":-1e400}", 12, "field \"a\": -1e400 is out of range", 5);
}

static void test_structure(void **state)
{
    struct fx f;
    fx_open(&f, NULL, 0);
    assert_int_equal(dec(&f, ""), 0);
    assert_int_equal(dec(&f, " \t\r\n "), 0);
    assert_int_equal(dec(&f, "[]"), 0);
    assert_int_equal(dec(&f, " [ ] "), 0);
    assert_int_equal(sl_batch_rows(f.b), 0);
    ok(&f, "{}");
    ok(&f, " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } , \"c\" : [ ] } \n");
    assert_int_equal(sl_batch_rows(f.b), 2);
    assert_schema(&f, "struct<a:array<int>,b:struct<>,c:array<void>>");
    struct sl_col *a = col(&f, "a");
    assert_false(sl_col_is_valid(a, 0));
    assert_int_equal(sl_col_list_len(a, 1), 2);
    assert_int_equal(SL_COL_VALUES(&a->child[0], int32_t)[1], 2);
    fx_close(&f);

    bad_prefix("{\"a\":1,}", 8,
               "expected a field name in double quotes at "
               "byte 7",
               7);
    bad_prefix("{\"a\" 1}", 7, "expected ':' after the field name at byte 5",
               5);
    bad_prefix("{a:1}", 5, "expected a field name in double quotes at byte 1",
               1);
    bad_prefix("{'a':1}", 7, "expected a field name", 1);
    bad_prefix("{\"a\":1}}", 8,
               "unexpected text after the JSON value at "
               "byte 7",
               7);
    bad_prefix("{\"a\":1} x", 9,
               "unexpected text after the JSON value at "
               "byte 8",
               8);
    bad_prefix("{\"a\":1}{\"a\":2}", 14, "unexpected text after", 7);
    bad_prefix("{\"a\":tru}", 9,
               "invalid literal (true, false or null) at "
               "byte 5",
               5);
    bad_prefix("{\"a\":nul", 8, "invalid literal", 5);
    bad_prefix("{\"a\":truex}", 11,
               "expected ',' or '}' after a field at "
               "byte 9",
               9);
    bad_prefix("{\"a\":[1,]}", 10,
               "unexpected character, expected a value "
               "at byte 8 in field a[1]",
               8);
    bad_prefix("{\"a\":[1 2]}", 11,
               "expected ',' or ']' after an element at "
               "byte 8 in field a",
               8);
    bad_prefix("{\"a\":1", 6, "expected ',' or '}' after a field at byte 6", 6);
    bad_prefix("{\"a\":", 5,
               "unexpected end of the record, expected a value "
               "at byte 5 in field a",
               5);
    bad_prefix("{", 1, "expected a field name in double quotes at byte 1", 1);
    bad_prefix("\"str\"", 5,
               "the record is not a JSON object or array at "
               "byte 0",
               0);
    bad_prefix("42", 2, "the record is not a JSON object or array", 0);
    bad_prefix("null", 4, "the record is not a JSON object or array", 0);
    bad_prefix("nope", 4, "invalid literal", 0);
    bad_prefix("{\"a\":1}\0", 8, "unexpected text after", 7);
    bad_prefix("[{\"a\":1},2]", 11,
               "a top-level array element is not an "
               "object at byte 9 in field [1]",
               9);
    bad_prefix("[{\"a\":1},{\"a\":\"\\q\"}]", 20,
               "invalid escape in a string "
               "at byte 15 in field [1].a",
               15);
}

static void test_depth(void **state)
{
    char rec[400];
    struct fx f;
    /* object (1) + 63 arrays = 64 levels: allowed by default */
    for (int n = 63; n <= 64; n++) {
        size_t o = (size_t)snprintf(rec, sizeof rec, "{\"a\":");
        for (int i = 0; i < n; i++)
            rec[o++] = '[';
        for (int i = 0; i < n; i++)
            rec[o++] = ']';
        rec[o++] = '}';
        rec[o] = '\0';
        fx_open(&f, NULL, 0);
        if (n == 63) {
            ok(&f, rec);
        } else {
            assert_int_equal(dec(&f, rec), SL_ECORRUPT);
            assert_int_equal(f.err.offset, 5 + 63);
            assert_non_null(strstr(f.err.msg, "nested deeper than 64 levels"));
        }
        fx_close(&f);
    }
    fx_open(&f, NULL, 3);
    ok(&f, "{\"a\":{\"b\":{}}}");
    bad(&f, "{\"a\":{\"b\":{\"c\":{}}}}",
        "nested deeper than 3 levels at byte 15 in field a.b.c", 15);
    /* skipped values count too (declared schema, unknown field) */
    fx_close(&f);
    fx_open(&f, "struct<x:int>", 3);
    bad(&f, "{\"y\":[[[1]]]}",
        "nested deeper than 3 levels at byte 7 in "
        "field y[0][0]",
        7);
    fx_close(&f);
}

/* ---- declared schema ---- */

static const char *const big_schema =
    "struct<i:int,b:bigint,f:float,d:double,s:string,t:boolean,"
    "ts:timestamp,dt:date,dec:decimal(10,2),bin:binary,arr:array<int>,"
    "m:map<string,bigint>,st:struct<x:string,y:array<struct<z:int>>>>";

static void test_declared_values(void **state)
{
    struct fx f;
    fx_open(&f, big_schema, 0);
    ok(&f, "{\"i\":\"42\",\"b\":-9223372036854775808,\"f\":1.5,\"d\":\"2.5\","
           "\"s\":42,\"t\":\"true\",\"ts\":\"2026-11-25T10:00:00Z\","
           "\"dt\":\"2026-11-25\",\"dec\":\"123.45\",\"bin\":\"AP8=\","
           "\"arr\":[1,\"2\",3.0,null],\"m\":{\"k\":1,\"l\":null},"
           "\"st\":{\"x\":true,\"y\":[{\"z\":1},{}],\"extra\":[1,{\"d\":[]}]},"
           "\"unknown\":{\"a\":[1,2,{\"b\":\"c\\u0041\"}]}}");
    assert_int_equal(SL_COL_VALUES(col(&f, "i"), int32_t)[0], 42);
    assert_true(SL_COL_VALUES(col(&f, "b"), int64_t)[0] == INT64_MIN);
    assert_true(SL_COL_VALUES(col(&f, "f"), float)[0] == 1.5f);
    assert_true(SL_COL_VALUES(col(&f, "d"), double)[0] == 2.5);
    ASSERT_STR(col(&f, "s"), 0, "42");
    assert_int_equal(SL_COL_VALUES(col(&f, "t"), uint8_t)[0], 1);
    assert_true(SL_COL_VALUES(col(&f, "ts"), int64_t)[0] ==
                1795600800LL * 1000000);
    assert_int_equal(SL_COL_VALUES(col(&f, "dt"), int32_t)[0], 20782);
    assert_true(SL_COL_VALUES(col(&f, "dec"), __int128)[0] == 12345);
    struct sl_col *bin = col(&f, "bin");
    assert_int_equal(bin->off[1], 2);
    assert_memory_equal(bin->data, "\x00\xff", 2);
    struct sl_col *arr = col(&f, "arr");
    assert_int_equal(sl_col_list_len(arr, 0), 4);
    assert_int_equal(SL_COL_VALUES(&arr->child[0], int32_t)[0], 1);
    assert_int_equal(SL_COL_VALUES(&arr->child[0], int32_t)[1], 2);
    assert_int_equal(SL_COL_VALUES(&arr->child[0], int32_t)[2], 3);
    assert_false(sl_col_is_valid(&arr->child[0], 3));
    struct sl_col *m = col(&f, "m");
    assert_int_equal(sl_col_list_len(m, 0), 2);
    ASSERT_STR(&m->child[0], 0, "k");
    ASSERT_STR(&m->child[0], 1, "l");
    assert_int_equal(SL_COL_VALUES(&m->child[1], int64_t)[0], 1);
    assert_false(sl_col_is_valid(&m->child[1], 1));
    ASSERT_STR(col(&f, "st.x"), 0, "true");
    struct sl_col *y = col(&f, "st.y");
    assert_int_equal(sl_col_list_len(y, 0), 2);
    assert_int_equal(SL_COL_VALUES(&y->child[0].child[0], int32_t)[0], 1);
    assert_false(sl_col_is_valid(&y->child[0].child[0], 1));
    assert_true(sl_col_is_valid(&y->child[0], 1));
    assert_int_equal(f.b->root.n_child, 13); /* nothing added */

    /* row 1: everything missing -> nulls */
    ok(&f, "{}");
    for (uint32_t k = 0; k < f.b->root.n_child; k++) {
        assert_int_equal(f.b->root.child[k].len, 2);
        assert_false(sl_col_is_valid(&f.b->root.child[k], 1));
    }
    /* row 2: other spellings */
    ok(&f, "{\"s\":{\"a\" : [1, 2.50, \"x y\"]},\"t\":false,\"i\":-0,"
           "\"ts\":\"2026-11-25 10:00:00.123456+01:00\",\"dec\":1e-2,"
           "\"f\":\"-3.25e1\",\"d\":7,\"b\":\"12\",\"bin\":\"AP8\"}");
    ASSERT_STR(col(&f, "s"), 2, "{\"a\":[1,2.50,\"x y\"]}");
    assert_int_equal(SL_COL_VALUES(col(&f, "t"), uint8_t)[2], 0);
    assert_true(sl_col_is_valid(col(&f, "t"), 2));
    assert_int_equal(SL_COL_VALUES(col(&f, "i"), int32_t)[2], 0);
    assert_true(SL_COL_VALUES(col(&f, "ts"), int64_t)[2] ==
                (1795600800LL - 3600) * 1000000 + 123456);
    assert_true(SL_COL_VALUES(col(&f, "dec"), __int128)[2] == 1);
    assert_true(SL_COL_VALUES(col(&f, "f"), float)[2] == -32.5f);
    assert_true(SL_COL_VALUES(col(&f, "d"), double)[2] == 7.0);
    assert_true(SL_COL_VALUES(col(&f, "b"), int64_t)[2] == 12);
    assert_int_equal(bin->off[3] - bin->off[2], 2);
    /* row 3: timestamps as epoch seconds, decimals at scale */
    ok(&f, "{\"ts\":1.5,\"dec\":-12.3,\"s\":null,\"st\":null,\"arr\":[]}");
    assert_true(SL_COL_VALUES(col(&f, "ts"), int64_t)[3] == 1500000);
    assert_true(SL_COL_VALUES(col(&f, "dec"), __int128)[3] == -1230);
    assert_false(sl_col_is_valid(col(&f, "s"), 3));
    assert_false(sl_col_is_valid(col(&f, "st"), 3));
    assert_false(sl_col_is_valid(col(&f, "st.x"), 3));
    assert_true(sl_col_is_valid(arr, 3));
    assert_int_equal(sl_col_list_len(arr, 3), 0);
    ok(&f, "{\"ts\":\"1700000000\",\"dec\":\"99999999.99\"}");
    assert_true(SL_COL_VALUES(col(&f, "ts"), int64_t)[4] ==
                1700000000LL * 1000000);
    assert_true(SL_COL_VALUES(col(&f, "dec"), __int128)[4] == 9999999999LL);
    assert_int_equal(sl_batch_rows(f.b), 5);
    fx_close(&f);
}

static void test_declared_errors(void **state)
{
    struct fx f;
    fx_open(&f, big_schema, 0);
    ok(&f, "{\"i\":1}");
    bad(&f, "{\"b\":1,\"i\":\"abc\"}",
        "field \"i\": \"abc\" is not an int at byte 11", 11);
    bad(&f, "{\"i\":3.5}", "field \"i\": 3.5 is not an int at byte 5", 5);
    bad(&f, "{\"i\":2147483648}",
        "field \"i\": 2147483648 is out of range for an int at byte 5", 5);
    bad(&f, "{\"i\":3e10}",
        "field \"i\": 3e10 is out of range for an int at byte 5", 5);
    bad(&f, "{\"i\":true}", "field \"i\": true is not an int at byte 5", 5);
    bad(&f, "{\"i\":\" 42\"}", "field \"i\": \" 42\" is not an int at byte 5",
        5);
    bad(&f, "{\"b\":9223372036854775808}",
        "field \"b\": 9223372036854775808 is out of range for a bigint at "
        "byte 5",
        5);
    bad(&f, "{\"f\":1e39}",
        "field \"f\": 1e39 is out of range for a float at byte 5", 5);
    bad(&f, "{\"dec\":\"1.234\"}",
        "field \"dec\": \"1.234\" is not a decimal(10,2) at byte 7", 7);
    bad(&f, "{\"dec\":123456789.1}",
        "field \"dec\": 123456789.1 is not a decimal(10,2) at byte 7", 7);
    bad(&f, "{\"dt\":\"2026-13-01\"}",
        "field \"dt\": \"2026-13-01\" is not a date (YYYY-MM-DD) at byte 6", 6);
    bad(&f, "{\"dt\":20000}",
        "field \"dt\": 20000 is not a date (YYYY-MM-DD) at byte 6", 6);
    bad(&f, "{\"ts\":\"yesterday\"}",
        "field \"ts\": \"yesterday\" is not a timestamp (ISO-8601 text or "
        "epoch seconds) at byte 6",
        6);
    bad(&f, "{\"bin\":\"!!\"}",
        "field \"bin\": \"!!\" is not base64 binary at byte 7", 7);
    bad(&f, "{\"arr\":{\"a\":1}}",
        "field \"arr\": {\"a\":1} is not an array at byte 7", 7);
    bad(&f, "{\"arr\":[1,\"x\"]}",
        "field \"arr[1]\": \"x\" is not an int at byte 10", 10);
    bad(&f, "{\"st\":[1]}", "field \"st\": [1] is not an object at byte 6", 6);
    bad(&f, "{\"st\":{\"y\":[{\"z\":\"q\"}]}}",
        "field \"st.y[0].z\": \"q\" is not an int at byte 17", 17);
    bad(&f, "{\"m\":{\"k\":\"v\"}}",
        "field \"m.k\": \"v\" is not a bigint at byte 10", 10);
    bad(&f, "{\"t\":\"yes\"}",
        "field \"t\": \"yes\" is not a boolean at byte 5", 5);
    bad(&f,
        "{\"s\":\"0123456789012345678901234567890123456789xyz\",\"i\":"
        "\"0123456789012345678901234567890123456789xyz\"}",
        "field \"i\": \"012345678901234567890123456789012345678... is not an "
        "int at byte 55",
        55);
    /* an unknown field is still checked as JSON */
    bad(&f, "{\"zz\":[1,{\"q\":01}]}",
        "leading zero in a number at byte 14 in field zz[1].q", 14);
    assert_int_equal(sl_batch_rows(f.b), 1);
    fx_close(&f);

    /* not nullable */
    fx_open(&f, "struct<id:int,name:string>", 0);
    f.b->root.child[0].nullable = false;
    sl_decoder_json.destroy(f.st);
    f.schema.children[0].nullable = false;
    struct sl_decoder_ctx ctx = {.schema = &f.schema};
    assert_int_equal(sl_decoder_json.create(&ctx, &f.st, NULL), 0);
    ok(&f, "{\"id\":1}");
    bad(&f, "{\"name\":\"x\",\"id\":null}",
        "field \"id\": null is not allowed: the field is not nullable at "
        "byte 17",
        17);
    bad(&f, "{\"name\":\"x\"}",
        "field \"id\" is missing and is not nullable (object at byte 0)", 0);
    assert_int_equal(sl_batch_rows(f.b), 1);
    assert_int_equal(col(&f, "name")->len, 1);
    fx_close(&f);
}

/* ---- detection ---- */

static void test_detect_widen(void **state)
{
    struct fx f;
    fx_open(&f, NULL, 0);
    ok(&f, "{\"a\":1,\"b\":1,\"c\":true,\"n\":null,\"o\":null}");
    ok(&f, "{\"a\":3000000000,\"b\":\"x\",\"c\":1,\"n\":null,"
           "\"o\":{\"x\":1}}");
    ok(&f, "{\"a\":1.5,\"n\":5,\"o\":{\"y\":\"s\"}}");
    assert_schema(&f, "struct<a:double,b:string,c:string,n:int,"
                      "o:struct<x:int,y:string>>");
    struct sl_col *a = col(&f, "a");
    assert_true(SL_COL_VALUES(a, double)[0] == 1.0);
    assert_true(SL_COL_VALUES(a, double)[1] == 3000000000.0);
    assert_true(SL_COL_VALUES(a, double)[2] == 1.5);
    ASSERT_STR(col(&f, "b"), 0, "1");
    ASSERT_STR(col(&f, "b"), 1, "x");
    assert_false(sl_col_is_valid(col(&f, "b"), 2));
    ASSERT_STR(col(&f, "c"), 0, "true");
    ASSERT_STR(col(&f, "c"), 1, "1");
    struct sl_col *n = col(&f, "n");
    assert_false(sl_col_is_valid(n, 0));
    assert_false(sl_col_is_valid(n, 1));
    assert_int_equal(SL_COL_VALUES(n, int32_t)[2], 5);
    struct sl_col *o = col(&f, "o");
    assert_false(sl_col_is_valid(o, 0));
    assert_true(sl_col_is_valid(o, 1));
    assert_int_equal(SL_COL_VALUES(col(&f, "o.x"), int32_t)[1], 1);
    assert_false(sl_col_is_valid(col(&f, "o.x"), 2));
    assert_false(sl_col_is_valid(col(&f, "o.y"), 1));
    ASSERT_STR(col(&f, "o.y"), 2, "s");
    fx_close(&f);

    fx_open(&f, NULL, 0);
    ok(&f, "{\"l\":[1,2],\"s\":{\"a\":1,\"b\":[true]},\"m\":[1]}");
    ok(&f, "{\"l\":[3000000000,1.5],\"s\":\"str\",\"m\":[\"a\",{\"x\":1},2]}");
    ok(&f, "{\"l\":[],\"s\":[1, 2],\"m\":null,\"a\":1,\"a\":2}");
    assert_schema(&f, "struct<l:array<double>,s:string,m:array<string>,a:int>");
    struct sl_col *l = col(&f, "l");
    assert_int_equal(l->off[1], 2);
    assert_int_equal(l->off[2], 4);
    assert_int_equal(l->off[3], 4);
    assert_true(SL_COL_VALUES(&l->child[0], double)[1] == 2.0);
    assert_true(SL_COL_VALUES(&l->child[0], double)[2] == 3000000000.0);
    assert_true(SL_COL_VALUES(&l->child[0], double)[3] == 1.5);
    ASSERT_STR(col(&f, "s"), 0, "{\"a\":1,\"b\":[true]}");
    ASSERT_STR(col(&f, "s"), 1, "str");
    ASSERT_STR(col(&f, "s"), 2, "[1,2]");
    struct sl_col *me = &col(&f, "m")->child[0];
    ASSERT_STR(me, 0, "1");
    ASSERT_STR(me, 1, "a");
    ASSERT_STR(me, 2, "{\"x\":1}");
    ASSERT_STR(me, 3, "2");
    assert_false(sl_col_is_valid(col(&f, "m"), 2));
    /* a repeated key: the last value wins */
    assert_int_equal(SL_COL_VALUES(col(&f, "a"), int32_t)[2], 2);
    assert_int_equal(col(&f, "a")->len, 3);
    fx_close(&f);

    /* New nested fields inside arrays of objects, keys in other orders. */
    fx_open(&f, NULL, 0);
    ok(&f, "{\"e\":[{\"k\":1},{\"k\":2,\"v\":\"a\"}]}");
    ok(&f, "{\"x\":0,\"e\":[{\"v\":\"b\",\"w\":{\"q\":null},\"k\":3}]}");
    assert_schema(&f, "struct<e:array<struct<k:int,v:string,w:struct<q:void>"
                      ">>,x:int>");
    struct sl_col *el = &col(&f, "e")->child[0];
    assert_int_equal(el->len, 3);
    assert_int_equal(el->child[2].len, 3);
    assert_false(sl_col_is_valid(&el->child[2], 0));
    assert_true(sl_col_is_valid(&el->child[2], 2));
    ASSERT_STR(&el->child[1], 2, "b");
    assert_int_equal(SL_COL_VALUES(&el->child[0], int32_t)[2], 3);
    assert_false(sl_col_is_valid(col(&f, "x"), 0));
    fx_close(&f);
}

static void test_rollback(void **state)
{
    struct fx f;
    fx_open(&f, NULL, 0);
    ok(&f, "{\"a\":1,\"s\":\"one\",\"l\":[{\"k\":\"x\"}]}");
    ok(&f, "{\"a\":2,\"s\":\"two\",\"l\":[]}");
    struct sl_col *s = col(&f, "s"), *l = col(&f, "l");
    size_t data = s->data_len, el = l->child[0].len;
    /* fails late: every column got something first */
    bad(&f,
        "{\"a\":3,\"s\":\"three\",\"l\":[{\"k\":\"y\"},{\"k\":\"z\"}],\"b\":"
        "tru}",
        "invalid literal (true, false or null) at byte 49 in field b", 49);
    /* a top-level array whose third element fails */
    bad(&f, "[{\"a\":4},{\"a\":5,\"s\":\"five\"},{\"a\":\"\\x\"}]",
        "invalid escape in a string at byte 34 in field [2].a", 34);
    assert_int_equal(sl_batch_rows(f.b), 2);
    s = col(&f, "s");
    l = col(&f, "l");
    assert_int_equal(col(&f, "a")->len, 2);
    assert_int_equal(s->len, 2);
    assert_int_equal(s->data_len, data);
    assert_int_equal(l->len, 2);
    assert_int_equal(l->child[0].len, el);
    assert_int_equal(l->child[0].child[0].data_len, 1);
    /* the added column "b" stays (schema), rolled back to 2 nulls */
    assert_int_equal(col(&f, "b")->len, 2);
    ok(&f, "[{\"a\":6},{\"a\":7,\"s\":\"seven\"}]");
    assert_int_equal(sl_batch_rows(f.b), 4);
    assert_int_equal(SL_COL_VALUES(col(&f, "a"), int32_t)[3], 7);
    ASSERT_STR(col(&f, "s"), 3, "seven");
    assert_false(sl_col_is_valid(col(&f, "s"), 2));
    fx_close(&f);
}

static void test_limits_and_maps(void **state)
{
    /* Detection stops at 10000 fields in one object. */
    struct sl_buf rec;
    sl_buf_init(&rec, 0);
    sl_buf_putc(&rec, '{');
    for (int i = 0; i <= 10000; i++)
        sl_buf_appendf(&rec, "%s\"f%d\":%d", i ? "," : "", i, i);
    sl_buf_putc(&rec, '}');
    struct fx f;
    fx_open(&f, NULL, 0);
    assert_int_equal(decn(&f, (char *)rec.data, rec.len), SL_ELIMIT);
    assert_string_equal(f.err.msg,
                        "more than 10000 fields in one object at byte 127781");
    assert_int_equal(sl_batch_rows(f.b), 0);
    assert_int_equal(f.b->root.n_child, 10000);
    assert_int_equal(col(&f, "f9999")->len, 0);
    sl_buf_free(&rec);
    fx_close(&f);

    /* Map keys convert to the key type. */
    fx_open(&f, "struct<m:map<int,string>>", 0);
    ok(&f, "{\"m\":{\"1\":\"a\",\"-2\":\"b\"}}");
    struct sl_col *m = col(&f, "m");
    assert_int_equal(sl_col_list_len(m, 0), 2);
    assert_int_equal(SL_COL_VALUES(&m->child[0], int32_t)[1], -2);
    ASSERT_STR(&m->child[1], 1, "b");
    bad(&f, "{\"m\":{\"1\":\"a\",\"x\":\"b\"}}",
        "field \"m.x\": \"x\" is not an int at byte 14", 14);
    fx_close(&f);
}

static void test_many_rows_reuse(void **state)
{
    struct fx f;
    fx_open(&f, NULL, 0);
    char rec[200];
    for (int round = 0; round < 3; round++) {
        sl_batch_clear(f.b);
        for (int i = 0; i < 5000; i++) {
            snprintf(rec, sizeof rec,
                     "{\"id\":%d,\"name\":\"user%d\",\"ok\":%s,\"v\":%d.25}", i,
                     i, i % 2 ? "true" : "false", i);
            ok(&f, rec);
        }
    }
    assert_int_equal(sl_batch_rows(f.b), 5000);
    assert_int_equal(SL_COL_VALUES(col(&f, "id"), int32_t)[4321], 4321);
    ASSERT_STR(col(&f, "name"), 4999, "user4999");
    assert_true(SL_COL_VALUES(col(&f, "v"), double)[10] == 10.25);
    assert_int_equal(SL_COL_VALUES(col(&f, "ok"), uint8_t)[7], 1);
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_declared_values),
        cmocka_unit_test(test_declared_errors),
        cmocka_unit_test(test_detect_widen),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_limits_and_maps),
        cmocka_unit_test(test_many_rows_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
