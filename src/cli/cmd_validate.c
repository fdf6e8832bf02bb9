/*
 * cmd_validate.c - `sluice validate JOB.yaml`: check a job file.
 *
 * Loads and checks the job (every key, type and part), creates its decoder
 * (which checks format options and the schema) and prints what the job
 * will do. It opens nothing that writes.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "job.h"
#include "tchain.h"

static const char help[] =
    "Usage: sluice validate JOB.yaml\n"
    "\n"
    "Checks the job file without running it: unknown keys, wrong types,\n"
    "missing required keys, unknown source/format/sink types, the schema,\n"
    "the transforms (expressions are type-checked against a declared\n"
    "schema).\n"
    "Errors name the file, line and key. Prints a summary and warnings\n"
    "(for example that a stdin source cannot resume after a restart).\n"
    "Exit code 0 when valid, 2 when not.\n"
    "\n"
    "Example:\n"
    "  sluice validate examples/quickstart.yaml\n";

int sl_cmd_validate(int argc, char **argv)
{
    if (sl_cli_wants_help(argc, argv) || argc != 2) {
        fputs(help, argc == 2 ? stdout : stderr);
        return argc == 2 ? SL_EXIT_OK : SL_EXIT_USAGE;
    }
    struct sl_error err;
    sl_error_clear(&err);
    struct sl_job *job;
    int rc = sl_job_load(argv[1], &job, &err);
    if (rc) {
        sl_cli_fail(&err);
        return sl_cli_exit_code(rc);
    }
    struct sl_decoder_ctx dctx = {.conf = job->source_node,
                                  .schema = job->src.schema};
    void *dec = NULL;
    rc = job->decoder->create(&dctx, &dec, &err);
    if (rc) {
        sl_error_prefix(&err, "%s: source format %s: ", argv[1],
                        job->src.format);
        sl_cli_fail(&err);
        sl_job_free(job);
        return sl_cli_exit_code(rc);
    }
    job->decoder->destroy(dec);
    /* Create and prepare the transforms: expressions are type-checked
     * against a declared schema; a transform that cannot run under schema
     * detection (join) says so. */
    struct sl_tchain *tc = NULL;
    rc = sl_tchain_create(job->transforms_node, job->src.schema, NULL, NULL,
                          &tc, &err);
    sl_tchain_destroy(tc);
    if (rc) {
        sl_cli_fail(&err);
        sl_job_free(job);
        return sl_cli_exit_code(rc);
    }

    struct sl_buf schema;
    sl_buf_init(&schema, 0);
    if (job->src.schema)
        sl_type_format(job->src.schema, &schema);
    else
        sl_buf_puts(&schema, "detected from the data");
    sl_buf_cstr(&schema);
    printf("%s: valid\n", argv[1]);
    printf("  job:         %s\n", job->name);
    printf("  window:      %.3g s\n", (double)job->window_ms / 1000.0);
    printf("  checkpoint:  %s\n", job->checkpoint);
    printf("  source:      %s, format %s, starting at %s\n", job->src.type,
           job->src.format, job->src.starting_position);
    printf("  schema:      %s\n", (char *)schema.data);
    printf("  transforms:  %zu\n",
           job->transforms_node ? job->transforms_node->n : (size_t)0);
    printf("  sink:        %s, format %s (%s)\n", job->snk.type,
           job->snk.format,
           job->sink->exactly_once ? "exactly-once" : "at-least-once");
    printf("  dead letter: %s\n", job->dead_letter_path);
    if (!job->source->resumable)
        printf("warning: a %s source cannot resume: after a restart it "
               "reads what arrives then, and the checkpoint only records "
               "what was written\n",
               job->src.type);
    sl_buf_free(&schema);
    sl_job_free(job);
    return SL_EXIT_OK;
}
