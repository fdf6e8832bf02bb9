/*
 * test_derive.c - the derive transform (src/transforms/derive.c): new and
 * replaced columns, positions, nulls, failed casts counted, output schema
 * at prepare.
 */
#include "expr_testutil.h"

static const char *S = "struct<a:int,b:string,c:struct<x:double>>";
static const char *ROWS = "{\"a\":1,\"b\":\"10\",\"c\":{\"x\":1.5}}\n"
                          "{\"a\":2,\"b\":\"zz\"}\n"
                          "{\"b\":null,\"c\":{\"x\":-2}}\n";

static void test_derive(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("derive",
                              "{b: \"CAST(b AS int) + a\", "
                              "d: \"c.x * 2\", "
                              "e: \"CASE WHEN a IS NULL THEN 'none' END\", "
                              "f: \"NULL\"}",
                              S);
    /* b replaced in place (int), d, e, f appended in the order written */
    const char *want = "struct<a:int,b:bigint,c:struct<x:double>,d:double,"
                       "e:string,f:void>|"
                       "{\"a\":1,\"b\":11,\"c\":{\"x\":1.5},\"d\":3}\n"
                       "{\"a\":2}\n"
                       "{\"c\":{\"x\":-2},\"d\":-4,\"e\":\"none\"}\n";
    TU_EQ(tu_t_apply(t, S, ROWS), want);
    /* "zz" did not cast: counted */
    assert_int_equal(t->env.cast_failures, 1);
    /* prepare gave the output schema */
    struct sl_buf b;
    sl_buf_init(&b, 0);
    sl_type_format(&t->out_schema, &b);
    sl_buf_cstr(&b);
    assert_string_equal((char *)b.data,
                        "struct<a:int,b:bigint,c:struct<x:double>,d:double,"
                        "e:string,f:void>");
    sl_buf_free(&b);
    /* a second chunk reuses the compiled expressions */
    TU_EQ(tu_t_apply(t, S, "{\"a\":5,\"b\":\"1\"}\n"),
          "struct<a:int,b:bigint,c:struct<x:double>,d:double,e:string,"
          "f:void>|{\"a\":5,\"b\":6}\n");
    tu_t_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    tu_t_err("derive", "{y: \"lower(a)\", z: \"b * \"}", S,
             "column 5: expected a value, found the end");
    tu_t_err("derive", "{y: \"nosuch + 1\"}", S,
             "column 1: unknown column 'nosuch'");
    tu_t_err("derive", "[a]", S,
             "expected a map of column: expression, e.g. {total: \"price * "
             "qty\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derive),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
