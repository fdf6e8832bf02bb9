/*
 * test_dedupe.c - dedupe (src/transforms/dedupe.c): repeats dropped within
 * the horizon by event time or batch time, per partition, state through
 * snapshot/restore, damaged state refused.
 */
#include "expr_testutil.h"

static const char *S = "struct<id:int,k:string,t:timestamp>";

static void test_event_time(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("dedupe", "{keys: [k], within: 1m, time: t}", S);
    TU_EQ(tu_t_apply(t, S,
                     "{\"id\":1,\"k\":\"a\",\"t\":\"2026-01-01T00:00:00Z\"}\n"
                     "{\"id\":2,\"k\":\"a\",\"t\":\"2026-01-01T00:00:59Z\"}\n"
                     "{\"id\":3,\"k\":\"b\",\"t\":\"2026-01-01T00:00:10Z\"}\n"
                     "{\"id\":4,\"t\":\"2026-01-01T00:00:11Z\"}\n"
                     "{\"id\":5,\"t\":\"2026-01-01T00:00:12Z\"}\n"),
          "struct<id:int,k:string,t:timestamp>|"
          "{\"id\":1,\"k\":\"a\",\"t\":\"2026-01-01T00:00:00Z\"}\n"
          "{\"id\":3,\"k\":\"b\",\"t\":\"2026-01-01T00:00:10Z\"}\n"
          "{\"id\":4,\"t\":\"2026-01-01T00:00:11Z\"}\n");
    /* next chunk: a at 1:00 is a minute after the first a: kept (and
     * seen anew); b at 1:00 is 50 s after b: dropped; a at 1:30 is 30 s
     * after the new a: dropped */
    TU_EQ(tu_t_apply(t, S,
                     "{\"id\":6,\"k\":\"a\",\"t\":\"2026-01-01T00:01:00Z\"}\n"
                     "{\"id\":7,\"k\":\"b\",\"t\":\"2026-01-01T00:01:00Z\"}\n"
                     "{\"id\":8,\"k\":\"a\",\"t\":\"2026-01-01T00:01:30Z\"}\n"),
          "struct<id:int,k:string,t:timestamp>|"
          "{\"id\":6,\"k\":\"a\",\"t\":\"2026-01-01T00:01:00Z\"}\n");
    /* another partition has its own keys */
    t->env.partition = "p1";
    TU_EQ(tu_t_apply(t, S,
                     "{\"id\":9,\"k\":\"a\",\"t\":\"2026-01-01T00:01:00Z\"}\n"),
          "struct<id:int,k:string,t:timestamp>|"
          "{\"id\":9,\"k\":\"a\",\"t\":\"2026-01-01T00:01:00Z\"}\n");
    /* snapshot, restore into a new instance: the same decisions */
    struct sl_buf snap;
    sl_buf_init(&snap, 0);
    struct sl_error err;
    assert_int_equal(t->ops->snapshot(t->st, &snap, &err), 0);
    struct tu_t *u = tu_t_new("dedupe", "{keys: [k], within: 1m, time: t}", S);
    assert_int_equal(u->ops->restore(u->st, snap.data, snap.len, &err), 0);
    const char *more =
        "{\"id\":10,\"k\":\"a\",\"t\":\"2026-01-01T00:01:40Z\"}\n"
        "{\"id\":11,\"k\":\"c\",\"t\":\"2026-01-01T00:01:41Z\"}\n";
    char *a = tu_t_apply(t, S, more), *b = tu_t_apply(u, S, more);
    assert_string_equal(a, b);
    assert_string_equal(a, "struct<id:int,k:string,t:timestamp>|"
                           "{\"id\":11,\"k\":\"c\",\"t\":"
                           "\"2026-01-01T00:01:41Z\"}\n");
    free(a);
    free(b);
    /* damaged state */
    assert_int_equal(u->ops->restore(u->st, snap.data, snap.len - 3, &err),
                     SL_ECORRUPT);
    assert_int_equal(u->ops->restore(u->st, (const uint8_t *)"xx", 2, &err),
                     SL_ECORRUPT);
    sl_buf_free(&snap);
    tu_t_free(t);
    tu_t_free(u);
}

static void test_batch_time(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("dedupe", "{keys: [k, id], within: 10s}", S);
    t->bi.window_start_ms = 1000000;
    TU_EQ(tu_t_apply(t, S,
                     "{\"id\":1,\"k\":\"a\"}\n{\"id\":1,\"k\":\"a\"}\n"
                     "{\"id\":2,\"k\":\"a\"}\n"),
          "struct<id:int,k:string,t:timestamp>|{\"id\":1,\"k\":\"a\"}\n"
          "{\"id\":2,\"k\":\"a\"}\n");
    t->bi.window_start_ms = 1009999;
    TU_EQ(tu_t_apply(t, S, "{\"id\":1,\"k\":\"a\"}\n"),
          "struct<id:int,k:string,t:timestamp>|");
    t->bi.window_start_ms = 1010000;
    TU_EQ(tu_t_apply(t, S, "{\"id\":1,\"k\":\"a\"}\n"),
          "struct<id:int,k:string,t:timestamp>|{\"id\":1,\"k\":\"a\"}\n");
    tu_t_free(t);
    tu_t_err("dedupe", "{keys: [nope]}", S, "keys: no column 'nope'");
    tu_t_err("dedupe", "{keys: [id], time: k}", S,
             "time: 'k' is not a timestamp column");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_time),
        cmocka_unit_test(test_batch_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
