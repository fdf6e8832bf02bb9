/*
 * avro_out.h - Avro binary datums from batch rows, for sinks that produce
 * one message per row (the Kafka sink's `format: avro`). The value
 * encoder is the container writer's (avro_out.c); `enc` is a state made by
 * sl_encoder_avro.create. Internal to sluice.
 */
#ifndef SL_AVRO_OUT_H
#define SL_AVRO_OUT_H

#include "part.h"

/* Rows of `schema` (SL_STRUCT) follow. *writer_schema (may be NULL) is set
 * to the Avro schema JSON the datums are written with (owned by enc, valid
 * until the next begin). The state then serves only datum writes. */
int sl_avro_datum_begin(void *enc, const struct sl_field *schema,
                        const struct sl_buf **writer_schema,
                        struct sl_error *err);
/* Row `row` of b (columns matched by name to the schema given to begin)
 * as one binary datum appended to out. */
int sl_avro_datum_write(void *enc, const struct sl_batch *b, size_t row,
                        struct sl_buf *out, struct sl_error *err);

#endif
