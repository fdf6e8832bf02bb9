/*
 * test_stage.c - the one-item hand-off to a second thread
 * (src/core/stage.c): items run on another thread (signals blocked
 * there), one at a time, in submission order; a submit returns only once the
 * previous item is done; the first failure comes back once from the next submit
 * or wait, and that submit does not start its item; destroy waits for the item
 * in flight.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "stage.h"

#define N_ITEMS 64

struct rec {
    pthread_t owner;
    int order[N_ITEMS + 1];
    int n;
    int done[N_ITEMS];
    int fail_at; /* item that fails, or -1 */
    int other_thread;
    int sigint_blocked;
};

static void nap(void)
{
    struct timespec ts = {0, 200000}; /* 0.2 ms: the owner runs ahead */
    nanosleep(&ts, NULL);
}

static int work(void *ctx, void *item, struct sl_error *err)
{
    struct rec *r = ctx;
    int k = *(int *)item;
    if (!pthread_equal(pthread_self(), r->owner))
        r->other_thread++;
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    if (sigismember(&cur, SIGINT) && sigismember(&cur, SIGTERM))
        r->sigint_blocked++;
    nap();
    r->order[r->n++] = k;
    r->done[k] = 1;
    if (k == r->fail_at)
        return sl_error_set(err, SL_EIO, "item %d failed", k);
    return 0;
}

static void test_order_and_handoff(void **state)
{
    (void)state;
    struct rec r = {.owner = pthread_self(), .fail_at = -1};
    static int items[N_ITEMS];
    struct sl_stage *st;
    struct sl_error err;
    assert_int_equal(sl_stage_create("test-stage", work, &r, &st, &err), 0);
    for (int k = 0; k < N_ITEMS; k++) {
        items[k] = k;
        assert_int_equal(sl_stage_submit(st, &items[k], &err), 0);
        /* the previous item is finished once submit returns */
        if (k > 0)
            assert_int_equal(r.done[k - 1], 1);
    }
    assert_int_equal(sl_stage_wait(st, &err), 0);
    assert_int_equal(r.n, N_ITEMS);
    for (int k = 0; k < N_ITEMS; k++)
        assert_int_equal(r.order[k], k);
    assert_int_equal(r.other_thread, N_ITEMS);
    /* signals stay with the owner thread, whose mask is unchanged */
    assert_int_equal(r.sigint_blocked, N_ITEMS);
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    assert_false(sigismember(&cur, SIGINT));
    /* waiting when idle is fine */
    assert_int_equal(sl_stage_wait(st, &err), 0);
    sl_stage_destroy(st);
}

static void test_failure_reported_once(void **state)
{
    (void)state;
    struct rec r = {.owner = pthread_self(), .fail_at = 2};
    int items[5] = {0, 1, 2, 3, 4};
    struct sl_stage *st;
    struct sl_error err;
    assert_int_equal(sl_stage_create("test-stage", work, &r, &st, &err), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(sl_stage_submit(st, &items[k], &err), 0);
    sl_error_clear(&err);
    /* item 2 failed: submitting item 3 reports it and does not start 3 */
    assert_int_equal(sl_stage_submit(st, &items[3], &err), SL_EIO);
    assert_string_equal(err.msg, "item 2 failed");
    assert_int_equal(sl_stage_wait(st, &err), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.done[3], 0);
    /* reported once: the stage goes on */
    assert_int_equal(sl_stage_submit(st, &items[4], &err), 0);
    assert_int_equal(sl_stage_wait(st, &err), 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.order[3], 4);
    sl_stage_destroy(st);
}

static void test_failure_from_wait(void **state)
{
    (void)state;
    struct rec r = {.owner = pthread_self(), .fail_at = 0};
    int item = 0;
    struct sl_stage *st;
    struct sl_error err;
    assert_int_equal(sl_stage_create("test-stage", work, &r, &st, &err), 0);
    assert_int_equal(sl_stage_submit(st, &item, &err), 0);
    assert_int_equal(sl_stage_wait(st, &err), SL_EIO);
    assert_string_equal(err.msg, "item 0 failed");
    assert_int_equal(sl_stage_wait(st, NULL), 0);
    sl_stage_destroy(st);
}

static void test_destroy_waits(void **state)
{
    (void)state;
    struct rec r = {.owner = pthread_self(), .fail_at = -1};
    int item = 7;
    struct sl_stage *st;
    assert_int_equal(sl_stage_create("test-stage", work, &r, &st, NULL), 0);
    assert_int_equal(sl_stage_submit(st, &item, NULL), 0);
    sl_stage_destroy(st);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.done[7], 1);
    sl_stage_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_handoff),
        cmocka_unit_test(test_failure_reported_once),
        cmocka_unit_test(test_failure_from_wait),
        cmocka_unit_test(test_destroy_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
