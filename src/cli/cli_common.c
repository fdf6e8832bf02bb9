/*
 * cli_common.c - helpers shared by the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int sl_cli_exit_code(int rc)
{
    switch (rc) {
    case SL_OK:
        return SL_EXIT_OK;
    case SL_EINVAL:
    case SL_ENOTFOUND:
        return SL_EXIT_USAGE;
    case SL_ECONFLICT:
        return SL_EXIT_CONFLICT;
    default:
        return SL_EXIT_FAIL;
    }
}

void sl_cli_fail(const struct sl_error *err)
{
    fprintf(stderr, "sluice: %s\n",
            err->msg[0] ? err->msg : sl_strerror(err->code));
}

int sl_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}
