/*
 * datetime.c - ISO-8601 dates and timestamps to numbers and back.
 *
 * The civil <-> day-count conversion uses the era arithmetic of the
 * proleptic Gregorian calendar (400-year cycles of 146097 days), so it
 * needs no tables and no libc time functions (no gmtime, no TZ).
 */
#include "datetime.h"

#include <stdbool.h>
#include <stdio.h>

#include "error.h"

int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                          /* 0..399 */
    int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9; /* Mar = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;    /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  /* 0..146096 */
    return era * 146097 + doe - 719468;
}

void sl_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, unsigned *v)
{
    unsigned r = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        r = r * 10 + (unsigned)(s[i] - '0');
    }
    *v = r;
    return true;
}

static unsigned month_days(unsigned y, unsigned m)
{
    static const unsigned char md[] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
    if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return 29;
    return md[m - 1];
}

/* YYYY-MM-DD at s (n >= 10 checked by the caller). */
static bool ymd(const char *s, int64_t *days)
{
    unsigned y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) ||
        s[7] != '-' || !digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return false;
    *days = sl_days_from_civil(y, m, d);
    return true;
}

int sl_date_parse(const char *s, size_t n, int32_t *days)
{
    int64_t v;
    if (n != 10 || !ymd(s, &v))
        return SL_ETYPE;
    *days = (int32_t)v;
    return 0;
}

int sl_timestamp_parse(const char *s, size_t n, int64_t *micros)
{
    int64_t days;
    if (n < 10 || !ymd(s, &days))
        return SL_ETYPE;
    int64_t secs = days * 86400, frac = 0;
    size_t i = 10;
    if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        unsigned hh, mm, ss = 0;
        if (n - i < 6 || !digits(s + i + 1, 2, &hh) || s[i + 3] != ':' ||
            !digits(s + i + 4, 2, &mm) || hh > 23 || mm > 59)
            return SL_ETYPE;
        i += 6;
        if (i < n && s[i] == ':') {
            if (n - i < 3 || !digits(s + i + 1, 2, &ss) || ss > 59)
                return SL_ETYPE;
            i += 3;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                size_t k = 0;
                i++;
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    if (k < 6)
                        frac = frac * 10 + (s[i] - '0');
                    k++;
                    i++;
                }
                if (k == 0 || k > 9)
                    return SL_ETYPE;
                for (; k < 6; k++)
                    frac *= 10;
            }
        }
        secs += hh * 3600 + mm * 60 + ss;
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '-' ? -1 : 1;
            unsigned oh, om = 0;
            i++;
            if (n - i < 2 || !digits(s + i, 2, &oh) || oh > 23)
                return SL_ETYPE;
            i += 2;
            if (i < n && s[i] == ':')
                i++;
            if (i < n) {
                if (n - i < 2 || !digits(s + i, 2, &om) || om > 59)
                    return SL_ETYPE;
                i += 2;
            }
            /* Local time = UTC + offset, so UTC = local - offset. */
            secs -= sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (i != n)
        return SL_ETYPE;
    *micros = secs * 1000000 + frac;
    return 0;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

size_t sl_date_format(int32_t days, char *out)
{
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    int n =
        snprintf(out, SL_DATE_TEXT_MAX, "%04lld-%02u-%02u", (long long)y, m, d);
    return n < 0 ? 0 : (size_t)n;
}

size_t sl_timestamp_format(int64_t micros, char *out)
{
    int64_t secs = floordiv(micros, 1000000);
    /* remainders by %, not micros - secs * 1000000: that overflows near
     * INT64_MIN */
    int64_t us = micros % 1000000;
    if (us < 0)
        us += 1000000;
    int64_t days = floordiv(secs, 86400);
    int64_t sod = secs % 86400;
    if (sod < 0)
        sod += 86400;
    int64_t y;
    unsigned m, d;
    sl_civil_from_days(days, &y, &m, &d);
    int n;
    if (us)
        n = snprintf(out, SL_TS_TEXT_MAX,
                     "%04lld-%02u-%02uT%02u:%02u:%02u.%06uZ", (long long)y, m,
                     d, (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
                     (unsigned)(sod % 60), (unsigned)us);
    else
        n = snprintf(out, SL_TS_TEXT_MAX, "%04lld-%02u-%02uT%02u:%02u:%02uZ",
                     (long long)y, m, d, (unsigned)(sod / 3600),
                     (unsigned)(sod / 60 % 60), (unsigned)(sod % 60));
    return n < 0 ? 0 : (size_t)n;
}
