/*
 * json_lex.c - the lexical half of the JSON decoder (json.c): strings
 * (UTF-8 checks, escapes, surrogate pairs), skipping a value without
 * building it, and error messages that name the byte offset and the field
 * path ("user.tags[2]").
 *
 * Strings are scanned eight bytes at a time with bit tricks that flag
 * '"', '\\', control bytes and non-ASCII bytes; only flagged bytes are
 * looked at one by one.
 */
#include <stdio.h>
#include <string.h>

#include "json_int.h"

/* ---- errors ---- */

void sl__json_path_text(const struct jp *j, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < j->plen && o + 1 < cap; i++) {
        const struct seg *g = &j->d->path[i];
        int w;
        if (g->idx >= 0)
            w = snprintf(out + o, cap - o, "[%lld]", (long long)g->idx);
        else
            w = snprintf(out + o, cap - o, "%s%.*s", o ? "." : "",
                         (int)(g->n > 200 ? 200 : g->n), g->s);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    if (o >= cap)
        out[cap - 1] = '\0';
}

int sl__json_syntax(struct jp *j, const uint8_t *at, const char *what)
{
    char path[512];
    sl__json_path_text(j, path, sizeof path);
    long long off = (long long)(at - j->base);
    return sl_error_set_at(j->err, SL_ECORRUPT, off, "%s at byte %lld%s%s",
                           what, off, path[0] ? " in field " : "", path);
}

/* A value that does not fit its column: `field "a.b": "abc" is not an
 * int at byte 30`. */
int sl__json_badval(struct jp *j, int code, const uint8_t *at,
                    const uint8_t *vend, const char *what)
{
    char path[512];
    sl__json_path_text(j, path, sizeof path);
    size_t n = (size_t)(vend - at);
    const char *more = "";
    if (n > SL_JSON_EXCERPT_MAX) {
        n = SL_JSON_EXCERPT_MAX;
        while (n > 0 && (at[n] & 0xc0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
        more = "...";
    }
    long long off = (long long)(at - j->base);
    return sl_error_set_at(j->err, code, off,
                           "field \"%s\": %.*s%s %s at byte %lld", path, (int)n,
                           (const char *)at, more, what, off);
}

int sl__json_colerr(struct jp *j, int rc)
{
    if (rc == SL_ELIMIT)
        return sl_error_set_at(j->err, rc, j->p - j->base,
                               "a column of the batch is full (2 GiB) at "
                               "byte %lld",
                               (long long)(j->p - j->base));
    return sl_error_set(j->err, rc ? rc : SL_ENOMEM,
                        "out of memory decoding JSON");
}

static const char *type_what(const struct sl_col *c, char *buf, size_t cap)
{
    switch (c->type) {
    case SL_INT:
        return "an int";
    case SL_ARRAY:
        return "an array";
    case SL_DECIMAL:
        snprintf(buf, cap, "a decimal(%u,%u)", c->precision, c->scale);
        return buf;
    case SL_DATE:
        return "a date (YYYY-MM-DD)";
    case SL_TIMESTAMP:
        return "a timestamp (ISO-8601 text or epoch seconds)";
    case SL_BINARY:
        return "base64 binary";
    case SL_MAP:
    case SL_STRUCT:
        return "an object";
    default:
        snprintf(buf, cap, "a %s", sl_type_name(c->type));
        return buf;
    }
}

int sl__json_not_a(struct jp *j, struct sl_col *c, const uint8_t *at,
                   const uint8_t *vend)
{
    char tb[48], what[96];
    snprintf(what, sizeof what, "is not %s", type_what(c, tb, sizeof tb));
    return sl__json_badval(j, SL_ETYPE, at, vend, what);
}

int sl__json_out_of_range(struct jp *j, struct sl_col *c, const uint8_t *at,
                          const uint8_t *vend)
{
    char tb[48], what[96];
    snprintf(what, sizeof what, "is out of range for %s",
             type_what(c, tb, sizeof tb));
    return sl__json_badval(j, SL_ETYPE, at, vend, what);
}

/* ---- lexing ---- */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t utf8_seq(const uint8_t *p, const uint8_t *e)
{
    uint8_t c = p[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if ((size_t)(e - p) < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero when any of the 8 bytes is '"', '\\', < 0x20 or >= 0x80. */
static inline uint64_t special8(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
    return (((q - ONES) & ~q) | ((b - ONES) & ~b) | (x - ONES * 0x20) | x) &
           HIGHS;
}

/* j->p is at an opening quote. Find the closing one, checking UTF-8 and
 * control characters; *esc says whether the contents hold escapes (checked
 * later by unescape). */
int sl__json_scan_string(struct jp *j, const uint8_t **s, size_t *n, bool *esc)
{
    const uint8_t *p = j->p + 1, *e = j->end;
    bool bs = false;
    for (;;) {
        /* Eight bytes at a time; the lowest flagged byte is exact (the
         * borrows of the bit tricks only flag bytes above a real hit). */
        while (e - p >= 8) {
            uint64_t x;
            memcpy(&x, p, 8);
            uint64_t m = special8(x);
            if (m) {
                p += __builtin_ctzll(m) >> 3;
                goto special;
            }
            p += 8;
        }
        while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        if (p >= e)
            return sl__json_syntax(j, j->p, "unterminated string");
    special:;
        uint8_t c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            bs = true;
            if (e - p < 2)
                return sl__json_syntax(j, j->p, "unterminated string");
            p += 2;
        } else if (c < 0x20) {
            return sl__json_syntax(j, p,
                                   "unescaped control character in a string");
        } else {
            size_t l = utf8_seq(p, e);
            if (!l)
                return sl__json_syntax(j, p, "invalid UTF-8 in a string");
            p += l;
        }
    }
    *s = j->p + 1;
    *n = (size_t)(p - *s);
    *esc = bs;
    j->p = p + 1;
    return 0;
}

static int hex4(const uint8_t *p, uint32_t *v)
{
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        r <<= 4;
        if (c >= '0' && c <= '9')
            r |= (uint32_t)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            r |= (uint32_t)((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    *v = r;
    return 0;
}

/* Decode the escapes of string contents s[0..n) into out (room for n
 * bytes; NULL only checks them). */
int sl__json_unescape(struct jp *j, const uint8_t *s, size_t n, uint8_t *out,
                      size_t *outn)
{
    const uint8_t *p = s, *e = s + n;
    size_t w = 0;
    while (p < e) {
        const uint8_t *run = p;
        p = memchr(p, '\\', (size_t)(e - p));
        if (!p)
            p = e;
        if (out)
            memcpy(out + w, run, (size_t)(p - run));
        w += (size_t)(p - run);
        if (p == e)
            break;
        uint8_t c = p[1], ch;
        switch (c) {
        case '"':
            ch = '"';
            break;
        case '\\':
            ch = '\\';
            break;
        case '/':
            ch = '/';
            break;
        case 'b':
            ch = '\b';
            break;
        case 'f':
            ch = '\f';
            break;
        case 'n':
            ch = '\n';
            break;
        case 'r':
            ch = '\r';
            break;
        case 't':
            ch = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (e - p < 6 || hex4(p + 2, &cp))
                return sl__json_syntax(j, p, "invalid \\u escape");
            size_t used = 6;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return sl__json_syntax(j, p,
                                       "lone low surrogate in a \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (e - p < 12 || p[6] != '\\' || p[7] != 'u' ||
                    hex4(p + 8, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    return sl__json_syntax(
                        j, p, "lone high surrogate in a \\u escape");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                used = 12;
            }
            uint8_t u[4];
            size_t k;
            if (cp < 0x80) {
                u[0] = (uint8_t)cp;
                k = 1;
            } else if (cp < 0x800) {
                u[0] = (uint8_t)(0xc0 | cp >> 6);
                u[1] = (uint8_t)(0x80 | (cp & 0x3f));
                k = 2;
            } else if (cp < 0x10000) {
                u[0] = (uint8_t)(0xe0 | cp >> 12);
                u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
                u[2] = (uint8_t)(0x80 | (cp & 0x3f));
                k = 3;
            } else {
                u[0] = (uint8_t)(0xf0 | cp >> 18);
                u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
                u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
                u[3] = (uint8_t)(0x80 | (cp & 0x3f));
                k = 4;
            }
            if (out)
                memcpy(out + w, u, k);
            w += k;
            p += used;
            continue;
        }
        default:
            return sl__json_syntax(j, p, "invalid escape in a string");
        }
        if (out)
            out[w] = ch;
        w++;
        p += 2;
    }
    *outn = w;
    return 0;
}

/* String contents as plain text: s itself, or unescaped into buf. */
int sl__json_text_of(struct jp *j, struct sl_buf *buf, const uint8_t **s,
                     size_t *n, bool esc)
{
    if (!esc)
        return 0;
    sl_buf_reset(buf);
    if (sl_buf_reserve(buf, *n + 1))
        return sl__json_colerr(j, SL_ENOMEM);
    int rc = sl__json_unescape(j, *s, *n, buf->data, &buf->len);
    if (rc)
        return rc;
    *s = buf->data;
    *n = buf->len;
    return 0;
}

int sl__json_scan_num(struct jp *j, struct sl_jnum *num)
{
    const uint8_t *bad;
    const char *what;
    const uint8_t *q = sl__json_scan_number(j->p, j->end, num, &bad, &what);
    if (!q)
        return sl__json_syntax(j, bad, what);
    j->p = q;
    return 0;
}

int sl__json_member_key(struct jp *j, const uint8_t **k, size_t *kn, bool *esc)
{
    if (j->p >= j->end || *j->p != '"')
        return sl__json_syntax(j, j->p,
                               "expected a field name in double quotes");
    int rc = sl__json_scan_string(j, k, kn, esc);
    return rc ? rc : colon(j);
}

/* Check a value without building anything. */
int sl__json_skip_value(struct jp *j)
{
    if (j->p >= j->end)
        return sl__json_syntax(j, j->p,
                               "unexpected end of the record, expected a "
                               "value");
    const uint8_t *s;
    size_t n, w;
    bool esc;
    int rc, more;
    struct sl_jnum num;
    switch (*j->p) {
    case '"':
        if ((rc = sl__json_scan_string(j, &s, &n, &esc)))
            return rc;
        return esc ? sl__json_unescape(j, s, n, NULL, &w) : 0;
    case '{':
        if ((rc = enter(j)))
            return rc;
        j->p++;
        skip_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            j->depth--;
            return 0;
        }
        do {
            if ((rc = sl__json_member_key(j, &s, &n, &esc)) ||
                (esc && (rc = sl__json_unescape(j, s, n, NULL, &w))))
                return rc;
            push(j, (const char *)s, n, -1);
            rc = sl__json_skip_value(j);
            j->plen--;
            if (rc)
                return rc;
        } while ((more = next_or_close(j, '}')) == 1);
        j->depth--;
        return more;
    case '[':
        if ((rc = enter(j)))
            return rc;
        j->p++;
        skip_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            j->depth--;
            return 0;
        }
        for (int64_t i = 0;; i++) {
            push(j, NULL, 0, i);
            rc = sl__json_skip_value(j);
            j->plen--;
            if (rc)
                return rc;
            if ((more = next_or_close(j, ']')) != 1)
                break;
        }
        j->depth--;
        return more;
    case 't':
        return literal(j, "true", 4);
    case 'f':
        return literal(j, "false", 5);
    case 'n':
        return literal(j, "null", 4);
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return sl__json_scan_num(j, &num);
        return sl__json_syntax(j, j->p,
                               "unexpected character, expected a value");
    }
}

int sl__json_too_deep(struct jp *j)
{
    char what[64];
    snprintf(what, sizeof what, "nested deeper than %u levels",
             j->d->max_depth);
    return sl__json_syntax(j, j->p, what);
}
