/*
 * avro_skip.c - skipping Avro binary values without reading them: writer
 * fields the reader schema does not have (schema resolution, avro_read.c).
 *
 * Every length and count is checked against the bytes left; nesting is
 * bounded (SKIP_DEPTH), since a recursive writer schema can nest as deep
 * as the data goes; items that take no bytes (null, empty records) are
 * capped in number so a huge count cannot spin.
 */
#include <stdbool.h>
#include <stdint.h>

#include "avro_bin.h"
#include "avro_read.h"

#define SKIP_DEPTH 256
#define ZERO_SIZE_ITEMS_MAX (1u << 20)

/* May a value of n take no bytes at all? (null, fixed of size 0, records
 * of such). */
bool sl__avro_zero_size_at(const struct sl_avro_node *n, int depth)
{
    if (depth > 32)
        return false;
    if (n->kind == SL_AV_NULL)
        return true;
    if (n->kind == SL_AV_FIXED)
        return n->size == 0;
    if (n->kind == SL_AV_RECORD) {
        for (size_t i = 0; i < n->n; i++)
            if (!sl__avro_zero_size_at(n->fields[i].type, depth + 1))
                return false;
        return true;
    }
    return false;
}

bool sl__avro_zero_size(const struct sl_avro_node *n)
{
    return sl__avro_zero_size_at(n, 0);
}

static size_t skip_node(const struct sl_avro_node *w, const uint8_t *p,
                        const uint8_t *end, int depth)
{
    size_t n = (size_t)(end - p), k, t;
    int64_t v;
    if (depth > SKIP_DEPTH)
        return 0;
    switch (w->kind) {
    case SL_AV_NULL:
        return 0;
    case SL_AV_BOOLEAN:
        return n >= 1 ? 1 : 0;
    case SL_AV_INT:
    case SL_AV_LONG:
    case SL_AV_ENUM:
        return sl_avro_get_long(p, n, &v);
    case SL_AV_FLOAT:
        return n >= 4 ? 4 : 0;
    case SL_AV_DOUBLE:
        return n >= 8 ? 8 : 0;
    case SL_AV_FIXED:
        return n >= w->size ? w->size : 0;
    case SL_AV_BYTES:
    case SL_AV_STRING:
        k = sl_avro_get_long(p, n, &v);
        if (!k || v < 0 || (uint64_t)v > n - k)
            return 0;
        return k + (size_t)v;
    case SL_AV_RECORD:
        for (size_t i = 0, at = 0; i < w->n; i++) {
            t = skip_node(w->fields[i].type, p + at, end, depth + 1);
            if (!t && !sl__avro_zero_size(w->fields[i].type))
                return 0;
            at += t;
            if (i + 1 == w->n)
                return at;
        }
        return 0;
    case SL_AV_UNION:
        k = sl_avro_get_long(p, n, &v);
        if (!k || v < 0 || (uint64_t)v >= w->n)
            return 0;
        t = skip_node(w->branches[v], p + k, end, depth + 1);
        if (!t && !sl__avro_zero_size(w->branches[v]))
            return 0;
        return k + t;
    case SL_AV_ARRAY:
    case SL_AV_MAP: {
        size_t at = 0, total = 0;
        bool z = sl__avro_zero_size(w->items);
        for (;;) {
            k = sl_avro_get_long(p + at, n - at, &v);
            if (!k)
                return 0;
            at += k;
            if (v == 0)
                return at;
            if (v < 0) {
                int64_t size;
                if (v == INT64_MIN)
                    return 0;
                k = sl_avro_get_long(p + at, n - at, &size);
                if (!k || size < 0 || (uint64_t)size > n - at - k)
                    return 0;
                at += k + (size_t)size; /* the block's byte size: skip it */
                continue;
            }
            if (z ? (uint64_t)v > ZERO_SIZE_ITEMS_MAX - total
                  : (uint64_t)v > n - at)
                return 0;
            total += (size_t)v;
            for (int64_t i = 0; i < v; i++) {
                if (w->kind == SL_AV_MAP) {
                    int64_t kl;
                    k = sl_avro_get_long(p + at, n - at, &kl);
                    if (!k || kl < 0 || (uint64_t)kl > n - at - k)
                        return 0;
                    at += k + (size_t)kl;
                }
                t = skip_node(w->items, p + at, end, depth + 1);
                if (!t && !z)
                    return 0;
                at += t;
            }
        }
    }
    }
    return 0;
}

size_t sl_avro_skip(const struct sl_avro_node *w, const uint8_t *p, size_t n)
{
    return skip_node(w, p, p + n, 0);
}
