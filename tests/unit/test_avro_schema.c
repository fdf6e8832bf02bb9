/*
 * test_avro_schema.c - zigzag varints (avro_bin.h), Avro schema JSON
 * parsing, defaults, the mapping to sluice types, and the writer schema
 * derived from a sluice schema (avro_schema.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/avro_bin.h"
#include "formats/avro_schema.h"

static void test_varint_vectors(void **state)
{
    /* The specification's table, plus the extremes. */
    struct {
        int64_t v;
        const char *bytes;
        size_t n;
    } t[] = {
        {0, "\x00", 1},
        {-1, "\x01", 1},
        {1, "\x02", 1},
        {-2, "\x03", 1},
        {2, "\x04", 1},
        {-64, "\x7f", 1},
        {64, "\x80\x01", 2},
        {8192, "\x80\x80\x01", 3},
        {INT64_MAX, "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10},
        {INT64_MIN, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        uint8_t b[10];
        size_t n = sl_avro_put_long(b, t[i].v);
        assert_int_equal(n, t[i].n);
        assert_memory_equal(b, t[i].bytes, n);
        int64_t v = 12345;
        assert_int_equal(sl_avro_get_long(b, n, &v), n);
        assert_true(v == t[i].v);
        /* Truncated: needs the last byte. */
        assert_int_equal(sl_avro_get_long(b, n - 1, &v), 0);
    }
    /* Eleven continuation bytes: overlong, refused. */
    uint8_t over[11];
    memset(over, 0x80, sizeof over);
    int64_t v;
    assert_int_equal(sl_avro_get_long(over, sizeof over, &v), 0);
    /* Round trip of many values. */
    for (int64_t x = -100000; x <= 100000; x += 7) {
        uint8_t b[10];
        size_t n = sl_avro_put_long(b, x * 1000003);
        assert_int_equal(sl_avro_get_long(b, n, &v), n);
        assert_true(v == x * 1000003);
    }
    uint8_t f[8];
    sl_avro_put_f64(f, 1.5);
    assert_memory_equal(f, "\x00\x00\x00\x00\x00\x00\xf8\x3f", 8);
    assert_true(sl_avro_get_f64(f) == 1.5);
    sl_avro_put_f32(f, -2.0f);
    assert_memory_equal(f, "\x00\x00\x00\xc0", 4);
    assert_true(sl_avro_get_f32(f) == -2.0f);
}

/* Parse schema text, map it, compare the Hive spelling of the row. */
static void mapped(const char *schema, const char *want)
{
    struct sl_avro_schema *s;
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_avro_schema_parse(schema, strlen(schema), &s, &err))
        fail_msg("parse %s: %s", schema, err.msg);
    struct sl_field f;
    if (sl_avro_to_sluice(s, &f, &err))
        fail_msg("map %s: %s", schema, err.msg);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_type_format(&f, &b), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data, want);
    sl_buf_free(&b);
    sl_field_free(&f);
    sl_avro_schema_destroy(s);
}

static void test_mapping(void **state)
{
    mapped("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
           "{\"name\":\"a\",\"type\":\"int\"},"
           "{\"name\":\"b\",\"type\":\"long\"},"
           "{\"name\":\"c\",\"type\":\"float\"},"
           "{\"name\":\"d\",\"type\":\"double\"},"
           "{\"name\":\"e\",\"type\":\"boolean\"},"
           "{\"name\":\"f\",\"type\":\"string\"},"
           "{\"name\":\"g\",\"type\":\"bytes\"},"
           "{\"name\":\"h\",\"type\":\"null\"},"
           "{\"name\":\"i\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
           "\"symbols\":[\"A\"]}},"
           "{\"name\":\"j\",\"type\":{\"type\":\"fixed\",\"name\":\"F\","
           "\"size\":3}},"
           "{\"name\":\"k\",\"type\":{\"type\":\"array\",\"items\":\"E\"}},"
           "{\"name\":\"l\",\"type\":{\"type\":\"map\",\"values\":\"F\"}}]}",
           "struct<a:int,b:bigint,c:float,d:double,e:boolean,f:string,"
           "g:binary,h:string,i:string,j:binary,k:array<string>,"
           "l:map<string,binary>>");
    /* Logical types, including ones that do not fit (ignored). */
    mapped("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
           "{\"name\":\"a\",\"type\":{\"type\":\"int\",\"logicalType\":"
           "\"date\"}},"
           "{\"name\":\"b\",\"type\":{\"type\":\"int\",\"logicalType\":"
           "\"time-millis\"}},"
           "{\"name\":\"c\",\"type\":{\"type\":\"long\",\"logicalType\":"
           "\"time-micros\"}},"
           "{\"name\":\"d\",\"type\":{\"type\":\"long\",\"logicalType\":"
           "\"timestamp-millis\"}},"
           "{\"name\":\"e\",\"type\":{\"type\":\"long\",\"logicalType\":"
           "\"timestamp-micros\"}},"
           "{\"name\":\"f\",\"type\":{\"type\":\"long\",\"logicalType\":"
           "\"local-timestamp-micros\"}},"
           "{\"name\":\"g\",\"type\":{\"type\":\"bytes\",\"logicalType\":"
           "\"decimal\",\"precision\":9,\"scale\":3}},"
           "{\"name\":\"h\",\"type\":{\"type\":\"fixed\",\"name\":\"D\","
           "\"size\":5,\"logicalType\":\"decimal\",\"precision\":11}},"
           "{\"name\":\"i\",\"type\":{\"type\":\"string\",\"logicalType\":"
           "\"uuid\"}},"
           "{\"name\":\"j\",\"type\":{\"type\":\"string\",\"logicalType\":"
           "\"date\"}},"
           "{\"name\":\"k\",\"type\":{\"type\":\"fixed\",\"name\":\"D2\","
           "\"size\":2,\"logicalType\":\"decimal\",\"precision\":9}},"
           "{\"name\":\"l\",\"type\":{\"type\":\"int\",\"logicalType\":"
           "\"wat\"}}]}",
           "struct<a:date,b:int,c:bigint,d:timestamp,e:timestamp,"
           "f:timestamp,g:decimal(9,3),h:decimal(11,0),i:string,j:string,"
           "k:binary,l:int>");
    /* Unions: nullable T either way round; others become structs. */
    mapped("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
           "{\"name\":\"a\",\"type\":[\"null\",\"int\"]},"
           "{\"name\":\"b\",\"type\":[\"string\",\"null\"]},"
           "{\"name\":\"c\",\"type\":[\"null\",\"string\",\"long\"]},"
           "{\"name\":\"d\",\"type\":[\"int\",{\"type\":\"record\","
           "\"name\":\"in\",\"fields\":[{\"name\":\"x\",\"type\":"
           "\"int\"}]}]},"
           "{\"name\":\"e\",\"type\":[\"null\"]},"
           "{\"name\":\"f\",\"type\":[\"double\"]}]}",
           "struct<a:int,b:string,c:struct<member0:string,member1:bigint>,"
           "d:struct<member0:int,member1:struct<x:int>>,e:string,"
           "f:struct<member0:double>>");
    /* Non-record roots: one column "value". */
    mapped("\"long\"", "struct<value:bigint>");
    mapped("{\"type\":\"array\",\"items\":[\"null\",\"string\"]}",
           "struct<value:array<string>>");
    mapped("{\"type\":\"map\",\"values\":{\"type\":\"map\",\"values\":"
           "\"int\"}}",
           "struct<value:map<string,map<string,int>>>");
    mapped("[\"null\",\"int\",\"string\"]",
           "struct<value:struct<member0:int,member1:string>>");
    /* Namespaces: a nested type is found by short and full name. */
    mapped("{\"type\":\"record\",\"name\":\"a.b.R\",\"fields\":["
           "{\"name\":\"x\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
           "\"symbols\":[\"A\"]}},"
           "{\"name\":\"y\",\"type\":\"E\"},"
           "{\"name\":\"z\",\"type\":\"a.b.E\"},"
           "{\"name\":\"w\",\"type\":{\"type\":\"fixed\",\"name\":\"F\","
           "\"namespace\":\"o\",\"size\":1}},"
           "{\"name\":\"v\",\"type\":\"o.F\"}]}",
           "struct<x:string,y:string,z:string,w:binary,v:binary>");
}

static void nullable_flags(void **state)
{
    const char *t = "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
                    "{\"name\":\"a\",\"type\":[\"null\",\"int\"]},"
                    "{\"name\":\"b\",\"type\":\"int\"},"
                    "{\"name\":\"c\",\"type\":[\"null\",\"int\",\"string\"]}"
                    "]}";
    struct sl_avro_schema *s;
    assert_int_equal(sl_avro_schema_parse(t, strlen(t), &s, NULL), 0);
    struct sl_field f;
    assert_int_equal(sl_avro_to_sluice(s, &f, NULL), 0);
    assert_true(f.children[0].nullable);
    assert_false(f.children[1].nullable);
    assert_true(f.children[2].nullable);
    assert_true(f.children[2].children[0].nullable);
    sl_field_free(&f);
    sl_avro_schema_destroy(s);
}

static void bad_schema(const char *text, const char *want)
{
    struct sl_avro_schema *s = (void *)1;
    struct sl_error err;
    sl_error_clear(&err);
    int rc = sl_avro_schema_parse(text, strlen(text), &s, &err);
    if (rc == 0) {
        struct sl_field f;
        rc = sl_avro_to_sluice(s, &f, &err);
        if (rc == 0)
            sl_field_free(&f);
        sl_avro_schema_destroy(s);
    } else {
        assert_null(s);
    }
    assert_int_not_equal(rc, 0);
    if (!strstr(err.msg, want))
        fail_msg("error for %s: \"%s\" lacks \"%s\"", text, err.msg, want);
}

static void test_bad_schemas(void **state)
{
    bad_schema("{\"type\":\"recrod\"}", "unknown type \"recrod\"");
    bad_schema("{\"type\":\"record\",\"fields\":[]}", "needs \"name\"");
    bad_schema("{\"type\":\"record\",\"name\":\"r\"}", "\"fields\" list");
    bad_schema("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
               "{\"name\":\"a\",\"type\":\"int\"},"
               "{\"name\":\"a\",\"type\":\"int\"}]}",
               "same name");
    bad_schema("[\"int\",\"int\"]", "same type twice");
    bad_schema("[\"int\",[\"string\"]]", "union directly");
    bad_schema("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
               "{\"name\":\"a\",\"type\":\"int\",\"default\":\"x\"}]}",
               "default of field \"a\"");
    bad_schema("{\"type\":\"record\",\"name\":\"r\",\"fields\":["
               "{\"name\":\"a\",\"type\":\"Nope\"}]}",
               "$.a: unknown type \"Nope\"");
    bad_schema("{\"type\":\"record\",\"name\":\"List\",\"fields\":["
               "{\"name\":\"next\",\"type\":[\"null\",\"List\"]}]}",
               "recursive");
    bad_schema("{\"type\":\"fixed\",\"name\":\"f\"}", "\"size\"");
    bad_schema("{\"type\":\"bytes\",\"logicalType\":\"decimal\","
               "\"precision\":40}",
               "above 38");
    bad_schema("{\"type\": ", "not valid JSON");
    bad_schema("{\"type\":\"enum\",\"name\":\"E\"}", "symbols");
    bad_schema("{\"type\":\"array\"}", "items");
}

static void dflt(const char *type, const char *value, const char *bytes,
                 size_t n)
{
    char t[1024];
    snprintf(t, sizeof t,
             "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":"
             "\"a\",\"type\":%s,\"default\":%s}]}",
             type, value);
    struct sl_avro_schema *s;
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_avro_schema_parse(t, strlen(t), &s, &err))
        fail_msg("%s: %s", t, err.msg);
    const struct sl_avro_field *f = &s->root->fields[0];
    assert_true(f->has_default);
    assert_int_equal(f->dflt_len, n);
    assert_memory_equal(f->dflt, bytes, n);
    sl_avro_schema_destroy(s);
}

static void test_defaults(void **state)
{
    dflt("\"int\"", "-3", "\x05", 1);
    dflt("\"long\"", "64", "\x80\x01", 2);
    dflt("\"boolean\"", "true", "\x01", 1);
    dflt("\"string\"", "\"hé\"", "\x06h\xc3\xa9", 4);
    /* \u0000 cannot be read: the JSON reader keeps C strings. */
    dflt("\"bytes\"", "\"\\u00ff\\u0001\"", "\x04\xff\x01", 3);
    dflt("\"double\"", "1.5", "\x00\x00\x00\x00\x00\x00\xf8\x3f", 8);
    dflt("\"float\"", "-2", "\x00\x00\x00\xc0", 4);
    dflt("\"null\"", "null", "", 0);
    dflt("[\"null\",\"int\"]", "null", "\x00", 1);
    dflt("[\"int\",\"null\"]", "7", "\x00\x0e", 2);
    dflt("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}",
         "\"B\"", "\x02", 1);
    dflt("{\"type\":\"array\",\"items\":\"int\"}", "[1,2]", "\x04\x02\x04\x00",
         4);
    dflt("{\"type\":\"array\",\"items\":\"int\"}", "[]", "\x00", 1);
    dflt("{\"type\":\"map\",\"values\":\"int\"}", "{\"k\":1}",
         "\x02\x02k\x02\x00", 5);
    dflt("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "\"ab\"", "ab", 2);
    dflt("{\"type\":\"record\",\"name\":\"I\",\"fields\":[{\"name\":\"x\","
         "\"type\":\"int\"},{\"name\":\"y\",\"type\":\"string\","
         "\"default\":\"z\"}]}",
         "{\"x\":1}", "\x02\x02z", 3);
}

/* sluice schema -> Avro JSON -> parse -> sluice schema: same types. */
static void test_from_sluice(void **state)
{
    const char *hive = "struct<id:bigint,b:boolean,i:int,f:float,d:double,"
                       "dec:decimal(12,2),s:string,bin:binary,dt:date,"
                       "ts:timestamp,arr:array<bigint>,m:map<string,int>,"
                       "st:struct<x:int,`bad name`:string>>";
    struct sl_field row;
    assert_int_equal(sl_type_parse(hive, &row, NULL), 0);
    row.children[0].nullable = false;
    for (uint32_t i = 1; i < row.n_children; i++)
        row.children[i].nullable = true;
    struct sl_buf json;
    sl_buf_init(&json, 0);
    assert_int_equal(sl_avro_schema_from_sluice(&row, &json, NULL), 0);
    assert_int_equal(sl_buf_cstr(&json), 0);
    assert_non_null(
        strstr((char *)json.data, "{\"name\":\"id\",\"type\":\"long\"}"));
    assert_non_null(strstr((char *)json.data,
                           "{\"name\":\"b\",\"type\":[\"null\",\"boolean\"],"
                           "\"default\":null}"));
    assert_non_null(strstr((char *)json.data, "\"name\":\"bad_name\""));
    struct sl_avro_schema *s;
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_avro_schema_parse((char *)json.data, json.len, &s, &err))
        fail_msg("%s: %s", (char *)json.data, err.msg);
    struct sl_field back;
    assert_int_equal(sl_avro_to_sluice(s, &back, NULL), 0);
    struct sl_buf a, b;
    sl_buf_init(&a, 0);
    sl_buf_init(&b, 0);
    sl_type_format(&back, &a);
    sl_buf_cstr(&a);
    assert_string_equal((char *)a.data,
                        "struct<id:bigint,b:boolean,i:int,f:float,d:double,"
                        "dec:decimal(12,2),s:string,bin:binary,dt:date,"
                        "ts:timestamp,arr:array<bigint>,m:map<string,int>,"
                        "st:struct<x:int,bad_name:string>>");
    assert_false(back.children[0].nullable);
    assert_true(back.children[1].nullable);
    sl_buf_free(&a);
    sl_buf_free(&b);
    sl_field_free(&back);
    sl_avro_schema_destroy(s);
    sl_buf_free(&json);
    sl_field_free(&row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_vectors),
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(nullable_flags),
        cmocka_unit_test(test_bad_schemas),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_from_sluice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
