/*
 * cmd_checkpoint.c - `sluice checkpoint show|reset JOB.yaml`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checkpoint.h"
#include "cli.h"
#include "job.h"

static const char help[] =
    "Usage: sluice checkpoint show JOB.yaml\n"
    "       sluice checkpoint reset JOB.yaml --yes\n"
    "\n"
    "show   prints the checkpoint's job and id, the last committed batch\n"
    "       with its counts, each source partition's position, and a batch\n"
    "       that will be replayed (written but not committed), if any.\n"
    "reset  deletes the checkpoint, so the next run starts over from the\n"
    "       source's starting position and writes every record again into\n"
    "       new file names (earlier output is left untouched). Needs --yes.\n"
    "\n"
    "Example:\n"
    "  sluice checkpoint show examples/quickstart.yaml\n";

static void print_ranges(const struct sl_offsets *o)
{
    printf("  %-50s %15s %15s\n", "partition", "start", "end");
    for (size_t i = 0; i < o->n; i++)
        printf("  %-50s %15s %15s\n", o->ranges[i].id,
               o->ranges[i].start ? o->ranges[i].start : "-", o->ranges[i].end);
}

static int show(struct sl_job *job, struct sl_error *err)
{
    struct sl_checkpoint *cp;
    int rc = sl_checkpoint_open_existing(job->checkpoint, &cp, err);
    if (rc)
        return rc;
    int64_t lo, lc;
    rc = sl_checkpoint_latest(cp, &lo, &lc, err);
    if (rc)
        goto out;
    printf("checkpoint %s\n  job %s, id %s\n", job->checkpoint,
           sl_checkpoint_job(cp), sl_checkpoint_id(cp));
    if (lc < 0) {
        printf("no batch committed yet\n");
    } else {
        struct sl_commit_info ci;
        struct sl_offsets o;
        rc = sl_checkpoint_get_commit(cp, lc, &ci, err);
        if (rc)
            goto out;
        printf("last committed batch %" PRId64 ": %" PRId64
               " records in, %" PRId64 " rows out, %" PRId64
               " dead-lettered, %" PRId64 " bytes, %" PRId64 " ms\n",
               lc, ci.records_in, ci.records_out, ci.dead_lettered, ci.bytes_in,
               ci.duration_ms);
        if (ci.schema)
            printf("schema (version %" PRId64 "): %s\n", ci.schema_version,
                   ci.schema);
        sl_commit_info_free(&ci);
        rc = sl_checkpoint_get_offsets(cp, lc, &o, err);
        if (rc)
            goto out;
        printf("positions after batch %" PRId64 ":\n", lc);
        print_ranges(&o);
        sl_offsets_free(&o);
    }
    if (lo > lc) {
        struct sl_offsets o;
        rc = sl_checkpoint_get_offsets(cp, lo, &o, err);
        if (rc)
            goto out;
        printf("batch %" PRId64 " was written but not committed; the next run "
               "replays exactly these ranges:\n",
               lo);
        print_ranges(&o);
        sl_offsets_free(&o);
    }
out:
    sl_checkpoint_close(cp);
    return rc;
}

int sl_cmd_checkpoint(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return SL_EXIT_OK;
    }
    if (argc < 3 || (strcmp(argv[1], "show") && strcmp(argv[1], "reset"))) {
        fputs(help, stderr);
        return SL_EXIT_USAGE;
    }
    bool yes = argc == 4 && strcmp(argv[3], "--yes") == 0;
    if (argc > 4 || (argc == 4 && !yes)) {
        fputs(help, stderr);
        return SL_EXIT_USAGE;
    }
    struct sl_error err;
    sl_error_clear(&err);
    struct sl_job *job;
    int rc = sl_job_load(argv[2], &job, &err);
    if (rc) {
        sl_cli_fail(&err);
        return sl_cli_exit_code(rc);
    }
    if (strcmp(argv[1], "show") == 0) {
        rc = show(job, &err);
    } else if (!yes) {
        fprintf(stderr,
                "sluice checkpoint reset: this deletes %s and the "
                "next run reprocesses everything; add --yes\n",
                job->checkpoint);
        sl_job_free(job);
        return SL_EXIT_USAGE;
    } else {
        rc = sl_checkpoint_destroy_location(job->checkpoint, &err);
        if (!rc)
            printf("deleted checkpoint %s; the next run starts over\n",
                   job->checkpoint);
    }
    if (rc)
        sl_cli_fail(&err);
    sl_job_free(job);
    return sl_cli_exit_code(rc);
}
