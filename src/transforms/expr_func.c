/*
 * expr_func.c - the scalar functions of the expression language, each
 * over a whole vector (see expr_eval.c for the model).
 *
 * Semantics follow Spark SQL: a null argument gives null (except
 * coalesce, nullif and concat, which is null when any argument is);
 * substr positions are 1-based, 0 counts as 1, negative counts from the
 * end; lengths count UTF-8 characters; round is half away from zero;
 * regexp_extract gives "" when nothing matches. date_format and
 * to_timestamp take Spark's pattern letters yyyy MM dd HH mm ss SSS
 * (and yy, M, d, H, m, s, SSSSSS); other letters are refused, text in
 * 'quotes' and punctuation is literal. Times are UTC.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "expr_int.h"

#define US_PER_DAY 86400000000LL

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Byte offset of the k-th UTF-8 character of s (k may be past the end). */
static size_t utf8_skip(const uint8_t *s, size_t n, size_t k)
{
    size_t i = 0;
    while (i < n && k > 0) {
        i++;
        while (i < n && (s[i] & 0xc0) == 0x80)
            i++;
        k--;
    }
    return i;
}

static size_t utf8_len(const uint8_t *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (s[i] & 0xc0) != 0x80;
    return c;
}

static int f_case(struct node *nd, size_t n, bool upper)
{
    struct vec *a = &nd->kid[0]->v, *v = &nd->v;
    memcpy(v->nn, a->nn, n);
    sl__vec_str_begin(v);
    for (size_t i = 0; i < n; i++) {
        size_t len = a->nn[i] ? (size_t)a->len[i] : 0;
        int rc = sl__vec_str_put(v, i, a->p[i], len);
        if (rc)
            return rc;
        uint8_t *d = len ? v->sb.data + v->i[i] : NULL;
        /* ASCII letters only, as toupper/tolower in the C locale
         * sluice runs in (no setlocale) */
        if (upper) {
            for (size_t k = 0; k < len; k++)
                d[k] = (uint8_t)(d[k] - 32 * (d[k] >= 'a' && d[k] <= 'z'));
        } else {
            for (size_t k = 0; k < len; k++)
                d[k] = (uint8_t)(d[k] + 32 * (d[k] >= 'A' && d[k] <= 'Z'));
        }
    }
    sl__vec_str_end(v, n);
    return 0;
}

/* date/time pattern: emit (fmt_out != NULL) or parse. */
struct dt {
    int64_t y;
    unsigned mo, d, h, mi, s;
    int64_t us;
};

static void dt_from_us(int64_t us, struct dt *t)
{
    int64_t days = floor_div(us, US_PER_DAY);
    int64_t rem = us % US_PER_DAY; /* not us - days * ...: overflow */
    if (rem < 0)
        rem += US_PER_DAY;
    sl_civil_from_days(days, &t->y, &t->mo, &t->d);
    t->h = (unsigned)(rem / 3600000000LL);
    t->mi = (unsigned)(rem / 60000000LL % 60);
    t->s = (unsigned)(rem / 1000000 % 60);
    t->us = rem % 1000000;
}

/* Format t by pattern into out; returns length or -1 (bad pattern). */
static int dt_format(const struct dt *t, const char *fmt, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; fmt[i];) {
        char c = fmt[i];
        size_t run = 1;
        while (fmt[i + run] == c)
            run++;
        char tmp[32];
        int w = 0;
        if (c == '\'') {
            i++;
            while (fmt[i] && fmt[i] != '\'') {
                if (k + 1 < cap)
                    out[k++] = fmt[i];
                i++;
            }
            if (fmt[i])
                i++;
            continue;
        }
        switch (c) {
        case 'y':
            w = run == 2 ? snprintf(tmp, sizeof tmp, "%02d", (int)(t->y % 100))
                         : snprintf(tmp, sizeof tmp, "%04d", (int)t->y);
            break;
        case 'M':
            w = snprintf(tmp, sizeof tmp, run >= 2 ? "%02u" : "%u", t->mo);
            break;
        case 'd':
            w = snprintf(tmp, sizeof tmp, run >= 2 ? "%02u" : "%u", t->d);
            break;
        case 'H':
            w = snprintf(tmp, sizeof tmp, run >= 2 ? "%02u" : "%u", t->h);
            break;
        case 'm':
            w = snprintf(tmp, sizeof tmp, run >= 2 ? "%02u" : "%u", t->mi);
            break;
        case 's':
            w = snprintf(tmp, sizeof tmp, run >= 2 ? "%02u" : "%u", t->s);
            break;
        case 'S': {
            if (run > 6)
                return -1;
            char six[8];
            snprintf(six, sizeof six, "%06d", (int)t->us);
            memcpy(tmp, six, run);
            w = (int)run;
            break;
        }
        default:
            if (isalpha((unsigned char)c))
                return -1;
            memset(tmp, c, run < sizeof tmp ? run : sizeof tmp);
            w = (int)(run < sizeof tmp ? run : sizeof tmp);
            break;
        }
        for (int j = 0; j < w && k + 1 < cap; j++)
            out[k++] = tmp[j];
        i += run;
    }
    out[k] = 0;
    return (int)k;
}

/* Parse s by pattern; false when it does not match. */
static bool dt_parse(const char *fmt, const uint8_t *s, size_t n, int64_t *us)
{
    struct dt t = {.y = 1970, .mo = 1, .d = 1};
    size_t at = 0;
    for (size_t i = 0; fmt[i];) {
        char c = fmt[i];
        size_t run = 1;
        while (fmt[i + run] == c)
            run++;
        if (c == '\'') {
            i++;
            while (fmt[i] && fmt[i] != '\'') {
                if (at >= n || s[at] != (uint8_t)fmt[i])
                    return false;
                at++;
                i++;
            }
            if (fmt[i])
                i++;
            continue;
        }
        if (!isalpha((unsigned char)c)) {
            for (size_t j = 0; j < run; j++, at++)
                if (at >= n || s[at] != (uint8_t)c)
                    return false;
            i += run;
            continue;
        }
        /* digits: exactly run of them when run >= 2 (yyyy: 4), else 1-2 */
        size_t maxd = c == 'y' ? (run == 2 ? 2 : 4) : c == 'S' ? run : 2;
        size_t mind = c == 'S' || run >= 2 ? maxd : 1;
        int64_t v = 0;
        size_t d = 0;
        while (d < maxd && at < n && isdigit(s[at])) {
            v = v * 10 + (s[at] - '0');
            at++;
            d++;
        }
        if (d < mind)
            return false;
        switch (c) {
        case 'y':
            t.y = run == 2 ? 2000 + v : v;
            break;
        case 'M':
            t.mo = (unsigned)v;
            break;
        case 'd':
            t.d = (unsigned)v;
            break;
        case 'H':
            t.h = (unsigned)v;
            break;
        case 'm':
            t.mi = (unsigned)v;
            break;
        case 's':
            t.s = (unsigned)v;
            break;
        case 'S':
            for (size_t k = d; k < 6; k++)
                v *= 10;
            t.us = v;
            break;
        default:
            return false;
        }
        i += run;
    }
    if (at != n || t.mo < 1 || t.mo > 12 || t.d < 1 || t.d > 31 || t.h > 23 ||
        t.mi > 59 || t.s > 59)
        return false;
    int64_t days = sl_days_from_civil(t.y, t.mo, t.d);
    int64_t y2;
    unsigned m2, d2;
    sl_civil_from_days(days, &y2, &m2, &d2);
    if (m2 != t.mo || d2 != t.d)
        return false; /* 2026-02-30 */
    *us = days * US_PER_DAY + (int64_t)t.h * 3600000000LL +
          (int64_t)t.mi * 60000000LL + (int64_t)t.s * 1000000LL + t.us;
    return true;
}

static int f_regexp(struct sl_expr *e, struct node *nd, size_t n)
{
    (void)e;
    struct vec *a = &nd->kid[0]->v, *v = &nd->v;
    bool ex = nd->fn == F_REGEXP_EXTRACT;
    uint32_t grp = ex ? (nd->nk == 3 ? (uint32_t)nd->kid[2]->lit_i : 1) : 0;
    memcpy(v->nn, a->nn, n);
    if (ex)
        sl__vec_str_begin(v);
    for (size_t i = 0; i < n; i++) {
        int m = 0;
        if (a->nn[i])
            m = pcre2_match(nd->re, a->p[i], (size_t)a->len[i], 0, 0, nd->md,
                            NULL);
        if (!ex) {
            v->b[i] = m > 0;
            continue;
        }
        const uint8_t *s = NULL;
        size_t len = 0;
        if (m > 0 && (int)grp < m) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(nd->md);
            if (ov[2 * grp] != PCRE2_UNSET) {
                s = a->p[i] + ov[2 * grp];
                len = ov[2 * grp + 1] - ov[2 * grp];
            }
        }
        int rc = sl__vec_str_put(v, i, s, len);
        if (rc)
            return rc;
    }
    if (ex)
        sl__vec_str_end(v, n);
    return 0;
}

static double round_half_away(double x, int64_t d)
{
    if (d > 300 || d < -300)
        return d > 0 ? x : 0.0;
    double p = d == 0 ? 1.0 : pow(10.0, (double)d);
    double y = x * p;
    if (!isfinite(y))
        return x;
    return round(y) / p;
}

static int64_t round_int(int64_t x, int64_t d)
{
    if (d >= 0)
        return x;
    if (d < -18)
        return 0;
    int64_t p = 1;
    for (int64_t k = 0; k < -d; k++)
        p *= 10;
    int64_t q = x / p, r = x % p;
    if (r >= p / 2 + (p % 2))
        q++;
    else if (-r >= p / 2 + (p % 2))
        q--;
    else if (p % 2 == 0 && (r == p / 2 || -r == p / 2))
        q += r > 0 ? 1 : -1;
    return q * p;
}

int sl__expr_eval_func(struct sl_expr *e, struct node *nd, size_t n)
{
    struct vec *v = &nd->v;
    struct vec *a = nd->nk ? &nd->kid[0]->v : NULL;
    int rc = 0;
    switch (nd->fn) {
    case F_LOWER:
    case F_UPPER:
        return f_case(nd, n, nd->fn == F_UPPER);
    case F_TRIM:
        memcpy(v->nn, a->nn, n);
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = a->p[i];
            int32_t len = a->nn[i] ? a->len[i] : 0;
            while (len &&
                   (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
                p++;
                len--;
            }
            while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
                           p[len - 1] == '\n' || p[len - 1] == '\r'))
                len--;
            v->p[i] = p;
            v->len[i] = len;
        }
        return 0;
    case F_LENGTH:
        memcpy(v->nn, a->nn, n);
        for (size_t i = 0; i < n; i++)
            v->i[i] =
                a->nn[i] ? (int64_t)utf8_len(a->p[i], (size_t)a->len[i]) : 0;
        return 0;
    case F_SUBSTR: {
        struct vec *pos = &nd->kid[1]->v,
                   *ln = nd->nk == 3 ? &nd->kid[2]->v : NULL;
        for (size_t i = 0; i < n; i++) {
            v->nn[i] = a->nn[i] & pos->nn[i] & (ln ? ln->nn[i] : 1);
            v->p[i] = a->p[i];
            v->len[i] = 0;
            if (!v->nn[i])
                continue;
            size_t chars = utf8_len(a->p[i], (size_t)a->len[i]);
            int64_t st = pos->i[i], cnt = ln ? ln->i[i] : INT64_MAX;
            int64_t from = st > 0 ? st - 1 : st == 0 ? 0 : (int64_t)chars + st;
            int64_t to;
            if (cnt < 0)
                to = from;
            else if (from > 0 && cnt > INT64_MAX - from)
                to = INT64_MAX;
            else
                to = from + cnt; /* from <= 0 or small: no overflow */
            if (from < 0)
                from = 0;
            if (to > (int64_t)chars)
                to = (int64_t)chars;
            if (to <= from)
                continue;
            size_t b0 = utf8_skip(a->p[i], (size_t)a->len[i], (size_t)from);
            size_t b1 = utf8_skip(a->p[i], (size_t)a->len[i], (size_t)to);
            v->p[i] = a->p[i] + b0;
            v->len[i] = (int32_t)(b1 - b0);
        }
        return 0;
    }
    case F_CONCAT:
        sl__vec_str_begin(v);
        for (size_t i = 0; i < n; i++) {
            v->nn[i] = 1;
            v->i[i] = (int64_t)v->sb.len;
            size_t len = 0;
            for (size_t k = 0; k < nd->nk; k++) {
                struct vec *x = &nd->kid[k]->v;
                if (!x->nn[i]) {
                    v->nn[i] = 0;
                    break;
                }
                if ((rc = sl_buf_append(&v->sb, x->p[i], (size_t)x->len[i])))
                    return rc;
                len += (size_t)x->len[i];
            }
            if (!v->nn[i]) {
                v->sb.len = (size_t)v->i[i];
                len = 0;
            }
            v->len[i] = (int32_t)len;
        }
        sl__vec_str_end(v, n);
        return 0;
    case F_COALESCE:
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k + 1 < nd->nk && !nd->kid[k]->v.nn[i])
                k++;
            struct vec *x = &nd->kid[k]->v;
            v->nn[i] = x->nn[i];
            v->b[i] = x->t == SL_BOOLEAN ? x->b[i] : 0;
            if (x->t == SL_DOUBLE)
                v->f[i] = x->f[i];
            else if (x->t == SL_STRING) {
                v->p[i] = x->p[i];
                v->len[i] = x->len[i];
            } else if (x->t != SL_BOOLEAN && x->t != SL_NULLTYPE)
                v->i[i] = x->i[i];
        }
        return 0;
    case F_NULLIF: {
        struct vec *b = &nd->kid[1]->v;
        uint8_t *eq = malloc(n ? n : 1);
        if (!eq)
            return SL_ENOMEM;
        /* equal when both not null and the values compare equal */
        for (size_t i = 0; i < n; i++) {
            bool same = false;
            if (a->nn[i] && b->nn[i]) {
                switch (a->t) {
                case SL_BOOLEAN:
                    same = a->b[i] == b->b[i];
                    break;
                case SL_DOUBLE:
                    same = a->f[i] == b->f[i];
                    break;
                case SL_STRING:
                    same = a->len[i] == b->len[i] &&
                           memcmp(a->p[i], b->p[i], (size_t)a->len[i]) == 0;
                    break;
                case SL_NULLTYPE:
                    break;
                default:
                    same = a->i[i] == b->i[i];
                    break;
                }
            }
            eq[i] = same;
        }
        for (size_t i = 0; i < n; i++) {
            v->nn[i] = a->nn[i] && !eq[i];
            if (a->t == SL_BOOLEAN)
                v->b[i] = a->b[i];
            else if (a->t == SL_DOUBLE)
                v->f[i] = a->f[i];
            else if (a->t == SL_STRING) {
                v->p[i] = a->p[i];
                v->len[i] = a->len[i];
            } else if (a->t != SL_NULLTYPE)
                v->i[i] = a->i[i];
        }
        free(eq);
        return 0;
    }
    case F_ABS:
        memcpy(v->nn, a->nn, n);
        for (size_t i = 0; i < n; i++) {
            if (v->t == SL_DOUBLE)
                v->f[i] = fabs(a->f[i]);
            else
                v->i[i] =
                    a->i[i] < 0 ? (int64_t)(0 - (uint64_t)a->i[i]) : a->i[i];
        }
        return 0;
    case F_ROUND: {
        int64_t d = nd->nk == 2 ? nd->kid[1]->lit_i : 0;
        memcpy(v->nn, a->nn, n);
        for (size_t i = 0; i < n; i++) {
            if (v->t == SL_DOUBLE)
                v->f[i] = round_half_away(a->f[i], d);
            else
                v->i[i] = round_int(a->i[i], d);
        }
        return 0;
    }
    case F_FLOOR:
    case F_CEIL:
        memcpy(v->nn, a->nn, n);
        for (size_t i = 0; i < n; i++) {
            if (a->t != SL_DOUBLE) {
                v->i[i] = a->i[i];
                continue;
            }
            double r = nd->fn == F_FLOOR ? floor(a->f[i]) : ceil(a->f[i]);
            if (r >= -9.2233720368547758e18 && r < 9.2233720368547758e18)
                v->i[i] = (int64_t)r;
            else
                v->nn[i] = 0;
        }
        return 0;
    case F_REGEXP_EXTRACT:
    case F_REGEXP_LIKE:
        return f_regexp(e, nd, n);
    case F_TO_TIMESTAMP:
        memcpy(v->nn, a->nn, n);
        for (size_t i = 0; i < n; i++) {
            if (!nd->fmt) {
                v->i[i] = a->i[i];
                continue;
            }
            if (a->nn[i] &&
                !dt_parse(nd->fmt, a->p[i], (size_t)a->len[i], &v->i[i])) {
                v->nn[i] = 0;
                e->failed++;
            }
        }
        return 0;
    case F_DATE_FORMAT: {
        memcpy(v->nn, a->nn, n);
        sl__vec_str_begin(v);
        for (size_t i = 0; i < n; i++) {
            char buf[256];
            int k = 0;
            if (a->nn[i]) {
                struct dt t;
                dt_from_us(a->i[i], &t);
                k = dt_format(&t, nd->fmt, buf, sizeof buf);
                if (k < 0) {
                    v->nn[i] = 0;
                    k = 0;
                }
            }
            if ((rc = sl__vec_str_put(v, i, buf, (size_t)k)))
                return rc;
        }
        sl__vec_str_end(v, n);
        return 0;
    }
    case F_YEAR:
    case F_MONTH:
    case F_DAY:
    case F_HOUR:
        memcpy(v->nn, a->nn, n);
        for (size_t i = 0; i < n; i++) {
            if (!a->nn[i]) {
                v->i[i] = 0;
                continue;
            }
            if (nd->fn == F_HOUR) { /* no calendar needed */
                int64_t rem = a->t == SL_DATE ? 0 : a->i[i] % US_PER_DAY;
                v->i[i] = (rem < 0 ? rem + US_PER_DAY : rem) / 3600000000LL;
                continue;
            }
            struct dt t = {0};
            if (a->t == SL_DATE)
                sl_civil_from_days(a->i[i], &t.y, &t.mo, &t.d);
            else
                dt_from_us(a->i[i], &t);
            v->i[i] = nd->fn == F_YEAR    ? t.y
                      : nd->fn == F_MONTH ? (int64_t)t.mo
                      : nd->fn == F_DAY   ? (int64_t)t.d
                                          : (int64_t)t.h;
        }
        return 0;
    case F_COUNT_:
        break;
    }
    return 0;
}

/* Check a date_format / to_timestamp pattern (used at type-check time). */
int sl__expr_check_dt_pattern(const char *fmt)
{
    struct dt t = {.y = 2000, .mo = 1, .d = 1};
    char buf[256];
    return dt_format(&t, fmt, buf, sizeof buf) < 0 ? SL_EINVAL : 0;
}
