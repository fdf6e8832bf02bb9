/*
 * parquet_thrift.c - Thrift compact protocol writer for Parquet metadata.
 *
 * Parquet stores FileMetaData and every PageHeader as a Thrift struct in
 * the compact protocol: a field is a header byte (field id delta << 4 |
 * type) when the id grows by 1..15 from the previous field of the same
 * struct, else the type byte followed by the id as a zigzag varint; i32 and
 * i64 are zigzag varints, binary is a varint length and the bytes, a list
 * is (size << 4 | element type) or (0xf0 | type) + varint size, booleans
 * live in the field type (1 true, 2 false), a struct ends with a 0 byte.
 * The writer keeps the last field id per nesting level; parquet.c and
 * parquet_column.c call it field by field in ascending id order.
 */
#include <string.h>

#include "parquet_int.h"

int sl__pq_put_uvarint(struct sl_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return sl_buf_append(b, tmp, n);
}

void sl__pq_tw_init(struct sl__pq_tw *t, struct sl_buf *out)
{
    memset(t, 0, sizeof *t);
    t->out = out;
}

static void put(struct sl__pq_tw *t, const void *p, size_t n)
{
    if (!t->rc)
        t->rc = sl_buf_append(t->out, p, n);
}

static void uvarint(struct sl__pq_tw *t, uint64_t v)
{
    if (!t->rc)
        t->rc = sl__pq_put_uvarint(t->out, v);
}

static void field(struct sl__pq_tw *t, int16_t id, int type)
{
    int delta = id - t->last[t->depth];
    if (delta > 0 && delta <= 15) {
        uint8_t h = (uint8_t)(delta << 4 | type);
        put(t, &h, 1);
    } else {
        uint8_t h = (uint8_t)type;
        put(t, &h, 1);
        uvarint(t, sl__pq_zigzag(id));
    }
    t->last[t->depth] = id;
}

static void push(struct sl__pq_tw *t)
{
    if (t->depth + 1 >= PQ_TW_DEPTH) {
        t->rc = t->rc ? t->rc : SL_ELIMIT;
        return;
    }
    t->last[++t->depth] = 0;
}

void sl__pq_tw_i32(struct sl__pq_tw *t, int16_t id, int32_t v)
{
    field(t, id, PQ_T_I32);
    uvarint(t, sl__pq_zigzag(v));
}

void sl__pq_tw_i64(struct sl__pq_tw *t, int16_t id, int64_t v)
{
    field(t, id, PQ_T_I64);
    uvarint(t, sl__pq_zigzag(v));
}

void sl__pq_tw_bool(struct sl__pq_tw *t, int16_t id, bool v)
{
    field(t, id, v ? PQ_T_TRUE : PQ_T_FALSE);
}

void sl__pq_tw_bin(struct sl__pq_tw *t, int16_t id, const void *p, size_t n)
{
    field(t, id, PQ_T_BINARY);
    uvarint(t, n);
    put(t, p, n);
}

void sl__pq_tw_str(struct sl__pq_tw *t, int16_t id, const char *s)
{
    sl__pq_tw_bin(t, id, s, strlen(s));
}

void sl__pq_tw_struct(struct sl__pq_tw *t, int16_t id)
{
    field(t, id, PQ_T_STRUCT);
    push(t);
}

void sl__pq_tw_list(struct sl__pq_tw *t, int16_t id, int elem, size_t n)
{
    field(t, id, PQ_T_LIST);
    if (n < 15) {
        uint8_t h = (uint8_t)(n << 4 | (size_t)elem);
        put(t, &h, 1);
    } else {
        uint8_t h = (uint8_t)(0xf0 | elem);
        put(t, &h, 1);
        uvarint(t, n);
    }
}

void sl__pq_tw_elem_struct(struct sl__pq_tw *t)
{
    push(t);
}

void sl__pq_tw_elem_i32(struct sl__pq_tw *t, int32_t v)
{
    uvarint(t, sl__pq_zigzag(v));
}

void sl__pq_tw_elem_bin(struct sl__pq_tw *t, const void *p, size_t n)
{
    uvarint(t, n);
    put(t, p, n);
}

int sl__pq_tw_end(struct sl__pq_tw *t)
{
    uint8_t stop = 0;
    put(t, &stop, 1);
    if (t->depth > 0)
        t->depth--;
    return t->rc;
}
