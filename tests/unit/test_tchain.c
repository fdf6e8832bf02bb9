/*
 * test_tchain.c - the transforms chain (src/core/tchain.c): items created
 * in order and prepared with the declared schema (errors carry the job
 * file position), chunks applied through every step, the dead-letter hook
 * reaching the engine's callback, and state/N written and read back
 * through a real checkpoint.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <unistd.h>

#include "checkpoint.h"
#include "expr_testutil.h"
#include "tchain.h"

static const char *S = "struct<id:int,k:string,v:string>";

static int dl_count;
static char dl_last[256];

static int on_dead(void *ctx, const struct sl_batch *b, size_t row,
                   const char *why, struct sl_error *err)
{
    (void)b;
    (void)row;
    (void)err;
    *(int *)ctx += 1;
    dl_count++;
    snprintf(dl_last, sizeof dl_last, "%s", why);
    return 0;
}

static struct sl_conf *list_of(const char *yaml)
{
    struct sl_conf *c;
    struct sl_error err;
    if (sl_conf_load_string(yaml, strlen(yaml), "job.yaml", &c, &err))
        fail_msg("%s", err.msg);
    return c;
}

static void test_apply(void **state)
{
    (void)state;
    struct sl_conf *c = list_of(
        "- filter: \"id > 1\"\n"
        "- derive: {n: \"CAST(v AS int) * 2\"}\n"
        "- apply_mapping: {mappings: [[id, int, id, int], [n, bigint, n, "
        "int], [v, string, x.v, int]], on_error: dead_letter}\n"
        "- dedupe: {keys: [id]}\n");
    struct sl_field f;
    struct sl_error err;
    assert_int_equal(sl_type_parse(S, &f, &err), 0);
    int ctx = 0;
    struct sl_tchain *tc;
    if (sl_tchain_create(c, &f, on_dead, &ctx, &tc, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(sl_tchain_len(tc), 4);
    struct sl_batch *in = tu_rows(S, "{\"id\":1,\"v\":\"5\"}\n"
                                     "{\"id\":2,\"v\":\"6\"}\n"
                                     "{\"id\":3,\"v\":\"x\"}\n"
                                     "{\"id\":2,\"v\":\"7\"}\n");
    struct sl_batch_info bi = {.batch_id = 0, .window_start_ms = 1000};
    struct sl_batch *out;
    assert_int_equal(sl_tchain_apply(tc, &bi, "p0", in, &out, &err), 0);
    TU_EQ(tu_batch_text(out), "struct<id:int,n:int,x:struct<v:int>>|"
                              "{\"id\":2,\"n\":12,\"x\":{\"v\":6}}\n");
    /* id 3 did not cast: dead-lettered, reason names the field */
    assert_int_equal(ctx, 1);
    assert_string_equal(dl_last, "apply_mapping: the value of 'v' does not "
                                 "convert to int (target 'x.v')");
    /* derive's failed cast of "x" is counted */
    assert_int_equal(sl_tchain_take_cast_failures(tc), 1);
    assert_int_equal(sl_tchain_take_cast_failures(tc), 0);
    sl_batch_destroy(in);

    /* state/0 through a checkpoint, restored into a new chain */
    char dir[64] = "/tmp/sl-tchain-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sl_checkpoint *cp;
    assert_int_equal(sl_checkpoint_open(dir, "t", "src", &cp, &err), 0);
    assert_int_equal(sl_tchain_snapshot(tc, cp, 0, &err), 0);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_checkpoint_get_state(cp, 0, "3-dedupe", &b, &err), 0);
    assert_true(b.len > 0);
    sl_buf_free(&b);
    struct sl_tchain *tc2;
    assert_int_equal(sl_tchain_create(c, &f, on_dead, &ctx, &tc2, &err), 0);
    assert_int_equal(sl_tchain_restore(tc2, cp, 0, &err), 0);
    /* a missing state/N (a transform added since) leaves it empty */
    assert_int_equal(sl_tchain_restore(tc2, cp, 7, &err), 0);
    in = tu_rows(S, "{\"id\":2,\"v\":\"1\"}\n{\"id\":4,\"v\":\"1\"}\n");
    assert_int_equal(sl_tchain_apply(tc2, &bi, "p0", in, &out, &err), 0);
    TU_EQ(tu_batch_text(out), "struct<id:int,n:int,x:struct<v:int>>|"
                              "{\"id\":4,\"n\":2,\"x\":{\"v\":1}}\n");
    sl_batch_destroy(in);
    sl_tchain_destroy(tc2);
    sl_tchain_destroy(tc);
    sl_checkpoint_close(cp);
    assert_int_equal(sl_checkpoint_destroy_location(dir, &err), 0);
    rmdir(dir);
    sl_field_free(&f);
    sl_conf_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    struct sl_field f;
    struct sl_error err;
    assert_int_equal(sl_type_parse(S, &f, &err), 0);
    struct sl_tchain *tc = NULL;
    struct sl_conf *c =
        list_of("- filter: \"id > 1\"\n- derive: {y: \"ii\"}\n");
    assert_int_equal(sl_tchain_create(c, &f, NULL, NULL, &tc, &err), SL_EINVAL);
    assert_null(tc);
    assert_string_equal(err.msg, "job.yaml:2:11: derive: column 1: unknown "
                                 "column 'ii' (did you mean 'id'?)");
    sl_conf_free(c);
    /* the output schema of one step is the input of the next */
    c = list_of("- rename_field: {from: id, to: key}\n- filter: \"id > 1\"\n");
    assert_int_equal(sl_tchain_create(c, &f, NULL, NULL, &tc, &err), SL_EINVAL);
    assert_string_equal(err.msg, "job.yaml:2:11: filter: column 1: unknown "
                                 "column 'id'");
    sl_conf_free(c);
    c = list_of("- join: {path: /nonexistent.csv, on: id}\n");
    assert_int_equal(sl_tchain_create(c, NULL, NULL, NULL, &tc, &err), SL_EIO);
    assert_string_equal(err.msg, "job.yaml:1:9: join: path: cannot open "
                                 "/nonexistent.csv: No such file or directory");
    sl_conf_free(c);
    /* an empty chain hands the batch on */
    assert_int_equal(sl_tchain_create(NULL, NULL, NULL, NULL, &tc, &err), 0);
    struct sl_batch *in = tu_rows(S, "{\"id\":1}\n"), *out = NULL;
    assert_int_equal(sl_tchain_apply(tc, NULL, "p", in, &out, &err), 0);
    assert_ptr_equal(in, out);
    sl_batch_destroy(in);
    sl_tchain_destroy(tc);
    sl_field_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
