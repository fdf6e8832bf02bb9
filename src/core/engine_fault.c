/*
 * engine_fault.c - fault injection for the crash tests of the engine
 * (tests/integration/test_kafka_takeover.sh): the process kills or stops
 * itself at an exact point of the batch protocol, which random kills hit
 * only by luck. Read from the environment variable SLUICE_FAULT at start;
 * off when unset, and then costs one test of e->fault per point.
 *
 *   kill_after_offsets:N  SIGKILL right after offsets/M of the first batch
 *                         M >= N that read records, before the sinks commit
 *                         it (the window a takeover covers)
 *   kill_in_replay        SIGKILL after the first chunk of a replay (own or
 *                         on another worker's behalf)
 *   stop_in_replay        SIGSTOP after the first chunk of a replay; the
 *                         test resumes the process with SIGCONT
 *
 * Engine thread only.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "log.h"

enum { KILL_AFTER_OFFSETS = 1, KILL_IN_REPLAY, STOP_IN_REPLAY };

void sl__engine_fault_init(struct engine *e)
{
    const char *f = getenv("SLUICE_FAULT");
    if (!f || !*f)
        return;
    if (strncmp(f, "kill_after_offsets:", 19) == 0 &&
        sl_parse_i64(f + 19, &e->fault_batch) == 0)
        e->fault = KILL_AFTER_OFFSETS;
    else if (strcmp(f, "kill_in_replay") == 0)
        e->fault = KILL_IN_REPLAY;
    else if (strcmp(f, "stop_in_replay") == 0)
        e->fault = STOP_IN_REPLAY;
    if (e->fault)
        sl_warn("SLUICE_FAULT=%s: fault injection for tests is on", f);
    else
        sl_warn("SLUICE_FAULT=%s: unknown fault, ignored", f);
}

void sl__engine_fault(struct engine *e, int point, int64_t batch)
{
    if (point == SL_FAULT_AFTER_OFFSETS && e->fault == KILL_AFTER_OFFSETS &&
        batch >= e->fault_batch && e->raw > 0) {
        sl_warn("SLUICE_FAULT: killed after offsets/%" PRId64, batch);
        raise(SIGKILL);
    }
    if (point == SL_FAULT_IN_REPLAY &&
        (e->fault == KILL_IN_REPLAY || e->fault == STOP_IN_REPLAY)) {
        bool kill = e->fault == KILL_IN_REPLAY;
        e->fault = 0; /* once */
        sl_warn("SLUICE_FAULT: %s in the replay of batch %" PRId64,
                kill ? "killed" : "stopped", batch);
        raise(kill ? SIGKILL : SIGSTOP);
    }
}
