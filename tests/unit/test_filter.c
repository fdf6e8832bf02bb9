/*
 * test_filter.c - the filter transform (src/transforms/filter.c): rows
 * kept exactly where the expression is true, declared and detected
 * schemas, errors at prepare with the job-file position of the column.
 */
#include "expr_testutil.h"

static const char *S = "struct<id:int,name:string,u:struct<age:int>>";
static const char *ROWS = "{\"id\":1,\"name\":\"a\",\"u\":{\"age\":30}}\n"
                          "{\"id\":2,\"u\":{\"age\":17}}\n"
                          "{\"id\":3,\"name\":\"c\"}\n";

static void test_declared(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("filter", "\"u.age >= 18 OR name = 'c'\"", S);
    TU_EQ(tu_t_apply(t, S, ROWS),
          "struct<id:int,name:string,u:struct<age:int>>|"
          "{\"id\":1,\"name\":\"a\",\"u\":{\"age\":30}}\n"
          "{\"id\":3,\"name\":\"c\"}\n");
    /* all rows pass: the same batch */
    tu_t_free(t);
    t = tu_t_new("filter", "\"id > 0\"", S);
    struct sl_batch *in = tu_rows(S, ROWS), *out = NULL;
    struct sl_error err;
    assert_int_equal(t->ops->apply(t->st, in, &out, &err), 0);
    assert_ptr_equal(in, out);
    sl_batch_destroy(in);
    tu_t_free(t);
    /* null and false both drop */
    t = tu_t_new("filter", "\"name <> 'a'\"", S);
    TU_EQ(tu_t_apply(t, S, ROWS),
          "struct<id:int,name:string,u:struct<age:int>>|"
          "{\"id\":3,\"name\":\"c\"}\n");
    tu_t_free(t);
}

static void test_detected(void **state)
{
    (void)state;
    /* `extra` not seen yet: reads as null, so IS NULL keeps every row */
    struct tu_t *t = tu_t_new("filter", "\"extra IS NULL AND id < 3\"", NULL);
    TU_EQ(tu_t_apply(t, NULL, ROWS),
          "struct<id:int,name:string,u:struct<age:int>>|"
          "{\"id\":1,\"name\":\"a\",\"u\":{\"age\":30}}\n"
          "{\"id\":2,\"u\":{\"age\":17}}\n");
    /* a new schema compiles again */
    TU_EQ(tu_t_apply(t, NULL, "{\"id\":1,\"extra\":5}\n{\"id\":2}\n"),
          "struct<id:int,extra:int>|{\"id\":2}\n");
    tu_t_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    tu_t_err("filter", "\"usr = 1\"", "struct<user:int>",
             "column 1: unknown column 'usr' (did you mean 'user'?)");
    tu_t_err("filter", "\"user + 1\"", "struct<user:int>",
             "the expression is bigint, a filter needs a boolean (a "
             "comparison, IS NULL, LIKE, ...)");
    tu_t_err("filter", "\"user >\"", NULL,
             "column 7: expected a value, found the end");
    tu_t_err("filter", "{a: 1}", NULL,
             "expected an expression, e.g. filter: \"status = 'ok' AND "
             "amount > 0\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declared),
        cmocka_unit_test(test_detected),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
