/*
 * json.c - the JSON input format: an RFC 8259 parser that writes straight
 * into the batch columns (DESIGN.md §4 decoder; no DOM, no library).
 *
 * One record (one decode call) is one JSON text: an object is one row, an
 * array gives one row per element (elements must be objects). Whitespace
 * alone gives no row.
 *
 * Two modes, chosen by the decoder context:
 *  - declared schema: each value converts to its column's type ("42" into
 *    an int, 42 into a string, ISO text into a timestamp...) or the record
 *    is bad; fields the schema does not name are skipped (validated, not
 *    built); a missing field or null is a null (bad when not nullable).
 *  - detected schema: objects become struct columns, arrays array columns;
 *    a new key adds a column (sl_col_add_child), a value of another type
 *    widens the column (sl_col_widen: int -> bigint -> double, otherwise
 *    string).
 *
 * Speed: strings are scanned eight bytes at a time and copied once (twice
 * when they hold escapes); object keys are matched first against the
 * column after the previous key's (records usually keep their key order),
 * then by a scan; numbers take an exact fast path before strtod. A batch
 * reused chunk after chunk reaches a state where decoding allocates
 * nothing.
 *
 * Errors carry the byte offset in the record and the field path
 * ("user.tags[2]"); a failing record is rolled back out of the batch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch.h"
#include "datetime.h"
#include "json_int.h"
#include "part.h"
#include "textval.h"

#define DEFAULT_MAX_DEPTH 64
#define MAX_MAX_DEPTH 1000
#define MAX_DETECTED_FIELDS 10000
#define STR_(x) #x
#define STR(x) STR_(x)

/* Bytes that stand for themselves inside a JSON string. */
static const uint8_t plain_byte[256] = {
    [0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0xff] = 1};

/* When the key at q (after its opening quote) is exactly `name` written
 * without escapes, return its length; else SIZE_MAX. A name holding bytes
 * that need escaping never matches here (the slow path decides). */
static inline size_t expect_name(const uint8_t *q, const uint8_t *e,
                                 const char *name)
{
    size_t i = 0;
    if (!name)
        return SIZE_MAX;
    /* The name's NUL (not plain) ends the loop as a mismatch would. */
    while (q + i < e && (uint8_t)name[i] == q[i] && plain_byte[q[i]])
        i++;
    return name[i] == '\0' && q + i < e && q[i] == '"' ? i : SIZE_MAX;
}

/* ---- values into columns ---- */

static int value(struct jp *j, struct sl_col *c);

static int append_str(struct jp *j, struct sl_col *c, const uint8_t *s,
                      size_t n, bool esc)
{
    int rc;
    if (!esc) {
        rc = sl_col_append_bytes(c, s, n);
        return rc ? sl__json_colerr(j, rc) : 0;
    }
    uint8_t *o = sl_col_bytes_begin(c, n);
    if (!o)
        return sl__json_colerr(j, SL_ENOMEM);
    size_t w;
    if ((rc = sl__json_unescape(j, s, n, o, &w)))
        return rc;
    rc = sl_col_bytes_end(c, w);
    return rc ? sl__json_colerr(j, rc) : 0;
}

/* Detection: make c hold values of kind `kind` too. */
static int widen_for(struct jp *j, struct sl_col *c, enum sl_type kind)
{
    enum sl_type t = sl_type_widen(c->type, kind);
    if (c->type != SL_NULLTYPE && c->type != kind &&
        (sl_type_is_nested(c->type) || sl_type_is_nested(kind)))
        t = SL_STRING;
    int rc = sl_col_widen(c, t, j->err);
    if (rc == SL_ENOMEM)
        return sl__json_colerr(j, rc);
    return rc;
}

/* Append the JSON text [s, e) to a string column without whitespace
 * outside strings (nested values kept as JSON text). */
static int append_raw(struct jp *j, struct sl_col *c, const uint8_t *s,
                      const uint8_t *e)
{
    uint8_t *o = sl_col_bytes_begin(c, (size_t)(e - s));
    if (!o)
        return sl__json_colerr(j, SL_ENOMEM);
    size_t w = 0;
    bool in_str = false;
    for (const uint8_t *p = s; p < e; p++) {
        uint8_t ch = *p;
        if (in_str) {
            if (ch == '\\') {
                o[w++] = ch;
                ch = *++p;
            } else if (ch == '"') {
                in_str = false;
            }
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') {
            continue;
        }
        o[w++] = ch;
    }
    int rc = sl_col_bytes_end(c, w);
    return rc ? sl__json_colerr(j, rc) : 0;
}

/* The outcome of a shared conversion (textval.h) as this decoder's error,
 * with the field path. */
static int conv_rc(struct jp *j, struct sl_col *c, int rc, const uint8_t *at,
                   const uint8_t *vend)
{
    if (rc == SL_CONV_NOT_A)
        return sl__json_not_a(j, c, at, vend);
    if (rc == SL_CONV_RANGE)
        return sl__json_out_of_range(j, c, at, vend);
    return rc ? sl__json_colerr(j, rc) : 0;
}

/* Declared schema: the text of a JSON string into a non-string column. */
static int text_into(struct jp *j, struct sl_col *c, const uint8_t *s, size_t n,
                     const uint8_t *at, const uint8_t *vend)
{
    return conv_rc(j, c, sl__conv_text(c, s, n), at, vend);
}

static int v_string(struct jp *j, struct sl_col *c)
{
    const uint8_t *at = j->p, *s;
    size_t n;
    bool esc;
    int rc = sl__json_scan_string(j, &s, &n, &esc);
    if (rc)
        return rc;
    if (c->type == SL_STRING)
        return append_str(j, c, s, n, esc);
    if (j->d->detect) {
        /* Check the escapes first: a bad string widens nothing. */
        size_t w;
        if ((esc && (rc = sl__json_unescape(j, s, n, NULL, &w))) ||
            (rc = widen_for(j, c, SL_STRING)))
            return rc;
        return append_str(j, c, s, n, esc);
    }
    if ((rc = sl__json_text_of(j, &j->d->tmp, &s, &n, esc)))
        return rc;
    return text_into(j, c, s, n, at, j->p);
}

static int num_into(struct jp *j, struct sl_col *c, const struct sl_jnum *num,
                    const uint8_t *at, const uint8_t *vend)
{
    if (j->d->detect && !sl__conv_num_fits(c, num)) {
        enum sl_type kind = SL_DOUBLE;
        if (num->fits_i64 && !num->negzero)
            kind =
                num->i >= INT32_MIN && num->i <= INT32_MAX ? SL_INT : SL_BIGINT;
        int rc = widen_for(j, c, kind);
        if (rc)
            return rc;
    }
    return conv_rc(j, c, sl__conv_num(c, num), at, vend);
}

static int v_bool(struct jp *j, struct sl_col *c, bool v, const uint8_t *at)
{
    int rc;
    if (c->type == SL_BOOLEAN) {
        rc = sl_col_append_bool(c, v);
    } else if (c->type == SL_STRING) {
        rc = v ? sl_col_append_bytes(c, "true", 4)
               : sl_col_append_bytes(c, "false", 5);
    } else if (j->d->detect) {
        if ((rc = widen_for(j, c, SL_BOOLEAN)))
            return rc;
        return v_bool(j, c, v, at);
    } else if (c->type == SL_NULLTYPE) {
        rc = sl_col_append_null(c);
    } else {
        return sl__json_not_a(j, c, at, j->p);
    }
    return rc ? sl__json_colerr(j, rc) : 0;
}

static int object_struct(struct jp *j, struct sl_col *c);
static int object_map(struct jp *j, struct sl_col *c);
static int array_into(struct jp *j, struct sl_col *c);

/* An object or array value for a column that is not struct/map/array. */
static int nested_other(struct jp *j, struct sl_col *c, enum sl_type kind)
{
    const uint8_t *at = j->p;
    int rc;
    if (j->d->detect && c->type == SL_NULLTYPE) {
        if ((rc = widen_for(j, c, kind)))
            return rc;
        return kind == SL_STRUCT ? object_struct(j, c) : array_into(j, c);
    }
    if ((rc = sl__json_skip_value(j)))
        return rc;
    if (c->type != SL_STRING && j->d->detect && (rc = widen_for(j, c, kind)))
        return rc;
    if (c->type == SL_STRING)
        return append_raw(j, c, at, j->p);
    if (c->type == SL_NULLTYPE) {
        rc = sl_col_append_null(c);
        return rc ? sl__json_colerr(j, rc) : 0;
    }
    return sl__json_not_a(j, c, at, j->p);
}

static int value(struct jp *j, struct sl_col *c)
{
    const uint8_t *at = j->p;
    int rc;
    if (at >= j->end)
        return sl__json_syntax(
            j, at, "unexpected end of the record, expected a value");
    switch (*at) {
    case '"':
        return v_string(j, c);
    case '{':
        if (c->type == SL_STRUCT)
            return object_struct(j, c);
        if (c->type == SL_MAP)
            return object_map(j, c);
        return nested_other(j, c, SL_STRUCT);
    case '[':
        if (c->type == SL_ARRAY)
            return array_into(j, c);
        return nested_other(j, c, SL_ARRAY);
    case 't':
        if ((rc = literal(j, "true", 4)))
            return rc;
        return v_bool(j, c, true, at);
    case 'f':
        if ((rc = literal(j, "false", 5)))
            return rc;
        return v_bool(j, c, false, at);
    case 'n':
        if ((rc = literal(j, "null", 4)))
            return rc;
        if (!c->nullable && !j->d->detect)
            return sl__json_badval(j, SL_ETYPE, at, j->p,
                                   "is not allowed: the field is not nullable");
        rc = sl_col_append_null(c);
        return rc ? sl__json_colerr(j, rc) : 0;
    default:
        if (*at == '-' || (*at >= '0' && *at <= '9')) {
            struct sl_jnum num;
            if ((rc = sl__json_scan_num(j, &num)))
                return rc;
            return num_into(j, c, &num, at, j->p);
        }
        return sl__json_syntax(j, at, "unexpected character, expected a value");
    }
}

/* Does column name `name` equal key[0..n)? (Keys may hold NUL bytes.) */
static inline bool name_eq(const char *name, const uint8_t *key, size_t n)
{
    if (!name)
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '\0' || (uint8_t)name[i] != key[i])
            return false;
    return name[n] == '\0';
}

static int64_t find_child(const struct sl_col *c, const uint8_t *key, size_t n,
                          uint32_t hint)
{
    if (hint < c->n_child && name_eq(c->child[hint].name, key, n))
        return hint;
    for (uint32_t i = 0; i < c->n_child; i++)
        if (i != hint && name_eq(c->child[i].name, key, n))
            return i;
    return -1;
}

/* A missing field of a declared struct that is not nullable. */
static int check_required(struct jp *j, struct sl_col *c, size_t slot,
                          const uint8_t *at)
{
    for (uint32_t i = 0; i < c->n_child; i++) {
        struct sl_col *ch = &c->child[i];
        if (!ch->nullable && ch->len == slot) {
            char path[512];
            push(j, ch->name, strlen(ch->name), -1);
            sl__json_path_text(j, path, sizeof path);
            j->plen--;
            long long off = (long long)(at - j->base);
            return sl_error_set_at(j->err, SL_ETYPE, off,
                                   "field \"%s\" is missing and is not "
                                   "nullable (object at byte %lld)",
                                   path, off);
        }
    }
    return 0;
}

static int new_child(struct jp *j, struct sl_col *c, const uint8_t *k,
                     size_t kn, const uint8_t *kat, struct sl_col **out)
{
    struct sl_buf *kb = &j->d->key;
    if (memchr(k, 0, kn))
        return sl__json_syntax(j, kat, "field name holds \\u0000");
    if (c->n_child >= MAX_DETECTED_FIELDS) {
        /* Field lookup is a scan, so a record with a huge number of keys
         * would cost quadratic time; no real schema is that wide. */
        sl__json_syntax(
            j, kat,
            "more than " STR(MAX_DETECTED_FIELDS) " fields in one object");
        if (j->err)
            j->err->code = SL_ELIMIT;
        return SL_ELIMIT;
    }
    if ((const uint8_t *)kb->data != k) {
        sl_buf_reset(kb);
        if (sl_buf_append(kb, k, kn))
            return sl__json_colerr(j, SL_ENOMEM);
    }
    kb->len = kn;
    if (sl_buf_cstr(kb))
        return sl__json_colerr(j, SL_ENOMEM);
    struct sl_field f = {
        .name = (char *)kb->data, .type = SL_NULLTYPE, .nullable = true};
    *out = sl_col_add_child(c, &f, NULL);
    return *out ? 0 : sl__json_colerr(j, SL_ENOMEM);
}

static int object_struct(struct jp *j, struct sl_col *c)
{
    const uint8_t *open = j->p;
    int rc = enter(j), more;
    if (rc)
        return rc;
    j->p++;
    skip_ws(j);
    size_t slot = c->len;
    uint32_t hint = 0;
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        goto done;
    }
    do {
        const uint8_t *kat = j->p, *k = j->p + 1, *raw = k;
        size_t kn, rawn = 0;
        bool esc;
        int64_t idx = -1;
        /* Fast path: the key is the name of the column after the previous
         * key's, as written by the same producer. */
        if (hint < c->n_child &&
            (kn = expect_name(k, j->end, c->child[hint].name)) != SIZE_MAX) {
            idx = hint;
            j->p = k + kn + 1;
            if ((rc = colon(j)))
                return rc;
        } else {
            if ((rc = sl__json_member_key(j, &k, &kn, &esc)))
                return rc;
            raw = k;
            rawn = kn;
            if (esc && (rc = sl__json_text_of(j, &j->d->key, &k, &kn, true)))
                return rc;
            idx = find_child(c, k, kn, hint);
        }
        struct sl_col *ch = NULL;
        if (idx >= 0) {
            ch = &c->child[idx];
            hint = (uint32_t)idx + 1;
            if (ch->len > slot)
                sl_col_truncate(ch, slot); /* repeated key: last wins */
        } else if (j->d->detect) {
            if ((rc = new_child(j, c, k, kn, kat, &ch)))
                return rc;
            hint = c->n_child;
        }
        if (ch) {
            push(j, ch->name, kn, -1);
            rc = value(j, ch);
        } else {
            push(j, (const char *)raw, rawn, -1);
            rc = sl__json_skip_value(j);
        }
        j->plen--;
        if (rc)
            return rc;
    } while ((more = next_or_close(j, '}')) == 1);
    if (more)
        return more;
done:
    if (j->d->has_required && (rc = check_required(j, c, slot, open)))
        return rc;
    j->depth--;
    rc = sl_col_struct_end(c);
    return rc ? sl__json_colerr(j, rc) : 0;
}

static int object_map(struct jp *j, struct sl_col *c)
{
    int rc = enter(j), more;
    if (rc)
        return rc;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        goto done;
    }
    do {
        const uint8_t *kat = j->p, *k;
        size_t kn;
        bool esc;
        if ((rc = sl__json_member_key(j, &k, &kn, &esc)))
            return rc;
        push(j, (const char *)k, kn, -1);
        if (c->child[0].type == SL_STRING) {
            rc = append_str(j, &c->child[0], k, kn, esc);
        } else {
            const uint8_t *kend = k + kn + 1;
            rc = sl__json_text_of(j, &j->d->key, &k, &kn, esc);
            if (!rc)
                rc = text_into(j, &c->child[0], k, kn, kat, kend);
        }
        if (!rc)
            rc = value(j, &c->child[1]);
        j->plen--;
        if (rc)
            return rc;
    } while ((more = next_or_close(j, '}')) == 1);
    if (more)
        return more;
done:
    j->depth--;
    rc = sl_col_list_end(c);
    return rc ? sl__json_colerr(j, rc) : 0;
}

static int array_into(struct jp *j, struct sl_col *c)
{
    int rc = enter(j), more = 0;
    if (rc)
        return rc;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
    } else {
        for (int64_t i = 0;; i++) {
            push(j, NULL, 0, i);
            rc = value(j, &c->child[0]);
            j->plen--;
            if (rc)
                return rc;
            if ((more = next_or_close(j, ']')) != 1)
                break;
        }
        if (more)
            return more;
    }
    j->depth--;
    rc = sl_col_list_end(c);
    return rc ? sl__json_colerr(j, rc) : 0;
}

/* ---- the decoder part ---- */

static int top_array(struct jp *j, struct sl_col *root)
{
    int rc = enter(j), more;
    if (rc)
        return rc;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return 0;
    }
    for (int64_t i = 0;; i++) {
        push(j, NULL, 0, i);
        if (j->p < j->end && *j->p == '{') {
            rc = object_struct(j, root);
        } else {
            const uint8_t *at = j->p;
            rc = sl__json_skip_value(j);
            if (!rc)
                rc = sl__json_syntax(j, at,
                                     "a top-level array element is not an "
                                     "object");
        }
        j->plen--;
        if (rc)
            return rc;
        if ((more = next_or_close(j, ']')) != 1)
            return more;
    }
}

static int json_decode(void *st, const uint8_t *p, size_t n, struct sl_batch *b,
                       struct sl_error *err)
{
    struct jp j = {.d = st, .base = p, .p = p, .end = p + n, .err = err};
    size_t rows = sl_batch_rows(b);
    skip_ws(&j);
    if (j.p == j.end)
        return 0;
    int rc;
    if (*j.p == '{') {
        rc = object_struct(&j, &b->root);
    } else if (*j.p == '[') {
        rc = top_array(&j, &b->root);
    } else {
        rc = sl__json_skip_value(&j);
        if (!rc)
            rc = sl__json_syntax(&j, p,
                                 "the record is not a JSON object or array");
    }
    if (!rc) {
        skip_ws(&j);
        if (j.p != j.end)
            rc = sl__json_syntax(&j, j.p,
                                 "unexpected text after the JSON value");
    }
    if (rc)
        sl_batch_rollback(b, rows);
    return rc;
}

static bool any_required(const struct sl_field *f)
{
    for (uint32_t i = 0; i < f->n_children; i++) {
        const struct sl_field *ch = &f->children[i];
        if ((f->type == SL_STRUCT && !ch->nullable) || any_required(ch))
            return true;
    }
    return false;
}

static int json_create(const struct sl_decoder_ctx *ctx, void **st,
                       struct sl_error *err)
{
    struct jdec *d = calloc(1, sizeof *d);
    if (!d)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    d->detect = ctx->schema == NULL;
    d->has_required = ctx->schema && any_required(ctx->schema);
    size_t md = ctx->max_depth ? ctx->max_depth : DEFAULT_MAX_DEPTH;
    d->max_depth = (unsigned)(md > MAX_MAX_DEPTH ? MAX_MAX_DEPTH : md);
    sl_buf_init(&d->key, 1u << 30);
    sl_buf_init(&d->tmp, 1u << 30);
    d->path = calloc(d->max_depth + 2, sizeof *d->path);
    if (!d->path) {
        free(d);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    *st = d;
    return 0;
}

static void json_destroy(void *st)
{
    struct jdec *d = st;
    if (!d)
        return;
    sl_buf_free(&d->key);
    sl_buf_free(&d->tmp);
    free(d->path);
    free(d);
}

const struct sl_decoder_ops sl_decoder_json = {
    .name = "json",
    .summary = "one JSON object per record (a top-level array gives one row "
               "per element)",
    .options = NULL,
    .create = json_create,
    .frame = NULL,
    .decode = json_decode,
    .destroy = json_destroy,
};
