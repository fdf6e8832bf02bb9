/*
 * test_join.c - join (src/transforms/join.c): left and inner joins with a
 * CSV table, several matches, quoting, name clashes, refusal under schema
 * detection, table errors.
 */
#include <unistd.h>

#include "expr_testutil.h"

static const char *S = "struct<id:int,uid:bigint,name:string>";
static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sl-join-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char p[128];
    snprintf(p, sizeof p, "%s/users.csv", dir);
    FILE *f = fopen(p, "w");
    fputs("uid,name,\"city, country\"\r\n1,Ann,\"Oslo, NO\"\r\n2,Bob,"
          "\"say \"\"hi\"\"\"\r\n2,Bo,Rome\r\n\r\n",
          f);
    fclose(f);
    snprintf(p, sizeof p, "%s/bad.csv", dir);
    f = fopen(p, "w");
    fputs("uid,x\n1,2,3\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/users.csv", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/bad.csv", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static void test_left_inner(void **state)
{
    (void)state;
    char yaml[256];
    snprintf(yaml, sizeof yaml, "{path: %s/users.csv, on: uid}", dir);
    struct tu_t *t = tu_t_new("join", yaml, S);
    const char *rows = "{\"id\":1,\"uid\":2,\"name\":\"x\"}\n"
                       "{\"id\":2,\"uid\":3}\n{\"id\":3}\n"
                       "{\"id\":4,\"uid\":1}\n";
    TU_EQ(tu_t_apply(t, S, rows),
          "struct<id:int,uid:bigint,name:string,name_right:string,"
          "`city, country`:string>|"
          "{\"id\":1,\"uid\":2,\"name\":\"x\",\"name_right\":\"Bob\","
          "\"city, country\":\"say \\\"hi\\\"\"}\n"
          "{\"id\":1,\"uid\":2,\"name\":\"x\",\"name_right\":\"Bo\","
          "\"city, country\":\"Rome\"}\n"
          "{\"id\":2,\"uid\":3}\n{\"id\":3}\n"
          "{\"id\":4,\"uid\":1,\"name_right\":\"Ann\",\"city, country\":"
          "\"Oslo, NO\"}\n");
    tu_t_free(t);
    snprintf(yaml, sizeof yaml, "{path: %s/users.csv, on: uid, how: inner}",
             dir);
    t = tu_t_new("join", yaml, S);
    TU_EQ(tu_t_apply(t, S, rows),
          "struct<id:int,uid:bigint,name:string,name_right:string,"
          "`city, country`:string>|"
          "{\"id\":1,\"uid\":2,\"name\":\"x\",\"name_right\":\"Bob\","
          "\"city, country\":\"say \\\"hi\\\"\"}\n"
          "{\"id\":1,\"uid\":2,\"name\":\"x\",\"name_right\":\"Bo\","
          "\"city, country\":\"Rome\"}\n"
          "{\"id\":4,\"uid\":1,\"name_right\":\"Ann\",\"city, country\":"
          "\"Oslo, NO\"}\n");
    tu_t_free(t);
}

static void test_refusals(void **state)
{
    (void)state;
    char yaml[256];
    snprintf(yaml, sizeof yaml, "{path: %s/users.csv, on: uid}", dir);
    tu_t_err("join", yaml, NULL,
             "join needs a declared schema: as in Glue, a job whose schema is "
             "detected from the data cannot join, because the columns the "
             "join adds must be known before the data is (declare "
             "source.schema, e.g. from `sluice schema`)");
    snprintf(yaml, sizeof yaml, "{path: %s/bad.csv, on: uid}", dir);
    char want[256];
    snprintf(want, sizeof want,
             "%s/bad.csv: record 2 has 3 fields, the header 2", dir);
    tu_t_err("join", yaml, S, want);
    snprintf(yaml, sizeof yaml, "{path: %s/users.csv, on: id}", dir);
    snprintf(want, sizeof want,
             "%s/users.csv: no column 'id' in the header (set table_key)", dir);
    tu_t_err("join", yaml, S, want);
    snprintf(yaml, sizeof yaml, "{path: %s/nope.csv, on: id}", dir);
    snprintf(want, sizeof want,
             "path: cannot open %s/nope.csv: No such file or directory", dir);
    tu_t_err("join", yaml, S, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_left_inner),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
