/*
 * schema.h - the type tree: fields, Hive/Glue type spellings, widening.
 *
 * A schema is a field of type SL_STRUCT whose children are the top-level
 * columns. Config files and the catalog spell types the Hive/Glue way
 * ("bigint", "struct<a:int,b:array<string>>", "decimal(10,2)"); field names
 * that are not [A-Za-z0-9_] are written in backticks.
 */
#ifndef SL_SCHEMA_H
#define SL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

enum sl_type {
    SL_NULLTYPE = 0, /* detection only: a field seen only as null so far */
    SL_BOOLEAN,
    SL_INT,     /* int32 */
    SL_BIGINT,  /* int64 */
    SL_FLOAT,   /* float32 */
    SL_DOUBLE,  /* float64 */
    SL_DECIMAL, /* unscaled __int128 with precision/scale */
    SL_STRING,  /* UTF-8 */
    SL_BINARY,
    SL_DATE,      /* int32 days since 1970-01-01 */
    SL_TIMESTAMP, /* int64 microseconds since epoch, UTC */
    SL_ARRAY,     /* one child: the element */
    SL_MAP,       /* two children: key, value */
    SL_STRUCT,    /* children: the fields */
};

struct sl_field {
    char *name; /* NULL for array elements / map keys+values and the root */
    enum sl_type type;
    uint8_t precision, scale; /* decimal only */
    bool nullable;
    uint32_t n_children;
    struct sl_field *children;
};

/* "bigint" -> SL_BIGINT etc.; the Hive spelling of a type (no params). */
const char *sl_type_name(enum sl_type t);
/* Fixed value width in bytes for fixed-width types, 0 for the others. */
size_t sl_type_width(enum sl_type t);
static inline bool sl_type_is_nested(enum sl_type t)
{
    return t == SL_ARRAY || t == SL_MAP || t == SL_STRUCT;
}

/* Parse a Hive/Glue type string into *out (fields zeroed first; out->name
 * left NULL). Errors name the character position. */
int sl_type_parse(const char *text, struct sl_field *out, struct sl_error *err);
/* Append the Hive spelling of f's type (not its name) to b. */
int sl_type_format(const struct sl_field *f, struct sl_buf *b);

/* Deep copy / free of a field's contents (the struct itself is the
 * caller's). sl_field_free on a zeroed field does nothing. */
int sl_field_copy(struct sl_field *dst, const struct sl_field *src);
void sl_field_free(struct sl_field *f);
bool sl_field_equal(const struct sl_field *a, const struct sl_field *b);
/* Child of a struct field by name, or NULL. */
const struct sl_field *sl_field_child(const struct sl_field *f,
                                      const char *name);

/* The type two detected types widen to: equal -> same; NULLTYPE -> other;
 * int -> bigint -> double; float -> double; otherwise string. Nested types
 * of the same kind widen child by child (handled by sl_field_widen). */
enum sl_type sl_type_widen(enum sl_type a, enum sl_type b);
/* Widen dst in place so it also describes src: struct fields are unioned
 * (new fields appended in order of first appearance), scalar types widen.
 * *changed is set when dst changed. */
int sl_field_widen(struct sl_field *dst, const struct sl_field *src,
                   bool *changed);

#endif
