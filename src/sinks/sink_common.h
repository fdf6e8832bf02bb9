/*
 * sink_common.h - what every sink that writes through an encoder does when
 * it opens: pick the encoder named by `format` and read its own options
 * from a map that also holds the encoder's keys. Internal (sl__ prefix).
 */
#ifndef SL_SINK_COMMON_H
#define SL_SINK_COMMON_H

#include "part.h"

/* The encoder is the map's `format`, else ctx->default_format, else json.
 * opts (the sink's table) is parsed into dst with `type`, `format` and the
 * encoder's option names allowed; the encoder checks its keys when it is
 * created. `what` names the sink in messages ("file sink"). A NULL
 * map is an empty one. */
int sl__sink_parse(const struct sl_option *opts, const struct sl_sink_ctx *ctx,
                   const char *what, void *dst,
                   const struct sl_encoder_ops **enc, struct sl_error *err);

#endif
