/*
 * parquet_levels.c - the RLE / bit-packed hybrid encoding of Parquet.
 *
 * Used for definition and repetition levels and for dictionary indices.
 * The data is a sequence of runs, each starting with a varint header:
 *   header & 1 == 0: RLE run, count = header >> 1, then the repeated value
 *                    in ceil(bit_width / 8) little-endian bytes;
 *   header & 1 == 1: bit-packed run of (header >> 1) groups of 8 values,
 *                    each group packed into bit_width bytes, least
 *                    significant bit first.
 * A run of 8 or more equal values becomes an RLE run; the others are
 * bit-packed. Only the last bit-packed group may be padded (with zeros),
 * because a reader stops after the count it knows, so before an RLE run
 * the pending literals are topped up to a multiple of 8 from the run.
 */
#include "parquet_int.h"

int sl__pq_bit_width(uint32_t max)
{
    return max ? 32 - __builtin_clz(max) : 0;
}

static inline uint32_t get(const void *v, size_t esz, size_t i)
{
    return esz == 2 ? ((const uint16_t *)v)[i] : ((const uint32_t *)v)[i];
}

static int emit_rle(struct sl_buf *out, uint32_t x, size_t count, int w)
{
    int rc = sl__pq_put_uvarint(out, (uint64_t)count << 1);
    uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16),
                    (uint8_t)(x >> 24)};
    if (!rc)
        rc = sl_buf_append(out, b, (size_t)(w + 7) / 8);
    return rc;
}

static int emit_packed(struct sl_buf *out, const void *v, size_t esz,
                       size_t start, size_t count, int w)
{
    if (count == 0)
        return 0;
    size_t groups = (count + 7) / 8;
    int rc = sl__pq_put_uvarint(out, (uint64_t)groups << 1 | 1);
    if (rc || (rc = sl_buf_reserve(out, groups * (size_t)w)))
        return rc;
    uint8_t *p = out->data + out->len;
    uint64_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < groups * 8; i++) {
        uint64_t x = i < count ? get(v, esz, start + i) : 0;
        acc |= x << bits;
        bits += w;
        while (bits >= 8) {
            *p++ = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    out->len += groups * (size_t)w;
    return 0;
}

int sl__pq_rle_encode(struct sl_buf *out, const void *v, size_t esz, size_t n,
                      int w)
{
    size_t i = 0, lit_start = 0, lit_n = 0;
    int rc = 0;
    while (i < n && !rc) {
        uint32_t x = get(v, esz, i);
        size_t r = 1;
        while (i + r < n && get(v, esz, i + r) == x)
            r++;
        if (r >= 8 && lit_n % 8) {
            size_t k = 8 - lit_n % 8; /* < 8 <= r */
            lit_n += k;
            i += k;
            r -= k;
        }
        if (r >= 8) {
            rc = emit_packed(out, v, esz, lit_start, lit_n, w);
            if (!rc)
                rc = emit_rle(out, x, r, w);
            i += r;
            lit_start = i;
            lit_n = 0;
        } else {
            lit_n += r;
            i += r;
        }
    }
    if (!rc)
        rc = emit_packed(out, v, esz, lit_start, lit_n, w);
    return rc;
}
