/*
 * test_stdout_sink.c - the stdout sink (sinks/stdout.c): nothing printed
 * before commit, JSON lines by default, CSV header once and again on a
 * schema change, abort drops the batch, receipts, option errors.
 * Standard output is pointed at a temp file during each test.
 */
#include <fcntl.h>
#include <unistd.h>

#include "sink_testutil.h"

extern const struct sl_sink_ops sl_sink_stdout;

struct cap {
    char path[64];
    int saved;
};

static void cap_start(struct cap *c)
{
    snprintf(c->path, sizeof c->path, "/tmp/sl_stdout_XXXXXX");
    int fd = mkstemp(c->path);
    assert_true(fd >= 0);
    fflush(stdout);
    c->saved = dup(1);
    assert_int_equal(dup2(fd, 1), 1);
    close(fd);
}

/* What was printed so far (caller frees). */
static char *cap_read(struct cap *c)
{
    fflush(stdout);
    return tu_read(c->path);
}

static void cap_end(struct cap *c)
{
    fflush(stdout);
    dup2(c->saved, 1);
    close(c->saved);
    unlink(c->path);
}

static struct sl_batch *ab(int a, const char *b)
{
    struct sl_batch *bt =
        tu_batch(b ? "struct<a:int,b:string>" : "struct<a:int>");
    assert_int_equal(sl_col_append_i32(&bt->root.child[0], a), 0);
    if (b)
        tu_str(&bt->root.child[1], b);
    assert_int_equal(sl_batch_row_end(bt), 0);
    return bt;
}

static void put(void *s, const struct sl_batch_info *bi, int a, const char *b)
{
    struct sl_batch *bt = ab(a, b);
    struct sl_error err;
    if (sl_sink_stdout.write(s, bi, "p", bt, &err))
        fail_msg("%s", err.msg);
    sl_batch_destroy(bt);
}

static char *commit(void *s, const struct sl_batch_info *bi)
{
    struct sl_buf r;
    sl_buf_init(&r, 0);
    struct sl_error err;
    assert_int_equal(sl_sink_stdout.commit(s, bi, &r, &err), 0);
    sl_buf_cstr(&r);
    return (char *)r.data;
}

static void test_json(void **state)
{
    struct cap c;
    cap_start(&c);
    struct sl_sink_ctx ctx = {.conf = NULL, .default_format = NULL};
    struct sl_error err;
    void *s;
    assert_int_equal(sl_sink_stdout.open(&ctx, &s, &err), 0);
    struct sl_batch_info bi = {.batch_id = 0};
    assert_int_equal(sl_sink_stdout.begin(s, &bi, &err), 0);
    put(s, &bi, 1, "x");
    put(s, &bi, 2, NULL);
    char *out = cap_read(&c);
    assert_string_equal(out, "");
    free(out);
    char *r = commit(s, &bi);
    assert_string_equal(r, "{\"rows\":2,\"bytes\":24}");
    free(r);
    out = cap_read(&c);
    assert_string_equal(out, "{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n");
    free(out);
    /* An aborted batch prints nothing. */
    bi.batch_id = 1;
    assert_int_equal(sl_sink_stdout.begin(s, &bi, &err), 0);
    put(s, &bi, 3, "y");
    sl_sink_stdout.abort(s, &bi);
    sl_sink_stdout.close(s);
    sl_sink_stdout.close(NULL);
    out = cap_read(&c);
    assert_string_equal(out, "{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n");
    free(out);
    cap_end(&c);
}

static void test_csv(void **state)
{
    struct cap c;
    cap_start(&c);
    struct sl_conf *conf =
        tu_conf("type: stdout\nformat: csv\nseparator: ';'\n");
    struct sl_sink_ctx ctx = {.conf = conf, .default_format = "json"};
    struct sl_error err;
    void *s;
    assert_int_equal(sl_sink_stdout.open(&ctx, &s, &err), 0);
    for (int batch = 0; batch < 2; batch++) {
        struct sl_batch_info bi = {.batch_id = batch};
        assert_int_equal(sl_sink_stdout.begin(s, &bi, &err), 0);
        put(s, &bi, batch, "a;b");
        free(commit(s, &bi));
    }
    struct sl_batch_info bi = {.batch_id = 2};
    put(s, &bi, 7, NULL); /* new schema: a new header */
    free(commit(s, &bi));
    sl_sink_stdout.close(s);
    char *out = cap_read(&c);
    assert_string_equal(out, "a;b\n0;\"a;b\"\n1;\"a;b\"\na\n7\n");
    free(out);
    cap_end(&c);
    sl_conf_free(conf);
}

static void test_errors(void **state)
{
    static const char *const bad[] = {"format: xml\n", "path: x\n",
                                      "format: json\nseparator: ';'\n"};
    for (size_t i = 0; i < 3; i++) {
        struct sl_conf *conf = tu_conf(bad[i]);
        struct sl_sink_ctx ctx = {.conf = conf};
        struct sl_error err;
        void *s = NULL;
        assert_int_equal(sl_sink_stdout.open(&ctx, &s, &err), SL_EINVAL);
        assert_null(s);
        sl_conf_free(conf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
