/*
 * textval.h - a field given as text into a typed column: the conversions
 * shared by the text formats (CSV fields, Grok captures). Not API.
 *
 * Declared schema: sl__text_into converts the text to the column's type
 * the way the JSON decoder converts a JSON string into a non-string column
 * (booleans true/false in any case, numbers in JSON number form, dates
 * YYYY-MM-DD, timestamps ISO-8601 or epoch seconds, decimals exact).
 * Detection: sl__text_kind says what the text looks like (boolean, int,
 * bigint, double, timestamp, else string) and sl__text_detect widens the
 * column to hold it (DESIGN.md §3: int -> bigint -> double, otherwise
 * string) before appending.
 */
#ifndef SL_TEXTVAL_H
#define SL_TEXTVAL_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "error.h"
#include "options.h"

/* The narrowest detected type of the text (never NULLTYPE: the caller
 * decides what is null). */
enum sl_type sl__text_kind(const uint8_t *s, size_t n);

/* Append s[0..n) to c converted to c's type. SL_ETYPE with err saying
 * "'abc' is not an int" (the caller prefixes the column); SL_ENOMEM,
 * SL_ELIMIT from the column. Binary columns take the bytes as they are. */
int sl__text_into(struct sl_col *c, const uint8_t *s, size_t n,
                  struct sl_error *err);

/* Detection: widen c (if needed) to hold the kind of s, then append it. */
int sl__text_detect(struct sl_col *c, const uint8_t *s, size_t n,
                    struct sl_error *err);

/* Parse a whole decimal integer (optional sign, digits only) into *v;
 * false when it is not one or overflows int64. */
bool sl__text_i64(const uint8_t *s, size_t n, int64_t *v);

/* Parse a decoder's option table from the `source:` map `conf`, allowing
 * the map's other keys (engine and source keys, checked by the job loader).
 * Shared by the decoders of this folder. */
int sl__decoder_options(const struct sl_option *opts,
                        const struct sl_conf *conf, void *dst,
                        struct sl_error *err);

#endif
