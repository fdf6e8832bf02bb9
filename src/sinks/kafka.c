/*
 * kafka.c - `type: kafka` sink: each row becomes one Kafka record (JSON or
 * CSV value through the encoder named by `format`, or one Avro binary
 * datum, optionally Confluent- or Glue-framed), with librdkafka's
 * idempotent producer and acks=all (DESIGN.md §4, part.h sl_sink_ops).
 *
 * Delivery is at-least-once: write() hands records to librdkafka as the
 * chunks come; commit() flushes and checks every delivery report of the
 * batch. A record that cannot be delivered (refused by produce(): larger
 * than message.max.bytes, unknown topic or partition; or a delivery report
 * error once librdkafka's retries are spent) is never dropped silently:
 * with `undeliverable: dead_letter` (the default) it goes to the
 * dead-letter output with the reason (sl_sink_ctx.reject) and the batch
 * commits without it; with `undeliverable: fail` the commit fails, the
 * engine stops before commits/N and the batch is produced again on the
 * next start (some records may then be in the topic twice). A value
 * larger than ROW_MAX (16 MiB, more than any Kafka record can be) is
 * dead-lettered with what was encoded of it (at most KEEP_BIG bytes).
 * Records purged by abort() are neither.
 *
 * The key is taken from `key_column` (string bytes as they are, other
 * types as JSON text, null gives no key); `headers` adds fixed headers to
 * every record. Each record carries the source partition of its row as
 * its opaque (an interned string kept while the sink lives), so a delivery
 * report can name it in the dead-letter row.
 *
 * Avro values use the container writer's datum encoder (avro_out.h) with
 * the writer schema derived from the rows (logged at info level when it
 * changes, so it can be registered); `avro_framing` puts the Confluent
 * (0x00, 4-byte schema id) or Glue Schema Registry (0x03, compression 0,
 * 16-byte schema version id) header in front of each datum.
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
#include "formats/avro_out.h"
#include "jsonw.h"
#include "kafka/conn.h"
#include "log.h"
#include "part.h"
#include "sink_common.h"

#define ROW_MAX (16u << 20)
#define KEEP_BIG (64u << 10) /* kept of an over-ROW_MAX value */
#define MAX_PARTS 100000     /* distinct source partitions named by records */

struct ksink_opts {
    char *format;
    char *connection, *bootstrap_servers;
    char *topic;
    char *key_column;
    const struct sl_conf *headers;
    char *compression;
    int64_t delivery_timeout_ms;
    const struct sl_conf *properties;
    char *undeliverable;
    char *avro_framing;
    int64_t schema_id;
    char *schema_version_id;
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
    {"undeliverable", SL_OPT_ENUM, "dead_letter", "dead_letter|fail", false,
     offsetof(struct ksink_opts, undeliverable),
     "a record that cannot be delivered goes to the dead-letter output "
     "(the batch commits), or fails the batch (replayed on restart)"},
    {"avro_framing", SL_OPT_ENUM, "none", "none|confluent|glue", false,
     offsetof(struct ksink_opts, avro_framing),
     "format avro: header before each datum (Confluent: schema_id; Glue "
     "Schema Registry: schema_version_id)"},
    {"schema_id", SL_OPT_INT, NULL, NULL, false,
     offsetof(struct ksink_opts, schema_id),
     "avro_framing confluent: the registry's id of the writer schema"},
    {"schema_version_id", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct ksink_opts, schema_version_id),
     "avro_framing glue: the schema version UUID of the writer schema"},
    {0},
};

enum avro_mode { AV_OFF, AV_NONE, AV_CONFLUENT, AV_GLUE };

struct ksink {
    struct ksink_opts o;
    const struct sl_encoder_ops *enc;
    void *es;
    bool begun;
    struct sl_field schema;
    struct sl_buf row, scratch, key;
    rd_kafka_t *rk;
    rd_kafka_headers_t *hdrs; /* template, copied per record */
    uint64_t sent, delivered, failed, rejected;
    char first_error[512];
    /* dead-letter hand-off (ctx->reject; NULL when undeliverable: fail) */
    int (*reject)(void *, int64_t, const char *, const char *, const uint8_t *,
                  size_t, const char *, struct sl_error *);
    void *reject_ctx;
    char where[300];  /* "kafka topic T" */
    int64_t batch_id; /* the batch being written */
    int reject_rc;    /* first reject() failure inside dr_cb */
    struct sl_error reject_err;
    char **parts; /* interned source partition names */
    size_t n_parts;
    enum avro_mode avro;
    uint8_t frame[21]; /* Confluent or Glue header */
    size_t frame_len;
};

/* Hand one undeliverable record to the dead-letter output. */
static int reject_rec(struct ksink *s, const char *partition, const void *v,
                      size_t n, const char *why, struct sl_error *err)
{
    int rc = s->reject(s->reject_ctx, s->batch_id, partition, s->where, v, n,
                       why, err);
    if (!rc)
        s->rejected++;
    return rc;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct ksink *s = opaque;
    (void)rk;
    if (!m->err) {
        s->delivered++;
        return;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
        m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT)
        return; /* abort(): the batch is not committed */
    if (s->reject && !s->reject_rc) {
        char why[512];
        snprintf(why, sizeof why,
                 "kafka sink: record not delivered to topic %s partition %d: "
                 "%s",
                 s->o.topic, (int)m->partition, rd_kafka_err2str(m->err));
        const char *part = m->_private ? m->_private : "";
        s->reject_rc =
            reject_rec(s, part, m->payload, m->len, why, &s->reject_err);
        if (!s->reject_rc)
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
        s->reject = NULL; /* the dead-letter output may be closed */
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
    for (size_t i = 0; i < s->n_parts; i++)
        free(s->parts[i]);
    free(s->parts);
    sl_options_free(ksink_options, &s->o);
    free(s);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b" (dashes optional) to 16 bytes. */
static bool uuid_parse(const char *t, uint8_t out[16])
{
    size_t k = 0;
    for (const char *c = t; *c; c++) {
        if (*c == '-')
            continue;
        int h = hexval(c[0]), l = c[1] ? hexval(c[1]) : -1;
        if (h < 0 || l < 0 || k == 16)
            return false;
        out[k++] = (uint8_t)(h << 4 | l);
        c++;
    }
    return k == 16;
}

/* format avro: the framing header from avro_framing, schema_id and
 * schema_version_id; the Avro keys are refused with another format. */
static int avro_setup(struct ksink *s, const struct sl_conf *c,
                      struct sl_error *err)
{
    char where[256];
    bool is_avro = strcmp(s->enc->name, "avro") == 0;
    const char *keys[] = {"avro_framing", "schema_id", "schema_version_id"};
    if (!is_avro) {
        for (size_t i = 0; i < 3; i++)
            if (sl_conf_get(c, keys[i]))
                return sl_error_set(
                    err, SL_EINVAL, "%s: kafka sink: %s is for format avro",
                    sl_conf_where(sl_conf_get(c, keys[i]), where, sizeof where),
                    keys[i]);
        return 0;
    }
    const char *f = s->o.avro_framing;
    bool has_id = sl_conf_get(c, "schema_id") != NULL;
    if (strcmp(f, "confluent") == 0) {
        if (!has_id || s->o.schema_id < 0 || s->o.schema_id > INT32_MAX)
            return sl_error_set(err, SL_EINVAL,
                                "%s: kafka sink: avro_framing confluent needs "
                                "schema_id, the registry's id (0..2147483647) "
                                "of the writer schema",
                                sl_conf_where(c, where, sizeof where));
        uint32_t id = (uint32_t)s->o.schema_id;
        s->frame[0] = 0;
        for (int k = 0; k < 4; k++)
            s->frame[1 + k] = (uint8_t)(id >> (24 - 8 * k));
        s->frame_len = 5;
        s->avro = AV_CONFLUENT;
    } else if (strcmp(f, "glue") == 0) {
        if (!s->o.schema_version_id ||
            !uuid_parse(s->o.schema_version_id, s->frame + 2))
            return sl_error_set(err, SL_EINVAL,
                                "%s: kafka sink: avro_framing glue needs "
                                "schema_version_id, the schema version UUID "
                                "(like 0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b)",
                                sl_conf_where(c, where, sizeof where));
        s->frame[0] = 3; /* header version */
        s->frame[1] = 0; /* no compression */
        s->frame_len = 18;
        s->avro = AV_GLUE;
    } else {
        s->avro = AV_NONE;
    }
    if (s->avro != AV_CONFLUENT && has_id)
        return sl_error_set(err, SL_EINVAL,
                            "%s: kafka sink: schema_id is for avro_framing "
                            "confluent",
                            sl_conf_where(c, where, sizeof where));
    if (s->avro != AV_GLUE && s->o.schema_version_id)
        return sl_error_set(err, SL_EINVAL,
                            "%s: kafka sink: schema_version_id is for "
                            "avro_framing glue",
                            sl_conf_where(c, where, sizeof where));
    return 0;
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
    snprintf(s->where, sizeof s->where, "kafka topic %s", s->o.topic);
    if (strcmp(s->o.undeliverable, "dead_letter") == 0) {
        s->reject = ctx->reject;
        s->reject_ctx = ctx->reject_ctx;
    }
    if ((rc = avro_setup(s, ctx->conf, err)))
        goto fail;
    /* Avro datums: the container options (codec, block size) do not
     * apply, and `compression` here is Kafka's. */
    if ((rc = enc->create(s->avro ? NULL : ctx->conf, &s->es, err))) {
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
    (void)err;
    s->sent = s->delivered = s->failed = s->rejected = 0;
    s->first_error[0] = '\0';
    s->batch_id = bi->batch_id;
    s->reject_rc = 0;
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

/* The interned copy of a source partition name (a record's opaque). */
static const char *part_intern(struct ksink *s, const char *partition)
{
    for (size_t i = s->n_parts; i > 0; i--)
        if (strcmp(s->parts[i - 1], partition) == 0)
            return s->parts[i - 1];
    if (s->n_parts == MAX_PARTS)
        return NULL;
    char **np = realloc(s->parts, (s->n_parts + 1) * sizeof *np);
    if (!np)
        return NULL;
    s->parts = np;
    if (!(np[s->n_parts] = strdup(partition)))
        return NULL;
    return np[s->n_parts++];
}

/* produce() refused the record itself (not the cluster or the client). */
static bool record_error(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
           e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
           e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
           e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
           e == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION;
}

static int produce(struct ksink *s, const char *part, const void *v, size_t n,
                   const void *k, size_t kn, struct sl_error *err)
{
    for (;;) {
        rd_kafka_headers_t *h = s->hdrs ? rd_kafka_headers_copy(s->hdrs) : NULL;
        rd_kafka_resp_err_t e = rd_kafka_producev(
            s->rk, RD_KAFKA_V_TOPIC(s->o.topic), RD_KAFKA_V_VALUE((void *)v, n),
            RD_KAFKA_V_KEY((void *)k, kn),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_OPAQUE((void *)part), RD_KAFKA_V_END);
        if (!e) {
            s->sent++;
            return 0;
        }
        if (h)
            rd_kafka_headers_destroy(h);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            char why[512];
            snprintf(why, sizeof why,
                     "kafka sink: cannot produce to %s: %s (%zu bytes)",
                     s->o.topic, rd_kafka_err2str(e), n);
            if (s->reject && record_error(e))
                return reject_rec(s, part, v, n, why, err);
            return sl_error_set(err, SL_EIO, "%s", why);
        }
        rd_kafka_poll(s->rk, 100); /* backpressure: wait for deliveries */
        if (s->reject_rc)
            return sl_error_set(err, s->reject_rc, "%s", s->reject_err.msg);
    }
}

/* Row i as the record value in s->row (len: without a line end). */
static int row_value(struct ksink *s, const struct sl_batch *b, size_t i,
                     size_t *len, struct sl_error *err)
{
    sl_buf_reset(&s->row);
    *len = 0;
    if (s->avro) {
        int rc = sl_buf_append(&s->row, s->frame, s->frame_len);
        if (rc)
            return sl_error_set(err, rc, "kafka sink: out of memory");
        rc = sl_avro_datum_write(s->es, b, i, &s->row, err);
        *len = s->row.len;
        return rc;
    }
    uint32_t sel = (uint32_t)i;
    int rc = s->enc->write(s->es, b, &sel, 1, &s->row, err);
    size_t n = s->row.len;
    while (n && (s->row.data[n - 1] == '\n' || s->row.data[n - 1] == '\r'))
        n--;
    *len = n;
    return rc;
}

/* A new schema: begin the encoder (what begin writes, a CSV header or an
 * Avro container header, is not part of any record). */
static int new_schema(struct ksink *s, struct sl_error *err)
{
    if (s->avro) {
        const struct sl_buf *ws = NULL;
        int rc = sl_avro_datum_begin(s->es, &s->schema, &ws, err);
        if (rc)
            return rc;
        sl_info("kafka sink: topic %s: Avro writer schema %.*s", s->o.topic,
                (int)ws->len, (const char *)ws->data);
        if (s->begun && s->avro != AV_NONE)
            sl_warn("kafka sink: topic %s: the rows' schema changed, so the "
                    "Avro writer schema above is new, but every datum still "
                    "carries the %s configured: register the new schema and "
                    "restart with its id (or declare the source schema)",
                    s->o.topic,
                    s->avro == AV_CONFLUENT ? "schema_id"
                                            : "schema_version_id");
        return 0;
    }
    if (s->begun)
        s->enc->finish(s->es, &s->scratch, NULL);
    sl_buf_reset(&s->scratch);
    return s->enc->begin(s->es, &s->schema, &s->scratch, err);
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
        sl_field_free(&s->schema);
        s->schema = schema;
        memset(&schema, 0, sizeof schema);
        if ((rc = new_schema(s, err)))
            goto out;
        s->begun = true;
    }
    const char *part = part_intern(s, partition);
    if (!part) {
        rc = sl_error_set(err, SL_ELIMIT,
                          "kafka sink: more than %d source partitions or out "
                          "of memory",
                          MAX_PARTS);
        goto out;
    }
    const struct sl_col *kc = NULL;
    if (s->o.key_column) {
        for (uint32_t c = 0; c < b->root.n_child; c++)
            if (b->root.child[c].name &&
                strcmp(b->root.child[c].name, s->o.key_column) == 0)
                kc = &b->root.child[c];
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        rc = row_value(s, b, i, &len, err);
        if (rc == SL_ELIMIT && s->reject) {
            /* larger than any Kafka record can be: its start is kept */
            char why[256];
            snprintf(why, sizeof why,
                     "kafka sink: the record value is larger than %u MiB; "
                     "what was encoded of it before the limit (at most %u "
                     "KiB) is kept here",
                     ROW_MAX >> 20, KEEP_BIG >> 10);
            size_t keep = s->row.len < KEEP_BIG ? s->row.len : KEEP_BIG;
            if ((rc = reject_rec(s, part, s->row.data, keep, why, err)))
                goto out;
            continue;
        }
        if (rc)
            goto out;
        bool has;
        if ((rc = row_key(s, kc, i, &has))) {
            sl_error_set(err, rc, "kafka sink: key of row %zu: %s", i,
                         sl_strerror(rc));
            goto out;
        }
        rc = produce(s, part, s->row.data, len, has ? s->key.data : NULL,
                     has ? s->key.len : 0, err);
        if (rc)
            goto out;
    }
    rd_kafka_poll(s->rk, 0);
    if (s->reject_rc)
        rc = sl_error_set(err, s->reject_rc, "%s", s->reject_err.msg);
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
    if (s->reject_rc)
        return sl_error_set(err, s->reject_rc, "%s", s->reject_err.msg);
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
        rc = sl_buf_appendf(
            receipt, ",\"records\":%" PRIu64 ",\"dead_lettered\":%" PRIu64 "}",
            s->delivered, s->rejected);
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
