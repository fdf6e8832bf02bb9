/*
 * kafka_group.c - scale-out of the Kafka source over a consumer group
 * (worker_id; docs/architecture.md, "Kafka scale-out"): subscribe, and on
 * each assignment start every partition at the largest end any worker's
 * checkpoint recorded (kafka_scan.c); when that end is in another worker's
 * uncommitted batch, the batch is kept as an orphan and poll reads nothing
 * until the engine took the orphans (sl_source_ops.orphans) and replayed
 * them on that worker's behalf. A revocation waits for the open batch to
 * be committed. Runs inside poll on the engine thread.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kafka_int.h"
#include "log.h"
#include "sources.h"

/* ---- scale-out: partitions from the consumer group ---- */

void sl__kafka_unassign_now(struct ksrc *s)
{
    sl_strlist_free(&s->orphans);
    sl__kafka_drop_buffered(s);
    sl__kafka_parts_free(s);
    rd_kafka_assign(s->rk, NULL);
    s->revoke_pending = false;
}

/* Remember batch "worker/N" as an orphan to replay (once). */
static int add_orphan(struct ksrc *s, const char *who, struct sl_error *err)
{
    for (size_t i = 0; i < s->orphans.n; i++)
        if (strcmp(s->orphans.v[i], who) == 0)
            return 0;
    if (s->orphans.n >= MAX_ORPHANS)
        return sl_error_set(err, SL_ELIMIT,
                            "kafka source: more than %d uncommitted batches "
                            "of other workers to replay",
                            MAX_ORPHANS);
    char **nv = realloc(s->orphans.v, (s->orphans.n + 1) * sizeof *nv);
    if (!nv)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    s->orphans.v = nv;
    if (!(nv[s->orphans.n] = strdup(who)))
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    s->orphans.n++;
    return 0;
}

/* True when "worker/N" names a batch of this worker. */
static bool own_batch(const struct ksrc *s, const char *who)
{
    size_t n = strlen(s->worker);
    return strncmp(who, s->worker, n) == 0 && who[n] == '/';
}

/* The group gave this worker `parts`: each continues at the largest end
 * any worker's checkpoint recorded for it (kafka_scan.c), or at the
 * configured start when none did. A largest end in another worker's
 * uncommitted batch makes that batch an orphan: the engine replays it
 * before this worker reads anything (see the head comment). */
static int on_assign(struct ksrc *s,
                     const rd_kafka_topic_partition_list_t *parts,
                     struct sl_error *err)
{
    struct sl_positions ends = {0}, whose = {0};
    sl_strlist_free(&s->orphans);
    sl__kafka_drop_buffered(s);
    sl__kafka_parts_free(s);
    int rc = sl__kafka_scan_ends(s->ckroot, &ends, &whose, err);
    for (int i = 0; !rc && i < parts->cnt; i++) {
        struct kpart *k = sl__kafka_add_part(s, parts->elems[i].topic,
                                             parts->elems[i].partition, err);
        if (!k) {
            rc = SL_ENOMEM;
            break;
        }
        const char *have = sl_positions_get(&ends, k->id);
        const char *w = sl_positions_get(&whose, k->id);
        if (w && *w && !own_batch(s, w)) {
            sl_info("kafka source: %s continues at %s, after batch %s that "
                    "is not committed: replaying it on that worker's behalf "
                    "first",
                    k->id, have, w);
            rc = add_orphan(s, w, err);
        } else if (w && *w) {
            /* cannot happen: a worker replays its own batch before it
             * subscribes, and commits before a revocation completes */
            sl_warn("kafka source: %s continues after this worker's own "
                    "uncommitted batch %s",
                    k->id, w);
        }
        if (rc)
            break;
        if (have)
            rc = sl__pos_parse(have, &k->pos);
        else
            rc = sl__kafka_start_fresh(s, k, err);
    }
    sl_positions_free(&ends);
    sl_positions_free(&whose);
    if (!rc)
        rc = sl__kafka_reassign(s, err);
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
void sl__kafka_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                            rd_kafka_topic_partition_list_t *parts,
                            void *opaque)
{
    struct ksrc *s = opaque;
    (void)rk;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        s->revoke_pending = false;
        sl_error_clear(&s->cb_err);
        int rc = on_assign(s, parts, &s->cb_err);
        if (rc) {
            s->cb_rc = rc;
            sl__kafka_unassign_now(s);
        }
        return;
    }
    if (s->closing || s->read_since_commit == 0) {
        sl__kafka_unassign_now(s);
        return;
    }
    s->revoke_pending = true;
    sl_info("kafka source: partitions revoked; closing the batch first");
}

int sl__kafka_subscribe(struct ksrc *s, struct sl_error *err)
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
    sl__kafka_unassign_now(s);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(s->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return sl_error_set(err, SL_EIO, "kafka source: subscribe: %s",
                            rd_kafka_err2str(e));
    s->subscribed = true;
    s->assign_wait_until = sl__kafka_mono() + ASSIGN_WAIT_MS;
    return 0;
}
