/*
 * tbatch.h - output batches of transforms, made of views and new columns.
 *
 * A transform's output batch lives until the next apply of that transform
 * (the engine hands it to the next transform and the sink, then comes back
 * with the next chunk). Columns that pass through unchanged are not copied:
 * the output holds a *view*, a copy of the input column's header sharing
 * its buffers (only the name is the view's own). Views are valid while the
 * input is; everything is consumed before the next chunk is decoded, so
 * that holds. New columns (derived, cast, gathered) are owned. Never call
 * sl_batch_clear/destroy on a tb's batch: tb_reset/tb_free know which
 * columns are views.
 */
#ifndef SL_TBATCH_H
#define SL_TBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "part.h"

#define TB_MAX_COLS 100000

struct tb {
    struct sl_batch b; /* root: SL_STRUCT */
    uint8_t *shared;   /* per top-level column: 1 = view */
    uint32_t cap;
    size_t valid_cap; /* bytes of b.root.valid */
};

void tb_init(struct tb *t);
/* Drop every column (views forgotten, owned ones freed), zero rows. */
void tb_reset(struct tb *t);
void tb_free(struct tb *t);
/* Add a view of src named `name` (NULL: src's name). */
int tb_add_view(struct tb *t, const struct sl_col *src, const char *name);
/* Add an owned, empty column of field f's type named `name`; returns it
 * (pointers to earlier columns may move), NULL when out of memory. */
struct sl_col *tb_add_new(struct tb *t, const struct sl_field *f,
                          const char *name);
/* Take ownership of an initialised column c (moved: *c is zeroed). */
int tb_add_owned(struct tb *t, struct sl_col *c);
/* Set the row count (every column must have `rows` slots). */
int tb_finish(struct tb *t, size_t rows);

/* Append rows sel[0..n) of src (rows 0..n when sel is NULL) to dst, a
 * column of the same layout. */
int sl__col_copy_rows(struct sl_col *dst, const struct sl_col *src,
                      const uint32_t *sel, size_t n);
/* Append row i of src to dst (same layout). */
int sl__col_copy_row(struct sl_col *dst, const struct sl_col *src, size_t i);
/* Every top-level column of b gathered through sel into t (owned). */
int tb_gather(struct tb *t, const struct sl_batch *b, const uint32_t *sel,
              size_t n);
/* A nested column to put in place of another (sl__col_rebuild). */
struct trepl {
    const char *path;    /* dotted, relative to the column rebuilt */
    struct sl_col *leaf; /* consumed (moved in): the new column, n rows */
};
/* Build *out (zeroed by the caller) as a copy of struct column src with
 * rows sel[0..n) (all when sel is NULL), in which the column at each
 * r[i].path is replaced by r[i].leaf, which takes its name. Paths are
 * split with sl_expr_path_part; a path that names no column of src is
 * ignored (the caller checks with sl_expr_path_col). On failure *out may
 * hold a partial column: sl_col_free it. */
int sl__col_rebuild(struct sl_col *out, const struct sl_col *src,
                    struct trepl *r, size_t nr, const uint32_t *sel, size_t n);
/* True when b's columns have exactly the names and types of schema f. */
bool sl__batch_has_schema(const struct sl_batch *b, const struct sl_field *f);

/* ---- what every transform is handed (see part.h prepare) ---- */

/* A cache of per-schema compiled state, for schema detection: up to
 * TCACHE_MAX distinct input schemas, least recently added evicted. */
#define TCACHE_MAX 8
struct tcache {
    struct sl_field schema[TCACHE_MAX];
    void *val[TCACHE_MAX];
    int n, next;
    void (*free_val)(void *val);
};
/* The entry for b's schema, or NULL. */
void *tcache_get(struct tcache *c, const struct sl_batch *b);
/* Add val for schema f (both consumed; val freed by free_val on
 * eviction, f zeroed). */
int tcache_put(struct tcache *c, struct sl_field *f, void *val);
void tcache_free(struct tcache *c);

/* ---- expressions compiled per input schema (filter, derive, ...) ---- */

struct sl_expr;
struct xset {
    size_t n;
    char **text;         /* borrowed from the config */
    struct tcache cache; /* schema -> struct sl_expr *[n] */
    bool detect;         /* unknown columns read as NULL */
};
void xset_init(struct xset *x, size_t n, char **text);
void xset_free(struct xset *x);
/* Compile against a declared schema now (errors at job start). */
int xset_prepare(struct xset *x, const struct sl_field *schema,
                 struct sl_error *err);
/* The expressions xset_prepare compiled. */
struct sl_expr **xset_prepared(struct xset *x);
/* The expressions compiled for b's schema (compiled on first sight). */
int xset_get(struct xset *x, const struct sl_batch *b, struct sl_expr ***out,
             struct sl_error *err);
/* Compile the texts for syntax only (at create). */
int xset_syntax(struct xset *x, struct sl_error *err);

#endif
