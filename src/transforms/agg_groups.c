/*
 * agg_groups.c - open windows, group tables, arena blocks and group keys
 * for aggregate (see agg_groups.h).
 *
 * A window's table is linear probing on the key hash, at most half full;
 * nothing is ever deleted from it (a window leaves whole), so there are
 * no tombstones. Groups are carved from 64 KiB blocks owned by the window;
 * released blocks wait in a pool (at most GPOOL_MAX) for the next window.
 * The key hash is ours (8 bytes at a time, then a finaliser); it decides
 * only where a group sits in the table, never the output order (groups
 * are sorted by key bytes when emitted).
 */
#include "agg_groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the sort prefix is read with a byte swap");

#define GBLK_CAP (64 * 1024 - 64)
#define GPOOL_MAX 256

struct gblk {
    struct gblk *next;
    size_t used, cap;
    _Alignas(16) uint8_t data[];
};

int gl_init(struct glayout *l, size_t n, const size_t *size)
{
    if (n > GL_MAX)
        return SL_ELIMIT;
    l->n = n;
    size_t at = (sizeof(struct group) + 7) & ~(size_t)7;
    for (size_t j = 0; j < n; j++) {
        l->off[j] = (uint32_t)at;
        at += size[j];
        at = (at + 7) & ~(size_t)7;
    }
    l->size = at;
    return 0;
}

void gpool_free(struct gpool *p)
{
    while (p->free) {
        struct gblk *b = p->free;
        p->free = b->next;
        free(b);
    }
    p->nfree = 0;
    free(p->spare_t);
    free(p->spare_ref);
    p->spare_t = NULL;
    p->spare_ref = NULL;
    p->spare_cap = p->spare_rcap = 0;
}

static void *arena_alloc(struct gwin *w, struct gpool *pool, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct gblk *b = w->blk;
    if (!b || b->cap - b->used < n) {
        if (n > GBLK_CAP) {
            b = malloc(sizeof *b + n);
            if (!b)
                return NULL;
            b->cap = n;
        } else if (pool->free) {
            b = pool->free;
            pool->free = b->next;
            pool->nfree--;
        } else {
            b = malloc(sizeof *b + GBLK_CAP);
            if (!b)
                return NULL;
            b->cap = GBLK_CAP;
        }
        b->used = 0;
        if (w->blk && n > GBLK_CAP) {
            /* keep filling the current block: link the big one behind */
            b->next = w->blk->next;
            w->blk->next = b;
            b->used = n;
            return b->data;
        }
        b->next = w->blk;
        w->blk = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static int table_grow(struct gwin *w, struct gpool *pool)
{
    if (!w->cap && pool->spare_t) {
        /* a new window starts with the table of one that left */
        w->t = pool->spare_t;
        w->cap = pool->spare_cap;
        pool->spare_t = NULL;
        pool->spare_cap = 0;
        memset(w->t, 0, w->cap * sizeof *w->t);
        return 0;
    }
    size_t cap = w->cap ? w->cap * 2 : 256;
    struct gslot *t = calloc(cap, sizeof *t);
    if (!t)
        return SL_ENOMEM;
    for (size_t i = 0; i < w->cap; i++) {
        if (!w->t[i].g)
            continue;
        size_t j = w->t[i].h & (cap - 1);
        while (t[j].g)
            j = (j + 1) & (cap - 1);
        t[j] = w->t[i];
    }
    free(w->t);
    w->t = t;
    w->cap = cap;
    return 0;
}

void gk_make(struct gkey *k, const uint8_t *p, uint32_t n)
{
    uint8_t b[16] = {0};
    if (n >= 16)
        memcpy(b, p, 16);
    else
        for (uint32_t i = 0; i < n; i++)
            b[i] = p[i];
    uint64_t p0, p1;
    memcpy(&p0, b, 8);
    memcpy(&p1, b + 8, 8);
    k->p = p;
    k->n = n;
    k->h = gk_hash(p, n);
    k->p0 = __builtin_bswap64(p0); /* big-endian: byte order */
    k->p1 = __builtin_bswap64(p1);
}

struct group *gw_find(const struct gwin *w, const struct gkey *k)
{
    if (!w->cap)
        return NULL;
    for (size_t j = k->h & (w->cap - 1);; j = (j + 1) & (w->cap - 1)) {
        const struct gslot *s = &w->t[j];
        if (!s->g)
            return NULL;
        const struct group *g = s->g;
        if (s->h == k->h && g->p0 == k->p0 && g->p1 == k->p1 &&
            g->klen == k->n &&
            (k->n <= 16 || memcmp(g->key + 16, k->p + 16, k->n - 16) == 0))
            return s->g;
    }
}

struct group *gw_add(struct gwin *w, struct gpool *pool,
                     const struct glayout *l, const struct gkey *k)
{
    const uint8_t *key = k->p;
    uint32_t klen = k->n;
    uint64_t h = k->h;
    if ((w->n + 1) * 2 > w->cap && table_grow(w, pool))
        return NULL;
    if (!w->rcap && pool->spare_ref) {
        w->ref = pool->spare_ref;
        w->rcap = pool->spare_rcap;
        pool->spare_ref = NULL;
        pool->spare_rcap = 0;
    }
    if (w->n == w->rcap) {
        size_t cap = w->rcap ? w->rcap * 2 : 128;
        struct gref *r = realloc(w->ref, cap * sizeof *r);
        if (!r)
            return NULL;
        w->ref = r;
        w->rcap = cap;
    }
    struct group *g = arena_alloc(w, pool, l->size + klen);
    if (!g)
        return NULL;
    memset(g, 0, l->size);
    g->ws = w->ws;
    g->p0 = k->p0;
    g->p1 = k->p1;
    g->klen = klen;
    g->key = (uint8_t *)g + l->size;
    if (klen)
        memcpy(g->key, key, klen);
    size_t j = h & (w->cap - 1);
    while (w->t[j].g)
        j = (j + 1) & (w->cap - 1);
    w->t[j].h = h;
    w->t[j].g = g;
    w->ref[w->n].p0 = k->p0;
    w->ref[w->n].p1 = k->p1;
    w->ref[w->n++].g = g;
    return g;
}

void gw_release(struct gwin *w, struct gpool *pool)
{
    while (w->blk) {
        struct gblk *b = w->blk;
        w->blk = b->next;
        if (b->cap == GBLK_CAP && pool->nfree < GPOOL_MAX) {
            b->next = pool->free;
            pool->free = b;
            pool->nfree++;
        } else {
            free(b);
        }
    }
    /* keep the larger table and list for the next window */
    if (w->t && w->cap > pool->spare_cap) {
        free(pool->spare_t);
        pool->spare_t = w->t;
        pool->spare_cap = w->cap;
    } else {
        free(w->t);
    }
    if (w->ref && w->rcap > pool->spare_rcap) {
        free(pool->spare_ref);
        pool->spare_ref = w->ref;
        pool->spare_rcap = w->rcap;
    } else {
        free(w->ref);
    }
    w->t = NULL;
    w->ref = NULL;
    w->cap = w->n = w->rcap = 0;
}

/* ---- sorting by key: the first 16 bytes big-endian decide most pairs
 * (zero padded: a shorter key that is a prefix of a longer one sorts
 * first either way) ---- */

static int ref_cmp(const struct gref *a, const struct gref *b)
{
    if (a->p0 != b->p0)
        return a->p0 < b->p0 ? -1 : 1;
    if (a->p1 != b->p1)
        return a->p1 < b->p1 ? -1 : 1;
    uint32_t la = a->g->klen, lb = b->g->klen;
    if (la <= 16 || lb <= 16)
        return (la > lb) - (la < lb);
    int c = memcmp(a->g->key + 16, b->g->key + 16, (la < lb ? la : lb) - 16);
    if (c)
        return c;
    return (la > lb) - (la < lb);
}

/* LSD radix sort on the 16-byte prefix, one pass per byte that is not
 * the same in every key; then runs of equal prefixes are put in order by
 * ref_cmp (longer keys, or keys differing only in length). tmp has room
 * for n. */
static void ref_sort(struct gref *v, struct gref *tmp, size_t n)
{
    uint64_t and0 = ~0ULL, or0 = 0, and1 = ~0ULL, or1 = 0;
    for (size_t i = 0; i < n; i++) {
        and0 &= v[i].p0;
        or0 |= v[i].p0;
        and1 &= v[i].p1;
        or1 |= v[i].p1;
    }
    uint64_t var0 = and0 ^ or0, var1 = and1 ^ or1;
    struct gref *src = v, *dst = tmp;
    for (int d = 0; d < 16; d++) {
        uint64_t var = d < 8 ? var1 : var0;
        int sh = (d % 8) * 8;
        if (!((var >> sh) & 0xff))
            continue;
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++)
            cnt[((d < 8 ? src[i].p1 : src[i].p0) >> sh) & 0xff]++;
        size_t at = 0;
        for (int k = 0; k < 256; k++) {
            size_t c = cnt[k];
            cnt[k] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[((d < 8 ? src[i].p1 : src[i].p0) >> sh) & 0xff]++] = src[i];
        struct gref *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].p0 == v[i].p0 && v[j].p1 == v[i].p1)
            j++;
        for (size_t a = i + 1; a < j; a++)
            for (size_t b = a; b > i && ref_cmp(&v[b], &v[b - 1]) < 0; b--) {
                struct gref t = v[b];
                v[b] = v[b - 1];
                v[b - 1] = t;
            }
        i = j;
    }
}

int gw_sort(struct gwin *w)
{
    struct gref tv[128], *tmp = tv;
    if (w->n > 128 && !(tmp = malloc(w->n * sizeof *tmp)))
        return SL_ENOMEM;
    ref_sort(w->ref, tmp, w->n);
    if (tmp != tv)
        free(tmp);
    return 0;
}

/* ---- keys ---- */

enum { K_NULL, K_INT, K_DBL, K_STR, K_BOOL, K_JSON };

int gk_add(struct sl_buf *k, const struct sl_col *c, size_t i)
{
    uint8_t tag = K_NULL;
    if (!c || !sl_col_is_valid(c, i) || c->type == SL_NULLTYPE)
        return sl_buf_putc(k, (char)tag);
    int rc;
    uint8_t v[13];
    switch (c->type) {
    case SL_BOOLEAN:
    case SL_INT:
    case SL_BIGINT:
    case SL_DATE:
    case SL_TIMESTAMP: {
        int64_t x = ag_col_i(c, i);
        v[0] = c->type == SL_BOOLEAN ? K_BOOL : K_INT;
        memcpy(v + 1, &x, 8);
        return sl_buf_append(k, v, 9);
    }
    case SL_FLOAT:
    case SL_DOUBLE: {
        double x = c->type == SL_FLOAT ? SL_COL_VALUES(c, float)[i]
                                       : SL_COL_VALUES(c, double)[i];
        v[0] = K_DBL;
        memcpy(v + 1, &x, 8);
        return sl_buf_append(k, v, 9);
    }
    case SL_STRING:
    case SL_BINARY: {
        uint32_t n = (uint32_t)(c->off[i + 1] - c->off[i]);
        if ((rc = sl_buf_reserve(k, 5 + (size_t)n)))
            return rc;
        uint8_t *p = k->data + k->len;
        p[0] = K_STR;
        memcpy(p + 1, &n, 4);
        memcpy(p + 5, c->data + c->off[i], n);
        k->len += 5 + (size_t)n;
        return 0;
    }
    default: {
        size_t at = k->len;
        uint32_t n = 0;
        if ((rc = sl_buf_putc(k, K_JSON)) || (rc = sl_buf_append(k, &n, 4)) ||
            (rc = sl_col_value_json(c, i, k)))
            return rc;
        n = (uint32_t)(k->len - at - 5);
        memcpy(k->data + at + 1, &n, 4);
        return 0;
    }
    }
}

int gk_emit(struct sl_col *c, const uint8_t **p)
{
    uint8_t tag = *(*p)++;
    int64_t iv = 0;
    double dv = 0;
    uint32_t n = 0;
    const uint8_t *s = NULL;
    char buf[64];
    switch (tag) {
    case K_NULL:
        return sl_col_append_null(c);
    case K_INT:
    case K_BOOL:
        memcpy(&iv, *p, 8);
        *p += 8;
        dv = (double)iv;
        if (c->type == SL_STRING || c->type == SL_BINARY) {
            n = (uint32_t)snprintf(buf, sizeof buf, "%lld", (long long)iv);
            if (tag == K_BOOL)
                n = (uint32_t)snprintf(buf, sizeof buf, iv ? "true" : "false");
            s = (const uint8_t *)buf;
        }
        break;
    case K_DBL:
        memcpy(&dv, *p, 8);
        *p += 8;
        iv = (int64_t)dv;
        if (c->type == SL_STRING || c->type == SL_BINARY) {
            n = (uint32_t)snprintf(buf, sizeof buf, "%.17g", dv);
            s = (const uint8_t *)buf;
        }
        break;
    default:
        memcpy(&n, *p, 4);
        s = *p + 4;
        *p += 4 + n;
        break;
    }
    switch (c->type) {
    case SL_BOOLEAN:
        return sl_col_append_bool(c, iv != 0);
    case SL_INT:
    case SL_DATE:
        return sl_col_append_i32(c, (int32_t)iv);
    case SL_BIGINT:
    case SL_TIMESTAMP:
        return sl_col_append_i64(c, iv);
    case SL_FLOAT:
        return sl_col_append_f32(c, (float)dv);
    case SL_DOUBLE:
        return sl_col_append_f64(c, dv);
    case SL_STRING:
    case SL_BINARY:
        return sl_col_append_bytes(c, s, n);
    default:
        return sl_col_append_null(c);
    }
}

uint64_t gk_hash(const uint8_t *p, size_t n)
{
    const uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xbf58476d1ce4e5b9ULL;
    uint64_t h = k1 ^ (n * k2), x;
    const uint8_t *start = p;
    size_t len = n;
    if (n < 8) {
        /* short keys byte by byte (no variable-length copy) */
        x = 0;
        for (size_t i = 0; i < n; i++)
            x |= (uint64_t)p[i] << (8 * i);
        h = (h ^ x) * k2;
        h ^= h >> 29;
        n = 0;
    }
    while (n >= 8) {
        memcpy(&x, p, 8);
        h = (h ^ x) * k2;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        /* the last 8 bytes, overlapping what was read */
        memcpy(&x, start + len - 8, 8);
        h = (h ^ x) * k2;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    h *= k1;
    h ^= h >> 29;
    return h;
}
