/*
 * textval.c - text fields into typed columns, shared by the CSV and Grok
 * decoders (see textval.h). Numbers are checked against the JSON number
 * grammar before strtod sees them, so "0x10", "inf" or " 5" never become
 * numbers; the process never calls setlocale, so strtod reads '.'.
 */
#include "textval.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"

#define NUM_TEXT_MAX 400 /* longer text is never a number */

static inline bool digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* JSON number form (RFC 8259 §6); `lenient` also allows a leading '+' and
 * leading zeros ("007"), which declared columns accept. */
static bool number_form(const uint8_t *s, size_t n, bool lenient, bool *is_int)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || (lenient && s[i] == '+')))
        i++;
    size_t d0 = i;
    while (i < n && digit(s[i]))
        i++;
    if (i == d0 || (!lenient && s[d0] == '0' && i - d0 > 1))
        return false;
    *is_int = true;
    if (i < n && s[i] == '.') {
        size_t f0 = ++i;
        while (i < n && digit(s[i]))
            i++;
        if (i == f0)
            return false;
        *is_int = false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e0 = i;
        while (i < n && digit(s[i]))
            i++;
        if (i == e0)
            return false;
        *is_int = false;
    }
    return i == n;
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
        if (!digit(s[i]))
            return false;
        u = u * 10 + (uint64_t)(s[i] - '0');
    }
    if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX)
        return false;
    *v = neg ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

static bool to_double(const uint8_t *s, size_t n, double *d)
{
    char tmp[NUM_TEXT_MAX + 1];
    if (n > NUM_TEXT_MAX)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    *d = strtod(tmp, NULL);
    return isfinite(*d);
}

static bool is_bool(const uint8_t *s, size_t n, bool *v)
{
    if (n == 4 && strncasecmp((const char *)s, "true", 4) == 0)
        return *v = true, true;
    if (n == 5 && strncasecmp((const char *)s, "false", 5) == 0)
        return *v = false, true;
    return false;
}

enum sl_type sl__text_kind(const uint8_t *s, size_t n)
{
    if (n == 0)
        return SL_STRING;
    bool is_int, b;
    uint8_t c = s[0];
    if (digit(c) || c == '-') {
        if (n >= 10 && digit(c) && s[4] == '-') {
            int64_t us;
            return sl_timestamp_parse((const char *)s, n, &us) == 0
                       ? SL_TIMESTAMP
                       : SL_STRING;
        }
        if (!number_form(s, n, false, &is_int) || n > NUM_TEXT_MAX)
            return SL_STRING;
        int64_t v;
        if (is_int && sl__text_i64(s, n, &v))
            return v >= INT32_MIN && v <= INT32_MAX ? SL_INT : SL_BIGINT;
        double d;
        return to_double(s, n, &d) ? SL_DOUBLE : SL_STRING;
    }
    return is_bool(s, n, &b) ? SL_BOOLEAN : SL_STRING;
}

/* Exact decimal: [sign] digits [. digits] [e [sign] digits] at `scale`,
 * at most `precision` digits. */
static bool decimal_parse(const uint8_t *s, size_t n, unsigned precision,
                          unsigned scale, __int128 *out)
{
    bool is_int;
    if (!number_form(s, n, true, &is_int))
        return false;
    size_t i = 0;
    bool neg = false;
    if (s[i] == '-' || s[i] == '+')
        neg = s[i++] == '-';
    /* Collect the digits and where the point is. */
    uint8_t dg[80];
    size_t nd = 0;
    long point = -1;
    for (; i < n && (digit(s[i]) || s[i] == '.'); i++) {
        if (s[i] == '.') {
            point = (long)nd;
            continue;
        }
        if (nd == 0 && s[i] == '0' && point < 0)
            continue; /* leading zero of the integer part */
        if (nd == sizeof dg)
            return false;
        dg[nd++] = (uint8_t)(s[i] - '0');
    }
    if (point < 0)
        point = (long)nd;
    long exp = 0;
    if (i < n) { /* exponent */
        int64_t e;
        if (!sl__text_i64(s + i + 1, n - i - 1, &e) || e > 100 || e < -100)
            return false;
        exp = (long)e;
    }
    /* value = 0.dg * 10^(point+exp); unscaled = value * 10^scale. */
    long int_digits = point + exp + (long)scale; /* digits kept */
    __int128 v = 0;
    unsigned used = 0;
    for (long k = 0; k < (long)nd || k < int_digits; k++) {
        uint8_t d = k < (long)nd ? dg[k] : 0;
        if (k >= int_digits) {
            if (d)
                return false; /* would lose digits */
            continue;
        }
        if (v || d)
            used++;
        if (used > precision || used > 38)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? -v : v;
    return true;
}

static int not_a(struct sl_error *err, const struct sl_col *c, const uint8_t *s,
                 size_t n, const char *why)
{
    int show = n > 60 ? 60 : (int)n;
    const char *t = sl_type_name(c->type);
    bool an = t[0] == 'a' || t[0] == 'i';
    return sl_error_set(err, SL_ETYPE, "'%.*s%s' is %s %s%s", show,
                        (const char *)s, n > 60 ? "..." : "",
                        why ? "out of range for" : (an ? "not an" : "not a"), t,
                        why ? why : "");
}

static int numeric_into(struct sl_col *c, const uint8_t *s, size_t n,
                        struct sl_error *err)
{
    bool is_int;
    if (!number_form(s, n, true, &is_int))
        return not_a(err, c, s, n, NULL);
    int64_t i;
    double d;
    bool whole = is_int && sl__text_i64(s, n, &i);
    if (!whole && (c->type == SL_INT || c->type == SL_BIGINT ||
                   c->type == SL_TIMESTAMP)) {
        if (!to_double(s, n, &d))
            return not_a(err, c, s, n, "");
        if (c->type == SL_TIMESTAMP) {
            d = nearbyint(d * 1e6);
            if (!(d >= -9.2e18 && d <= 9.2e18))
                return not_a(err, c, s, n, "");
            return sl_col_append_i64(c, (int64_t)d);
        }
        if (is_int || !(d >= -9.2e18 && d <= 9.2e18))
            return not_a(err, c, s, n, "");
        if (d != trunc(d))
            return not_a(err, c, s, n, NULL);
        i = (int64_t)d;
        whole = true;
    }
    switch (c->type) {
    case SL_INT:
        if (i < INT32_MIN || i > INT32_MAX)
            return not_a(err, c, s, n, "");
        return sl_col_append_i32(c, (int32_t)i);
    case SL_BIGINT:
        return sl_col_append_i64(c, i);
    case SL_TIMESTAMP:
        if (i > INT64_MAX / 1000000 || i < INT64_MIN / 1000000)
            return not_a(err, c, s, n, "");
        return sl_col_append_i64(c, i * 1000000);
    case SL_FLOAT:
        if (!to_double(s, n, &d) || isinf((float)d))
            return not_a(err, c, s, n, "");
        return sl_col_append_f32(c, (float)d);
    default: /* SL_DOUBLE */
        if (!to_double(s, n, &d))
            return not_a(err, c, s, n, "");
        return sl_col_append_f64(c, d);
    }
}

int sl__text_into(struct sl_col *c, const uint8_t *s, size_t n,
                  struct sl_error *err)
{
    bool b;
    switch (c->type) {
    case SL_STRING:
    case SL_BINARY:
        return sl_col_append_bytes(c, s, n);
    case SL_NULLTYPE:
        return sl_col_append_null(c);
    case SL_BOOLEAN:
        if (!is_bool(s, n, &b))
            return not_a(err, c, s, n, NULL);
        return sl_col_append_bool(c, b);
    case SL_DATE: {
        int32_t days;
        if (sl_date_parse((const char *)s, n, &days))
            return not_a(err, c, s, n, NULL);
        return sl_col_append_i32(c, days);
    }
    case SL_TIMESTAMP: {
        int64_t us;
        if (sl_timestamp_parse((const char *)s, n, &us) == 0)
            return sl_col_append_i64(c, us);
        return numeric_into(c, s, n, err); /* epoch seconds */
    }
    case SL_INT:
    case SL_BIGINT:
    case SL_FLOAT:
    case SL_DOUBLE:
        return numeric_into(c, s, n, err);
    case SL_DECIMAL: {
        __int128 v;
        if (!decimal_parse(s, n, c->precision, c->scale, &v))
            return not_a(err, c, s, n, NULL);
        return sl_col_append_dec(c, v);
    }
    default:
        return sl_error_set(err, SL_ETYPE,
                            "a text field cannot fill a %s column",
                            sl_type_name(c->type));
    }
}

int sl__text_detect(struct sl_col *c, const uint8_t *s, size_t n,
                    struct sl_error *err)
{
    if (c->type == SL_STRING)
        return sl_col_append_bytes(c, s, n);
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
