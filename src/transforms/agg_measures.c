/*
 * agg_measures.c - aggregate's measures: adding a chunk's values to the
 * accumulators, the output value of each, and their state form.
 *
 * am_update works a measure at a time over the (row, group) pairs of a
 * chunk: the measure's kind and its argument's type are looked at once,
 * then a tight loop runs for the common cases (count, sum/avg of numbers,
 * percentiles of numbers, distinct counts); anything else goes through
 * acc_one, the general row-at-a-time rule. Both give the same
 * accumulator state (the fast loops are acc_one specialised).
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "agg_groups.h"
#include "sketch.h"

static bool int_class(enum sl_type t)
{
    return t == SL_INT || t == SL_BIGINT || t == SL_DATE || t == SL_TIMESTAMP ||
           t == SL_BOOLEAN;
}

/* Which fields of struct acc measure fn has. */
static bool uses_ext(enum mfn fn)
{
    return fn == M_MIN || fn == M_MAX || fn == M_PCT || fn == M_NDV;
}

static bool uses_if(enum mfn fn)
{
    return fn == M_SUM || fn == M_AVG || fn == M_MIN || fn == M_MAX;
}

size_t am_acc_size(const struct measure *m)
{
    if (m->fn == M_PCT || m->fn == M_NDV)
        return offsetof(struct acc, i) + sizeof(union acc_sm);
    return uses_ext(m->fn) || uses_if(m->fn) ? sizeof(struct acc)
                                             : offsetof(struct acc, ext);
}

void am_free(struct acc *x, const struct measure *m)
{
    if (!uses_ext(m->fn) || !x->ext)
        return;
    if (m->fn == M_PCT)
        kll_free(x->ext);
    else if (m->fn == M_NDV)
        hll_free(x->ext);
    free(x->ext);
    x->ext = NULL;
}

static int pct_add(struct group *g, struct acc *x, double fv)
{
    if (!x->ext && x->nsm < ACC_SMALL) {
        ACC_SM(x)->d[x->nsm++] = fv;
        return 0;
    }
    if (!x->ext) {
        struct kll *k = calloc(1, sizeof *k);
        if (!k)
            return SL_ENOMEM;
        x->ext = k;
        g->ext = true;
        for (int i = 0; i < x->nsm; i++)
            if (kll_add(k, ACC_SM(x)->d[i]))
                return SL_ENOMEM;
        x->nsm = 0;
    }
    return kll_add(x->ext, fv);
}

static int ndv_add(struct group *g, struct acc *x, uint64_t h)
{
    if (!x->ext) {
        for (int i = 0; i < x->nsm; i++)
            if (ACC_SM(x)->h[i] == h)
                return 0;
        if (x->nsm < ACC_SMALL) {
            ACC_SM(x)->h[x->nsm++] = h;
            return 0;
        }
        struct hll *s = calloc(1, sizeof *s);
        if (!s)
            return SL_ENOMEM;
        x->ext = s;
        g->ext = true;
        for (int i = 0; i < x->nsm; i++)
            if (hll_add(s, ACC_SM(x)->h[i]))
                return SL_ENOMEM;
        x->nsm = 0;
    }
    return hll_add(x->ext, h);
}

/* The general rule for one value (the fast loops in am_update are this,
 * specialised). */
static int acc_one(struct group *g, struct acc *x, const struct measure *m,
                   const struct sl_col *c, size_t i)
{
    if (m->fn == M_COUNT_STAR) {
        x->cnt++;
        return 0;
    }
    if (!sl_col_is_valid(c, i) || c->type == SL_NULLTYPE)
        return 0;
    x->cnt++;
    bool isf = c->type == SL_DOUBLE, iss = c->type == SL_STRING;
    int64_t iv = int_class(c->type) ? ag_col_i(c, i) : 0;
    double fv = isf ? SL_COL_VALUES(c, double)[i] : (double)iv;
    const char *sp = iss ? (const char *)c->data + c->off[i] : NULL;
    size_t sn = iss ? (size_t)(c->off[i + 1] - c->off[i]) : 0;
    switch (m->fn) {
    case M_SUM:
    case M_AVG:
        if (isf && !x->is_f) {
            x->f = (double)x->i;
            x->is_f = true;
        }
        if (x->is_f)
            x->f += fv;
        else
            x->i = (int64_t)((uint64_t)x->i + (uint64_t)iv);
        break;
    case M_MIN:
    case M_MAX: {
        if (iss) {
            int cmp = x->has ? memcmp(sp, x->ext, sn < x->sl ? sn : x->sl) : 0;
            if (!cmp && x->has)
                cmp = (sn > x->sl) - (sn < x->sl);
            if (!x->has || (m->fn == M_MIN ? cmp < 0 : cmp > 0)) {
                char *s = malloc(sn ? sn : 1);
                if (!s)
                    return SL_ENOMEM;
                memcpy(s, sp, sn);
                free(x->ext);
                x->ext = s;
                x->sl = (uint32_t)sn;
                g->ext = true;
            }
            break;
        }
        if (isf && !x->is_f) {
            x->f = (double)x->i;
            x->is_f = true;
        }
        if (x->is_f) {
            if (!x->has || (m->fn == M_MIN ? fv < x->f : fv > x->f))
                x->f = fv;
        } else if (!x->has || (m->fn == M_MIN ? iv < x->i : iv > x->i)) {
            x->i = iv;
        }
        break;
    }
    case M_PCT:
        if (iss)
            break;
        return pct_add(g, x, fv);
    case M_NDV: {
        uint64_t h;
        if (iss)
            h = sketch_hash(sp, sn);
        else if (isf)
            h = sketch_hash(&fv, sizeof fv);
        else
            h = sketch_hash(&iv, sizeof iv);
        return ndv_add(g, x, h);
    }
    default:
        break;
    }
    x->has = true;
    return 0;
}

int am_update(const struct measure *m, const struct glayout *l, size_t j,
              const struct sl_col *c, const struct gpair *pr, size_t n)
{
    size_t off = l->off[j];
#define ACC(k) ((struct acc *)((uint8_t *)pr[k].g + off))
    if (m->fn == M_COUNT_STAR) {
        for (size_t k = 0; k < n; k++)
            ACC(k)->cnt++;
        return 0;
    }
    int rc = 0;
    if (c->type == SL_NULLTYPE)
        return 0;
    bool isf = c->type == SL_DOUBLE, isi = int_class(c->type);
    const uint8_t *valid = c->valid;
#define VALID(r) ((valid[(r) >> 3] >> ((r)&7)) & 1)
    if (m->fn == M_COUNT) {
        for (size_t k = 0; k < n; k++)
            if (VALID(pr[k].row)) {
                ACC(k)->cnt++;
                ACC(k)->has = true;
            }
        return 0;
    }
    if ((m->fn == M_SUM || m->fn == M_AVG) && isf) {
        const double *v = c->values;
        for (size_t k = 0; k < n; k++) {
            size_t r = pr[k].row;
            if (!VALID(r))
                continue;
            struct acc *x = ACC(k);
            x->cnt++;
            if (!x->is_f) {
                x->f = (double)x->i;
                x->is_f = true;
            }
            x->f += v[r];
            x->has = true;
        }
        return 0;
    }
    if ((m->fn == M_SUM || m->fn == M_AVG) && isi) {
        for (size_t k = 0; k < n; k++) {
            size_t r = pr[k].row;
            if (!VALID(r))
                continue;
            struct acc *x = ACC(k);
            int64_t iv = ag_col_i(c, r);
            x->cnt++;
            if (x->is_f)
                x->f += (double)iv;
            else
                x->i = (int64_t)((uint64_t)x->i + (uint64_t)iv);
            x->has = true;
        }
        return 0;
    }
    if (m->fn == M_PCT && (isf || isi)) {
        for (size_t k = 0; k < n && !rc; k++) {
            size_t r = pr[k].row;
            if (!VALID(r))
                continue;
            struct acc *x = ACC(k);
            x->cnt++;
            double fv =
                isf ? SL_COL_VALUES(c, double)[r] : (double)ag_col_i(c, r);
            if (!x->ext && x->nsm < ACC_SMALL)
                ACC_SM(x)->d[x->nsm++] = fv;
            else
                rc = pct_add(pr[k].g, x, fv);
        }
        return rc;
    }
    if (m->fn == M_NDV && c->type == SL_STRING) {
        for (size_t k = 0; k < n && !rc; k++) {
            size_t r = pr[k].row;
            if (!VALID(r))
                continue;
            struct acc *x = ACC(k);
            x->cnt++;
            uint64_t h = sketch_hash(c->data + c->off[r],
                                     (size_t)(c->off[r + 1] - c->off[r]));
            rc = ndv_add(pr[k].g, x, h);
        }
        return rc;
    }
#undef VALID
    for (size_t k = 0; k < n && !rc; k++)
        rc = acc_one(pr[k].g, ACC(k), m, c, pr[k].row);
#undef ACC
    return rc;
}

enum sl_type am_out_type(const struct measure *m, enum sl_type t)
{
    switch (m->fn) {
    case M_COUNT_STAR:
    case M_COUNT:
    case M_NDV:
        return SL_BIGINT;
    case M_AVG:
    case M_PCT:
        return SL_DOUBLE;
    case M_SUM:
        return t == SL_DOUBLE ? SL_DOUBLE : SL_BIGINT;
    default:
        switch (t) {
        case SL_INT:
        case SL_BIGINT:
        case SL_BOOLEAN:
        case SL_NULLTYPE:
            return SL_BIGINT;
        default:
            return t;
        }
    }
}

/* The quantile of the inline values, as kll_quantile defines it: the
 * smallest value whose rank reaches ceil(q * n). */
static double small_quantile(const struct acc *x, double q)
{
    double v[ACC_SMALL];
    int n = x->nsm;
    memcpy(v, ACC_SM(x)->d, (size_t)n * sizeof v[0]);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    int want = (int)ceil(q * n);
    if (want < 1)
        want = 1;
    return v[want - 1];
}

int am_emit(struct sl_col *c, const struct measure *m, const struct acc *x)
{
    switch (m->fn) {
    case M_COUNT_STAR:
    case M_COUNT:
        return sl_col_append_i64(c, x->cnt);
    case M_NDV:
        return sl_col_append_i64(c, x->ext ? (int64_t)hll_count(x->ext)
                                           : (int64_t)x->nsm);
    case M_AVG:
        if (!x->cnt)
            return sl_col_append_null(c);
        return sl_col_append_f64(c, (x->is_f ? x->f : (double)x->i) /
                                        (double)x->cnt);
    case M_PCT: {
        const struct kll *k = x->ext;
        if (k && k->n)
            return sl_col_append_f64(c, kll_quantile(k, m->q));
        if (!x->nsm)
            return sl_col_append_null(c);
        return sl_col_append_f64(c, small_quantile(x, m->q));
    }
    default:
        break;
    }
    if (!x->has)
        return sl_col_append_null(c);
    switch (c->type) {
    case SL_DOUBLE:
        return sl_col_append_f64(c, x->is_f ? x->f : (double)x->i);
    case SL_STRING:
        return sl_col_append_bytes(c, x->ext ? x->ext : "", x->sl);
    case SL_DATE:
        return sl_col_append_i32(c, (int32_t)(x->is_f ? x->f : x->i));
    default:
        return sl_col_append_i64(c, x->is_f ? (int64_t)x->f : x->i);
    }
}

/* ---- state: cnt, i, f, flags, then what the flags say is there ---- */

enum { F_ISF = 1, F_HAS = 2, F_KLL = 4, F_HLL = 8, F_STR = 16, F_SM = 32 };

int am_save(struct sl_buf *b, const struct acc *x, const struct measure *m)
{
    uint64_t fl = (uint64_t)x->is_f * F_ISF | (uint64_t)x->has * F_HAS;
    if (uses_ext(m->fn) && x->ext)
        fl |= m->fn == M_PCT ? F_KLL : m->fn == M_NDV ? F_HLL : F_STR;
    if (x->nsm)
        fl |= F_SM;
    /* i and f: 0 for the measures without them (as they always were) */
    bool sf = uses_if(m->fn);
    int rc = st_put_u64(b, (uint64_t)x->cnt);
    if (!rc)
        rc = st_put_u64(b, sf ? (uint64_t)x->i : 0);
    if (!rc)
        rc = st_put_f64(b, sf ? x->f : 0.0);
    if (!rc)
        rc = st_put_u64(b, fl);
    if (!rc && x->nsm) {
        rc = st_put_u64(b, x->nsm);
        for (int k = 0; k < x->nsm && !rc; k++)
            rc = st_put_u64(b, ACC_SM(x)->h[k]);
    }
    if (!rc && (fl & F_STR))
        rc = st_put_bytes(b, x->ext, x->sl);
    if (!rc && (fl & F_KLL))
        rc = kll_save(x->ext, b);
    if (!rc && (fl & F_HLL))
        rc = hll_save(x->ext, b);
    return rc;
}

int am_load(struct st_reader *r, struct acc *x, const struct measure *m)
{
    x->cnt = (int64_t)st_get_u64(r);
    int64_t i = (int64_t)st_get_u64(r);
    double f = st_get_f64(r);
    if (uses_if(m->fn)) {
        x->i = i;
        x->f = f;
    }
    uint64_t fl = st_get_u64(r);
    if (r->bad)
        return SL_ECORRUPT;
    x->is_f = fl & F_ISF;
    x->has = (fl & F_HAS) != 0;
    /* what may be there depends on the measure */
    uint64_t ok = F_ISF | F_HAS;
    if (m->fn == M_PCT)
        ok |= F_KLL | F_SM;
    else if (m->fn == M_NDV)
        ok |= F_HLL | F_SM;
    else if (m->fn == M_MIN || m->fn == M_MAX)
        ok |= F_STR;
    if (fl & ~ok)
        return SL_ECORRUPT;
    if (fl & F_SM) {
        uint64_t n = st_get_u64(r);
        if (r->bad || n == 0 || n > ACC_SMALL)
            return SL_ECORRUPT;
        x->nsm = (uint8_t)n;
        for (uint64_t k = 0; k < n; k++)
            ACC_SM(x)->h[k] = st_get_u64(r);
    }
    if (fl & F_STR) {
        size_t n;
        const uint8_t *p = st_get_bytes(r, &n);
        if (!p || n > UINT32_MAX || !(x->ext = malloc(n ? n : 1)))
            return p && n <= UINT32_MAX ? SL_ENOMEM : SL_ECORRUPT;
        memcpy(x->ext, p, n);
        x->sl = (uint32_t)n;
    }
    if (fl & F_KLL) {
        struct kll *k = calloc(1, sizeof *k);
        if (!(x->ext = k))
            return SL_ENOMEM;
        return kll_load(k, r);
    }
    if (fl & F_HLL) {
        struct hll *h = calloc(1, sizeof *h);
        if (!(x->ext = h))
            return SL_ENOMEM;
        return hll_load(h, r);
    }
    return 0;
}
