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

#define GBLK_CAP (64 * 1024 - 64)
#define GPOOL_MAX 256

struct gblk {
    struct gblk *next;
    size_t used, cap;
    _Alignas(16) uint8_t data[];
};

int gl_init(struct glayout *l, size_t n, const bool *sm)
{
    if (n > GL_MAX)
        return SL_ELIMIT;
    l->n = n;
    size_t at = (sizeof(struct group) + 7) & ~(size_t)7;
    for (size_t j = 0; j < n; j++) {
        l->off[j] = (uint32_t)at;
        at += sizeof(struct acc) + (sm[j] ? sizeof(union acc_sm) : 0);
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

static int table_grow(struct gwin *w)
{
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

struct group *gw_find(const struct gwin *w, const uint8_t *key, uint32_t klen,
                      uint64_t h)
{
    if (!w->cap)
        return NULL;
    for (size_t j = h & (w->cap - 1);; j = (j + 1) & (w->cap - 1)) {
        const struct gslot *s = &w->t[j];
        if (!s->g)
            return NULL;
        if (s->h == h && s->g->klen == klen &&
            memcmp(s->g->key, key, klen) == 0)
            return s->g;
    }
}

struct group *gw_add(struct gwin *w, struct gpool *pool,
                     const struct glayout *l, const uint8_t *key, uint32_t klen,
                     uint64_t h)
{
    if ((w->n + 1) * 2 > w->cap && table_grow(w))
        return NULL;
    struct group *g = arena_alloc(w, pool, l->size + klen);
    if (!g)
        return NULL;
    memset(g, 0, l->size);
    g->ws = w->ws;
    g->klen = klen;
    g->key = (uint8_t *)g + l->size;
    memcpy(g->key, key, klen);
    size_t j = h & (w->cap - 1);
    while (w->t[j].g)
        j = (j + 1) & (w->cap - 1);
    w->t[j].h = h;
    w->t[j].g = g;
    w->n++;
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
    free(w->t);
    w->t = NULL;
    w->cap = w->n = 0;
}

/* ---- sorting by key: the first 16 bytes big-endian decide most pairs
 * (zero padded: a shorter key that is a prefix of a longer one sorts
 * first either way) ---- */

struct skey {
    uint64_t p0, p1;
    struct group *g;
};

static int skey_cmp(const struct skey *a, const struct skey *b)
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

static void skey_swap(struct skey *a, struct skey *b)
{
    struct skey t = *a;
    *a = *b;
    *b = t;
}

static void skey_sort(struct skey *v, size_t n)
{
    while (n > 16) {
        /* median of three to v[0], then Hoare partition */
        size_t mid = n / 2;
        if (skey_cmp(&v[mid], &v[0]) < 0)
            skey_swap(&v[mid], &v[0]);
        if (skey_cmp(&v[n - 1], &v[0]) < 0)
            skey_swap(&v[n - 1], &v[0]);
        if (skey_cmp(&v[n - 1], &v[mid]) < 0)
            skey_swap(&v[n - 1], &v[mid]);
        skey_swap(&v[0], &v[mid]);
        struct skey piv = v[0];
        size_t i = 0, j = n;
        for (;;) {
            do
                i++;
            while (i < n && skey_cmp(&v[i], &piv) < 0);
            do
                j--;
            while (skey_cmp(&v[j], &piv) > 0);
            if (i >= j)
                break;
            skey_swap(&v[i], &v[j]);
        }
        skey_swap(&v[0], &v[j]);
        /* recurse into the smaller side, loop on the larger */
        if (j < n - j - 1) {
            skey_sort(v, j);
            v += j + 1;
            n -= j + 1;
        } else {
            skey_sort(v + j + 1, n - j - 1);
            n = j;
        }
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && skey_cmp(&v[j], &v[j - 1]) < 0; j--)
            skey_swap(&v[j], &v[j - 1]);
}

int gw_sorted(const struct gwin *w, struct group **out)
{
    struct skey sv[256], *v = sv;
    if (w->n > sizeof sv / sizeof sv[0] && !(v = malloc(w->n * sizeof *v)))
        return SL_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < w->cap; i++) {
        if (i + 8 < w->cap && w->t[i + 8].g)
            __builtin_prefetch(w->t[i + 8].g);
        struct group *g = w->t[i].g;
        if (!g)
            continue;
        uint8_t b[16] = {0};
        memcpy(b, g->key, g->klen < 16 ? g->klen : 16);
        uint64_t p0 = 0, p1 = 0;
        for (int k = 0; k < 8; k++) {
            p0 = p0 << 8 | b[k];
            p1 = p1 << 8 | b[8 + k];
        }
        v[n].p0 = p0;
        v[n].p1 = p1;
        v[n++].g = g;
    }
    skey_sort(v, n);
    for (size_t i = 0; i < n; i++)
        out[i] = v[i].g;
    if (v != sv)
        free(v);
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
    uint64_t h = k1 ^ (n * k2);
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ x) * k2;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t x = 0;
        memcpy(&x, p, n);
        h = (h ^ x) * k2;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    h *= k1;
    h ^= h >> 29;
    return h;
}
