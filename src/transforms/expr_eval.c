/*
 * expr_eval.c - vectorised evaluation of a checked expression tree, and
 * the public face of the expression language (expr.h).
 *
 * Each node computes its value for all n rows of the chunk into its own
 * vector (expr_int.h), reading its children's vectors: the tree is walked
 * once per chunk, the inner loops run over rows. Column references borrow
 * the column buffers when the layout matches. Null handling is SQL's:
 * arithmetic and comparisons are null when an operand is null; AND/OR use
 * three-valued logic (false AND null = false, true OR null = true); a
 * division by zero or a failed cast is null. CASE and the other branches
 * evaluate every branch over the whole chunk and pick per row (nothing
 * here can fail per row, so there is no need to short-circuit).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "expr_int.h"

/* ---- vectors ---- */

#define GROW(field, T)                                                         \
    do {                                                                       \
        T *p_ = realloc(v->field, cap * sizeof(T));                            \
        if (!p_)                                                               \
            return SL_ENOMEM;                                                  \
        v->field = p_;                                                         \
    } while (0)

int sl__vec_reserve(struct vec *v, size_t n)
{
    if (n <= v->cap && v->nn_own)
        return 0;
    size_t cap = v->cap ? v->cap : 64;
    while (cap < n)
        cap *= 2;
    GROW(nn_own, uint8_t);
    GROW(b_own, uint8_t);
    GROW(i_own, int64_t);
    GROW(f_own, double);
    GROW(p_own, const uint8_t *);
    GROW(len_own, int32_t);
    v->cap = cap;
    return 0;
}

void sl__vec_free(struct vec *v)
{
    free(v->nn_own);
    free(v->b_own);
    free(v->i_own);
    free(v->f_own);
    free(v->p_own);
    free(v->len_own);
    sl_buf_free(&v->sb);
    memset(v, 0, sizeof *v);
}

/* Point the vector at its own storage for n rows of type t. */
static int vec_own(struct vec *v, enum sl_type t, size_t n)
{
    int rc = sl__vec_reserve(v, n ? n : 1);
    if (rc)
        return rc;
    v->t = t;
    v->n = n;
    v->nn = v->nn_own;
    v->b = v->b_own;
    v->i = v->i_own;
    v->f = v->f_own;
    v->p = v->p_own;
    v->len = v->len_own;
    return 0;
}

int sl__vec_str_begin(struct vec *v)
{
    if (!v->sb.max)
        v->sb.max = EXPR_MAX_STR;
    sl_buf_reset(&v->sb);
    return 0;
}

/* While building, i[row] holds the byte offset into sb. */
int sl__vec_str_put(struct vec *v, size_t i, const void *s, size_t len)
{
    v->i[i] = (int64_t)v->sb.len;
    v->len[i] = (int32_t)len;
    return len ? sl_buf_append(&v->sb, s, len) : 0;
}

void sl__vec_str_end(struct vec *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v->p[i] = v->sb.data ? v->sb.data + v->i[i] : (const uint8_t *)"";
}

/* ---- leaves ---- */

static int eval_lit(struct node *nd, size_t n)
{
    struct vec *v = &nd->v;
    int rc = vec_own(v, nd->type, n);
    if (rc)
        return rc;
    memset(v->nn, nd->lit_null ? 0 : 1, n);
    if (nd->lit_null)
        return 0;
    switch (nd->type) {
    case SL_BOOLEAN:
        memset(v->b, nd->lit_i ? 1 : 0, n);
        break;
    case SL_INT:
    case SL_BIGINT:
        for (size_t i = 0; i < n; i++)
            v->i[i] = nd->lit_i;
        break;
    case SL_DOUBLE:
        for (size_t i = 0; i < n; i++)
            v->f[i] = nd->lit_f;
        break;
    case SL_STRING:
        for (size_t i = 0; i < n; i++) {
            v->p[i] = (const uint8_t *)nd->lit_s;
            v->len[i] = (int32_t)nd->lit_n;
        }
        break;
    default:
        break;
    }
    return 0;
}

static const struct sl_col *col_of(const struct sl_batch *b,
                                   const struct node *nd)
{
    const struct sl_col *c = &b->root;
    for (int k = 0; k < nd->depth; k++)
        c = &c->child[nd->idx[k]];
    return c;
}

static int eval_col(const struct sl_batch *b, struct node *nd, size_t n)
{
    struct vec *v = &nd->v;
    const struct sl_col *c = col_of(b, nd);
    int rc = vec_own(v, nd->type, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        v->nn[i] = sl_col_is_valid(c, i);
    switch (c->type) {
    case SL_BOOLEAN:
        v->b = c->values;
        break;
    case SL_BIGINT:
    case SL_TIMESTAMP:
        v->i = c->values;
        break;
    case SL_INT:
    case SL_DATE:
        for (size_t i = 0; i < n; i++)
            v->i[i] = SL_COL_VALUES(c, int32_t)[i];
        break;
    case SL_DOUBLE:
        v->f = c->values;
        break;
    case SL_FLOAT:
        for (size_t i = 0; i < n; i++)
            v->f[i] = SL_COL_VALUES(c, float)[i];
        break;
    case SL_DECIMAL: {
        double scale = pow(10.0, c->scale);
        for (size_t i = 0; i < n; i++)
            v->f[i] = (double)SL_COL_VALUES(c, __int128)[i] / scale;
        break;
    }
    case SL_STRING:
        for (size_t i = 0; i < n; i++) {
            v->p[i] = c->data ? c->data + c->off[i] : (const uint8_t *)"";
            v->len[i] = c->off[i + 1] - c->off[i];
        }
        break;
    default:
        break; /* nested, binary, nulltype: only nn is read */
    }
    return 0;
}

/* ---- operators ---- */

static int eval_arith(struct sl_expr *e, struct node *nd, size_t n)
{
    (void)e;
    struct vec *a = &nd->kid[0]->v, *b = nd->nk > 1 ? &nd->kid[1]->v : NULL;
    struct vec *v = &nd->v;
    int rc = vec_own(v, nd->type, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        v->nn[i] = a->nn[i] & (b ? b->nn[i] : 1);
    if (nd->type == SL_DOUBLE) {
        const double *x = a->f, *y = b ? b->f : NULL;
        double *r = v->f;
        switch (nd->op) {
        case N_NEG:
            for (size_t i = 0; i < n; i++)
                r[i] = -x[i];
            break;
        case N_ADD:
            for (size_t i = 0; i < n; i++)
                r[i] = x[i] + y[i];
            break;
        case N_SUB:
            for (size_t i = 0; i < n; i++)
                r[i] = x[i] - y[i];
            break;
        case N_MUL:
            for (size_t i = 0; i < n; i++)
                r[i] = x[i] * y[i];
            break;
        case N_DIV:
        case N_MOD:
            for (size_t i = 0; i < n; i++) {
                if (y[i] == 0.0) {
                    v->nn[i] = 0;
                    r[i] = 0;
                } else {
                    r[i] = nd->op == N_DIV ? x[i] / y[i] : fmod(x[i], y[i]);
                }
            }
            break;
        default:
            break;
        }
        return 0;
    }
    /* bigint: wrap on overflow as Spark (non-ANSI) does */
    const int64_t *x = a->i, *y = b ? b->i : NULL;
    int64_t *r = v->i;
    switch (nd->op) {
    case N_NEG:
        for (size_t i = 0; i < n; i++)
            r[i] = (int64_t)(0 - (uint64_t)x[i]);
        break;
    case N_ADD:
        for (size_t i = 0; i < n; i++)
            r[i] = (int64_t)((uint64_t)x[i] + (uint64_t)y[i]);
        break;
    case N_SUB:
        for (size_t i = 0; i < n; i++)
            r[i] = (int64_t)((uint64_t)x[i] - (uint64_t)y[i]);
        break;
    case N_MUL:
        for (size_t i = 0; i < n; i++)
            r[i] = (int64_t)((uint64_t)x[i] * (uint64_t)y[i]);
        break;
    case N_MOD:
        for (size_t i = 0; i < n; i++) {
            if (y[i] == 0) {
                v->nn[i] = 0;
                r[i] = 0;
            } else {
                r[i] = y[i] == -1 ? 0 : x[i] % y[i];
            }
        }
        break;
    default:
        break;
    }
    return 0;
}

static int str_cmp(const uint8_t *a, int32_t an, const uint8_t *b, int32_t bn)
{
    int c = memcmp(a, b, (size_t)(an < bn ? an : bn));
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* r[i] = (a[i] op b[i]) as 0/1, for values of one storage class. */
static void compare(enum op op, const struct vec *a, const struct vec *b,
                    uint8_t *r, size_t n)
{
    int c;
#define CMP_LOOP(expr)                                                         \
    for (size_t i = 0; i < n; i++) {                                           \
        c = (expr);                                                            \
        switch (op) {                                                          \
        case N_EQ:                                                             \
            r[i] = c == 0;                                                     \
            break;                                                             \
        case N_NE:                                                             \
            r[i] = c != 0;                                                     \
            break;                                                             \
        case N_LT:                                                             \
            r[i] = c < 0;                                                      \
            break;                                                             \
        case N_LE:                                                             \
            r[i] = c <= 0;                                                     \
            break;                                                             \
        case N_GT:                                                             \
            r[i] = c > 0;                                                      \
            break;                                                             \
        default:                                                               \
            r[i] = c >= 0;                                                     \
            break;                                                             \
        }                                                                      \
    }
    switch (a->t) {
    case SL_BOOLEAN:
        CMP_LOOP((a->b[i] > b->b[i]) - (a->b[i] < b->b[i]));
        break;
    case SL_DOUBLE:
        CMP_LOOP((a->f[i] > b->f[i]) - (a->f[i] < b->f[i]));
        break;
    case SL_STRING:
        CMP_LOOP(str_cmp(a->p[i], a->len[i], b->p[i], b->len[i]));
        break;
    case SL_NULLTYPE:
        memset(r, 0, n);
        break;
    default:
        CMP_LOOP((a->i[i] > b->i[i]) - (a->i[i] < b->i[i]));
        break;
    }
#undef CMP_LOOP
}

static int eval_cmp(struct node *nd, size_t n)
{
    struct vec *a = &nd->kid[0]->v, *b = &nd->kid[1]->v, *v = &nd->v;
    int rc = vec_own(v, SL_BOOLEAN, n);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        v->nn[i] = a->nn[i] & b->nn[i];
    compare(nd->op, a, b, v->b, n);
    return 0;
}

/* x IN (y1, y2, ...): true when some yk = x; else null when x or some yk
 * is null; else false (SQL). */
static int eval_in(struct node *nd, size_t n)
{
    struct vec *x = &nd->kid[0]->v, *v = &nd->v;
    int rc = vec_own(v, SL_BOOLEAN, n);
    if (rc)
        return rc;
    uint8_t *tmp = malloc(n ? n : 1);
    if (!tmp)
        return SL_ENOMEM;
    memset(v->b, 0, n);
    memcpy(v->nn, x->nn, n); /* "no null met yet", fixed up at the end */
    for (size_t k = 1; k < nd->nk; k++) {
        struct vec *y = &nd->kid[k]->v;
        compare(N_EQ, x, y, tmp, n);
        for (size_t i = 0; i < n; i++) {
            if (x->nn[i] && y->nn[i] && tmp[i])
                v->b[i] = 1;
            else if (!y->nn[i])
                v->nn[i] = 0;
        }
    }
    free(tmp);
    for (size_t i = 0; i < n; i++)
        if (v->b[i])
            v->nn[i] = 1;
    return 0;
}

static int eval_between(struct node *nd, size_t n)
{
    struct vec *x = &nd->kid[0]->v, *lo = &nd->kid[1]->v, *hi = &nd->kid[2]->v,
               *v = &nd->v;
    int rc = vec_own(v, SL_BOOLEAN, n);
    if (rc)
        return rc;
    uint8_t *t = v->b_own, *u = malloc(n ? n : 1);
    if (!u)
        return SL_ENOMEM;
    compare(N_GE, x, lo, t, n);
    compare(N_LE, x, hi, u, n);
    /* (x >= lo) AND (x <= hi) in three-valued logic */
    for (size_t i = 0; i < n; i++) {
        bool a_known = x->nn[i] && lo->nn[i], b_known = x->nn[i] && hi->nn[i];
        bool a = t[i], b = u[i];
        if ((a_known && !a) || (b_known && !b)) {
            v->nn[i] = 1;
            t[i] = 0;
        } else if (a_known && b_known) {
            v->nn[i] = 1;
            t[i] = 1;
        } else {
            v->nn[i] = 0;
            t[i] = 0;
        }
    }
    free(u);
    return 0;
}

static int eval_logic(struct node *nd, size_t n)
{
    struct vec *a = &nd->kid[0]->v, *v = &nd->v;
    int rc = vec_own(v, SL_BOOLEAN, n);
    if (rc)
        return rc;
    if (nd->op == N_NOT) {
        for (size_t i = 0; i < n; i++) {
            v->nn[i] = a->nn[i];
            v->b[i] = a->nn[i] & !a->b[i];
        }
        return 0;
    }
    struct vec *b = &nd->kid[1]->v;
    if (nd->op == N_AND) {
        for (size_t i = 0; i < n; i++) {
            bool af = a->nn[i] && !a->b[i], bf = b->nn[i] && !b->b[i];
            bool at = a->nn[i] && a->b[i], bt = b->nn[i] && b->b[i];
            v->b[i] = at && bt;
            v->nn[i] = af || bf || (at && bt);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            bool af = a->nn[i] && !a->b[i], bf = b->nn[i] && !b->b[i];
            bool at = a->nn[i] && a->b[i], bt = b->nn[i] && b->b[i];
            v->b[i] = at || bt;
            v->nn[i] = at || bt || (af && bf);
        }
    }
    return 0;
}

static int eval_isnull(struct node *nd, size_t n)
{
    struct vec *a = &nd->kid[0]->v, *v = &nd->v;
    int rc = vec_own(v, SL_BOOLEAN, n);
    if (rc)
        return rc;
    memset(v->nn, 1, n);
    for (size_t i = 0; i < n; i++)
        v->b[i] = nd->op == N_ISNULL ? !a->nn[i] : a->nn[i];
    return 0;
}

/* Copy row i of vector a into row i of v (same type). */
static inline void vec_copy_row(struct vec *v, const struct vec *a, size_t i)
{
    v->nn[i] = a->nn[i];
    switch (v->t) {
    case SL_BOOLEAN:
        v->b[i] = a->b[i];
        break;
    case SL_DOUBLE:
        v->f[i] = a->f[i];
        break;
    case SL_STRING:
        v->p[i] = a->p[i];
        v->len[i] = a->len[i];
        break;
    case SL_NULLTYPE:
        break;
    default:
        v->i[i] = a->i[i];
        break;
    }
}

static int eval_case(struct node *nd, size_t n)
{
    struct vec *v = &nd->v;
    int rc = vec_own(v, nd->type, n);
    if (rc)
        return rc;
    size_t pairs = (nd->nk - (nd->has_else ? 1 : 0)) / 2;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < pairs; k++) {
            const struct vec *w = &nd->kid[2 * k]->v;
            if (w->nn[i] && w->b[i])
                break;
        }
        if (k < pairs)
            vec_copy_row(v, &nd->kid[2 * k + 1]->v, i);
        else if (nd->has_else)
            vec_copy_row(v, &nd->kid[nd->nk - 1]->v, i);
        else
            v->nn[i] = 0;
    }
    return 0;
}

/* SQL LIKE: % any run, _ one character, \ escapes. Iterative with one
 * backtrack point (the last %), linear in practice. */
static bool like(const uint8_t *s, size_t n, const uint8_t *p, size_t m)
{
    size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
    while (si < n) {
        if (pi < m && p[pi] == '%') {
            star_p = ++pi;
            star_s = si;
            continue;
        }
        if (pi < m) {
            bool esc = p[pi] == '\\' && pi + 1 < m;
            uint8_t pc = esc ? p[pi + 1] : p[pi];
            if (!esc && pc == '_') {
                /* one UTF-8 character */
                si++;
                while (si < n && (s[si] & 0xc0) == 0x80)
                    si++;
                pi++;
                continue;
            }
            if (pc == s[si]) {
                si++;
                pi += esc ? 2 : 1;
                continue;
            }
        }
        if (star_p == (size_t)-1)
            return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < m && p[pi] == '%')
        pi++;
    return pi == m;
}

static int eval_like(struct node *nd, size_t n)
{
    struct vec *a = &nd->kid[0]->v, *v = &nd->v;
    const struct node *pat = nd->kid[1];
    int rc = vec_own(v, SL_BOOLEAN, n);
    if (rc)
        return rc;
    memcpy(v->nn, a->nn, n);
    for (size_t i = 0; i < n; i++)
        v->b[i] = a->nn[i] && like(a->p[i], (size_t)a->len[i],
                                   (const uint8_t *)pat->lit_s, pat->lit_n);
    return 0;
}

int sl__expr_eval_node(struct sl_expr *e, struct node *nd,
                       const struct sl_batch *b, size_t n)
{
    int rc;
    if (nd->op == N_COL)
        return eval_col(b, nd, n);
    if (nd->op == N_LIKE)
        return (rc = sl__expr_eval_node(e, nd->kid[0], b, n))
                   ? rc
                   : eval_like(nd, n);
    for (size_t i = 0; i < nd->nk; i++)
        if ((rc = sl__expr_eval_node(e, nd->kid[i], b, n)))
            return rc;
    switch (nd->op) {
    case N_LIT:
        return eval_lit(nd, n);
    case N_NEG:
    case N_ADD:
    case N_SUB:
    case N_MUL:
    case N_DIV:
    case N_MOD:
        return eval_arith(e, nd, n);
    case N_EQ:
    case N_NE:
    case N_LT:
    case N_LE:
    case N_GT:
    case N_GE:
        return eval_cmp(nd, n);
    case N_IN:
        return eval_in(nd, n);
    case N_BETWEEN:
        return eval_between(nd, n);
    case N_AND:
    case N_OR:
    case N_NOT:
        return eval_logic(nd, n);
    case N_ISNULL:
    case N_NOTNULL:
        return eval_isnull(nd, n);
    case N_CASE:
        return eval_case(nd, n);
    case N_CAST:
        if ((rc = vec_own(&nd->v, nd->type, n)))
            return rc;
        return sl__expr_cast(e, &nd->kid[0]->v, &nd->v, nd->type, n);
    case N_FUNC:
        if ((rc = vec_own(&nd->v, nd->type, n)))
            return rc;
        return sl__expr_eval_func(e, nd, n);
    default:
        return 0;
    }
}

/* ---- public ---- */

int sl_expr_compile(const char *text, const struct sl_field *schema,
                    struct sl_expr **out, struct sl_error *err)
{
    return sl_expr_compile_ex(text, schema, 0, out, err);
}

int sl_expr_compile_ex(const char *text, const struct sl_field *schema,
                       unsigned flags, struct sl_expr **out,
                       struct sl_error *err)
{
    *out = NULL;
    struct sl_expr *e = calloc(1, sizeof *e);
    if (!e || !(e->text = strdup(text))) {
        free(e);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    e->flags = flags;
    int rc = sl__expr_parse(e, err);
    if (!rc && schema) {
        rc = sl__expr_check(e, schema, err);
        e->bound = !rc;
    }
    if (rc) {
        sl_expr_destroy(e);
        return rc;
    }
    *out = e;
    return 0;
}

void sl_expr_destroy(struct sl_expr *e)
{
    if (!e)
        return;
    sl__expr_node_free(e->root);
    free(e->text);
    free(e);
}

enum sl_type sl_expr_type(const struct sl_expr *e)
{
    return e->root->type;
}

static int run(struct sl_expr *e, const struct sl_batch *b,
               struct sl_error *err)
{
    if (!e->bound)
        return sl_error_set(err, SL_EINVAL,
                            "expression '%s' was not checked against a "
                            "schema",
                            e->text);
    e->failed = 0;
    int rc = sl__expr_eval_node(e, e->root, b, sl_batch_rows(b));
    if (rc == SL_ELIMIT)
        return sl_error_set(err, rc,
                            "expression '%s': a string value grew past "
                            "%u bytes in one chunk",
                            e->text, EXPR_MAX_STR);
    if (rc)
        return sl_error_set(err, rc, "expression '%s': out of memory", e->text);
    return 0;
}

int sl_expr_eval(struct sl_expr *e, const struct sl_batch *b,
                 struct sl_col *out, int64_t *failed, struct sl_error *err)
{
    int rc = run(e, b, err);
    if (rc)
        return rc;
    const struct vec *v = &e->root->v;
    size_t n = sl_batch_rows(b), bytes = 0;
    bool null_out = out->type == SL_NULLTYPE;
    if (out->type == SL_STRING)
        for (size_t i = 0; i < n; i++)
            bytes += v->nn[i] ? (size_t)v->len[i] : 0;
    switch (out->type) {
    case SL_NULLTYPE:
    case SL_BOOLEAN:
    case SL_INT:
    case SL_DATE:
    case SL_BIGINT:
    case SL_TIMESTAMP:
    case SL_DOUBLE:
    case SL_FLOAT:
    case SL_STRING:
        break;
    default:
        rc = SL_EINVAL;
        break;
    }
    if (!rc && n)
        rc = sl_col_reserve(out, n, bytes);
    if (!rc && n) {
        /* fill the buffers directly: a null slot is zeroed (offsets
         * repeated), as batch.h asks */
        size_t at = out->len;
        for (size_t i = 0; i < n; i++) {
            size_t j = at + i;
            uint8_t bit = (uint8_t)(1u << (j & 7));
            if (v->nn[i] && !null_out)
                out->valid[j >> 3] |= bit;
            else
                out->valid[j >> 3] &= (uint8_t)~bit;
        }
#define FILL(T, src)                                                           \
    for (size_t i = 0; i < n; i++)                                             \
        SL_COL_VALUES(out, T)[at + i] = v->nn[i] ? (T)(src)[i] : (T)0;
        switch (out->type) {
        case SL_BOOLEAN:
            FILL(uint8_t, v->b);
            break;
        case SL_INT:
        case SL_DATE:
            FILL(int32_t, v->i);
            break;
        case SL_BIGINT:
        case SL_TIMESTAMP:
            FILL(int64_t, v->i);
            break;
        case SL_DOUBLE:
            FILL(double, v->f);
            break;
        case SL_FLOAT:
            FILL(float, v->f);
            break;
        case SL_STRING: {
            int32_t o = out->off[at];
            uint8_t *d = bytes ? out->data + out->data_len : NULL;
            for (size_t i = 0; i < n; i++) {
                if (v->nn[i] && v->len[i]) {
                    memcpy(d, v->p[i], (size_t)v->len[i]);
                    d += v->len[i];
                    o += v->len[i];
                }
                out->off[at + i + 1] = o;
            }
            out->data_len += bytes;
            break;
        }
        default:
            break;
        }
#undef FILL
        out->len = at + n;
    }
    if (rc)
        return sl_error_set(err, rc, "expression '%s': cannot store its value",
                            e->text);
    if (failed)
        *failed += e->failed;
    return 0;
}

int sl_expr_select(struct sl_expr *e, const struct sl_batch *b, uint32_t *sel,
                   size_t *n_out, struct sl_error *err)
{
    int rc = run(e, b, err);
    if (rc)
        return rc;
    const struct vec *v = &e->root->v;
    size_t n = sl_batch_rows(b), k = 0;
    if (v->t != SL_BOOLEAN) {
        *n_out = 0;
        return 0; /* NULL literal: no row is true */
    }
    for (size_t i = 0; i < n; i++) {
        sel[k] = (uint32_t)i;
        k += v->nn[i] & v->b[i];
    }
    *n_out = k;
    return 0;
}

const struct sl_col *sl_expr_as_col(const struct sl_expr *e,
                                    const struct sl_batch *b)
{
    const struct node *nd = e->root;
    if (nd->op == N_CAST && nd->nk == 1 && nd->kid[0]->op == N_COL)
        nd = nd->kid[0]; /* a CAST to the column's own type is the column */
    if (!e->bound || nd->op != N_COL || nd->depth == 0)
        return NULL;
    const struct sl_col *c = col_of(b, nd);
    return c->type == e->root->type ? c : NULL;
}

const struct sl_col *sl_expr_path_col(const struct sl_batch *b,
                                      const char *path)
{
    const struct sl_col *c = &b->root;
    const char *s = path;
    char name[256];
    while (*s) {
        if (c->type != SL_STRUCT)
            return NULL;
        s += sl_expr_path_part(s, name, sizeof name);
        const struct sl_col *f = NULL;
        for (uint32_t j = 0; j < c->n_child && !f; j++)
            if (c->child[j].name && strcmp(c->child[j].name, name) == 0)
                f = &c->child[j];
        if (!f)
            return NULL;
        c = f;
    }
    return c;
}
