/*
 * common.c - helpers shared by the built-in sources (see common.h).
 *
 * The `source:` map holds the engine's keys, the source's keys and the
 * format's keys; the job loader checks the whole map, and each source
 * parses its own keys with sl_options_parse, passing the others as `also`.
 * The format keys come from the registry (sl_decoders), referenced weakly
 * so that a program that links sources without the registry (unit tests)
 * still links and falls back to the fixed list below.
 */
#include "common.h"

#include <stdlib.h>
#include <time.h>

const char *const sl__source_common_keys[] = {
    "type",
    "format",
    "schema",
    "starting_position",
    "compression",
    "max_decompressed_bytes",
    "max_decompression_ratio",
    "separator",
    "header",
    "quote_char",
    "escape_char",
    "null_value",
    "ragged",
    "grok_pattern",
    "grok_patterns",
    "grok_custom_patterns",
    "avro_schema",
    "max_record_bytes",
    NULL,
};

#pragma weak sl_decoders

int sl__source_options(const struct sl_option *opts,
                       const struct sl_source_ctx *ctx, void *dst,
                       struct sl_error *err)
{
    size_t n = 0;
    while (sl__source_common_keys[n])
        n++;
    const struct sl_decoder_ops *const *decs = sl_decoders;
    for (size_t i = 0; decs && decs[i]; i++)
        for (const struct sl_option *o = decs[i]->options; o && o->name; o++)
            n++;
    const char **also = calloc(n + 1, sizeof *also);
    if (!also)
        return sl_error_set(err, SL_ENOMEM, "source: out of memory");
    n = 0;
    for (size_t i = 0; sl__source_common_keys[i]; i++)
        also[n++] = sl__source_common_keys[i];
    for (size_t i = 0; decs && decs[i]; i++)
        for (const struct sl_option *o = decs[i]->options; o && o->name; o++)
            also[n++] = o->name;
    int rc = sl_options_parse(opts, also, ctx->conf, "source", dst, err);
    free(also);
    return rc;
}

int sl__pos_parse(const char *s, int64_t *v)
{
    if (!s || sl_parse_i64(s, v) != 0 || *v < 0)
        return SL_EINVAL;
    return 0;
}

void sl__sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
