/*
 * apply_mapping.c - Glue's ApplyMapping:
 *
 *   - apply_mapping: [[source_path, source_type, target_path, target_type],
 *                     ...]
 *   - apply_mapping: {mappings: [...], on_error: dead_letter}
 *
 * Only mapped fields are kept, in the order of their first mention;
 * dotted paths read nested structs and write them (targets "a.b" and
 * "a.c" make one struct a). Scalar targets are reached with the
 * expression language's CAST (expr_cast.c: strings <-> numbers,
 * booleans, ISO-8601 and epoch-second timestamps, dates). A value that
 * does not cast becomes null and is counted (the engine logs the count
 * per batch), or, with on_error: dead_letter, its whole row goes to the
 * dead-letter output with the reason. Nested targets (struct, array,
 * map) take the source as it is when its type is the same. The
 * source_type is checked to be a type; the value is read with the type
 * it has (under schema detection it may vary), so mapping "int" data
 * that arrives as strings still casts. A source path absent from the
 * chunk gives nulls (not counted as failures).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tbatch.h"

struct item {
    char *src, *dst;
    struct sl_field type; /* target */
    bool scalar;
};

struct tnode {
    char *name;
    int item; /* leaf: mapping index; -1: struct */
    size_t nk;
    struct tnode *kid;
};

struct am {
    size_t n;
    struct item *m;
    char **text; /* CAST(src AS type) per item */
    struct tnode root;
    bool dead_letter;
    struct xset xs;
    struct tb out, ok;
    struct sl_col *tmp;
    const struct sl_col **view; /* per item: source passed as a view */
    const struct sl_col **val;  /* per item: its values (tmp or source) */
    uint16_t *bad;              /* per row: 1 + first failing item, or 0 */
    uint32_t *sel;
    size_t rows_cap;
    struct sl_transform_env *env;
};

static void tnode_free(struct tnode *t)
{
    for (size_t i = 0; i < t->nk; i++)
        tnode_free(&t->kid[i]);
    free(t->kid);
    free(t->name);
}

static void am_destroy(void *st)
{
    struct am *a = st;
    if (!a)
        return;
    xset_free(&a->xs);
    tb_free(&a->out);
    tb_free(&a->ok);
    for (size_t i = 0; i < a->n; i++) {
        free(a->m[i].src);
        free(a->m[i].dst);
        sl_field_free(&a->m[i].type);
        free(a->text[i]);
        sl_col_free(&a->tmp[i]);
    }
    free(a->m);
    free(a->text);
    free(a->tmp);
    free(a->view);
    free(a->val);
    free(a->bad);
    free(a->sel);
    tnode_free(&a->root);
    free(a);
}

static bool expr_type(enum sl_type t, const char **name)
{
    switch (t) {
    case SL_BOOLEAN:
        *name = "boolean";
        return true;
    case SL_INT:
        *name = "int";
        return true;
    case SL_BIGINT:
        *name = "bigint";
        return true;
    case SL_FLOAT:
    case SL_DOUBLE:
        *name = "double";
        return true;
    case SL_STRING:
        *name = "string";
        return true;
    case SL_DATE:
        *name = "date";
        return true;
    case SL_TIMESTAMP:
        *name = "timestamp";
        return true;
    default:
        return false;
    }
}

/* Place item i at target path in the tree. */
static int place(struct tnode *root, const char *path, int item,
                 struct sl_error *err)
{
    char name[256];
    struct tnode *t = root;
    const char *p = path;
    while (*p) {
        p += sl_expr_path_part(p, name, sizeof name);
        struct tnode *k = NULL;
        for (size_t i = 0; i < t->nk && !k; i++)
            if (strcmp(t->kid[i].name, name) == 0)
                k = &t->kid[i];
        if (k && (k->item >= 0 || !*p))
            return sl_error_set(err, SL_EINVAL,
                                "target '%s' is mapped twice (or is both a "
                                "field and a struct)",
                                path);
        if (!k) {
            struct tnode *v = realloc(t->kid, (t->nk + 1) * sizeof *v);
            if (!v)
                return SL_ENOMEM;
            t->kid = v;
            k = &v[t->nk++];
            memset(k, 0, sizeof *k);
            k->item = *p ? -1 : item;
            if (!(k->name = strdup(name)))
                return SL_ENOMEM;
        }
        t = k;
    }
    return 0;
}

static int parse_item(struct am *a, size_t i, const struct sl_conf *it,
                      struct sl_error *err)
{
    char where[256];
    if (it->kind != SL_CONF_SEQ || it->n != 4)
        return sl_error_set(err, SL_EINVAL,
                            "%s: mapping %zu: expected [source_path, "
                            "source_type, target_path, target_type]",
                            sl_conf_where(it, where, sizeof where), i + 1);
    for (size_t k = 0; k < 4; k++)
        if (it->items[k]->kind != SL_CONF_SCALAR || !*it->items[k]->str)
            return sl_error_set(
                err, SL_EINVAL, "%s: mapping %zu: item %zu is not a name",
                sl_conf_where(it->items[k], where, sizeof where), i + 1, k + 1);
    struct item *m = &a->m[i];
    struct sl_field st;
    int rc = sl_type_parse(it->items[1]->str, &st, err);
    sl_field_free(&st);
    if (!rc)
        rc = sl_type_parse(it->items[3]->str, &m->type, err);
    if (rc) {
        sl_error_prefix(err, "%s: mapping %zu: ",
                        sl_conf_where(it, where, sizeof where), i + 1);
        return rc;
    }
    const char *tn = NULL;
    m->scalar = expr_type(m->type.type, &tn);
    if (!m->scalar && !sl_type_is_nested(m->type.type))
        return sl_error_set(err, SL_EINVAL,
                            "%s: mapping %zu: target type %s is not "
                            "supported here (use boolean, int, bigint, "
                            "float, double, string, date, timestamp, or a "
                            "struct/array/map of the source's own type)",
                            sl_conf_where(it->items[3], where, sizeof where),
                            i + 1, it->items[3]->str);
    if (!(m->src = strdup(it->items[0]->str)) ||
        !(m->dst = strdup(it->items[2]->str)))
        return SL_ENOMEM;
    struct sl_buf t;
    sl_buf_init(&t, 0);
    rc = m->scalar ? sl_buf_appendf(&t, "CAST(%s AS %s)", m->src, tn)
                   : sl_buf_appendf(&t, "%s IS NULL", m->src);
    if (!rc)
        rc = sl_buf_cstr(&t);
    if (rc) {
        sl_buf_free(&t);
        return rc;
    }
    a->text[i] = (char *)t.data;
    if ((rc = place(&a->root, m->dst, (int)i, err)))
        sl_error_prefix(err, "%s: ", sl_conf_where(it, where, sizeof where));
    return rc;
}

static int am_create(const struct sl_conf *c, void **st, struct sl_error *err)
{
    *st = NULL;
    const struct sl_conf *list = c;
    const char *on_error = NULL;
    if (c && c->kind == SL_CONF_MAP) {
        list = sl_conf_get(c, "mappings");
        on_error = sl_conf_str(c, "on_error");
        for (size_t i = 0; i < c->n; i++)
            if (strcmp(c->keys[i], "mappings") &&
                strcmp(c->keys[i], "on_error"))
                return sl_error_set(err, SL_EINVAL,
                                    "unknown key '%s' (known keys: "
                                    "mappings, on_error)",
                                    c->keys[i]);
    }
    if (!list || list->kind != SL_CONF_SEQ || list->n == 0)
        return sl_error_set(err, SL_EINVAL,
                            "expected a list of [source_path, source_type, "
                            "target_path, target_type]");
    if (on_error && strcmp(on_error, "null") && strcmp(on_error, "dead_letter"))
        return sl_error_set(err, SL_EINVAL,
                            "on_error: '%s' (use null or dead_letter)",
                            on_error);
    if (list->n > 60000)
        return sl_error_set(err, SL_ELIMIT, "more than 60000 mappings");
    struct am *a = calloc(1, sizeof *a);
    if (!a)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    a->dead_letter = on_error && strcmp(on_error, "dead_letter") == 0;
    a->root.item = -1;
    tb_init(&a->out);
    tb_init(&a->ok);
    a->n = list->n;
    int rc = 0;
    if (!(a->m = calloc(a->n, sizeof *a->m)) ||
        !(a->text = calloc(a->n, sizeof *a->text)) ||
        !(a->tmp = calloc(a->n, sizeof *a->tmp)) ||
        !(a->view = calloc(a->n, sizeof *a->view)) ||
        !(a->val = calloc(a->n, sizeof *a->val)))
        rc = SL_ENOMEM;
    for (size_t i = 0; !rc && i < a->n; i++)
        rc = parse_item(a, i, list->items[i], err);
    if (!rc) {
        xset_init(&a->xs, a->n, a->text);
        a->xs.detect = true;
        rc = xset_syntax(&a->xs, err);
    }
    if (rc) {
        if (rc == SL_ENOMEM)
            sl_error_set(err, rc, "out of memory");
        am_destroy(a);
        return rc;
    }
    *st = a;
    return 0;
}

static int reserve_rows(struct am *a, size_t rows)
{
    if (rows <= a->rows_cap)
        return 0;
    uint16_t *b = realloc(a->bad, rows * sizeof *b);
    if (!b)
        return SL_ENOMEM;
    a->bad = b;
    uint32_t *s = realloc(a->sel, rows * sizeof *s);
    if (!s)
        return SL_ENOMEM;
    a->sel = s;
    a->rows_cap = rows;
    return 0;
}

/* Field of target node t (struct of its children, or the item's type). */
static int node_field(const struct am *a, const struct tnode *t,
                      struct sl_field *f)
{
    if (t->item >= 0) {
        int rc = sl_field_copy(f, &a->m[t->item].type);
        if (rc)
            return rc;
        f->nullable = true;
        free(f->name);
        return (f->name = strdup(t->name)) ? 0 : SL_ENOMEM;
    }
    memset(f, 0, sizeof *f);
    f->type = SL_STRUCT;
    f->nullable = true;
    if (!(f->name = strdup(t->name)) ||
        !(f->children = calloc(t->nk ? t->nk : 1, sizeof *f->children)))
        return SL_ENOMEM;
    for (size_t i = 0; i < t->nk; i++) {
        int rc = node_field(a, &t->kid[i], &f->children[i]);
        f->n_children = (uint32_t)i + 1;
        if (rc)
            return rc;
    }
    return 0;
}

/* Fill the struct column c of target node t with `rows` rows, column by
 * column: each leaf copies its whole value column, then every struct
 * slot is marked present. */
static int fill_struct(struct am *a, const struct tnode *t, struct sl_col *c,
                       size_t rows)
{
    for (size_t k = 0; k < t->nk; k++) {
        const struct tnode *kt = &t->kid[k];
        int rc = kt->item >= 0 ? sl__col_copy_rows(&c->child[k],
                                                   a->val[kt->item], NULL, rows)
                               : fill_struct(a, kt, &c->child[k], rows);
        if (rc)
            return rc;
    }
    int rc = rows ? sl_col_reserve(c, rows, 0) : 0;
    if (rc)
        return rc;
    for (size_t i = c->len; i < c->len + rows; i++)
        c->valid[i >> 3] |= (uint8_t)(1u << (i & 7));
    c->len += rows;
    return 0;
}

/* Compute item i into a->tmp[i]; mark rows whose value did not cast. */
static int compute(struct am *a, size_t i, struct sl_expr *e,
                   const struct sl_batch *in, size_t rows, struct sl_error *err)
{
    struct item *m = &a->m[i];
    struct sl_col *c = &a->tmp[i];
    sl_col_free(c);
    struct sl_field f = m->type;
    f.name = NULL;
    f.nullable = true;
    int rc = sl_col_init(c, &f);
    if (rc)
        return sl_error_set(err, rc, "out of memory");
    const struct sl_col *src = sl_expr_path_col(in, m->src);
    a->val[i] = c;
    if (m->scalar) {
        /* the source already has the target type: read it in place */
        const struct sl_col *same = sl_expr_as_col(e, in);
        if (same && same == src) {
            a->val[i] = same;
            return 0;
        }
        if ((rc = sl_expr_eval(e, in, c, NULL, err)))
            return rc;
        if (!src)
            return 0;
        for (size_t r = 0; r < rows; r++)
            if (!a->bad[r] && sl_col_is_valid(src, r) && !sl_col_is_valid(c, r))
                a->bad[r] = (uint16_t)(i + 1);
        return 0;
    }
    struct sl_field sf = {0};
    bool same = false;
    if (src) {
        struct sl_batch tmp = {.root = *src};
        if ((rc = sl_batch_schema(&tmp, &sf)))
            return sl_error_set(err, rc, "out of memory");
        free(sf.name);
        sf.name = NULL;
        sf.nullable = true;
        same = sl_field_equal(&sf, &f);
    }
    if (same) {
        rc = sl__col_copy_rows(c, src, NULL, rows);
    } else {
        for (size_t r = 0; r < rows && !rc; r++) {
            if (src && !a->bad[r] && sl_col_is_valid(src, r))
                a->bad[r] = (uint16_t)(i + 1);
            rc = sl_col_append_null(c);
        }
    }
    sl_field_free(&sf);
    if (rc)
        return sl_error_set(err, rc, "out of memory");
    return 0;
}

static int am_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                    struct sl_error *err)
{
    struct am *a = st;
    struct sl_expr **e;
    int rc = xset_get(&a->xs, in, &e, err);
    if (rc)
        return rc;
    size_t rows = sl_batch_rows(in);
    if (reserve_rows(a, rows ? rows : 1))
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    memset(a->bad, 0, rows * sizeof *a->bad);
    /* a top-level target whose source already has the target type passes
     * as a view (no cast, no copy) */
    for (size_t k = 0; k < a->root.nk; k++) {
        int i = a->root.kid[k].item;
        if (i < 0 || !a->m[i].scalar)
            continue;
        const struct sl_col *src = sl_expr_path_col(in, a->m[i].src);
        a->view[i] = src && src->type == a->m[i].type.type ? src : NULL;
    }
    for (size_t i = 0; i < a->n; i++)
        if (!a->view[i] && (rc = compute(a, i, e[i], in, rows, err)))
            return rc;
    tb_reset(&a->out);
    for (size_t k = 0; k < a->root.nk; k++) {
        const struct tnode *t = &a->root.kid[k];
        if (t->item >= 0 &&
            (a->view[t->item] || a->val[t->item] != &a->tmp[t->item])) {
            const struct sl_col *v =
                a->view[t->item] ? a->view[t->item] : a->val[t->item];
            if ((rc = tb_add_view(&a->out, v, t->name)))
                goto nomem;
            continue;
        }
        if (t->item >= 0) {
            free(a->tmp[t->item].name);
            if (!(a->tmp[t->item].name = strdup(t->name)) ||
                (rc = tb_add_owned(&a->out, &a->tmp[t->item])))
                goto nomem;
            continue;
        }
        struct sl_field f;
        if ((rc = node_field(a, t, &f)))
            goto nomem;
        struct sl_col *c = tb_add_new(&a->out, &f, t->name);
        sl_field_free(&f);
        if (!c)
            goto nomem;
        if ((rc = fill_struct(a, t, c, rows)))
            goto nomem;
    }
    if ((rc = tb_finish(&a->out, rows)))
        goto nomem;
    size_t nbad = 0, k = 0;
    for (size_t r = 0; r < rows; r++)
        if (a->bad[r])
            nbad++;
        else
            a->sel[k++] = (uint32_t)r;
    *out = &a->out.b;
    if (!nbad)
        return 0;
    if (!a->dead_letter) {
        if (a->env)
            a->env->cast_failures += (int64_t)nbad;
        return 0;
    }
    for (size_t r = 0; r < rows && a->env && a->env->dead_letter; r++) {
        if (!a->bad[r])
            continue;
        const struct item *m = &a->m[a->bad[r] - 1];
        struct sl_buf tn;
        sl_buf_init(&tn, 0);
        sl_type_format(&m->type, &tn);
        sl_buf_cstr(&tn);
        char why[512];
        snprintf(why, sizeof why,
                 "apply_mapping: the value of '%s' does not convert to %s "
                 "(target '%s')",
                 m->src, tn.data ? (char *)tn.data : "?", m->dst);
        sl_buf_free(&tn);
        if ((rc = a->env->dead_letter(a->env->ctx, in, r, why, err)))
            return rc;
    }
    tb_reset(&a->ok);
    if ((rc = tb_gather(&a->ok, &a->out.b, a->sel, k)))
        goto nomem;
    *out = &a->ok.b;
    return 0;
nomem:
    return sl_error_set(err, rc ? rc : SL_ENOMEM,
                        "apply_mapping: out of memory");
}

static int am_prepare(void *st, struct sl_transform_env *env,
                      struct sl_field *out, struct sl_error *err)
{
    struct am *a = st;
    a->env = env;
    if (!env->schema)
        return 0;
    a->xs.detect = false;
    for (size_t i = 0; i < a->n; i++) {
        /* check each source path on its own, for a message that names
         * the mapping rather than a column of the CAST we made */
        struct sl_expr *e;
        struct sl_error e2;
        sl_error_clear(&e2);
        if (sl_expr_compile(a->m[i].scalar ? a->m[i].src : a->text[i],
                            env->schema, &e, &e2) == 0) {
            sl_expr_destroy(e);
            continue;
        }
        const char *msg = sl_expr_err_text(e2.msg);
        return sl_error_set(err, SL_EINVAL, "mapping %zu: source '%s': %s",
                            i + 1, a->m[i].src, msg);
    }
    int rc = xset_prepare(&a->xs, env->schema, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->type = SL_STRUCT;
    if (!(out->children = calloc(a->root.nk, sizeof *out->children)))
        return SL_ENOMEM;
    for (size_t i = 0; i < a->root.nk; i++) {
        if ((rc = node_field(a, &a->root.kid[i], &out->children[i])))
            return rc;
        out->n_children = (uint32_t)i + 1;
    }
    return 0;
}

const struct sl_transform_ops sl_transform_apply_mapping = {
    .name = "apply_mapping",
    .summary = "keep, rename, nest and cast fields (Glue ApplyMapping)",
    .takes = "list of [source_path, source_type, target_path, target_type]",
    .create = am_create,
    .apply = am_apply,
    .prepare = am_prepare,
    .destroy = am_destroy,
};
