/*
 * test_schema.c - Hive type spellings, copy/equal, widening (schema.c),
 * and the date/timestamp text helpers (datetime.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "datetime.h"
#include "schema.h"

/* Parse text, format it back, compare with want (NULL = same as text). */
static void roundtrip(const char *text, const char *want)
{
    struct sl_field f;
    struct sl_error err;
    sl_error_clear(&err);
    int rc = sl_type_parse(text, &f, &err);
    if (rc)
        fail_msg("parse %s: %s", text, err.msg);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_type_format(&f, &b), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data, want ? want : text);
    /* The formatted text parses to an equal tree. */
    struct sl_field g;
    assert_int_equal(sl_type_parse((char *)b.data, &g, &err), 0);
    assert_true(sl_field_equal(&f, &g));
    sl_field_free(&g);
    sl_buf_free(&b);
    sl_field_free(&f);
}

static void test_parse_format(void **state)
{
    roundtrip("bigint", NULL);
    roundtrip("boolean", NULL);
    roundtrip("struct<a:int,b:array<string>>", NULL);
    roundtrip("map<string,struct<x:double,y:decimal(10,2)>>", NULL);
    roundtrip("  STRUCT < a : INT , b : Map<String , Long> > ",
              "struct<a:int,b:map<string,bigint>>");
    roundtrip("tinyint", "int");
    roundtrip("smallint", "int");
    roundtrip("integer", "int");
    roundtrip("long", "bigint");
    roundtrip("varchar(20)", "string");
    roundtrip("char(3)", "string");
    roundtrip("varchar", "string");
    roundtrip("decimal", "decimal(10,0)");
    roundtrip("decimal(38)", "decimal(38,0)");
    roundtrip("void", NULL);
    roundtrip("array<array<timestamp>>", NULL);
    roundtrip("struct<date:date,bin:binary,f:float>", NULL);
    roundtrip("struct<`a b`:int,`x``y`:string,`é`:int>", NULL);
    roundtrip("struct<`plain`:int>", "struct<plain:int>");
    roundtrip("struct<>", NULL);
}

static void test_parse_tree(void **state)
{
    struct sl_field f;
    assert_int_equal(
        sl_type_parse("struct<a:int,`b.c`:map<string,decimal(5,3)>>", &f, NULL),
        0);
    assert_int_equal(f.type, SL_STRUCT);
    assert_null(f.name);
    assert_int_equal(f.n_children, 2);
    assert_string_equal(f.children[0].name, "a");
    assert_int_equal(f.children[0].type, SL_INT);
    assert_true(f.children[0].nullable);
    const struct sl_field *m = sl_field_child(&f, "b.c");
    assert_non_null(m);
    assert_int_equal(m->type, SL_MAP);
    assert_int_equal(m->n_children, 2);
    assert_int_equal(m->children[0].type, SL_STRING);
    assert_false(m->children[0].nullable);
    assert_int_equal(m->children[1].type, SL_DECIMAL);
    assert_int_equal(m->children[1].precision, 5);
    assert_int_equal(m->children[1].scale, 3);
    assert_null(sl_field_child(&f, "zz"));
    sl_field_free(&f);
    sl_field_free(&f); /* freed field is zeroed: second free is a no-op */
}

static void parse_fails(const char *text, const char *msg_part)
{
    struct sl_field f;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_not_equal(sl_type_parse(text, &f, &err), 0);
    if (!strstr(err.msg, msg_part))
        fail_msg("parse %s: message \"%s\" lacks \"%s\"", text, err.msg,
                 msg_part);
    assert_int_equal(f.n_children, 0);
    assert_null(f.children);
}

static void test_parse_errors(void **state)
{
    parse_fails("", "expected a type name at character 1, found the end");
    parse_fails("bigin", "expected a type name");
    parse_fails("struct<a:int", "expected ',' or '>' at character 13");
    parse_fails("struct<a int>", "expected ':' after the field name at "
                                 "character 10, found 'i'");
    parse_fails("array<>", "expected a type name at character 7, found '>'");
    parse_fails("map<string>", "',' between the key and value types at "
                               "character 11");
    parse_fails("decimal(39,2)", "precision from 1 to 38 at character 9");
    parse_fails("decimal(5,6)", "scale no larger than the precision at "
                                "character 11");
    parse_fails("int x", "expected the end of the type at character 5");
    parse_fails("struct<`ab:int>", "closing backtick for this name at "
                                   "character 8");
    parse_fails("struct<a:int,a:string>", "field name \"a\" repeated");
    parse_fails("struct<a:array<int>,b:int>>", "end of the type at "
                                               "character 27");
    /* Depth limit instead of a stack overflow. */
    char deep[2000] = "";
    for (int i = 0; i < 150; i++)
        strcat(deep, "array<");
    parse_fails(deep, "nested deeper than 100 levels");
}

static void test_copy_equal(void **state)
{
    struct sl_field f, g;
    assert_int_equal(
        sl_type_parse("struct<a:int,b:struct<c:array<string>>>", &f, NULL), 0);
    assert_int_equal(sl_field_copy(&g, &f), 0);
    assert_true(sl_field_equal(&f, &g));
    assert_ptr_not_equal(f.children, g.children);
    assert_ptr_not_equal(f.children[0].name, g.children[0].name);
    g.children[1].children[0].children[0].type = SL_INT;
    assert_false(sl_field_equal(&f, &g));
    sl_field_free(&g);
    assert_int_equal(sl_field_copy(&g, &f), 0);
    g.children[0].nullable = false;
    assert_false(sl_field_equal(&f, &g));
    sl_field_free(&g);
    struct sl_field d1, d2;
    assert_int_equal(sl_type_parse("decimal(10,2)", &d1, NULL), 0);
    assert_int_equal(sl_type_parse("decimal(10,3)", &d2, NULL), 0);
    assert_false(sl_field_equal(&d1, &d2));
    sl_field_free(&f);
}

static void test_type_widen(void **state)
{
    assert_int_equal(sl_type_widen(SL_INT, SL_INT), SL_INT);
    assert_int_equal(sl_type_widen(SL_INT, SL_BIGINT), SL_BIGINT);
    assert_int_equal(sl_type_widen(SL_BIGINT, SL_INT), SL_BIGINT);
    assert_int_equal(sl_type_widen(SL_INT, SL_DOUBLE), SL_DOUBLE);
    assert_int_equal(sl_type_widen(SL_BIGINT, SL_DOUBLE), SL_DOUBLE);
    assert_int_equal(sl_type_widen(SL_FLOAT, SL_DOUBLE), SL_DOUBLE);
    assert_int_equal(sl_type_widen(SL_NULLTYPE, SL_BOOLEAN), SL_BOOLEAN);
    assert_int_equal(sl_type_widen(SL_STRUCT, SL_NULLTYPE), SL_STRUCT);
    assert_int_equal(sl_type_widen(SL_BOOLEAN, SL_INT), SL_STRING);
    assert_int_equal(sl_type_widen(SL_DATE, SL_TIMESTAMP), SL_STRING);
    assert_int_equal(sl_type_widen(SL_STRING, SL_DOUBLE), SL_STRING);
}

/* Widen the type `a` by `b` and compare the Hive spelling with want. */
static void widen_to(const char *a, const char *b, const char *want,
                     bool want_changed)
{
    struct sl_field fa, fb;
    assert_int_equal(sl_type_parse(a, &fa, NULL), 0);
    assert_int_equal(sl_type_parse(b, &fb, NULL), 0);
    bool changed = false;
    assert_int_equal(sl_field_widen(&fa, &fb, &changed), 0);
    struct sl_buf out;
    sl_buf_init(&out, 0);
    assert_int_equal(sl_type_format(&fa, &out), 0);
    sl_buf_cstr(&out);
    assert_string_equal((char *)out.data, want);
    assert_int_equal(changed, want_changed);
    sl_buf_free(&out);
    sl_field_free(&fa);
    sl_field_free(&fb);
}

static void test_field_widen(void **state)
{
    widen_to("struct<a:int>", "struct<a:int>", "struct<a:int>", false);
    widen_to("struct<a:int>", "struct<b:string,a:bigint>",
             "struct<a:bigint,b:string>", true);
    widen_to("struct<a:int,b:string>", "struct<c:double,b:string,d:int>",
             "struct<a:int,b:string,c:double,d:int>", true);
    widen_to("struct<a:void>", "struct<a:struct<x:int>>",
             "struct<a:struct<x:int>>", true);
    widen_to("struct<a:struct<x:int>>", "struct<a:void>",
             "struct<a:struct<x:int>>", false);
    widen_to("struct<a:struct<x:int>>", "struct<a:struct<y:boolean,x:double>>",
             "struct<a:struct<x:double,y:boolean>>", true);
    widen_to("array<int>", "array<bigint>", "array<bigint>", true);
    widen_to("array<struct<a:int>>", "array<struct<b:int>>",
             "array<struct<a:int,b:int>>", true);
    widen_to("array<int>", "struct<a:int>", "string", true);
    widen_to("struct<a:int>", "int", "string", true);
    widen_to("map<string,int>", "map<string,double>", "map<string,double>",
             true);
    widen_to("boolean", "int", "string", true);
    widen_to("float", "double", "double", true);
    widen_to("double", "int", "double", false);
    widen_to("decimal(5,2)", "decimal(10,0)", "decimal(12,2)", true);
    widen_to("decimal(38,0)", "decimal(38,38)", "string", true);
}

static void test_datetime(void **state)
{
    assert_int_equal(sl_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(sl_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(sl_days_from_civil(1969, 12, 31), -1);
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(-719468, &y, &m, &d); /* 0000-03-01 */
    assert_int_equal(y, 0);
    assert_int_equal(m, 3);
    assert_int_equal(d, 1);
    int32_t days;
    assert_int_equal(sl_date_parse("2026-11-25", 10, &days), 0);
    assert_int_equal(days, 20782);
    assert_int_equal(sl_date_parse("2024-02-29", 10, &days), 0);
    assert_int_equal(sl_date_parse("2023-02-29", 10, &days), SL_ETYPE);
    assert_int_equal(sl_date_parse("2023-13-01", 10, &days), SL_ETYPE);
    assert_int_equal(sl_date_parse("2023-1-01", 9, &days), SL_ETYPE);
    int64_t us;
    assert_int_equal(sl_timestamp_parse("2026-11-25T10:00:00Z", 20, &us), 0);
    assert_int_equal(us, (20782LL * 86400 + 36000) * 1000000);
    const char *s = "2026-11-25 10:00:00.5+01:00";
    assert_int_equal(sl_timestamp_parse(s, strlen(s), &us), 0);
    assert_int_equal(us, (20782LL * 86400 + 32400) * 1000000 + 500000);
    s = "2026-11-25T10:00:00.1234567-0530";
    assert_int_equal(sl_timestamp_parse(s, strlen(s), &us), 0);
    assert_int_equal(us, (20782LL * 86400 + 36000 + 19800) * 1000000 + 123456);
    assert_int_equal(sl_timestamp_parse("2026-11-25", 10, &us), 0);
    assert_int_equal(us, 20782LL * 86400 * 1000000);
    assert_int_equal(sl_timestamp_parse("1969-12-31T23:59:59.999999", 26, &us),
                     0);
    assert_int_equal(us, -1);
    assert_int_equal(sl_timestamp_parse("2026-11-25T25:00:00", 19, &us),
                     SL_ETYPE);
    assert_int_equal(sl_timestamp_parse("2026-11-25T10:00:00Zx", 21, &us),
                     SL_ETYPE);
    assert_int_equal(sl_timestamp_parse("2026-11-25T10:00:00.", 20, &us),
                     SL_ETYPE);
    char out[SL_TS_TEXT_MAX];
    assert_int_equal(sl_timestamp_format(-1, out), 27);
    assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
    sl_timestamp_format(1764064800000000LL, out);
    assert_string_equal(out, "2025-11-25T10:00:00Z");
    sl_date_format(-1, out);
    assert_string_equal(out, "1969-12-31");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format), cmocka_unit_test(test_parse_tree),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_copy_equal),
        cmocka_unit_test(test_type_widen),   cmocka_unit_test(test_field_widen),
        cmocka_unit_test(test_datetime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
