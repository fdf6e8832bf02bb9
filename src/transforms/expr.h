/*
 * expr.h - the expression language of `filter`, `derive` and friends.
 *
 * What Spark SQL users write in filter() and selectExpr(): literals,
 * column paths a.b.c, + - * / %, comparisons, AND OR NOT with SQL
 * three-valued logic, IS [NOT] NULL, IN, LIKE, BETWEEN, CASE, CAST and a
 * set of scalar functions (docs/transforms.md has the reference). No
 * wall-clock functions: a value depends only on the row.
 *
 * Life of an expression: sl_expr_compile parses the text and type-checks
 * it against a schema (the input schema of the transform). Errors name the
 * 1-based character column of the expression: "column 14: unknown column
 * 'usr' (did you mean 'user'?)". With schema NULL only the syntax is
 * checked (schema detection: the transform compiles again per distinct
 * chunk schema). sl_expr_eval then computes the expression for every row
 * of a chunk at once, node by node over whole columns (vectorised), and
 * hands back a column of the expression's type.
 */
#ifndef SL_EXPR_H
#define SL_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "error.h"
#include "schema.h"

struct sl_expr;

/* Parse and type-check `text` against `schema` (an SL_STRUCT; NULL: syntax
 * only, the result cannot be evaluated). */
int sl_expr_compile(const char *text, const struct sl_field *schema,
                    struct sl_expr **out, struct sl_error *err);
/* Flags for sl_expr_compile_ex. */
#define SL_EXPR_MISSING_NULL                                                   \
    1u /* an unknown column reads as NULL (schema                              \
          detection: a field not seen yet) */
int sl_expr_compile_ex(const char *text, const struct sl_field *schema,
                       unsigned flags, struct sl_expr **out,
                       struct sl_error *err);
void sl_expr_destroy(struct sl_expr *e);
/* Result type: boolean, int, bigint, double, string, date, timestamp, or
 * NULLTYPE for a bare NULL. */
enum sl_type sl_expr_type(const struct sl_expr *e);

/* Evaluate over every row of b (whose columns follow the schema given to
 * sl_expr_compile). The result is appended to `out`, a column the caller
 * initialised with sl_col_init for type sl_expr_type (NULLTYPE gives a
 * column of nulls). Values that do not compute (a failed cast, x / 0) are
 * null; `failed`, when not NULL, counts the casts that failed. */
int sl_expr_eval(struct sl_expr *e, const struct sl_batch *b,
                 struct sl_col *out, int64_t *failed, struct sl_error *err);
/* Boolean expressions: the rows where the value is true (not false, not
 * null), as indexes into sel (room for sl_batch_rows(b)); *n set. */
int sl_expr_select(struct sl_expr *e, const struct sl_batch *b, uint32_t *sel,
                   size_t *n, struct sl_error *err);

/* When e is a bare column reference (or a CAST of one to its own type),
 * that column of b, which has e's type: what sl_expr_eval would give,
 * without the copy. NULL otherwise. */
const struct sl_col *sl_expr_as_col(const struct sl_expr *e,
                                    const struct sl_batch *b);

/* Resolve a dotted path ("a.b.c", `odd name`.x) to the column of b. NULL
 * when absent. Shared by the transforms that take paths. */
const struct sl_col *sl_expr_path_col(const struct sl_batch *b,
                                      const char *path);

/* An error message without its leading "column N: " (for messages about
 * expressions sluice wrote around the user's text). */
const char *sl_expr_err_text(const char *msg);

/* Split the first name off a dotted path (`quoted` parts allowed) into
 * name; returns the bytes consumed including the dot. */
size_t sl_expr_path_part(const char *s, char *name, size_t cap);

#endif
