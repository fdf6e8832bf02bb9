/*
 * resolve_choice.c - `resolve_choice: {column: action, ...}` for detected
 * schemas whose field changed type (Glue's ResolveChoice on a ChoiceType).
 *
 * Under detection sluice widens a field that changed type (int -> bigint
 * -> double, anything else -> string), so a "choice" arrives as one
 * widened column. The actions:
 *   cast:T      every value cast to T; values that do not cast become
 *               null and are counted (as apply_mapping does)
 *   project:T   the values that are of type T kept, the others null (not
 *               counted: they were of another type)
 *   make_struct a struct with one field per type seen in the chunk
 *               (boolean, bigint, double, string), each row filling the
 *               field of its own type: {"bigint": 5} / {"string": "x"}
 * T is boolean, int, bigint, double, string, date or timestamp. A column
 * is a path: a dotted one (a.b.c) settles a field inside structs, whose
 * enclosing structs are rebuilt around the new column (sl__col_rebuild).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tbatch.h"

enum act { A_CAST, A_PROJECT, A_STRUCT };

struct rc_item {
    char *col;
    enum act act;
};

struct rchoice {
    size_t n;
    struct rc_item *it;
    char **text; /* CAST expressions (make_struct: the column) */
    struct xset xs;
    struct tb out;
    struct sl_transform_env *env;
};

static void rchoice_destroy(void *st)
{
    struct rchoice *r = st;
    if (!r)
        return;
    xset_free(&r->xs);
    tb_free(&r->out);
    for (size_t i = 0; i < r->n; i++) {
        free(r->it[i].col);
        free(r->text[i]);
    }
    free(r->it);
    free(r->text);
    free(r);
}

/* The path as an expression: each part quoted, `a`.`b`. */
static int quote_col(struct sl_buf *b, const char *path)
{
    int rc = 0;
    for (const char *s = path; *s && !rc;) {
        char name[256];
        s += sl_expr_path_part(s, name, sizeof name);
        rc = sl_buf_putc(b, '`');
        for (const char *p = name; !rc && *p; p++)
            rc = *p == '`' ? sl_buf_puts(b, "``") : sl_buf_putc(b, *p);
        if (!rc)
            rc = sl_buf_putc(b, '`');
        if (!rc && *s)
            rc = sl_buf_putc(b, '.');
    }
    return rc;
}

static int rchoice_create(const struct sl_conf *c, void **st,
                          struct sl_error *err)
{
    *st = NULL;
    if (!c || c->kind != SL_CONF_MAP || c->n == 0)
        return sl_error_set(err, SL_EINVAL,
                            "expected {column: \"cast:bigint\" | "
                            "\"project:string\" | make_struct}");
    struct rchoice *r = calloc(1, sizeof *r);
    if (!r || !(r->it = calloc(c->n, sizeof *r->it)) ||
        !(r->text = calloc(c->n, sizeof *r->text))) {
        if (r)
            free(r->it);
        free(r);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    tb_init(&r->out);
    int rc = 0;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const char *v =
            c->items[i]->kind == SL_CONF_SCALAR ? c->items[i]->str : "";
        r->n = i + 1;
        struct rc_item *it = &r->it[i];
        if (!(it->col = strdup(c->keys[i]))) {
            rc = SL_ENOMEM;
            break;
        }
        const char *type = NULL;
        if (strncmp(v, "cast:", 5) == 0) {
            it->act = A_CAST;
            type = v + 5;
        } else if (strncmp(v, "project:", 8) == 0) {
            it->act = A_PROJECT;
            type = v + 8;
        } else if (strcmp(v, "make_struct") == 0) {
            it->act = A_STRUCT;
        } else {
            char where[256];
            rc = sl_error_set(err, SL_EINVAL,
                              "%s: '%s': unknown action '%s' (use cast:TYPE, "
                              "project:TYPE or make_struct)",
                              sl_conf_where(c->items[i], where, sizeof where),
                              c->keys[i], v);
            break;
        }
        struct sl_buf t;
        sl_buf_init(&t, 0);
        if (type)
            rc = sl_buf_puts(&t, "CAST(");
        if (!rc)
            rc = quote_col(&t, it->col);
        if (!rc && type)
            rc = sl_buf_appendf(&t, " AS %s)", type);
        if (!rc)
            rc = sl_buf_cstr(&t);
        r->text[i] = (char *)t.data;
    }
    if (!rc) {
        xset_init(&r->xs, r->n, r->text);
        r->xs.detect = true;
        rc = xset_syntax(&r->xs, err);
    }
    if (rc) {
        if (rc == SL_ENOMEM)
            sl_error_set(err, rc, "out of memory");
        rchoice_destroy(r);
        return rc;
    }
    *st = r;
    return 0;
}

/* Kind of a text value for make_struct: 0 boolean, 1 bigint, 2 double,
 * 3 string. */
static int kind_of(const uint8_t *p, size_t n)
{
    if ((n == 4 && memcmp(p, "true", 4) == 0) ||
        (n == 5 && memcmp(p, "false", 5) == 0))
        return 0;
    size_t i = n && (p[0] == '-') ? 1 : 0, digits = 0;
    bool dot = false, exp = false;
    for (; i < n; i++) {
        if (isdigit(p[i]))
            digits++;
        else if (p[i] == '.' && !dot && !exp)
            dot = true;
        else if ((p[i] == 'e' || p[i] == 'E') && digits && !exp) {
            exp = true;
            if (i + 1 < n && (p[i + 1] == '-' || p[i + 1] == '+'))
                i++;
        } else
            return 3;
    }
    if (!digits)
        return 3;
    if (!dot && !exp && digits <= 18)
        return 1;
    return 2;
}

/* The make_struct column of c into *out (zeroed); 1 when c is left as it
 * is (a type with no choice to make: nested, date, ...). */
static int make_struct(struct sl_col *out, const struct sl_col *c, size_t rows)
{
    static const char *const names[4] = {"boolean", "bigint", "double",
                                         "string"};
    static const enum sl_type types[4] = {SL_BOOLEAN, SL_BIGINT, SL_DOUBLE,
                                          SL_STRING};
    bool seen[4] = {0};
    int own = -1;
    switch (c->type) {
    case SL_BOOLEAN:
        own = 0;
        break;
    case SL_INT:
    case SL_BIGINT:
        own = 1;
        break;
    case SL_FLOAT:
    case SL_DOUBLE:
        own = 2;
        break;
    case SL_STRING:
        break;
    default:
        own = -2;
        break;
    }
    if (own == -2)
        return 1;
    int *kind = malloc((rows ? rows : 1) * sizeof *kind);
    if (!kind)
        return SL_ENOMEM;
    for (size_t i = 0; i < rows; i++) {
        kind[i] = -1;
        if (!sl_col_is_valid(c, i))
            continue;
        kind[i] = own >= 0 ? own
                           : kind_of(c->data + c->off[i],
                                     (size_t)(c->off[i + 1] - c->off[i]));
        seen[kind[i]] = true;
    }
    struct sl_field ch[4], f = {.type = SL_STRUCT, .nullable = true};
    memset(ch, 0, sizeof ch);
    int map[4];
    for (int k = 0; k < 4; k++)
        if (seen[k]) {
            map[k] = (int)f.n_children;
            ch[f.n_children].name = (char *)names[k];
            ch[f.n_children].type = types[k];
            ch[f.n_children].nullable = true;
            f.n_children++;
        }
    f.children = ch;
    f.name = c->name;
    struct sl_col *nc = out;
    int rc = sl_col_init(nc, &f);
    for (size_t i = 0; i < rows && !rc; i++) {
        if (kind[i] < 0) {
            rc = sl_col_append_null(nc);
            continue;
        }
        struct sl_col *d = &nc->child[map[kind[i]]];
        if (own >= 0) {
            switch (c->type) {
            case SL_BOOLEAN:
                rc = sl_col_append_bool(d, SL_COL_VALUES(c, uint8_t)[i]);
                break;
            case SL_INT:
                rc = sl_col_append_i64(d, SL_COL_VALUES(c, int32_t)[i]);
                break;
            case SL_BIGINT:
                rc = sl_col_append_i64(d, SL_COL_VALUES(c, int64_t)[i]);
                break;
            case SL_FLOAT:
                rc = sl_col_append_f64(d, SL_COL_VALUES(c, float)[i]);
                break;
            default:
                rc = sl_col_append_f64(d, SL_COL_VALUES(c, double)[i]);
                break;
            }
        } else {
            const char *p = (const char *)c->data + c->off[i];
            size_t n = (size_t)(c->off[i + 1] - c->off[i]);
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", (int)(n < 63 ? n : 63), p);
            switch (kind[i]) {
            case 0:
                rc = sl_col_append_bool(d, p[0] == 't');
                break;
            case 1:
                rc = sl_col_append_i64(d, strtoll(buf, NULL, 10));
                break;
            case 2:
                rc = sl_col_append_f64(d, strtod(buf, NULL));
                break;
            default:
                rc = sl_col_append_bytes(d, p, n);
                break;
            }
        }
        if (!rc)
            rc = sl_col_struct_end(nc);
    }
    free(kind);
    return rc;
}

/* The settled column of item x into *out (zeroed); 1 when the column
 * stays as it is. */
static int settle(struct rchoice *r, size_t x, struct sl_expr *e,
                  const struct sl_batch *in, const struct sl_col *c,
                  struct sl_col *out, int64_t *failed, struct sl_error *err)
{
    size_t rows = sl_batch_rows(in);
    if (r->it[x].act == A_STRUCT) {
        int rc = make_struct(out, c, rows);
        return rc < 0 ? sl_error_set(err, rc, "resolve_choice: out of memory")
                      : rc;
    }
    struct sl_field f = {
        .type = sl_expr_type(e), .nullable = true, .name = c->name};
    int rc = sl_col_init(out, &f);
    if (rc)
        return sl_error_set(err, rc, "resolve_choice: out of memory");
    return sl_expr_eval(e, in, out, r->it[x].act == A_CAST ? failed : NULL,
                        err);
}

static int rchoice_apply(void *st, struct sl_batch *in, struct sl_batch **out,
                         struct sl_error *err)
{
    struct rchoice *r = st;
    struct sl_expr **e;
    int rc = xset_get(&r->xs, in, &e, err);
    if (rc)
        return rc;
    tb_reset(&r->out);
    size_t rows = sl_batch_rows(in);
    const struct sl_col *root = &in->root;
    int64_t failed = 0;
    for (uint32_t k = 0; k < root->n_child && !rc; k++) {
        const struct sl_col *c = &root->child[k];
        /* the items at c (top-level) or under it (dotted paths) */
        struct sl_col leaf[64], nc;
        struct trepl rp[64];
        size_t nr = 0;
        bool whole = false;
        for (size_t i = 0; i < r->n && !rc && !whole; i++) {
            char top[256];
            const char *path = r->it[i].col;
            size_t used = sl_expr_path_part(path, top, sizeof top);
            if (strcmp(top, c->name) != 0)
                continue;
            const struct sl_col *src = sl_expr_path_col(in, path);
            if (!src)
                continue; /* not in this chunk */
            memset(&nc, 0, sizeof nc);
            rc = settle(r, i, e[i], in, src, path[used] ? &leaf[nr] : &nc,
                        &failed, err);
            if (rc == 1) {
                rc = 0; /* stays */
            } else if (!rc && !path[used]) {
                whole = true;
                rc = tb_add_owned(&r->out, &nc);
                if (rc)
                    sl_col_free(&nc);
            } else if (!rc && nr == 64) {
                sl_col_free(&leaf[nr]);
                rc = sl_error_set(err, SL_ELIMIT,
                                  "resolve_choice: more than 64 fields "
                                  "under '%s'",
                                  c->name);
            } else if (!rc) {
                rp[nr] = (struct trepl){path + used, &leaf[nr]};
                nr++;
            } else {
                sl_col_free(path[used] ? &leaf[nr] : &nc);
            }
        }
        if (!rc && !whole && nr) {
            memset(&nc, 0, sizeof nc);
            rc = sl__col_rebuild(&nc, c, rp, nr, NULL, rows);
            if (!rc)
                rc = tb_add_owned(&r->out, &nc);
            sl_col_free(&nc);
            if (rc)
                rc = sl_error_set(err, rc, "resolve_choice: out of memory");
        } else if (!rc && !whole) {
            rc = tb_add_view(&r->out, c, NULL);
            if (rc)
                rc = sl_error_set(err, rc, "resolve_choice: out of memory");
        }
        for (size_t i = 0; i < nr; i++)
            sl_col_free(&leaf[i]);
    }
    if (r->env)
        r->env->cast_failures += failed;
    if (!rc && (rc = tb_finish(&r->out, rows)))
        return sl_error_set(err, rc, "resolve_choice: out of memory");
    if (rc)
        return rc;
    *out = &r->out.b;
    return 0;
}

static int rchoice_prepare(void *st, struct sl_transform_env *env,
                           struct sl_field *out, struct sl_error *err)
{
    struct rchoice *r = st;
    r->env = env;
    (void)out;
    (void)err;
    /* meant for detected schemas; with a declared one the output of
     * make_struct depends on the data, so the schema after it is left to
     * the chunks */
    return 0;
}

const struct sl_transform_ops sl_transform_resolve_choice = {
    .name = "resolve_choice",
    .summary = "settle fields whose detected type changed (Glue "
               "ResolveChoice)",
    .takes = "{column: cast:TYPE | project:TYPE | make_struct}",
    .create = rchoice_create,
    .apply = rchoice_apply,
    .prepare = rchoice_prepare,
    .destroy = rchoice_destroy,
};
