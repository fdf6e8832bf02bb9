/*
 * sketch.c - KLL quantiles and HyperLogLog distinct counts (sketch.h).
 *
 * KLL capacities: the top level holds KLL_K items, each level below 2/3
 * of the one above (at least 8), so memory is O(K) however many items
 * come. The weighted rank of an item at level h is 2^h.
 */
#include "sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ceil(KLL_K * (2/3)^depth), at least 8, by depth below the top level
 * (test_sketch checks it against the formula): a table, as kll_add asks
 * for every item. */
uint32_t kll_level_cap(int h, int levels)
{
    static const uint32_t cap[] = {200, 134, 89, 60, 40, 27, 18, 12};
    _Static_assert(KLL_K == 200, "the table is for KLL_K 200");
    int d = levels - 1 - h;
    return d >= 0 && d < 8 ? cap[d] : 8;
}

#define level_cap kll_level_cap

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int reserve(struct kll *s, int h, uint32_t need)
{
    if (need <= s->cap[h])
        return 0;
    uint32_t cap = s->cap[h] ? s->cap[h] : 16;
    while (cap < need)
        cap *= 2;
    double *v = realloc(s->lv[h], cap * sizeof *v);
    if (!v)
        return SL_ENOMEM;
    s->lv[h] = v;
    s->cap[h] = cap;
    return 0;
}

static int compact(struct kll *s)
{
    for (int h = 0; h < s->levels; h++) {
        if (s->len[h] < level_cap(h, s->levels))
            continue;
        if (h + 1 == s->levels) {
            if (s->levels == KLL_MAX_LEVELS)
                return SL_ELIMIT;
            s->levels++;
        }
        qsort(s->lv[h], s->len[h], sizeof(double), cmp_d);
        uint32_t keep = s->len[h] % 2; /* an odd item stays here */
        uint32_t m = s->len[h] - keep;
        int rc = reserve(s, h + 1, s->len[h + 1] + m / 2 + 1);
        if (rc)
            return rc;
        for (uint32_t i = s->parity[h]; i < m; i += 2)
            s->lv[h + 1][s->len[h + 1]++] = s->lv[h][keep + i];
        s->parity[h] ^= 1;
        s->len[h] = keep;
    }
    return 0;
}

int kll_add(struct kll *s, double v)
{
    if (!s->levels)
        s->levels = 1;
    int rc = reserve(s, 0, s->len[0] + 1);
    if (rc)
        return rc;
    s->lv[0][s->len[0]++] = v;
    s->n++;
    if (s->len[0] >= level_cap(0, s->levels))
        return compact(s);
    return 0;
}

struct witem {
    double v;
    uint64_t w;
};

static int cmp_w(const void *a, const void *b)
{
    return cmp_d(&((const struct witem *)a)->v, &((const struct witem *)b)->v);
}

double kll_quantile(const struct kll *s, double q)
{
    size_t n = 0;
    for (int h = 0; h < s->levels; h++)
        n += s->len[h];
    if (!n)
        return NAN;
    struct witem *it = malloc(n * sizeof *it);
    if (!it)
        return NAN;
    uint64_t total = 0;
    n = 0;
    for (int h = 0; h < s->levels; h++)
        for (uint32_t i = 0; i < s->len[h]; i++) {
            it[n].v = s->lv[h][i];
            it[n++].w = 1ull << h;
            total += 1ull << h;
        }
    qsort(it, n, sizeof *it, cmp_w);
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    /* smallest item whose cumulative weight reaches ceil(q * total) */
    double want = ceil(q * (double)total);
    if (want < 1)
        want = 1;
    uint64_t acc = 0;
    double r = it[n - 1].v;
    for (size_t i = 0; i < n; i++) {
        acc += it[i].w;
        if ((double)acc >= want) {
            r = it[i].v;
            break;
        }
    }
    free(it);
    return r;
}

void kll_free(struct kll *s)
{
    for (int h = 0; h < s->levels; h++)
        free(s->lv[h]);
    memset(s, 0, sizeof *s);
}

int kll_save(const struct kll *s, struct sl_buf *b)
{
    int rc = st_put_u64(b, s->n);
    if (!rc)
        rc = st_put_u64(b, (uint64_t)s->levels);
    for (int h = 0; h < s->levels && !rc; h++) {
        rc = st_put_u64(b, ((uint64_t)s->parity[h] << 32) | s->len[h]);
        for (uint32_t i = 0; i < s->len[h] && !rc; i++)
            rc = st_put_f64(b, s->lv[h][i]);
    }
    return rc;
}

int kll_load(struct kll *s, struct st_reader *r)
{
    memset(s, 0, sizeof *s);
    s->n = st_get_u64(r);
    uint64_t levels = st_get_u64(r);
    if (r->bad || levels > KLL_MAX_LEVELS)
        return SL_ECORRUPT;
    s->levels = (int)levels;
    for (int h = 0; h < s->levels; h++) {
        uint64_t x = st_get_u64(r);
        uint32_t len = (uint32_t)x;
        if (r->bad || len > (r->n - r->at) / 8)
            return SL_ECORRUPT;
        s->parity[h] = (uint8_t)((x >> 32) & 1);
        if (reserve(s, h, len + 1))
            return SL_ENOMEM;
        for (uint32_t i = 0; i < len; i++)
            s->lv[h][i] = st_get_f64(r);
        s->len[h] = len;
    }
    return r->bad ? SL_ECORRUPT : 0;
}

/* ---- HyperLogLog ---- */

uint64_t sketch_hash(const void *p, size_t n)
{
    /* FNV-1a then a murmur3 finaliser for good high and low bits */
    uint64_t h = hm_hash(p, n);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static void reg_add(uint8_t *reg, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - HLL_P));
    uint64_t rest = h << HLL_P;
    uint8_t rho =
        rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - HLL_P + 1);
    if (rho > reg[idx])
        reg[idx] = rho;
}

int hll_add(struct hll *s, uint64_t h)
{
    if (s->reg) {
        reg_add(s->reg, h);
        return 0;
    }
    /* binary search in the sorted exact set */
    uint32_t lo = 0, hi = s->n_exact;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->exact[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n_exact && s->exact[lo] == h)
        return 0;
    if (s->n_exact < HLL_EXACT) {
        uint32_t n = s->n_exact;
        if (n == 0 || ((n & (n - 1)) == 0 && n >= 8)) {
            /* capacity doubles at powers of two from 8 */
            uint32_t cap = n ? 2 * n : 8;
            uint64_t *v = realloc(s->exact, cap * sizeof *v);
            if (!v)
                return SL_ENOMEM;
            s->exact = v;
        }
        memmove(&s->exact[lo + 1], &s->exact[lo],
                (s->n_exact - lo) * sizeof *s->exact);
        s->exact[lo] = h;
        s->n_exact++;
        return 0;
    }
    if (!(s->reg = calloc(1u << HLL_P, 1)))
        return SL_ENOMEM;
    for (uint32_t i = 0; i < s->n_exact; i++)
        reg_add(s->reg, s->exact[i]);
    free(s->exact);
    s->exact = NULL;
    s->n_exact = 0;
    reg_add(s->reg, h);
    return 0;
}

uint64_t hll_count(const struct hll *s)
{
    if (!s->reg)
        return s->n_exact;
    const double m = (double)(1u << HLL_P);
    double sum = 0;
    uint32_t zeros = 0;
    for (uint32_t i = 0; i < (1u << HLL_P); i++) {
        sum += ldexp(1.0, -s->reg[i]);
        zeros += s->reg[i] == 0;
    }
    double alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros)
        e = m * log(m / zeros); /* linear counting */
    return (uint64_t)(e + 0.5);
}

void hll_free(struct hll *s)
{
    free(s->exact);
    free(s->reg);
    memset(s, 0, sizeof *s);
}

int hll_save(const struct hll *s, struct sl_buf *b)
{
    if (s->reg) {
        int rc = st_put_u64(b, UINT64_MAX);
        return rc ? rc : sl_buf_append(b, s->reg, 1u << HLL_P);
    }
    int rc = st_put_u64(b, s->n_exact);
    for (uint32_t i = 0; i < s->n_exact && !rc; i++)
        rc = st_put_u64(b, s->exact[i]);
    return rc;
}

int hll_load(struct hll *s, struct st_reader *r)
{
    memset(s, 0, sizeof *s);
    uint64_t n = st_get_u64(r);
    if (r->bad)
        return SL_ECORRUPT;
    if (n == UINT64_MAX) {
        if (r->n - r->at < (1u << HLL_P))
            return SL_ECORRUPT;
        if (!(s->reg = malloc(1u << HLL_P)))
            return SL_ENOMEM;
        memcpy(s->reg, r->p + r->at, 1u << HLL_P);
        r->at += 1u << HLL_P;
        return 0;
    }
    if (n > HLL_EXACT)
        return SL_ECORRUPT;
    if (n && !(s->exact = malloc(HLL_EXACT * sizeof *s->exact)))
        return SL_ENOMEM; /* full size: hll_add grows only at powers of 2 */
    for (uint64_t i = 0; i < n; i++)
        s->exact[i] = st_get_u64(r);
    s->n_exact = (uint32_t)n;
    return r->bad ? SL_ECORRUPT : 0;
}
