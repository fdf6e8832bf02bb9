/*
 * dedupe.c - `dedupe: {keys: [id], within: 10m, time: event_time}`: drop
 * a row when a row with the same key values was seen in the same source
 * partition less than `within` earlier. Keys are column paths; null is a
 * value like any other.
 *
 * Time is event time from the `time` column (a timestamp) when given,
 * otherwise the window start of the batch (recorded in offsets/N, so a
 * replay sees the same time). Never the wall clock: a replayed batch
 * drops exactly the rows it dropped the first time.
 *
 * State (in state/N after every batch) is kept per source partition, so a
 * partition's output depends only on its own records (a key repeated in
 * two partitions is kept in both: docs/architecture.md says why). A key's
 * entry keeps the time it was first seen; entries older than the newest
 * time of the partition minus `within` are expired, oldest first, and
 * `max_keys` bounds the entries of one partition (past it the oldest go
 * early, and the log says so once).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "log.h"
#include "tbatch.h"
#include "tstate.h"

#define MAGIC "sluice-dedupe-1"

struct dpart {
    char *id;
    struct hmap map; /* key -> (int64 first-seen ms, stored in val) */
    /* FIFO of keys in insertion order, for expiry (own key copies: map
     * entries move when the map grows) */
    uint8_t **fq;
    uint32_t *fql;
    int64_t *fqt;
    size_t fq_head, fq_len, fq_cap;
    int64_t max_t;
};

struct dedupe {
    struct sl_strlist keys;
    char *time_col;
    int64_t within_ms, max_keys;
    struct dpart *parts;
    size_t n_parts;
    struct sl_transform_env *env;
    struct tb out;
    uint32_t *sel;
    size_t sel_cap;
    struct sl_buf key;
    bool warned;
};

static void dpart_free(struct dpart *p)
{
    hm_free(&p->map, NULL);
    for (size_t i = 0; i < p->fq_len; i++)
        free(p->fq[(p->fq_head + i) % p->fq_cap]);
    free(p->fq);
    free(p->fql);
    free(p->fqt);
    free(p->id);
}

static void dedupe_destroy(void *st)
{
    struct dedupe *d = st;
    if (!d)
        return;
    for (size_t i = 0; i < d->n_parts; i++)
        dpart_free(&d->parts[i]);
    free(d->parts);
    sl_strlist_free(&d->keys);
    free(d->time_col);
    tb_free(&d->out);
    free(d->sel);
    sl_buf_free(&d->key);
    free(d);
}

static struct dpart *part(struct dedupe *d, const char *id)
{
    for (size_t i = 0; i < d->n_parts; i++)
        if (strcmp(d->parts[i].id, id) == 0)
            return &d->parts[i];
    struct dpart *v = realloc(d->parts, (d->n_parts + 1) * sizeof *v);
    if (!v)
        return NULL;
    d->parts = v;
    struct dpart *p = &v[d->n_parts];
    memset(p, 0, sizeof *p);
    p->max_t = INT64_MIN;
    if (!(p->id = strdup(id)))
        return NULL;
    d->n_parts++;
    return p;
}

struct dedupe_opts {
    struct sl_strlist keys;
    int64_t within;
    char *time;
    int64_t max_keys;
};

#define DOPT(f) offsetof(struct dedupe_opts, f)
static const struct sl_option dedupe_options[] = {
    {"keys", SL_OPT_STRLIST, NULL, NULL, true, DOPT(keys),
     "column paths whose values make the key"},
    {"within", SL_OPT_DURATION, "10m", NULL, false, DOPT(within),
     "time horizon: a repeat later than this is kept"},
    {"time", SL_OPT_STRING, NULL, NULL, false, DOPT(time),
     "timestamp column for event time (default: the batch window start)"},
    {"max_keys", SL_OPT_INT, "10000000", NULL, false, DOPT(max_keys),
     "keys remembered per source partition (oldest go first past it)"},
    {0},
};

static int dedupe_create(const struct sl_conf *c, void **st,
                         struct sl_error *err)
{
    *st = NULL;
    struct dedupe_opts o;
    const struct sl_option *opts = dedupe_options;
    int rc = sl_options_parse(opts, NULL, c, "dedupe", &o, err);
    if (rc)
        return rc;
    if (o.within <= 0 || o.max_keys <= 0 || o.keys.n == 0) {
        sl_options_free(opts, &o);
        return sl_error_set(err, SL_EINVAL,
                            "keys must not be empty; within and max_keys "
                            "must be positive");
    }
    struct dedupe *d = calloc(1, sizeof *d);
    if (!d) {
        sl_options_free(opts, &o);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    d->keys = o.keys;
    d->time_col = o.time;
    d->within_ms = o.within;
    d->max_keys = o.max_keys;
    sl_buf_init(&d->key, 1u << 20);
    tb_init(&d->out);
    *st = d;
    return 0;
}

static int dedupe_prepare(void *st, struct sl_transform_env *env,
                          struct sl_field *out, struct sl_error *err)
{
    struct dedupe *d = st;
    d->env = env;
    if (!env->schema)
        return 0;
    struct sl_batch *b;
    int rc = sl_batch_create(env->schema, &b, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < d->keys.n && !rc; i++)
        if (!sl_expr_path_col(b, d->keys.v[i]))
            rc = sl_error_set(err, SL_EINVAL, "keys: no column '%s'",
                              d->keys.v[i]);
    if (!rc && d->time_col) {
        const struct sl_col *t = sl_expr_path_col(b, d->time_col);
        if (!t || t->type != SL_TIMESTAMP)
            rc = sl_error_set(err, SL_EINVAL,
                              "time: '%s' is not a timestamp column",
                              d->time_col);
    }
    sl_batch_destroy(b);
    if (!rc && sl_field_copy(out, env->schema))
        rc = SL_ENOMEM;
    return rc;
}

static int fifo_push(struct dpart *p, const uint8_t *k, size_t n, int64_t t)
{
    if (p->fq_len == p->fq_cap) {
        size_t cap = p->fq_cap ? p->fq_cap * 2 : 64;
        uint8_t **q = malloc(cap * sizeof *q);
        uint32_t *ql = malloc(cap * sizeof *ql);
        int64_t *qt = malloc(cap * sizeof *qt);
        if (!q || !ql || !qt) {
            free(q);
            free(ql);
            free(qt);
            return SL_ENOMEM;
        }
        for (size_t i = 0; i < p->fq_len; i++) {
            size_t j = (p->fq_head + i) % p->fq_cap;
            q[i] = p->fq[j];
            ql[i] = p->fql[j];
            qt[i] = p->fqt[j];
        }
        free(p->fq);
        free(p->fql);
        free(p->fqt);
        p->fq = q;
        p->fql = ql;
        p->fqt = qt;
        p->fq_head = 0;
        p->fq_cap = cap;
    }
    size_t j = (p->fq_head + p->fq_len) % p->fq_cap;
    if (!(p->fq[j] = malloc(n ? n : 1)))
        return SL_ENOMEM;
    memcpy(p->fq[j], k, n);
    p->fql[j] = (uint32_t)n;
    p->fqt[j] = t;
    p->fq_len++;
    return 0;
}

/* Drop the oldest FIFO entry; its map entry goes too when it still holds
 * that time (a key re-seen later has a newer entry in the FIFO). */
static void fifo_pop(struct dpart *p)
{
    size_t j = p->fq_head;
    uint64_t h = hm_hash(p->fq[j], p->fql[j]);
    struct hent *e = hm_get(&p->map, p->fq[j], p->fql[j], h);
    if (e && (int64_t)(intptr_t)e->val == p->fqt[j])
        hm_del(&p->map, e);
    free(p->fq[j]);
    p->fq_head = (p->fq_head + 1) % p->fq_cap;
    p->fq_len--;
}

static void expire(struct dedupe *d, struct dpart *p)
{
    while (p->fq_len && (p->fqt[p->fq_head] < p->max_t - d->within_ms ||
                         p->fq_len > (size_t)d->max_keys)) {
        if (p->fqt[p->fq_head] >= p->max_t - d->within_ms && !d->warned) {
            sl_warn("dedupe: partition %s holds more than %" PRId64
                    " keys; the oldest are forgotten early (raise "
                    "max_keys)",
                    p->id, d->max_keys);
            d->warned = true;
        }
        fifo_pop(p);
    }
}

static int dedupe_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                        struct sl_error *err)
{
    struct dedupe *d = st;
    size_t rows = sl_batch_rows(in), k = 0;
    const char *pid = d->env && d->env->partition ? d->env->partition : "";
    int64_t wt = d->env && d->env->bi ? d->env->bi->window_start_ms : 0;
    struct dpart *p = part(d, pid);
    if (!p)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    const struct sl_col *cols[64];
    size_t nk = d->keys.n < 64 ? d->keys.n : 64;
    for (size_t i = 0; i < nk; i++)
        cols[i] = sl_expr_path_col(in, d->keys.v[i]);
    const struct sl_col *tc =
        d->time_col ? sl_expr_path_col(in, d->time_col) : NULL;
    if (tc && tc->type != SL_TIMESTAMP)
        return sl_error_set(err, SL_EINVAL,
                            "dedupe: time column '%s' is %s, not a "
                            "timestamp (CAST it with derive first)",
                            d->time_col, sl_type_name(tc->type));
    if (rows > d->sel_cap) {
        uint32_t *s = realloc(d->sel, rows * sizeof *s);
        if (!s)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        d->sel = s;
        d->sel_cap = rows;
    }
    int rc = 0;
    for (size_t i = 0; i < rows; i++) {
        int64_t t = wt;
        if (d->time_col)
            t = tc && sl_col_is_valid(tc, i)
                    ? SL_COL_VALUES(tc, int64_t)[i] / 1000
                    : (p->max_t == INT64_MIN ? wt : p->max_t);
        if (t > p->max_t)
            p->max_t = t;
        sl_buf_reset(&d->key);
        if ((rc = st_key(&d->key, cols, nk, i)))
            return sl_error_set(err, rc, "dedupe: key too long");
        uint64_t h = hm_hash(d->key.data, d->key.len);
        bool fresh;
        struct hent *e = hm_put(&p->map, d->key.data, d->key.len, h, &fresh);
        if (!e)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        int64_t seen = (int64_t)(intptr_t)e->val;
        if (!fresh && (t > seen ? t - seen : seen - t) < d->within_ms)
            continue; /* a repeat: dropped */
        e->val = (void *)(intptr_t)t;
        if ((rc = fifo_push(p, d->key.data, d->key.len, t)))
            return sl_error_set(err, rc, "out of memory");
        d->sel[k++] = (uint32_t)i;
    }
    expire(d, p);
    if (k == rows) {
        *out = in;
        return 0;
    }
    tb_reset(&d->out);
    if ((rc = tb_gather(&d->out, in, d->sel, k)))
        return sl_error_set(err, rc, "dedupe: out of memory");
    *out = &d->out.b;
    return 0;
}

static int dedupe_snapshot(void *st, struct sl_buf *out, struct sl_error *err)
{
    struct dedupe *d = st;
    int rc = sl_buf_puts(out, MAGIC);
    if (!rc)
        rc = st_put_u64(out, d->n_parts);
    for (size_t i = 0; i < d->n_parts && !rc; i++) {
        struct dpart *p = &d->parts[i];
        rc = st_put_bytes(out, p->id, strlen(p->id));
        if (!rc)
            rc = st_put_u64(out, (uint64_t)p->max_t);
        if (!rc)
            rc = st_put_u64(out, p->fq_len);
        for (size_t k = 0; k < p->fq_len && !rc; k++) {
            size_t j = (p->fq_head + k) % p->fq_cap;
            rc = st_put_bytes(out, p->fq[j], p->fql[j]);
            if (!rc)
                rc = st_put_u64(out, (uint64_t)p->fqt[j]);
        }
    }
    return rc ? sl_error_set(err, rc, "dedupe: state too large") : 0;
}

static int dedupe_restore(void *st, const uint8_t *data, size_t n,
                          struct sl_error *err)
{
    struct dedupe *d = st;
    size_t ml = strlen(MAGIC);
    if (n < ml || memcmp(data, MAGIC, ml) != 0)
        return sl_error_set(err, SL_ECORRUPT,
                            "not a dedupe state (expected %s)", MAGIC);
    struct st_reader r = {.p = data, .n = n, .at = ml};
    uint64_t np = st_get_u64(&r);
    for (uint64_t i = 0; i < np && !r.bad; i++) {
        size_t il;
        const uint8_t *id = st_get_bytes(&r, &il);
        if (!id || il > 4096)
            break;
        char idz[4097];
        memcpy(idz, id, il);
        idz[il] = 0;
        struct dpart *p = part(d, idz);
        if (!p)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        p->max_t = (int64_t)st_get_u64(&r);
        uint64_t cnt = st_get_u64(&r);
        for (uint64_t k = 0; k < cnt && !r.bad; k++) {
            size_t kl;
            const uint8_t *key = st_get_bytes(&r, &kl);
            int64_t t = (int64_t)st_get_u64(&r);
            if (r.bad)
                break;
            bool fresh;
            struct hent *e = hm_put(&p->map, key, kl, hm_hash(key, kl), &fresh);
            if (!e || fifo_push(p, key, kl, t))
                return sl_error_set(err, SL_ENOMEM, "out of memory");
            e->val = (void *)(intptr_t)t;
        }
    }
    if (r.bad || r.at != n)
        return sl_error_set(err, SL_ECORRUPT,
                            "dedupe state is damaged at byte %zu", r.at);
    return 0;
}

const struct sl_transform_ops sl_transform_dedupe = {
    .name = "dedupe",
    .summary = "drop repeats of a key within a time horizon (state in the "
               "checkpoint)",
    .options = dedupe_options,
    .create = dedupe_create,
    .apply = dedupe_apply,
    .prepare = dedupe_prepare,
    .snapshot = dedupe_snapshot,
    .restore = dedupe_restore,
    .destroy = dedupe_destroy,
};
