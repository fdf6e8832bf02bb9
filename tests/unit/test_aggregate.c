/*
 * test_aggregate.c - aggregate (src/transforms/aggregate.c): exact
 * windows, late rows, sliding windows, and a randomised comparison with a
 * brute-force reference written here, fed in random chunk sizes over two
 * partitions with snapshot/restore into a fresh instance at random chunk
 * boundaries (what a crash and restart does).
 */
#include <inttypes.h>
#include <math.h>

#include "datetime.h"
#include "expr_testutil.h"

static const char *S = "struct<t:timestamp,k:string,v:int>";

static void test_tumbling(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new(
        "aggregate",
        "{time: t, window: 1m, watermark: 30s, group_by: [k], measures: "
        "{n: \"count(*)\", s: \"sum(v)\", lo: \"min(v)\", a: \"avg(v)\", "
        "d: \"approx_count_distinct(v)\", p: \"approx_percentile(v, 0.5)\", "
        "c: \"count(v)\"}}",
        S);
    /* nothing closes yet: 00:01:20 - 30 s = 00:00:50 < 00:01:00 */
    TU_EQ(tu_t_apply(t, S,
                     "{\"t\":\"2026-01-01T00:00:10Z\",\"k\":\"a\",\"v\":1}\n"
                     "{\"t\":\"2026-01-01T00:00:20Z\",\"k\":\"b\",\"v\":2}\n"
                     "{\"t\":\"2026-01-01T00:00:30Z\",\"k\":\"a\",\"v\":3}\n"
                     "{\"t\":\"2026-01-01T00:01:20Z\",\"k\":\"a\",\"v\":4}\n"
                     "{\"t\":\"2026-01-01T00:00:55Z\",\"k\":\"a\"}\n"),
          "struct<window_start:timestamp,window_end:timestamp,k:string,"
          "n:bigint,s:bigint,lo:bigint,a:double,d:bigint,p:double,"
          "c:bigint>|");
    /* 00:01:35 moves the watermark to 00:01:05: window 0 closes; a row
     * at 00:00:40 is then late */
    TU_EQ(tu_t_apply(t, S,
                     "{\"t\":\"2026-01-01T00:01:35Z\",\"k\":\"b\",\"v\":5}\n"
                     "{\"t\":\"2026-01-01T00:00:40Z\",\"k\":\"a\",\"v\":9}\n"
                     "{\"k\":\"a\",\"v\":9}\n"),
          "struct<window_start:timestamp,window_end:timestamp,k:string,"
          "n:bigint,s:bigint,lo:bigint,a:double,d:bigint,p:double,"
          "c:bigint>|"
          "{\"window_start\":\"2026-01-01T00:00:00Z\",\"window_end\":"
          "\"2026-01-01T00:01:00Z\",\"k\":\"a\",\"n\":3,\"s\":4,\"lo\":1,"
          "\"a\":2,\"d\":2,\"p\":1,\"c\":2}\n"
          "{\"window_start\":\"2026-01-01T00:00:00Z\",\"window_end\":"
          "\"2026-01-01T00:01:00Z\",\"k\":\"b\",\"n\":1,\"s\":2,\"lo\":2,"
          "\"a\":2,\"d\":1,\"p\":2,\"c\":1}\n");
    assert_string_equal((char *)t->dl.text.data,
                        "late|{\"t\":\"2026-01-01T00:00:40Z\",\"k\":\"a\","
                        "\"v\":9}\n"
                        "aggregate: no event time (the time column is null "
                        "or not a timestamp)|{\"k\":\"a\",\"v\":9}\n");
    tu_t_free(t);
}

static void test_sliding(void **state)
{
    (void)state;
    struct tu_t *t = tu_t_new("aggregate",
                              "{time: t, window: 1m, slide: 30s, measures: "
                              "{n: \"count(*)\"}}",
                              S);
    TU_EQ(tu_t_apply(t, S,
                     "{\"t\":\"2026-01-01T00:00:40Z\"}\n"
                     "{\"t\":\"2026-01-01T00:01:10Z\"}\n"
                     "{\"t\":\"2026-01-01T00:02:00Z\"}\n"),
          "struct<window_start:timestamp,window_end:timestamp,n:bigint>|"
          "{\"window_start\":\"2026-01-01T00:00:00Z\",\"window_end\":"
          "\"2026-01-01T00:01:00Z\",\"n\":1}\n"
          "{\"window_start\":\"2026-01-01T00:00:30Z\",\"window_end\":"
          "\"2026-01-01T00:01:30Z\",\"n\":2}\n"
          "{\"window_start\":\"2026-01-01T00:01:00Z\",\"window_end\":"
          "\"2026-01-01T00:02:00Z\",\"n\":1}\n");
    tu_t_free(t);
}

/* ---- randomised against a brute-force reference ---- */

#define NROWS 3000
#define NKEYS 7
#define WIN_S 60
#define WM_S 45

struct row {
    int part;
    int64_t t; /* seconds */
    int key;
    int v;
};

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct ref_win {
    int64_t ws;
    int key;
    int64_t n, sum, mn, mx;
    int vals[NROWS];
    int nv;
    bool used;
};

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Reference output for one partition: JSON lines in emission order. */
static void reference(const struct row *rows, size_t n, int part,
                      struct sl_buf *out, int *late)
{
    static struct ref_win w[2000];
    size_t nw = 0;
    int64_t max_t = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].part != part)
            continue;
        int64_t t = rows[i].t;
        if (max_t != INT64_MIN && t < max_t - WM_S) {
            (*late)++;
            continue;
        }
        if (t > max_t)
            max_t = t;
        int64_t ws = (t >= 0 ? t / WIN_S : (t - WIN_S + 1) / WIN_S) * WIN_S;
        size_t k;
        for (k = 0; k < nw; k++)
            if (w[k].used && w[k].ws == ws && w[k].key == rows[i].key)
                break;
        if (k == nw) {
            assert_true(nw < 2000);
            memset(&w[nw], 0, sizeof w[nw]);
            w[nw].used = true;
            w[nw].ws = ws;
            w[nw].key = rows[i].key;
            w[nw].mn = INT64_MAX;
            w[nw].mx = INT64_MIN;
            nw++;
        }
        w[k].n++;
        w[k].sum += rows[i].v;
        if (rows[i].v < w[k].mn)
            w[k].mn = rows[i].v;
        if (rows[i].v > w[k].mx)
            w[k].mx = rows[i].v;
        w[k].vals[w[k].nv++] = rows[i].v;
    }
    /* emitted: end <= max_t - WM_S, in (start, key) order */
    for (;;) {
        size_t best = nw;
        for (size_t k = 0; k < nw; k++) {
            if (!w[k].used || w[k].ws + WIN_S > max_t - WM_S)
                continue;
            if (best == nw || w[k].ws < w[best].ws ||
                (w[k].ws == w[best].ws && w[k].key < w[best].key))
                best = k;
        }
        if (best == nw)
            break;
        struct ref_win *x = &w[best];
        x->used = false;
        qsort(x->vals, (size_t)x->nv, sizeof(int), cmp_int);
        int distinct = 0;
        for (int i = 0; i < x->nv; i++)
            distinct += i == 0 || x->vals[i] != x->vals[i - 1];
        /* p90: smallest value with rank >= ceil(0.9 n) */
        int64_t want = (int64_t)ceil(0.9 * (double)x->nv);
        if (want < 1)
            want = 1;
        char ts0[SL_TS_TEXT_MAX], ts1[SL_TS_TEXT_MAX];
        sl_timestamp_format(x->ws * 1000000, ts0);
        sl_timestamp_format((x->ws + WIN_S) * 1000000, ts1);
        sl_buf_appendf(out,
                       "{\"window_start\":\"%s\",\"window_end\":\"%s\","
                       "\"k\":\"k%d\",\"n\":%" PRId64 ",\"s\":%" PRId64
                       ",\"lo\":%" PRId64 ",\"hi\":%" PRId64
                       ",\"d\":%d,\"p\":%d}\n",
                       ts0, ts1, x->key, x->n, x->sum, x->mn, x->mx, distinct,
                       x->vals[want - 1]);
    }
    sl_buf_cstr(out);
}

static const char *AGG =
    "{time: t, window: 1m, watermark: 45s, group_by: [k], measures: "
    "{n: \"count(*)\", s: \"sum(v)\", lo: \"min(v)\", hi: \"max(v)\", "
    "d: \"approx_count_distinct(v)\", p: \"approx_percentile(v, 0.9)\"}}";

static void run_random(uint64_t seed)
{
    rng = seed;
    static struct row rows[NROWS];
    int64_t clock[2] = {1767225600, 1767225600};
    for (size_t i = 0; i < NROWS; i++) {
        int p = (int)(rnd() % 2);
        clock[p] += (int64_t)(rnd() % 3);
        int64_t lateness = rnd() % 10 == 0 ? (int64_t)(rnd() % 120) : 0;
        rows[i] = (struct row){p, clock[p] - lateness, (int)(rnd() % NKEYS),
                               (int)(rnd() % 50) - 10};
    }
    struct tu_t *t = tu_t_new("aggregate", AGG, S);
    struct sl_buf got[2], dl_got;
    sl_buf_init(&got[0], 0);
    sl_buf_init(&got[1], 0);
    sl_buf_init(&dl_got, 0);
    size_t i = 0;
    while (i < NROWS) {
        /* a chunk: rows of one partition, in order, random size */
        int p = rows[i].part;
        size_t want = 1 + rnd() % 40;
        struct sl_buf lines;
        sl_buf_init(&lines, 0);
        size_t taken = 0;
        while (i < NROWS && taken < want && rows[i].part == p) {
            char ts[SL_TS_TEXT_MAX];
            sl_timestamp_format(rows[i].t * 1000000, ts);
            sl_buf_appendf(&lines, "{\"t\":\"%s\",\"k\":\"k%d\",\"v\":%d}\n",
                           ts, rows[i].key, rows[i].v);
            i++;
            taken++;
        }
        sl_buf_cstr(&lines);
        t->env.partition = p ? "p1" : "p0";
        char *s = tu_t_apply(t, S, (char *)lines.data);
        sl_buf_puts(&got[p], strchr(s, '|') + 1);
        free(s);
        sl_buf_free(&lines);
        if (rnd() % 5 == 0) {
            /* "crash": a fresh instance restored from the snapshot */
            struct sl_buf snap;
            sl_buf_init(&snap, 0);
            struct sl_error err;
            assert_int_equal(t->ops->snapshot(t->st, &snap, &err), 0);
            if (t->dl.text.len)
                sl_buf_append(&dl_got, t->dl.text.data, t->dl.text.len);
            tu_t_free(t);
            t = tu_t_new("aggregate", AGG, S);
            assert_int_equal(t->ops->restore(t->st, snap.data, snap.len, &err),
                             0);
            sl_buf_free(&snap);
        }
    }
    if (t->dl.text.len)
        sl_buf_append(&dl_got, t->dl.text.data, t->dl.text.len);
    sl_buf_cstr(&dl_got);
    for (int p = 0; p < 2; p++) {
        struct sl_buf want;
        sl_buf_init(&want, 0);
        int late = 0;
        reference(rows, NROWS, p, &want, &late);
        sl_buf_cstr(&got[p]);
        if (strcmp(got[p].data ? (char *)got[p].data : "",
                   want.data ? (char *)want.data : ""))
            fail_msg("seed %" PRIu64 " partition %d:\ngot\n%s\nwant\n%s", seed,
                     p, got[p].data, want.data);
        assert_true(want.len > 1000); /* many windows were compared */
        sl_buf_free(&want);
        sl_buf_free(&got[p]);
    }
    /* late rows: every one dead-lettered with reason late */
    int late_total = 0, late_lines = 0;
    for (int p = 0; p < 2; p++) {
        struct sl_buf w;
        sl_buf_init(&w, 0);
        reference(rows, NROWS, p, &w, &late_total);
        sl_buf_free(&w);
    }
    for (const char *q = (char *)dl_got.data; q && (q = strstr(q, "late|"));
         q++)
        late_lines++;
    assert_true(late_total > 20);
    assert_int_equal(late_lines, late_total);
    sl_buf_free(&dl_got);
    tu_t_free(t);
}

static void test_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++)
        run_random(seed * 7919);
}

/* Groups are emitted in key byte order: a string key is its length then
 * its bytes, so shorter first; long keys that share their first 16 key
 * bytes are told apart by the rest. */
static void test_key_order(void **state)
{
    (void)state;
    const char *agg = "{time: t, window: 1m, group_by: [k], measures: "
                      "{n: \"count(*)\"}}";
    struct tu_t *t = tu_t_new("aggregate", agg, S);
    const char *keys[] = {"abcdefghijklmnopqrstu-2", "abcdefghijklmnopqrstu-1",
                          "abcdefghijklmnopqrstu-10", "abcdefghijklmnopqrstu",
                          "abcdefghijklmnopqrstu-2"};
    struct sl_buf in;
    sl_buf_init(&in, 0);
    for (size_t i = 0; i < 5; i++)
        sl_buf_appendf(&in, "{\"t\":\"2026-01-01T00:00:10Z\",\"k\":\"%s\"}\n",
                       keys[i]);
    sl_buf_puts(&in, "{\"t\":\"2026-01-01T00:01:30Z\",\"k\":\"z\"}\n");
    sl_buf_cstr(&in);
    const char *w = "{\"window_start\":\"2026-01-01T00:00:00Z\",\"window_end\":"
                    "\"2026-01-01T00:01:00Z\",\"k\":";
    char want[2048];
    snprintf(want, sizeof want,
             "struct<window_start:timestamp,window_end:timestamp,k:string,"
             "n:bigint>|"
             "%s\"abcdefghijklmnopqrstu\",\"n\":1}\n"
             "%s\"abcdefghijklmnopqrstu-1\",\"n\":1}\n"
             "%s\"abcdefghijklmnopqrstu-2\",\"n\":2}\n"
             "%s\"abcdefghijklmnopqrstu-10\",\"n\":1}\n",
             w, w, w, w);
    TU_EQ(tu_t_apply(t, S, (char *)in.data), want);
    sl_buf_free(&in);
    tu_t_free(t);
}

static int cmp_key(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = strlen(x), ly = strlen(y);
    return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x, y);
}

/* Thousands of groups in a window (tables, blocks and the sort past their
 * first sizes), with a snapshot and restore in the middle. */
static void test_many_groups(void **state)
{
    (void)state;
    enum { NK = 3000 };
    const char *agg = "{time: t, window: 1m, watermark: 1m, group_by: [k], "
                      "measures: {n: \"count(*)\", s: \"sum(v)\"}}";
    struct tu_t *t = tu_t_new("aggregate", agg, S);
    static char names[NK][16];
    static const char *sorted[NK];
    struct sl_buf in;
    sl_buf_init(&in, 0);
    for (int pass = 0; pass < 3; pass++) {
        for (int k = 0; k < NK; k++) {
            if (k % 3 < pass)
                continue; /* key k comes (k % 3) + 1 times */
            snprintf(names[k], sizeof names[k], "u%d", (k * 7919) % NK);
            sl_buf_appendf(&in,
                           "{\"t\":\"2026-01-01T00:00:%02dZ\",\"k\":\"%s\","
                           "\"v\":%d}\n",
                           pass * 10 + k % 10, names[k], k);
        }
        sl_buf_cstr(&in);
        char *o = tu_t_apply(t, S, (char *)in.data);
        assert_non_null(strstr(o, "|"));
        assert_string_equal(strchr(o, '|'), "|"); /* nothing closed yet */
        free(o);
        sl_buf_reset(&in);
        if (pass == 1) {
            struct sl_buf snap;
            sl_buf_init(&snap, 0);
            struct sl_error err;
            assert_int_equal(t->ops->snapshot(t->st, &snap, &err), 0);
            tu_t_free(t);
            t = tu_t_new("aggregate", agg, S);
            assert_int_equal(t->ops->restore(t->st, snap.data, snap.len, &err),
                             0);
            sl_buf_free(&snap);
        }
    }
    sl_buf_puts(&in, "{\"t\":\"2026-01-01T00:02:30Z\",\"k\":\"z\"}\n");
    sl_buf_cstr(&in);
    char *got = tu_t_apply(t, S, (char *)in.data);
    /* the reference: keys by (length, bytes), n and sum per key */
    for (int k = 0; k < NK; k++)
        sorted[k] = names[k];
    qsort(sorted, NK, sizeof sorted[0], cmp_key);
    struct sl_buf want;
    sl_buf_init(&want, 0);
    sl_buf_puts(&want, "struct<window_start:timestamp,window_end:timestamp,"
                       "k:string,n:bigint,s:bigint>|");
    for (int i = 0; i < NK; i++) {
        int k = (int)(((const char(*)[16])sorted[i]) - names);
        sl_buf_appendf(&want,
                       "{\"window_start\":\"2026-01-01T00:00:00Z\","
                       "\"window_end\":\"2026-01-01T00:01:00Z\",\"k\":\"%s\","
                       "\"n\":%d,\"s\":%d}\n",
                       names[k], k % 3 + 1, (k % 3 + 1) * k);
    }
    sl_buf_cstr(&want);
    assert_string_equal(got, (char *)want.data);
    assert_int_equal(t->dl.text.len, 0); /* no row was late */
    free(got);
    sl_buf_free(&want);
    sl_buf_free(&in);
    tu_t_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    tu_t_err("aggregate", "{time: t, window: 1m, measures: {x: \"median(v)\"}}",
             S,
             "measure x: 'median(v)' is not count(*), count(x), sum(x), "
             "min(x), max(x), avg(x), approx_percentile(x, q) or "
             "approx_count_distinct(x)");
    tu_t_err("aggregate",
             "{time: t, window: 1m, measures: {x: \"approx_percentile(v, "
             "2)\"}}",
             S, "measure x: approx_percentile(x, q) needs q between 0 and 1");
    tu_t_err("aggregate",
             "{time: t, window: 1m, group_by: [kk], measures: {x: "
             "\"count(*)\"}}",
             S, "group_by: no column 'kk'");
    tu_t_err("aggregate", "{time: tt, window: 1m, measures: {x: \"count(*)\"}}",
             S, "time: unknown column 'tt'");
    tu_t_err("aggregate",
             "{time: t, window: 1m, measures: {x: \"sum(vv + 1)\"}}", S,
             "measure x: column 1: unknown column 'vv'");
    tu_t_err("aggregate",
             "{time: t, window: 1m, slide: 2m, measures: {x: "
             "\"count(*)\"}}",
             S,
             "window must be positive, slide between 0 and the window, "
             "watermark not negative");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tumbling),    cmocka_unit_test(test_sliding),
        cmocka_unit_test(test_random),      cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_many_groups), cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
