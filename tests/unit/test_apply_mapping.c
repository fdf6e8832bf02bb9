/*
 * test_apply_mapping.c - Glue's ApplyMapping (src/transforms/
 * apply_mapping.c): only mapped fields kept, nested paths read and
 * written, casts of every kind, failed casts as null (counted) or
 * dead-lettered with on_error: dead_letter.
 */
#include "expr_testutil.h"

static const char *S = "struct<id:string,ts:string,epoch:bigint,"
                       "user:struct<name:string,age:string>,ok:string,"
                       "tags:array<string>,skip:int>";
static const char *ROWS =
    "{\"id\":\"1\",\"ts\":\"2026-01-02T03:04:05Z\",\"epoch\":1700000000,"
    "\"user\":{\"name\":\"ann\",\"age\":\"31\"},\"ok\":\"true\","
    "\"tags\":[\"x\"],\"skip\":9}\n"
    "{\"id\":\"2x\",\"ts\":\"yesterday\",\"user\":{\"age\":\"old\"},"
    "\"ok\":\"no\"}\n"
    "{\"id\":null}\n";

static const char *MAP =
    "[[id, string, key, bigint], [ts, string, when.at, timestamp],"
    " [epoch, bigint, when.epoch, timestamp],"
    " [user.name, string, name, string], [user.age, string, meta.age, int],"
    " [ok, string, meta.ok, boolean], [tags, array<string>, tags, "
    "array<string>], [ts, string, day, date], [missing.x, int, m, "
    "double]]";

static const char *OUT_SCHEMA =
    "struct<key:bigint,when:struct<at:timestamp,epoch:timestamp>,"
    "name:string,meta:struct<age:int,ok:boolean>,tags:array<string>,"
    "day:date,m:double>";

static void test_null_on_failure(void **state)
{
    (void)state;
    /* detected schema: missing.x is absent, so m is null */
    struct tu_t *t = tu_t_new("apply_mapping", MAP, NULL);
    char want[2048];
    snprintf(want, sizeof want, "%s|%s", OUT_SCHEMA,
             "{\"key\":1,\"when\":{\"at\":\"2026-01-02T03:04:05Z\","
             "\"epoch\":\"2023-11-14T22:13:20Z\"},\"name\":\"ann\","
             "\"meta\":{\"age\":31,\"ok\":true},\"tags\":[\"x\"],"
             "\"day\":\"2026-01-02\"}\n"
             "{\"when\":{},\"meta\":{\"ok\":false}}\n"
             "{\"when\":{},\"meta\":{}}\n");
    TU_EQ(tu_t_apply(t, S, ROWS), want);
    /* row 2: id, ts, user.age (and day from ts) failed: one row counted */
    assert_int_equal(t->env.cast_failures, 1);
    tu_t_free(t);
    /* declared schema: prepare gives the output schema */
    char map2[1024];
    snprintf(map2, sizeof map2, "%.*s]", (int)(strstr(MAP, ", [missing") - MAP),
             MAP);
    t = tu_t_new("apply_mapping", map2, S);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    sl_type_format(&t->out_schema, &b);
    sl_buf_cstr(&b);
    assert_string_equal((char *)b.data,
                        "struct<key:bigint,when:struct<at:timestamp,"
                        "epoch:timestamp>,name:string,meta:struct<age:int,"
                        "ok:boolean>,tags:array<string>,day:date>");
    sl_buf_free(&b);
    tu_t_free(t);
}

static void test_dead_letter(void **state)
{
    (void)state;
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "{mappings: %s, on_error: dead_letter}", MAP);
    struct tu_t *t = tu_t_new("apply_mapping", yaml, NULL);
    TU_EQ(tu_t_apply(t, S, ROWS),
          "struct<key:bigint,when:struct<at:timestamp,epoch:timestamp>,"
          "name:string,meta:struct<age:int,ok:boolean>,tags:array<string>,"
          "day:date,m:double>|"
          "{\"key\":1,\"when\":{\"at\":\"2026-01-02T03:04:05Z\","
          "\"epoch\":\"2023-11-14T22:13:20Z\"},\"name\":\"ann\","
          "\"meta\":{\"age\":31,\"ok\":true},\"tags\":[\"x\"],"
          "\"day\":\"2026-01-02\"}\n"
          "{\"when\":{},\"meta\":{}}\n");
    assert_string_equal((char *)t->dl.text.data,
                        "apply_mapping: the value of 'id' does not convert "
                        "to bigint (target 'key')|{\"id\":\"2x\",\"ts\":"
                        "\"yesterday\",\"user\":{\"age\":\"old\"},"
                        "\"ok\":\"no\"}\n");
    assert_int_equal(t->env.cast_failures, 0);
    tu_t_free(t);
}

static void test_epoch_and_numbers(void **state)
{
    (void)state;
    const char *s = "struct<a:string,b:double,c:string>";
    struct tu_t *t = tu_t_new("apply_mapping",
                              "[[a, string, a, timestamp], [b, double, b, "
                              "int], [c, string, c, float], [b, double, d, "
                              "string]]",
                              s);
    TU_EQ(tu_t_apply(t, s,
                     "{\"a\":\"1700000000.25\",\"b\":2.9,\"c\":\"1.5\"}\n"
                     "{\"a\":\"2026-11-25 10:00:00+01:00\",\"b\":-1e300,"
                     "\"c\":\"x\"}\n"),
          "struct<a:timestamp,b:int,c:float,d:string>|"
          "{\"a\":\"2023-11-14T22:13:20.250000Z\",\"b\":2,\"c\":1.5,"
          "\"d\":\"2.9\"}\n"
          "{\"a\":\"2026-11-25T09:00:00Z\",\"d\":\"-1e+300\"}\n");
    assert_int_equal(t->env.cast_failures, 1);
    tu_t_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    tu_t_err("apply_mapping", "[[a, string, b]]", NULL,
             "t.yaml:1:2: mapping 1: expected [source_path, source_type, "
             "target_path, target_type]");
    tu_t_err("apply_mapping", "[[a, strng, b, int]]", NULL,
             "t.yaml:1:2: mapping 1: type \"strng\": expected a type name "
             "(boolean, int, bigint, float, double, decimal, string, binary, "
             "date, timestamp, array, map, struct) at character 1, found "
             "'s'");
    tu_t_err("apply_mapping", "[[a, int, b, int], [c, int, b, int]]", NULL,
             "t.yaml:1:20: target 'b' is mapped twice (or is both a field "
             "and a struct)");
    tu_t_err("apply_mapping", "{mappings: [[a, int, b, int]], on_error: x}",
             NULL, "on_error: 'x' (use null or dead_letter)");
    tu_t_err("apply_mapping", "[[usr, int, b, int]]", "struct<user:int>",
             "mapping 1: source 'usr': unknown column 'usr' (did you mean "
             "'user'?)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_on_failure),
        cmocka_unit_test(test_dead_letter),
        cmocka_unit_test(test_epoch_and_numbers),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
