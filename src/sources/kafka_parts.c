/*
 * kafka_parts.c - the Kafka source's partitions: which ones the job reads
 * (topic, topics, subscribe_pattern, assign, against the cluster
 * metadata), where a partition no checkpoint knows starts (earliest,
 * latest, explicit offsets, a timestamp: always resolved to a number),
 * bounded ends (ending_offsets), and the assignment to librdkafka (read
 * through the one consumer queue, see kafka_fetch.c). See kafka.c for the
 * whole picture.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kafka_int.h"
#include "log.h"

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

/* Low and high watermarks of k, asked of the broker. */
static int watermarks(struct ksrc *s, const struct kpart *k, int64_t *lo,
                      int64_t *hi, struct sl_error *err)
{
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
        s->rk, k->topic, k->partition, lo, hi, WM_MS);
    if (e)
        return sl_error_set(err, SL_EIO,
                            "kafka source: cannot read the offsets of %s: %s "
                            "(is the cluster reachable?)",
                            k->id, rd_kafka_err2str(e));
    return 0;
}

/* Numeric start of a new partition: `sym` is an offset >= 0, or
 * RD_KAFKA_OFFSET_BEGINNING / _END, or a timestamp when ts >= 0. */
static int resolve(struct ksrc *s, struct kpart *k, int64_t sym, int64_t ts,
                   struct sl_error *err)
{
    int64_t lo, hi;
    int rc = watermarks(s, k, &lo, &hi, err);
    if (rc)
        return rc;
    rd_kafka_resp_err_t e;
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
struct kpart *sl__kafka_add_part(struct ksrc *s, const char *topic, int32_t pid,
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
int sl__kafka_start_fresh(struct ksrc *s, struct kpart *k, struct sl_error *err)
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
int sl__kafka_discover(struct ksrc *s, const struct sl_positions *start,
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
            if (sl__kafka_find(s, mt->topic, pid))
                continue;
            struct kpart *k = sl__kafka_add_part(s, mt->topic, pid, err);
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
            rc = sl__kafka_start_fresh(s, k, err);
        }
    }
    rd_kafka_metadata_destroy(md);
    return rc;
}

/* ending_offsets for the partitions that have no end yet. */
int sl__kafka_apply_ending(struct ksrc *s, struct sl_error *err)
{
    const struct sl_conf *eo = s->o.ending_offsets;
    if (!eo || s->replay)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        struct kpart *k = &s->p[i];
        if (k->end >= 0)
            continue;
        int64_t lo, hi;
        int rc = watermarks(s, k, &lo, &hi, err);
        if (rc)
            return rc;
        k->end = eo->kind == SL_CONF_MAP
                     ? map_offset(eo, k->topic, k->partition, hi)
                     : hi;
        if (k->end < 0)
            k->end = hi;
    }
    return 0;
}

int sl__kafka_reassign(struct ksrc *s, struct sl_error *err)
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
    sl__kafka_drop_buffered(s);
    rd_kafka_resp_err_t e = rd_kafka_assign(s->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return sl_error_set(err, SL_EIO, "kafka source: assign: %s",
                            rd_kafka_err2str(e));
    return 0;
}
