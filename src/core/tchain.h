/*
 * tchain.h - the job's `transforms:` list, created in order and applied
 * to every chunk between decoding and the sink (engine.c), with the state
 * of stateful transforms saved in state/N of the checkpoint.
 */
#ifndef SL_TCHAIN_H
#define SL_TCHAIN_H

#include "checkpoint.h"
#include "part.h"

struct sl_tchain;

/* Create every transform of `list` (the transforms_node, may be NULL: an
 * empty chain) and prepare it with `schema` (declared input schema, NULL
 * under detection). dead_letter/ctx go into every transform's env. */
int sl_tchain_create(const struct sl_conf *list, const struct sl_field *schema,
                     int (*dead_letter)(void *ctx, const struct sl_batch *b,
                                        size_t row, const char *why,
                                        struct sl_error *err),
                     void *ctx, struct sl_tchain **out, struct sl_error *err);
void sl_tchain_destroy(struct sl_tchain *tc);
size_t sl_tchain_len(const struct sl_tchain *tc);
/* Apply all transforms to in (a chunk of `partition`); *out is in itself
 * for an empty chain, else the last transform's output, valid until the
 * next apply. */
int sl_tchain_apply(struct sl_tchain *tc, const struct sl_batch_info *bi,
                    const char *partition, struct sl_batch *in,
                    struct sl_batch **out, struct sl_error *err);
/* Casts that failed (value became null) since the last call; resets. */
int64_t sl_tchain_take_cast_failures(struct sl_tchain *tc);
/* Save the state of stateful transforms as state/<batch>/<i>-<name>. */
int sl_tchain_snapshot(struct sl_tchain *tc, struct sl_checkpoint *cp,
                       int64_t batch, struct sl_error *err);
/* Restore from state/<batch>/...; a missing blob leaves that transform
 * empty (it was added to the job since). */
int sl_tchain_restore(struct sl_tchain *tc, struct sl_checkpoint *cp,
                      int64_t batch, struct sl_error *err);

#endif
