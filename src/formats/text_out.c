/*
 * text_out.c - how values read as text in the text encoders and in Hive
 * partition folder names (see text_out.h).
 *
 * Close to sl_col_value_json (core/batch_json.c) but not the same: output
 * files trim a timestamp's fraction of trailing zeros (".123Z", as Spark
 * writes them, where the core keeps six digits) and this path runs for
 * every value written, so dates and timestamps are formatted without
 * snprintf. The calendar arithmetic is the core's (sl_civil_from_days).
 */
#include "text_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "jsonw.h"

#define US_PER_DAY 86400000000LL

static size_t fmt_date(int64_t days, char *out);

static inline void two(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

size_t sl__fmt_date(int64_t days, char *out)
{
    /* consecutive values are mostly the same day (timestamps of a
     * stream): the last day formatted is kept, per thread */
    static _Thread_local int64_t last_days = INT64_MIN;
    static _Thread_local char last[24];
    static _Thread_local size_t last_n;
    if (days == last_days) {
        memcpy(out, last, last_n);
        return last_n;
    }
    size_t n = fmt_date(days, out);
    if (n <= sizeof last) {
        memcpy(last, out, n);
        last_n = n;
        last_days = days;
    }
    return n;
}

static size_t fmt_date(int64_t days, char *out)
{
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    size_t n;
    if (y >= 0 && y <= 9999) {
        two(out, (unsigned)(y / 100));
        two(out + 2, (unsigned)(y % 100));
        n = 4;
    } else {
        n = (size_t)snprintf(out, 24, "%lld", (long long)y);
    }
    out[n] = '-';
    two(out + n + 1, m);
    out[n + 3] = '-';
    two(out + n + 4, d);
    return n + 6;
}

size_t sl__fmt_timestamp(int64_t micros, char *out)
{
    int64_t days = micros / US_PER_DAY, rem = micros % US_PER_DAY;
    if (rem < 0) {
        rem += US_PER_DAY;
        days--;
    }
    size_t n = sl__fmt_date(days, out);
    unsigned secs = (unsigned)(rem / 1000000), frac = (unsigned)(rem % 1000000);
    char *o = out + n;
    *o++ = 'T';
    two(o, secs / 3600);
    o[2] = ':';
    two(o + 3, secs / 60 % 60);
    o[5] = ':';
    two(o + 6, secs % 60);
    o += 8;
    if (frac) {
        char f[6];
        for (int k = 5; k >= 0; k--) {
            f[k] = (char)('0' + frac % 10);
            frac /= 10;
        }
        int len = 6;
        while (f[len - 1] == '0')
            len--;
        *o++ = '.';
        memcpy(o, f, (size_t)len);
        o += len;
    }
    *o++ = 'Z';
    return (size_t)(o - out);
}

size_t sl__fmt_decimal(__int128 v, unsigned scale, char *out)
{
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    char tmp[48], *end = tmp + sizeof tmp, *p = end;
    while (u > UINT64_MAX) { /* 128-bit division only for huge values */
        *--p = (char)('0' + (unsigned)(u % 10));
        u /= 10;
    }
    uint64_t u64 = (uint64_t)u;
    do {
        *--p = (char)('0' + (unsigned)(u64 % 10));
        u64 /= 10;
    } while (u64);
    if (scale > 38)
        scale = 38;
    while ((size_t)(end - p) <= scale) /* at least one digit before '.' */
        *--p = '0';
    char *o = out;
    if (v < 0)
        *o++ = '-';
    size_t whole = (size_t)(end - p) - scale;
    memcpy(o, p, whole);
    o += whole;
    if (scale) {
        *o++ = '.';
        memcpy(o, p + whole, scale);
        o += scale;
    }
    return (size_t)(o - out);
}

static const char *field_name(const struct sl_col *c)
{
    return c->name ? c->name : "";
}

/* A map key as a JSON string: strings escaped, other scalars are their
 * text (which needs no escaping), nested keys their escaped JSON text. */
static int json_key(struct sl_buf *o, const struct sl_col *k, size_t i)
{
    if (!sl_col_is_valid(k, i))
        return sl_buf_append(o, "\"null\"", 6);
    if (k->type == SL_STRING)
        return sl_jsonw_str(o, (const char *)k->data + k->off[i],
                            (size_t)(k->off[i + 1] - k->off[i]));
    if (sl_type_is_nested(k->type)) {
        struct sl_buf t;
        sl_buf_init(&t, o->max);
        int rc = sl__json_value(&t, k, i);
        if (!rc)
            rc = sl_jsonw_str(o, (const char *)t.data, t.len);
        sl_buf_free(&t);
        return rc;
    }
    int rc = sl_buf_putc(o, '"');
    if (!rc)
        rc = sl__text_value(o, k, i);
    if (!rc)
        rc = sl_buf_putc(o, '"');
    return rc;
}

int sl__json_value(struct sl_buf *o, const struct sl_col *c, size_t i)
{
    char t[SL_TEXT_SCALAR_MAX];
    int rc = 0;
    if (!sl_col_is_valid(c, i))
        return sl_buf_append(o, "null", 4);
    switch (c->type) {
    case SL_NULLTYPE:
        return sl_buf_append(o, "null", 4);
    case SL_BOOLEAN:
        return SL_COL_VALUES(c, uint8_t)[i] ? sl_buf_append(o, "true", 4)
                                            : sl_buf_append(o, "false", 5);
    case SL_INT:
        return sl_jsonw_i64(o, SL_COL_VALUES(c, int32_t)[i]);
    case SL_BIGINT:
        return sl_jsonw_i64(o, SL_COL_VALUES(c, int64_t)[i]);
    case SL_FLOAT:
        return sl_jsonw_f32(o, SL_COL_VALUES(c, float)[i]);
    case SL_DOUBLE:
        return sl_jsonw_f64(o, SL_COL_VALUES(c, double)[i]);
    case SL_DECIMAL:
        return sl_buf_append(
            o, t, sl__fmt_decimal(SL_COL_VALUES(c, __int128)[i], c->scale, t));
    case SL_STRING:
        return sl_jsonw_str(o, (const char *)c->data + c->off[i],
                            (size_t)(c->off[i + 1] - c->off[i]));
    case SL_BINARY:
        if ((rc = sl_buf_putc(o, '"')) ||
            (rc = sl_base64(o, c->data + c->off[i],
                            (size_t)(c->off[i + 1] - c->off[i]))))
            return rc;
        return sl_buf_putc(o, '"');
    case SL_DATE:
        t[0] = '"';
        {
            size_t n = sl__fmt_date(SL_COL_VALUES(c, int32_t)[i], t + 1);
            t[n + 1] = '"';
            return sl_buf_append(o, t, n + 2);
        }
    case SL_TIMESTAMP:
        t[0] = '"';
        {
            size_t n = sl__fmt_timestamp(SL_COL_VALUES(c, int64_t)[i], t + 1);
            t[n + 1] = '"';
            return sl_buf_append(o, t, n + 2);
        }
    case SL_ARRAY: {
        const struct sl_col *e = &c->child[0];
        if ((rc = sl_buf_putc(o, '[')))
            return rc;
        for (int32_t k = c->off[i]; k < c->off[i + 1]; k++) {
            if (k > c->off[i] && (rc = sl_buf_putc(o, ',')))
                return rc;
            if ((rc = sl__json_value(o, e, (size_t)k)))
                return rc;
        }
        return sl_buf_putc(o, ']');
    }
    case SL_MAP: {
        const struct sl_col *k = &c->child[0], *v = &c->child[1];
        if ((rc = sl_buf_putc(o, '{')))
            return rc;
        for (int32_t j = c->off[i]; j < c->off[i + 1]; j++) {
            if (j > c->off[i] && (rc = sl_buf_putc(o, ',')))
                return rc;
            if ((rc = json_key(o, k, (size_t)j)) ||
                (rc = sl_buf_putc(o, ':')) ||
                (rc = sl__json_value(o, v, (size_t)j)))
                return rc;
        }
        return sl_buf_putc(o, '}');
    }
    case SL_STRUCT: {
        bool first = true;
        if ((rc = sl_buf_putc(o, '{')))
            return rc;
        for (uint32_t f = 0; f < c->n_child; f++) {
            const struct sl_col *fc = &c->child[f];
            if (!sl_col_is_valid(fc, i))
                continue; /* null fields are left out, as Spark does */
            if (!first && (rc = sl_buf_putc(o, ',')))
                return rc;
            first = false;
            if ((rc = sl_jsonw_cstr(o, field_name(fc))) ||
                (rc = sl_buf_putc(o, ':')) || (rc = sl__json_value(o, fc, i)))
                return rc;
        }
        return sl_buf_putc(o, '}');
    }
    }
    return sl_buf_append(o, "null", 4);
}

int sl__text_value(struct sl_buf *o, const struct sl_col *c, size_t i)
{
    char t[SL_TEXT_SCALAR_MAX];
    switch (c->type) {
    case SL_STRING:
        return sl_buf_append(o, c->data + c->off[i],
                             (size_t)(c->off[i + 1] - c->off[i]));
    case SL_BINARY:
        return sl_base64(o, c->data + c->off[i],
                         (size_t)(c->off[i + 1] - c->off[i]));
    case SL_DATE:
        return sl_buf_append(o, t,
                             sl__fmt_date(SL_COL_VALUES(c, int32_t)[i], t));
    case SL_TIMESTAMP:
        return sl_buf_append(
            o, t, sl__fmt_timestamp(SL_COL_VALUES(c, int64_t)[i], t));
    case SL_FLOAT:
    case SL_DOUBLE: {
        /* JSON has no NaN/Infinity; as text use Spark's spelling. */
        double v = c->type == SL_FLOAT ? (double)SL_COL_VALUES(c, float)[i]
                                       : SL_COL_VALUES(c, double)[i];
        if (isnan(v))
            return sl_buf_append(o, "NaN", 3);
        if (isinf(v))
            return v < 0 ? sl_buf_append(o, "-Infinity", 9)
                         : sl_buf_append(o, "Infinity", 8);
        return sl__json_value(o, c, i);
    }
    default:
        /* Booleans, numbers and nested values: their JSON text. */
        return sl__json_value(o, c, i);
    }
}

int sl__map_columns(const struct sl_field *schema, const struct sl_batch *b,
                    const struct sl_col **map, struct sl_error *err)
{
    const struct sl_col *root = &b->root;
    for (uint32_t k = 0; k < schema->n_children; k++) {
        const struct sl_field *f = &schema->children[k];
        const struct sl_col *c = NULL;
        if (k < root->n_child && root->child[k].name &&
            strcmp(root->child[k].name, f->name) == 0) {
            c = &root->child[k];
        } else {
            for (uint32_t j = 0; j < root->n_child; j++) {
                if (root->child[j].name &&
                    strcmp(root->child[j].name, f->name) == 0) {
                    c = &root->child[j];
                    break;
                }
            }
        }
        if (!c)
            return sl_error_set(err, SL_EINVAL,
                                "encoder: column '%s' of the output schema is "
                                "not in the batch",
                                f->name);
        if (c->type != f->type)
            return sl_error_set(err, SL_EINVAL,
                                "encoder: column '%s' is %s in the batch but "
                                "%s in the output file's schema",
                                f->name, sl_type_name(c->type),
                                sl_type_name(f->type));
        map[k] = c;
    }
    return 0;
}

int sl__options_parse_own(const struct sl_option *opts, const struct sl_conf *c,
                          const char *section, void *dst, struct sl_error *err)
{
    struct sl_conf empty = {.kind = SL_CONF_MAP};
    if (!c)
        c = &empty;
    const char **also = NULL;
    if (c->kind == SL_CONF_MAP && c->n) {
        also = calloc(c->n + 1, sizeof *also);
        if (!also)
            return sl_error_set(err, SL_ENOMEM, "%s: out of memory", section);
        size_t n = 0;
        for (size_t i = 0; i < c->n; i++) {
            bool own = false;
            for (const struct sl_option *o = opts; o->name; o++)
                if (strcmp(o->name, c->keys[i]) == 0)
                    own = true;
            if (!own)
                also[n++] = c->keys[i];
        }
    }
    int rc =
        sl_options_parse(opts, (const char *const *)also, c, section, dst, err);
    free(also);
    return rc;
}
