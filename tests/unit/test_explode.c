/*
 * test_explode.c - explode (src/transforms/explode.c): one row per
 * element, other columns repeated, null/empty arrays, outer, maps, and
 * arrays inside structs (dotted paths).
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
    tu_t_err("explode", "zz", S, "no column 'zz' to explode");
    tu_t_err("explode", "n", S, "explode: 'n' is string, not an array or map");
}

static void test_nested(void **state)
{
    (void)state;
    const char *s = "struct<id:int,o:struct<k:string,in:struct<xs:array<int>,"
                    "w:int>,z:boolean>,n:string>";
    const char *rows =
        "{\"id\":1,\"o\":{\"k\":\"a\",\"in\":{\"xs\":[1,2],\"w\":7},"
        "\"z\":true},\"n\":\"p\"}\n"
        "{\"id\":2,\"o\":{\"k\":\"b\",\"in\":{\"xs\":[]}}}\n"
        "{\"id\":3,\"o\":null}\n"
        "{\"id\":4,\"o\":{\"k\":\"c\",\"in\":{\"xs\":[null,5],\"w\":9}}}\n";
    const char *out_s = "struct<id:int,o:struct<k:string,in:struct<xs:int,"
                        "w:int>,z:boolean>,n:string>|";
    struct tu_t *t = tu_t_new("explode", "o.in.xs", s);
    char want[2048];
    snprintf(want, sizeof want, "%s%s", out_s,
             "{\"id\":1,\"o\":{\"k\":\"a\",\"in\":{\"xs\":1,\"w\":7},"
             "\"z\":true},\"n\":\"p\"}\n"
             "{\"id\":1,\"o\":{\"k\":\"a\",\"in\":{\"xs\":2,\"w\":7},"
             "\"z\":true},\"n\":\"p\"}\n"
             "{\"id\":4,\"o\":{\"k\":\"c\",\"in\":{\"w\":9}}}\n"
             "{\"id\":4,\"o\":{\"k\":\"c\",\"in\":{\"xs\":5,\"w\":9}}}\n");
    TU_EQ(tu_t_apply(t, s, rows), want);
    tu_t_free(t);
    /* outer: the row with an empty array and the one whose struct is null
     * stay, with a null element (and a null struct) */
    t = tu_t_new("explode", "{path: o.in.xs, outer: true}", s);
    snprintf(want, sizeof want, "%s%s", out_s,
             "{\"id\":1,\"o\":{\"k\":\"a\",\"in\":{\"xs\":1,\"w\":7},"
             "\"z\":true},\"n\":\"p\"}\n"
             "{\"id\":1,\"o\":{\"k\":\"a\",\"in\":{\"xs\":2,\"w\":7},"
             "\"z\":true},\"n\":\"p\"}\n"
             "{\"id\":2,\"o\":{\"k\":\"b\",\"in\":{}}}\n"
             "{\"id\":3}\n"
             "{\"id\":4,\"o\":{\"k\":\"c\",\"in\":{\"w\":9}}}\n"
             "{\"id\":4,\"o\":{\"k\":\"c\",\"in\":{\"xs\":5,\"w\":9}}}\n");
    TU_EQ(tu_t_apply(t, s, rows), want);
    tu_t_free(t);
    /* a map one level down */
    const char *ms = "struct<a:struct<m:map<string,int>,b:int>>";
    t = tu_t_new("explode", "a.m", ms);
    TU_EQ(tu_t_apply(t, ms, "{\"a\":{\"m\":{\"x\":1,\"y\":2},\"b\":3}}\n"),
          "struct<a:struct<m:struct<key:string,value:int>,b:int>>|"
          "{\"a\":{\"m\":{\"key\":\"x\",\"value\":1},\"b\":3}}\n"
          "{\"a\":{\"m\":{\"key\":\"y\",\"value\":2},\"b\":3}}\n");
    tu_t_free(t);
    tu_t_err("explode", "o.in.zz", s, "no column 'o.in.zz' to explode");
    tu_t_err("explode", "o.k", s,
             "explode: 'o.k' is string, not an array or map");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explode),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
