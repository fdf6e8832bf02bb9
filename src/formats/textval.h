/*
 * textval.h - values given as text (or as a scanned number) into typed
 * columns: the conversions shared by the text formats. Not API.
 *
 * One piece of code for one rule: the JSON decoder converts a JSON string
 * or number into a declared column with sl__conv_text / sl__conv_num, and
 * the CSV and Grok decoders convert their fields and captures with the same
 * functions (through sl__text_into, which words the error). The rules:
 * booleans true/false in any case; numbers in JSON number form (RFC 8259),
 * integral doubles into integer columns; dates YYYY-MM-DD; timestamps
 * ISO-8601 or epoch seconds; decimals exact; binary as base64.
 *
 * Detection: sl__text_kind says what text looks like (boolean, int,
 * bigint, double, timestamp, else string) and sl__text_detect widens the
 * column to hold it (DESIGN.md §3: int -> bigint -> double, otherwise
 * string) before appending.
 */
#ifndef SL_TEXTVAL_H
#define SL_TEXTVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "error.h"
#include "options.h"

struct sl_jnum; /* json_int.h */

/* Outcomes of sl__conv_* besides 0 (appended) and the column's own
 * negative codes (SL_ENOMEM, SL_ELIMIT); nothing is appended then. */
enum {
    SL_CONV_NOT_A = 1, /* the value is not of the column's type */
    SL_CONV_RANGE = 2, /* it is, but out of the type's range */
};

/* Text into c's type (JSON-string rules; string columns take it as is). */
int sl__conv_text(struct sl_col *c, const uint8_t *s, size_t n);
/* A scanned number into c's type (JSON-number rules). */
int sl__conv_num(struct sl_col *c, const struct sl_jnum *num);
/* Whether sl__conv_num stores num in c as it is, with no widening (the
 * detecting JSON decoder widens the column first otherwise). */
bool sl__conv_num_fits(const struct sl_col *c, const struct sl_jnum *num);

/* sl__conv_text with the outcome worded into err: "'abc' is not an int",
 * "'99999999999' is out of range for int" (SL_ETYPE; the caller prefixes
 * the field). */
int sl__text_into(struct sl_col *c, const uint8_t *s, size_t n,
                  struct sl_error *err);

/* The narrowest detected type of the text (never NULLTYPE: the caller
 * decides what is null). */
enum sl_type sl__text_kind(const uint8_t *s, size_t n);

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
