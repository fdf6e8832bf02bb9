/*
 * grok.h - internals of the Grok decoder shared with its pattern library,
 * tests and fuzz harness (not API).
 */
#ifndef SL_GROK_H
#define SL_GROK_H

#include <stddef.h>

#include "error.h"
#include "schema.h"

struct sl_grok_def {
    const char *name;
    const char *regex; /* may refer to other patterns with %{NAME} */
};

/* The built-in library, terminated by {NULL, NULL}. */
extern const struct sl_grok_def sl__grok_builtin[];

/* Compile the grok patterns pats[0..n) (tried in order) with the custom
 * definitions `custom` ("NAME regex" lines, may be NULL) into a decoder
 * state for sl_decoder_grok. schema: declared columns, or NULL to take
 * the schema from the captures. Errors name the pattern at fault. */
int sl__grok_create(const char *const *pats, size_t n, const char *custom,
                    const struct sl_field *schema, void **st,
                    struct sl_error *err);

/* The schema the captures give (an SL_STRUCT field, deep copy). */
int sl__grok_schema(void *st, struct sl_field *out);

#endif
