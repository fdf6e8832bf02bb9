/*
 * json_int.h - internals of the JSON decoder, shared by its files (not API):
 *   json.c      values into columns, the decoder part
 *   json_lex.c  strings, escapes, skipping, error messages with paths
 *   json_num.c  numbers, decimals, base64 (other text decoders, such as
 *               CSV, may use these for the same conversions)
 */
#ifndef SL_JSON_INT_H
#define SL_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "batch.h"
#include "buf.h"
#include "error.h"

/* A scanned JSON number. value = mant * 10^exp10 when `exact`. */
struct sl_jnum {
    const uint8_t *s; /* the number's text */
    size_t n;
    uint64_t mant; /* up to 19 significant digits */
    int32_t exp10;
    bool neg;
    bool exact;    /* mant holds every significant digit */
    bool is_int;   /* no fraction, no exponent */
    bool fits_i64; /* is_int and in int64 range; then i is the value */
    bool negzero;  /* the integer literal -0 (a double -0.0) */
    int64_t i;
};

/* Scan an RFC 8259 number at p (< end). Returns the end of its text, or
 * NULL with *bad_at and *what describing the first offending byte. */
const uint8_t *sl__json_scan_number(const uint8_t *p, const uint8_t *end,
                                    struct sl_jnum *num, const uint8_t **bad_at,
                                    const char **what);
/* The correctly rounded double of a scanned number; SL_ETYPE when its
 * magnitude overflows a double (1e400). */
int sl__json_num_double(const struct sl_jnum *num, double *out);
/* Exact decimal of text in JSON number form (a leading '+' allowed) at
 * scale `scale`, bounded by `precision` digits. SL_ETYPE when it is not a
 * number, would lose digits or does not fit. */
int sl__decimal_parse(const uint8_t *s, size_t n, unsigned precision,
                      unsigned scale, __int128 *out);
/* Standard base64 (padding optional) into out (room for n*3/4 bytes).
 * SL_ETYPE when s is not base64. */
int sl__base64_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *outn);

/* ---- parser state (json.c, json_lex.c) ---- */

#define SL_JSON_EXCERPT_MAX 40 /* bytes of a bad value quoted in messages */

struct seg {
    const char *s; /* field name (column name or raw key text) */
    size_t n;
    int64_t idx; /* array index, or -1 for a field */
};

struct jdec {
    bool detect;
    bool has_required; /* declared schema has non-nullable struct fields */
    unsigned max_depth;
    struct seg *path;  /* max_depth + 2 entries */
    struct sl_buf key; /* an unescaped key, a new column's name */
    struct sl_buf tmp; /* an unescaped string for conversion */
};

/* State of one decode call. */
struct jp {
    struct jdec *d;
    const uint8_t *base, *p, *end;
    unsigned depth, plen;
    struct sl_error *err;
};

/* The field path of the value being read ("a.b[2]"), for messages. */
void sl__json_path_text(const struct jp *j, char *out, size_t cap);
/* Error constructors: each fills j->err (offset, message with the path) and
 * returns the code. syntax: malformed JSON (SL_ECORRUPT); badval/not_a/
 * out_of_range: a value that does not fit its column (SL_ETYPE); colerr: a
 * column append failed (SL_ENOMEM, SL_ELIMIT). */
int sl__json_syntax(struct jp *j, const uint8_t *at, const char *what);
int sl__json_badval(struct jp *j, int code, const uint8_t *at,
                    const uint8_t *vend, const char *what);
int sl__json_colerr(struct jp *j, int rc);
int sl__json_not_a(struct jp *j, struct sl_col *c, const uint8_t *at,
                   const uint8_t *vend);
int sl__json_out_of_range(struct jp *j, struct sl_col *c, const uint8_t *at,
                          const uint8_t *vend);
/* j->p at an opening quote: find the closing one (UTF-8 and control bytes
 * checked), contents in *s and *n, *esc when they hold escapes (checked by
 * unescape, which writes at most n bytes to out, or only checks when out is
 * NULL). text_of: the unescaped text (in buf when esc). */
int sl__json_scan_string(struct jp *j, const uint8_t **s, size_t *n, bool *esc);
int sl__json_unescape(struct jp *j, const uint8_t *s, size_t n, uint8_t *out,
                      size_t *outn);
int sl__json_text_of(struct jp *j, struct sl_buf *buf, const uint8_t **s,
                     size_t *n, bool esc);
/* A number at j->p; `"key" :` at j->p; any value checked, not built. */
int sl__json_scan_num(struct jp *j, struct sl_jnum *num);
int sl__json_member_key(struct jp *j, const uint8_t **k, size_t *kn, bool *esc);
int sl__json_skip_value(struct jp *j);
int sl__json_too_deep(struct jp *j);

static inline void skip_ws(struct jp *j)
{
    const uint8_t *p = j->p, *e = j->end;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    j->p = p;
}

static inline int literal(struct jp *j, const char *word, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return sl__json_syntax(j, j->p,
                               "invalid literal (true, false or null)");
    j->p += n;
    return 0;
}

static inline int enter(struct jp *j)
{
    if (++j->depth > j->d->max_depth)
        return sl__json_too_deep(j);
    return 0;
}

/* After a member or element: ',' (more) -> 1, the closer -> 0. */
static inline int next_or_close(struct jp *j, uint8_t closer)
{
    skip_ws(j);
    if (j->p < j->end) {
        if (*j->p == ',') {
            j->p++;
            skip_ws(j);
            return 1;
        }
        if (*j->p == closer) {
            j->p++;
            return 0;
        }
    }
    return sl__json_syntax(j, j->p,
                           closer == '}' ? "expected ',' or '}' after a field"
                                         : "expected ',' or ']' after an "
                                           "element");
}

/* Parse `"key" :` with j->p at the quote; leaves j->p at the value. */
static inline int colon(struct jp *j)
{
    skip_ws(j);
    if (j->p >= j->end || *j->p != ':')
        return sl__json_syntax(j, j->p, "expected ':' after the field name");
    j->p++;
    skip_ws(j);
    return 0;
}

static inline void push(struct jp *j, const char *s, size_t n, int64_t idx)
{
    struct seg *g = &j->d->path[j->plen++];
    g->s = s;
    g->n = n;
    g->idx = idx;
}

#endif
