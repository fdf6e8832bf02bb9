/*
 * main.c - sluice entry point: dispatches to the subcommands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const char usage[] =
    "sluice - streaming ETL: read a stream, transform it, load it in windows\n"
    "\n"
    "Usage:\n"
    "  sluice run JOB.yaml [--until-idle] [--max-batches N]   run a job\n"
    "  sluice validate JOB.yaml                 check a job file, change "
    "nothing\n"
    "  sluice checkpoint show JOB.yaml          where the job is in its "
    "source\n"
    "  sluice checkpoint reset JOB.yaml --yes   delete the checkpoint "
    "(reprocess)\n"
    "  sluice schema detect JOB.yaml            sample the source, print its "
    "schema\n"
    "  sluice help [job | source T | format F | sink T | output F]   job-file "
    "keys\n"
    "  sluice version\n"
    "\n"
    "Each subcommand takes --help. Global: --log-level error|warn|info|debug\n"
    "(or SLUICE_LOG=...).\n"
    "\n"
    "Example:\n"
    "  sluice run examples/quickstart.yaml --until-idle\n"
    "\n"
    "Exit codes: 0 success or clean stop, 1 the job failed while running,\n"
    "2 usage error or invalid job file, 3 checkpoint of another job.\n"
    "Docs: README.md and docs/ (jobs.md, checkpoints.md, operations.md).\n";

int main(int argc, char **argv)
{
    const char *lvl = getenv("SLUICE_LOG");
    /* --log-level anywhere on the line applies to every subcommand. */
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--log-level") == 0) {
            lvl = argv[i + 1];
            memmove(&argv[i], &argv[i + 2],
                    sizeof *argv * (size_t)(argc - i - 1));
            argc -= 2;
            break;
        }
    if (lvl) {
        static const char *const names[] = {"error", "warn", "info", "debug"};
        int found = 0;
        for (int k = 0; k < 4; k++)
            if (strcmp(lvl, names[k]) == 0) {
                sl_log_set_level((enum sl_log_level)k);
                found = 1;
            }
        if (!found) {
            fprintf(stderr,
                    "sluice: unknown log level '%s' (use error, warn, "
                    "info or debug)\n",
                    lvl);
            return SL_EXIT_USAGE;
        }
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return SL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 && argc > 2)
        return sl_cmd_help(argc - 1, argv + 1);
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return SL_EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("sluice %s\n", SL_VERSION);
        return SL_EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0)
        return sl_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0)
        return sl_cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "checkpoint") == 0)
        return sl_cmd_checkpoint(argc - 1, argv + 1);
    if (strcmp(cmd, "schema") == 0)
        return sl_cmd_schema(argc - 1, argv + 1);
    fprintf(stderr, "sluice: unknown command '%s'\n\n%s", cmd, usage);
    return SL_EXIT_USAGE;
}
