/*
 * stage.c - a second thread with a one-item hand-off (see stage.h).
 *
 * One mutex guards item, rc/err and quit; `cv` wakes the stage when an
 * item (or quit) arrives, `idle` wakes the owner when the stage is done
 * with its item. The item's work runs outside the lock.
 */
#include "stage.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

struct sl_stage {
    sl_stage_fn fn;
    void *ctx;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv, idle;
    void *item; /* in the stage, NULL when idle */
    bool quit;
    int rc; /* first failure not reported yet */
    struct sl_error err;
};

static void *run(void *arg)
{
    struct sl_stage *st = arg;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!st->item && !st->quit)
            pthread_cond_wait(&st->cv, &st->mu);
        if (!st->item)
            break;
        void *item = st->item;
        pthread_mutex_unlock(&st->mu);
        struct sl_error e;
        sl_error_clear(&e);
        int rc = st->fn(st->ctx, item, &e);
        pthread_mutex_lock(&st->mu);
        if (rc && !st->rc) {
            st->rc = rc;
            st->err = e;
        }
        st->item = NULL;
        pthread_cond_signal(&st->idle);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

int sl_stage_create(const char *name, sl_stage_fn fn, void *ctx,
                    struct sl_stage **out, struct sl_error *err)
{
    *out = NULL;
    struct sl_stage *st = calloc(1, sizeof *st);
    if (!st)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    st->fn = fn;
    st->ctx = ctx;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    pthread_cond_init(&st->idle, NULL);
    /* The stage blocks every signal (it inherits the mask it is created
     * with): SIGINT/SIGTERM keep reaching the owner thread as before, and
     * the stage's system calls are never interrupted by them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&st->th, NULL, run, st);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        pthread_cond_destroy(&st->idle);
        pthread_cond_destroy(&st->cv);
        pthread_mutex_destroy(&st->mu);
        free(st);
        return sl_error_set(err, SL_ENOMEM,
                            "cannot start a thread (too many threads?)");
    }
    if (name)
        pthread_setname_np(st->th, name); /* best effort */
    *out = st;
    return 0;
}

/* With the lock held: wait until idle, take a pending failure. */
static int settle(struct sl_stage *st, struct sl_error *err)
{
    while (st->item)
        pthread_cond_wait(&st->idle, &st->mu);
    int rc = st->rc;
    if (rc) {
        if (err)
            *err = st->err;
        st->rc = 0;
    }
    return rc;
}

int sl_stage_submit(struct sl_stage *st, void *item, struct sl_error *err)
{
    pthread_mutex_lock(&st->mu);
    int rc = settle(st, err);
    if (!rc) {
        st->item = item;
        pthread_cond_signal(&st->cv);
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int sl_stage_wait(struct sl_stage *st, struct sl_error *err)
{
    pthread_mutex_lock(&st->mu);
    int rc = settle(st, err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

void sl_stage_destroy(struct sl_stage *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&st->mu);
    settle(st, NULL);
    st->quit = true;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
    pthread_join(st->th, NULL);
    pthread_cond_destroy(&st->idle);
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st);
}
