/*
 * kafka_scan.c - for Kafka scale-out: where each partition stands across
 * every worker's checkpoint of a job (docs/architecture.md, "Kafka
 * scale-out").
 *
 * Workers of one job keep their checkpoints in <root>/workers/<id>/. When
 * the consumer group gives a worker partition P, P continues at the largest
 * end offset any worker recorded for it in an offsets/N file: committed
 * batches, and uncommitted ones too, because such a batch is replayed
 * (by its worker when it restarts, or by the new owner of P on its behalf:
 * engine_takeover.c), so that range must not be read again. Kafka offsets
 * only grow, so the largest is the latest. When that largest end is in a
 * batch that is not committed, the batch is reported ("worker/N") so the
 * caller can have it replayed before reading P.
 *
 * Reads through the checkpoint store interface (checkpoint.h), so a local
 * folder and an s3:// location both work: one listing of workers/, and per
 * worker one listing of commits/ and offsets/ and a get of each offsets/N.
 * Called from the rebalance callback on the engine thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checkpoint.h"
#include "common.h"
#include "options.h"
#include "sources.h"

#define OFFSETS_FILE_MAX (64u << 20)

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static bool listed(const struct sl_strlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], name) == 0)
            return true;
    return false;
}

/* Merge the partition ends of one offsets/N file into out (max). `who`
 * names the batch ("worker/N") when it is not committed, else NULL; whose
 * (optional) keeps, per partition, who recorded the largest end when that
 * batch is uncommitted ("" when a committed batch recorded it too). */
static int merge(const struct sl_buf *b, const char *key, const char *who,
                 struct sl_positions *out, struct sl_positions *whose,
                 struct sl_error *err)
{
    struct sl_conf *c;
    int rc = sl_conf_parse((const char *)b->data, b->len, key, SL_CONF_NO_ENV,
                           &c, err);
    if (rc)
        return rc;
    const struct sl_conf *ps = sl_conf_get(c, "partitions");
    for (size_t i = 0; !rc && ps && ps->kind == SL_CONF_SEQ && i < ps->n; i++) {
        const char *id = sl_conf_str(ps->items[i], "id");
        const char *end = sl_conf_str(ps->items[i], "end");
        int64_t e, have;
        if (!id || !end || sl__pos_parse(end, &e))
            continue;
        const char *h = sl_positions_get(out, id);
        if (h && sl__pos_parse(h, &have) == 0 && have >= e) {
            if (whose && have == e && !who)
                rc = sl_positions_set(whose, id, ""); /* committed too */
            continue;
        }
        rc = sl_positions_set(out, id, end);
        if (!rc && whose)
            rc = sl_positions_set(whose, id, who ? who : "");
    }
    sl_conf_free(c);
    return rc == SL_ENOMEM ? sl_error_set(err, rc, "out of memory") : rc;
}

/* Every offsets/N of worker w merged into out/whose. */
static int scan_worker(struct sl_store *st, const char *w,
                       struct sl_positions *out, struct sl_positions *whose,
                       struct sl_error *err)
{
    char key[512];
    struct sl_strlist offs = {0}, done = {0};
    struct sl_buf b;
    sl_buf_init(&b, OFFSETS_FILE_MAX);
    snprintf(key, sizeof key, "workers/%s/commits", w);
    int rc = st->ops->list(st, key, &done, err);
    snprintf(key, sizeof key, "workers/%s/offsets", w);
    if (!rc)
        rc = st->ops->list(st, key, &offs, err);
    for (size_t i = 0; !rc && i < offs.n; i++) {
        if (!all_digits(offs.v[i]))
            continue;
        char who[512];
        snprintf(key, sizeof key, "workers/%s/offsets/%s", w, offs.v[i]);
        snprintf(who, sizeof who, "%s/%s", w, offs.v[i]);
        rc = st->ops->get(st, key, &b, err);
        if (rc == SL_ENOTFOUND) { /* pruned since the listing */
            rc = 0;
            continue;
        }
        if (!rc && b.len)
            rc = merge(&b, key, listed(&done, offs.v[i]) ? NULL : who, out,
                       whose, err);
    }
    sl_buf_free(&b);
    sl_strlist_free(&offs);
    sl_strlist_free(&done);
    return rc;
}

int sl__kafka_scan_ends(const char *root, struct sl_positions *out,
                        struct sl_positions *whose, struct sl_error *err)
{
    struct sl_store *st;
    int rc = sl_store_open(root, &st, err);
    if (rc)
        return rc;
    struct sl_strlist ws = {0};
    rc = st->ops->list(st, "workers", &ws, err);
    for (size_t i = 0; !rc && i < ws.n; i++)
        rc = scan_worker(st, ws.v[i], out, whose, err);
    sl_strlist_free(&ws);
    sl_store_close(st);
    if (rc)
        sl_error_prefix(err,
                        "kafka source: reading the workers' "
                        "checkpoints under %s: ",
                        root);
    return rc;
}
