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
 * With the job's worker_id set, several workers share the partitions
 * through the consumer group instead (kafka_group.c). Partition selection
 * and starting offsets are in kafka_parts.c, metadata columns in
 * kafka_meta.c, shared internals in kafka_int.h. Threads: engine thread
 * only (librdkafka runs its own threads inside).
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kafka_int.h"
#include "jsonw.h"
#include "kafka/conn.h"
#include "log.h"
#include "sources.h"

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

int64_t sl__kafka_mono(void)
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

void sl__kafka_drop_buffered(struct ksrc *s)
{
    drop_out(s);
    for (size_t i = s->bi; i < s->bn; i++)
        rd_kafka_message_destroy(s->buf[i]);
    s->bi = s->bn = 0;
}

struct kpart *sl__kafka_find(struct ksrc *s, const char *topic, int32_t part)
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

void sl__kafka_parts_free(struct ksrc *s)
{
    for (size_t i = 0; i < s->n; i++) {
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
    sl__kafka_drop_buffered(s);
    if (s->wakes)
        sl_debug("kafka source: woke the fetchers %" PRId64 " time(s) when "
                 "the prefetch queue drained",
                 s->wakes);
    if (s->q)
        rd_kafka_queue_destroy(s->q);
    if (s->rk) {
        s->closing = true;
        rd_kafka_consumer_close(s->rk);
        rd_kafka_destroy(s->rk);
    }
    if (s->have_re)
        regfree(&s->re);
    sl__kafka_parts_free(s);
    free(s->buf);
    free(s->out);
    free(s->recs);
    free(s->extra);
    free(s->pairs);
    free(s->pair_at);
    free(s->identity);
    free(s->ckroot);
    free(s->worker);
    sl_strlist_free(&s->orphans);
    sl_options_free(kafka_options, &s->o);
    free(s);
}

/* ---- ops ---- */

static int kafka_open(const struct sl_source_ctx *ctx, void **out,
                      struct sl_error *err)
{
    *out = NULL;
    struct ksrc *s = calloc(1, sizeof *s);
    if (!s)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
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
        if (!(s->ckroot = strdup(ctx->checkpoint_root)) ||
            !(s->worker = strdup(ctx->worker_id))) {
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
    if ((rc = sl__kafka_fetch_conf(s, conf, err))) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
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
        rd_kafka_conf_set_rebalance_cb(conf, sl__kafka_rebalance_cb);
    s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, ebuf, sizeof ebuf);
    if (!s->rk) {
        rd_kafka_conf_destroy(conf);
        rc = sl_error_set(err, SL_EINVAL, "kafka source: %s", ebuf);
        goto fail;
    }
    sl_kafka_conn_started(s->rk);
    sl__kafka_fetch_limits(s);
    rd_kafka_poll_set_consumer(s->rk);
    s->q = rd_kafka_queue_get_consumer(s->rk);
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
    sl__kafka_drop_buffered(s);
    sl__kafka_parts_free(s);
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
        return s->subscribed ? 0 : sl__kafka_subscribe(s, err);
    } else {
        rc = sl__kafka_discover(s, start, resume, true, err);
        if (!rc && s->n == 0)
            sl_warn("kafka source: no partition matches %s yet; waiting for "
                    "it (looked again every partition_discovery)",
                    s->identity + 6);
        if (!rc)
            rc = sl__kafka_apply_ending(s, err);
        s->next_discovery = sl__kafka_mono() + s->o.discovery_ms;
    }
    if (!rc)
        rc = sl__kafka_reassign(s, err);
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
    struct kpart *k = topic ? sl__kafka_find(s, topic, m->partition) : NULL;
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
        if (s->meta &&
            (r = sl__kafka_set_extra(s, k, m, rec, s->on, err)) < 0) {
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
        sl__kafka_mono() < s->assign_wait_until)
        return true;
    for (size_t i = 0; i < s->n; i++)
        if (!s->p[i].paused && !s->p[i].eof)
            return true;
    return false;
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
    if (s->orphans.n)
        return SL_ELIMIT; /* the engine takes the orphans first */
    if (!s->replay && !s->group && s->o.discovery_ms > 0 &&
        sl__kafka_mono() >= s->next_discovery) {
        size_t before = s->n;
        struct sl_error derr;
        s->next_discovery = sl__kafka_mono() + s->o.discovery_ms;
        if (sl__kafka_discover(s, NULL, true, false, &derr) == 0 &&
            s->n > before) {
            sl_info("kafka source: %zu new partition(s)", s->n - before);
            int rc = sl__kafka_apply_ending(s, err);
            if (!rc)
                rc = sl__kafka_reassign(s, err);
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
    int64_t now = sl__kafka_mono(), t_end = now + timeout_ms;
    int64_t t_max = now + (timeout_ms > PENDING_MS ? timeout_ms : PENDING_MS);
    if (s->group && !s->assigned_once && s->assign_wait_until > t_max)
        t_max = s->assign_wait_until;
    struct kpart *cur = NULL;
    int rc = 0;
    for (;;) {
        if (s->bi == s->bn) {
            int64_t left = t_end - sl__kafka_mono();
            s->bi = s->bn = 0;
            ssize_t got = sl__kafka_fill(s, left > 0 ? (int)left : 0);
            if (s->orphans.n && !s->cb_rc && !s->revoke_pending) {
                /* just assigned, with other workers' batches to replay
                 * first: keep what came for after the takeover */
                s->bn = got > 0 ? (size_t)got : 0;
                return SL_ELIMIT;
            }
            if (s->cb_rc || s->revoke_pending) {
                /* the rebalance callback ran inside fill */
                s->bi = s->bn = 0;
                for (ssize_t i = 0; i < got; i++)
                    rd_kafka_message_destroy(s->buf[i]);
                if (s->revoke_pending && s->read_since_commit == 0) {
                    sl__kafka_unassign_now(s);
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
        now = sl__kafka_mono();
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
        sl__kafka_unassign_now(s);
    }
    if (e) {
        sl_debug("kafka source: group offset commit: %s", rd_kafka_err2str(e));
        return sl_error_set(err, SL_EIO, "kafka source: group commit: %s",
                            rd_kafka_err2str(e));
    }
    return 0;
}

/* Other workers' uncommitted batches found at the last assignment
 * (kafka_group.c); handed over to the engine, which replays them. */
static int kafka_orphans(void *st, struct sl_strlist *out, struct sl_error *err)
{
    struct ksrc *s = st;
    (void)err;
    *out = s->orphans;
    memset(&s->orphans, 0, sizeof s->orphans);
    return 0;
}

const struct sl_source_ops sl_source_kafka = {
    .name = "kafka",
    .summary = "Apache Kafka / Amazon MSK topics (librdkafka); positions are "
               "offsets, the checkpoint is the source of truth",
    .options = kafka_options,
    .resumable = true,
    .per_message_compression = true,
    .open = kafka_open,
    .identity = kafka_identity,
    .seek = kafka_seek,
    .poll = kafka_poll,
    .positions = kafka_positions,
    .commit = kafka_commit,
    .close = kafka_close,
    .orphans = kafka_orphans,
};
