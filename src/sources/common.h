/*
 * common.h - small helpers shared by the built-in sources (file, stdin,
 * generator): option parsing of the `source:` map, positions as decimal
 * numbers, and sleeping in poll loops.
 */
#ifndef SL_SOURCES_COMMON_H
#define SL_SOURCES_COMMON_H

#include <stdint.h>

#include "part.h"

/* Keys every source map may hold besides the source's own options: the
 * engine's keys (type, format, schema, ...) and the keys of the formats.
 * NULL-terminated. */
extern const char *const sl__source_common_keys[];

/* Fill dst from ctx->conf with the source's table `opts`. Keys of the
 * engine and of every registered format are allowed (the job loader has
 * already checked them against the chosen format). */
int sl__source_options(const struct sl_option *opts,
                       const struct sl_source_ctx *ctx, void *dst,
                       struct sl_error *err);

/* Parse a decimal position ("12345") into *v (>= 0); SL_EINVAL if not. */
int sl__pos_parse(const char *s, int64_t *v);

/* Sleep ms milliseconds (poll loops waiting for data); <= 0 returns. */
void sl__sleep_ms(int64_t ms);

#endif
