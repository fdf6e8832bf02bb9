/*
 * text_out.h - value text shared by the text encoders (JSON lines, CSV) and
 * the lake sinks' Hive partition folders.
 *
 * One place decides how a date, timestamp, decimal or nested value reads as
 * text, so a value looks the same in a JSON line, a CSV field and a
 * `col=value` folder name. Internal to sluice (sl__ prefix).
 */
#ifndef SL_TEXT_OUT_H
#define SL_TEXT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "options.h"

/* Room for the longest text of a date, timestamp or decimal. */
#define SL_TEXT_SCALAR_MAX 64

/* "YYYY-MM-DD" (years outside 0..9999 are written with their sign/digits);
 * returns the length written to out (no NUL). */
size_t sl__fmt_date(int64_t days, char *out);
/* ISO-8601 UTC of microseconds since the epoch, fraction trimmed of
 * trailing zeros and left out when zero: "2026-11-25T10:00:00.123Z". */
size_t sl__fmt_timestamp(int64_t micros, char *out);
/* Exact decimal text of an unscaled value: (-5, scale 2) -> "-0.05". */
size_t sl__fmt_decimal(__int128 v, unsigned scale, char *out);

/* Append slot i of column c as JSON (null when the slot is null). Struct
 * fields that are null are left out, array elements and map values that
 * are null are written as null, map keys are always JSON strings. */
int sl__json_value(struct sl_buf *o, const struct sl_col *c, size_t i);
/* Append slot i of a non-null column as plain text: strings as they are,
 * binary as base64, nested values as their JSON text. */
int sl__text_value(struct sl_buf *o, const struct sl_col *c, size_t i);

/* For each top-level field of `schema` find the column of b with the same
 * name (a fast path when positions agree) and check its type; map[k] is the
 * column for schema field k. Errors name the field. */
int sl__map_columns(const struct sl_field *schema, const struct sl_batch *b,
                    const struct sl_col **map, struct sl_error *err);

/* sl_options_parse of `opts` from a map that also holds other parts' keys
 * (an encoder reading the `sink:` map): every key not in opts is ignored.
 * A NULL map gives the defaults. */
int sl__options_parse_own(const struct sl_option *opts, const struct sl_conf *c,
                          const char *section, void *dst, struct sl_error *err);

#endif
