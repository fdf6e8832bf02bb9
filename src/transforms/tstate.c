/*
 * tstate.c - hash map, state blob encoding and row keys for the stateful
 * transforms (see tstate.h).
 *
 * The map is open addressing with linear probing and tombstones, grown at
 * 50% load; FNV-1a 64 hashes (deterministic: the state and the output do
 * not depend on the hash seed, there is none).
 */
#include "tstate.h"

#include <stdlib.h>

uint64_t hm_hash(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

static int grow(struct hmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    if (m->n * 4 < m->cap)
        cap = m->cap; /* mostly tombstones: rehash in place size */
    struct hent *v = calloc(cap, sizeof *v);
    if (!v)
        return SL_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct hent *e = &m->v[i];
        if (!e->key || e->dead) {
            free(e->dead ? e->key : NULL);
            continue;
        }
        size_t j = e->h & (cap - 1);
        while (v[j].key)
            j = (j + 1) & (cap - 1);
        v[j] = *e;
    }
    free(m->v);
    m->v = v;
    m->cap = cap;
    m->used = m->n;
    return 0;
}

struct hent *hm_get(struct hmap *m, const void *key, size_t n, uint64_t h)
{
    if (!m->cap)
        return NULL;
    for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        struct hent *e = &m->v[j];
        if (!e->key)
            return NULL;
        if (!e->dead && e->h == h && e->klen == n &&
            memcmp(e->key, key, n) == 0)
            return e;
    }
}

struct hent *hm_put(struct hmap *m, const void *key, size_t n, uint64_t h,
                    bool *fresh)
{
    struct hent *e = hm_get(m, key, n, h);
    *fresh = false;
    if (e)
        return e;
    if ((m->used + 1) * 2 > m->cap && grow(m))
        return NULL;
    size_t j = h & (m->cap - 1);
    while (m->v[j].key)
        j = (j + 1) & (m->cap - 1);
    e = &m->v[j];
    if (!(e->key = malloc(n ? n : 1)))
        return NULL;
    memcpy(e->key, key, n);
    e->klen = (uint32_t)n;
    e->h = h;
    e->dead = false;
    e->val = NULL;
    m->n++;
    m->used++;
    *fresh = true;
    return e;
}

void hm_del(struct hmap *m, struct hent *e)
{
    e->dead = true;
    e->val = NULL;
    m->n--;
}

void hm_free(struct hmap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->v[i].key && !m->v[i].dead && free_val)
            free_val(m->v[i].val);
        free(m->v[i].key);
    }
    free(m->v);
    memset(m, 0, sizeof *m);
}

int st_put_u64(struct sl_buf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    return sl_buf_append(b, x, 8);
}

int st_put_f64(struct sl_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return st_put_u64(b, u);
}

int st_put_bytes(struct sl_buf *b, const void *p, size_t n)
{
    int rc = st_put_u64(b, n);
    return rc ? rc : sl_buf_append(b, p, n);
}

uint64_t st_get_u64(struct st_reader *r)
{
    if (r->bad || r->n - r->at < 8) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r->p[r->at + (size_t)i] << (8 * i);
    r->at += 8;
    return v;
}

double st_get_f64(struct st_reader *r)
{
    uint64_t u = st_get_u64(r);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

const uint8_t *st_get_bytes(struct st_reader *r, size_t *n)
{
    uint64_t len = st_get_u64(r);
    if (r->bad || len > r->n - r->at) {
        r->bad = true;
        *n = 0;
        return NULL;
    }
    const uint8_t *p = r->p + r->at;
    r->at += (size_t)len;
    *n = (size_t)len;
    return p;
}

int st_key(struct sl_buf *out, const struct sl_col *const *cols, size_t n,
           size_t i)
{
    for (size_t k = 0; k < n; k++) {
        int rc = cols[k] ? sl_col_value_json(cols[k], i, out)
                         : sl_buf_puts(out, "null");
        if (!rc)
            rc = sl_buf_putc(out, 0x1f);
        if (rc)
            return rc;
    }
    return 0;
}
