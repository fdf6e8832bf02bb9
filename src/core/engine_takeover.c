/*
 * engine_takeover.c - scale-out takeover: replay another worker's
 * uncommitted batch on its behalf (docs/architecture.md, "Kafka
 * scale-out").
 *
 * A worker killed after writing offsets/N and before commits/N leaves
 * batch N uncommitted; the partitions' new owners start after its ranges
 * (the scan in sources/kafka_scan.c). So that the range is not lost when
 * that worker never comes back, the new owner of a partition whose newest
 * range is in such a batch replays the whole batch before it reads
 * anything: the source reports the batch ("worker/N") through
 * sl_source_ops.orphans, and this file runs it as that worker would on
 * restart: its checkpoint (<root>/workers/<worker>), its checkpoint id in
 * the output names, the recorded ranges, window and schema, the state of
 * stateful transforms after batch N-1, so the same names with the same
 * bytes; then that worker's state/N and commits/N. The replay uses its own
 * source instance opened without worker_id (a plain reader of the ranges,
 * outside the consumer group), its own sinks and transforms; the worker's
 * own open batch is not touched.
 *
 * Concurrency (the original worker restarting meanwhile, two new owners
 * taking over the same batch, a taker killed mid-replay) is safe because
 * every writer of batch N writes identical names and bytes, sinks publish
 * by atomic replace (file: rename of a private temp; S3: complete or PUT
 * of the whole object) and checkpoint puts are atomic; the argument is in
 * docs/architecture.md. Engine thread only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "job.h"
#include "log.h"
#include "tchain.h"

/* Replay batch `batch` of worker `worker` into its checkpoint. */
static int take_one(struct engine *e, const char *worker, int64_t batch,
                    struct sl_error *err)
{
    struct sl_job *job = e->job;
    struct sl_run_stats ts = {0};
    struct engine t = {.job = job,
                       .o = e->o,
                       .stats = &ts,
                       .takeover = true,
                       .fault = e->fault,
                       .fault_batch = e->fault_batch};
    struct sl_buf loc;
    sl_buf_init(&loc, 0);
    struct sl_offsets off = {0};
    int64_t lo = -1, lc = -1;
    int rc = 0;
    if (sl_buf_appendf(&loc, "%s/workers/%s", job->checkpoint_root, worker) ||
        sl_buf_cstr(&loc)) {
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto out;
    }
    /* look first (read-only): nothing is opened or created for a batch
     * that needs no takeover any more */
    struct sl_checkpoint *look;
    rc = sl_checkpoint_open_existing((char *)loc.data, &look, err);
    if (rc == SL_ENOTFOUND) {
        rc = 0;
        lo = -1;
    } else if (!rc) {
        rc = sl_checkpoint_latest(look, &lo, &lc, err);
        sl_checkpoint_close(look);
    }
    if (rc)
        goto out;
    if (lc >= batch) {
        /* done meanwhile: the worker restarted, or another taker */
        sl_info("batch %s/%" PRId64 " is committed now; nothing to take "
                "over",
                worker, batch);
        goto out;
    }
    if (lo != batch) {
        /* offsets/N is gone: that checkpoint was reset since the scan */
        sl_warn("checkpoint %s: batch %" PRId64 " was reported uncommitted, "
                "but the newest intent there is now offsets/%" PRId64
                ": not taking it over",
                (char *)loc.data, batch, lo);
        goto out;
    }
    if ((rc = sl__engine_prepare(&t, (char *)loc.data, err)))
        goto out;
    sl_info("taking over batch %" PRId64 " of worker %s, which left it "
            "uncommitted: replaying it on its behalf",
            batch, worker);
    if (batch > 0 && (rc = sl_tchain_restore(t.tc, t.cp, batch - 1, err)))
        goto out;
    if ((rc = sl_checkpoint_get_offsets(t.cp, batch, &off, err)))
        goto out;
    rc = sl__engine_replay_batch(&t, &off, err);
    e->fault = t.fault; /* a one-shot fault fired there */
    /* not in this worker's run stats: they count its own batches */
out:
    if (rc && rc != SL_EINTR)
        sl_error_prefix(
            err, "taking over batch %" PRId64 " of worker %s: ", batch, worker);
    sl_offsets_free(&off);
    sl__engine_close_parts(&t);
    sl_buf_free(&loc);
    return rc;
}

int sl__engine_take_orphans(struct engine *e, int *took, struct sl_error *err)
{
    struct sl_strlist l = {0};
    *took = 0;
    int rc = e->job->source->orphans(e->src, &l, err);
    for (size_t i = 0; !rc && i < l.n; i++) {
        const char *who = l.v[i];
        const char *slash = strrchr(who, '/');
        int64_t batch;
        if (!slash || slash == who || sl_parse_i64(slash + 1, &batch) ||
            batch < 0) {
            rc = sl_error_set(err, SL_EINVAL,
                              "source reported '%s' as another worker's "
                              "batch; expected worker/N",
                              who);
            break;
        }
        char worker[256];
        snprintf(worker, sizeof worker, "%.*s", (int)(slash - who), who);
        rc = take_one(e, worker, batch, err);
        (*took)++;
    }
    sl_strlist_free(&l);
    return rc;
}
