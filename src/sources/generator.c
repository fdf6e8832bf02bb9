/*
 * generator.c - `type: generator`: synthetic clickstream events as compact
 * JSON objects (~180 bytes), for demos, tests and benchmarks that need no
 * server (DESIGN.md §1, part.h struct sl_source_ops).
 *
 * Every record is a pure function of (seed, partitions, partition, seq):
 * a counter-based hash (splitmix64 of the seed mixed with the record id)
 * gives its values, so record k can be regenerated without the ones before
 * it, a replay yields the same bytes, and nothing depends on the wall clock
 * (event_time counts from 2026-01-01T00:00:00Z by seq). Partitions are
 * "gen-0" .. "gen-<n-1>"; a position is the next sequence number of its
 * partition. `rate` paces each partition against the monotonic clock from
 * the last seek; `count` ends each partition (SL_EEOF once all ended).
 *
 * Threads: engine thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "log.h"
#include "sources.h"

#define GEN_BASE_MS INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define GEN_MAX_PARTITIONS 4096
#define GEN_REC_MAX 320     /* longest record the format below can make */
#define GEN_CHUNK_MAX 65536 /* records per chunk: text stays <= 20 MiB */

struct gpart {
    char id[24];
    int64_t next;  /* next sequence number */
    int64_t limit; /* stop before this seq: count / replay end; -1 = none */
    int64_t base;  /* next at the last seek, for pacing */
};

struct gsrc {
    struct sl_generator_opts o;
    struct gpart *parts;
    size_t rr;
    bool replay;
    int64_t t0_ms; /* monotonic time of the last seek */
    struct sl_buf text;
    struct sl_raw_record *recs;
    size_t recs_cap;
};

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* ---- formatting into a fixed buffer (no libc printf in the hot path) */

struct out {
    char *p;
};

static void put(struct out *o, const char *s, size_t n)
{
    memcpy(o->p, s, n);
    o->p += n;
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

static void put_u64(struct out *o, uint64_t v)
{
    char t[20];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o->p++ = t[--n];
}

/* v in [0, 10^width): zero-padded */
static void put_pad(struct out *o, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        o->p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    o->p += width;
}

static void put_hex32(struct out *o, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 7; i >= 0; i--) {
        o->p[i] = hex[v & 15];
        v >>= 4;
    }
    o->p += 8;
}

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian, in
 * 400-year eras of 146097 days whose years start on March 1st). */
static void civil(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static void put_time(struct out *o, int64_t ms)
{
    int64_t days = ms / 86400000, rem = ms % 86400000;
    int64_t y;
    int m, d;
    civil(days, &y, &m, &d);
    put_pad(o, (uint64_t)y, 4);
    *o->p++ = '-';
    put_pad(o, (uint64_t)m, 2);
    *o->p++ = '-';
    put_pad(o, (uint64_t)d, 2);
    *o->p++ = 'T';
    put_pad(o, (uint64_t)(rem / 3600000), 2);
    *o->p++ = ':';
    put_pad(o, (uint64_t)(rem / 60000 % 60), 2);
    *o->p++ = ':';
    put_pad(o, (uint64_t)(rem / 1000 % 60), 2);
    *o->p++ = '.';
    put_pad(o, (uint64_t)(rem % 1000), 3);
    *o->p++ = 'Z';
}

static const char *const os_names[] = {"android", "ios", "windows", "macos",
                                       "linux"};

/* Write record (part, seq) into p (GEN_REC_MAX bytes); returns its length
 * and sets *ts_ms to its event time. */
static size_t gen_one(const struct sl_generator_opts *go, int64_t part,
                      int64_t seq, char *p, int64_t *ts_ms)
{
    uint64_t id = (uint64_t)seq * (uint64_t)go->partitions + (uint64_t)part;
    uint64_t key = splitmix64((uint64_t)go->seed);
    uint64_t x = splitmix64(key ^ id);
    uint64_t x2 = splitmix64(x);
    uint64_t user = (x >> 8) % 10000;
    uint64_t uh = splitmix64(key ^ (user << 20) ^ 0x5eedull);
    /* a session lasts ~1000 events of a partition for a user */
    uint32_t session = (uint32_t)splitmix64(uh ^ ((uint64_t)part << 40) ^
                                            (uint64_t)(seq / 1000));
    unsigned pick = (unsigned)((x >> 40) % 100);
    const char *action = pick < 70   ? "view"
                         : pick < 90 ? "click"
                         : pick < 97 ? "add_to_cart"
                                     : "purchase";
    bool paid = pick >= 90;
    unsigned os = (unsigned)(uh % 5);
    int64_t ms = GEN_BASE_MS + seq * 10 + (int64_t)(x % 10);
    *ts_ms = ms;

    struct out o = {p};
    PUTS(&o, "{\"id\":");
    put_u64(&o, id);
    PUTS(&o, ",\"event_time\":\"");
    put_time(&o, ms);
    PUTS(&o, "\",\"user_id\":\"u");
    put_u64(&o, user);
    PUTS(&o, "\",\"session\":\"");
    put_hex32(&o, session);
    PUTS(&o, "\",\"page\":\"");
    switch ((x >> 24) % 8) {
    case 0:
        PUTS(&o, "/");
        break;
    case 1:
        PUTS(&o, "/home");
        break;
    case 2:
        PUTS(&o, "/search");
        break;
    case 3:
        PUTS(&o, "/cart");
        break;
    case 4:
        PUTS(&o, "/checkout");
        break;
    default:
        PUTS(&o, "/products/");
        put_u64(&o, (x >> 28) % 500);
        break;
    }
    PUTS(&o, "\",\"action\":\"");
    put(&o, action, strlen(action));
    PUTS(&o, "\",\"latency_ms\":");
    put_u64(&o, 5 + (x2 % 64) * ((x2 >> 6) % 16)); /* skewed: 5..950 */
    PUTS(&o, ",\"amount\":");
    uint64_t cents = paid ? 100 + (x2 >> 16) % 50000 : 0;
    put_u64(&o, cents / 100);
    *o.p++ = '.';
    put_pad(&o, cents % 100, 2);
    PUTS(&o, ",\"device\":{\"os\":\"");
    put(&o, os_names[os], strlen(os_names[os]));
    PUTS(&o, "\",\"mobile\":");
    if (os < 2)
        PUTS(&o, "true}}");
    else
        PUTS(&o, "false}}");
    return (size_t)(o.p - p);
}

int sl__generator_record(const struct sl_generator_opts *o, int64_t part,
                         int64_t seq, struct sl_buf *out)
{
    char p[GEN_REC_MAX];
    int64_t ts;
    size_t n = gen_one(o, part, seq, p, &ts);
    return sl_buf_append(out, p, n);
}

/* ---- source ---- */

/* Records partition g may produce now (pacing and limit). */
static int64_t available(const struct gsrc *s, const struct gpart *g,
                         int64_t now)
{
    int64_t top = INT64_MAX;
    if (g->limit >= 0)
        top = g->limit;
    if (s->o.rate > 0) {
        int64_t el = now - s->t0_ms;
        /* the first record at once, then rate per second */
        int64_t paced =
            g->base + 1 + el / 1000 * s->o.rate + el % 1000 * s->o.rate / 1000;
        if (paced < top)
            top = paced;
    }
    return top > g->next ? top - g->next : 0;
}

static bool all_done(const struct gsrc *s)
{
    for (int64_t i = 0; i < s->o.partitions; i++)
        if (s->parts[i].limit < 0 || s->parts[i].next < s->parts[i].limit)
            return false;
    return true;
}

static int fill(struct gsrc *s, struct gpart *g, int64_t part, size_t n,
                size_t max_bytes, struct sl_raw_chunk *chunk,
                struct sl_error *err)
{
    if (s->recs_cap < n) {
        struct sl_raw_record *nv = realloc(s->recs, n * sizeof *nv);
        if (!nv)
            return sl_error_set(err, SL_ENOMEM,
                                "generator source: no "
                                "memory for %zu records",
                                n);
        s->recs = nv;
        s->recs_cap = n;
    }
    sl_buf_reset(&s->text);
    int rc = sl_buf_reserve(&s->text, n * GEN_REC_MAX);
    if (rc)
        return sl_error_set(err, rc,
                            "generator source: no memory for %zu "
                            "records",
                            n);
    size_t k = 0, bytes = 0;
    while (k < n && (!max_bytes || bytes < max_bytes)) {
        struct sl_raw_record *r = &s->recs[k];
        char *p = (char *)s->text.data + s->text.len;
        size_t len = gen_one(&s->o, part, g->next, p, &r->timestamp_ms);
        r->data = (const uint8_t *)p;
        r->len = len;
        r->key = NULL;
        r->key_len = 0;
        r->pos = g->next;
        r->pos_str = NULL;
        r->flags = 0;
        r->error = NULL;
        s->text.len += len;
        bytes += len;
        g->next++;
        k++;
    }
    chunk->partition = g->id;
    chunk->label = g->id;
    chunk->n = k;
    chunk->recs = s->recs;
    return 0;
}

static int gsrc_poll(void *st, struct sl_raw_chunk *chunk, size_t max_records,
                     size_t max_bytes, int timeout_ms, struct sl_error *err)
{
    struct gsrc *s = st;
    chunk->n = 0;
    chunk->recs = NULL;
    if (max_records == 0)
        max_records = 1;
    if (max_records > GEN_CHUNK_MAX)
        max_records = GEN_CHUNK_MAX;
    int64_t deadline = sl_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (all_done(s))
            return SL_EEOF;
        int64_t now = sl_mono_ms();
        for (int64_t k = 0; k < s->o.partitions; k++) {
            size_t i = (s->rr + (size_t)k) % (size_t)s->o.partitions;
            struct gpart *g = &s->parts[i];
            int64_t n = available(s, g, now);
            if (n <= 0)
                continue;
            s->rr = (i + 1) % (size_t)s->o.partitions;
            return fill(s, g, (int64_t)i,
                        (uint64_t)n < max_records ? (size_t)n : max_records,
                        max_bytes, chunk, err);
        }
        if (now >= deadline)
            return SL_EAGAIN;
        int64_t wait = 1000 / (s->o.rate > 0 ? s->o.rate : 1000);
        if (wait < 1)
            wait = 1;
        if (wait > deadline - now)
            wait = deadline - now;
        sl__sleep_ms(wait);
    }
}

static int gsrc_seek(void *st, const struct sl_positions *start,
                     const struct sl_positions *end, bool resume,
                     struct sl_error *err)
{
    struct gsrc *s = st;
    s->replay = end != NULL;
    for (int64_t i = 0; i < s->o.partitions; i++) {
        struct gpart *g = &s->parts[i];
        const char *ps = sl_positions_get(start, g->id);
        int64_t v = 0;
        if (ps && sl__pos_parse(ps, &v) != 0)
            return sl_error_set(err, SL_EINVAL,
                                "generator source: "
                                "position '%s' of %s is not a sequence "
                                "number",
                                ps, g->id);
        g->next = g->base = v;
        g->limit = s->o.count > 0 ? s->o.count : -1;
        if (s->replay) {
            const char *es = sl_positions_get(end, g->id);
            int64_t e = v;
            if (es && sl__pos_parse(es, &e) != 0)
                return sl_error_set(err, SL_EINVAL,
                                    "generator source: "
                                    "replay end '%s' of %s is not a "
                                    "sequence number",
                                    es, g->id);
            if (g->limit < 0 || e < g->limit)
                g->limit = e;
        }
    }
    for (size_t i = 0; start && i < start->n; i++) {
        int64_t p = -1;
        if (strncmp(start->v[i].id, "gen-", 4) != 0 ||
            sl__pos_parse(start->v[i].id + 4, &p) != 0 || p >= s->o.partitions)
            sl_warn("generator source: ignoring the position of partition "
                    "%s: this generator has gen-0 to gen-%" PRId64,
                    start->v[i].id, s->o.partitions - 1);
    }
    s->t0_ms = sl_mono_ms();
    s->rr = 0;
    return 0;
}

static int gsrc_positions(void *st, struct sl_positions *out,
                          struct sl_error *err)
{
    struct gsrc *s = st;
    out->n = 0;
    out->v = NULL;
    for (int64_t i = 0; i < s->o.partitions; i++) {
        char b[24];
        snprintf(b, sizeof b, "%" PRId64, s->parts[i].next);
        int rc = sl_positions_set(out, s->parts[i].id, b);
        if (rc) {
            sl_positions_free(out);
            return sl_error_set(err, rc, "generator source: no memory");
        }
    }
    return 0;
}

static int gsrc_identity(void *st, struct sl_buf *out)
{
    struct gsrc *s = st;
    return sl_buf_appendf(out, "generator:seed=%" PRId64 ",partitions=%" PRId64,
                          s->o.seed, s->o.partitions);
}

static void gsrc_close(void *st)
{
    struct gsrc *s = st;
    if (!s)
        return;
    free(s->parts);
    free(s->recs);
    sl_buf_free(&s->text);
    free(s);
}

int sl__generator_source_create(const struct sl_source_ctx *ctx,
                                const struct sl_generator_opts *o, void **st,
                                struct sl_error *err)
{
    *st = NULL;
    if (o->partitions < 1 || o->partitions > GEN_MAX_PARTITIONS)
        return sl_error_set(err, SL_EINVAL,
                            "generator source: partitions "
                            "is %" PRId64 "; give 1 to %d",
                            o->partitions, GEN_MAX_PARTITIONS);
    if (o->count < 0 || o->rate < 0)
        return sl_error_set(err, SL_EINVAL,
                            "generator source: count and "
                            "rate must be >= 0 (0 = unlimited)");
    struct gsrc *s = calloc(1, sizeof *s);
    if (!s || !(s->parts = calloc((size_t)o->partitions, sizeof *s->parts))) {
        free(s);
        return sl_error_set(err, SL_ENOMEM,
                            "generator source: out of "
                            "memory");
    }
    s->o = *o;
    sl_buf_init(&s->text, (size_t)GEN_CHUNK_MAX * GEN_REC_MAX);
    for (int64_t i = 0; i < o->partitions; i++) {
        snprintf(s->parts[i].id, sizeof s->parts[i].id, "gen-%" PRId64, i);
        s->parts[i].limit = o->count > 0 ? o->count : -1;
    }
    s->t0_ms = sl_mono_ms();
    *st = s;
    return 0;
}

static const struct sl_option generator_options[] = {
    {"count", SL_OPT_INT, "0", NULL, false,
     offsetof(struct sl_generator_opts, count),
     "records per partition, then the source ends; 0 = unlimited"},
    {"rate", SL_OPT_INT, "0", NULL, false,
     offsetof(struct sl_generator_opts, rate),
     "records per second per partition; 0 = as fast as possible"},
    {"seed", SL_OPT_INT, "1", NULL, false,
     offsetof(struct sl_generator_opts, seed),
     "the same seed gives the same records"},
    {"partitions", SL_OPT_INT, "1", NULL, false,
     offsetof(struct sl_generator_opts, partitions),
     "number of partitions (gen-0, gen-1, ...)"},
    {0},
};

static int gsrc_open(const struct sl_source_ctx *ctx, void **st,
                     struct sl_error *err)
{
    struct sl_generator_opts o;
    memset(&o, 0, sizeof o);
    *st = NULL;
    int rc = sl__source_options(generator_options, ctx, &o, err);
    if (!rc)
        rc = sl__generator_source_create(ctx, &o, st, err);
    sl_options_free(generator_options, &o);
    return rc;
}

const struct sl_source_ops sl_source_generator = {
    .name = "generator",
    .summary = "synthetic clickstream events as JSON, deterministic from a "
               "seed (no server needed)",
    .options = generator_options,
    .resumable = true,
    .open = gsrc_open,
    .identity = gsrc_identity,
    .seek = gsrc_seek,
    .poll = gsrc_poll,
    .positions = gsrc_positions,
    .commit = NULL,
    .close = gsrc_close,
};
