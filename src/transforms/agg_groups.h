/*
 * agg_groups.h - where aggregate (aggregate.c) keeps its open groups.
 *
 * Each open window of a partition is a `struct gwin`: an open-addressing
 * table of (key hash, group) and the arena blocks its groups live in. A
 * row's key is encoded and hashed once, then looked up in each window it
 * falls in; a window the watermark passed is emitted whole (its groups
 * sorted by key) and its blocks go back to a pool, so there is no
 * per-group malloc/free and no delete in a hash table.
 *
 * A group is one block: the header, then the accumulators at the offsets
 * of a `struct glayout` (measures with inline sketch inputs get a larger
 * slot), then the key bytes. The measures' functions (agg_measures.c) are
 * declared here too: aggregate.c, agg_groups.c and agg_measures.c are one
 * transform split along those seams.
 */
#ifndef SL_AGG_GROUPS_H
#define SL_AGG_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "tstate.h"

#define ACC_SMALL 4 /* sketch inputs kept inline before a sketch exists */

/* One measure's running value. `ext` is the measure's heap part: the
 * string of a string min/max, a struct kll or a struct hll. A measure
 * owns only the first am_acc_size bytes (agg_measures.c): counts stop
 * before ext, sketch measures keep their inline inputs (ACC_SM) where i
 * and f would be, and only the measures that use a field touch it. */
struct acc {
    int64_t cnt;
    bool is_f, has;
    uint8_t nsm; /* inline sketch inputs (ACC_SM) */
    uint32_t sl; /* length of the min/max string */
    void *ext;   /* min, max, approx_percentile, approx_count_distinct */
    int64_t i;   /* sum, avg, min, max */
    double f;
};
/* Inline sketch inputs of approx_percentile / approx_count_distinct. */
union acc_sm {
    double d[ACC_SMALL];
    uint64_t h[ACC_SMALL];
};
#define ACC_SM(x) ((union acc_sm *)((uint8_t *)(x) + offsetof(struct acc, i)))

struct group {
    int64_t ws;      /* window start, micros */
    uint64_t p0, p1; /* the key's first 16 bytes (struct gkey) */
    uint32_t klen;
    bool ext; /* some acc has an ext to free */
    uint8_t *key;
};

#define GL_MAX 1024
struct glayout {
    size_t n;             /* measures */
    uint32_t off[GL_MAX]; /* offset of measure j's acc in the group */
    size_t size;          /* header + accs, 8-aligned; the key follows */
};
/* Lay out n measures; measure j takes size[j] bytes (am_acc_size). */
int gl_init(struct glayout *l, size_t n, const size_t *size);
static inline struct acc *gl_acc(const struct glayout *l, struct group *g,
                                 size_t j)
{
    return (struct acc *)((uint8_t *)g + l->off[j]);
}

/* Arena blocks, recycled between windows. */
struct gblk;
struct gslot;
struct gref;
struct gpool {
    struct gblk *free;
    size_t nfree;
    /* the largest table and list a released window had, for the next */
    struct gslot *spare_t;
    size_t spare_cap;
    struct gref *spare_ref;
    size_t spare_rcap;
};
void gpool_free(struct gpool *p);

struct gslot {
    uint64_t h;
    struct group *g; /* NULL: empty */
};

/* A group in a window's list, with the first 16 bytes of its key as two
 * big-endian numbers (zero padded) for sorting without touching it. */
struct gref {
    uint64_t p0, p1;
    struct group *g;
};

struct gwin {
    int64_t ws;
    struct gslot *t; /* lookup: cap slots, at most half used */
    size_t cap, n;
    struct gref *ref; /* the n groups, in the order they came */
    size_t rcap;
    struct gblk *blk;
};

/* A key to look up: its bytes, hash, and first 16 bytes as two
 * big-endian numbers (zero padded), so that a lookup of a key up to 16
 * bytes long reads only the group's header. */
struct gkey {
    const uint8_t *p;
    uint32_t n;
    uint64_t h, p0, p1;
};
void gk_make(struct gkey *k, const uint8_t *p, uint32_t n);
/* The group of key k in w, or NULL. */
struct group *gw_find(const struct gwin *w, const struct gkey *k);
/* Add a new (zeroed) group for k, which is not in w yet; NULL when out
 * of memory. */
struct group *gw_add(struct gwin *w, struct gpool *pool,
                     const struct glayout *l, const struct gkey *k);
/* Forget every group (their ext parts must be freed by the caller
 * first); blocks return to the pool. */
void gw_release(struct gwin *w, struct gpool *pool);
/* Sort w->ref by key (the order emitted windows are written in);
 * SL_ENOMEM. */
int gw_sort(struct gwin *w);

/* ---- measures (agg_measures.c) ---- */

enum mfn { M_COUNT_STAR, M_COUNT, M_SUM, M_MIN, M_MAX, M_AVG, M_PCT, M_NDV };

struct measure {
    char *name;
    enum mfn fn;
    int arg; /* index into the expressions, -1 for count(*) */
    double q;
};

/* Row `row` of the chunk adds to group g. */
struct gpair {
    struct group *g;
    size_t row;
};

/* Bytes of struct acc that measure m uses (see struct acc). */
size_t am_acc_size(const struct measure *m);
/* Add the values of column c (NULL for count(*)) at the pairs' rows to
 * measure j of the pairs' groups, pair by pair in order (so a group sees
 * its rows in source order). SL_ENOMEM. */
int am_update(const struct measure *m, const struct glayout *l, size_t j,
              const struct sl_col *c, const struct gpair *pr, size_t n);
void am_free(struct acc *x, const struct measure *m);
/* Output type of measure m given its argument column type t. */
enum sl_type am_out_type(const struct measure *m, enum sl_type t);
int am_emit(struct sl_col *c, const struct measure *m, const struct acc *x);
int am_save(struct sl_buf *b, const struct acc *x, const struct measure *m);
int am_load(struct st_reader *r, struct acc *x, const struct measure *m);

static inline int64_t ag_col_i(const struct sl_col *c, size_t i)
{
    switch (c->type) {
    case SL_BOOLEAN:
        return SL_COL_VALUES(c, uint8_t)[i];
    case SL_INT:
    case SL_DATE:
        return SL_COL_VALUES(c, int32_t)[i];
    default:
        return SL_COL_VALUES(c, int64_t)[i];
    }
}

/* ---- group keys ----
 * Group values are kept as a binary key: per group column a tag byte and
 * the value (int64 for int/bigint/date/timestamp, double, bool, or a
 * u32 length and bytes for strings and anything else rendered as JSON).
 * Equal values give equal bytes whatever the column's width, so a group
 * survives a detected int widening to bigint. */
int gk_add(struct sl_buf *k, const struct sl_col *c, size_t i);
/* Append the value at *p (advanced) to c, converting to c's type. */
int gk_emit(struct sl_col *c, const uint8_t **p);
uint64_t gk_hash(const uint8_t *p, size_t n);

#endif
