/*
 * json_num.c - numbers as the JSON decoder reads them: the RFC 8259 number
 * grammar, correctly rounded doubles, exact decimals, and base64 (binary
 * columns are base64 text in JSON).
 *
 * Doubles: a number with at most 19 significant digits whose mantissa is
 * below 2^53 and whose power of ten is within 10^±22 is converted exactly
 * with one multiplication or division (both operands exact, one rounding:
 * Clinger's fast path). Anything else goes through strtod_l in the "C"
 * locale, which glibc rounds correctly.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_int.h"

static inline bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

const uint8_t *sl__json_scan_number(const uint8_t *p, const uint8_t *end,
                                    struct sl_jnum *num, const uint8_t **bad_at,
                                    const char **what)
{
    const uint8_t *s = p;
    uint64_t mant = 0;
    int nd = 0; /* significant digits kept in mant */
    int32_t exp10 = 0;
    bool exact = true, neg = false, is_int = true;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || !is_digit(*p)) {
        *bad_at = p;
        *what = neg ? "expected a digit after '-'" : "expected a digit";
        return NULL;
    }
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p)) {
            *bad_at = p - 1;
            *what = "leading zero in a number";
            return NULL;
        }
    } else {
        while (p < end && is_digit(*p)) {
            if (nd < 19) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                nd++;
            } else {
                exact = false;
                if (exp10 < 100000)
                    exp10++;
            }
            p++;
        }
    }
    if (p < end && *p == '.') {
        is_int = false;
        p++;
        if (p >= end || !is_digit(*p)) {
            *bad_at = p;
            *what = "expected a digit after the decimal point";
            return NULL;
        }
        while (p < end && is_digit(*p)) {
            if (nd < 19) {
                if (mant || *p != '0')
                    nd++;
                mant = mant * 10 + (uint64_t)(*p - '0');
                if (exp10 > -100000)
                    exp10--;
            } else if (*p != '0') {
                exact = false;
            }
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_int = false;
        p++;
        int sign = 1;
        if (p < end && (*p == '+' || *p == '-')) {
            sign = *p == '-' ? -1 : 1;
            p++;
        }
        if (p >= end || !is_digit(*p)) {
            *bad_at = p;
            *what = "expected a digit in the exponent";
            return NULL;
        }
        int32_t e = 0;
        while (p < end && is_digit(*p)) {
            if (e < 1000000)
                e = e * 10 + (*p - '0');
            p++;
        }
        exp10 += sign * e;
    }
    num->s = s;
    num->n = (size_t)(p - s);
    num->mant = mant;
    num->exp10 = exp10;
    num->neg = neg;
    num->exact = exact;
    num->is_int = is_int;
    num->negzero = is_int && neg && mant == 0;
    num->fits_i64 = false;
    num->i = 0;
    if (is_int && exact) {
        if (!neg && mant <= (uint64_t)INT64_MAX) {
            num->fits_i64 = true;
            num->i = (int64_t)mant;
        } else if (neg && mant <= (uint64_t)INT64_MAX + 1) {
            num->fits_i64 = true;
            num->i = (int64_t)(0 - mant);
        }
    }
    return p;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

int sl__json_num_double(const struct sl_jnum *num, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (num->exact && num->mant <= (1ull << 53) && num->exp10 >= -22 &&
        num->exp10 <= 22) {
        double d = (double)num->mant;
        d = num->exp10 < 0 ? d / p10[-num->exp10] : d * p10[num->exp10];
        *out = num->neg ? -d : d;
        return 0;
    }
    if (num->exact && num->mant == 0) {
        *out = num->neg ? -0.0 : 0.0;
        return 0;
    }
    char small[128], *text = small;
    if (num->n >= sizeof small && !(text = malloc(num->n + 1)))
        return SL_ENOMEM;
    memcpy(text, num->s, num->n);
    text[num->n] = '\0';
    pthread_once(&c_locale_once, make_c_locale);
    double d = c_locale ? strtod_l(text, NULL, c_locale) : strtod(text, NULL);
    if (text != small)
        free(text);
    if (isinf(d))
        return SL_ETYPE;
    *out = d;
    return 0;
}

int sl__decimal_parse(const uint8_t *s, size_t n, unsigned precision,
                      unsigned scale, __int128 *out)
{
    const uint8_t *p = s, *end = s + n;
    bool neg = false;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    unsigned __int128 u = 0;
    int sig = 0;   /* significant digits in u */
    int64_t k = 0; /* value = u * 10^k */
    bool digits = false;
    bool lost = false; /* a nonzero digit beyond 38 significant ones */
    for (int part = 0; part < 2; part++) {
        while (p < end && is_digit(*p)) {
            digits = true;
            int d = *p++ - '0';
            if (sig < 38) {
                if (u || d)
                    sig++;
                u = u * 10 + (unsigned)d;
                if (part == 1)
                    k--;
            } else if (d) {
                lost = true;
            } else if (part == 0) {
                k++; /* a zero past 38 digits in the integer part */
            }
        }
        if (part == 1 || p >= end || *p != '.')
            break;
        p++;
    }
    if (!digits)
        return SL_ETYPE;
    int64_t e = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int sign = 1;
        if (p < end && (*p == '+' || *p == '-'))
            sign = *p++ == '-' ? -1 : 1;
        if (p >= end || !is_digit(*p))
            return SL_ETYPE;
        while (p < end && is_digit(*p)) {
            if (e < 100000)
                e = e * 10 + (*p - '0');
            p++;
        }
        e *= sign;
    }
    if (p != end || lost)
        return SL_ETYPE;
    k += e + (int64_t)scale;
    if (u == 0) {
        *out = 0;
        return 0;
    }
    if (k < -40 || k > 40)
        return SL_ETYPE;
    for (; k < 0; k++) {
        if (u % 10)
            return SL_ETYPE; /* would lose digits */
        u /= 10;
    }
    unsigned __int128 limit = 1;
    for (unsigned i = 0; i < precision; i++)
        limit *= 10;
    for (; k > 0; k--) {
        if (u >= limit)
            return SL_ETYPE;
        u *= 10;
    }
    if (u >= limit)
        return SL_ETYPE;
    *out = neg ? -(__int128)u : (__int128)u;
    return 0;
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int sl__base64_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *outn)
{
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return SL_ETYPE;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            return SL_ETYPE;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *outn = o;
    return 0;
}
