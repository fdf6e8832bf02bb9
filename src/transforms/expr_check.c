/*
 * expr_check.c - type-check a parsed expression against a schema.
 *
 * Resolves column paths to child indexes (so evaluation walks no names),
 * gives every node its type, and inserts CAST nodes where operands of
 * different types meet, so the evaluator only ever sees operands of one
 * storage class (expr_int.h). The rules follow Spark SQL's implicit
 * coercion, simplified: int -> bigint -> double; date -> timestamp; a
 * string meeting a number, date or timestamp is cast to it (a value that
 * does not cast is null); NULL takes the other side's type. Errors say the
 * column of the expression: "column 14: unknown column 'usr' (did you
 * mean 'user'?)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "options.h"

static bool is_int(enum sl_type t)
{
    return t == SL_INT || t == SL_BIGINT;
}

static bool is_num(enum sl_type t)
{
    return is_int(t) || t == SL_DOUBLE;
}

static bool is_scalar(enum sl_type t)
{
    return t == SL_NULLTYPE || t == SL_BOOLEAN || is_num(t) || t == SL_STRING ||
           t == SL_DATE || t == SL_TIMESTAMP;
}

/* The expression type a column of type t is read as. */
static enum sl_type col_expr_type(enum sl_type t)
{
    switch (t) {
    case SL_FLOAT:
    case SL_DOUBLE:
    case SL_DECIMAL:
        return SL_DOUBLE;
    default:
        return t;
    }
}

/* Split one part off a path ("a.b", "`x.y`.z"); returns the part length
 * consumed (including backticks and the dot) and copies the name. */
size_t sl_expr_path_part(const char *s, char *name, size_t cap)
{
    size_t i = 0, k = 0;
    if (s[0] == '`') {
        for (i = 1; s[i]; i++) {
            if (s[i] == '`') {
                if (s[i + 1] == '`') {
                    i++;
                } else {
                    i++;
                    break;
                }
            }
            if (k + 1 < cap)
                name[k++] = s[i];
        }
    } else {
        for (; s[i] && s[i] != '.'; i++)
            if (k + 1 < cap)
                name[k++] = s[i];
    }
    name[k] = 0;
    if (s[i] == '.')
        i++;
    return i;
}

static int unknown_col(const struct sl_field *parent, const char *name,
                       const char *prefix, int pos, struct sl_error *err)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (uint32_t i = 0; i < parent->n_children; i++) {
        const char *c = parent->children[i].name;
        size_t d = sl_edit_distance(name, c);
        if (d < best_d && d < strlen(c)) {
            best = c;
            best_d = d;
        }
    }
    if (best)
        return sl__expr_err(err, pos,
                            "unknown column '%s%s' (did you mean '%s%s'?)",
                            prefix, name, prefix, best);
    return sl__expr_err(err, pos, "unknown column '%s%s'", prefix, name);
}

static int resolve(struct sl_expr *e, struct node *n,
                   const struct sl_field *schema, struct sl_error *err)
{
    const struct sl_field *f = schema;
    const char *s = n->path;
    char name[256], prefix[512] = "";
    int depth = 0;
    int idx[64];
    while (*s) {
        if (f->type != SL_STRUCT)
            return sl__expr_err(
                err, n->pos,
                "'%.*s' is %s, not a struct: it has no "
                "field '%s'",
                (int)(strlen(prefix) ? strlen(prefix) - 1 : 0), prefix,
                sl_type_name(f->type),
                (sl_expr_path_part(s, name, sizeof name), name));
        s += sl_expr_path_part(s, name, sizeof name);
        const struct sl_field *c = NULL;
        for (uint32_t i = 0; i < f->n_children; i++)
            if (strcmp(f->children[i].name, name) == 0) {
                c = &f->children[i];
                if (depth >= 64)
                    return sl__expr_err(err, n->pos, "path too deep");
                idx[depth++] = (int)i;
                break;
            }
        if (!c && (e->flags & SL_EXPR_MISSING_NULL)) {
            n->op = N_LIT; /* not seen yet: null */
            n->lit_null = true;
            n->type = SL_NULLTYPE;
            return 0;
        }
        if (!c)
            return unknown_col(f, name, prefix, n->pos, err);
        size_t pl = strlen(prefix);
        snprintf(prefix + pl, sizeof prefix - pl, "%s.", name);
        f = c;
    }
    if (!(n->idx = malloc((size_t)depth * sizeof *n->idx)))
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    memcpy(n->idx, idx, (size_t)depth * sizeof *idx);
    n->depth = depth;
    n->col_type = f->type;
    n->type = col_expr_type(f->type);
    return 0;
}

/* Wrap *slot in a CAST to `to` unless it already has that type. */
static int coerce(struct sl_expr *e, struct node **slot, enum sl_type to,
                  struct sl_error *err)
{
    struct node *k = *slot;
    if (k->type == to)
        return 0;
    struct node *c = sl__expr_node_new(e, N_CAST, k->pos);
    if (!c || !(c->kid = malloc(sizeof *c->kid))) {
        free(c);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    c->kid[0] = k;
    c->nk = 1;
    c->type = to;
    *slot = c;
    return 0;
}

/* Common type of a and b for comparison, CASE, IN, coalesce; SL_BINARY
 * means none. */
static enum sl_type common(enum sl_type a, enum sl_type b)
{
    if (a == b)
        return a;
    if (a == SL_NULLTYPE)
        return b;
    if (b == SL_NULLTYPE)
        return a;
    if (is_num(a) && is_num(b))
        return a == SL_DOUBLE || b == SL_DOUBLE ? SL_DOUBLE : SL_BIGINT;
    if ((a == SL_DATE && b == SL_TIMESTAMP) ||
        (a == SL_TIMESTAMP && b == SL_DATE))
        return SL_TIMESTAMP;
    if (a == SL_STRING && (is_num(b) || b == SL_DATE || b == SL_TIMESTAMP))
        return b;
    if (b == SL_STRING && (is_num(a) || a == SL_DATE || a == SL_TIMESTAMP))
        return a;
    return SL_BINARY;
}

static int need_scalar(struct node *k, const char *what, struct sl_error *err)
{
    if (is_scalar(k->type))
        return 0;
    return sl__expr_err(err, k->pos, "%s: a %s value cannot be used here%s",
                        what, sl_type_name(k->type),
                        k->op == N_COL ? " (name a field inside it, or use "
                                         "IS NULL)"
                                       : "");
}

static int unify(struct sl_expr *e, struct node *n, size_t from, size_t step,
                 const char *what, enum sl_type *out, struct sl_error *err)
{
    enum sl_type t = SL_NULLTYPE;
    for (size_t i = from; i < n->nk; i += step) {
        int rc = need_scalar(n->kid[i], what, err);
        if (rc)
            return rc;
        enum sl_type c = common(t, n->kid[i]->type);
        if (c == SL_BINARY)
            return sl__expr_err(err, n->kid[i]->pos, "%s: cannot mix %s and %s",
                                what, sl_type_name(t),
                                sl_type_name(n->kid[i]->type));
        t = c;
    }
    for (size_t i = from; i < n->nk; i += step) {
        int rc = coerce(e, &n->kid[i], t, err);
        if (rc)
            return rc;
    }
    *out = t;
    return 0;
}

static int want(struct sl_expr *e, struct node *n, size_t i, enum sl_type t,
                const char *what, struct sl_error *err)
{
    struct node *k = n->kid[i];
    int rc = need_scalar(k, what, err);
    if (rc)
        return rc;
    bool ok = k->type == t || k->type == SL_NULLTYPE;
    if (!ok && is_num(t))
        ok = is_num(k->type) || k->type == SL_STRING;
    if (!ok && t == SL_STRING)
        ok = true; /* anything renders as text */
    if (!ok && t == SL_TIMESTAMP)
        ok = k->type == SL_DATE || k->type == SL_STRING;
    if (!ok)
        return sl__expr_err(err, k->pos, "%s: expected %s, found %s", what,
                            sl_type_name(t), sl_type_name(k->type));
    return coerce(e, &n->kid[i], t, err);
}

static int literal_arg(struct node *n, size_t i, enum sl_type t,
                       const char *what, struct sl_error *err)
{
    struct node *k = n->kid[i];
    if (k->op != N_LIT || k->lit_null ||
        (t == SL_STRING) != (k->type == SL_STRING) ||
        (t != SL_STRING && !is_int(k->type)))
        return sl__expr_err(err, k->pos, "%s: expected a %s literal", what,
                            t == SL_STRING ? "string" : "integer");
    return 0;
}

static int nargs(struct node *n, size_t lo, size_t hi, struct sl_error *err)
{
    if (n->nk >= lo && n->nk <= hi)
        return 0;
    const char *name = sl__expr_fn_name(n->fn);
    if (lo == hi)
        return sl__expr_err(err, n->pos, "%s takes %zu argument%s, found %zu",
                            name, lo, lo == 1 ? "" : "s", n->nk);
    if (hi == (size_t)-1)
        return sl__expr_err(err, n->pos,
                            "%s takes at least %zu argument%s, found %zu", name,
                            lo, lo == 1 ? "" : "s", n->nk);
    return sl__expr_err(err, n->pos, "%s takes %zu to %zu arguments, found %zu",
                        name, lo, hi, n->nk);
}

static int compile_re(struct node *n, const char *pat, size_t len, int pos,
                      uint32_t flags, struct sl_error *err)
{
    int ec;
    PCRE2_SIZE eo;
    n->re =
        pcre2_compile((PCRE2_SPTR)pat, len, PCRE2_UTF | flags, &ec, &eo, NULL);
    if (!n->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return sl__expr_err(err, pos,
                            "bad regular expression at offset %zu: %s",
                            (size_t)eo, (char *)msg);
    }
    pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE); /* best effort */
    if (!(n->md = pcre2_match_data_create_from_pattern(n->re, NULL)))
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    return 0;
}

static int check_func(struct sl_expr *e, struct node *n, struct sl_error *err)
{
    const char *name = sl__expr_fn_name(n->fn);
    int rc = 0;
    switch (n->fn) {
    case F_LOWER:
    case F_UPPER:
    case F_TRIM:
        if (!(rc = nargs(n, 1, 1, err)) &&
            !(rc = want(e, n, 0, SL_STRING, name, err)))
            n->type = SL_STRING;
        return rc;
    case F_LENGTH:
        if (!(rc = nargs(n, 1, 1, err)) &&
            !(rc = want(e, n, 0, SL_STRING, name, err)))
            n->type = SL_INT;
        return rc;
    case F_SUBSTR:
        if ((rc = nargs(n, 2, 3, err)) ||
            (rc = want(e, n, 0, SL_STRING, name, err)))
            return rc;
        for (size_t i = 1; i < n->nk; i++)
            if ((rc = want(e, n, i, SL_BIGINT, name, err)))
                return rc;
        n->type = SL_STRING;
        return 0;
    case F_CONCAT:
        if ((rc = nargs(n, 1, (size_t)-1, err)))
            return rc;
        for (size_t i = 0; i < n->nk; i++)
            if ((rc = want(e, n, i, SL_STRING, name, err)))
                return rc;
        n->type = SL_STRING;
        return 0;
    case F_COALESCE:
        if ((rc = nargs(n, 1, (size_t)-1, err)))
            return rc;
        return unify(e, n, 0, 1, name, &n->type, err);
    case F_NULLIF:
        if ((rc = nargs(n, 2, 2, err)))
            return rc;
        return unify(e, n, 0, 1, name, &n->type, err);
    case F_ABS:
    case F_FLOOR:
    case F_CEIL:
    case F_ROUND: {
        size_t hi = n->fn == F_ROUND ? 2 : 1;
        if ((rc = nargs(n, 1, hi, err)))
            return rc;
        enum sl_type t = n->kid[0]->type;
        if ((rc = need_scalar(n->kid[0], name, err)))
            return rc;
        if (!is_num(t) && t != SL_NULLTYPE && t != SL_STRING)
            return sl__expr_err(err, n->kid[0]->pos,
                                "%s: expected a number, found %s", name,
                                sl_type_name(t));
        if (!is_num(t))
            t = SL_DOUBLE;
        if ((rc = coerce(e, &n->kid[0], t, err)))
            return rc;
        if (n->nk == 2 && (rc = literal_arg(n, 1, SL_BIGINT, name, err)))
            return rc;
        n->type = (n->fn == F_FLOOR || n->fn == F_CEIL) ? SL_BIGINT : t;
        return 0;
    }
    case F_REGEXP_EXTRACT:
    case F_REGEXP_LIKE: {
        bool ex = n->fn == F_REGEXP_EXTRACT;
        if ((rc = nargs(n, 2, ex ? 3 : 2, err)) ||
            (rc = want(e, n, 0, SL_STRING, name, err)) ||
            (rc = literal_arg(n, 1, SL_STRING, name, err)))
            return rc;
        if (ex && n->nk == 3 && (rc = literal_arg(n, 2, SL_BIGINT, name, err)))
            return rc;
        struct node *pat = n->kid[1];
        if ((rc = compile_re(n, pat->lit_s, pat->lit_n, pat->pos, 0, err)))
            return rc;
        if (ex && n->nk == 3) {
            uint32_t groups = 0;
            pcre2_pattern_info(n->re, PCRE2_INFO_CAPTURECOUNT, &groups);
            if (n->kid[2]->lit_i < 0 || n->kid[2]->lit_i > (int64_t)groups)
                return sl__expr_err(err, n->kid[2]->pos,
                                    "regexp_extract: group %lld does not "
                                    "exist (the pattern has %u)",
                                    (long long)n->kid[2]->lit_i, groups);
        }
        n->type = ex ? SL_STRING : SL_BOOLEAN;
        return 0;
    }
    case F_TO_TIMESTAMP:
        if ((rc = nargs(n, 1, 2, err)))
            return rc;
        if ((rc = need_scalar(n->kid[0], name, err)))
            return rc;
        if (n->nk == 2) {
            if ((rc = want(e, n, 0, SL_STRING, name, err)) ||
                (rc = literal_arg(n, 1, SL_STRING, name, err)))
                return rc;
            if (sl__expr_check_dt_pattern(n->kid[1]->lit_s))
                return sl__expr_err(err, n->kid[1]->pos,
                                    "%s: unknown letters in the pattern "
                                    "(use yyyy MM dd HH mm ss SSS, 'text')",
                                    name);
            if (!(n->fmt = strdup(n->kid[1]->lit_s)))
                return sl_error_set(err, SL_ENOMEM, "out of memory");
        } else if (n->kid[0]->type == SL_BOOLEAN) {
            return sl__expr_err(err, n->kid[0]->pos,
                                "to_timestamp: expected a string, a number "
                                "(epoch seconds) or a date, found boolean");
        } else if ((rc = coerce(e, &n->kid[0], SL_TIMESTAMP, err))) {
            return rc;
        }
        n->type = SL_TIMESTAMP;
        return 0;
    case F_DATE_FORMAT:
        if ((rc = nargs(n, 2, 2, err)) ||
            (rc = want(e, n, 0, SL_TIMESTAMP, name, err)) ||
            (rc = literal_arg(n, 1, SL_STRING, name, err)))
            return rc;
        if (sl__expr_check_dt_pattern(n->kid[1]->lit_s))
            return sl__expr_err(err, n->kid[1]->pos,
                                "%s: unknown letters in the pattern (use "
                                "yyyy MM dd HH mm ss SSS, 'text')",
                                name);
        if (!(n->fmt = strdup(n->kid[1]->lit_s)))
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        n->type = SL_STRING;
        return 0;
    case F_YEAR:
    case F_MONTH:
    case F_DAY:
    case F_HOUR:
        if ((rc = nargs(n, 1, 1, err)))
            return rc;
        if (n->kid[0]->type != SL_DATE &&
            (rc = want(e, n, 0, SL_TIMESTAMP, name, err)))
            return rc;
        n->type = SL_INT;
        return 0;
    case F_COUNT_:
        break;
    }
    return sl__expr_err(err, n->pos, "unknown function");
}

/* LIKE pattern: kept as the literal; matched by expr_func.c. */
static int check(struct sl_expr *e, struct node *n, const struct sl_field *s,
                 struct sl_error *err)
{
    int rc;
    if (n->op == N_COL)
        return resolve(e, n, s, err);
    for (size_t i = 0; i < n->nk; i++)
        if ((rc = check(e, n->kid[i], s, err)))
            return rc;
    switch (n->op) {
    case N_LIT:
    case N_COL:
        return 0;
    case N_NEG:
        if ((rc = need_scalar(n->kid[0], "-", err)))
            return rc;
        if (!is_num(n->kid[0]->type) && n->kid[0]->type != SL_NULLTYPE)
            return sl__expr_err(err, n->pos, "'-' needs a number, found %s",
                                sl_type_name(n->kid[0]->type));
        n->type = n->kid[0]->type == SL_INT ? SL_BIGINT : n->kid[0]->type;
        if (n->type == SL_NULLTYPE)
            n->type = SL_BIGINT;
        return coerce(e, &n->kid[0], n->type, err);
    case N_ADD:
    case N_SUB:
    case N_MUL:
    case N_DIV:
    case N_MOD: {
        static const char *const sym[] = {[N_ADD] = "+",
                                          [N_SUB] = "-",
                                          [N_MUL] = "*",
                                          [N_DIV] = "/",
                                          [N_MOD] = "%"};
        enum sl_type t = SL_BIGINT;
        for (int i = 0; i < 2; i++) {
            struct node *k = n->kid[i];
            if ((rc = need_scalar(k, sym[n->op], err)))
                return rc;
            if (k->type == SL_NULLTYPE || is_int(k->type))
                continue;
            if (k->type == SL_DOUBLE || k->type == SL_STRING) {
                t = SL_DOUBLE;
                continue;
            }
            return sl__expr_err(err, k->pos,
                                "'%s' needs numbers, found %s (CAST it)",
                                sym[n->op], sl_type_name(k->type));
        }
        if (n->op == N_DIV)
            t = SL_DOUBLE;
        n->type = t;
        if ((rc = coerce(e, &n->kid[0], t, err)))
            return rc;
        return coerce(e, &n->kid[1], t, err);
    }
    case N_EQ:
    case N_NE:
    case N_LT:
    case N_LE:
    case N_GT:
    case N_GE:
    case N_IN:
    case N_BETWEEN: {
        enum sl_type t;
        if ((rc = unify(e, n, 0, 1,
                        n->op == N_IN        ? "IN"
                        : n->op == N_BETWEEN ? "BETWEEN"
                                             : "comparison",
                        &t, err)))
            return rc;
        n->type = SL_BOOLEAN;
        return 0;
    }
    case N_AND:
    case N_OR:
    case N_NOT:
        for (size_t i = 0; i < n->nk; i++)
            if ((rc = want(e, n, i, SL_BOOLEAN,
                           n->op == N_AND  ? "AND"
                           : n->op == N_OR ? "OR"
                                           : "NOT",
                           err)))
                return rc;
        n->type = SL_BOOLEAN;
        return 0;
    case N_ISNULL:
    case N_NOTNULL:
        n->type = SL_BOOLEAN;
        return 0;
    case N_LIKE:
        if ((rc = want(e, n, 0, SL_STRING, "LIKE", err)) ||
            (rc = literal_arg(n, 1, SL_STRING, "LIKE", err)))
            return rc;
        n->type = SL_BOOLEAN;
        return 0;
    case N_CASE: {
        size_t pairs = (n->nk - (n->has_else ? 1 : 0)) / 2;
        for (size_t i = 0; i < pairs; i++)
            if ((rc = want(e, n, 2 * i, SL_BOOLEAN, "CASE WHEN", err)))
                return rc;
        enum sl_type t = SL_NULLTYPE;
        for (size_t i = 1; i < n->nk; i += (i + 1 < 2 * pairs ? 2 : 1)) {
            if ((rc = need_scalar(n->kid[i], "CASE", err)))
                return rc;
            enum sl_type c = common(t, n->kid[i]->type);
            if (c == SL_BINARY)
                return sl__expr_err(
                    err, n->kid[i]->pos, "CASE: cannot mix %s and %s",
                    sl_type_name(t), sl_type_name(n->kid[i]->type));
            t = c;
        }
        for (size_t i = 1; i < n->nk; i += (i + 1 < 2 * pairs ? 2 : 1))
            if ((rc = coerce(e, &n->kid[i], t, err)))
                return rc;
        n->type = t;
        return 0;
    }
    case N_CAST: {
        struct node *k = n->kid[0];
        if ((rc = need_scalar(k, "CAST", err)))
            return rc;
        if (k->type == SL_BOOLEAN &&
            (n->type == SL_DATE || n->type == SL_TIMESTAMP))
            return sl__expr_err(err, n->pos, "cannot CAST boolean AS %s",
                                sl_type_name(n->type));
        if ((k->type == SL_DATE || k->type == SL_TIMESTAMP) &&
            n->type == SL_BOOLEAN)
            return sl__expr_err(err, n->pos, "cannot CAST %s AS boolean",
                                sl_type_name(k->type));
        return 0;
    }
    case N_FUNC:
        return check_func(e, n, err);
    }
    return 0;
}

int sl__expr_check(struct sl_expr *e, const struct sl_field *schema,
                   struct sl_error *err)
{
    return check(e, e->root, schema, err);
}

const char *sl_expr_err_text(const char *msg)
{
    if (strncmp(msg, "column ", 7) == 0 && strstr(msg, ": "))
        return strstr(msg, ": ") + 2;
    return msg;
}
