/*
 * textval.c - text and scanned numbers into typed columns (textval.h),
 * shared by the JSON, CSV and Grok decoders. The number grammar, doubles,
 * decimals and base64 are json_num.c's.
 */
#include "textval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "json_int.h"

/* An integral double into int64 when in range. */
static bool dbl_to_i64(double v, int64_t *out)
{
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
        return false;
    *out = (int64_t)v;
    return true;
}

static inline bool whole(const struct sl_jnum *num)
{
    return num->fits_i64 && !num->negzero;
}

bool sl__conv_num_fits(const struct sl_col *c, const struct sl_jnum *num)
{
    switch (c->type) {
    case SL_BIGINT:
        return whole(num);
    case SL_INT:
        return whole(num) && num->i >= INT32_MIN && num->i <= INT32_MAX;
    case SL_DOUBLE:
    case SL_STRING:
        return true;
    default:
        return false;
    }
}

int sl__conv_num(struct sl_col *c, const struct sl_jnum *num)
{
    int rc;
    double d;
    int64_t i;
    bool w = whole(num);
    switch (c->type) {
    case SL_BIGINT:
    case SL_INT:
        if (w && (c->type == SL_BIGINT ||
                  (num->i >= INT32_MIN && num->i <= INT32_MAX)))
            return c->type == SL_INT ? sl_col_append_i32(c, (int32_t)num->i)
                                     : sl_col_append_i64(c, num->i);
        if (num->is_int && !num->negzero)
            return SL_CONV_RANGE;
        if ((rc = sl__json_num_double(num, &d)) && rc != SL_ETYPE)
            return rc;
        if (rc || d != trunc(d))
            return rc ? SL_CONV_RANGE : SL_CONV_NOT_A;
        if (!dbl_to_i64(d, &i) ||
            (c->type == SL_INT && (i < INT32_MIN || i > INT32_MAX)))
            return SL_CONV_RANGE;
        return c->type == SL_INT ? sl_col_append_i32(c, (int32_t)i)
                                 : sl_col_append_i64(c, i);
    case SL_DOUBLE:
        if ((rc = sl__json_num_double(num, &d)))
            return rc == SL_ETYPE ? SL_CONV_RANGE : rc;
        return sl_col_append_f64(c, d);
    case SL_STRING:
        return sl_col_append_bytes(c, num->s, num->n);
    case SL_FLOAT:
        if ((rc = sl__json_num_double(num, &d)) && rc != SL_ETYPE)
            return rc;
        if (rc || isinf((float)d))
            return SL_CONV_RANGE;
        return sl_col_append_f32(c, (float)d);
    case SL_DECIMAL: {
        __int128 v;
        if (sl__decimal_parse(num->s, num->n, c->precision, c->scale, &v))
            return SL_CONV_NOT_A;
        return sl_col_append_dec(c, v);
    }
    case SL_TIMESTAMP:
        if (w) {
            if (num->i > INT64_MAX / 1000000 || num->i < INT64_MIN / 1000000)
                return SL_CONV_RANGE;
            return sl_col_append_i64(c, num->i * 1000000);
        }
        if ((rc = sl__json_num_double(num, &d)) && rc != SL_ETYPE)
            return rc;
        if (rc || !dbl_to_i64(nearbyint(d * 1e6), &i))
            return SL_CONV_RANGE;
        return sl_col_append_i64(c, i);
    case SL_BOOLEAN:
        if (!w || (num->i != 0 && num->i != 1))
            return SL_CONV_NOT_A;
        return sl_col_append_bool(c, num->i == 1);
    case SL_NULLTYPE:
        return sl_col_append_null(c);
    default:
        return SL_CONV_NOT_A;
    }
}

/* The whole of s[0..n) as a JSON number. */
static bool scan_whole(const uint8_t *s, size_t n, struct sl_jnum *num)
{
    const uint8_t *bad;
    const char *what;
    return n > 0 && sl__json_scan_number(s, s + n, num, &bad, &what) &&
           num->n == n;
}

static bool is_bool(const uint8_t *s, size_t n, bool *v)
{
    if (n == 4 && strncasecmp((const char *)s, "true", 4) == 0)
        return *v = true, true;
    if (n == 5 && strncasecmp((const char *)s, "false", 5) == 0)
        return *v = false, true;
    return false;
}

int sl__conv_text(struct sl_col *c, const uint8_t *s, size_t n)
{
    bool b;
    switch (c->type) {
    case SL_STRING:
        return sl_col_append_bytes(c, s, n);
    case SL_NULLTYPE:
        return sl_col_append_null(c);
    case SL_BOOLEAN:
        return is_bool(s, n, &b) ? sl_col_append_bool(c, b) : SL_CONV_NOT_A;
    case SL_DATE: {
        int32_t days;
        if (sl_date_parse((const char *)s, n, &days))
            return SL_CONV_NOT_A;
        return sl_col_append_i32(c, days);
    }
    case SL_TIMESTAMP: {
        int64_t us;
        if (sl_timestamp_parse((const char *)s, n, &us) == 0)
            return sl_col_append_i64(c, us);
        __attribute__((fallthrough)); /* epoch seconds as text */
    }
    case SL_INT:
    case SL_BIGINT:
    case SL_FLOAT:
    case SL_DOUBLE: {
        struct sl_jnum num;
        return scan_whole(s, n, &num) ? sl__conv_num(c, &num) : SL_CONV_NOT_A;
    }
    case SL_DECIMAL: {
        __int128 v;
        if (sl__decimal_parse(s, n, c->precision, c->scale, &v))
            return SL_CONV_NOT_A;
        return sl_col_append_dec(c, v);
    }
    case SL_BINARY: {
        uint8_t *o = sl_col_bytes_begin(c, n);
        size_t w;
        if (!o)
            return SL_ENOMEM;
        if (sl__base64_decode(s, n, o, &w))
            return SL_CONV_NOT_A;
        return sl_col_bytes_end(c, w);
    }
    default:
        return SL_CONV_NOT_A;
    }
}

int sl__text_into(struct sl_col *c, const uint8_t *s, size_t n,
                  struct sl_error *err)
{
    int rc = sl__conv_text(c, s, n);
    if (rc <= 0)
        return rc;
    int show = n > 40 ? 40 : (int)n;
    const char *t = sl_type_name(c->type);
    if (rc == SL_CONV_RANGE)
        return sl_error_set(err, SL_ETYPE, "'%.*s%s' is out of range for %s",
                            show, (const char *)s, n > 40 ? "..." : "", t);
    return sl_error_set(err, SL_ETYPE, "'%.*s%s' is not %s %s", show,
                        (const char *)s, n > 40 ? "..." : "",
                        strchr("aeiou", t[0]) ? "an" : "a", t);
}

bool sl__text_i64(const uint8_t *s, size_t n, int64_t *v)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n || n - i > 19)
        return false;
    uint64_t u = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        u = u * 10 + (uint64_t)(s[i] - '0');
    }
    if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX)
        return false;
    *v = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

enum sl_type sl__text_kind(const uint8_t *s, size_t n)
{
    if (n == 0)
        return SL_STRING;
    uint8_t c = s[0];
    if ((c >= '0' && c <= '9') || c == '-') {
        if (n >= 10 && c != '-' && s[4] == '-') {
            int64_t us;
            return sl_timestamp_parse((const char *)s, n, &us) == 0
                       ? SL_TIMESTAMP
                       : SL_STRING;
        }
        struct sl_jnum num;
        double d;
        if (!scan_whole(s, n, &num))
            return SL_STRING;
        if (whole(&num))
            return num.i >= INT32_MIN && num.i <= INT32_MAX ? SL_INT
                                                            : SL_BIGINT;
        return sl__json_num_double(&num, &d) == 0 ? SL_DOUBLE : SL_STRING;
    }
    bool b;
    return is_bool(s, n, &b) ? SL_BOOLEAN : SL_STRING;
}

/* An integer in JSON form of at most 18 digits (so it fits int64). */
static inline bool short_int(const uint8_t *s, size_t n, int64_t *v)
{
    size_t i = n && s[0] == '-';
    if (i == n || n - i > 18 || (s[i] == '0' && (n - i > 1 || i)))
        return false; /* empty, long, leading zero, -0 */
    int64_t u = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)s[i] - '0';
        if (d > 9)
            return false;
        u = u * 10 + d;
    }
    *v = s[0] == '-' ? -u : u;
    return true;
}

int sl__text_detect(struct sl_col *c, const uint8_t *s, size_t n,
                    struct sl_error *err)
{
    /* Fast paths: the text is of the column's type already (the same
     * outcome as the general path below, which decides by sl__text_kind). */
    int64_t v;
    bool b;
    switch (c->type) {
    case SL_STRING:
        return sl_col_append_bytes(c, s, n);
    case SL_INT:
        if (short_int(s, n, &v) && v >= INT32_MIN && v <= INT32_MAX)
            return sl_col_append_i32(c, (int32_t)v);
        break;
    case SL_BIGINT:
        if (short_int(s, n, &v))
            return sl_col_append_i64(c, v);
        break;
    case SL_TIMESTAMP:
        if (n >= 10 && s[0] >= '0' && s[0] <= '9' && s[4] == '-' &&
            sl_timestamp_parse((const char *)s, n, &v) == 0)
            return sl_col_append_i64(c, v);
        break;
    case SL_DOUBLE: {
        struct sl_jnum num;
        double d;
        if (scan_whole(s, n, &num) && sl__json_num_double(&num, &d) == 0)
            return sl_col_append_f64(c, d);
        break;
    }
    case SL_BOOLEAN:
        if (is_bool(s, n, &b))
            return sl_col_append_bool(c, b);
        break;
    default:
        break;
    }
    enum sl_type k = sl__text_kind(s, n);
    if (k != c->type) {
        enum sl_type to = sl_type_widen(c->type, k);
        if (sl_type_is_nested(c->type))
            to = SL_STRING;
        int rc = sl_col_widen(c, to, err);
        if (rc)
            return rc;
        if (to == SL_STRING)
            return sl_col_append_bytes(c, s, n);
    }
    return sl__text_into(c, s, n, err);
}

/* Every key of the source map, so sl_options_parse ignores the keys of the
 * engine and the source (the job loader has checked them). */
int sl__decoder_options(const struct sl_option *opts,
                        const struct sl_conf *conf, void *dst,
                        struct sl_error *err)
{
    size_t n = conf && conf->kind == SL_CONF_MAP ? conf->n : 0;
    const char **also = calloc(n + 1, sizeof *also);
    if (!also)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        also[i] = conf->keys[i];
    int rc = sl_options_parse(opts, also, conf, "source", dst, err);
    free(also);
    return rc;
}
