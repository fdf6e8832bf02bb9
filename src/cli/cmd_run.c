/*
 * cmd_run.c - `sluice run JOB.yaml`: run a job until stopped.
 *
 * SIGINT/SIGTERM once: the window in flight closes now and is committed,
 * then sluice exits 0. Twice: the batch in flight is abandoned (nothing of
 * it is visible; the next run reads it again).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "job.h"
#include "log.h"
#include "options.h"

static const char help[] =
    "Usage: sluice run JOB.yaml [--until-idle] [--max-batches N]\n"
    "\n"
    "Runs the job continuously, one batch per window (the job's `window`,\n"
    "100s by default). Progress is kept in the job's checkpoint, so running\n"
    "it again resumes where it stopped; an uncommitted batch is replayed.\n"
    "\n"
    "  --until-idle     exit once a window closes with no new input (while\n"
    "                   idle, a window closes as soon as the source is\n"
    "                   drained, so a bounded input finishes quickly)\n"
    "  --max-batches N  stop after N committed batches\n"
    "  --quiet          no per-batch lines\n"
    "\n"
    "Each batch prints one line on stderr: records in, rows out,\n"
    "dead-lettered, bytes, records/s, batch time; a summary at exit.\n"
    "SIGINT/SIGTERM: commit the window in flight and exit 0; a second one\n"
    "abandons it (it is read again next run).\n"
    "\n"
    "Example:\n"
    "  sluice run examples/quickstart.yaml --until-idle\n";

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = g_stop ? 2 : 1;
}

int sl_cmd_run(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return SL_EXIT_OK;
    }
    struct sl_run_opts o = {.stop = &g_stop};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--until-idle") == 0) {
            o.until_idle = true;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            o.quiet = true;
        } else if (strcmp(argv[i], "--max-batches") == 0 && i + 1 < argc) {
            if (sl_parse_i64(argv[++i], &o.max_batches) || o.max_batches < 1) {
                fprintf(stderr,
                        "sluice run: --max-batches takes a positive "
                        "number, not '%s'\n",
                        argv[i]);
                return SL_EXIT_USAGE;
            }
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "sluice run: unexpected argument '%s'\n\n%s",
                    argv[i], help);
            return SL_EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fputs(help, stderr);
        return SL_EXIT_USAGE;
    }
    struct sl_error err;
    sl_error_clear(&err);
    struct sl_job *job;
    int rc = sl_job_load(path, &job, &err);
    if (rc) {
        sl_cli_fail(&err);
        return sl_cli_exit_code(rc);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sl_run_stats st;
    sl_info("job %s: %s -> %s, window %.3g s, checkpoint %s", job->name,
            job->src.type, job->snk.type, (double)job->window_ms / 1000.0,
            job->checkpoint);
    rc = sl_engine_run(job, &o, &st, &err);
    double secs = (double)st.elapsed_ms / 1000.0;
    sl_info("job %s: %s; %lld batches (%lld replayed), %lld records in, "
            "%lld rows out, %lld dead-lettered, %.1f MB in %.2f s "
            "(%.0f records/s)",
            job->name, rc ? "failed" : "stopped", (long long)st.batches,
            (long long)st.replayed, (long long)st.raw_records,
            (long long)st.rows_out, (long long)st.dead_lettered,
            (double)st.bytes_in / 1e6, secs,
            secs > 0 ? (double)st.raw_records / secs : 0.0);
    if (rc)
        sl_cli_fail(&err);
    sl_job_free(job);
    return sl_cli_exit_code(rc);
}
