/*
 * test_resolve_choice.c - resolve_choice (src/transforms/
 * resolve_choice.c) on a column detection widened to string, top-level
 * and inside a struct (dotted paths).
 */
#include "expr_testutil.h"

/* x was a number, then a string: detection made it a string column */
static const char *ROWS = "{\"x\":5,\"y\":1}\n{\"x\":\"abc\"}\n"
                          "{\"x\":2.5}\n{\"x\":true}\n{\"y\":2}\n";

static void test_actions(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("resolve_choice", "{x: \"cast:bigint\"}", NULL);
    TU_EQ(tu_t_apply(t, NULL, ROWS),
          "struct<x:bigint,y:int>|{\"x\":5,\"y\":1}\n{}\n{\"x\":2}\n{}\n"
          "{\"y\":2}\n");
    assert_int_equal(t->env.cast_failures, 2);
    tu_t_free(t);
    t = tu_t_new("resolve_choice", "{x: \"project:double\"}", NULL);
    TU_EQ(tu_t_apply(t, NULL, ROWS),
          "struct<x:double,y:int>|{\"x\":5,\"y\":1}\n{}\n{\"x\":2.5}\n{}\n"
          "{\"y\":2}\n");
    assert_int_equal(t->env.cast_failures, 0);
    tu_t_free(t);
    t = tu_t_new("resolve_choice", "{x: make_struct, y: make_struct}", NULL);
    TU_EQ(tu_t_apply(t, NULL, ROWS),
          "struct<x:struct<boolean:boolean,bigint:bigint,double:double,"
          "string:string>,y:struct<bigint:bigint>>|"
          "{\"x\":{\"bigint\":5},\"y\":{\"bigint\":1}}\n"
          "{\"x\":{\"string\":\"abc\"}}\n{\"x\":{\"double\":2.5}}\n"
          "{\"x\":{\"boolean\":true}}\n{\"y\":{\"bigint\":2}}\n");
    tu_t_free(t);
    tu_t_err("resolve_choice", "{x: merge}", NULL,
             "t.yaml:1:5: 'x': unknown action 'merge' (use cast:TYPE, "
             "project:TYPE or make_struct)");
}

/* a.x was a number, then a string; a.k and b stay as they came */
static const char *NESTED =
    "{\"a\":{\"x\":5,\"k\":1}}\n{\"a\":{\"x\":\"abc\"}}\n"
    "{\"a\":{\"x\":2.5}}\n{\"a\":null}\n{\"b\":2}\n";

static void test_nested(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("resolve_choice", "{a.x: \"cast:bigint\"}", NULL);
    TU_EQ(tu_t_apply(t, NULL, NESTED),
          "struct<a:struct<x:bigint,k:int>,b:int>|"
          "{\"a\":{\"x\":5,\"k\":1}}\n{\"a\":{}}\n{\"a\":{\"x\":2}}\n"
          "{}\n{\"b\":2}\n");
    assert_int_equal(t->env.cast_failures, 1);
    tu_t_free(t);
    t = tu_t_new("resolve_choice", "{a.x: make_struct, a.k: \"cast:string\"}",
                 NULL);
    TU_EQ(tu_t_apply(t, NULL, NESTED),
          "struct<a:struct<x:struct<bigint:bigint,double:double,"
          "string:string>,k:string>,b:int>|"
          "{\"a\":{\"x\":{\"bigint\":5},\"k\":\"1\"}}\n"
          "{\"a\":{\"x\":{\"string\":\"abc\"}}}\n"
          "{\"a\":{\"x\":{\"double\":2.5}}}\n{}\n{\"b\":2}\n");
    tu_t_free(t);
    /* a path absent from the chunk leaves it as it is */
    t = tu_t_new("resolve_choice", "{a.zz: \"cast:bigint\"}", NULL);
    TU_EQ(tu_t_apply(t, NULL, "{\"a\":{\"x\":1}}\n"),
          "struct<a:struct<x:int>>|{\"a\":{\"x\":1}}\n");
    tu_t_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
