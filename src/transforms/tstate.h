/*
 * tstate.h - helpers for stateful transforms (dedupe, aggregate): a hash
 * map from byte-string keys to a value, per-partition state lookup, and
 * a small binary writer/reader for state/N blobs.
 *
 * State blobs are versioned by a magic string per transform; every length
 * read back is checked against what remains, so a damaged blob is
 * SL_ECORRUPT, never a crash.
 */
#ifndef SL_TSTATE_H
#define SL_TSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "batch.h"
#include "buf.h"
#include "error.h"

/* ---- hash map: bytes -> void * ---- */

struct hent {
    uint64_t h;
    uint8_t *key; /* owned; NULL = empty slot */
    uint32_t klen;
    bool dead; /* tombstone */
    void *val;
};

struct hmap {
    struct hent *v;
    size_t cap, n, used; /* used counts tombstones too */
};

uint64_t hm_hash(const void *p, size_t n);
/* Find key; NULL when absent. */
struct hent *hm_get(struct hmap *m, const void *key, size_t n, uint64_t h);
/* Find or insert key (val NULL when new: *fresh set). */
struct hent *hm_put(struct hmap *m, const void *key, size_t n, uint64_t h,
                    bool *fresh);
/* Remove e (its key is freed; the caller frees the value first). */
void hm_del(struct hmap *m, struct hent *e);
/* Free every key (values are the caller's: free_val may be NULL). */
void hm_free(struct hmap *m, void (*free_val)(void *));

/* ---- binary state ---- */

int st_put_u64(struct sl_buf *b, uint64_t v);
int st_put_f64(struct sl_buf *b, double v);
int st_put_bytes(struct sl_buf *b, const void *p, size_t n);

struct st_reader {
    const uint8_t *p;
    size_t n, at;
    bool bad;
};
uint64_t st_get_u64(struct st_reader *r);
double st_get_f64(struct st_reader *r);
/* Borrowed pointer into the blob; *n set; NULL (and r->bad) past the end. */
const uint8_t *st_get_bytes(struct st_reader *r, size_t *n);

/* ---- keys from columns ---- */

/* Append the value of row i of every column in cols as a key: each value
 * as JSON text followed by 0x1f. */
int st_key(struct sl_buf *out, const struct sl_col *const *cols, size_t n,
           size_t i);

#endif
