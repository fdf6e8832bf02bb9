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
 *
 * A chunk is worked in two passes: each row's key is encoded and hashed
 * once and its (row, group) pairs found in the open windows (agg_groups.c;
 * BLOCK_ROWS rows at a time, their table slots and groups prefetched),
 * then each measure adds its column's values over up to PAIRS_MAX pairs
 * in one loop (agg_measures.c). Emitted windows leave whole: their groups
 * are sorted by key and written group by group.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_groups.h"
#include "expr.h"
#include "tbatch.h"
#include "tstate.h"

#define MAGIC "sluice-aggregate-3"
#define US_MS 1000LL
/* (row, group) pairs gathered before the measures run over them */
#define PAIRS_MAX 512
/* rows whose table slots and groups are fetched ahead together */
#define BLOCK_ROWS 32

struct apart {
    char *id;
    struct gwin *w; /* open windows, by window start */
    size_t nw, wcap;
    size_t ngroups; /* in all open windows */
    bool has_t;
    int64_t max_t;
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
    struct sl_col *tmp;        /* evaluated expressions, per chunk */
    const struct sl_col **arg; /* tmp[k] or the input column it names */
    struct tb out;
    struct sl_buf key;
    struct glayout lay;
    struct gpool pool;
    struct gpair *pr; /* a chunk's (row, group) pairs, PAIRS_MAX */
};

/* Free the heap parts of the groups of w, then the window's memory. */
static void win_free(struct agg *a, struct gwin *w)
{
    for (size_t k = 0; k < w->n; k++) {
        struct group *g = w->ref[k].g;
        if (!g->ext)
            continue;
        for (size_t j = 0; j < a->nm; j++)
            am_free(gl_acc(&a->lay, g, j), &a->m[j]);
    }
    gw_release(w, &a->pool);
}

static void parts_clear(struct agg *a)
{
    for (size_t i = 0; i < a->n_parts; i++) {
        struct apart *p = &a->parts[i];
        for (size_t k = 0; k < p->nw; k++)
            win_free(a, &p->w[k]);
        free(p->w);
        free(p->id);
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
    free(a->arg);
    xset_free(&a->xs);
    tb_free(&a->out);
    sl_buf_free(&a->key);
    gpool_free(&a->pool);
    free(a->pr);
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
    size_t asz[GL_MAX];
    for (size_t j = 0; j < a->nm && j < GL_MAX; j++)
        asz[j] = am_acc_size(&a->m[j]);
    if (gl_init(&a->lay, a->nm, asz)) {
        rc = sl_error_set(err, SL_ELIMIT, "more than %d measures", GL_MAX);
        goto fail;
    }
    if (!(a->tmp = calloc(a->nx, sizeof *a->tmp)) ||
        !(a->arg = calloc(a->nx, sizeof *a->arg)) ||
        !(a->pr = malloc(PAIRS_MAX * sizeof *a->pr))) {
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

/* Last part of a dotted path (the output column name). */
static void last_part(const char *path, char *name, size_t cap)
{
    name[0] = 0;
    for (const char *p = path; *p;)
        p += sl_expr_path_part(p, name, cap);
}

/* Build the output batch from emitted groups (n may be 0: the columns
 * still describe the output schema). */
static int build_output(struct agg *a, struct group **gs, size_t n,
                        const struct sl_col *const *gcols)
{
    size_t ng = a->o.group_by.n;
    int rc = 0;
    tb_reset(&a->out);
    struct sl_field ts = {.type = SL_TIMESTAMP, .nullable = false};
    if (!tb_add_new(&a->out, &ts, "window_start") ||
        !tb_add_new(&a->out, &ts, "window_end"))
        return SL_ENOMEM;
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
    for (size_t j = 0; j < a->nm && !rc; j++) {
        const struct measure *m = &a->m[j];
        enum sl_type at = m->arg >= 0 ? a->tmp[m->arg].type : SL_BIGINT;
        if ((m->fn == M_SUM || m->fn == M_MIN || m->fn == M_MAX) &&
            at != SL_DOUBLE)
            for (size_t i = 0; i < n; i++)
                if (gl_acc(&a->lay, gs[i], j)->is_f)
                    at = SL_DOUBLE;
        struct sl_field f = {.type = am_out_type(m, at), .nullable = true};
        if (!tb_add_new(&a->out, &f, m->name))
            return SL_ENOMEM;
    }
    /* then group by group (each group's memory is touched once) */
    struct sl_col *cols = a->out.b.root.child;
    for (size_t k = 0; k < 2 + ng + a->nm && !rc && n; k++)
        rc = sl_col_reserve(&cols[k], n, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        if (i + 4 < n) {
            __builtin_prefetch(gs[i + 4]);
            __builtin_prefetch((const uint8_t *)gs[i + 4] + 64);
            __builtin_prefetch((const uint8_t *)gs[i + 4] + 128);
            __builtin_prefetch((const uint8_t *)gs[i + 4] + 192);
        }
        struct group *g = gs[i];
        SL_COL_VALUES(&cols[0], int64_t)[i] = g->ws;
        SL_COL_VALUES(&cols[1], int64_t)[i] = g->ws + a->win;
        const uint8_t *p = g->key;
        for (size_t k = 0; k < ng && !rc; k++)
            rc = gk_emit(&cols[2 + k], &p);
        for (size_t j = 0; j < a->nm && !rc; j++)
            rc = am_emit(&cols[2 + ng + j], &a->m[j], gl_acc(&a->lay, g, j));
    }
    for (size_t k = 0; k < 2 && !rc && n; k++) {
        memset(cols[k].valid, 0xff, n / 8);
        for (size_t i = n / 8 * 8; i < n; i++)
            cols[k].valid[i >> 3] |= (uint8_t)(1u << (i & 7));
        cols[k].len = n;
    }
    if (!rc)
        rc = tb_finish(&a->out, n);
    return rc;
}

/* The open window of p starting at ws, or NULL. */
static const struct gwin *win_get(const struct apart *p, int64_t ws)
{
    for (size_t i = p->nw; i > 0; i--)
        if (p->w[i - 1].ws == ws)
            return &p->w[i - 1];
    return NULL;
}

/* The open window of p starting at ws, made when new; NULL when out of
 * memory. Windows are kept by start; a new one is nearly always last. */
static struct gwin *win_of(struct apart *p, int64_t ws)
{
    size_t i = p->nw;
    while (i > 0 && p->w[i - 1].ws > ws)
        i--;
    if (i > 0 && p->w[i - 1].ws == ws)
        return &p->w[i - 1];
    if (p->nw == p->wcap) {
        size_t cap = p->wcap ? p->wcap * 2 : 8;
        struct gwin *v = realloc(p->w, cap * sizeof *v);
        if (!v)
            return NULL;
        p->w = v;
        p->wcap = cap;
    }
    memmove(&p->w[i + 1], &p->w[i], (p->nw - i) * sizeof *p->w);
    memset(&p->w[i], 0, sizeof *p->w);
    p->w[i].ws = ws;
    p->nw++;
    return &p->w[i];
}

/* Add the gathered pairs to every measure. */
static int flush_pairs(struct agg *a, size_t np, struct sl_error *err)
{
    for (size_t j = 0; j < a->nm; j++) {
        const struct measure *m = &a->m[j];
        const struct sl_col *c = m->arg >= 0 ? a->arg[m->arg] : NULL;
        if (am_update(m, &a->lay, j, c, a->pr, np))
            return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    return 0;
}

/* Emit the windows of p the watermark has passed, in order of window
 * start, each window's groups by key. */
static int emit_closed(struct agg *a, struct apart *p,
                       const struct sl_col *const *gcols)
{
    int64_t wm = p->max_t - a->wm;
    size_t ne = 0, n = 0;
    while (p->has_t && ne < p->nw && p->w[ne].ws + a->win <= wm)
        n += p->w[ne++].n;
    struct group **gs = NULL;
    if (n && !(gs = malloc(n * sizeof *gs)))
        return SL_ENOMEM;
    int rc = 0;
    for (size_t k = 0, at = 0; k < ne && !rc; k++) {
        if ((rc = gw_sort(&p->w[k])))
            break;
        for (size_t i = 0; i < p->w[k].n; i++)
            gs[at++] = p->w[k].ref[i].g;
    }
    if (!rc)
        rc = build_output(a, gs, n, gcols);
    free(gs);
    if (rc)
        return rc;
    for (size_t k = 0; k < ne; k++) {
        p->ngroups -= p->w[k].n;
        win_free(a, &p->w[k]);
    }
    if (ne && p->nw > ne)
        memmove(&p->w[0], &p->w[ne], (p->nw - ne) * sizeof *p->w);
    p->nw -= ne;
    return 0;
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
        if ((rc = sl_col_init(&a->tmp[k], &f)))
            return sl_error_set(err, rc, "out of memory");
        /* a bare column is read in place (tmp[k] keeps its type) */
        if ((a->arg[k] = sl_expr_as_col(e[k], in)))
            continue;
        a->arg[k] = &a->tmp[k];
        if ((rc = sl_expr_eval(e[k], in, &a->tmp[k], NULL, err)))
            return rc == SL_ENOMEM ? sl_error_set(err, rc, "out of memory")
                                   : rc;
    }
    const struct sl_col *gcols[64];
    if (ng > 64)
        return sl_error_set(err, SL_ELIMIT, "more than 64 group_by columns");
    for (size_t k = 0; k < ng; k++)
        gcols[k] = sl_expr_path_col(in, a->o.group_by.v[k]);
    const struct sl_col *tc = a->arg[0];
    size_t np = 0;
    for (size_t i = 0; i < rows;) {
        /* a block of rows: (1) time, lateness and keys in row order, (2)
         * hashes, with the table slots and then the groups they will
         * look at fetched ahead, (3) the groups */
        struct brow {
            size_t row;
            int64_t t;
            size_t koff;
            struct gkey gk;
        } br[BLOCK_ROWS];
        size_t nb = 0;
        sl_buf_reset(&a->key);
        for (; i < rows && nb < BLOCK_ROWS; i++) {
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
            br[nb].row = i;
            br[nb].t = t;
            br[nb].koff = a->key.len;
            for (size_t k = 0; k < ng && !rc; k++)
                rc = gk_add(&a->key, gcols[k], i);
            if (rc)
                return sl_error_set(err, rc, "aggregate: group key too long");
            br[nb].gk.n = (uint32_t)(a->key.len - br[nb].koff);
            nb++;
        }
        const struct gwin *lw = NULL;
        int64_t lws = 0;
        for (size_t b = 0; b < nb; b++) {
            struct gkey *gk = &br[b].gk;
            gk_make(gk, gk->n ? a->key.data + br[b].koff : NULL, gk->n);
            int64_t last = floor_div(br[b].t, a->slide) * a->slide;
            if (!lw || last != lws) {
                lw = win_get(p, last);
                lws = last;
            }
            if (lw && lw->cap)
                __builtin_prefetch(&lw->t[gk->h & (lw->cap - 1)]);
        }
        lw = NULL;
        for (size_t b = 0; b < nb; b++) {
            int64_t last = floor_div(br[b].t, a->slide) * a->slide;
            if (!lw || last != lws) {
                lw = win_get(p, last);
                lws = last;
            }
            if (lw && lw->cap) {
                const struct gslot *sl = &lw->t[br[b].gk.h & (lw->cap - 1)];
                if (sl->g)
                    __builtin_prefetch(sl->g);
            }
        }
        for (size_t b = 0; b < nb; b++) {
            int64_t t = br[b].t;
            int64_t last = floor_div(t, a->slide) * a->slide;
            for (int64_t ws = last; ws > t - a->win; ws -= a->slide) {
                struct gwin *w = win_of(p, ws);
                if (!w)
                    return sl_error_set(err, SL_ENOMEM, "out of memory");
                struct group *g = gw_find(w, &br[b].gk);
                if (!g) {
                    if ((int64_t)p->ngroups >= a->o.max_groups) {
                        if ((rc = flush_pairs(a, np, err)))
                            return rc;
                        return sl_error_set(
                            err, SL_ELIMIT,
                            "aggregate: partition %s has more than %" PRId64
                            " open (window, group) pairs; raise max_groups, "
                            "or shorten the watermark or the window",
                            pid, a->o.max_groups);
                    }
                    if (!(g = gw_add(w, &a->pool, &a->lay, &br[b].gk)))
                        return sl_error_set(err, SL_ENOMEM, "out of memory");
                    p->ngroups++;
                }
                a->pr[np].g = g;
                a->pr[np++].row = br[b].row;
                if (np == PAIRS_MAX) {
                    if ((rc = flush_pairs(a, np, err)))
                        return rc;
                    np = 0;
                }
            }
        }
    }
    if ((rc = flush_pairs(a, np, err)))
        return rc;
    if ((rc = emit_closed(a, p, gcols)))
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
            rc = st_put_u64(out, p->ngroups);
        for (size_t w = 0; w < p->nw && !rc; w++) {
            for (size_t k = 0; k < p->w[w].n && !rc; k++) {
                struct group *g = p->w[w].ref[k].g;
                rc = st_put_u64(out, (uint64_t)g->ws);
                if (!rc)
                    rc = st_put_bytes(out, g->key, g->klen);
                for (size_t j = 0; j < a->nm && !rc; j++)
                    rc = am_save(out, gl_acc(&a->lay, g, j), &a->m[j]);
            }
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
            if (!key || kl > UINT32_MAX)
                break;
            struct gkey gk;
            gk_make(&gk, key, (uint32_t)kl);
            struct gwin *w = win_of(p, ws);
            if (!w) {
                rc = SL_ENOMEM;
                break;
            }
            if (gw_find(w, &gk)) {
                r.bad = true; /* the same group twice */
                break;
            }
            struct group *g = gw_add(w, &a->pool, &a->lay, &gk);
            if (!g) {
                rc = SL_ENOMEM;
                break;
            }
            p->ngroups++;
            g->ext = true; /* am_free looks at each acc */
            for (size_t j = 0; j < a->nm && !rc; j++)
                rc = am_load(&r, gl_acc(&a->lay, g, j), &a->m[j]);
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
