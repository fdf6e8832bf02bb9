/*
 * cli.h - the sluice command line: one file per subcommand.
 *
 * Exit codes (documented in `sluice --help` and docs/operations.md):
 *   0  success (also a clean stop by SIGINT/SIGTERM)
 *   1  the job failed while running (I/O, source or sink error)
 *   2  usage error or invalid job file
 *   3  the checkpoint belongs to another job or source
 */
#ifndef SL_CLI_H
#define SL_CLI_H

#include "error.h"

enum {
    SL_EXIT_OK = 0,
    SL_EXIT_FAIL = 1,
    SL_EXIT_USAGE = 2,
    SL_EXIT_CONFLICT = 3
};

int sl_cmd_run(int argc, char **argv);
int sl_cmd_validate(int argc, char **argv);
int sl_cmd_checkpoint(int argc, char **argv);
int sl_cmd_schema(int argc, char **argv);
int sl_cmd_help(int argc, char **argv);

/* Exit code for an error status. */
int sl_cli_exit_code(int rc);
/* Print "sluice: <msg>" to stderr. */
void sl_cli_fail(const struct sl_error *err);
/* 1 when argv[i] is -h or --help. */
int sl_cli_wants_help(int argc, char **argv);

#endif
