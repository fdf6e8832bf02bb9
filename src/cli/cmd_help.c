/*
 * cmd_help.c - `sluice help [job | source T | format F | sink T]` and
 * `sluice help --markdown`: the option tables of every part, printed from
 * the same data that validates job files. docs/jobs.md's reference section
 * is `sluice help --markdown` (a test checks they agree).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "job.h"
#include "part.h"

static const char help[] =
    "Usage: sluice help [job | source TYPE | format NAME | sink TYPE | output "
    "NAME |\n"
    "                    transform NAME]\n"
    "       sluice help --markdown\n"
    "\n"
    "Prints the keys a job file accepts: for the top level (job), a source\n"
    "type, an input format, a sink type, an output format or a transform\n"
    "(see docs/transforms.md). With no topic,\n"
    "lists the topics. --markdown prints the whole reference as Markdown.\n"
    "\n"
    "Example:\n"
    "  sluice help source file\n";

typedef int (*render_fn)(const struct sl_option *, struct sl_buf *);

static void section(struct sl_buf *b, bool md, const char *title,
                    const char *summary, const struct sl_option *opts)
{
    if (md)
        sl_buf_appendf(b, "\n### %s\n\n%s%s", title, summary ? summary : "",
                       summary ? "\n\n" : "");
    else
        sl_buf_appendf(b, "%s%s%s\n\n", title, summary ? ": " : "",
                       summary ? summary : "");
    if (opts && opts->name)
        (md ? sl_options_markdown : sl_options_help)(opts, b);
    else
        sl_buf_puts(b, md ? "No keys of its own.\n" : "no keys of its own\n");
}

#define EACH(list, title_fmt, kind)                                            \
    for (size_t i = 0; list[i]; i++) {                                         \
        if (name && strcmp(name, list[i]->name))                               \
            continue;                                                          \
        char t[128];                                                           \
        snprintf(t, sizeof t, title_fmt, list[i]->name);                       \
        section(&b, md, t, list[i]->summary, list[i]->options);                \
        found = 1;                                                             \
    }

static int render(const char *topic, const char *name, bool md)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    int found = 0;
    bool all = topic == NULL;
    if (all || strcmp(topic, "job") == 0) {
        section(&b, md, "Job (top level)", NULL, sl_job_options);
        found = 1;
    }
    if (all || strcmp(topic, "source") == 0) {
        if (all || !name)
            section(&b, md, "source: keys of every source", NULL,
                    sl_job_source_options);
        EACH(sl_sources, "source type: %s", source);
        found = 1;
    }
    if (all || strcmp(topic, "format") == 0) {
        EACH(sl_decoders, "input format: %s", format);
    }
    if (all || strcmp(topic, "sink") == 0) {
        if (all || !name)
            section(&b, md, "sink: keys of every sink", NULL,
                    sl_job_sink_options);
        EACH(sl_sinks, "sink type: %s", sink);
        found = 1;
    }
    if (all || strcmp(topic, "output") == 0) {
        for (size_t i = 0; sl_encoders[i]; i++) {
            if (name && strcmp(name, sl_encoders[i]->name))
                continue;
            char t[128];
            snprintf(t, sizeof t, "output format: %s (.%s)",
                     sl_encoders[i]->name, sl_encoders[i]->extension);
            section(&b, md, t, NULL, sl_encoders[i]->options);
            found = 1;
        }
    }
    if (all || strcmp(topic, "transform") == 0) {
        for (size_t i = 0; sl_transforms[i]; i++) {
            const struct sl_transform_ops *t = sl_transforms[i];
            if (name && strcmp(name, t->name))
                continue;
            char title[128], summary[512];
            snprintf(title, sizeof title, "transform: %s", t->name);
            snprintf(summary, sizeof summary, "%s%s%s%s", t->summary,
                     t->takes ? " (takes: " : "", t->takes ? t->takes : "",
                     t->takes ? ")" : "");
            section(&b, md, title, summary, t->options);
            found = 1;
        }
    }
    if (found && b.len) {
        fwrite(b.data, 1, b.len, stdout);
    }
    sl_buf_free(&b);
    return found;
}

int sl_cmd_help(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--markdown") == 0)
        return render(NULL, NULL, true) ? SL_EXIT_OK : SL_EXIT_FAIL;
    if (argc == 1 || sl_cli_wants_help(argc, argv)) {
        fputs(help, stdout);
        return SL_EXIT_OK;
    }
    if (argc > 3 || !render(argv[1], argc == 3 ? argv[2] : NULL, false)) {
        fprintf(stderr, "sluice help: no topic '%s%s%s'\n\n%s", argv[1],
                argc == 3 ? " " : "", argc == 3 ? argv[2] : "", help);
        return SL_EXIT_USAGE;
    }
    return SL_EXIT_OK;
}
