/*
 * engine.h - runs a job: the micro-batch loop of DESIGN.md §2.
 */
#ifndef SL_ENGINE_H
#define SL_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "job.h"

struct sl_run_opts {
    bool until_idle;     /* exit once a window closes with no new input */
    int64_t max_batches; /* stop after this many batches (0: no limit) */
    /* Set to 1 by a signal handler: finish the window early, commit, exit.
     * Set to 2: abandon the batch in flight (it is replayed next time). */
    volatile sig_atomic_t *stop;
    bool quiet; /* no per-batch lines */
};

struct sl_run_stats {
    int64_t batches;       /* batches committed in this run */
    int64_t replayed;      /* of which replays of an uncommitted batch */
    int64_t raw_records;   /* records (lines, messages) read */
    int64_t rows_in;       /* rows decoded */
    int64_t rows_out;      /* rows handed to the sink */
    int64_t dead_lettered; /* records sent to the dead-letter output */
    int64_t bytes_in;      /* raw bytes read */
    int64_t elapsed_ms;
};

/* Run the job until the source ends, the options say stop, or a stop is
 * requested. Returns 0 or a negative code with err set. */
int sl_engine_run(struct sl_job *job, const struct sl_run_opts *o,
                  struct sl_run_stats *stats, struct sl_error *err);

/* Read up to `sample` records from the job's source (from its starting
 * position, without a checkpoint) and detect their schema into *out. */
int sl_engine_detect_schema(struct sl_job *job, int64_t sample, int timeout_ms,
                            struct sl_field *out, int64_t *records,
                            struct sl_error *err);

#endif
