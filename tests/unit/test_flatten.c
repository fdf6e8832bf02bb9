/*
 * test_flatten.c - flatten (src/transforms/flatten.c): nested structs to
 * top-level columns, null structs, arrays left alone, separators.
 */
#include "expr_testutil.h"

static void test_flatten(void **state)
{
    (void)state;
    const char *s = "struct<id:int,u:struct<name:string,geo:struct<lat:"
                    "double>>,tags:array<string>,e:struct<>>";
    struct tu_t *t = tu_t_new("flatten", "{separator: \"__\"}", s);
    TU_EQ(tu_t_apply(t, s,
                     "{\"id\":1,\"u\":{\"name\":\"a\",\"geo\":{\"lat\":2}},"
                     "\"tags\":[\"x\"]}\n{\"id\":2,\"u\":null}\n"),
          "struct<id:int,u__name:string,u__geo__lat:double,"
          "tags:array<string>,e:struct<>>|"
          "{\"id\":1,\"u__name\":\"a\",\"u__geo__lat\":2,\"tags\":[\"x\"]}\n"
          "{\"id\":2}\n");
    tu_t_free(t);
    t = tu_t_new("flatten", "true", NULL);
    TU_EQ(tu_t_apply(t, NULL, "{\"a\":{\"b\":1}}\n"),
          "struct<a_b:int>|{\"a_b\":1}\n");
    tu_t_free(t);
    tu_t_err("flatten", "{sep: x}", NULL,
             "unknown key 'sep' (known keys: separator)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
