/*
 * parquet_dict.c - the dictionary of one column chunk (RLE_DICTIONARY).
 *
 * Distinct values are kept PLAIN-encoded, in insertion order, in one
 * buffer: that buffer is the body of the dictionary page. An open-addressing
 * hash table of entry indices finds a value's index. Values compare by
 * their bytes (so +0.0 and -0.0, or two NaN payloads, are distinct
 * entries, which is exact). The caller (parquet_column.c) bounds the size:
 * past its limit it stops using the dictionary and writes PLAIN pages.
 */
#include <stdlib.h>
#include <string.h>

#include "parquet_int.h"

static uint64_t mix(uint64_t h)
{
    /* the 64-bit finaliser of MurmurHash3: every input bit reaches the
     * low bits that pick the slot */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        h = mix(h ^ k);
        p += 8;
        n -= 8;
    }
    uint64_t k = 0;
    if (n)
        memcpy(&k, p, n);
    return (uint32_t)mix(h ^ k);
}

void sl__pq_dict_init(struct sl__pq_dict *d, size_t width)
{
    memset(d, 0, sizeof *d);
    d->width = width;
    sl_buf_init(&d->data, 0); /* bounded by the caller's dict_limit */
}

void sl__pq_dict_free(struct sl__pq_dict *d)
{
    if (!d)
        return;
    free(d->slots);
    free(d->hash);
    free(d->off);
    sl_buf_free(&d->data);
    memset(d, 0, sizeof *d);
}

void sl__pq_dict_clear(struct sl__pq_dict *d)
{
    if (d->slots)
        memset(d->slots, 0, d->n_slots * sizeof *d->slots);
    d->n = 0;
    sl_buf_reset(&d->data);
}

static int grow_table(struct sl__pq_dict *d)
{
    size_t ns = d->n_slots ? d->n_slots * 2 : 1024;
    uint64_t *s = calloc(ns, sizeof *s);
    if (!s)
        return SL_ENOMEM;
    for (size_t e = 0; e < d->n; e++) {
        size_t j = d->hash[e] & (ns - 1);
        while (s[j])
            j = (j + 1) & (ns - 1);
        s[j] = (uint64_t)d->hash[e] << 32 | ((uint32_t)e + 1);
    }
    free(d->slots);
    d->slots = s;
    d->n_slots = ns;
    return 0;
}

static bool same(const struct sl__pq_dict *d, uint32_t e, const uint8_t *p,
                 size_t n)
{
    const uint8_t *q = d->data.data + d->off[e];
    if (d->width == 8 || d->width == 4) { /* the common widths, inline */
        uint64_t a = 0, b = 0;
        memcpy(&a, q, d->width);
        memcpy(&b, p, d->width);
        return a == b;
    }
    if (d->width)
        return memcmp(q, p, n) == 0;
    uint32_t len;
    memcpy(&len, q, 4);
    return len == n && (n == 0 || memcmp(q + 4, p, n) == 0);
}

int sl__pq_dict_put(struct sl__pq_dict *d, const void *pv, size_t n,
                    uint32_t *idx)
{
    const uint8_t *p = pv;
    if (n > UINT32_MAX || d->n >= UINT32_MAX - 1)
        return SL_ELIMIT;
    if ((d->n + 1) * 2 > d->n_slots) {
        int rc = grow_table(d);
        if (rc)
            return rc;
    }
    uint32_t h = hash_bytes(p, n);
    size_t j = h & (d->n_slots - 1);
    /* a slot holds the hash next to the index: a probe that meets another
     * value's slot is rejected without touching that value */
    for (; d->slots[j]; j = (j + 1) & (d->n_slots - 1)) {
        uint64_t sl = d->slots[j];
        if ((uint32_t)(sl >> 32) != h)
            continue;
        uint32_t e = (uint32_t)sl - 1;
        if (same(d, e, p, n)) {
            *idx = e;
            return 0;
        }
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 1024;
        uint32_t *nh = realloc(d->hash, nc * sizeof *nh);
        if (!nh)
            return SL_ENOMEM;
        d->hash = nh;
        uint32_t *no = realloc(d->off, nc * sizeof *no);
        if (!no)
            return SL_ENOMEM;
        d->off = no;
        d->cap = nc;
    }
    if (d->data.len > UINT32_MAX - n - 4)
        return SL_ELIMIT;
    uint32_t off = (uint32_t)d->data.len;
    int rc = 0;
    if (!d->width) {
        uint32_t len = (uint32_t)n;
        rc = sl_buf_append(&d->data, &len, 4);
    }
    if (!rc)
        rc = sl_buf_append(&d->data, p, n);
    if (rc) {
        d->data.len = off;
        return rc;
    }
    d->hash[d->n] = h;
    d->off[d->n] = off;
    d->slots[j] = (uint64_t)h << 32 | ((uint32_t)d->n + 1);
    *idx = (uint32_t)d->n++;
    return 0;
}
