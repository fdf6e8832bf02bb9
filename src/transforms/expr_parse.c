/*
 * expr_parse.c - lexer and recursive-descent parser of the expression
 * language (expr.h) into a tree of struct node (expr_int.h).
 *
 * Precedence, loosest first (as in Spark SQL):
 *   OR; AND; NOT; comparisons, IS [NOT] NULL, [NOT] IN, [NOT] LIKE,
 *   [NOT] BETWEEN; + - ||; * / %; unary -; primary.
 * Keywords are case-insensitive; `backticks` quote identifiers; strings
 * are 'single-quoted' ('' is a quote). Every node remembers the 1-based
 * column where it starts, for error messages. Limits: text length, tree
 * depth and node count (EXPR_MAX_*), so hostile input cannot exhaust the
 * stack or memory (tests/fuzz/fuzz_expr.c).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

static const char *const fn_names[F_COUNT_] = {
    [F_LOWER] = "lower",
    [F_UPPER] = "upper",
    [F_TRIM] = "trim",
    [F_LENGTH] = "length",
    [F_SUBSTR] = "substr",
    [F_CONCAT] = "concat",
    [F_COALESCE] = "coalesce",
    [F_NULLIF] = "nullif",
    [F_ABS] = "abs",
    [F_ROUND] = "round",
    [F_FLOOR] = "floor",
    [F_CEIL] = "ceil",
    [F_REGEXP_EXTRACT] = "regexp_extract",
    [F_REGEXP_LIKE] = "regexp_like",
    [F_TO_TIMESTAMP] = "to_timestamp",
    [F_DATE_FORMAT] = "date_format",
    [F_YEAR] = "year",
    [F_MONTH] = "month",
    [F_DAY] = "day",
    [F_HOUR] = "hour",
};

const char *sl__expr_fn_name(enum fn f)
{
    return fn_names[f];
}

int sl__expr_fn_find(const char *s, size_t n, enum fn *out)
{
    for (int i = 0; i < F_COUNT_; i++)
        if (strlen(fn_names[i]) == n && strncasecmp(fn_names[i], s, n) == 0) {
            *out = (enum fn)i;
            return 0;
        }
    if (n == 9 && strncasecmp(s, "substring", 9) == 0) {
        *out = F_SUBSTR;
        return 0;
    }
    if (n == 7 && strncasecmp(s, "ceiling", 7) == 0) {
        *out = F_CEIL;
        return 0;
    }
    return SL_ENOTFOUND;
}

int sl__expr_err(struct sl_error *err, int pos, const char *fmt, ...)
{
    char msg[SL_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sl_error_set(err, SL_EINVAL, "column %d: %s", pos, msg);
}

/* ---- lexer ---- */

struct parser {
    struct sl_expr *e;
    const char *s;
    size_t n, at;
    struct token tok; /* current token */
    int depth;
    struct sl_error *err;
};

static bool ident_start(int c)
{
    return isalpha(c) || c == '_';
}

static bool ident_char(int c)
{
    return isalnum(c) || c == '_';
}

static int lex(struct parser *p)
{
    const char *s = p->s;
    while (p->at < p->n && isspace((unsigned char)s[p->at]))
        p->at++;
    struct token *t = &p->tok;
    memset(t, 0, sizeof *t);
    t->pos = (int)p->at + 1;
    t->s = s + p->at;
    if (p->at >= p->n) {
        t->t = T_EOF;
        return 0;
    }
    unsigned char c = (unsigned char)s[p->at];
    size_t st = p->at;
    if (isdigit(c) || (c == '.' && p->at + 1 < p->n &&
                       isdigit((unsigned char)s[p->at + 1]))) {
        bool real = false;
        while (p->at < p->n && isdigit((unsigned char)s[p->at]))
            p->at++;
        if (p->at < p->n && s[p->at] == '.') {
            real = true;
            p->at++;
            while (p->at < p->n && isdigit((unsigned char)s[p->at]))
                p->at++;
        }
        if (p->at < p->n && (s[p->at] == 'e' || s[p->at] == 'E')) {
            size_t k = p->at + 1;
            if (k < p->n && (s[k] == '+' || s[k] == '-'))
                k++;
            if (k < p->n && isdigit((unsigned char)s[k])) {
                real = true;
                p->at = k;
                while (p->at < p->n && isdigit((unsigned char)s[p->at]))
                    p->at++;
            }
        }
        if (p->at < p->n && ident_char((unsigned char)s[p->at]))
            return sl__expr_err(p->err, (int)p->at + 1,
                                "unexpected '%c' after a number", s[p->at]);
        t->t = real ? T_NUM : T_INT;
        t->n = p->at - st;
        return 0;
    }
    if (ident_start(c)) {
        while (p->at < p->n && ident_char((unsigned char)s[p->at]))
            p->at++;
        t->t = T_IDENT;
        t->n = p->at - st;
        return 0;
    }
    if (c == '`' || c == '\'') {
        /* quoted identifier or string; a doubled quote stands for itself */
        p->at++;
        t->s = s + p->at;
        for (;;) {
            if (p->at >= p->n)
                return sl__expr_err(p->err, t->pos, "unterminated %s",
                                    c == '`' ? "`identifier`" : "string");
            if ((unsigned char)s[p->at] == c) {
                if (p->at + 1 < p->n && (unsigned char)s[p->at + 1] == c) {
                    p->at += 2;
                    continue;
                }
                break;
            }
            p->at++;
        }
        t->n = (size_t)(s + p->at - t->s);
        p->at++;
        t->t = c == '`' ? T_IDENT : T_STR;
        t->quoted = c == '`';
        if (t->quoted && t->n == 0)
            return sl__expr_err(p->err, t->pos, "empty `identifier`");
        return 0;
    }
    p->at++;
    char d = p->at < p->n ? s[p->at] : 0;
    switch (c) {
    case '(':
        t->t = T_LP;
        break;
    case ')':
        t->t = T_RP;
        break;
    case ',':
        t->t = T_COMMA;
        break;
    case '.':
        t->t = T_DOT;
        break;
    case '+':
        t->t = T_PLUS;
        break;
    case '-':
        t->t = T_MINUS;
        break;
    case '*':
        t->t = T_STAR;
        break;
    case '/':
        t->t = T_SLASH;
        break;
    case '%':
        t->t = T_PCT;
        break;
    case '=':
        t->t = T_EQ;
        if (d == '=')
            p->at++;
        break;
    case '!':
        if (d != '=')
            return sl__expr_err(p->err, t->pos, "'!' alone (use != or NOT)");
        p->at++;
        t->t = T_NE;
        break;
    case '<':
        t->t = T_LT;
        if (d == '=') {
            t->t = T_LE;
            p->at++;
        } else if (d == '>') {
            t->t = T_NE;
            p->at++;
        }
        break;
    case '>':
        t->t = T_GT;
        if (d == '=') {
            t->t = T_GE;
            p->at++;
        }
        break;
    case '|':
        if (d != '|')
            return sl__expr_err(p->err, t->pos, "'|' alone (use || or OR)");
        p->at++;
        t->t = T_CONCAT;
        break;
    default:
        if (c >= 0x20 && c < 0x7f)
            return sl__expr_err(p->err, t->pos, "unexpected character '%c'", c);
        return sl__expr_err(p->err, t->pos, "unexpected byte 0x%02x", c);
    }
    t->n = p->at - st;
    return 0;
}

static bool is_kw(const struct token *t, const char *kw)
{
    return t->t == T_IDENT && !t->quoted && strlen(kw) == t->n &&
           strncasecmp(t->s, kw, t->n) == 0;
}

static const char *tok_desc(const struct token *t, char *buf, size_t n)
{
    if (t->t == T_EOF)
        return "the end";
    snprintf(buf, n, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->s);
    return buf;
}

static int expect(struct parser *p, enum tok t, const char *what)
{
    char b[64];
    if (p->tok.t != t)
        return sl__expr_err(p->err, p->tok.pos, "expected %s, found %s", what,
                            tok_desc(&p->tok, b, sizeof b));
    return lex(p);
}

static int expect_kw(struct parser *p, const char *kw)
{
    char b[64];
    if (!is_kw(&p->tok, kw))
        return sl__expr_err(p->err, p->tok.pos, "expected %s, found %s", kw,
                            tok_desc(&p->tok, b, sizeof b));
    return lex(p);
}

/* ---- tree ---- */

struct node *sl__expr_node_new(struct sl_expr *e, enum op op, int pos)
{
    if (e->n_nodes >= EXPR_MAX_NODES)
        return NULL;
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    e->n_nodes++;
    n->op = op;
    n->pos = pos;
    n->type = SL_NULLTYPE;
    return n;
}

void sl__expr_node_free(struct node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nk; i++)
        sl__expr_node_free(n->kid[i]);
    free(n->kid);
    free(n->lit_s);
    free(n->path);
    free(n->idx);
    free(n->fmt);
    if (n->md)
        pcre2_match_data_free(n->md);
    if (n->re)
        pcre2_code_free(n->re);
    sl__vec_free(&n->v);
    free(n);
}

static int add_kid(struct parser *p, struct node *n, struct node *k)
{
    struct node **v = realloc(n->kid, (n->nk + 1) * sizeof *v);
    if (!v) {
        sl__expr_node_free(k);
        return sl_error_set(p->err, SL_ENOMEM, "out of memory");
    }
    n->kid = v;
    n->kid[n->nk++] = k;
    return 0;
}

static int oom_or_limit(struct parser *p)
{
    if (p->e->n_nodes >= EXPR_MAX_NODES)
        return sl__expr_err(p->err, p->tok.pos,
                            "expression too large (over %d nodes)",
                            EXPR_MAX_NODES);
    return sl_error_set(p->err, SL_ENOMEM, "out of memory");
}

/* A node with kids a (and b), consumed; on failure both are freed. */
static int mk(struct parser *p, enum op op, int pos, struct node *a,
              struct node *b, struct node **out)
{
    struct node *n = sl__expr_node_new(p->e, op, pos);
    int rc = 0;
    if (!n) {
        sl__expr_node_free(a);
        sl__expr_node_free(b);
        return oom_or_limit(p);
    }
    if (a && (rc = add_kid(p, n, a))) {
        sl__expr_node_free(b);
        goto fail;
    }
    if (b && (rc = add_kid(p, n, b)))
        goto fail;
    *out = n;
    return 0;
fail:
    sl__expr_node_free(n);
    return rc;
}

static int parse_expr(struct parser *p, struct node **out);
static int parse_add(struct parser *p, struct node **out);

/* Move past the token of a finished leaf n and hand it out (freed when
 * the next token is bad). */
static int take(struct parser *p, struct node *n, struct node **out)
{
    int rc = lex(p);
    if (rc) {
        sl__expr_node_free(n);
        return rc;
    }
    *out = n;
    return 0;
}

/* Copy a quoted token's text, collapsing doubled quotes. */
static char *unquote(const struct token *t, char q, size_t *n_out)
{
    char *s = malloc(t->n + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        s[k++] = t->s[i];
        if (t->s[i] == q && i + 1 < t->n && t->s[i + 1] == q)
            i++;
    }
    s[k] = 0;
    if (n_out)
        *n_out = k;
    return s;
}

static int parse_type(struct parser *p, enum sl_type *out)
{
    static const struct {
        const char *name;
        enum sl_type t;
    } types[] = {
        {"boolean", SL_BOOLEAN},
        {"bool", SL_BOOLEAN},
        {"int", SL_INT},
        {"integer", SL_INT},
        {"bigint", SL_BIGINT},
        {"long", SL_BIGINT},
        {"double", SL_DOUBLE},
        {"float", SL_DOUBLE},
        {"string", SL_STRING},
        {"date", SL_DATE},
        {"timestamp", SL_TIMESTAMP},
    };
    char b[64];
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (is_kw(&p->tok, types[i].name)) {
            *out = types[i].t;
            return lex(p);
        }
    return sl__expr_err(p->err, p->tok.pos,
                        "unknown type %s in CAST (known: boolean, int, "
                        "bigint, double, string, date, timestamp)",
                        tok_desc(&p->tok, b, sizeof b));
}

static int parse_case(struct parser *p, int pos, struct node **out)
{
    struct node *n = sl__expr_node_new(p->e, N_CASE, pos);
    struct node *subject = NULL, *k = NULL;
    int rc;
    if (!n)
        return oom_or_limit(p);
    if (!is_kw(&p->tok, "WHEN") && (rc = parse_expr(p, &subject)))
        goto fail;
    if (!is_kw(&p->tok, "WHEN")) {
        rc = expect_kw(p, "WHEN");
        goto fail;
    }
    while (is_kw(&p->tok, "WHEN")) {
        int wpos = p->tok.pos;
        if ((rc = lex(p)) || (rc = parse_expr(p, &k)))
            goto fail;
        if (subject) {
            /* CASE x WHEN v: the test is x = v (x evaluated again) */
            struct node *cp = NULL;
            if ((rc = sl__expr_compile_copy(p->e, subject, &cp))) {
                sl__expr_node_free(k);
                goto fail;
            }
            if ((rc = mk(p, N_EQ, wpos, cp, k, &k)))
                goto fail;
        }
        if ((rc = add_kid(p, n, k)))
            goto fail;
        k = NULL;
        if ((rc = expect_kw(p, "THEN")) || (rc = parse_expr(p, &k)) ||
            (rc = add_kid(p, n, k)))
            goto fail;
    }
    if (is_kw(&p->tok, "ELSE")) {
        if ((rc = lex(p)) || (rc = parse_expr(p, &k)) ||
            (rc = add_kid(p, n, k)))
            goto fail;
        n->has_else = true;
    }
    if ((rc = expect_kw(p, "END")))
        goto fail;
    sl__expr_node_free(subject);
    *out = n;
    return 0;
fail:
    sl__expr_node_free(subject);
    sl__expr_node_free(n);
    return rc;
}

static int parse_primary(struct parser *p, struct node **out)
{
    struct token t = p->tok;
    char b[64];
    int rc;
    struct node *n = NULL;
    switch (t.t) {
    case T_INT:
    case T_NUM: {
        if (!(n = sl__expr_node_new(p->e, N_LIT, t.pos)))
            return oom_or_limit(p);
        char num[64];
        if (t.n >= sizeof num) {
            sl__expr_node_free(n);
            return sl__expr_err(p->err, t.pos, "number too long");
        }
        memcpy(num, t.s, t.n);
        num[t.n] = 0;
        errno = 0;
        if (t.t == T_INT) {
            long long v = strtoll(num, NULL, 10);
            if (errno == ERANGE) {
                sl__expr_node_free(n);
                return sl__expr_err(p->err, t.pos,
                                    "integer %s does not fit in a bigint", num);
            }
            n->lit_i = v;
            n->type = v >= INT32_MIN && v <= INT32_MAX ? SL_INT : SL_BIGINT;
        } else {
            n->lit_f = strtod(num, NULL);
            n->type = SL_DOUBLE;
        }
        return take(p, n, out);
    }
    case T_STR:
        if (!(n = sl__expr_node_new(p->e, N_LIT, t.pos)))
            return oom_or_limit(p);
        n->type = SL_STRING;
        if (!(n->lit_s = unquote(&t, '\'', &n->lit_n))) {
            sl__expr_node_free(n);
            return sl_error_set(p->err, SL_ENOMEM, "out of memory");
        }
        return take(p, n, out);
    case T_LP:
        if (++p->depth > EXPR_MAX_DEPTH)
            return sl__expr_err(p->err, t.pos, "nested too deeply");
        if ((rc = lex(p)) || (rc = parse_expr(p, &n)))
            return rc;
        p->depth--;
        if ((rc = expect(p, T_RP, "')'"))) {
            sl__expr_node_free(n);
            return rc;
        }
        *out = n;
        return 0;
    case T_IDENT:
        break;
    default:
        return sl__expr_err(p->err, t.pos, "expected a value, found %s",
                            tok_desc(&t, b, sizeof b));
    }
    if (!t.quoted) {
        if (is_kw(&t, "NULL") || is_kw(&t, "TRUE") || is_kw(&t, "FALSE")) {
            if (!(n = sl__expr_node_new(p->e, N_LIT, t.pos)))
                return oom_or_limit(p);
            n->lit_null = is_kw(&t, "NULL");
            n->type = n->lit_null ? SL_NULLTYPE : SL_BOOLEAN;
            n->lit_i = is_kw(&t, "TRUE");
            return take(p, n, out);
        }
        if (is_kw(&t, "CASE")) {
            if ((rc = lex(p)))
                return rc;
            return parse_case(p, t.pos, out);
        }
        if ((is_kw(&t, "DATE") || is_kw(&t, "TIMESTAMP"))) {
            /* DATE '2026-01-01': a typed literal, i.e. a cast */
            struct parser save = *p;
            if ((rc = lex(p)))
                return rc;
            if (p->tok.t == T_STR) {
                struct node *lit = NULL;
                if ((rc = parse_primary(p, &lit)) ||
                    (rc = mk(p, N_CAST, t.pos, lit, NULL, &n)))
                    return rc;
                n->type = is_kw(&t, "DATE") ? SL_DATE : SL_TIMESTAMP;
                *out = n;
                return 0;
            }
            *p = save; /* a column named date */
        }
    }
    if ((rc = lex(p)))
        return rc;
    if (p->tok.t == T_LP && !t.quoted) {
        /* function call or CAST */
        if ((rc = lex(p)))
            return rc;
        if (is_kw(&t, "CAST")) {
            struct node *x = NULL;
            if ((rc = parse_expr(p, &x)))
                return rc;
            if ((rc = mk(p, N_CAST, t.pos, x, NULL, &n)))
                return rc;
            if ((rc = expect_kw(p, "AS")) || (rc = parse_type(p, &n->type)) ||
                (rc = expect(p, T_RP, "')'"))) {
                sl__expr_node_free(n);
                return rc;
            }
            *out = n;
            return 0;
        }
        enum fn f;
        if (sl__expr_fn_find(t.s, t.n, &f))
            return sl__expr_err(p->err, t.pos,
                                "unknown function '%.*s' (see "
                                "docs/transforms.md for the list)",
                                (int)t.n, t.s);
        if (!(n = sl__expr_node_new(p->e, N_FUNC, t.pos)))
            return oom_or_limit(p);
        n->fn = f;
        if (p->tok.t != T_RP) {
            for (;;) {
                struct node *a = NULL;
                if ((rc = parse_expr(p, &a)) || (rc = add_kid(p, n, a)))
                    goto fail;
                if (p->tok.t != T_COMMA)
                    break;
                if ((rc = lex(p)))
                    goto fail;
            }
        }
        if ((rc = expect(p, T_RP, "',' or ')'")))
            goto fail;
        *out = n;
        return 0;
    }
    /* column path a.b.c */
    struct sl_buf path;
    sl_buf_init(&path, EXPR_MAX_TEXT);
    struct token cur = t;
    for (;;) {
        if (cur.quoted) {
            char *u = unquote(&cur, '`', NULL);
            rc = u ? 0 : SL_ENOMEM;
            if (!rc)
                rc = sl_buf_appendf(&path, "`%s`", u);
            free(u);
        } else {
            rc = sl_buf_append(&path, cur.s, cur.n);
        }
        if (rc)
            break;
        if (p->tok.t != T_DOT)
            break;
        if ((rc = lex(p)))
            break;
        if (p->tok.t != T_IDENT) {
            rc = sl__expr_err(p->err, p->tok.pos,
                              "expected a field name after '.', found %s",
                              tok_desc(&p->tok, b, sizeof b));
            break;
        }
        cur = p->tok;
        if ((rc = sl_buf_putc(&path, '.')) || (rc = lex(p)))
            break;
    }
    if (!rc)
        rc = sl_buf_cstr(&path);
    if (!rc && !(n = sl__expr_node_new(p->e, N_COL, t.pos)))
        rc = oom_or_limit(p);
    if (rc) {
        sl_buf_free(&path);
        if (p->err && !p->err->msg[0])
            sl_error_set(p->err, rc, "out of memory");
        return rc;
    }
    n->path = (char *)path.data;
    *out = n;
    return 0;
fail:
    sl__expr_node_free(n);
    return rc;
}

static int parse_unary(struct parser *p, struct node **out)
{
    if (p->tok.t == T_MINUS || p->tok.t == T_PLUS) {
        int pos = p->tok.pos;
        bool neg = p->tok.t == T_MINUS;
        int rc;
        if (++p->depth > EXPR_MAX_DEPTH)
            return sl__expr_err(p->err, pos, "nested too deeply");
        struct node *x = NULL;
        if ((rc = lex(p)) || (rc = parse_unary(p, &x)))
            return rc;
        p->depth--;
        if (!neg) {
            *out = x;
            return 0;
        }
        if (x->op == N_LIT && (x->type == SL_INT || x->type == SL_BIGINT ||
                               x->type == SL_DOUBLE)) {
            /* fold -literal so -9223372036854775808 is not needed */
            x->lit_i = (int64_t)(0 - (uint64_t)x->lit_i);
            x->lit_f = -x->lit_f;
            x->pos = pos;
            *out = x;
            return 0;
        }
        return mk(p, N_NEG, pos, x, NULL, out);
    }
    return parse_primary(p, out);
}

static int parse_mul(struct parser *p, struct node **out)
{
    struct node *l = NULL, *r = NULL;
    int rc = parse_unary(p, &l);
    while (!rc &&
           (p->tok.t == T_STAR || p->tok.t == T_SLASH || p->tok.t == T_PCT)) {
        enum op op = p->tok.t == T_STAR    ? N_MUL
                     : p->tok.t == T_SLASH ? N_DIV
                                           : N_MOD;
        int pos = p->tok.pos;
        if ((rc = lex(p)) || (rc = parse_unary(p, &r)))
            break;
        rc = mk(p, op, pos, l, r, &l);
        if (rc)
            return rc;
    }
    if (rc) {
        sl__expr_node_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static int parse_add(struct parser *p, struct node **out)
{
    struct node *l = NULL, *r = NULL;
    int rc = parse_mul(p, &l);
    while (!rc && (p->tok.t == T_PLUS || p->tok.t == T_MINUS ||
                   p->tok.t == T_CONCAT)) {
        int pos = p->tok.pos;
        enum tok t = p->tok.t;
        if ((rc = lex(p)) || (rc = parse_mul(p, &r)))
            break;
        if (t == T_CONCAT) {
            rc = mk(p, N_FUNC, pos, l, r, &l);
            if (!rc)
                l->fn = F_CONCAT;
        } else {
            rc = mk(p, t == T_PLUS ? N_ADD : N_SUB, pos, l, r, &l);
        }
        if (rc)
            return rc;
    }
    if (rc) {
        sl__expr_node_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static int parse_pred(struct parser *p, struct node **out)
{
    struct node *l = NULL, *r = NULL;
    int rc = parse_add(p, &l);
    if (rc)
        return rc;
    for (;;) {
        struct token t = p->tok;
        enum op cmp = 0;
        switch (t.t) {
        case T_EQ:
            cmp = N_EQ;
            break;
        case T_NE:
            cmp = N_NE;
            break;
        case T_LT:
            cmp = N_LT;
            break;
        case T_LE:
            cmp = N_LE;
            break;
        case T_GT:
            cmp = N_GT;
            break;
        case T_GE:
            cmp = N_GE;
            break;
        default:
            break;
        }
        if (cmp) {
            if ((rc = lex(p)) || (rc = parse_add(p, &r)))
                goto fail;
            if ((rc = mk(p, cmp, t.pos, l, r, &l)))
                return rc;
            continue;
        }
        if (is_kw(&t, "IS")) {
            bool not = false;
            if ((rc = lex(p)))
                goto fail;
            if (is_kw(&p->tok, "NOT")) {
                not = true;
                if ((rc = lex(p)))
                    goto fail;
            }
            if ((rc = expect_kw(p, "NULL")))
                goto fail;
            if ((rc = mk(p, not ? N_NOTNULL : N_ISNULL, t.pos, l, NULL, &l)))
                return rc;
            continue;
        }
        bool not = false;
        struct parser save = *p;
        if (is_kw(&t, "NOT")) {
            not = true;
            if ((rc = lex(p)))
                goto fail;
        }
        int pos = p->tok.pos;
        if (is_kw(&p->tok, "IN")) {
            if ((rc = lex(p)) || (rc = expect(p, T_LP, "'(' after IN")) ||
                (rc = mk(p, N_IN, pos, l, NULL, &l)))
                goto fail;
            for (;;) {
                if ((rc = parse_expr(p, &r)) || (rc = add_kid(p, l, r)))
                    goto fail;
                if (p->tok.t != T_COMMA)
                    break;
                if ((rc = lex(p)))
                    goto fail;
            }
            if ((rc = expect(p, T_RP, "',' or ')'")))
                goto fail;
        } else if (is_kw(&p->tok, "LIKE")) {
            if ((rc = lex(p)) || (rc = parse_add(p, &r)))
                goto fail;
            if ((rc = mk(p, N_LIKE, pos, l, r, &l)))
                return rc;
        } else if (is_kw(&p->tok, "BETWEEN")) {
            struct node *hi = NULL;
            if ((rc = lex(p)) || (rc = parse_add(p, &r)))
                goto fail;
            if ((rc = expect_kw(p, "AND")) || (rc = parse_add(p, &hi))) {
                sl__expr_node_free(r);
                goto fail;
            }
            if ((rc = mk(p, N_BETWEEN, pos, l, r, &l))) {
                sl__expr_node_free(hi);
                return rc;
            }
            if ((rc = add_kid(p, l, hi)))
                goto fail;
        } else {
            if (not )
                *p = save; /* NOT belongs to an outer level */
            break;
        }
        if (not &&(rc = mk(p, N_NOT, t.pos, l, NULL, &l)))
            return rc;
    }
    *out = l;
    return 0;
fail:
    sl__expr_node_free(l);
    return rc;
}

static int parse_not(struct parser *p, struct node **out)
{
    if (is_kw(&p->tok, "NOT")) {
        int pos = p->tok.pos, rc;
        if (++p->depth > EXPR_MAX_DEPTH)
            return sl__expr_err(p->err, pos, "nested too deeply");
        struct node *x = NULL;
        if ((rc = lex(p)) || (rc = parse_not(p, &x)))
            return rc;
        p->depth--;
        return mk(p, N_NOT, pos, x, NULL, out);
    }
    return parse_pred(p, out);
}

static int parse_and(struct parser *p, struct node **out)
{
    struct node *l = NULL, *r = NULL;
    int rc = parse_not(p, &l);
    while (!rc && is_kw(&p->tok, "AND")) {
        int pos = p->tok.pos;
        if ((rc = lex(p)) || (rc = parse_not(p, &r)))
            break;
        if ((rc = mk(p, N_AND, pos, l, r, &l)))
            return rc;
    }
    if (rc) {
        sl__expr_node_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static int parse_expr(struct parser *p, struct node **out)
{
    if (++p->depth > EXPR_MAX_DEPTH)
        return sl__expr_err(p->err, p->tok.pos, "nested too deeply");
    struct node *l = NULL, *r = NULL;
    int rc = parse_and(p, &l);
    while (!rc && is_kw(&p->tok, "OR")) {
        int pos = p->tok.pos;
        if ((rc = lex(p)) || (rc = parse_and(p, &r)))
            break;
        if ((rc = mk(p, N_OR, pos, l, r, &l)))
            return rc;
    }
    if (rc) {
        sl__expr_node_free(l);
        return rc;
    }
    p->depth--;
    *out = l;
    return 0;
}

int sl__expr_compile_copy(struct sl_expr *e, const struct node *src,
                          struct node **out)
{
    struct node *n = sl__expr_node_new(e, src->op, src->pos);
    if (!n)
        return SL_ENOMEM;
    n->type = src->type;
    n->lit_null = src->lit_null;
    n->lit_i = src->lit_i;
    n->lit_f = src->lit_f;
    n->lit_n = src->lit_n;
    n->fn = src->fn;
    n->has_else = src->has_else;
    if ((src->lit_s && !(n->lit_s = strndup(src->lit_s, src->lit_n))) ||
        (src->path && !(n->path = strdup(src->path))))
        goto fail;
    for (size_t i = 0; i < src->nk; i++) {
        struct node *k = NULL;
        if (sl__expr_compile_copy(e, src->kid[i], &k))
            goto fail;
        struct node **v = realloc(n->kid, (n->nk + 1) * sizeof *v);
        if (!v) {
            sl__expr_node_free(k);
            goto fail;
        }
        n->kid = v;
        n->kid[n->nk++] = k;
    }
    *out = n;
    return 0;
fail:
    sl__expr_node_free(n);
    return SL_ENOMEM;
}

int sl__expr_parse(struct sl_expr *e, struct sl_error *err)
{
    struct parser p = {.e = e, .s = e->text, .n = strlen(e->text), .err = err};
    char b[64];
    if (p.n > EXPR_MAX_TEXT)
        return sl_error_set(err, SL_ELIMIT, "expression longer than %d bytes",
                            EXPR_MAX_TEXT);
    int rc = lex(&p);
    if (rc)
        return rc;
    if (p.tok.t == T_EOF)
        return sl__expr_err(err, 1, "empty expression");
    if ((rc = parse_expr(&p, &e->root)))
        return rc;
    if (p.tok.t != T_EOF)
        return sl__expr_err(err, p.tok.pos,
                            "unexpected %s after the expression",
                            tok_desc(&p.tok, b, sizeof b));
    return 0;
}
