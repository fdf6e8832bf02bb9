/*
 * parquet_read.c - a minimal reader of a Parquet file's footer.
 *
 * Not used to read data: the unit tests and the fuzz harness use it to
 * check that what the encoder wrote is a well-formed file (magic at both
 * ends, a FileMetaData that parses as Thrift compact, row counts that add
 * up, column chunks inside the file). The Thrift walk is generic (any field
 * can be skipped by its type) and bounded (depth, lengths) so it is safe on
 * any input.
 */
#include <string.h>

#include "parquet_int.h"

#define MAX_DEPTH 32

struct rd {
    const uint8_t *p;
    size_t n, pos;
    int bad;
};

static uint64_t uvarint(struct rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->n) {
            r->bad = 1;
            return 0;
        }
        uint8_t b = r->p[r->pos++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t zigzag(struct rd *r)
{
    uint64_t u = uvarint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static void skip_value(struct rd *r, int type, int depth, bool in_list);

static void skip_struct(struct rd *r, int depth)
{
    if (depth > MAX_DEPTH) {
        r->bad = 1;
        return;
    }
    while (!r->bad) {
        if (r->pos >= r->n) {
            r->bad = 1;
            return;
        }
        uint8_t h = r->p[r->pos++];
        if (h == 0)
            return;
        if (!(h >> 4))
            (void)zigzag(r);
        skip_value(r, h & 0x0f, depth + 1, false);
    }
}

/* Read a list header: element type and count. */
static size_t list_head(struct rd *r, int *elem)
{
    if (r->pos >= r->n) {
        r->bad = 1;
        return 0;
    }
    uint8_t h = r->p[r->pos++];
    *elem = h & 0x0f;
    size_t n = h >> 4;
    if (n == 15)
        n = uvarint(r);
    if (n > r->n - r->pos) /* every element takes at least one byte */
        r->bad = 1;
    return r->bad ? 0 : n;
}

static void skip_value(struct rd *r, int type, int depth, bool in_list)
{
    switch (type) {
    case PQ_T_TRUE:
    case PQ_T_FALSE:
        if (in_list)
            r->pos++;
        break;
    case PQ_T_BYTE:
        r->pos++;
        break;
    case PQ_T_I16:
    case PQ_T_I32:
    case PQ_T_I64:
        (void)uvarint(r);
        break;
    case PQ_T_DOUBLE:
        r->pos += 8;
        break;
    case PQ_T_BINARY: {
        uint64_t len = uvarint(r);
        if (len > r->n - r->pos)
            r->bad = 1;
        else
            r->pos += len;
        break;
    }
    case PQ_T_LIST:
    case PQ_T_SET: {
        int elem;
        size_t n = list_head(r, &elem);
        for (size_t i = 0; i < n && !r->bad; i++)
            skip_value(r, elem, depth + 1, true);
        break;
    }
    case PQ_T_MAP: {
        uint64_t n = uvarint(r);
        if (n == 0)
            break;
        if (r->pos >= r->n || n > r->n - r->pos) {
            r->bad = 1;
            break;
        }
        uint8_t kv = r->p[r->pos++];
        for (uint64_t i = 0; i < n && !r->bad; i++) {
            skip_value(r, kv >> 4, depth + 1, true);
            skip_value(r, kv & 0x0f, depth + 1, true);
        }
        break;
    }
    case PQ_T_STRUCT:
        skip_struct(r, depth);
        break;
    default:
        r->bad = 1;
    }
    if (r->pos > r->n)
        r->bad = 1;
}

/* Iterate the fields of a struct: returns the field id and sets *type, or
 * returns -1 at the stop byte (or on error, with r->bad). */
static int next_field(struct rd *r, int *last, int *type)
{
    if (r->bad || r->pos >= r->n) {
        r->bad = 1;
        return -1;
    }
    uint8_t h = r->p[r->pos++];
    if (h == 0)
        return -1;
    *type = h & 0x0f;
    if (h >> 4)
        *last += h >> 4;
    else
        *last = (int)zigzag(r);
    return *last;
}

static void column_meta(struct rd *r, size_t body_end, struct sl__pq_footer *f)
{
    int last = 0, type, id;
    int64_t data_off = -1, dict_off = -1, comp = -1;
    while ((id = next_field(r, &last, &type)) >= 0) {
        if (id == 9 && type == PQ_T_I64)
            data_off = zigzag(r);
        else if (id == 11 && type == PQ_T_I64)
            dict_off = zigzag(r);
        else if (id == 7 && type == PQ_T_I64)
            comp = zigzag(r);
        else
            skip_value(r, type, 1, false);
    }
    int64_t start = dict_off >= 0 ? dict_off : data_off;
    if (data_off < 4 || comp < 0 || (uint64_t)data_off >= body_end ||
        (dict_off >= 0 && dict_off > data_off) ||
        (uint64_t)start + (uint64_t)comp > body_end)
        r->bad = 1;
    f->n_columns++;
}

static void column_chunk(struct rd *r, size_t body_end, struct sl__pq_footer *f)
{
    int last = 0, type, id;
    bool meta = false;
    while ((id = next_field(r, &last, &type)) >= 0) {
        if (id == 3 && type == PQ_T_STRUCT) {
            column_meta(r, body_end, f);
            meta = true;
        } else {
            skip_value(r, type, 1, false);
        }
    }
    if (!meta)
        r->bad = 1;
}

static void row_group(struct rd *r, size_t body_end, struct sl__pq_footer *f)
{
    int last = 0, type, id, elem;
    while ((id = next_field(r, &last, &type)) >= 0) {
        if (id == 1 && type == PQ_T_LIST) {
            size_t n = list_head(r, &elem);
            if (elem != PQ_T_STRUCT && n)
                r->bad = 1;
            for (size_t i = 0; i < n && !r->bad; i++)
                column_chunk(r, body_end, f);
        } else if (id == 3 && type == PQ_T_I64) {
            f->rg_rows += zigzag(r);
        } else {
            skip_value(r, type, 1, false);
        }
    }
    f->n_row_groups++;
}

int sl__pq_footer_read(const uint8_t *file, size_t n, struct sl__pq_footer *f,
                       struct sl_error *err)
{
    memset(f, 0, sizeof *f);
    if (n < 12 || memcmp(file, "PAR1", 4) || memcmp(file + n - 4, "PAR1", 4))
        return sl_error_set(err, SL_ECORRUPT,
                            "parquet: no PAR1 magic at both ends (%zu bytes)",
                            n);
    const uint8_t *l = file + n - 8;
    uint32_t len = (uint32_t)l[0] | (uint32_t)l[1] << 8 | (uint32_t)l[2] << 16 |
                   (uint32_t)l[3] << 24;
    if (len > n - 12)
        return sl_error_set(err, SL_ECORRUPT,
                            "parquet: footer length %u does not fit in a "
                            "file of %zu bytes",
                            len, n);
    f->meta_len = len;
    size_t body_end = n - 8 - len;
    struct rd r = {.p = file + body_end, .n = len};
    int last = 0, type, id, elem;
    bool has_rows = false, has_schema = false, has_rgs = false;
    while ((id = next_field(&r, &last, &type)) >= 0) {
        if (id == 1 && type == PQ_T_I32) {
            f->version = (int32_t)zigzag(&r);
        } else if (id == 2 && type == PQ_T_LIST) {
            f->n_schema = list_head(&r, &elem);
            for (size_t i = 0; i < f->n_schema && !r.bad; i++)
                skip_value(&r, elem, 1, true);
            has_schema = true;
        } else if (id == 3 && type == PQ_T_I64) {
            f->num_rows = zigzag(&r);
            has_rows = true;
        } else if (id == 4 && type == PQ_T_LIST) {
            size_t k = list_head(&r, &elem);
            if (elem != PQ_T_STRUCT && k)
                r.bad = 1;
            for (size_t i = 0; i < k && !r.bad; i++)
                row_group(&r, body_end, f);
            has_rgs = true;
        } else if (id == 5 && type == PQ_T_LIST) {
            f->n_kv = list_head(&r, &elem);
            for (size_t i = 0; i < f->n_kv && !r.bad; i++)
                skip_value(&r, elem, 1, true);
        } else {
            skip_value(&r, type, 1, false);
        }
    }
    if (r.bad)
        return sl_error_set(err, SL_ECORRUPT,
                            "parquet: FileMetaData is not valid Thrift "
                            "compact (or a column chunk lies outside the "
                            "file) near byte %zu of the footer",
                            r.pos);
    if (r.pos != len)
        return sl_error_set(err, SL_ECORRUPT,
                            "parquet: FileMetaData ends at byte %zu of a "
                            "%u-byte footer",
                            r.pos, len);
    if (!has_rows || !has_schema || !has_rgs)
        return sl_error_set(err, SL_ECORRUPT,
                            "parquet: FileMetaData lacks a required field "
                            "(schema, num_rows or row_groups)");
    if (f->rg_rows != f->num_rows)
        return sl_error_set(err, SL_ECORRUPT,
                            "parquet: num_rows %lld but row groups hold %lld",
                            (long long)f->num_rows, (long long)f->rg_rows);
    return 0;
}
