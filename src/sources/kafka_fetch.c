/*
 * kafka_fetch.c - how the Kafka source takes fetched messages from
 * librdkafka (kafka.c reads them, see there for the whole picture), and
 * the prefetch settings that keep the fetcher busy.
 *
 * librdkafka prefetches each assigned partition into the one consumer
 * queue until that queue holds queued.max.messages.kbytes (or
 * queued.min.messages messages). Once it does, the broker thread stops
 * fetching and, in librdkafka before 2.2 (Debian 12 has 2.0.2), looks
 * again only when something wakes it or after up to one second
 * (librdkafka issue #2879; 2.2 added fetch.queue.backoff.ms for it). A
 * job slower than the fetch (decoding and writing cost more than fetching)
 * fills the queue, drains it in a fraction of that second, and then waits:
 * measured, 0.2-0.7 s of a 1M-message run. So:
 *
 *   - where librdkafka knows fetch.queue.backoff.ms, the source sets it to
 *     FETCH_QUEUE_BACKOFF_MS unless the job's properties do;
 *   - otherwise, once the queue was close to full (3/4 of either bound,
 *     counting what the last fill took out of it) and has drained to
 *     half, the source wakes the broker threads with a request of no
 *     consequence (offsets for a time, not waited for: the wake-up is
 *     librdkafka's op for the request), and they fetch again before the
 *     queue runs dry. A queue that never fills (a consumer
 *     keeping up, a live stream) never triggers it.
 *
 * One queue keeps each partition's messages and its end-of-partition
 * events in offset order (per-partition queues were tried: messages
 * fetched before a queue is split off land in the consumer queue, and
 * reading the two out of order skipped records).
 *
 * fill() returns what the queue holds at once, waiting (up to wait_ms)
 * only while it is empty: rd_kafka_consume_batch_queue alone waits for a
 * whole batch, which cost its full timeout whenever fewer messages were
 * left (the end of a bounded run).
 *
 * Engine thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kafka_int.h"
#include "log.h"

#define FETCH_QUEUE_BACKOFF_MS "10"
/* queued.min.messages unless the job sets it: librdkafka counts a
 * partition's queued messages through the forward to the one consumer
 * queue, so with many partitions the default (100000) stops every fetcher
 * whenever the shared queue holds that many. The byte bound still caps
 * the prefetch. */
#define QUEUED_MIN_MESSAGES "1000000"
/* queued.max.messages.kbytes unless the job sets it (librdkafka: 65536).
 * With the fetcher woken as the queue drains, 16 MiB kept bench/kafka's
 * speed and took its peak RSS from 270 to about 150 MiB (each queued
 * message also costs librdkafka a few hundred bytes of bookkeeping). */
#define QUEUED_MAX_KBYTES "16384"

static int set_default(rd_kafka_conf_t *conf, const struct sl_conf *props,
                       const char *name, const char *value, bool *unknown,
                       struct sl_error *err)
{
    char ebuf[256];
    if (sl_conf_get(props, name))
        return 0;
    rd_kafka_conf_res_t r =
        rd_kafka_conf_set(conf, name, value, ebuf, sizeof ebuf);
    if (r == RD_KAFKA_CONF_UNKNOWN && unknown) {
        *unknown = true;
        return 0;
    }
    if (r != RD_KAFKA_CONF_OK)
        return sl_error_set(err, SL_EINVAL, "kafka source: %s: %s", name, ebuf);
    return 0;
}

int sl__kafka_fetch_conf(struct ksrc *s, rd_kafka_conf_t *conf,
                         struct sl_error *err)
{
    bool old = false;
    int rc = set_default(conf, s->o.properties, "queued.min.messages",
                         QUEUED_MIN_MESSAGES, NULL, err);
    if (!rc)
        rc = set_default(conf, s->o.properties, "queued.max.messages.kbytes",
                         QUEUED_MAX_KBYTES, NULL, err);
    if (!rc)
        rc = set_default(conf, s->o.properties, "fetch.queue.backoff.ms",
                         FETCH_QUEUE_BACKOFF_MS, &old, err);
    s->wake = old;
    return rc;
}

static int64_t conf_i64(rd_kafka_t *rk, const char *name, int64_t def)
{
    char v[64];
    size_t n = sizeof v;
    int64_t x;
    if (rd_kafka_conf_get(rd_kafka_conf(rk), name, v, &n) != RD_KAFKA_CONF_OK ||
        sl_parse_i64(v, &x) || x <= 0)
        return def;
    return x;
}

void sl__kafka_fetch_limits(struct ksrc *s)
{
    s->q_max_bytes =
        conf_i64(s->rk, "queued.max.messages.kbytes", 65536) * 1024;
    s->q_max_msgs = conf_i64(s->rk, "queued.min.messages", 100000);
}

/* Wake the broker threads: ask for the offsets of the partitions being
 * read at the latest time, without waiting for the answer (librdkafka
 * drops a late answer to a request whose caller has returned). */
static void wake_fetchers(struct ksrc *s)
{
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new((int)(s->n ? s->n : 1));
    for (size_t i = 0; i < s->n; i++)
        if (!s->p[i].paused)
            rd_kafka_topic_partition_list_add(l, s->p[i].topic,
                                              s->p[i].partition)
                ->offset = RD_KAFKA_OFFSET_END;
    if (l->cnt) {
        rd_kafka_offsets_for_times(s->rk, l, 0);
        s->wakes++;
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* After a fill of got messages: was the queue near full (counting what
 * this fill took: one fill may empty it), has it drained since? */
static void watch_queue(struct ksrc *s, ssize_t got)
{
    int64_t took = 0;
    for (ssize_t i = 0; i < got; i++)
        took += (int64_t)(s->buf[i]->len + s->buf[i]->key_len);
    s->seen_bytes += took;
    s->seen_msgs += got;
    if (!s->wake)
        return;
    int64_t qlen = (int64_t)rd_kafka_queue_length(s->q);
    int64_t qbytes = qlen * (s->seen_bytes / s->seen_msgs);
    if (qbytes + took >= s->q_max_bytes / 4 * 3 ||
        qlen + got >= s->q_max_msgs / 4 * 3)
        s->q_full = true;
    if (s->q_full && qbytes < s->q_max_bytes / 2 && qlen < s->q_max_msgs / 2) {
        s->q_full = false;
        wake_fetchers(s);
    }
}

ssize_t sl__kafka_fill(struct ksrc *s, int wait_ms)
{
    ssize_t got = rd_kafka_consume_batch_queue(s->q, 0, s->buf, s->cap);
    if (got == 0 && wait_ms > 0) {
        rd_kafka_message_t *m = rd_kafka_consume_queue(s->q, wait_ms);
        if (m) {
            s->buf[0] = m;
            got = 1;
            ssize_t more = s->cap > 1 ? rd_kafka_consume_batch_queue(
                                            s->q, 0, s->buf + 1, s->cap - 1)
                                      : 0;
            if (more > 0)
                got += more;
        }
    }
    if (got > 0)
        watch_queue(s, got);
    return got;
}
