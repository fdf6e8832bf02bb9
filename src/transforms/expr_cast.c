/*
 * expr_cast.c - CAST between the scalar types of the expression language,
 * over a whole vector. Also used by apply_mapping and resolve_choice
 * through the expression tree.
 *
 * Rules (Spark SQL's non-ANSI casts, as Glue's ApplyMapping applies them):
 *   string -> int/bigint: optional sign and digits, surrounding spaces
 *     allowed, a fraction truncated ("3.9" -> 3); out of range -> null
 *   string -> double: a full decimal or exponent number, inf/nan words
 *   string -> boolean: true/false/t/f/yes/no/y/n/1/0, any case
 *   string -> date: YYYY-MM-DD, or an ISO-8601 timestamp's date (UTC)
 *   string -> timestamp: ISO-8601 (datetime.h), or epoch seconds written
 *     as a number ("1700000000", "1700000000.5")
 *   number -> timestamp: epoch seconds; timestamp -> number: epoch seconds
 *   date <-> timestamp: midnight UTC / the UTC day
 *   anything -> string: its text (timestamps as ISO-8601 with Z)
 * A non-null value that does not cast becomes null and is counted in
 * e->failed (apply_mapping reports or dead-letters those rows).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "expr_int.h"

#define US_PER_DAY 86400000000LL

static void trim(const uint8_t **p, size_t *n)
{
    while (*n && isspace((*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n && isspace((*p)[*n - 1]))
        (*n)--;
}

static bool parse_i64(const uint8_t *p, size_t n, int64_t *out)
{
    trim(&p, &n);
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, p, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end == buf || (end[0] && end[0] != '.') || errno == ERANGE)
        return false;
    if (end[0] == '.') {
        for (char *q = end + 1; *q; q++)
            if (!isdigit((unsigned char)*q))
                return false;
        if (end == buf || !isdigit((unsigned char)end[-1]))
            return false;
    }
    *out = v;
    return true;
}

static bool parse_f64(const uint8_t *p, size_t n, double *out)
{
    trim(&p, &n);
    char buf[128];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, p, n);
    buf[n] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || *end)
        return false;
    if (isnan(v) || isinf(v)) {
        /* strtod also takes "infinity", "nan(...)", hex: keep the words */
        const char *s = buf + (buf[0] == '-' || buf[0] == '+');
        if (strcasecmp(s, "nan") && strcasecmp(s, "inf") &&
            strcasecmp(s, "infinity"))
            return isinf(v); /* overflow of a decimal number */
    }
    if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const uint8_t *p, size_t n, uint8_t *out)
{
    static const char *const t[] = {"true", "t", "yes", "y", "1"};
    static const char *const f[] = {"false", "f", "no", "n", "0"};
    trim(&p, &n);
    for (int i = 0; i < 5; i++) {
        if (strlen(t[i]) == n && strncasecmp((const char *)p, t[i], n) == 0) {
            *out = 1;
            return true;
        }
        if (strlen(f[i]) == n && strncasecmp((const char *)p, f[i], n) == 0) {
            *out = 0;
            return true;
        }
    }
    return false;
}

static bool secs_to_ts(double s, int64_t *out)
{
    double us = floor(s * 1e6 + 0.5);
    if (!(us > -9.2e18 && us < 9.2e18))
        return false;
    *out = (int64_t)us;
    return true;
}

static bool parse_ts(const uint8_t *p, size_t n, int64_t *out)
{
    trim(&p, &n);
    if (sl_timestamp_parse((const char *)p, n, out) == 0)
        return true;
    double s;
    if (n && (isdigit(p[0]) || p[0] == '-') && parse_f64(p, n, &s))
        return secs_to_ts(s, out);
    return false;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Text of one value into buf (for string results); returns its length. */
static size_t to_text(const struct vec *in, size_t i, char *buf, size_t cap)
{
    switch (in->t) {
    case SL_BOOLEAN:
        return (size_t)snprintf(buf, cap, "%s", in->b[i] ? "true" : "false");
    case SL_INT:
    case SL_BIGINT:
        return (size_t)snprintf(buf, cap, "%" PRId64, in->i[i]);
    case SL_DOUBLE: {
        double v = in->f[i];
        if (isnan(v))
            return (size_t)snprintf(buf, cap, "NaN");
        if (isinf(v))
            return (size_t)snprintf(buf, cap, v < 0 ? "-Infinity" : "Infinity");
        /* shortest text that reads back to the same double */
        for (int prec = 15; prec <= 17; prec++) {
            int k = snprintf(buf, cap, "%.*g", prec, v);
            if (strtod(buf, NULL) == v || prec == 17) {
                if (!strpbrk(buf, ".eEn") && (size_t)k + 2 < cap) {
                    memcpy(buf + k, ".0", 3);
                    k += 2;
                }
                return (size_t)k;
            }
        }
        return 0;
    }
    case SL_DATE:
        return sl_date_format((int32_t)in->i[i], buf);
    case SL_TIMESTAMP:
        return sl_timestamp_format(in->i[i], buf);
    default:
        return 0;
    }
}

int sl__expr_cast(struct sl_expr *e, const struct vec *in, struct vec *out,
                  enum sl_type to, size_t n)
{
    enum sl_type from = in->t;
    int64_t failed = 0;
    memcpy(out->nn, in->nn, n);
    if (from == SL_NULLTYPE) {
        memset(out->nn, 0, n);
        if (to == SL_STRING)
            for (size_t i = 0; i < n; i++) {
                out->p[i] = (const uint8_t *)"";
                out->len[i] = 0;
            }
        return 0;
    }
    if (to == SL_STRING) {
        if (from == SL_STRING) {
            memcpy(out->p, in->p, n * sizeof *out->p);
            memcpy(out->len, in->len, n * sizeof *out->len);
            return 0;
        }
        sl__vec_str_begin(out);
        char buf[64];
        for (size_t i = 0; i < n; i++) {
            size_t k = in->nn[i] ? to_text(in, i, buf, sizeof buf) : 0;
            int rc = sl__vec_str_put(out, i, buf, k);
            if (rc)
                return rc;
        }
        sl__vec_str_end(out, n);
        return 0;
    }
#define FAIL()                                                                 \
    do {                                                                       \
        out->nn[i] = 0;                                                        \
        failed++;                                                              \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        if (!in->nn[i])
            continue;
        const uint8_t *sp = from == SL_STRING ? in->p[i] : NULL;
        size_t sn = from == SL_STRING ? (size_t)in->len[i] : 0;
        switch (to) {
        case SL_BOOLEAN:
            if (from == SL_STRING) {
                if (!parse_bool(sp, sn, &out->b[i]))
                    FAIL();
            } else if (from == SL_DOUBLE) {
                out->b[i] = in->f[i] != 0.0;
            } else if (from == SL_BOOLEAN) {
                out->b[i] = in->b[i];
            } else {
                out->b[i] = in->i[i] != 0;
            }
            break;
        case SL_INT:
        case SL_BIGINT: {
            int64_t v = 0;
            bool ok = true;
            if (from == SL_STRING) {
                ok = parse_i64(sp, sn, &v);
            } else if (from == SL_DOUBLE) {
                double d = trunc(in->f[i]);
                ok = d >= -9.2233720368547758e18 && d < 9.2233720368547758e18;
                v = ok ? (int64_t)d : 0;
            } else if (from == SL_BOOLEAN) {
                v = in->b[i];
            } else if (from == SL_TIMESTAMP) {
                v = floor_div(in->i[i], 1000000);
            } else if (from == SL_DATE) {
                ok = false;
            } else {
                v = in->i[i];
            }
            if (ok && to == SL_INT && (v < INT32_MIN || v > INT32_MAX))
                ok = false;
            if (ok)
                out->i[i] = v;
            else
                FAIL();
            break;
        }
        case SL_DOUBLE:
            if (from == SL_STRING) {
                if (!parse_f64(sp, sn, &out->f[i]))
                    FAIL();
            } else if (from == SL_BOOLEAN) {
                out->f[i] = in->b[i];
            } else if (from == SL_TIMESTAMP) {
                out->f[i] = (double)in->i[i] / 1e6;
            } else if (from == SL_DATE) {
                FAIL();
            } else if (from == SL_DOUBLE) {
                out->f[i] = in->f[i];
            } else {
                out->f[i] = (double)in->i[i];
            }
            break;
        case SL_DATE:
            if (from == SL_STRING) {
                int32_t d;
                int64_t us;
                trim(&sp, &sn);
                if (sl_date_parse((const char *)sp, sn, &d) == 0)
                    out->i[i] = d;
                else if (sl_timestamp_parse((const char *)sp, sn, &us) == 0)
                    out->i[i] = floor_div(us, US_PER_DAY);
                else
                    FAIL();
            } else if (from == SL_TIMESTAMP) {
                out->i[i] = floor_div(in->i[i], US_PER_DAY);
            } else if (from == SL_DATE) {
                out->i[i] = in->i[i];
            } else {
                FAIL();
            }
            break;
        case SL_TIMESTAMP:
            if (from == SL_STRING) {
                if (!parse_ts(sp, sn, &out->i[i]))
                    FAIL();
            } else if (from == SL_DATE) {
                if (in->i[i] > INT64_MAX / US_PER_DAY ||
                    in->i[i] < INT64_MIN / US_PER_DAY)
                    FAIL();
                else
                    out->i[i] = in->i[i] * US_PER_DAY;
            } else if (from == SL_TIMESTAMP) {
                out->i[i] = in->i[i];
            } else if (from == SL_DOUBLE) {
                if (!secs_to_ts(in->f[i], &out->i[i]))
                    FAIL();
            } else if (from == SL_INT || from == SL_BIGINT) {
                if (in->i[i] > INT64_MAX / 1000000 ||
                    in->i[i] < INT64_MIN / 1000000)
                    FAIL();
                else
                    out->i[i] = in->i[i] * 1000000;
            } else {
                FAIL();
            }
            break;
        default:
            FAIL();
            break;
        }
    }
#undef FAIL
    e->failed += failed;
    return 0;
}
