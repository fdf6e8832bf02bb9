/*
 * batch_json.c - one column value as JSON text.
 *
 * Used when schema detection widens a column to string (the values it
 * already holds become their JSON text: 42 -> "42", true -> "true",
 * {"a":1} -> "{\"a\":1}") and by anyone who needs a value as JSON
 * (encoders, dead-letter). Struct fields that are null are left out, as
 * Spark's JSON writer does, so a widened struct reads like its input.
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "batch_int.h"
#include "datetime.h"
#include "jsonw.h"

/* Decimal text of an unscaled value with `scale` fraction digits. */
static int dec_text(struct sl_buf *b, __int128 v, unsigned scale)
{
    char tmp[64], *end = tmp + sizeof tmp, *p = end;
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    unsigned n = 0;
    do {
        *--p = (char)('0' + (int)(u % 10));
        u /= 10;
        n++;
        if (n == scale) {
            *--p = '.';
            if (u == 0)
                *--p = '0';
        }
    } while (u || n < scale);
    if (v < 0)
        *--p = '-';
    return sl_buf_append(b, p, (size_t)(end - p));
}

static int value_json(const struct sl_col *c, size_t i, struct sl_buf *b)
{
    if (c->type == SL_NULLTYPE || !sl_col_is_valid(c, i))
        return sl_buf_append(b, "null", 4);
    char tmp[SL_TS_TEXT_MAX + 2];
    int rc;
    switch (c->type) {
    case SL_BOOLEAN:
        return SL_COL_VALUES(c, uint8_t)[i] ? sl_buf_append(b, "true", 4)
                                            : sl_buf_append(b, "false", 5);
    case SL_INT:
        return sl_jsonw_i64(b, SL_COL_VALUES(c, int32_t)[i]);
    case SL_BIGINT:
        return sl_jsonw_i64(b, SL_COL_VALUES(c, int64_t)[i]);
    case SL_FLOAT:
        return sl_jsonw_f32(b, SL_COL_VALUES(c, float)[i]);
    case SL_DOUBLE:
        return sl_jsonw_f64(b, SL_COL_VALUES(c, double)[i]);
    case SL_DECIMAL:
        return dec_text(b, SL_COL_VALUES(c, __int128)[i], c->scale);
    case SL_STRING:
        return sl_jsonw_str(b, (const char *)c->data + c->off[i],
                            (size_t)(c->off[i + 1] - c->off[i]));
    case SL_BINARY:
        if ((rc = sl_buf_putc(b, '"')) ||
            (rc = sl_base64(b, c->data + c->off[i],
                            (size_t)(c->off[i + 1] - c->off[i]))))
            return rc;
        return sl_buf_putc(b, '"');
    case SL_DATE: {
        size_t n = sl_date_format(SL_COL_VALUES(c, int32_t)[i], tmp);
        return sl_jsonw_str(b, tmp, n);
    }
    case SL_TIMESTAMP: {
        size_t n = sl_timestamp_format(SL_COL_VALUES(c, int64_t)[i], tmp);
        return sl_jsonw_str(b, tmp, n);
    }
    case SL_ARRAY:
        if ((rc = sl_buf_putc(b, '[')))
            return rc;
        for (int32_t k = c->off[i]; k < c->off[i + 1]; k++) {
            if ((k > c->off[i] && (rc = sl_buf_putc(b, ','))) ||
                (rc = value_json(&c->child[0], (size_t)k, b)))
                return rc;
        }
        return sl_buf_putc(b, ']');
    case SL_MAP:
        if ((rc = sl_buf_putc(b, '{')))
            return rc;
        for (int32_t k = c->off[i]; k < c->off[i + 1]; k++) {
            const struct sl_col *key = &c->child[0];
            if (k > c->off[i] && (rc = sl_buf_putc(b, ',')))
                return rc;
            if (key->type == SL_STRING && sl_col_is_valid(key, (size_t)k)) {
                rc = value_json(key, (size_t)k, b);
            } else {
                /* Non-string keys: their JSON text, quoted. */
                struct sl_buf kb;
                sl_buf_init(&kb, 0);
                rc = value_json(key, (size_t)k, &kb);
                if (!rc)
                    rc = sl_jsonw_str(b, (const char *)kb.data, kb.len);
                sl_buf_free(&kb);
            }
            if (rc || (rc = sl_buf_putc(b, ':')) ||
                (rc = value_json(&c->child[1], (size_t)k, b)))
                return rc;
        }
        return sl_buf_putc(b, '}');
    case SL_STRUCT: {
        if ((rc = sl_buf_putc(b, '{')))
            return rc;
        bool first = true;
        for (uint32_t k = 0; k < c->n_child; k++) {
            const struct sl_col *ch = &c->child[k];
            if (ch->type == SL_NULLTYPE || !sl_col_is_valid(ch, i))
                continue;
            if ((!first && (rc = sl_buf_putc(b, ','))) ||
                (rc = sl_jsonw_cstr(b, ch->name ? ch->name : "")) ||
                (rc = sl_buf_putc(b, ':')) || (rc = value_json(ch, i, b)))
                return rc;
            first = false;
        }
        return sl_buf_putc(b, '}');
    }
    default:
        return sl_buf_append(b, "null", 4);
    }
}

int sl_col_value_json(const struct sl_col *c, size_t i, struct sl_buf *out)
{
    return value_json(c, i, out);
}

int sl__col_to_string(struct sl_col *c)
{
    struct sl_buf data;
    sl_buf_init(&data, (size_t)INT32_MAX);
    int32_t *off = calloc(c->cap + 1, sizeof *off);
    if (!off)
        return SL_ENOMEM;
    /* Scalars that JSON writes as strings lose their quotes. */
    bool unquote =
        c->type == SL_BINARY || c->type == SL_DATE || c->type == SL_TIMESTAMP;
    int rc = 0;
    for (size_t i = 0; i < c->len && !rc; i++) {
        if (sl_col_is_valid(c, i)) {
            size_t start = data.len;
            rc = value_json(c, i, &data);
            if (!rc && unquote) {
                memmove(data.data + start, data.data + start + 1,
                        data.len - start - 2);
                data.len -= 2;
            }
        }
        off[i + 1] = (int32_t)data.len;
    }
    if (rc) {
        free(off);
        sl_buf_free(&data);
        return rc;
    }
    for (uint32_t k = 0; k < c->n_child; k++)
        sl_col_free(&c->child[k]);
    free(c->child);
    c->child = NULL;
    c->n_child = c->child_cap = 0;
    free(c->values);
    c->values = NULL;
    free(c->off);
    c->off = off;
    free(c->data);
    c->data = data.data;
    c->data_len = data.len;
    c->data_cap = data.cap;
    c->type = SL_STRING;
    c->precision = c->scale = 0;
    return 0;
}
