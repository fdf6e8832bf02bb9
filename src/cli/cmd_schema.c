/*
 * cmd_schema.c - `sluice schema detect JOB.yaml`: sample and detect.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "job.h"

static const char help[] =
    "Usage: sluice schema detect JOB.yaml [--sample N] [--timeout SECONDS]\n"
    "\n"
    "Reads up to N records (default 1000) from the job's source at its\n"
    "starting position, without touching the checkpoint, detects their\n"
    "schema the way a job without `schema:` does, and prints it in\n"
    "Hive/Glue spelling and as a `schema:` list to paste into the job.\n"
    "Waits at most --timeout seconds (default 10) for records.\n"
    "\n"
    "Example:\n"
    "  sluice schema detect examples/quickstart.yaml --sample 100\n";

static void yaml_fields(const struct sl_field *root)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    printf("schema:\n");
    for (uint32_t i = 0; i < root->n_children; i++) {
        sl_buf_reset(&b);
        sl_type_format(&root->children[i], &b);
        sl_buf_cstr(&b);
        printf("  - {name: \"%s\", type: \"%s\"}\n", root->children[i].name,
               (char *)b.data);
    }
    sl_buf_free(&b);
}

int sl_cmd_schema(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return SL_EXIT_OK;
    }
    if (argc < 3 || strcmp(argv[1], "detect") != 0) {
        fputs(help, stderr);
        return SL_EXIT_USAGE;
    }
    int64_t sample = 1000, timeout = 10;
    for (int i = 3; i < argc; i += 2) {
        int64_t *dst = NULL;
        if (strcmp(argv[i], "--sample") == 0)
            dst = &sample;
        else if (strcmp(argv[i], "--timeout") == 0)
            dst = &timeout;
        if (!dst || i + 1 >= argc || sl_parse_i64(argv[i + 1], dst) ||
            *dst < 1) {
            fprintf(stderr, "sluice schema detect: bad argument '%s'\n\n%s",
                    argv[i], help);
            return SL_EXIT_USAGE;
        }
    }
    struct sl_error err;
    sl_error_clear(&err);
    struct sl_job *job;
    int rc = sl_job_load(argv[2], &job, &err);
    if (rc) {
        sl_cli_fail(&err);
        return sl_cli_exit_code(rc);
    }
    struct sl_field f;
    int64_t n = 0;
    rc = sl_engine_detect_schema(job, sample, (int)(timeout * 1000), &f, &n,
                                 &err);
    if (!rc) {
        struct sl_buf b;
        sl_buf_init(&b, 0);
        sl_type_format(&f, &b);
        sl_buf_cstr(&b);
        printf("# detected from %" PRId64 " records of %s\n%s\n", n,
               job->src.type, (char *)b.data);
        yaml_fields(&f);
        sl_buf_free(&b);
        sl_field_free(&f);
    } else {
        sl_cli_fail(&err);
    }
    sl_job_free(job);
    return sl_cli_exit_code(rc);
}
