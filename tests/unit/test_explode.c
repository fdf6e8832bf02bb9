/*
 * test_explode.c - explode (src/transforms/explode.c): one row per
 * element, other columns repeated, null/empty arrays, outer, maps.
 */
#include "expr_testutil.h"

static const char *S = "struct<id:int,xs:array<struct<v:int>>,n:string>";
static const char *ROWS =
    "{\"id\":1,\"xs\":[{\"v\":1},{\"v\":2}],\"n\":\"a\"}\n"
    "{\"id\":2,\"xs\":[]}\n"
    "{\"id\":3}\n"
    "{\"id\":4,\"xs\":[null,{\"v\":5}]}\n";

static void test_explode(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("explode", "xs", S);
    TU_EQ(tu_t_apply(t, S, ROWS), "struct<id:int,xs:struct<v:int>,n:string>|"
                                  "{\"id\":1,\"xs\":{\"v\":1},\"n\":\"a\"}\n"
                                  "{\"id\":1,\"xs\":{\"v\":2},\"n\":\"a\"}\n"
                                  "{\"id\":4}\n"
                                  "{\"id\":4,\"xs\":{\"v\":5}}\n");
    tu_t_free(t);
    t = tu_t_new("explode", "{path: xs, outer: true}", S);
    TU_EQ(tu_t_apply(t, S, ROWS), "struct<id:int,xs:struct<v:int>,n:string>|"
                                  "{\"id\":1,\"xs\":{\"v\":1},\"n\":\"a\"}\n"
                                  "{\"id\":1,\"xs\":{\"v\":2},\"n\":\"a\"}\n"
                                  "{\"id\":2}\n{\"id\":3}\n{\"id\":4}\n"
                                  "{\"id\":4,\"xs\":{\"v\":5}}\n");
    tu_t_free(t);
}

static void test_map(void **state)
{
    (void)state;
    const char *s = "struct<m:map<string,int>>";
    struct tu_t *t = tu_t_new("explode", "m", s);
    TU_EQ(tu_t_apply(t, s, "{\"m\":{\"a\":1,\"b\":2}}\n"),
          "struct<m:struct<key:string,value:int>>|"
          "{\"m\":{\"key\":\"a\",\"value\":1}}\n"
          "{\"m\":{\"key\":\"b\",\"value\":2}}\n");
    tu_t_free(t);
    tu_t_err("explode", "a.b", NULL,
             "'a.b': explode takes a top-level column (flatten first, or "
             "rename_field the array up)");
    tu_t_err("explode", "zz", S, "no column 'zz' to explode");
    tu_t_err("explode", "n", S, "explode: 'n' is string, not an array or map");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explode),
        cmocka_unit_test(test_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
