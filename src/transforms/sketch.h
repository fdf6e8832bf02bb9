/*
 * sketch.h - the two sketches behind aggregate's approximate measures,
 * written here:
 *
 *   KLL (Karnin, Lang, Liberty 2016) for approx_percentile: a stack of
 *   compactors, level h holding items of weight 2^h; a full level is
 *   sorted and every other item moves up. Exact while fewer than K items
 *   were added. Compaction picks odd/even items alternately per level
 *   (not by coin flip) so the same input gives the same sketch: replay
 *   after a crash must reproduce the same numbers.
 *
 *   HyperLogLog (Flajolet et al. 2007, with the small-range correction)
 *   for approx_count_distinct: exact (a sorted set of 64-bit hashes)
 *   up to HLL_EXACT distinct values, then 2^HLL_P registers.
 *
 * Both serialize to a compact byte form for state/N.
 */
#ifndef SL_SKETCH_H
#define SL_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tstate.h"

#define KLL_K 200
#define KLL_MAX_LEVELS 40

struct kll {
    uint64_t n; /* items added */
    int levels;
    double *lv[KLL_MAX_LEVELS];
    uint32_t len[KLL_MAX_LEVELS], cap[KLL_MAX_LEVELS];
    uint8_t parity[KLL_MAX_LEVELS];
};

int kll_add(struct kll *s, double v);
/* Capacity of level h of a sketch with `levels` levels. */
uint32_t kll_level_cap(int h, int levels);
/* The value at quantile q (0..1): the smallest item whose weighted rank
 * reaches q * n. NaN when empty. */
double kll_quantile(const struct kll *s, double q);
void kll_free(struct kll *s);
int kll_save(const struct kll *s, struct sl_buf *b);
int kll_load(struct kll *s, struct st_reader *r);

#define HLL_P 12
#define HLL_EXACT 512

struct hll {
    uint32_t n_exact; /* hashes in exact (sorted), until HLL_EXACT */
    uint64_t *exact;
    uint8_t *reg; /* 2^HLL_P registers once past exact */
};

int hll_add(struct hll *s, uint64_t hash);
uint64_t hll_count(const struct hll *s);
void hll_free(struct hll *s);
int hll_save(const struct hll *s, struct sl_buf *b);
int hll_load(struct hll *s, struct st_reader *r);

/* 64-bit mix of a byte string (for HLL input). */
uint64_t sketch_hash(const void *p, size_t n);

#endif
