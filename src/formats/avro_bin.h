/*
 * avro_bin.h - the Avro binary encoding's primitives: zigzag varints and
 * little-endian floats (Avro specification, "Binary Encoding").
 *
 * int and long are written as zigzag-encoded variable-length integers:
 * zigzag maps signed to unsigned ((n << 1) ^ (n >> 63)), then 7 bits per
 * byte, least significant group first, high bit set on every byte but the
 * last. A long takes at most 10 bytes. The one copy of this code, shared by
 * the decoder (avro_read.c, avro.c) and the encoder (avro_out.c).
 */
#ifndef SL_AVRO_BIN_H
#define SL_AVRO_BIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define SL_AVRO_VARINT_MAX 10

static inline uint64_t sl_avro_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t sl_avro_unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Decode a zigzag long at p[0..n). Returns the bytes used, or 0 when the
 * input ends first or the varint is longer than 10 bytes. */
static inline size_t sl_avro_get_long(const uint8_t *p, size_t n, int64_t *v)
{
    uint64_t u = 0;
    size_t i = 0;
    *v = 0;
    for (unsigned shift = 0; i < n && i < SL_AVRO_VARINT_MAX; shift += 7) {
        uint8_t c = p[i++];
        u |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = sl_avro_unzigzag(u);
            return i;
        }
    }
    return 0;
}

/* Encode v as a zigzag varint into out (room for 10 bytes); returns the
 * length. */
static inline size_t sl_avro_put_long(uint8_t *out, int64_t v)
{
    uint64_t u = sl_avro_zigzag(v);
    size_t i = 0;
    while (u >= 0x80) {
        out[i++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    out[i++] = (uint8_t)u;
    return i;
}

static inline int sl_avro_buf_long(struct sl_buf *b, int64_t v)
{
    if (b->cap - b->len < SL_AVRO_VARINT_MAX) {
        int rc = sl_buf_reserve(b, SL_AVRO_VARINT_MAX);
        if (rc)
            return rc;
    }
    b->len += sl_avro_put_long(b->data + b->len, v);
    return 0;
}

/* Length-prefixed bytes (bytes and string). */
static inline int sl_avro_buf_bytes(struct sl_buf *b, const void *p, size_t n)
{
    int rc = sl_avro_buf_long(b, (int64_t)n);
    return rc ? rc : sl_buf_append(b, p, n);
}

static inline float sl_avro_get_f32(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline double sl_avro_get_f64(const uint8_t *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static inline void sl_avro_put_f32(uint8_t *out, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(u >> (8 * i));
}

static inline void sl_avro_put_f64(uint8_t *out, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(u >> (8 * i));
}

#endif
