/*
 * jsonw.h - writing JSON text: string escaping and number formatting.
 *
 * Shared by the JSON-lines encoder, the dead-letter records and the
 * checkpoint files, so every JSON we emit escapes the same way.
 */
#ifndef SL_JSONW_H
#define SL_JSONW_H

#include "buf.h"

/* Append `"..."` with JSON escapes. Bytes must be UTF-8 (not re-checked). */
int sl_jsonw_str(struct sl_buf *b, const char *s, size_t n);
int sl_jsonw_cstr(struct sl_buf *b, const char *s);
int sl_jsonw_i64(struct sl_buf *b, int64_t v);
/* Shortest text that reads back to the same double; NaN/Inf as null. */
int sl_jsonw_f64(struct sl_buf *b, double v);
int sl_jsonw_f32(struct sl_buf *b, float v);
/* Append standard base64 of n bytes (no quotes). */
int sl_base64(struct sl_buf *b, const uint8_t *p, size_t n);
/* 1 when p[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int sl_utf8_valid(const uint8_t *p, size_t n);

#endif
