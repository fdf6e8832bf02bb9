/*
 * sink_common.c - option parsing shared by the sinks that write through an
 * encoder (file, stdout; S3 later). See sink_common.h.
 */
#include "sink_common.h"

#include <stdlib.h>

int sl__sink_parse(const struct sl_option *opts, const struct sl_sink_ctx *ctx,
                   const char *what, void *dst,
                   const struct sl_encoder_ops **enc, struct sl_error *err)
{
    struct sl_conf empty = {.kind = SL_CONF_MAP};
    const struct sl_conf *c = ctx->conf ? ctx->conf : &empty;
    const char *format = sl_conf_str(c, "format");
    if (!format)
        format = ctx->default_format ? ctx->default_format : "json";
    const struct sl_encoder_ops *e = sl_encoder_find(format);
    if (!e) {
        char where[256];
        return sl_error_set(err, SL_EINVAL,
                            "%s: %s: unknown format '%s' (known: json, csv, "
                            "and the other encoders `sluice help` lists)",
                            sl_conf_where(c, where, sizeof where), what,
                            format);
    }
    size_t ne = 0;
    for (const struct sl_option *o = e->options; o && o->name; o++)
        ne++;
    const char **also = calloc(ne + 3, sizeof *also);
    if (!also)
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", what);
    also[0] = "type"; /* the job's keys for every sink (job.c) */
    also[1] = "format";
    for (size_t k = 0; k < ne; k++)
        also[k + 2] = e->options[k].name;
    int rc =
        sl_options_parse(opts, (const char *const *)also, c, "sink", dst, err);
    free(also);
    if (!rc)
        *enc = e;
    return rc;
}
