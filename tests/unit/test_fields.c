/*
 * test_fields.c - select_fields, drop_fields, rename_field and
 * drop_null_fields (src/transforms/fields.c), with nested paths and nulls.
 */
#include "expr_testutil.h"

static const char *S =
    "struct<id:int,user:struct<name:string,geo:struct<lat:double,lon:double>,"
    "age:int>,tags:array<string>,`odd.name`:string>";
static const char *ROWS =
    "{\"id\":1,\"user\":{\"name\":\"ann\",\"geo\":{\"lat\":1.5,\"lon\":2},"
    "\"age\":30},\"tags\":[\"a\",\"b\"],\"odd.name\":\"o\"}\n"
    "{\"id\":2}\n"
    "{\"id\":3,\"user\":{\"geo\":null,\"age\":5},\"tags\":[]}\n";

static void test_select(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("select_fields",
                              "[tags, user.geo.lat, id, user.name, nosuch]", S);
    TU_EQ(tu_t_apply(t, S, ROWS),
          "struct<id:int,user:struct<name:string,geo:struct<lat:double>>,"
          "tags:array<string>>|"
          "{\"id\":1,\"user\":{\"name\":\"ann\",\"geo\":{\"lat\":1.5}},"
          "\"tags\":[\"a\",\"b\"]}\n"
          "{\"id\":2}\n"
          "{\"id\":3,\"user\":{},\"tags\":[]}\n");
    tu_t_free(t);
    t = tu_t_new("select_fields", "['`odd.name`']", S);
    TU_EQ(tu_t_apply(t, S, ROWS), "struct<`odd.name`:string>|"
                                  "{\"odd.name\":\"o\"}\n{}\n{}\n");
    tu_t_free(t);
}

static void test_drop(void **state)
{
    (void)state;
    struct tu_t *t =
        tu_t_new("drop_fields", "[user.geo.lon, tags, user.age, nope.x]", S);
    TU_EQ(tu_t_apply(t, S, ROWS),
          "struct<id:int,user:struct<name:string,geo:struct<lat:double>>,"
          "`odd.name`:string>|"
          "{\"id\":1,\"user\":{\"name\":\"ann\",\"geo\":{\"lat\":1.5}},"
          "\"odd.name\":\"o\"}\n"
          "{\"id\":2}\n"
          "{\"id\":3,\"user\":{}}\n");
    tu_t_free(t);
}

static void test_rename(void **state)
{
    (void)state;
    struct tu_t *t =
        tu_t_new("rename_field", "{from: user.geo.lat, to: latitude}", S);
    TU_EQ(tu_t_apply(t, S,
                     "{\"id\":1,\"user\":{\"geo\":{\"lat\":1,"
                     "\"lon\":2}}}\n"),
          "struct<id:int,user:struct<name:string,geo:struct<latitude:double,"
          "lon:double>,age:int>,tags:array<string>,`odd.name`:string>|"
          "{\"id\":1,\"user\":{\"geo\":{\"latitude\":1,\"lon\":2}}}\n");
    tu_t_free(t);
    t = tu_t_new("rename_field", "{from: id, to: key}", "struct<id:int>");
    TU_EQ(tu_t_apply(t, "struct<id:int>", "{\"id\":7}\n{}\n"),
          "struct<key:int>|{\"key\":7}\n{}\n");
    tu_t_free(t);
    tu_t_err("rename_field", "{from: id}", NULL,
             "expected {from: a.b, to: new_name}");
}

static void test_drop_null(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("drop_null_fields", "true", NULL);
    TU_EQ(tu_t_apply(t, "struct<a:int,b:string,c:int>",
                     "{\"a\":1}\n{\"a\":null,\"c\":2}\n"),
          "struct<a:int,c:int>|{\"a\":1}\n{\"c\":2}\n");
    tu_t_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_drop),
        cmocka_unit_test(test_rename),
        cmocka_unit_test(test_drop_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
