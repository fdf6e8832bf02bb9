/*
 * kafka.c - `type: kafka` sink: each row becomes one Kafka record (JSON or
 * CSV value through the encoder named by `format`), with librdkafka's
 * idempotent producer and acks=all (DESIGN.md §4, part.h sl_sink_ops).
 *
 * Delivery is at-least-once: write() hands records to librdkafka as the
 * chunks come; commit() flushes and checks every delivery report of the
 * batch. A record that could not be delivered fails the commit with the
 * reason, so the engine stops before commits/N and the batch is replayed
 * on the next start: nothing is dropped silently (some records of the
 * batch may then be in the topic twice). The key is taken from
 * `key_column` (string bytes as they are, other types as JSON text, null
 * gives no key); `headers` adds fixed headers to every record.
 *
 * Threads: write/commit on the engine thread; the delivery callback runs
 * inside rd_kafka_poll/flush on the same thread.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "jsonw.h"
#include "kafka/conn.h"
#include "log.h"
#include "part.h"
#include "sink_common.h"

#define ROW_MAX (16u << 20)

struct ksink_opts {
    char *format;
    char *connection, *bootstrap_servers;
    char *topic;
    char *key_column;
    const struct sl_conf *headers;
    char *compression;
    int64_t delivery_timeout_ms;
    const struct sl_conf *properties;
};

static const struct sl_option ksink_options[] = {
    {"connection", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct ksink_opts, connection),
     "name of a connection in the job's connections: map"},
    {"bootstrap_servers", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct ksink_opts, bootstrap_servers),
     "host:port,... of a PLAINTEXT cluster (instead of connection)"},
    {"topic", SL_OPT_STRING, NULL, NULL, true,
     offsetof(struct ksink_opts, topic), "topic the rows are produced to"},
    {"key_column", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct ksink_opts, key_column),
     "column whose value is the record key (default: no key)"},
    {"headers", SL_OPT_NODE, NULL, NULL, false,
     offsetof(struct ksink_opts, headers),
     "map of fixed headers added to every record"},
    {"compression", SL_OPT_ENUM, "none", "none|gzip|snappy|lz4|zstd", false,
     offsetof(struct ksink_opts, compression),
     "Kafka batch compression of the produced records"},
    {"delivery_timeout", SL_OPT_DURATION, "120s", NULL, false,
     offsetof(struct ksink_opts, delivery_timeout_ms),
     "how long a record may take to be acknowledged before the batch "
     "fails"},
    {"properties", SL_OPT_NODE, NULL, NULL, false,
     offsetof(struct ksink_opts, properties),
     "map of extra librdkafka producer properties"},
    {0},
};

struct ksink {
    struct ksink_opts o;
    const struct sl_encoder_ops *enc;
    void *es;
    bool begun;
    struct sl_field schema;
    struct sl_buf row, scratch, key;
    rd_kafka_t *rk;
    rd_kafka_headers_t *hdrs; /* template, copied per record */
    uint64_t sent, delivered, failed;
    char first_error[512];
};

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct ksink *s = opaque;
    (void)rk;
    if (!m->err) {
        s->delivered++;
        return;
    }
    if (s->failed++ == 0)
        snprintf(s->first_error, sizeof s->first_error,
                 "record to partition %d: %s", (int)m->partition,
                 rd_kafka_err2str(m->err));
}

static void ksink_close(void *st)
{
    struct ksink *s = st;
    if (!s)
        return;
    if (s->rk) {
        rd_kafka_flush(s->rk, 10000);
        rd_kafka_destroy(s->rk);
    }
    if (s->hdrs)
        rd_kafka_headers_destroy(s->hdrs);
    if (s->es)
        s->enc->destroy(s->es);
    sl_field_free(&s->schema);
    sl_buf_free(&s->row);
    sl_buf_free(&s->scratch);
    sl_buf_free(&s->key);
    sl_options_free(ksink_options, &s->o);
    free(s);
}

static int ksink_open(const struct sl_sink_ctx *ctx, void **out,
                      struct sl_error *err)
{
    *out = NULL;
    struct ksink *s = calloc(1, sizeof *s);
    if (!s)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    sl_buf_init(&s->row, ROW_MAX);
    sl_buf_init(&s->scratch, 0);
    sl_buf_init(&s->key, ROW_MAX);
    const struct sl_encoder_ops *enc;
    int rc = sl__sink_parse(ksink_options, ctx, "kafka sink", &s->o, &enc, err);
    if (rc) {
        free(s);
        return rc;
    }
    s->enc = enc;
    if ((rc = enc->create(ctx->conf, &s->es, err))) {
        s->es = NULL;
        goto fail;
    }
    if (s->o.headers) {
        const struct sl_conf *h = s->o.headers;
        char where[256];
        if (h->kind != SL_CONF_MAP) {
            rc = sl_error_set(err, SL_EINVAL,
                              "%s: kafka sink: headers is a map of name: "
                              "value",
                              sl_conf_where(h, where, sizeof where));
            goto fail;
        }
        s->hdrs = rd_kafka_headers_new(h->n);
        for (size_t i = 0; i < h->n; i++) {
            const char *v = h->items[i]->str ? h->items[i]->str : "";
            rd_kafka_header_add(s->hdrs, h->keys[i], -1, v, -1);
        }
    }
    void *cv;
    rc = sl_kafka_conf_build(ctx->connections, s->o.connection,
                             s->o.bootstrap_servers, s->o.properties,
                             "kafka sink", &cv, err);
    if (rc)
        goto fail;
    rd_kafka_conf_t *conf = cv;
    char tmo[32], ebuf[512];
    snprintf(tmo, sizeof tmo, "%" PRId64, s->o.delivery_timeout_ms);
    const char *fixed[][2] = {
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"compression.type", s->o.compression},
        {"message.timeout.ms", tmo},
        {"linger.ms", "20"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], ebuf,
                              sizeof ebuf) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            rc = sl_error_set(err, SL_EINVAL, "kafka sink: %s: %s", fixed[i][0],
                              ebuf);
            goto fail;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, s);
    s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, ebuf, sizeof ebuf);
    if (!s->rk) {
        rd_kafka_conf_destroy(conf);
        rc = sl_error_set(err, SL_EINVAL, "kafka sink: %s", ebuf);
        goto fail;
    }
    sl_kafka_conn_started(s->rk);
    *out = s;
    return 0;
fail:
    ksink_close(s);
    return rc;
}

static int ksink_begin(void *st, const struct sl_batch_info *bi,
                       struct sl_error *err)
{
    struct ksink *s = st;
    s->sent = s->delivered = s->failed = 0;
    s->first_error[0] = '\0';
    return 0;
}

/* Key of row i into s->key; *has = false for no key. */
static int row_key(struct ksink *s, const struct sl_col *c, size_t i, bool *has)
{
    sl_buf_reset(&s->key);
    *has = false;
    if (!c || !sl_col_is_valid(c, i))
        return 0;
    *has = true;
    if (c->type == SL_STRING || c->type == SL_BINARY)
        return sl_buf_append(&s->key, c->data + c->off[i],
                             (size_t)(c->off[i + 1] - c->off[i]));
    return sl_col_value_json(c, i, &s->key);
}

static int produce(struct ksink *s, const void *v, size_t n, const void *k,
                   size_t kn, struct sl_error *err)
{
    for (;;) {
        rd_kafka_headers_t *h = s->hdrs ? rd_kafka_headers_copy(s->hdrs) : NULL;
        rd_kafka_resp_err_t e = rd_kafka_producev(
            s->rk, RD_KAFKA_V_TOPIC(s->o.topic), RD_KAFKA_V_VALUE((void *)v, n),
            RD_KAFKA_V_KEY((void *)k, kn),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_END);
        if (!e) {
            s->sent++;
            return 0;
        }
        if (h)
            rd_kafka_headers_destroy(h);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return sl_error_set(err, SL_EIO,
                                "kafka sink: cannot produce to %s: %s",
                                s->o.topic, rd_kafka_err2str(e));
        rd_kafka_poll(s->rk, 100); /* backpressure: wait for deliveries */
    }
}

static int ksink_write(void *st, const struct sl_batch_info *bi,
                       const char *partition, const struct sl_batch *b,
                       struct sl_error *err)
{
    struct ksink *s = st;
    size_t n = sl_batch_rows(b);
    if (n == 0)
        return 0;
    struct sl_field schema = {0};
    int rc = sl_batch_schema(b, &schema);
    if (rc)
        return sl_error_set(err, rc, "kafka sink: out of memory");
    if (!s->begun || !sl_field_equal(&s->schema, &schema)) {
        if (s->begun)
            s->enc->finish(s->es, &s->scratch, NULL);
        sl_field_free(&s->schema);
        s->schema = schema;
        memset(&schema, 0, sizeof schema);
        sl_buf_reset(&s->scratch);
        /* what begin writes (a CSV header) is not part of any record */
        if ((rc = s->enc->begin(s->es, &s->schema, &s->scratch, err)))
            goto out;
        s->begun = true;
    }
    const struct sl_col *kc = NULL;
    if (s->o.key_column) {
        for (uint32_t c = 0; c < b->root.n_child; c++)
            if (b->root.child[c].name &&
                strcmp(b->root.child[c].name, s->o.key_column) == 0)
                kc = &b->root.child[c];
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t sel = (uint32_t)i;
        sl_buf_reset(&s->row);
        rc = s->enc->write(s->es, b, &sel, 1, &s->row, err);
        if (rc)
            goto out;
        size_t len = s->row.len;
        while (len &&
               (s->row.data[len - 1] == '\n' || s->row.data[len - 1] == '\r'))
            len--;
        bool has;
        if ((rc = row_key(s, kc, i, &has))) {
            sl_error_set(err, rc, "kafka sink: key of row %zu: %s", i,
                         sl_strerror(rc));
            goto out;
        }
        rc = produce(s, s->row.data, len, has ? s->key.data : NULL,
                     has ? s->key.len : 0, err);
        if (rc)
            goto out;
    }
    rd_kafka_poll(s->rk, 0);
out:
    sl_field_free(&schema);
    return rc;
}

static int ksink_commit(void *st, const struct sl_batch_info *bi,
                        struct sl_buf *receipt, struct sl_error *err)
{
    struct ksink *s = st;
    /* every record of the batch acknowledged (or failed) */
    rd_kafka_resp_err_t e =
        rd_kafka_flush(s->rk, (int)s->o.delivery_timeout_ms + 5000);
    if (e || rd_kafka_outq_len(s->rk) > 0)
        return sl_error_set(err, SL_EIO,
                            "kafka sink: %d record(s) of batch %" PRId64
                            " not acknowledged within delivery_timeout; the "
                            "batch will be produced again on restart",
                            rd_kafka_outq_len(s->rk), bi->batch_id);
    if (s->failed)
        return sl_error_set(err, SL_EIO,
                            "kafka sink: %" PRIu64 " record(s) of batch "
                            "%" PRId64 " could not be delivered to %s (first: "
                            "%s); the batch will be produced again on "
                            "restart",
                            s->failed, bi->batch_id, s->o.topic,
                            s->first_error);
    int rc = sl_buf_puts(receipt, "{\"topic\":");
    if (!rc)
        rc = sl_jsonw_cstr(receipt, s->o.topic);
    if (!rc)
        rc = sl_buf_appendf(receipt, ",\"records\":%" PRIu64 "}", s->delivered);
    return rc;
}

static void ksink_abort(void *st, const struct sl_batch_info *bi)
{
    struct ksink *s = st;
    /* records already sent may still arrive: at-least-once */
    rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE);
    rd_kafka_poll(s->rk, 0);
}

const struct sl_sink_ops sl_sink_kafka = {
    .name = "kafka",
    .summary = "rows as Kafka records, idempotent producer, acks=all "
               "(at-least-once)",
    .options = ksink_options,
    .exactly_once = false,
    .open = ksink_open,
    .begin = ksink_begin,
    .write = ksink_write,
    .commit = ksink_commit,
    .abort = ksink_abort,
    .committed = NULL,
    .close = ksink_close,
};
