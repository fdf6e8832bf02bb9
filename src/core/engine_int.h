/*
 * engine_int.h - the engine's state and the steps shared by engine.c (the
 * micro-batch loop) and engine_takeover.c (replaying another worker's
 * uncommitted batch on its behalf). Internal to src/core (sl__ prefix).
 * Engine thread only.
 */
#ifndef SL_ENGINE_INT_H
#define SL_ENGINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "checkpoint.h"
#include "engine.h"
#include "part.h"
#include "schema.h"

struct sl_msgdec;
struct sl_tchain;

struct pstate {
    char *id;
    struct sl_field schema; /* this batch's schema for the partition */
    bool touched;           /* seen in this batch */
    char *start;            /* first record's position in this batch */
};

/* A chunk on its way: decoded by the engine thread, delivered by the
 * stage (stage.h) or inline. The chunk's partition and label are copied:
 * the source's strings last only until its next poll. */
struct slot {
    struct sl_batch *b;       /* decoded rows */
    struct sl_field b_schema; /* schema b was (re)built from or synced to */
    struct sl_batch *dlb;     /* dead-letter rows */
    const struct sl_batch_info *bi;
    char *partition, *label;
};

struct sl_stage;

struct engine {
    struct sl_job *job;
    const struct sl_run_opts *o;
    void *src, *dec, *sink, *dl;
    struct sl_checkpoint *cp;
    bool detect;
    /* replaying another worker's batch on its behalf (engine_takeover.c):
     * the source is opened without worker_id (a plain reader of the
     * recorded ranges), and nothing is reported to the source or the
     * consumer group, nothing pruned, no seek after the replay */
    bool takeover;
    /* fault injection for crash tests (SLUICE_FAULT, engine.c) */
    int fault;
    int64_t fault_batch;
    struct sl_field schema; /* in force at the start of the batch */
    int64_t schema_version;
    struct slot slot[2];
    int cur;                  /* the slot the engine thread decodes into */
    struct sl_stage *stage;   /* delivers slots; NULL: on this thread */
    struct sl_batch *rjb;     /* a row the sink rejected (reject_row) */
    struct sl_msgdec *md;     /* per-message decompression, or NULL */
    struct sl_tchain *tc;     /* the job's transforms */
    const struct slot *dslot; /* being delivered (transform dead letters) */
    struct sl_buf row_json;
    struct pstate *parts;
    size_t n_parts;
    /* per batch; rows_out, cast_failed and dead_tf (dead-lettered by
     * transforms and sink rejections) belong to the delivery side */
    int64_t raw, rows_in, rows_out, dead, dead_tf, bytes, cast_failed;
    struct sl_run_stats *stats;
};

/* engine.c */
/* Set e up for e->job (e->job, o, stats, takeover set, the rest zero):
 * decoder, source, transforms, the checkpoint at `location` (opened or
 * created), the sink and the dead-letter output with its checkpoint id. */
int sl__engine_prepare(struct engine *e, const char *location,
                       struct sl_error *err);
/* Free everything e holds; e's own memory is the caller's. */
void sl__engine_close_parts(struct engine *e);
/* Replay recorded batch o exactly (its ranges, window and schema), commit
 * it and write commits/N. */
int sl__engine_replay_batch(struct engine *e, const struct sl_offsets *o,
                            struct sl_error *err);

/* engine_fault.c: fault injection for crash tests (SLUICE_FAULT) */
enum { SL_FAULT_AFTER_OFFSETS = 1, SL_FAULT_IN_REPLAY };
void sl__engine_fault_init(struct engine *e);
/* At fault point `point` of batch `batch`: maybe kill or stop the
 * process, as SLUICE_FAULT asked. Call only when e->fault is set. */
void sl__engine_fault(struct engine *e, int point, int64_t batch);

/* engine_takeover.c */
/* Replay each batch the source reports as another worker's orphan
 * (sl_source_ops.orphans) on that worker's behalf; *took is how many
 * were found (0: the SL_ELIMIT was the window's own). */
int sl__engine_take_orphans(struct engine *e, int *took, struct sl_error *err);

#endif
