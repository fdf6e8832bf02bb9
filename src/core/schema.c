/*
 * schema.c - the type tree: Hive/Glue spellings, copy/compare, widening.
 *
 * A schema is an SL_STRUCT field whose children are the top-level columns
 * (DESIGN.md §3). Job files and catalogs spell types the Hive way; this file
 * parses and prints those spellings and implements the widening rules that
 * schema detection uses: a new field is appended in first-seen order,
 * int -> bigint -> double, float -> double, anything else mixed -> string.
 *
 * The parser is a small recursive-descent one over the text; its depth is
 * capped (PARSE_MAX_DEPTH) so a hostile type string cannot blow the stack.
 */
#include "schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PARSE_MAX_DEPTH 100
#define DECIMAL_MAX_PRECISION 38

static const char *const type_names[] = {
    [SL_NULLTYPE] = "void",
    [SL_BOOLEAN] = "boolean",
    [SL_INT] = "int",
    [SL_BIGINT] = "bigint",
    [SL_FLOAT] = "float",
    [SL_DOUBLE] = "double",
    [SL_DECIMAL] = "decimal",
    [SL_STRING] = "string",
    [SL_BINARY] = "binary",
    [SL_DATE] = "date",
    [SL_TIMESTAMP] = "timestamp",
    [SL_ARRAY] = "array",
    [SL_MAP] = "map",
    [SL_STRUCT] = "struct",
};

const char *sl_type_name(enum sl_type t)
{
    if ((unsigned)t < sizeof type_names / sizeof type_names[0])
        return type_names[t];
    return "unknown";
}

size_t sl_type_width(enum sl_type t)
{
    switch (t) {
    case SL_BOOLEAN:
        return 1;
    case SL_INT:
    case SL_DATE:
    case SL_FLOAT:
        return 4;
    case SL_BIGINT:
    case SL_TIMESTAMP:
    case SL_DOUBLE:
        return 8;
    case SL_DECIMAL:
        return 16;
    default:
        return 0;
    }
}

/* ---- parsing ---- */

struct parser {
    const char *text;
    size_t pos;
    int depth;
    struct sl_error *err;
};

static void skip_ws(struct parser *ps)
{
    while (ps->text[ps->pos] == ' ' || ps->text[ps->pos] == '\t' ||
           ps->text[ps->pos] == '\n' || ps->text[ps->pos] == '\r')
        ps->pos++;
}

static int fail(struct parser *ps, const char *expected)
{
    char c = ps->text[ps->pos];
    if (c == '\0')
        return sl_error_set(ps->err, SL_EINVAL,
                            "type \"%s\": expected %s at character %zu, "
                            "found the end of the text",
                            ps->text, expected, ps->pos + 1);
    return sl_error_set(ps->err, SL_EINVAL,
                        "type \"%s\": expected %s at character %zu, "
                        "found '%c'",
                        ps->text, expected, ps->pos + 1,
                        isprint((unsigned char)c) ? c : '?');
}

static bool expect(struct parser *ps, char c)
{
    skip_ws(ps);
    if (ps->text[ps->pos] != c)
        return false;
    ps->pos++;
    return true;
}

static bool is_ident(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* A bare word [A-Za-z0-9_]+ starting at ps->pos; returns its length. */
static size_t word(struct parser *ps)
{
    skip_ws(ps);
    size_t n = 0;
    while (is_ident(ps->text[ps->pos + n]))
        n++;
    return n;
}

/* Unsigned decimal number for decimal(p,s) and varchar(n). */
static int number(struct parser *ps, unsigned *out)
{
    skip_ws(ps);
    unsigned v = 0;
    size_t start = ps->pos;
    while (isdigit((unsigned char)ps->text[ps->pos])) {
        if (v > 100000000u)
            return fail(ps, "a smaller number");
        v = v * 10 + (unsigned)(ps->text[ps->pos] - '0');
        ps->pos++;
    }
    if (ps->pos == start)
        return fail(ps, "a number");
    *out = v;
    return 0;
}

/* Field name: bare word or `backticked` (`` is a literal backtick). */
static int field_name(struct parser *ps, char **out)
{
    skip_ws(ps);
    if (ps->text[ps->pos] != '`') {
        size_t n = word(ps);
        if (n == 0)
            return fail(ps, "a field name");
        *out = strndup(ps->text + ps->pos, n);
        if (!*out)
            return SL_ENOMEM;
        ps->pos += n;
        return 0;
    }
    size_t start = ps->pos;
    ps->pos++;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    for (;;) {
        char c = ps->text[ps->pos];
        if (c == '\0') {
            sl_buf_free(&b);
            ps->pos = start;
            return fail(ps, "a closing backtick for this name");
        }
        ps->pos++;
        if (c == '`') {
            if (ps->text[ps->pos] != '`')
                break;
            ps->pos++;
        }
        if (sl_buf_putc(&b, c)) {
            sl_buf_free(&b);
            return SL_ENOMEM;
        }
    }
    if (sl_buf_cstr(&b)) {
        sl_buf_free(&b);
        return SL_ENOMEM;
    }
    *out = (char *)b.data;
    return 0;
}

static int parse_type(struct parser *ps, struct sl_field *out);

static int add_child(struct sl_field *f, struct sl_field **child)
{
    struct sl_field *v =
        realloc(f->children, (f->n_children + 1) * sizeof *f->children);
    if (!v)
        return SL_ENOMEM;
    f->children = v;
    *child = &v[f->n_children++];
    memset(*child, 0, sizeof **child);
    (*child)->nullable = true;
    return 0;
}

static int parse_struct_body(struct parser *ps, struct sl_field *out)
{
    if (expect(ps, '>'))
        return 0; /* struct<> */
    for (;;) {
        struct sl_field *ch;
        if (add_child(out, &ch))
            return SL_ENOMEM;
        int rc = field_name(ps, &ch->name);
        if (rc)
            return rc;
        for (uint32_t i = 0; i + 1 < out->n_children; i++)
            if (strcmp(out->children[i].name, ch->name) == 0)
                return sl_error_set(ps->err, SL_EINVAL,
                                    "type \"%s\": field name \"%s\" "
                                    "repeated before character %zu",
                                    ps->text, ch->name, ps->pos + 1);
        if (!expect(ps, ':'))
            return fail(ps, "':' after the field name");
        rc = parse_type(ps, ch);
        if (rc)
            return rc;
        if (expect(ps, '>'))
            return 0;
        if (!expect(ps, ','))
            return fail(ps, "',' or '>'");
    }
}

static int parse_type_inner(struct parser *ps, struct sl_field *out)
{
    size_t n = word(ps);
    const char *w = ps->text + ps->pos;
    if (n == 0)
        return fail(ps, "a type name");
    static const struct {
        const char *name;
        enum sl_type t;
    } simple[] = {
        {"boolean", SL_BOOLEAN}, {"bool", SL_BOOLEAN},
        {"int", SL_INT},         {"integer", SL_INT},
        {"tinyint", SL_INT},     {"smallint", SL_INT},
        {"bigint", SL_BIGINT},   {"long", SL_BIGINT},
        {"float", SL_FLOAT},     {"double", SL_DOUBLE},
        {"string", SL_STRING},   {"binary", SL_BINARY},
        {"date", SL_DATE},       {"timestamp", SL_TIMESTAMP},
        {"void", SL_NULLTYPE},   {"decimal", SL_DECIMAL},
        {"varchar", SL_STRING},  {"char", SL_STRING},
        {"array", SL_ARRAY},     {"map", SL_MAP},
        {"struct", SL_STRUCT},
    };
    size_t k;
    for (k = 0; k < sizeof simple / sizeof simple[0]; k++)
        if (strlen(simple[k].name) == n &&
            strncasecmp(simple[k].name, w, n) == 0)
            break;
    if (k == sizeof simple / sizeof simple[0])
        return fail(ps, "a type name (boolean, int, bigint, float, double, "
                        "decimal, string, binary, date, timestamp, array, "
                        "map, struct)");
    bool is_char =
        strncasecmp(w, "char", n) == 0 || strncasecmp(w, "varchar", n) == 0;
    ps->pos += n;
    out->type = simple[k].t;
    int rc;
    switch (out->type) {
    case SL_DECIMAL:
        out->precision = 10;
        out->scale = 0;
        if (expect(ps, '(')) {
            unsigned p, s = 0;
            size_t at = ps->pos;
            if ((rc = number(ps, &p)))
                return rc;
            if (p < 1 || p > DECIMAL_MAX_PRECISION) {
                ps->pos = at;
                skip_ws(ps);
                return fail(ps, "a precision from 1 to 38");
            }
            if (expect(ps, ',')) {
                at = ps->pos;
                if ((rc = number(ps, &s)))
                    return rc;
                if (s > p) {
                    ps->pos = at;
                    skip_ws(ps);
                    return fail(ps, "a scale no larger than the precision");
                }
            }
            if (!expect(ps, ')'))
                return fail(ps, "')'");
            out->precision = (uint8_t)p;
            out->scale = (uint8_t)s;
        }
        return 0;
    case SL_STRING:
        if (is_char && expect(ps, '(')) {
            unsigned len;
            if ((rc = number(ps, &len)))
                return rc;
            if (!expect(ps, ')'))
                return fail(ps, "')'");
        }
        return 0;
    case SL_ARRAY: {
        if (!expect(ps, '<'))
            return fail(ps, "'<' after array");
        struct sl_field *el;
        if (add_child(out, &el))
            return SL_ENOMEM;
        if ((rc = parse_type(ps, el)))
            return rc;
        if (!expect(ps, '>'))
            return fail(ps, "'>'");
        return 0;
    }
    case SL_MAP: {
        if (!expect(ps, '<'))
            return fail(ps, "'<' after map");
        struct sl_field *ch;
        if (add_child(out, &ch))
            return SL_ENOMEM;
        ch->nullable = false; /* map keys are never null */
        if ((rc = parse_type(ps, ch)))
            return rc;
        if (!expect(ps, ','))
            return fail(ps, "',' between the key and value types");
        if (add_child(out, &ch))
            return SL_ENOMEM;
        if ((rc = parse_type(ps, ch)))
            return rc;
        if (!expect(ps, '>'))
            return fail(ps, "'>'");
        return 0;
    }
    case SL_STRUCT:
        if (!expect(ps, '<'))
            return fail(ps, "'<' after struct");
        return parse_struct_body(ps, out);
    default:
        return 0;
    }
}

static int parse_type(struct parser *ps, struct sl_field *out)
{
    if (++ps->depth > PARSE_MAX_DEPTH)
        return sl_error_set(ps->err, SL_ELIMIT,
                            "type \"%.200s\": nested deeper than %d levels "
                            "at character %zu",
                            ps->text, PARSE_MAX_DEPTH, ps->pos + 1);
    int rc = parse_type_inner(ps, out);
    ps->depth--;
    return rc;
}

int sl_type_parse(const char *text, struct sl_field *out, struct sl_error *err)
{
    memset(out, 0, sizeof *out);
    out->nullable = true;
    struct parser ps = {.text = text, .pos = 0, .depth = 0, .err = err};
    int rc = parse_type(&ps, out);
    if (rc == 0) {
        skip_ws(&ps);
        if (text[ps.pos] != '\0')
            rc = fail(&ps, "the end of the type");
    }
    if (rc) {
        if (rc == SL_ENOMEM)
            sl_error_set(err, rc, "type \"%.200s\": out of memory", text);
        sl_field_free(out);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

/* ---- formatting ---- */

static bool name_is_plain(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_ident(*s))
            return false;
    return true;
}

static int format_name(const char *name, struct sl_buf *b)
{
    if (name_is_plain(name))
        return sl_buf_puts(b, name);
    int rc = sl_buf_putc(b, '`');
    for (const char *s = name; *s && !rc; s++) {
        if (*s == '`')
            rc = sl_buf_putc(b, '`');
        if (!rc)
            rc = sl_buf_putc(b, *s);
    }
    return rc ? rc : sl_buf_putc(b, '`');
}

int sl_type_format(const struct sl_field *f, struct sl_buf *b)
{
    int rc;
    switch (f->type) {
    case SL_DECIMAL:
        return sl_buf_appendf(b, "decimal(%u,%u)", f->precision, f->scale);
    case SL_ARRAY:
        if ((rc = sl_buf_puts(b, "array<")))
            return rc;
        if (f->n_children >= 1 && (rc = sl_type_format(&f->children[0], b)))
            return rc;
        return sl_buf_putc(b, '>');
    case SL_MAP:
        if ((rc = sl_buf_puts(b, "map<")))
            return rc;
        if (f->n_children >= 2) {
            if ((rc = sl_type_format(&f->children[0], b)) ||
                (rc = sl_buf_putc(b, ',')) ||
                (rc = sl_type_format(&f->children[1], b)))
                return rc;
        }
        return sl_buf_putc(b, '>');
    case SL_STRUCT:
        if ((rc = sl_buf_puts(b, "struct<")))
            return rc;
        for (uint32_t i = 0; i < f->n_children; i++) {
            const struct sl_field *ch = &f->children[i];
            if ((i && (rc = sl_buf_putc(b, ','))) ||
                (rc = format_name(ch->name ? ch->name : "", b)) ||
                (rc = sl_buf_putc(b, ':')) || (rc = sl_type_format(ch, b)))
                return rc;
        }
        return sl_buf_putc(b, '>');
    default:
        return sl_buf_puts(b, sl_type_name(f->type));
    }
}

/* ---- copy, free, compare ---- */

int sl_field_copy(struct sl_field *dst, const struct sl_field *src)
{
    *dst = *src;
    dst->name = NULL;
    dst->children = NULL;
    dst->n_children = 0;
    if (src->name && !(dst->name = strdup(src->name)))
        return SL_ENOMEM;
    if (src->n_children) {
        dst->children = calloc(src->n_children, sizeof *dst->children);
        if (!dst->children)
            goto oom;
        for (uint32_t i = 0; i < src->n_children; i++) {
            dst->n_children = i + 1;
            if (sl_field_copy(&dst->children[i], &src->children[i]))
                goto oom;
        }
    }
    return 0;
oom:
    sl_field_free(dst);
    return SL_ENOMEM;
}

void sl_field_free(struct sl_field *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; i < f->n_children; i++)
        sl_field_free(&f->children[i]);
    free(f->children);
    free(f->name);
    f->children = NULL;
    f->n_children = 0;
    f->name = NULL;
}

bool sl_field_equal(const struct sl_field *a, const struct sl_field *b)
{
    if (a->type != b->type || a->nullable != b->nullable ||
        a->n_children != b->n_children)
        return false;
    if (a->type == SL_DECIMAL &&
        (a->precision != b->precision || a->scale != b->scale))
        return false;
    if ((a->name == NULL) != (b->name == NULL) ||
        (a->name && strcmp(a->name, b->name) != 0))
        return false;
    for (uint32_t i = 0; i < a->n_children; i++)
        if (!sl_field_equal(&a->children[i], &b->children[i]))
            return false;
    return true;
}

const struct sl_field *sl_field_child(const struct sl_field *f,
                                      const char *name)
{
    if (f->type != SL_STRUCT)
        return NULL;
    for (uint32_t i = 0; i < f->n_children; i++)
        if (f->children[i].name && strcmp(f->children[i].name, name) == 0)
            return &f->children[i];
    return NULL;
}

/* ---- widening ---- */

static bool is_numeric(enum sl_type t)
{
    return t == SL_INT || t == SL_BIGINT || t == SL_FLOAT || t == SL_DOUBLE;
}

enum sl_type sl_type_widen(enum sl_type a, enum sl_type b)
{
    if (a == b)
        return a;
    if (a == SL_NULLTYPE)
        return b;
    if (b == SL_NULLTYPE)
        return a;
    if (is_numeric(a) && is_numeric(b)) {
        if ((a == SL_INT && b == SL_BIGINT) || (a == SL_BIGINT && b == SL_INT))
            return SL_BIGINT;
        return SL_DOUBLE;
    }
    return SL_STRING;
}

/* Make dst a scalar of type t, dropping children. */
static void become_scalar(struct sl_field *dst, enum sl_type t)
{
    for (uint32_t i = 0; i < dst->n_children; i++)
        sl_field_free(&dst->children[i]);
    free(dst->children);
    dst->children = NULL;
    dst->n_children = 0;
    dst->type = t;
    dst->precision = dst->scale = 0;
}

static int widen_struct(struct sl_field *dst, const struct sl_field *src,
                        bool *changed)
{
    for (uint32_t i = 0; i < src->n_children; i++) {
        const struct sl_field *sc = &src->children[i];
        struct sl_field *dc =
            (struct sl_field *)sl_field_child(dst, sc->name ? sc->name : "");
        if (dc) {
            int rc = sl_field_widen(dc, sc, changed);
            if (rc)
                return rc;
            continue;
        }
        struct sl_field *v = realloc(dst->children, (dst->n_children + 1) *
                                                        sizeof *dst->children);
        if (!v)
            return SL_ENOMEM;
        dst->children = v;
        if (sl_field_copy(&v[dst->n_children], sc))
            return SL_ENOMEM;
        /* A field missing from earlier records is null there. */
        v[dst->n_children].nullable = true;
        dst->n_children++;
        *changed = true;
    }
    return 0;
}

int sl_field_widen(struct sl_field *dst, const struct sl_field *src,
                   bool *changed)
{
    if (src->nullable && !dst->nullable) {
        dst->nullable = true;
        *changed = true;
    }
    if (src->type == SL_NULLTYPE)
        return 0;
    if (dst->type == SL_NULLTYPE) {
        char *name = dst->name;
        bool nullable = dst->nullable;
        dst->name = NULL;
        if (sl_field_copy(dst, src)) {
            dst->name = name;
            return SL_ENOMEM;
        }
        free(dst->name);
        dst->name = name;
        dst->nullable = nullable;
        *changed = true;
        return 0;
    }
    if (dst->type == src->type) {
        switch (dst->type) {
        case SL_STRUCT:
            return widen_struct(dst, src, changed);
        case SL_ARRAY:
        case SL_MAP:
            if (dst->n_children != src->n_children)
                break;
            for (uint32_t i = 0; i < dst->n_children; i++) {
                int rc = sl_field_widen(&dst->children[i], &src->children[i],
                                        changed);
                if (rc)
                    return rc;
            }
            return 0;
        case SL_DECIMAL: {
            /* Keep every integer digit and every fraction digit. */
            unsigned s = dst->scale > src->scale ? dst->scale : src->scale;
            unsigned di = dst->precision - dst->scale;
            unsigned si = src->precision - src->scale;
            unsigned p = (di > si ? di : si) + s;
            if (p > DECIMAL_MAX_PRECISION) {
                become_scalar(dst, SL_STRING);
                *changed = true;
                return 0;
            }
            if (p != dst->precision || s != dst->scale) {
                dst->precision = (uint8_t)p;
                dst->scale = (uint8_t)s;
                *changed = true;
            }
            return 0;
        }
        default:
            return 0;
        }
    }
    enum sl_type t = sl_type_widen(dst->type, src->type);
    if (sl_type_is_nested(dst->type) || sl_type_is_nested(src->type))
        t = SL_STRING;
    if (t != dst->type) {
        become_scalar(dst, t);
        *changed = true;
    }
    return 0;
}
