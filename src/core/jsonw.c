/*
 * jsonw.c - JSON text output shared by encoders, dead-letter and checkpoint.
 *
 * Numbers: integers exactly; doubles as the shortest text that reads back
 * to the same value. A fast path covers values with up to 6 decimals
 * (prices, latencies) without snprintf; it is exact because the check
 * (m / 10^k == v, both exact doubles, division correctly rounded) is the
 * same rounding strtod applies to the printed text.
 */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

static const char hexd[] = "0123456789abcdef";

/* 1 for bytes that need escaping inside a JSON string. */
static const uint8_t needs_esc[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

int sl_jsonw_str(struct sl_buf *b, const char *s, size_t n)
{
    /* Worst case every byte becomes \u00XX. */
    int rc = sl_buf_reserve(b, n * 6 + 2);
    if (rc)
        return rc;
    uint8_t *o = b->data + b->len;
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    *o++ = '"';
    while (p < end) {
        const uint8_t *run = p;
        while (p < end && !needs_esc[*p])
            p++;
        memcpy(o, run, (size_t)(p - run));
        o += p - run;
        if (p == end)
            break;
        uint8_t c = *p++;
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        default: /* control characters and DEL */
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hexd[c >> 4];
            *o++ = hexd[c & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    return 0;
}

int sl_jsonw_cstr(struct sl_buf *b, const char *s)
{
    return sl_jsonw_str(b, s, strlen(s));
}

/* Digits of v into the end of tmp; returns the start. */
static char *u64_digits(uint64_t v, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

int sl_jsonw_i64(struct sl_buf *b, int64_t v)
{
    char tmp[24], *end = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = u64_digits(u, end);
    if (v < 0)
        *--p = '-';
    return sl_buf_append(b, p, (size_t)(end - p));
}

static const double pow10tab[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};

int sl_jsonw_f64(struct sl_buf *b, double v)
{
    if (!isfinite(v))
        return sl_buf_append(b, "null", 4);
    if (v == 0)
        return signbit(v) ? sl_buf_append(b, "-0", 2)
                          : sl_buf_append(b, "0", 1);
    double a = fabs(v);
    if (a < 9007199254740992.0 && a >= 1e-6) {
        for (int k = 0; k <= 6; k++) {
            double m = a * pow10tab[k];
            if (m >= 9007199254740992.0)
                break;
            double r = nearbyint(m);
            if (r / pow10tab[k] != a)
                continue;
            char tmp[40], *end = tmp + sizeof tmp;
            uint64_t u = (uint64_t)r;
            char *p = u64_digits(u, end);
            if (k > 0) {
                /* Insert the decimal point k digits from the right. */
                while (end - p <= k)
                    *--p = '0';
                char *q = tmp;
                if (v < 0)
                    *q++ = '-';
                size_t whole = (size_t)(end - p) - (size_t)k;
                memmove(q, p, whole);
                q += whole;
                *q++ = '.';
                memmove(q, p + whole, (size_t)k);
                q += k;
                return sl_buf_append(b, tmp, (size_t)(q - tmp));
            }
            if (v < 0)
                *--p = '-';
            return sl_buf_append(b, p, (size_t)(end - p));
        }
    }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    return sl_buf_puts(b, tmp);
}

int sl_jsonw_f32(struct sl_buf *b, float v)
{
    if (!isfinite(v))
        return sl_buf_append(b, "null", 4);
    char tmp[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, (double)v);
        if (prec == 9 || strtof(tmp, NULL) == v)
            break;
    }
    return sl_buf_puts(b, tmp);
}

int sl_base64(struct sl_buf *b, const uint8_t *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int rc = sl_buf_reserve(b, (n + 2) / 3 * 4);
    if (rc)
        return rc;
    uint8_t *o = b->data + b->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->data);
    return 0;
}

int sl_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            /* ASCII runs: eight bytes per step while no high bit is set. */
            uint64_t w;
            while (n - i >= 8 &&
                   (memcpy(&w, p + i, 8), !(w & 0x8080808080808080ull)))
                i += 8;
            if (i < n && p[i] < 0x80)
                i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += len;
    }
    return 1;
}
