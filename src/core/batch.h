/*
 * batch.h - the columnar chunk that flows from decoders to sinks.
 *
 * Arrow-like layout (see the Arrow C Data Interface): every column has a
 * validity bitmap (bit i set = row i is not null), and by type:
 *   boolean                   values: uint8_t 0/1, one byte per row
 *   int, date                 values: int32_t
 *   bigint, timestamp         values: int64_t (timestamp = UTC micros)
 *   float / double            values: float / double
 *   decimal                   values: __int128 unscaled
 *   string, binary            off[len+1] (int32) into data[]
 *   array                     off[len+1] into child[0]
 *   map                       off[len+1] into child[0] (keys), child[1]
 *   struct                    child[i] has the same len as the struct
 * A null slot still occupies its place (values zeroed, offsets repeated).
 *
 * The columns are also the schema: each column carries name and type, so a
 * decoder that detects the schema adds a child column or widens a column's
 * type in place (sl_col_add_child, sl_col_widen) and the batch's schema is
 * read back with sl_batch_schema. Buffers grow with realloc and keep their
 * capacity across sl_batch_clear, so a batch reused chunk after chunk stops
 * allocating (see docs/architecture.md for why not a bump arena).
 *
 * A batch (chunk) holds rows of ONE source partition, in source order.
 * Threads: a batch is used by one thread at a time.
 */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "schema.h"

struct sl_col {
    char *name; /* NULL for the root, array elements, map keys/values */
    enum sl_type type;
    uint8_t precision, scale;
    bool nullable;
    size_t len; /* slots */
    size_t cap; /* allocated slots in valid/values/off */
    uint8_t *valid;
    void *values;
    int32_t *off; /* len+1 entries when used; off[0] == 0 */
    uint8_t *data;
    size_t data_len, data_cap;
    struct sl_col *child;
    uint32_t n_child, child_cap;
};

struct sl_batch {
    struct sl_col root; /* SL_STRUCT; root.len is the row count */
    size_t max_bytes;   /* cap on data bytes per batch (0 = no cap); not
                           checked by the appends (a column does not know
                           its batch): a batch is bounded by the chunk it
                           is filled from, sl_batch_bytes says its size */
};

/* ---- whole batch ---- */

/* Create a batch whose columns follow schema (an SL_STRUCT field; NULL
 * gives an empty struct, for detection). */
int sl_batch_create(const struct sl_field *schema, struct sl_batch **out,
                    struct sl_error *err);
void sl_batch_destroy(struct sl_batch *b);
/* Drop all rows, keep columns, types and capacity. */
void sl_batch_clear(struct sl_batch *b);
static inline size_t sl_batch_rows(const struct sl_batch *b)
{
    return b->root.len;
}
/* The schema the columns describe now (deep copy into *out). */
int sl_batch_schema(const struct sl_batch *b, struct sl_field *out);
/* Approximate bytes held by values and data (for chunk sizing). */
size_t sl_batch_bytes(const struct sl_batch *b);
/* Top-level column by name, or NULL. */
struct sl_col *sl_batch_col(struct sl_batch *b, const char *name);

/* ---- building rows ----
 * Decoders append at most one value to each top-level column per row, then
 * call sl_batch_row_end, which gives the columns the record did not mention
 * a null (it is sl_col_struct_end on the root). sl_batch_rollback truncates
 * every column (recursively) back to the state after `rows` complete rows,
 * so a record that fails half way leaves no trace in the data (a detected
 * schema may stay widened by it). */
int sl_batch_row_end(struct sl_batch *b);
void sl_batch_rollback(struct sl_batch *b, size_t rows);

/* ---- one column ---- */

int sl_col_init(struct sl_col *c, const struct sl_field *f);
void sl_col_free(struct sl_col *c);
void sl_col_clear(struct sl_col *c);
/* Truncate to n slots (n <= len) recursively, like sl_batch_rollback for
 * one column; a struct's children are cut to n even when a slot was under
 * construction (a decoder replacing a repeated key uses this). */
void sl_col_truncate(struct sl_col *c, size_t n);
static inline bool sl_col_is_valid(const struct sl_col *c, size_t i)
{
    return (c->valid[i >> 3] >> (i & 7)) & 1;
}
/* Append one null slot (struct: nulls in every child too). */
int sl_col_append_null(struct sl_col *c);
int sl_col_append_bool(struct sl_col *c, bool v);
int sl_col_append_i32(struct sl_col *c, int32_t v); /* int, date */
int sl_col_append_i64(struct sl_col *c, int64_t v); /* bigint, timestamp */
int sl_col_append_f32(struct sl_col *c, float v);
int sl_col_append_f64(struct sl_col *c, double v);
int sl_col_append_dec(struct sl_col *c, __int128 v);
int sl_col_append_bytes(struct sl_col *c, const void *p,
                        size_t n); /* string, binary */
/* Reserve room for n bytes at the end of a string/binary column's data and
 * return where to write them; then sl_col_bytes_end(c, n_written). */
uint8_t *sl_col_bytes_begin(struct sl_col *c, size_t n);
int sl_col_bytes_end(struct sl_col *c, size_t n_written);
/* Make room for `slots` more slots and, in a string/binary column,
 * `bytes` more data bytes, so that bulk writers can fill valid, values,
 * off and data past len directly and then raise len (and data_len).
 * SL_ENOMEM, or SL_ELIMIT when data would pass INT32_MAX bytes. A
 * string/binary column has a data buffer after it, as after an append. */
int sl_col_reserve(struct sl_col *c, size_t slots, size_t bytes);
/* Struct: after appending one value to each child (or letting
 * sl_col_struct_end fill the missing ones with null), mark the slot valid. */
int sl_col_struct_end(struct sl_col *c);
/* Array/map: append elements to child[0] (and child[1] for maps), then
 * close the slot; its elements are those appended since the previous end. */
int sl_col_list_end(struct sl_col *c);
/* Length of array/map slot i, and its first element index. */
static inline size_t sl_col_list_len(const struct sl_col *c, size_t i)
{
    return (size_t)(c->off[i + 1] - c->off[i]);
}

/* Schema changes during detection. Add a child of type `f` to a struct
 * column, back-filled with nulls to the parent's length (for struct columns
 * in lists, to the number of slots the struct already has). Returns the new
 * child, or NULL with err set. Pointers to other children may move. */
struct sl_col *sl_col_add_child(struct sl_col *c, const struct sl_field *f,
                                struct sl_error *err);
struct sl_col *sl_col_child(struct sl_col *c, const char *name);
/* Change a column's type to `to` converting the values it holds (int ->
 * bigint -> double; anything -> string renders the values as JSON text;
 * NULLTYPE -> anything). */
int sl_col_widen(struct sl_col *c, enum sl_type to, struct sl_error *err);

/* Append slot i of c as JSON text ("null" for a null; dates, timestamps
 * and base64 binary as JSON strings; struct fields that are null left
 * out). */
int sl_col_value_json(const struct sl_col *c, size_t i, struct sl_buf *out);

/* Values of fixed-width columns, typed. */
#define SL_COL_VALUES(c, T) ((T *)(c)->values)

#endif
