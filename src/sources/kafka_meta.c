/*
 * kafka_meta.c - the Kafka source's metadata columns (metadata_columns,
 * add_record_timestamp, include_headers) as extra column values attached
 * to each record (part.h SL_REC_EXTRA); the engine appends them to the
 * rows decoded from the record.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kafka_int.h"
#include "log.h"
#include "jsonw.h"

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
int sl__kafka_set_extra(struct ksrc *s, const struct kpart *k,
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
