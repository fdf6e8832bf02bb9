/*
 * expr_int.h - inside the expression language: tokens, the tree, and the
 * vectors the evaluator passes between nodes (expr_*.c only).
 *
 * A vector holds one value per row of the chunk. Storage by type:
 *   boolean                         b[i] (0/1)
 *   int, bigint, date, timestamp    i[i] (int64; int and date keep their
 *                                   ranges by construction)
 *   double                          f[i]
 *   string                          p[i], len[i] (bytes borrowed from a
 *                                   column or a literal, or owned in sb)
 * nn[i] is 1 when row i is not null. Vectors of column references borrow
 * the column's buffers where the layout allows (bigint, timestamp, double).
 */
#ifndef SL_EXPR_INT_H
#define SL_EXPR_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "expr.h"

#define EXPR_MAX_TEXT 65536 /* bytes of expression text */
#define EXPR_MAX_DEPTH 200  /* nesting of the tree */
#define EXPR_MAX_NODES 10000
#define EXPR_MAX_STR (256u << 20) /* bytes of strings one node may make */

enum tok {
    T_EOF,
    T_INT,
    T_NUM,
    T_STR,
    T_IDENT, /* plain or `quoted` */
    T_LP,
    T_RP,
    T_COMMA,
    T_DOT,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PCT,
    T_EQ,
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_CONCAT, /* || */
};

struct token {
    enum tok t;
    int pos;       /* 1-based column */
    bool quoted;   /* `ident` */
    const char *s; /* into the text */
    size_t n;
};

enum op {
    N_LIT,
    N_COL,
    N_NEG,
    N_ADD,
    N_SUB,
    N_MUL,
    N_DIV,
    N_MOD,
    N_EQ,
    N_NE,
    N_LT,
    N_LE,
    N_GT,
    N_GE,
    N_AND,
    N_OR,
    N_NOT,
    N_ISNULL,
    N_NOTNULL,
    N_IN,      /* kid[0] IN (kid[1..]) */
    N_BETWEEN, /* kid[0] BETWEEN kid[1] AND kid[2] */
    N_LIKE,    /* kid[0] LIKE kid[1] (a string literal) */
    N_CASE,    /* kids: when, then, when, then, ..., [else] (has_else) */
    N_CAST,
    N_FUNC,
};

enum fn {
    F_LOWER,
    F_UPPER,
    F_TRIM,
    F_LENGTH,
    F_SUBSTR,
    F_CONCAT,
    F_COALESCE,
    F_NULLIF,
    F_ABS,
    F_ROUND,
    F_FLOOR,
    F_CEIL,
    F_REGEXP_EXTRACT,
    F_REGEXP_LIKE,
    F_TO_TIMESTAMP,
    F_DATE_FORMAT,
    F_YEAR,
    F_MONTH,
    F_DAY,
    F_HOUR,
    F_COUNT_
};

struct vec {
    enum sl_type t;
    size_t n;
    uint8_t *nn;
    int64_t *i;
    double *f;
    uint8_t *b;
    const uint8_t **p;
    int32_t *len;
    /* owned storage, reused chunk after chunk */
    size_t cap;
    uint8_t *nn_own, *b_own;
    int64_t *i_own;
    double *f_own;
    const uint8_t **p_own;
    int32_t *len_own;
    struct sl_buf sb;
};

struct node {
    enum op op;
    int pos; /* 1-based column in the text */
    enum sl_type type;
    struct node **kid;
    size_t nk;
    /* N_LIT */
    bool lit_null;
    int64_t lit_i;
    double lit_f;
    char *lit_s;
    size_t lit_n;
    /* N_COL: path as written, resolved child indexes from the root */
    char *path;
    int *idx;
    int depth;
    enum sl_type col_type; /* the column's own type (int, float, ...) */
    /* N_FUNC */
    enum fn fn;
    /* N_CAST target, N_CASE */
    bool has_else;
    /* LIKE, regexp_*: compiled pattern (pattern must be a literal) */
    pcre2_code *re;
    pcre2_match_data *md;
    /* date_format: the pattern (literal) */
    char *fmt;
    struct vec v;
};

struct sl_expr {
    char *text;
    struct node *root;
    bool bound;     /* type-checked against a schema */
    unsigned flags; /* SL_EXPR_* */
    size_t n_nodes;
    int64_t failed; /* casts that failed in the current evaluation */
};

/* expr_parse.c */
int sl__expr_parse(struct sl_expr *e, struct sl_error *err);
void sl__expr_node_free(struct node *n);
struct node *sl__expr_node_new(struct sl_expr *e, enum op op, int pos);
const char *sl__expr_fn_name(enum fn f);
/* Deep copy of a parsed (unchecked) subtree. */
int sl__expr_compile_copy(struct sl_expr *e, const struct node *src,
                          struct node **out);
int sl__expr_fn_find(const char *s, size_t n, enum fn *out);

/* expr_check.c: resolve columns, infer types, insert casts. */
int sl__expr_check(struct sl_expr *e, const struct sl_field *schema,
                   struct sl_error *err);
/* "column N: " error helper. */
int sl__expr_err(struct sl_error *err, int pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* expr_eval.c */
int sl__vec_reserve(struct vec *v, size_t n);
int sl__expr_eval_node(struct sl_expr *e, struct node *nd,
                       const struct sl_batch *b, size_t n);
void sl__vec_free(struct vec *v);
/* expr_cast.c: CAST between scalar types, row by row over a vector. */
int sl__expr_cast(struct sl_expr *e, const struct vec *in, struct vec *out,
                  enum sl_type to, size_t n);
/* expr_func.c */
int sl__expr_eval_func(struct sl_expr *e, struct node *nd, size_t n);
/* 0 when fmt is a date pattern date_format/to_timestamp understand. */
int sl__expr_check_dt_pattern(const char *fmt);
/* Write s[0..len) to a string vector's row i (owned bytes in v->sb). */
int sl__vec_str_begin(struct vec *v);
int sl__vec_str_put(struct vec *v, size_t i, const void *s, size_t len);
void sl__vec_str_end(struct vec *v, size_t n);

#endif
