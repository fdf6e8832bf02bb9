/*
 * avro_read.h - reading Avro binary datums straight into a columnar batch,
 * with schema resolution (Avro specification, "Schema Resolution").
 *
 * A reader is compiled once for a (writer schema, reader schema) pair: a
 * tree that says, for each writer value, whether to skip it or where it
 * goes and how it converts (promotions int -> long -> float -> double,
 * string <-> bytes, enum symbols by name, union branches by type, defaults
 * for reader fields the writer lacks). Rows follow the reader schema as
 * mapped by sl_avro_to_sluice. Shared by every Avro framing in avro.c.
 */
#ifndef SL_AVRO_READ_H
#define SL_AVRO_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avro_schema.h"
#include "batch.h"
#include "error.h"

struct sl_avro_reader;

/* Compile a reader for data written with `writer`, read as `reader` (NULL:
 * the writer schema itself). Both schemas must outlive the reader. Fails
 * (SL_EINVAL, message naming the field) when the schemas do not resolve. */
int sl_avro_reader_create(const struct sl_avro_schema *writer,
                          const struct sl_avro_schema *reader,
                          struct sl_avro_reader **out, struct sl_error *err);
void sl_avro_reader_destroy(struct sl_avro_reader *r);
/* The row schema (SL_STRUCT) this reader appends. */
const struct sl_field *sl_avro_reader_row(const struct sl_avro_reader *r);

/* Columns: missing top-level (and nested struct) columns are added to b
 * when `add` (schema detection); without it, reader fields that b has no
 * column for are skipped. A column whose type cannot hold the value is an
 * error. Called by sl_avro_reader_read when b changed. */
int sl_avro_reader_bind(struct sl_avro_reader *r, struct sl_batch *b, bool add,
                        struct sl_error *err);

/* Read one datum from p[0..n) and append it as one row of b; *used gets
 * the bytes it took. On failure b is rolled back to its rows before the
 * call and err says what, at which byte (base + offset in p) and field. */
int sl_avro_reader_read(struct sl_avro_reader *r, const uint8_t *p, size_t n,
                        size_t *used, struct sl_batch *b, bool add,
                        int64_t base, struct sl_error *err);

/* Skip one datum of schema node w at p[0..n): bytes used, or 0 on
 * malformed input (or a value that takes no bytes: see below). */
size_t sl_avro_skip(const struct sl_avro_node *w, const uint8_t *p, size_t n);
/* Internal (avro_skip.c): may a value of n take no bytes at all? */
bool sl__avro_zero_size(const struct sl_avro_node *n);
bool sl__avro_zero_size_at(const struct sl_avro_node *n, int depth);

#endif
