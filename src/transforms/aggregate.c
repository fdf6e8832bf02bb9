/*
 * aggregate.c - event-time windows with a watermark (append mode):
 *
 *   - aggregate:
 *       time: event_time        # timestamp column (or an expression)
 *       window: 1m              # tumbling; `slide: 10s` for sliding
 *       watermark: 5m           # how late data may arrive
 *       group_by: [user]
 *       measures: {clicks: "count(*)", spend: "sum(amount)",
 *                  p95: "approx_percentile(latency_ms, 0.95)",
 *                  users: "approx_count_distinct(user)"}
 *
 * Rows are read in source order, per source partition. The partition's
 * watermark is the largest event time seen so far minus `watermark`; a
 * row whose event time is below the watermark (as it stands when the row
 * comes) is late and goes to the dead-letter output with the reason
 * "late", never dropped silently. After each chunk every window whose end
 * is at or below the watermark is emitted, once, in order of (window end,
 * window start, group values): that order does not depend on how the
 * partition's records were cut into chunks, so a replay writes the same
 * bytes. Output columns: window_start, window_end, the group_by columns
 * (named by their last path part), then the measures.
 *
 * State is per source partition (docs/architecture.md: a partition's
 * output depends only on its records and the state in the checkpoint) and
 * goes to state/N after every batch; `max_groups` bounds the open groups
 * of one partition (past it the job stops and says what to change).
 * Measures: count(*), count(x), sum, min, max, avg, approx_percentile(x,
 * q) (KLL sketch) and approx_count_distinct(x) (HyperLogLog, exact up to
 * 512 values); arguments are expressions.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "expr.h"
#include "sketch.h"
#include "tbatch.h"
#include "tstate.h"

#define MAGIC "sluice-aggregate-3"
#define US_MS 1000LL

enum mfn { M_COUNT_STAR, M_COUNT, M_SUM, M_MIN, M_MAX, M_AVG, M_PCT, M_NDV };

struct measure {
    char *name;
    enum mfn fn;
    int arg; /* index into the expressions, -1 for count(*) */
    double q;
};

#define ACC_SMALL 4 /* sketch inputs kept inline before a sketch exists */

struct acc {
    int64_t cnt, i;
    double f;
    bool is_f, has;
    uint8_t nsm;
    char *s;
    size_t sl;
    struct kll *k;
    struct hll *h;
    union {
        double d[ACC_SMALL];
        uint64_t h[ACC_SMALL];
    } sm; /* most groups see few values: no sketch allocation for them */
};

struct group {
    int64_t ws; /* window start, micros */
    uint32_t klen;
    uint8_t *key; /* group values (key_add), in the same block */
    struct acc a[];
};

struct apart {
    char *id;
    struct hmap map; /* ws(8 bytes) + key -> struct group * */
    bool has_t;
    int64_t max_t;
    int64_t min_end; /* no open window ends before this (scan skip) */
};

struct agg_opts {
    char *time;
    int64_t window, slide, watermark, max_groups;
    struct sl_strlist group_by;
    const struct sl_conf *measures;
};

#define AOPT(f) offsetof(struct agg_opts, f)
static const struct sl_option agg_options[] = {
    {"time", SL_OPT_STRING, NULL, NULL, true, AOPT(time),
     "event time: a timestamp column (or an expression giving one)"},
    {"window", SL_OPT_DURATION, NULL, NULL, true, AOPT(window),
     "window length (tumbling windows)"},
    {"slide", SL_OPT_DURATION, NULL, NULL, false, AOPT(slide),
     "slide for sliding windows (default: the window length)"},
    {"watermark", SL_OPT_DURATION, "0s", NULL, false, AOPT(watermark),
     "how late data may arrive: windows close this long after their end"},
    {"group_by", SL_OPT_STRLIST, NULL, NULL, false, AOPT(group_by),
     "column paths to group by"},
    {"measures", SL_OPT_NODE, NULL, NULL, true, AOPT(measures),
     "map name: \"count(*)\" | \"sum(x)\" | min | max | avg | "
     "\"approx_percentile(x, 0.95)\" | \"approx_count_distinct(x)\""},
    {"max_groups", SL_OPT_INT, "1000000", NULL, false, AOPT(max_groups),
     "open (window, group) pairs per source partition"},
    {0},
};

struct agg {
    struct agg_opts o;
    int64_t win, slide, wm; /* micros */
    size_t nm;
    struct measure *m;
    size_t nx;
    char **text; /* [0] time, then measure arguments */
    struct xset xs;
    struct apart *parts;
    size_t n_parts;
    struct sl_transform_env *env;
    struct sl_col *tmp; /* evaluated expressions, per chunk */
    struct tb out;
    struct sl_batch *groups; /* decoded group values of emitted rows */
    struct sl_buf key, json;
};

static void acc_free(struct acc *a)
{
    free(a->s);
    if (a->k) {
        kll_free(a->k);
        free(a->k);
    }
    if (a->h) {
        hll_free(a->h);
        free(a->h);
    }
}

/* One block: the group, its accumulators, then its key bytes. */
static struct group *group_new(size_t nm, size_t klen)
{
    size_t head = sizeof(struct group) + nm * sizeof(struct acc);
    struct group *g = calloc(1, head + (klen ? klen : 1));
    if (g)
        g->key = (uint8_t *)g + head;
    return g;
}

static void group_free_n(struct group *g, size_t nm)
{
    if (!g)
        return;
    for (size_t i = 0; i < nm; i++)
        acc_free(&g->a[i]);
    free(g);
}

static void parts_clear(struct agg *a)
{
    for (size_t i = 0; i < a->n_parts; i++) {
        struct hmap *m = &a->parts[i].map;
        for (size_t k = 0; k < m->cap; k++)
            if (m->v[k].key && !m->v[k].dead)
                group_free_n(m->v[k].val, a->nm);
        hm_free(m, NULL);
        free(a->parts[i].id);
    }
    free(a->parts);
    a->parts = NULL;
    a->n_parts = 0;
}

static void agg_destroy(void *st)
{
    struct agg *a = st;
    if (!a)
        return;
    parts_clear(a);
    for (size_t i = 0; i < a->nm; i++)
        free(a->m[i].name);
    free(a->m);
    for (size_t i = 0; i < a->nx; i++) {
        free(a->text[i]);
        if (a->tmp)
            sl_col_free(&a->tmp[i]);
    }
    free(a->text);
    free(a->tmp);
    xset_free(&a->xs);
    tb_free(&a->out);
    sl_batch_destroy(a->groups);
    sl_buf_free(&a->key);
    sl_buf_free(&a->json);
    sl_options_free(agg_options, &a->o);
    free(a);
}

/* "fn(arg[, q])" -> measure. */
static int parse_measure(struct agg *a, size_t i, const char *name,
                         const char *s, struct sl_error *err)
{
    static const struct {
        const char *n;
        enum mfn fn;
    } fns[] = {{"count", M_COUNT},
               {"sum", M_SUM},
               {"min", M_MIN},
               {"max", M_MAX},
               {"avg", M_AVG},
               {"approx_percentile", M_PCT},
               {"percentile_approx", M_PCT},
               {"approx_count_distinct", M_NDV}};
    struct measure *m = &a->m[i];
    if (!(m->name = strdup(name)))
        return SL_ENOMEM;
    m->arg = -1;
    const char *lp = strchr(s, '('), *rp = strrchr(s, ')');
    size_t fl = lp ? (size_t)(lp - s) : 0;
    while (fl && s[fl - 1] == ' ')
        fl--;
    size_t k;
    for (k = 0; lp && rp && k < sizeof fns / sizeof fns[0]; k++)
        if (strlen(fns[k].n) == fl && strncasecmp(s, fns[k].n, fl) == 0)
            break;
    if (!lp || !rp || rp < lp || k == sizeof fns / sizeof fns[0] ||
        rp[1 + strspn(rp + 1, " ")])
        return sl_error_set(err, SL_EINVAL,
                            "measure %s: '%s' is not count(*), count(x), "
                            "sum(x), min(x), max(x), avg(x), "
                            "approx_percentile(x, q) or "
                            "approx_count_distinct(x)",
                            name, s);
    m->fn = fns[k].fn;
    char arg[4096];
    snprintf(arg, sizeof arg, "%.*s", (int)(rp - lp - 1), lp + 1);
    if (m->fn == M_COUNT && strspn(arg, " ") + 1 == strlen(arg) &&
        strchr(arg, '*')) {
        m->fn = M_COUNT_STAR;
        return 0;
    }
    if (m->fn == M_PCT) {
        char *comma = strrchr(arg, ',');
        char *end = NULL;
        if (comma)
            m->q = strtod(comma + 1, &end);
        if (!comma || end == comma + 1 || end[strspn(end, " ")] ||
            !(m->q >= 0 && m->q <= 1))
            return sl_error_set(err, SL_EINVAL,
                                "measure %s: approx_percentile(x, q) needs q "
                                "between 0 and 1",
                                name);
        *comma = 0;
    }
    m->arg = (int)a->nx;
    if (!(a->text[a->nx++] = strdup(arg)))
        return SL_ENOMEM;
    return 0;
}

static int agg_create(const struct sl_conf *c, void **st, struct sl_error *err)
{
    *st = NULL;
    struct agg *a = calloc(1, sizeof *a);
    if (!a)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_options_parse(agg_options, NULL, c, "aggregate", &a->o, err);
    if (rc) {
        free(a);
        return rc;
    }
    tb_init(&a->out);
    sl_buf_init(&a->key, 1u << 20);
    sl_buf_init(&a->json, 1u << 20);
    a->win = a->o.window * US_MS;
    a->slide = (a->o.slide ? a->o.slide : a->o.window) * US_MS;
    a->wm = a->o.watermark * US_MS;
    const struct sl_conf *ms = a->o.measures;
    if (a->win <= 0 || a->slide <= 0 || a->slide > a->win ||
        a->o.watermark < 0 || a->o.max_groups <= 0) {
        rc = sl_error_set(err, SL_EINVAL,
                          "window must be positive, slide between 0 and "
                          "the window, watermark not negative");
        goto fail;
    }
    if (a->win / a->slide > 1000) {
        rc = sl_error_set(err, SL_EINVAL,
                          "window/slide is over 1000 windows per row");
        goto fail;
    }
    if (ms->kind != SL_CONF_MAP || ms->n == 0) {
        rc = sl_error_set(err, SL_EINVAL,
                          "measures: expected a map name: \"count(*)\"");
        goto fail;
    }
    a->nm = ms->n;
    if (!(a->m = calloc(a->nm, sizeof *a->m)) ||
        !(a->text = calloc(a->nm + 1, sizeof *a->text))) {
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    struct sl_buf t;
    sl_buf_init(&t, 0);
    rc = sl_buf_appendf(&t, "CAST(%s AS timestamp)", a->o.time);
    if (!rc)
        rc = sl_buf_cstr(&t);
    a->text[a->nx++] = (char *)t.data;
    for (size_t i = 0; i < a->nm && !rc; i++) {
        const struct sl_conf *v = ms->items[i];
        if (v->kind != SL_CONF_SCALAR)
            rc = sl_error_set(err, SL_EINVAL, "measure %s: expected text",
                              ms->keys[i]);
        else
            rc = parse_measure(a, i, ms->keys[i], v->str, err);
    }
    if (rc)
        goto fail;
    if (!(a->tmp = calloc(a->nx, sizeof *a->tmp))) {
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    xset_init(&a->xs, a->nx, a->text);
    a->xs.detect = true;
    if ((rc = xset_syntax(&a->xs, err)))
        goto fail;
    *st = a;
    return 0;
fail:
    if (rc == SL_ENOMEM && err && !err->msg[0])
        sl_error_set(err, rc, "out of memory");
    agg_destroy(a);
    return rc;
}

static struct apart *part_of(struct agg *a, const char *id)
{
    for (size_t i = 0; i < a->n_parts; i++)
        if (strcmp(a->parts[i].id, id) == 0)
            return &a->parts[i];
    struct apart *v = realloc(a->parts, (a->n_parts + 1) * sizeof *v);
    if (!v)
        return NULL;
    a->parts = v;
    struct apart *p = &v[a->n_parts];
    memset(p, 0, sizeof *p);
    p->min_end = INT64_MAX;
    if (!(p->id = strdup(id)))
        return NULL;
    a->n_parts++;
    return p;
}

static int64_t floor_div(int64_t x, int64_t y)
{
    int64_t q = x / y;
    return (x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q;
}

static bool int_class(enum sl_type t)
{
    return t == SL_INT || t == SL_BIGINT || t == SL_DATE || t == SL_TIMESTAMP ||
           t == SL_BOOLEAN;
}

static int64_t col_i(const struct sl_col *c, size_t i)
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

static int acc_add(struct acc *x, const struct measure *m,
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
    int64_t iv = int_class(c->type) ? col_i(c, i) : 0;
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
        bool less;
        if (iss) {
            int cmp = x->has ? memcmp(sp, x->s, sn < x->sl ? sn : x->sl) : 0;
            if (!cmp && x->has)
                cmp = (sn > x->sl) - (sn < x->sl);
            less = cmp < 0;
            if (!x->has || (m->fn == M_MIN ? less : cmp > 0)) {
                char *s = malloc(sn ? sn : 1);
                if (!s)
                    return SL_ENOMEM;
                memcpy(s, sp, sn);
                free(x->s);
                x->s = s;
                x->sl = sn;
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
        if (!x->k && x->nsm < ACC_SMALL) {
            x->sm.d[x->nsm++] = fv;
            return 0;
        }
        if (!x->k) {
            if (!(x->k = calloc(1, sizeof *x->k)))
                return SL_ENOMEM;
            for (int k = 0; k < x->nsm; k++)
                if (kll_add(x->k, x->sm.d[k]))
                    return SL_ENOMEM;
            x->nsm = 0;
        }
        return kll_add(x->k, fv);
    case M_NDV: {
        uint64_t h;
        if (iss)
            h = sketch_hash(sp, sn);
        else if (isf)
            h = sketch_hash(&fv, sizeof fv);
        else
            h = sketch_hash(&iv, sizeof iv);
        if (!x->h) {
            for (int k = 0; k < x->nsm; k++)
                if (x->sm.h[k] == h)
                    return 0;
            if (x->nsm < ACC_SMALL) {
                x->sm.h[x->nsm++] = h;
                return 0;
            }
            if (!(x->h = calloc(1, sizeof *x->h)))
                return SL_ENOMEM;
            for (int k = 0; k < x->nsm; k++)
                if (hll_add(x->h, x->sm.h[k]))
                    return SL_ENOMEM;
            x->nsm = 0;
        }
        return hll_add(x->h, h);
    }
    default:
        break;
    }
    x->has = true;
    return 0;
}

/* Output type of measure m given its argument column type t. */
static enum sl_type out_type(const struct measure *m, enum sl_type t)
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
    memcpy(v, x->sm.d, (size_t)n * sizeof v[0]);
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

static int emit_value(struct sl_col *c, const struct measure *m,
                      const struct acc *x)
{
    switch (m->fn) {
    case M_COUNT_STAR:
    case M_COUNT:
        return sl_col_append_i64(c, x->cnt);
    case M_NDV:
        return sl_col_append_i64(c, x->h ? (int64_t)hll_count(x->h)
                                         : (int64_t)x->nsm);
    case M_AVG:
        if (!x->cnt)
            return sl_col_append_null(c);
        return sl_col_append_f64(c, (x->is_f ? x->f : (double)x->i) /
                                        (double)x->cnt);
    case M_PCT:
        if (x->k && x->k->n)
            return sl_col_append_f64(c, kll_quantile(x->k, m->q));
        if (!x->nsm)
            return sl_col_append_null(c);
        return sl_col_append_f64(c, small_quantile(x, m->q));
    default:
        break;
    }
    if (!x->has)
        return sl_col_append_null(c);
    switch (c->type) {
    case SL_DOUBLE:
        return sl_col_append_f64(c, x->is_f ? x->f : (double)x->i);
    case SL_STRING:
        return sl_col_append_bytes(c, x->s ? x->s : "", x->sl);
    case SL_DATE:
        return sl_col_append_i32(c, (int32_t)(x->is_f ? x->f : x->i));
    default:
        return sl_col_append_i64(c, x->is_f ? (int64_t)x->f : x->i);
    }
}

static int cmp_group(const void *pa, const void *pb)
{
    const struct group *a = *(struct group *const *)pa,
                       *b = *(struct group *const *)pb;
    if (a->ws != b->ws)
        return a->ws < b->ws ? -1 : 1;
    int c = memcmp(a->key, b->key, a->klen < b->klen ? a->klen : b->klen);
    if (c)
        return c;
    return (a->klen > b->klen) - (a->klen < b->klen);
}

/* Last part of a dotted path (the output column name). */
static void last_part(const char *path, char *name, size_t cap)
{
    name[0] = 0;
    for (const char *p = path; *p;)
        p += sl_expr_path_part(p, name, cap);
}

/* Group values are kept as a binary key: per group column a tag byte and
 * the value (int64 for int/bigint/date/timestamp, double, bool, or a
 * u32 length and bytes for strings and anything else rendered as JSON).
 * Equal values give equal bytes whatever the column's width, so a group
 * survives a detected int widening to bigint. */
enum { K_NULL, K_INT, K_DBL, K_STR, K_BOOL, K_JSON };

static int key_add(struct sl_buf *k, const struct sl_col *c, size_t i)
{
    uint8_t tag = K_NULL;
    if (!c || !sl_col_is_valid(c, i) || c->type == SL_NULLTYPE)
        return sl_buf_putc(k, (char)tag);
    int rc;
    switch (c->type) {
    case SL_BOOLEAN:
    case SL_INT:
    case SL_BIGINT:
    case SL_DATE:
    case SL_TIMESTAMP: {
        int64_t v = col_i(c, i);
        tag = c->type == SL_BOOLEAN ? K_BOOL : K_INT;
        if ((rc = sl_buf_putc(k, (char)tag)))
            return rc;
        return sl_buf_append(k, &v, 8);
    }
    case SL_FLOAT:
    case SL_DOUBLE: {
        double v = c->type == SL_FLOAT ? SL_COL_VALUES(c, float)[i]
                                       : SL_COL_VALUES(c, double)[i];
        if ((rc = sl_buf_putc(k, K_DBL)))
            return rc;
        return sl_buf_append(k, &v, 8);
    }
    case SL_STRING:
    case SL_BINARY: {
        uint32_t n = (uint32_t)(c->off[i + 1] - c->off[i]);
        if ((rc = sl_buf_putc(k, K_STR)) || (rc = sl_buf_append(k, &n, 4)))
            return rc;
        return sl_buf_append(k, c->data + c->off[i], n);
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

/* Append the value at *p (advanced) to c, converting to c's type. */
static int key_emit(struct sl_col *c, const uint8_t **p)
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
        n = (uint32_t)snprintf(buf, sizeof buf, "%lld", (long long)iv);
        if (tag == K_BOOL)
            n = (uint32_t)snprintf(buf, sizeof buf, iv ? "true" : "false");
        s = (const uint8_t *)buf;
        break;
    case K_DBL:
        memcpy(&dv, *p, 8);
        *p += 8;
        iv = (int64_t)dv;
        n = (uint32_t)snprintf(buf, sizeof buf, "%.17g", dv);
        s = (const uint8_t *)buf;
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

/* Build the output batch from emitted groups (n may be 0: the columns
 * still describe the output schema). */
static int build_output(struct agg *a, struct group **gs, size_t n,
                        const struct sl_col *const *gcols, struct sl_error *err)
{
    (void)err;
    size_t ng = a->o.group_by.n;
    int rc = 0;
    tb_reset(&a->out);
    struct sl_field ts = {.type = SL_TIMESTAMP, .nullable = false};
    if (!tb_add_new(&a->out, &ts, "window_start") ||
        !tb_add_new(&a->out, &ts, "window_end"))
        return SL_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = sl_col_append_i64(&a->out.b.root.child[0], gs[i]->ws);
        if (!rc)
            rc = sl_col_append_i64(&a->out.b.root.child[1], gs[i]->ws + a->win);
    }
    for (size_t k = 0; k < ng && !rc; k++) {
        char name[256];
        last_part(a->o.group_by.v[k], name, sizeof name);
        struct sl_field f = {.type = SL_STRING, .nullable = true};
        if (gcols[k] && !sl_type_is_nested(gcols[k]->type) &&
            gcols[k]->type != SL_NULLTYPE && gcols[k]->type != SL_DECIMAL)
            f.type = gcols[k]->type;
        if (!tb_add_new(&a->out, &f, name))
            return SL_ENOMEM;
    }
    /* group values: walk each key once, column by column */
    for (size_t i = 0; i < n && !rc; i++) {
        const uint8_t *p = gs[i]->key;
        for (size_t k = 0; k < ng && !rc; k++)
            rc = key_emit(&a->out.b.root.child[2 + k], &p);
    }
    for (size_t j = 0; j < a->nm && !rc; j++) {
        const struct measure *m = &a->m[j];
        enum sl_type at = m->arg >= 0 ? a->tmp[m->arg].type : SL_BIGINT;
        if (m->fn == M_SUM || m->fn == M_MIN || m->fn == M_MAX)
            for (size_t i = 0; i < n; i++)
                if (gs[i]->a[j].is_f)
                    at = SL_DOUBLE;
        struct sl_field f = {.type = out_type(m, at), .nullable = true};
        struct sl_col *c = tb_add_new(&a->out, &f, m->name);
        if (!c)
            return SL_ENOMEM;
        for (size_t i = 0; i < n && !rc; i++)
            rc = emit_value(c, m, &gs[i]->a[j]);
    }
    if (!rc)
        rc = tb_finish(&a->out, n);
    return rc;
}

static int agg_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                     struct sl_error *err)
{
    struct agg *a = st;
    struct sl_expr **e;
    int rc = xset_get(&a->xs, in, &e, err);
    if (rc)
        return rc;
    size_t rows = sl_batch_rows(in), ng = a->o.group_by.n;
    const char *pid = a->env && a->env->partition ? a->env->partition : "";
    struct apart *p = part_of(a, pid);
    if (!p)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    for (size_t k = 0; k < a->nx; k++) {
        sl_col_free(&a->tmp[k]);
        struct sl_field f = {.type = sl_expr_type(e[k]), .nullable = true};
        if ((rc = sl_col_init(&a->tmp[k], &f)) ||
            (rc = sl_expr_eval(e[k], in, &a->tmp[k], NULL, err)))
            return rc == SL_ENOMEM ? sl_error_set(err, rc, "out of memory")
                                   : rc;
    }
    const struct sl_col *gcols[64];
    if (ng > 64)
        return sl_error_set(err, SL_ELIMIT, "more than 64 group_by columns");
    for (size_t k = 0; k < ng; k++)
        gcols[k] = sl_expr_path_col(in, a->o.group_by.v[k]);
    const struct sl_col *tc = &a->tmp[0];
    for (size_t i = 0; i < rows; i++) {
        if (!sl_col_is_valid(tc, i)) {
            if (a->env && a->env->dead_letter &&
                (rc = a->env->dead_letter(a->env->ctx, in, i,
                                          "aggregate: no event time (the "
                                          "time column is null or not a "
                                          "timestamp)",
                                          err)))
                return rc;
            continue;
        }
        int64_t t = SL_COL_VALUES(tc, int64_t)[i];
        if (p->has_t && t < p->max_t - a->wm) {
            if (a->env && a->env->dead_letter &&
                (rc = a->env->dead_letter(a->env->ctx, in, i, "late", err)))
                return rc;
            continue;
        }
        if (!p->has_t || t > p->max_t)
            p->max_t = t;
        p->has_t = true;
        sl_buf_reset(&a->key);
        rc = sl_buf_append(&a->key, "\0\0\0\0\0\0\0\0", 8);
        for (size_t k = 0; k < ng && !rc; k++)
            rc = key_add(&a->key, gcols[k], i);
        if (rc)
            return sl_error_set(err, rc, "aggregate: group key too long");
        int64_t last = floor_div(t, a->slide) * a->slide;
        for (int64_t ws = last; ws > t - a->win; ws -= a->slide) {
            memcpy(a->key.data, &ws, 8);
            uint64_t h = hm_hash(a->key.data, a->key.len);
            bool fresh;
            struct hent *he =
                hm_put(&p->map, a->key.data, a->key.len, h, &fresh);
            if (!he)
                return sl_error_set(err, SL_ENOMEM, "out of memory");
            if (fresh) {
                if ((int64_t)p->map.n > a->o.max_groups) {
                    hm_del(&p->map, he);
                    return sl_error_set(
                        err, SL_ELIMIT,
                        "aggregate: partition %s has more than %" PRId64
                        " open (window, group) pairs; raise max_groups, "
                        "or shorten the watermark or the window",
                        pid, a->o.max_groups);
                }
                size_t kl = a->key.len - 8;
                struct group *g = group_new(a->nm, kl);
                if (!g) {
                    hm_del(&p->map, he);
                    return sl_error_set(err, SL_ENOMEM, "out of memory");
                }
                g->ws = ws;
                g->klen = (uint32_t)kl;
                memcpy(g->key, a->key.data + 8, kl);
                he->val = g;
                if (ws + a->win < p->min_end)
                    p->min_end = ws + a->win;
            }
            struct group *g = he->val;
            for (size_t j = 0; j < a->nm; j++) {
                const struct measure *m = &a->m[j];
                const struct sl_col *c = m->arg >= 0 ? &a->tmp[m->arg] : NULL;
                if ((rc = acc_add(&g->a[j], m, c, i)))
                    return sl_error_set(err, rc, "out of memory");
            }
        }
    }
    /* emit the windows the watermark has passed */
    size_t n = 0, cap = 0;
    struct group **gs = NULL;
    int64_t wm = p->max_t - a->wm;
    bool scan = p->has_t && p->min_end <= wm;
    if (scan)
        p->min_end = INT64_MAX;
    for (size_t k = 0; scan && k < p->map.cap; k++) {
        struct hent *he = &p->map.v[k];
        if (!he->key || he->dead)
            continue;
        struct group *g = he->val;
        if (g->ws + a->win > wm) {
            if (g->ws + a->win < p->min_end)
                p->min_end = g->ws + a->win;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct group **v = realloc(gs, cap * sizeof *v);
            if (!v) {
                free(gs);
                return sl_error_set(err, SL_ENOMEM, "out of memory");
            }
            gs = v;
        }
        gs[n++] = g;
        hm_del(&p->map, he);
    }
    if (n)
        qsort(gs, n, sizeof *gs, cmp_group);
    rc = build_output(a, gs, n, gcols, err);
    for (size_t i = 0; i < n; i++)
        group_free_n(gs[i], a->nm);
    free(gs);
    if (rc)
        return err && err->msg[0] ? rc : sl_error_set(err, rc, "out of memory");
    *out = &a->out.b;
    return 0;
}

static int agg_prepare(void *st, struct sl_transform_env *env,
                       struct sl_field *out, struct sl_error *err)
{
    struct agg *a = st;
    a->env = env;
    if (!env->schema)
        return 0;
    a->xs.detect = false;
    int rc = xset_prepare(&a->xs, env->schema, err);
    if (rc) {
        /* say which setting: the time text is wrapped in a CAST, so its
         * column numbers are not the user's */
        struct sl_expr *x;
        struct sl_error e2;
        sl_error_clear(&e2);
        if (sl_expr_compile(a->o.time, env->schema, &x, &e2)) {
            const char *msg = sl_expr_err_text(e2.msg);
            return sl_error_set(err, rc, "time: %s", msg);
        }
        sl_expr_destroy(x);
        for (size_t j = 0; j < a->nm; j++) {
            if (a->m[j].arg < 0 ||
                !sl_expr_compile(a->text[a->m[j].arg], env->schema, &x, &e2)) {
                if (a->m[j].arg >= 0)
                    sl_expr_destroy(x);
                continue;
            }
            return sl_error_set(err, rc, "measure %s: %s", a->m[j].name,
                                e2.msg);
        }
        return rc;
    }
    struct sl_batch *b;
    if ((rc = sl_batch_create(env->schema, &b, err)))
        return rc;
    for (size_t k = 0; k < a->o.group_by.n && !rc; k++)
        if (!sl_expr_path_col(b, a->o.group_by.v[k]))
            rc = sl_error_set(err, SL_EINVAL, "group_by: no column '%s'",
                              a->o.group_by.v[k]);
    struct sl_transform_env tmp = {.partition = "\x01prepare"};
    a->env = &tmp;
    struct sl_batch *o;
    if (!rc)
        rc = agg_apply(a, b, &o, err);
    if (!rc)
        rc = sl_batch_schema(o, out);
    a->env = env;
    parts_clear(a); /* forget the probe partition */
    tb_reset(&a->out);
    sl_batch_destroy(b);
    return rc;
}

/* ---- state ---- */

static int save_acc(struct sl_buf *b, const struct acc *x)
{
    int rc = st_put_u64(b, (uint64_t)x->cnt);
    if (!rc)
        rc = st_put_u64(b, (uint64_t)x->i);
    if (!rc)
        rc = st_put_f64(b, x->f);
    if (!rc)
        rc = st_put_u64(b, (uint64_t)x->is_f | (uint64_t)x->has << 1 |
                               (uint64_t)(x->k != NULL) << 2 |
                               (uint64_t)(x->h != NULL) << 3 |
                               (uint64_t)(x->s != NULL) << 4 |
                               (uint64_t)(x->nsm != 0) << 5);
    if (!rc && x->nsm) {
        rc = st_put_u64(b, x->nsm);
        for (int k = 0; k < x->nsm && !rc; k++)
            rc = st_put_u64(b, x->sm.h[k]);
    }
    if (!rc && x->s)
        rc = st_put_bytes(b, x->s, x->sl);
    if (!rc && x->k)
        rc = kll_save(x->k, b);
    if (!rc && x->h)
        rc = hll_save(x->h, b);
    return rc;
}

static int load_acc(struct st_reader *r, struct acc *x)
{
    x->cnt = (int64_t)st_get_u64(r);
    x->i = (int64_t)st_get_u64(r);
    x->f = st_get_f64(r);
    uint64_t fl = st_get_u64(r);
    if (r->bad)
        return SL_ECORRUPT;
    x->is_f = fl & 1;
    x->has = (fl >> 1) & 1;
    if ((fl >> 5) & 1) {
        uint64_t n = st_get_u64(r);
        if (r->bad || n == 0 || n > ACC_SMALL)
            return SL_ECORRUPT;
        x->nsm = (uint8_t)n;
        for (uint64_t k = 0; k < n; k++)
            x->sm.h[k] = st_get_u64(r);
    }
    if ((fl >> 4) & 1) {
        size_t n;
        const uint8_t *p = st_get_bytes(r, &n);
        if (!p || !(x->s = malloc(n ? n : 1)))
            return p ? SL_ENOMEM : SL_ECORRUPT;
        memcpy(x->s, p, n);
        x->sl = n;
    }
    int rc;
    if ((fl >> 2) & 1) {
        if (!(x->k = calloc(1, sizeof *x->k)))
            return SL_ENOMEM;
        if ((rc = kll_load(x->k, r)))
            return rc;
    }
    if ((fl >> 3) & 1) {
        if (!(x->h = calloc(1, sizeof *x->h)))
            return SL_ENOMEM;
        if ((rc = hll_load(x->h, r)))
            return rc;
    }
    return 0;
}

static int agg_snapshot(void *st, struct sl_buf *out, struct sl_error *err)
{
    struct agg *a = st;
    int rc = sl_buf_puts(out, MAGIC);
    if (!rc)
        rc = st_put_u64(out, a->nm);
    if (!rc)
        rc = st_put_u64(out, a->n_parts);
    for (size_t i = 0; i < a->n_parts && !rc; i++) {
        struct apart *p = &a->parts[i];
        rc = st_put_bytes(out, p->id, strlen(p->id));
        if (!rc)
            rc = st_put_u64(out, p->has_t);
        if (!rc)
            rc = st_put_u64(out, (uint64_t)p->max_t);
        if (!rc)
            rc = st_put_u64(out, p->map.n);
        for (size_t k = 0; k < p->map.cap && !rc; k++) {
            struct hent *he = &p->map.v[k];
            if (!he->key || he->dead)
                continue;
            struct group *g = he->val;
            rc = st_put_u64(out, (uint64_t)g->ws);
            if (!rc)
                rc = st_put_bytes(out, g->key, g->klen);
            for (size_t j = 0; j < a->nm && !rc; j++)
                rc = save_acc(out, &g->a[j]);
        }
    }
    return rc ? sl_error_set(err, rc, "aggregate: state too large") : 0;
}

static int agg_restore(void *st, const uint8_t *data, size_t n,
                       struct sl_error *err)
{
    struct agg *a = st;
    size_t ml = strlen(MAGIC);
    if (n < ml || memcmp(data, MAGIC, ml) != 0)
        return sl_error_set(err, SL_ECORRUPT,
                            "not an aggregate state (expected %s)", MAGIC);
    struct st_reader r = {.p = data, .n = n, .at = ml};
    if (st_get_u64(&r) != a->nm)
        return sl_error_set(err, SL_ECONFLICT,
                            "the state has another number of measures: was "
                            "the job's aggregate changed? reset the "
                            "checkpoint to start over");
    uint64_t np = st_get_u64(&r);
    int rc = 0;
    for (uint64_t i = 0; i < np && !r.bad && !rc; i++) {
        size_t il;
        const uint8_t *id = st_get_bytes(&r, &il);
        if (!id || il > 4096) {
            r.bad = true;
            break;
        }
        char idz[4097];
        memcpy(idz, id, il);
        idz[il] = 0;
        struct apart *p = part_of(a, idz);
        if (!p)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        p->has_t = st_get_u64(&r) != 0;
        p->max_t = (int64_t)st_get_u64(&r);
        uint64_t cnt = st_get_u64(&r);
        for (uint64_t k = 0; k < cnt && !r.bad && !rc; k++) {
            int64_t ws = (int64_t)st_get_u64(&r);
            size_t kl;
            const uint8_t *key = st_get_bytes(&r, &kl);
            if (!key)
                break;
            struct group *g = group_new(a->nm, kl);
            if (!g)
                return sl_error_set(err, SL_ENOMEM, "out of memory");
            g->ws = ws;
            g->klen = (uint32_t)kl;
            memcpy(g->key, key, kl);
            for (size_t j = 0; j < a->nm && !rc; j++)
                rc = load_acc(&r, &g->a[j]);
            sl_buf_reset(&a->key);
            if (!rc)
                rc = sl_buf_append(&a->key, &ws, 8);
            if (!rc)
                rc = sl_buf_append(&a->key, key, kl);
            bool fresh;
            struct hent *he =
                rc ? NULL
                   : hm_put(&p->map, a->key.data, a->key.len,
                            hm_hash(a->key.data, a->key.len), &fresh);
            if (!he) {
                group_free_n(g, a->nm);
                if (!rc)
                    rc = SL_ENOMEM;
                break;
            }
            he->val = g;
            if (ws + a->win < p->min_end)
                p->min_end = ws + a->win;
        }
    }
    if (rc == SL_ENOMEM)
        return sl_error_set(err, rc, "out of memory");
    if (rc || r.bad || r.at != n)
        return sl_error_set(err, SL_ECORRUPT,
                            "aggregate state is damaged at byte %zu", r.at);
    return 0;
}

const struct sl_transform_ops sl_transform_aggregate = {
    .name = "aggregate",
    .summary = "event-time windows with a watermark; late rows to the "
               "dead-letter output",
    .options = agg_options,
    .create = agg_create,
    .apply = agg_apply,
    .prepare = agg_prepare,
    .snapshot = agg_snapshot,
    .restore = agg_restore,
    .destroy = agg_destroy,
};
