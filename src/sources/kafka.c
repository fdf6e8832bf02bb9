/*
 * kafka.c - `type: kafka`: Apache Kafka / Amazon MSK topics as a source
 * (DESIGN.md §1, part.h struct sl_source_ops), with librdkafka.
 *
 * A partition is "topic/N"; its position is the Kafka offset of the next
 * record to read (a record's pos is its offset). The checkpoint, not the
 * consumer group's committed offsets, is the source of truth: seek()
 * assigns exactly the recorded offsets with rd_kafka_assign (no group
 * rebalancing decides them), and after each batch commit() also commits
 * the offsets to the group (group_id) so lag tools see progress.
 *
 * Partitions: the configured topics (topic / topics / subscribe_pattern /
 * assign) are resolved against the cluster metadata at seek and again every
 * partition_discovery interval; a partition found later starts at its
 * beginning. Symbolic starts (earliest, latest, a timestamp) are resolved
 * to numbers at seek so positions() always reports numbers.
 *
 * Reading: messages come in batches from the consumer queue; poll returns
 * the next run of messages of one partition (in offset order) as a chunk;
 * the messages are kept until the next poll. A partition with an end (a
 * replay, ending_offsets) is paused once it reaches it; poll returns
 * SL_EEOF when every partition with an end reached it and no partition
 * lacks one. max_offsets_per_batch counts records since the last commit
 * or seek; when it is used up poll returns SL_ELIMIT and the engine closes
 * the window (backpressure). Per-message decompression is the engine's
 * (compression: in the source map), applied to rec.data like any source.
 *
 * Consumer groups with several workers (subscribe + rebalance) are not
 * built yet: see docs/architecture.md "Kafka scale-out". Threads:
 * engine thread only (librdkafka runs its own threads inside).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "jsonw.h"
#include "kafka/conn.h"
#include "log.h"
#include "sources.h"

#define META_MS 5000
#define WM_MS 5000
#define MAX_PARTS 100000
#define PENDING_MS 3000
#define ASSIGN_WAIT_MS 20000
#define MAX_EXTRA 7
#define MAX_HEADERS_PER_CHUNK (1u << 20)

enum {
    MD_KEY = 1,
    MD_TOPIC = 2,
    MD_PARTITION = 4,
    MD_OFFSET = 8,
    MD_TIMESTAMP = 16,
    MD_SRC_TS = 32,
    MD_HEADERS = 64,
};

struct kafka_opts {
    char *connection, *bootstrap_servers;
    char *topic;
    struct sl_strlist topics;
    char *subscribe_pattern;
    const struct sl_conf *assign;
    const struct sl_conf *starting_offsets;
    int64_t starting_timestamp;
    const struct sl_conf *ending_offsets;
    int64_t max_offsets_per_batch;
    char *group_id;
    bool include_headers, add_record_timestamp;
    struct sl_strlist metadata_columns;
    bool emit_consumer_lag_metrics;
    int64_t discovery_ms;
    const struct sl_conf *properties;
};

static const struct sl_option kafka_options[] = {
    {"connection", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct kafka_opts, connection),
     "name of a connection in the job's connections: map"},
    {"bootstrap_servers", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct kafka_opts, bootstrap_servers),
     "host:port,... of a PLAINTEXT cluster (instead of connection)"},
    {"topic", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct kafka_opts, topic), "one topic to read"},
    {"topics", SL_OPT_STRLIST, NULL, NULL, false,
     offsetof(struct kafka_opts, topics), "list of topics to read"},
    {"subscribe_pattern", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct kafka_opts, subscribe_pattern),
     "POSIX extended regex: every matching topic (rechecked for new ones)"},
    {"assign", SL_OPT_NODE, NULL, NULL, false,
     offsetof(struct kafka_opts, assign),
     "{topic: [partition, ...]}: exactly these partitions"},
    {"starting_offsets", SL_OPT_NODE, NULL, NULL, false,
     offsetof(struct kafka_opts, starting_offsets),
     "earliest | latest | {topic: {partition: offset}} (-2 earliest, -1 "
     "latest); default: starting_position"},
    {"starting_timestamp", SL_OPT_INT, "-1", NULL, false,
     offsetof(struct kafka_opts, starting_timestamp),
     "start each partition at its first record at or after this time (ms "
     "since the epoch)"},
    {"ending_offsets", SL_OPT_NODE, NULL, NULL, false,
     offsetof(struct kafka_opts, ending_offsets),
     "bounded run: latest (the end when the job starts) | {topic: "
     "{partition: offset}}; the job stops when every end is reached"},
    {"max_offsets_per_batch", SL_OPT_INT, "0", NULL, false,
     offsetof(struct kafka_opts, max_offsets_per_batch),
     "at most this many records per batch (Glue maxOffsetsPerTrigger; 0: "
     "no bound)"},
    {"include_headers", SL_OPT_BOOL, "false", NULL, false,
     offsetof(struct kafka_opts, include_headers),
     "add column __headers: map<string,string> of the record's headers"},
    {"add_record_timestamp", SL_OPT_BOOL, "false", NULL, false,
     offsetof(struct kafka_opts, add_record_timestamp),
     "add column __src_timestamp: the record's Kafka timestamp"},
    {"metadata_columns", SL_OPT_STRLIST, NULL, NULL, false,
     offsetof(struct kafka_opts, metadata_columns),
     "any of key, topic, partition, offset, timestamp: adds __key (string), "
     "__topic, __partition (int), __offset (bigint), __timestamp"},
    {"group_id", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct kafka_opts, group_id),
     "consumer group the offsets are committed to (default sluice-<job>)"},
    {"emit_consumer_lag_metrics", SL_OPT_BOOL, "false", NULL, false,
     offsetof(struct kafka_opts, emit_consumer_lag_metrics),
     "log the lag of every partition after each batch"},
    {"partition_discovery", SL_OPT_DURATION, "30s", NULL, false,
     offsetof(struct kafka_opts, discovery_ms),
     "how often new topics and partitions are looked for"},
    {"properties", SL_OPT_NODE, NULL, NULL, false,
     offsetof(struct kafka_opts, properties),
     "map of extra librdkafka consumer properties"},
    {0},
};

struct kpart {
    char *topic;
    int32_t partition;
    char *id;    /* "topic/N" */
    int64_t pos; /* next offset to return */
    int64_t end; /* stop here; -1 = no end */
    bool paused;
    bool eof;            /* end of partition seen at pos */
    rd_kafka_queue_t *q; /* its own message queue, or NULL */
};

struct ksrc {
    struct kafka_opts o;
    char *identity;
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    regex_t re;
    bool have_re;
    bool latest; /* default start */
    bool replay; /* seek with ends */
    struct kpart *p;
    size_t n;
    size_t last; /* lookup cache */
    size_t rr;   /* round-robin cursor over partition queues */
    int wake[2]; /* pipe: librdkafka writes when a queue gets messages */
    /* scale-out (worker_id set): partitions come from the consumer group */
    bool group, subscribed, assigned_once, revoke_pending, closing;
    int64_t assign_wait_until; /* waiting for the first assignment */
    int64_t read_since_commit; /* records returned in the open batch */
    char *ckroot;              /* the job's checkpoint location */
    int cb_rc;                 /* error in the rebalance callback */
    struct sl_error cb_err;
    int64_t quota_used;
    int64_t next_discovery;
    /* fetched messages: buf[bi..bn) not returned yet; out[0..on) are the
     * chunk returned by the last poll */
    rd_kafka_message_t **buf, **out;
    size_t bn, bi, on, cap;
    struct sl_raw_record *recs;
    /* extra columns: up to MAX_EXTRA per record; header pairs of the
     * chunk (pair_at[i] indexes pairs for record i) */
    unsigned meta;  /* MD_* */
    size_t n_extra; /* per record */
    struct sl_raw_extra *extra;
    struct sl_raw_pair *pairs;
    size_t n_pairs, pairs_cap;
    size_t *pair_at;
};

static int64_t mono(void)
{
    return sl_mono_ms();
}

static void drop_out(struct ksrc *s)
{
    for (size_t i = 0; i < s->on; i++)
        rd_kafka_message_destroy(s->out[i]);
    s->on = 0;
    s->n_pairs = 0;
}

static void drop_buffered(struct ksrc *s)
{
    drop_out(s);
    for (size_t i = s->bi; i < s->bn; i++)
        rd_kafka_message_destroy(s->buf[i]);
    s->bi = s->bn = 0;
}

static struct kpart *find(struct ksrc *s, const char *topic, int32_t part)
{
    if (s->last < s->n && s->p[s->last].partition == part &&
        strcmp(s->p[s->last].topic, topic) == 0)
        return &s->p[s->last];
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].partition == part && strcmp(s->p[i].topic, topic) == 0) {
            s->last = i;
            return &s->p[i];
        }
    return NULL;
}

static void parts_free(struct ksrc *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->p[i].q)
            rd_kafka_queue_destroy(s->p[i].q);
        free(s->p[i].topic);
        free(s->p[i].id);
    }
    free(s->p);
    s->p = NULL;
    s->n = 0;
}

static void kafka_close(void *st)
{
    struct ksrc *s = st;
    if (!s)
        return;
    drop_buffered(s);
    if (s->q)
        rd_kafka_queue_destroy(s->q);
    if (s->rk) {
        s->closing = true;
        rd_kafka_consumer_close(s->rk);
        rd_kafka_destroy(s->rk);
    }
    if (s->have_re)
        regfree(&s->re);
    parts_free(s);
    for (int i = 0; i < 2; i++)
        if (s->wake[i] >= 0)
            close(s->wake[i]);
    free(s->buf);
    free(s->out);
    free(s->recs);
    free(s->extra);
    free(s->pairs);
    free(s->pair_at);
    free(s->identity);
    free(s->ckroot);
    sl_options_free(kafka_options, &s->o);
    free(s);
}

/* ---- topic selection ---- */

static bool assign_lists(const struct ksrc *s, const char *topic, int32_t part)
{
    const struct sl_conf *l = sl_conf_get(s->o.assign, topic);
    if (!l)
        return false;
    for (size_t i = 0; l->kind == SL_CONF_SEQ && i < l->n; i++) {
        int64_t v;
        if (l->items[i]->str && sl_parse_i64(l->items[i]->str, &v) == 0 &&
            v == part)
            return true;
    }
    return false;
}

static bool wanted_topic(const struct ksrc *s, const char *t)
{
    if (s->o.topic)
        return strcmp(s->o.topic, t) == 0;
    for (size_t i = 0; i < s->o.topics.n; i++)
        if (strcmp(s->o.topics.v[i], t) == 0)
            return true;
    if (s->have_re)
        return regexec(&s->re, t, 0, NULL, 0) == 0;
    if (s->o.assign)
        return sl_conf_get(s->o.assign, t) != NULL;
    return false;
}

/* Offset from {topic: {partition: offset}} map m, or `def`. */
static int64_t map_offset(const struct sl_conf *m, const char *topic,
                          int32_t part, int64_t def)
{
    const struct sl_conf *t = sl_conf_get(m, topic);
    char key[16];
    snprintf(key, sizeof key, "%d", (int)part);
    const char *v = sl_conf_str(t, key);
    int64_t o;
    if (v && sl_parse_i64(v, &o) == 0)
        return o;
    return def;
}

/* Numeric start of a new partition: `sym` is an offset >= 0, or
 * RD_KAFKA_OFFSET_BEGINNING / _END, or a timestamp when ts >= 0. */
static int resolve(struct ksrc *s, struct kpart *k, int64_t sym, int64_t ts,
                   struct sl_error *err)
{
    int64_t lo, hi;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
        s->rk, k->topic, k->partition, &lo, &hi, WM_MS);
    if (e)
        return sl_error_set(err, SL_EIO,
                            "kafka source: cannot read the offsets of %s: %s "
                            "(is the cluster reachable?)",
                            k->id, rd_kafka_err2str(e));
    if (ts >= 0) {
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, k->topic, k->partition)->offset =
            ts;
        e = rd_kafka_offsets_for_times(s->rk, l, WM_MS);
        int64_t off = l->elems[0].offset;
        if (!e)
            e = l->elems[0].err;
        rd_kafka_topic_partition_list_destroy(l);
        if (e)
            return sl_error_set(err, SL_EIO,
                                "kafka source: %s: offset for timestamp "
                                "%" PRId64 ": %s",
                                k->id, ts, rd_kafka_err2str(e));
        k->pos = off < 0 ? hi : off;
        return 0;
    }
    if (sym == RD_KAFKA_OFFSET_BEGINNING)
        k->pos = lo;
    else if (sym == RD_KAFKA_OFFSET_END)
        k->pos = hi;
    else if (sym < lo)
        return sl_error_set(err, SL_EIO,
                            "kafka source: %s: offset %" PRId64
                            " is no longer in the topic (the earliest is "
                            "%" PRId64 "; retention deleted the rest)",
                            k->id, sym, lo);
    else
        k->pos = sym;
    return 0;
}

/* Append partition topic/pid to s->p (position 0, no end). */
static struct kpart *add_part(struct ksrc *s, const char *topic, int32_t pid,
                              struct sl_error *err)
{
    if (s->n >= MAX_PARTS) {
        sl_error_set(err, SL_ELIMIT, "kafka source: more than %d partitions",
                     MAX_PARTS);
        return NULL;
    }
    struct kpart *np = realloc(s->p, (s->n + 1) * sizeof *np);
    if (!np) {
        sl_error_set(err, SL_ENOMEM, "out of memory");
        return NULL;
    }
    s->p = np;
    struct kpart *k = &s->p[s->n];
    memset(k, 0, sizeof *k);
    k->partition = pid;
    k->end = -1;
    k->topic = strdup(topic);
    char id[512];
    snprintf(id, sizeof id, "%s/%d", topic, (int)pid);
    k->id = strdup(id);
    if (!k->topic || !k->id) {
        free(k->topic);
        free(k->id);
        sl_error_set(err, SL_ENOMEM, "out of memory");
        return NULL;
    }
    s->n++;
    return k;
}

/* Position of a partition no checkpoint knows: the configured start
 * (starting_offsets, starting_timestamp, starting_position). */
static int start_fresh(struct ksrc *s, struct kpart *k, struct sl_error *err)
{
    int64_t def = s->latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
    const struct sl_conf *so = s->o.starting_offsets;
    bool exact = so && so->kind == SL_CONF_MAP &&
                 map_offset(so, k->topic, k->partition, -3) != -3;
    if (exact)
        def = map_offset(so, k->topic, k->partition, def);
    return resolve(s, k, def, exact ? -1 : s->o.starting_timestamp, err);
}

/* Add the wanted partitions of the cluster that are not known yet. `fresh`
 * is true for the first listing (configured starts apply); later ones are
 * new partitions, read from their beginning. */
static int discover(struct ksrc *s, const struct sl_positions *start,
                    bool resume, bool fresh, struct sl_error *err)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(s->rk, 1, NULL, &md, META_MS);
    if (e)
        return sl_error_set(err, SL_EIO,
                            "kafka source: cannot list topics: %s (is the "
                            "cluster reachable?)",
                            rd_kafka_err2str(e));
    int rc = 0;
    for (int t = 0; !rc && t < md->topic_cnt; t++) {
        const struct rd_kafka_metadata_topic *mt = &md->topics[t];
        if (mt->err || !wanted_topic(s, mt->topic))
            continue;
        for (int i = 0; !rc && i < mt->partition_cnt; i++) {
            int32_t pid = mt->partitions[i].id;
            if (s->o.assign && !assign_lists(s, mt->topic, pid))
                continue;
            if (find(s, mt->topic, pid))
                continue;
            struct kpart *k = add_part(s, mt->topic, pid, err);
            if (!k) {
                rc = err ? err->code : SL_ENOMEM;
                break;
            }
            const char *id = k->id;
            const char *have = start ? sl_positions_get(start, id) : NULL;
            if (have) {
                if (sl__pos_parse(have, &k->pos))
                    rc = sl_error_set(err, SL_ECORRUPT,
                                      "kafka source: checkpoint position "
                                      "'%s' of %s is not an offset",
                                      have, id);
                continue;
            }
            if (s->replay) {
                /* not in the replayed batch: nothing to read */
                k->end = 0;
                continue;
            }
            if (!fresh || resume) {
                rc = resolve(s, k, RD_KAFKA_OFFSET_BEGINNING, -1, err);
                continue;
            }
            rc = start_fresh(s, k, err);
        }
    }
    rd_kafka_metadata_destroy(md);
    return rc;
}

/* ending_offsets for the partitions that have no end yet. */
static int apply_ending(struct ksrc *s, struct sl_error *err)
{
    const struct sl_conf *eo = s->o.ending_offsets;
    if (!eo || s->replay)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        struct kpart *k = &s->p[i];
        if (k->end >= 0)
            continue;
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
            s->rk, k->topic, k->partition, &lo, &hi, WM_MS);
        if (e)
            return sl_error_set(err, SL_EIO,
                                "kafka source: cannot read the offsets of "
                                "%s: %s",
                                k->id, rd_kafka_err2str(e));
        k->end = eo->kind == SL_CONF_MAP
                     ? map_offset(eo, k->topic, k->partition, hi)
                     : hi;
        if (k->end < 0)
            k->end = hi;
    }
    return 0;
}

static int reassign(struct ksrc *s, struct sl_error *err)
{
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new((int)(s->n ? s->n : 1));
    for (size_t i = 0; i < s->n; i++) {
        struct kpart *k = &s->p[i];
        k->paused = k->end >= 0 && k->pos >= k->end;
        k->eof = false;
        if (k->paused)
            continue;
        rd_kafka_topic_partition_list_add(l, k->topic, k->partition)->offset =
            k->pos;
    }
    drop_buffered(s);
    rd_kafka_resp_err_t e = rd_kafka_assign(s->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return sl_error_set(err, SL_EIO, "kafka source: assign: %s",
                            rd_kafka_err2str(e));
    /* One queue per partition (not forwarded to the consumer queue): the
     * prefetch bound then applies per partition, as in kcat, and poll
     * takes one partition's records at a time. Messages that reached the
     * consumer queue before this are read from there. */
    for (size_t i = 0; i < s->n; i++) {
        struct kpart *k = &s->p[i];
        if (k->q) {
            rd_kafka_queue_destroy(k->q);
            k->q = NULL;
        }
        if (k->paused)
            continue;
        k->q = rd_kafka_queue_get_partition(s->rk, k->topic, k->partition);
        if (!k->q)
            continue;
        rd_kafka_queue_forward(k->q, NULL);
        rd_kafka_queue_io_event_enable(k->q, s->wake[1], "k", 1);
    }
    return 0;
}

/* ---- scale-out: partitions from the consumer group ---- */

static void unassign_now(struct ksrc *s)
{
    drop_buffered(s);
    parts_free(s);
    rd_kafka_assign(s->rk, NULL);
    s->revoke_pending = false;
}

/* The group gave this worker `parts`: each continues at the largest end
 * any worker's checkpoint recorded for it (kafka_scan.c), or at the
 * configured start when none did. */
static int on_assign(struct ksrc *s,
                     const rd_kafka_topic_partition_list_t *parts,
                     struct sl_error *err)
{
    struct sl_positions ends = {0};
    drop_buffered(s);
    parts_free(s);
    int rc = sl__kafka_scan_ends(s->ckroot, &ends, err);
    for (int i = 0; !rc && i < parts->cnt; i++) {
        struct kpart *k =
            add_part(s, parts->elems[i].topic, parts->elems[i].partition, err);
        if (!k) {
            rc = SL_ENOMEM;
            break;
        }
        const char *have = sl_positions_get(&ends, k->id);
        if (have)
            rc = sl__pos_parse(have, &k->pos);
        else
            rc = start_fresh(s, k, err);
    }
    sl_positions_free(&ends);
    if (!rc)
        rc = reassign(s, err);
    if (!rc) {
        s->assigned_once = true;
        sl_info("kafka source: worker assigned %d partition(s)", parts->cnt);
    }
    return rc;
}

/* Called by librdkafka inside poll (engine thread). A revocation while the
 * open batch holds records of these partitions waits: poll closes the
 * window, and commit() gives the partitions up once the batch is
 * committed, so the next owner starts after it. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct ksrc *s = opaque;
    (void)rk;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        s->revoke_pending = false;
        sl_error_clear(&s->cb_err);
        int rc = on_assign(s, parts, &s->cb_err);
        if (rc) {
            s->cb_rc = rc;
            unassign_now(s);
        }
        return;
    }
    if (s->closing || s->read_since_commit == 0) {
        unassign_now(s);
        return;
    }
    s->revoke_pending = true;
    sl_info("kafka source: partitions revoked; closing the batch first");
}

static int subscribe(struct ksrc *s, struct sl_error *err)
{
    struct kafka_opts *o = &s->o;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    if (o->topic)
        rd_kafka_topic_partition_list_add(l, o->topic, RD_KAFKA_PARTITION_UA);
    for (size_t i = 0; i < o->topics.n; i++)
        rd_kafka_topic_partition_list_add(l, o->topics.v[i],
                                          RD_KAFKA_PARTITION_UA);
    if (o->subscribe_pattern) {
        char pat[1024];
        snprintf(pat, sizeof pat, "%s%s",
                 o->subscribe_pattern[0] == '^' ? "" : "^",
                 o->subscribe_pattern);
        rd_kafka_topic_partition_list_add(l, pat, RD_KAFKA_PARTITION_UA);
    }
    unassign_now(s);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(s->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return sl_error_set(err, SL_EIO, "kafka source: subscribe: %s",
                            rd_kafka_err2str(e));
    s->subscribed = true;
    s->assign_wait_until = mono() + ASSIGN_WAIT_MS;
    return 0;
}

/* ---- ops ---- */

static int kafka_open(const struct sl_source_ctx *ctx, void **out,
                      struct sl_error *err)
{
    *out = NULL;
    struct ksrc *s = calloc(1, sizeof *s);
    if (!s)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    s->wake[0] = s->wake[1] = -1;
    int rc = sl__source_options(kafka_options, ctx, &s->o, err);
    if (rc) {
        free(s);
        return rc;
    }
    struct kafka_opts *o = &s->o;
    int ways = (o->topic != NULL) + (o->topics.n > 0) +
               (o->subscribe_pattern != NULL) + (o->assign != NULL);
    char ebuf[256];
    if (ways != 1) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: kafka source: set exactly one of topic, "
                          "topics, subscribe_pattern, assign",
                          sl_conf_where(ctx->conf, ebuf, sizeof ebuf));
        goto fail;
    }
    if (o->assign && o->assign->kind != SL_CONF_MAP) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: kafka source: assign is a map {topic: "
                          "[partition, ...]}",
                          sl_conf_where(o->assign, ebuf, sizeof ebuf));
        goto fail;
    }
    if (ctx->worker_id) {
        if (o->assign || o->ending_offsets) {
            rc = sl_error_set(err, SL_EINVAL,
                              "%s: kafka source: with worker_id (scale-out) "
                              "the consumer group assigns partitions: use "
                              "topic, topics or subscribe_pattern, without "
                              "ending_offsets",
                              sl_conf_where(ctx->conf, ebuf, sizeof ebuf));
            goto fail;
        }
        s->group = true;
        if (!(s->ckroot = strdup(ctx->checkpoint_root))) {
            rc = sl_error_set(err, SL_ENOMEM, "out of memory");
            goto fail;
        }
    }
    s->latest =
        ctx->starting_position && strcmp(ctx->starting_position, "latest") == 0;
    const struct sl_conf *so = o->starting_offsets;
    if (so && so->kind == SL_CONF_SCALAR) {
        if (strcmp(so->str, "latest") != 0 && strcmp(so->str, "earliest")) {
            rc = sl_error_set(err, SL_EINVAL,
                              "%s: kafka source: starting_offsets is "
                              "earliest, latest or {topic: {partition: "
                              "offset}}",
                              sl_conf_where(so, ebuf, sizeof ebuf));
            goto fail;
        }
        s->latest = strcmp(so->str, "latest") == 0;
    }
    if (o->ending_offsets && o->ending_offsets->kind == SL_CONF_SCALAR &&
        strcmp(o->ending_offsets->str, "latest") != 0) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: kafka source: ending_offsets is latest or "
                          "{topic: {partition: offset}}",
                          sl_conf_where(o->ending_offsets, ebuf, sizeof ebuf));
        goto fail;
    }
    static const char *const md_names[] = {"key", "topic", "partition",
                                           "offset", "timestamp"};
    for (size_t i = 0; i < o->metadata_columns.n; i++) {
        size_t k = 0;
        while (k < 5 && strcmp(md_names[k], o->metadata_columns.v[i]) != 0)
            k++;
        if (k == 5) {
            rc = sl_error_set(err, SL_EINVAL,
                              "kafka source: metadata_columns: unknown '%s' "
                              "(known: key, topic, partition, offset, "
                              "timestamp)",
                              o->metadata_columns.v[i]);
            goto fail;
        }
        s->meta |= 1u << k;
    }
    if (o->add_record_timestamp)
        s->meta |= MD_SRC_TS;
    if (o->include_headers)
        s->meta |= MD_HEADERS;
    for (unsigned b = s->meta; b; b &= b - 1)
        s->n_extra++;
    if (o->subscribe_pattern) {
        if (regcomp(&s->re, o->subscribe_pattern, REG_EXTENDED | REG_NOSUB)) {
            rc = sl_error_set(err, SL_EINVAL,
                              "kafka source: subscribe_pattern '%s' is not a "
                              "valid extended regular expression",
                              o->subscribe_pattern);
            goto fail;
        }
        s->have_re = true;
    }
    struct sl_buf id;
    sl_buf_init(&id, 0);
    rc = sl_buf_puts(&id, "kafka:");
    if (o->topic)
        rc = rc ? rc : sl_buf_puts(&id, o->topic);
    for (size_t i = 0; !rc && i < o->topics.n; i++)
        rc = sl_buf_appendf(&id, "%s%s", i ? "," : "", o->topics.v[i]);
    if (o->subscribe_pattern)
        rc = rc ? rc : sl_buf_appendf(&id, "pattern:%s", o->subscribe_pattern);
    if (o->assign)
        rc =
            rc ? rc
               : sl_buf_puts(&id, "assign:") || sl_conf_to_json(o->assign, &id);
    if (!rc)
        rc = sl_buf_cstr(&id);
    if (rc) {
        sl_buf_free(&id);
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    s->identity = (char *)id.data;

    void *cv;
    rc = sl_kafka_conf_build(ctx->connections, o->connection,
                             o->bootstrap_servers, o->properties,
                             "kafka source", &cv, err);
    if (rc)
        goto fail;
    rd_kafka_conf_t *conf = cv;
    char gid[300];
    if (o->group_id)
        snprintf(gid, sizeof gid, "%s", o->group_id);
    else
        snprintf(gid, sizeof gid, "sluice-%s",
                 ctx->job_name ? ctx->job_name : "job");
    const char *fixed[][2] = {
        {"group.id", gid},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "true"},
        {"auto.offset.reset", "error"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], ebuf,
                              sizeof ebuf) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            rc = sl_error_set(err, SL_EINVAL, "kafka source: %s: %s",
                              fixed[i][0], ebuf);
            goto fail;
        }
    rd_kafka_conf_set_opaque(conf, s);
    if (s->group)
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, ebuf, sizeof ebuf);
    if (!s->rk) {
        rd_kafka_conf_destroy(conf);
        rc = sl_error_set(err, SL_EINVAL, "kafka source: %s", ebuf);
        goto fail;
    }
    rd_kafka_poll_set_consumer(s->rk);
    s->q = rd_kafka_queue_get_consumer(s->rk);
    if (pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        s->wake[0] = s->wake[1] = -1;
        rc = sl_error_set(err, SL_EIO, "kafka source: pipe: %s",
                          strerror(errno));
        goto fail;
    }
    rd_kafka_queue_io_event_enable(s->q, s->wake[1], "k", 1);
    *out = s;
    return 0;
fail:
    kafka_close(s);
    return rc;
}

static int kafka_identity(void *st, struct sl_buf *out)
{
    struct ksrc *s = st;
    return sl_buf_puts(out, s->identity);
}

static int kafka_seek(void *st, const struct sl_positions *start,
                      const struct sl_positions *end, bool resume,
                      struct sl_error *err)
{
    struct ksrc *s = st;
    drop_buffered(s);
    parts_free(s);
    s->replay = end != NULL;
    s->quota_used = 0;
    s->read_since_commit = 0;
    int rc = 0;
    if (s->replay) {
        /* exactly the recorded partitions and ranges */
        for (size_t i = 0; !rc && i < end->n; i++) {
            const char *id = end->v[i].id;
            const char *slash = strrchr(id, '/');
            int64_t pid, e, b;
            const char *sp = sl_positions_get(start, id);
            if (!slash || sl_parse_i64(slash + 1, &pid) || pid < 0 ||
                pid > INT32_MAX || sl__pos_parse(end->v[i].pos, &e) || !sp ||
                sl__pos_parse(sp, &b)) {
                rc = sl_error_set(err, SL_ECORRUPT,
                                  "kafka source: checkpoint range of '%s' is "
                                  "not a Kafka partition range",
                                  id);
                break;
            }
            struct kpart *np = realloc(s->p, (s->n + 1) * sizeof *np);
            if (!np) {
                rc = sl_error_set(err, SL_ENOMEM, "out of memory");
                break;
            }
            s->p = np;
            struct kpart *k = &s->p[s->n];
            memset(k, 0, sizeof *k);
            k->topic = strndup(id, (size_t)(slash - id));
            k->id = strdup(id);
            k->partition = (int32_t)pid;
            k->pos = b;
            k->end = e;
            if (!k->topic || !k->id) {
                free(k->topic);
                free(k->id);
                rc = sl_error_set(err, SL_ENOMEM, "out of memory");
                break;
            }
            s->n++;
        }
    } else if (s->group) {
        /* positions come from the checkpoints at each assignment */
        return s->subscribed ? 0 : subscribe(s, err);
    } else {
        rc = discover(s, start, resume, true, err);
        if (!rc)
            rc = apply_ending(s, err);
        s->next_discovery = mono() + s->o.discovery_ms;
    }
    if (!rc)
        rc = reassign(s, err);
    return rc;
}

static bool all_done(const struct ksrc *s)
{
    if (s->group && !s->replay)
        return false;
    if (s->n == 0)
        return s->replay;
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].end < 0 || s->p[i].pos < s->p[i].end)
            return false;
    return true;
}

static void pause_part(struct ksrc *s, struct kpart *k)
{
    if (k->paused)
        return;
    k->paused = true;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, k->topic, k->partition);
    rd_kafka_pause_partitions(s->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
}

/* Filter a fetched message: true when it is a record to return. */
static int take(struct ksrc *s, rd_kafka_message_t *m, struct kpart **kp,
                struct sl_error *err)
{
    const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL;
    struct kpart *k = topic ? find(s, topic, m->partition) : NULL;
    *kp = k;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (k && m->offset >= k->pos)
            k->eof = true;
        /* Nothing more now. Control records (transaction markers) may
         * sit between the last record and the end: count them as read
         * when that completes a bounded range. */
        if (k && k->end >= 0 && m->offset >= k->end && k->pos < k->end) {
            k->pos = k->end;
            pause_part(s, k);
        }
        return 0;
    }
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
            m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
            return sl_error_set(err, SL_EIO,
                                "kafka source: %s: offset %" PRId64
                                " is no longer in the topic (retention "
                                "deleted records not yet read): %s",
                                k ? k->id : "?", k ? k->pos : -1,
                                rd_kafka_message_errstr(m));
        if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
            m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
            sl_warn("kafka source: %s: %s", k ? k->id : "?",
                    rd_kafka_message_errstr(m));
        else
            sl_warn("kafka source: %s (librdkafka retries)",
                    rd_kafka_message_errstr(m));
        return 0;
    }
    if (!k || m->offset < k->pos || k->paused)
        return 0;
    if (k->end >= 0 && m->offset >= k->end) {
        pause_part(s, k);
        return 0;
    }
    return 1;
}

static struct sl_raw_extra *ext(struct sl_raw_extra *x, size_t *n,
                                const char *name, enum sl_type t)
{
    struct sl_raw_extra *e = &x[(*n)++];
    memset(e, 0, sizeof *e);
    e->name = name;
    e->type = t;
    return e;
}

static bool utf8(const void *p, size_t n)
{
    return sl_utf8_valid(p, n) != 0;
}

/* The metadata columns of message m (record i of the chunk): in the order
 * key, topic, partition, offset, timestamp, __src_timestamp, headers. */
static int set_extra(struct ksrc *s, const struct kpart *k,
                     const rd_kafka_message_t *m, struct sl_raw_record *rec,
                     size_t i, struct sl_error *err)
{
    struct sl_raw_extra *x = &s->extra[i * MAX_EXTRA];
    size_t n = 0;
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    if (s->meta & MD_KEY) {
        struct sl_raw_extra *e = ext(x, &n, "__key", SL_STRING);
        e->null = !m->key || !utf8(m->key, m->key_len);
        e->p = m->key;
        e->len = m->key_len;
    }
    if (s->meta & MD_TOPIC) {
        struct sl_raw_extra *e = ext(x, &n, "__topic", SL_STRING);
        e->p = (const uint8_t *)k->topic;
        e->len = strlen(k->topic);
    }
    if (s->meta & MD_PARTITION)
        ext(x, &n, "__partition", SL_INT)->i64 = k->partition;
    if (s->meta & MD_OFFSET)
        ext(x, &n, "__offset", SL_BIGINT)->i64 = m->offset;
    if (s->meta & MD_TIMESTAMP) {
        struct sl_raw_extra *e = ext(x, &n, "__timestamp", SL_TIMESTAMP);
        e->null = ts < 0;
        e->i64 = ts * 1000;
    }
    if (s->meta & MD_SRC_TS) {
        struct sl_raw_extra *e = ext(x, &n, "__src_timestamp", SL_TIMESTAMP);
        e->null = ts < 0;
        e->i64 = ts * 1000;
    }
    if (s->meta & MD_HEADERS) {
        struct sl_raw_extra *e = ext(x, &n, "__headers", SL_MAP);
        rd_kafka_headers_t *h = NULL;
        s->pair_at[i] = s->n_pairs;
        if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            h) {
            size_t hn = rd_kafka_header_cnt(h);
            if (s->n_pairs + hn > MAX_HEADERS_PER_CHUNK)
                return sl_error_set(err, SL_ELIMIT,
                                    "kafka source: %s offset %" PRId64
                                    ": too many headers in one chunk",
                                    k->id, m->offset);
            if (s->n_pairs + hn > s->pairs_cap) {
                size_t cap = (s->n_pairs + hn) * 2;
                struct sl_raw_pair *np = realloc(s->pairs, cap * sizeof *np);
                if (!np)
                    return sl_error_set(err, SL_ENOMEM, "out of memory");
                s->pairs = np;
                s->pairs_cap = cap;
            }
            for (size_t j = 0; j < hn; j++) {
                const char *name;
                const void *val;
                size_t size;
                if (rd_kafka_header_get_all(h, j, &name, &val, &size))
                    break;
                if (!utf8(name, strlen(name)))
                    continue;
                struct sl_raw_pair *pr = &s->pairs[s->n_pairs++];
                pr->k = (const uint8_t *)name;
                pr->kn = strlen(name);
                pr->v = val && utf8(val, size) ? val : NULL;
                pr->vn = pr->v ? size : 0;
                e->n_pairs++;
            }
        }
    }
    rec->flags |= SL_REC_EXTRA;
    rec->extra = x;
    rec->n_extra = n;
    return 0;
}

/* Take the next run of records of one partition from buf into out. */
static int run(struct ksrc *s, size_t max_records, size_t max_bytes,
               struct kpart **curp, struct sl_error *err)
{
    struct kpart *cur = NULL;
    size_t bytes = 0;
    int rc = 0;
    while (s->bi < s->bn && s->on < max_records && bytes < max_bytes) {
        rd_kafka_message_t *m = s->buf[s->bi];
        struct kpart *k;
        if (cur) {
            /* the run continues only with the same partition */
            const char *t = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL;
            if (m->err || !t || m->partition != cur->partition ||
                strcmp(t, cur->topic) != 0)
                break;
        }
        s->bi++;
        int r = take(s, m, &k, err);
        if (r < 0) {
            rd_kafka_message_destroy(m);
            rc = r;
            break;
        }
        if (r == 0) {
            rd_kafka_message_destroy(m);
            continue;
        }
        struct sl_raw_record *rec = &s->recs[s->on];
        memset(rec, 0, sizeof *rec);
        rec->data = m->payload ? m->payload : (const uint8_t *)"";
        rec->len = m->len;
        rec->key = m->key;
        rec->key_len = m->key_len;
        rec->timestamp_ms = rd_kafka_message_timestamp(m, NULL);
        rec->pos = m->offset;
        if (s->meta && (r = set_extra(s, k, m, rec, s->on, err)) < 0) {
            rd_kafka_message_destroy(m);
            rc = r;
            break;
        }
        s->out[s->on++] = m;
        bytes += m->len;
        k->pos = m->offset + 1;
        cur = k;
        k->eof = false;
        if (k->end >= 0 && k->pos >= k->end)
            pause_part(s, k);
    }
    /* header pairs were appended to a growing array: point at them now */
    for (size_t i = 0; s->meta & MD_HEADERS && i < s->on; i++) {
        struct sl_raw_extra *h = &s->extra[i * MAX_EXTRA + s->n_extra - 1];
        h->pairs = s->pairs + s->pair_at[i];
    }
    *curp = cur;
    return rc;
}

/* A partition may still have records to fetch: not paused and no
 * end-of-partition seen at its position. */
static bool pending(const struct ksrc *s)
{
    if (s->group && s->subscribed && !s->assigned_once &&
        mono() < s->assign_wait_until)
        return true;
    for (size_t i = 0; i < s->n; i++)
        if (!s->p[i].paused && !s->p[i].eof)
            return true;
    return false;
}

/* Fetched messages into buf: the next partition queue (round robin) that
 * has any, else the consumer queue (errors, events, early messages); when
 * none has any, wait up to wait_ms for librdkafka's wake-up write. */
static ssize_t fill(struct ksrc *s, int wait_ms)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t j = 0; j < s->n; j++) {
            size_t i = (s->rr + j) % s->n;
            if (!s->p[i].q)
                continue;
            ssize_t got =
                rd_kafka_consume_batch_queue(s->p[i].q, 0, s->buf, s->cap);
            if (got > 0) {
                s->rr = (i + 1) % s->n;
                return got;
            }
        }
        ssize_t got = rd_kafka_consume_batch_queue(s->q, 0, s->buf, s->cap);
        if (got != 0 || pass == 1 || wait_ms <= 0)
            return got;
        struct pollfd pf = {.fd = s->wake[0], .events = POLLIN};
        if (poll(&pf, 1, wait_ms) > 0) {
            char drain[256];
            while (read(s->wake[0], drain, sizeof drain) > 0)
                ;
        }
    }
    return 0;
}

static int kafka_poll(void *st, struct sl_raw_chunk *ch, size_t max_records,
                      size_t max_bytes, int timeout_ms, struct sl_error *err)
{
    struct ksrc *s = st;
    drop_out(s);
    memset(ch, 0, sizeof *ch);
    if (s->cb_rc) {
        int rc = s->cb_rc;
        s->cb_rc = 0;
        if (err)
            *err = s->cb_err;
        return rc;
    }
    if (s->revoke_pending)
        return SL_ELIMIT; /* close the batch; commit() gives them up */
    if (!s->replay && !s->group && s->o.discovery_ms > 0 &&
        mono() >= s->next_discovery) {
        size_t before = s->n;
        struct sl_error derr;
        s->next_discovery = mono() + s->o.discovery_ms;
        if (discover(s, NULL, true, false, &derr) == 0 && s->n > before) {
            sl_info("kafka source: %zu new partition(s)", s->n - before);
            int rc = apply_ending(s, err);
            if (!rc)
                rc = reassign(s, err);
            if (rc)
                return rc;
        }
    }
    if (all_done(s))
        return SL_EEOF;
    if (s->o.max_offsets_per_batch > 0 && !s->replay) {
        int64_t left = s->o.max_offsets_per_batch - s->quota_used;
        if (left <= 0)
            return SL_ELIMIT;
        if ((int64_t)max_records > left)
            max_records = (size_t)left;
    }
    if (max_records == 0)
        max_records = 1;
    if (s->cap < max_records) {
        rd_kafka_message_t **nb = realloc(s->buf, max_records * sizeof *nb);
        if (nb)
            s->buf = nb;
        rd_kafka_message_t **no = realloc(s->out, max_records * sizeof *no);
        if (no)
            s->out = no;
        struct sl_raw_record *nr = realloc(s->recs, max_records * sizeof *nr);
        if (nr)
            s->recs = nr;
        struct sl_raw_extra *ne = s->extra;
        size_t *npa = s->pair_at;
        if (s->meta) {
            ne = realloc(s->extra, max_records * MAX_EXTRA * sizeof *ne);
            if (ne)
                s->extra = ne;
            npa = realloc(s->pair_at, max_records * sizeof *npa);
            if (npa)
                s->pair_at = npa;
        }
        if (!nb || !no || !nr || (s->meta && (!ne || !npa)))
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        s->cap = max_records;
    }
    int64_t now = mono(), t_end = now + timeout_ms;
    int64_t t_max = now + (timeout_ms > PENDING_MS ? timeout_ms : PENDING_MS);
    if (s->group && !s->assigned_once && s->assign_wait_until > t_max)
        t_max = s->assign_wait_until;
    struct kpart *cur = NULL;
    int rc = 0;
    for (;;) {
        if (s->bi == s->bn) {
            int64_t left = t_end - mono();
            s->bi = s->bn = 0;
            ssize_t got = fill(s, left > 0 ? (int)left : 0);
            if (s->cb_rc || s->revoke_pending) {
                /* the rebalance callback ran inside fill */
                s->bi = s->bn = 0;
                for (ssize_t i = 0; i < got; i++)
                    rd_kafka_message_destroy(s->buf[i]);
                if (s->revoke_pending && s->read_since_commit == 0) {
                    unassign_now(s);
                    continue;
                }
                return kafka_poll(st, ch, max_records, max_bytes, 0, err);
            }
            if (got < 0)
                return sl_error_set(err, SL_EIO, "kafka source: %s",
                                    rd_kafka_err2str(rd_kafka_last_error()));
            s->bn = (size_t)got;
        }
        rc = run(s, max_records, max_bytes, &cur, err);
        if (rc || s->on > 0)
            break;
        if (all_done(s))
            return SL_EEOF;
        if (s->bi < s->bn)
            continue;
        now = mono();
        if (now < t_end)
            continue;
        /* Nothing within the timeout. While a partition has not reported
         * its end yet (just assigned, or records known to follow), wait a
         * little longer so "idle" means caught up, not "slow fetch". */
        if (now < t_max && pending(s)) {
            t_end = now + 100 < t_max ? now + 100 : t_max;
            continue;
        }
        return SL_EAGAIN;
    }
    if (rc)
        return rc;
    s->quota_used += (int64_t)s->on;
    s->read_since_commit += (int64_t)s->on;
    ch->partition = cur->id;
    ch->label = cur->id;
    ch->n = s->on;
    ch->recs = s->recs;
    return 0;
}

static int kafka_positions(void *st, struct sl_positions *out,
                           struct sl_error *err)
{
    struct ksrc *s = st;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < s->n; i++) {
        char v[32];
        snprintf(v, sizeof v, "%" PRId64, s->p[i].pos);
        if (sl_positions_set(out, s->p[i].id, v)) {
            sl_positions_free(out);
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        }
    }
    return 0;
}

static void log_lag(struct ksrc *s)
{
    struct sl_buf b;
    sl_buf_init(&b, 1u << 20);
    int64_t total = 0;
    for (size_t i = 0; i < s->n; i++) {
        int64_t lo, hi;
        if (rd_kafka_get_watermark_offsets(s->rk, s->p[i].topic,
                                           s->p[i].partition, &lo, &hi) != 0 ||
            hi < 0)
            continue;
        int64_t lag = hi > s->p[i].pos ? hi - s->p[i].pos : 0;
        total += lag;
        sl_buf_appendf(&b, " %s=%" PRId64, s->p[i].id, lag);
    }
    if (sl_buf_cstr(&b) == 0)
        sl_info("kafka lag: total=%" PRId64 "%s", total,
                b.len ? (char *)b.data : "");
    sl_buf_free(&b);
}

static int kafka_commit(void *st, const struct sl_positions *end,
                        struct sl_error *err)
{
    struct ksrc *s = st;
    s->quota_used = 0;
    s->read_since_commit = 0;
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new((int)(end->n ? end->n : 1));
    for (size_t i = 0; i < end->n; i++) {
        const char *id = end->v[i].id;
        const char *slash = strrchr(id, '/');
        int64_t pid, off;
        if (!slash || sl_parse_i64(slash + 1, &pid) ||
            sl__pos_parse(end->v[i].pos, &off))
            continue;
        char topic[256];
        snprintf(topic, sizeof topic, "%.*s", (int)(slash - id), id);
        rd_kafka_topic_partition_list_add(l, topic, (int32_t)pid)->offset = off;
    }
    rd_kafka_resp_err_t e =
        l->cnt ? rd_kafka_commit(s->rk, l, 1) : RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_topic_partition_list_destroy(l);
    if (s->o.emit_consumer_lag_metrics)
        log_lag(s);
    if (s->revoke_pending) {
        sl_info("kafka source: batch committed; giving up %zu partition(s)",
                s->n);
        unassign_now(s);
    }
    if (e) {
        sl_debug("kafka source: group offset commit: %s", rd_kafka_err2str(e));
        return sl_error_set(err, SL_EIO, "kafka source: group commit: %s",
                            rd_kafka_err2str(e));
    }
    return 0;
}

const struct sl_source_ops sl_source_kafka = {
    .name = "kafka",
    .summary = "Apache Kafka / Amazon MSK topics (librdkafka); positions are "
               "offsets, the checkpoint is the source of truth",
    .options = kafka_options,
    .resumable = true,
    .open = kafka_open,
    .identity = kafka_identity,
    .seek = kafka_seek,
    .poll = kafka_poll,
    .positions = kafka_positions,
    .commit = kafka_commit,
    .close = kafka_close,
};
