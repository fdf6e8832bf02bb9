/*
 * stage.h - a second thread for one step of a loop: the caller hands it
 * one item at a time and goes on preparing the next while the stage
 * works. The hand-off holds one item (no queue): submitting waits until
 * the stage has finished the previous item, so at most one item is in
 * the stage and items are handled in the order they were submitted, by
 * one thread at a time. The engine uses it to deliver chunk N (transforms,
 * sink, dead-letter writes) while it decodes chunk N+1 (engine.c,
 * docs/architecture.md "Threads").
 *
 * Errors: the first failure of an item is kept and returned by the next
 * sl_stage_submit or sl_stage_wait (once); that call does not start its
 * item.
 *
 * Threads: create, submit, wait and destroy are called by one thread (the
 * owner); fn runs on the stage's thread, which blocks all signals (they
 * keep going to the owner). An item belongs to the stage from
 * submit until the next submit or wait returns.
 */
#ifndef SL_STAGE_H
#define SL_STAGE_H

#include "error.h"

struct sl_stage;

/* Handle one item; runs on the stage's thread. */
typedef int (*sl_stage_fn)(void *ctx, void *item, struct sl_error *err);

/* name: the thread's name (top -H, perf), at most 15 bytes. */
int sl_stage_create(const char *name, sl_stage_fn fn, void *ctx,
                    struct sl_stage **out, struct sl_error *err);
/* Wait for the item in the stage (if any), then start item. */
int sl_stage_submit(struct sl_stage *st, void *item, struct sl_error *err);
/* Wait until the stage holds no item. */
int sl_stage_wait(struct sl_stage *st, struct sl_error *err);
/* Wait, stop the thread, free. NULL: nothing. */
void sl_stage_destroy(struct sl_stage *st);

#endif
