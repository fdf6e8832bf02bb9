/*
 * avro_read.c - Avro binary datums -> batch rows, with schema resolution
 * (see avro_read.h).
 *
 * sl_avro_reader_create resolves the writer schema against the reader
 * schema into a tree of `struct pnode`, one per place a value can go: the
 * hot loop (rd) then only switches on small op codes, reads varints in
 * place and appends to columns, with no lookups by name. Column positions
 * are indexes into the parent column's children, set by bind() when the
 * batch changes, so they stay right when detection adds columns.
 *
 * Failure leaves the batch as it was (sl_batch_rollback), and the message
 * gives the byte offset and the field path ("$.user.address[2].zip").
 */
#include "avro_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_bin.h"
#include "datetime.h"
#include "jsonw.h"

#define NO_COL UINT32_MAX
#define ZERO_SIZE_ITEMS_MAX (1u << 20)

enum op {
    OP_SKIP, /* writer value nobody reads */
    OP_NULL, /* writer null */
    OP_BOOL,
    OP_LONG, /* writer int or long */
    OP_FLOAT,
    OP_DOUBLE,
    OP_BYTES, /* writer bytes or string */
    OP_FIXED,
    OP_ENUM,
    OP_RECORD,
    OP_ARRAY,
    OP_MAP,
    OP_WUNION, /* writer union: a kid per writer branch */
    OP_MEMBER, /* value goes to member `member` of a reader union struct */
    OP_ERROR,  /* writer branch the reader cannot take */
};

struct pnode;

struct pdef {
    struct pnode *plan; /* reads the default bytes (reader -> reader) */
    const uint8_t *bytes;
    size_t len;
};

struct pnode {
    uint8_t op;
    uint8_t logical; /* the reader's logical type */
    bool to_string;  /* bytes read as string: check UTF-8 */
    bool zero_items; /* array/map items may take 0 bytes */
    uint32_t col;    /* index in the parent column's children */
    uint32_t member; /* OP_MEMBER */
    const struct sl_avro_node *w, *r;
    const char *name;  /* field name (path in messages) */
    struct pnode *kid; /* record: per writer field; union: per branch */
    size_t n_kid;
    int32_t *map;      /* enum: writer index -> reader index (-1) */
    struct pdef *defs; /* record: reader fields the writer lacks */
    size_t n_defs;
    const char *why; /* OP_ERROR */
};

struct sl_avro_reader {
    const struct sl_avro_schema *ws, *rs;
    struct pnode root; /* a record, or a wrapper kid for "value" */
    bool root_record;
    struct sl_field row;
    const struct sl_batch *bound;
    uint32_t bound_cols;
    bool bound_add;
};

struct rctx {
    const uint8_t *p, *start, *end;
    struct sl_error *err;
    char path[512];
    size_t path_at; /* path is path[path_at..) */
};

/* ---- compile ---- */

static void free_plan(struct pnode *pn)
{
    for (size_t i = 0; i < pn->n_kid; i++)
        free_plan(&pn->kid[i]);
    free(pn->kid);
    for (size_t i = 0; i < pn->n_defs; i++) {
        free_plan(pn->defs[i].plan);
        free(pn->defs[i].plan);
    }
    free(pn->defs);
    free(pn->map);
}

static bool named_match(const struct sl_avro_node *w,
                        const struct sl_avro_node *r)
{
    const char *a = strrchr(w->name, '.'), *b = strrchr(r->name, '.');
    a = a ? a + 1 : w->name;
    b = b ? b + 1 : r->name;
    return strcmp(a, b) == 0;
}

/* Can writer w be read as reader r (r not a union)? 2: same type, 1: by
 * promotion, 0: no. */
static int matches(const struct sl_avro_node *w, const struct sl_avro_node *r)
{
    enum sl_avro_kind a = w->kind, b = r->kind;
    if (a == b) {
        if (a == SL_AV_FIXED)
            return w->size == r->size && named_match(w, r) ? 2 : 0;
        if (a == SL_AV_ENUM)
            return named_match(w, r) ? 2 : 0;
        return 2; /* records: names are not compared (lenient) */
    }
    if ((a == SL_AV_INT &&
         (b == SL_AV_LONG || b == SL_AV_FLOAT || b == SL_AV_DOUBLE)) ||
        (a == SL_AV_LONG && (b == SL_AV_FLOAT || b == SL_AV_DOUBLE)) ||
        (a == SL_AV_FLOAT && b == SL_AV_DOUBLE) ||
        (a == SL_AV_STRING && b == SL_AV_BYTES) ||
        (a == SL_AV_BYTES && b == SL_AV_STRING))
        return 1;
    return 0;
}

static int compile(const struct sl_avro_node *w, const struct sl_avro_node *r,
                   struct pnode *pn, const char *path, int depth,
                   struct sl_error *err);

static int compile_record(const struct sl_avro_node *w,
                          const struct sl_avro_node *r, struct pnode *pn,
                          const char *path, int depth, struct sl_error *err)
{
    pn->op = OP_RECORD;
    pn->n_kid = w->n;
    if (w->n && !(pn->kid = calloc(w->n, sizeof *pn->kid)))
        return SL_ENOMEM;
    bool *seen = calloc(r->n ? r->n : 1, sizeof *seen);
    if (!seen)
        return SL_ENOMEM;
    int rc = 0;
    for (size_t i = 0; !rc && i < w->n; i++) {
        const struct sl_avro_field *wf = &w->fields[i];
        struct pnode *k = &pn->kid[i];
        size_t j = r->n;
        for (size_t t = 0; t < r->n && j == r->n; t++) {
            const struct sl_avro_field *rf = &r->fields[t];
            if (strcmp(rf->name, wf->name) == 0)
                j = t;
            for (size_t a = 0; a < rf->n_aliases && j == r->n; a++)
                if (strcmp(rf->aliases[a], wf->name) == 0)
                    j = t;
        }
        k->w = wf->type;
        k->name = wf->name;
        k->col = NO_COL;
        if (j == r->n) {
            k->op = OP_SKIP;
            continue;
        }
        seen[j] = true;
        char sub[512];
        snprintf(sub, sizeof sub, "%s.%s", path, r->fields[j].name);
        rc = compile(wf->type, r->fields[j].type, k, sub, depth + 1, err);
        k->name = r->fields[j].name;
        k->col = (uint32_t)j; /* reader field index until bind */
    }
    size_t missing = 0;
    for (size_t j = 0; j < r->n; j++)
        missing += !seen[j];
    if (!rc && missing && !(pn->defs = calloc(missing, sizeof *pn->defs)))
        rc = SL_ENOMEM;
    for (size_t j = 0; !rc && j < r->n; j++) {
        if (seen[j])
            continue;
        const struct sl_avro_field *rf = &r->fields[j];
        if (!rf->has_default) {
            rc = sl_error_set(err, SL_EINVAL,
                              "Avro schemas do not resolve: reader field "
                              "%s.%s is not in the writer schema and has no "
                              "default",
                              path, rf->name);
            break;
        }
        struct pdef *d = &pn->defs[pn->n_defs];
        if (!(d->plan = calloc(1, sizeof *d->plan))) {
            rc = SL_ENOMEM;
            break;
        }
        pn->n_defs++;
        d->bytes = rf->dflt;
        d->len = rf->dflt_len;
        char sub[512];
        snprintf(sub, sizeof sub, "%s.%s", path, rf->name);
        rc = compile(rf->type, rf->type, d->plan, sub, depth + 1, err);
        d->plan->name = rf->name;
        d->plan->col = (uint32_t)j;
    }
    free(seen);
    return rc;
}

static int compile(const struct sl_avro_node *w, const struct sl_avro_node *r,
                   struct pnode *pn, const char *path, int depth,
                   struct sl_error *err)
{
    if (depth > 64)
        return sl_error_set(err, SL_ELIMIT, "Avro schema %s: too deep", path);
    pn->w = w;
    pn->r = r;
    if (w->kind == SL_AV_UNION) {
        pn->op = OP_WUNION;
        pn->n_kid = w->n;
        if (!(pn->kid = calloc(w->n, sizeof *pn->kid)))
            return SL_ENOMEM;
        for (size_t i = 0; i < w->n; i++) {
            struct sl_error e2;
            int rc =
                compile(w->branches[i], r, &pn->kid[i], path, depth + 1, &e2);
            if (rc == SL_ENOMEM)
                return rc;
            if (rc) { /* an error only when data takes this branch */
                free_plan(&pn->kid[i]);
                memset(&pn->kid[i], 0, sizeof pn->kid[i]);
                pn->kid[i].op = OP_ERROR;
                pn->kid[i].w = w->branches[i];
                pn->kid[i].why = "the writer's union branch has no match "
                                 "in the reader schema";
            }
        }
        return 0;
    }
    if (r->kind == SL_AV_UNION) {
        const struct sl_avro_node *t = sl_avro_nullable_of(r);
        if (w->kind == SL_AV_NULL && r->null_branch >= 0) {
            pn->op = OP_NULL;
            return 0;
        }
        if (t)
            return compile(w, t, pn, path, depth + 1, err);
        int best = -1;
        for (size_t i = 0; i < r->n && best < 0; i++)
            if (matches(w, r->branches[i]))
                best = (int)i;
        if (best < 0)
            return sl_error_set(err, SL_EINVAL,
                                "Avro schemas do not resolve at %s: writer "
                                "type %s is in no branch of the reader's "
                                "union",
                                path, sl_avro_kind_name(w->kind));
        pn->op = OP_MEMBER;
        pn->member =
            (uint32_t)(best - (r->null_branch >= 0 && r->null_branch < best));
        pn->n_kid = 1;
        if (!(pn->kid = calloc(1, sizeof *pn->kid)))
            return SL_ENOMEM;
        pn->kid[0].col = pn->member;
        return compile(w, r->branches[best], &pn->kid[0], path, depth + 1, err);
    }
    if (!matches(w, r))
        return sl_error_set(err, SL_EINVAL,
                            "Avro schemas do not resolve at %s: writer type "
                            "%s cannot be read as %s",
                            path, sl_avro_kind_name(w->kind),
                            sl_avro_kind_name(r->kind));
    pn->logical = (uint8_t)r->logical;
    switch (w->kind) {
    case SL_AV_NULL:
        pn->op = OP_NULL;
        return 0;
    case SL_AV_BOOLEAN:
        pn->op = OP_BOOL;
        return 0;
    case SL_AV_INT:
    case SL_AV_LONG:
        pn->op = OP_LONG;
        return 0;
    case SL_AV_FLOAT:
        pn->op = OP_FLOAT;
        return 0;
    case SL_AV_DOUBLE:
        pn->op = OP_DOUBLE;
        return 0;
    case SL_AV_BYTES:
    case SL_AV_STRING:
        pn->op = OP_BYTES;
        pn->to_string = r->kind == SL_AV_STRING;
        return 0;
    case SL_AV_FIXED:
        pn->op = OP_FIXED;
        return 0;
    case SL_AV_ENUM:
        pn->op = OP_ENUM;
        if (!(pn->map = calloc(w->n ? w->n : 1, sizeof *pn->map)))
            return SL_ENOMEM;
        for (size_t i = 0; i < w->n; i++) {
            pn->map[i] = r->enum_default;
            for (size_t j = 0; j < r->n; j++)
                if (strcmp(w->symbols[i], r->symbols[j]) == 0)
                    pn->map[i] = (int32_t)j;
        }
        return 0;
    case SL_AV_ARRAY:
    case SL_AV_MAP: {
        pn->op = w->kind == SL_AV_ARRAY ? OP_ARRAY : OP_MAP;
        pn->zero_items = sl__avro_zero_size(w->items);
        pn->n_kid = 1;
        if (!(pn->kid = calloc(1, sizeof *pn->kid)))
            return SL_ENOMEM;
        pn->kid[0].col = w->kind == SL_AV_ARRAY ? 0 : 1;
        char sub[512];
        snprintf(sub, sizeof sub, "%s%s", path,
                 w->kind == SL_AV_ARRAY ? "[]" : "{}");
        return compile(w->items, r->items, &pn->kid[0], sub, depth + 1, err);
    }
    case SL_AV_RECORD:
        return compile_record(w, r, pn, path, depth, err);
    default:
        return sl_error_set(err, SL_EINVAL, "Avro schema %s: bad type", path);
    }
}

int sl_avro_reader_create(const struct sl_avro_schema *writer,
                          const struct sl_avro_schema *reader,
                          struct sl_avro_reader **out, struct sl_error *err)
{
    *out = NULL;
    if (!reader)
        reader = writer;
    struct sl_avro_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    r->ws = writer;
    r->rs = reader;
    int rc = sl_avro_to_sluice(reader, &r->row, err);
    if (rc)
        goto fail;
    r->root_record = reader->root->kind == SL_AV_RECORD;
    if (r->root_record) {
        rc = compile(writer->root, reader->root, &r->root, "$", 0, err);
    } else {
        r->root.op = OP_RECORD;
        r->root.n_kid = 1;
        if (!(r->root.kid = calloc(1, sizeof *r->root.kid))) {
            rc = SL_ENOMEM;
            goto fail;
        }
        rc = compile(writer->root, reader->root, &r->root.kid[0], "$", 0, err);
        r->root.kid[0].name = "value";
        r->root.kid[0].col = 0;
    }
    if (rc)
        goto fail;
    *out = r;
    return 0;
fail:
    if (rc == SL_ENOMEM)
        sl_error_set(err, rc, "out of memory");
    sl_avro_reader_destroy(r);
    return rc;
}

void sl_avro_reader_destroy(struct sl_avro_reader *r)
{
    if (!r)
        return;
    free_plan(&r->root);
    sl_field_free(&r->row);
    free(r);
}

const struct sl_field *sl_avro_reader_row(const struct sl_avro_reader *r)
{
    return &r->row;
}

/* ---- bind plan nodes to column indexes ---- */

/* Can a column of type col take values meant for type want? (put_i64,
 * put_f64 and put_bytes convert; decimals only go to decimals.) */
static bool holds(enum sl_type col, enum sl_type want)
{
    if (col == want)
        return true;
    if (col == SL_STRING)
        return !sl_type_is_nested(want);
    switch (want) {
    case SL_INT:
        return col == SL_BIGINT || col == SL_DOUBLE || col == SL_FLOAT;
    case SL_BIGINT:
    case SL_FLOAT:
        return col == SL_DOUBLE;
    default:
        return false;
    }
}

static int bind_node(struct pnode *pn, const struct sl_field *f,
                     struct sl_col *c, bool add, const char *path,
                     struct sl_error *err);

/* Column for field f among struct column c's children; NO_COL to skip. */
static int child_col(struct sl_col *c, const struct sl_field *f, bool add,
                     uint32_t *idx, struct sl_error *err)
{
    for (uint32_t i = 0; i < c->n_child; i++)
        if (c->child[i].name && strcmp(c->child[i].name, f->name) == 0) {
            *idx = i;
            return 0;
        }
    if (!add) {
        *idx = NO_COL;
        return 0;
    }
    if (!sl_col_add_child(c, f, err))
        return err ? err->code : SL_ENOMEM;
    *idx = c->n_child - 1;
    return 0;
}

static int bind_record(struct pnode *pn, const struct sl_field *f,
                       struct sl_col *c, bool add, const char *path,
                       struct sl_error *err)
{
    /* In the reader's field order, so detected columns come out in the
     * order the reader schema declares them. */
    for (uint32_t t = 0; t < f->n_children; t++) {
        const struct sl_field *cf = &f->children[t];
        struct pnode *k = NULL;
        for (size_t i = 0; i < pn->n_kid + pn->n_defs && !k; i++) {
            struct pnode *c2 =
                i < pn->n_kid ? &pn->kid[i] : pn->defs[i - pn->n_kid].plan;
            if (c2->op != OP_SKIP && strcmp(c2->name, cf->name) == 0)
                k = c2;
        }
        if (!k)
            return sl_error_set(err, SL_EINVAL, "internal: no plan for %s",
                                cf->name);
        uint32_t idx;
        int rc = child_col(c, cf, add, &idx, err);
        if (rc)
            return rc;
        k->col = idx;
        if (idx == NO_COL)
            continue;
        char sub[512];
        snprintf(sub, sizeof sub, "%s.%s", path, k->name);
        if ((rc = bind_node(k, cf, &c->child[idx], add, sub, err)))
            return rc;
    }
    return 0;
}

static int bind_node(struct pnode *pn, const struct sl_field *f,
                     struct sl_col *c, bool add, const char *path,
                     struct sl_error *err)
{
    int rc;
    switch (pn->op) {
    case OP_WUNION:
        for (size_t i = 0; i < pn->n_kid; i++)
            if (pn->kid[i].op != OP_ERROR &&
                (rc = bind_node(&pn->kid[i], f, c, add, path, err)))
                return rc;
        return 0;
    case OP_MEMBER:
        if (c->type != SL_STRUCT || pn->member >= f->n_children)
            goto mismatch;
        rc = child_col(c, &f->children[pn->member], add, &pn->kid[0].col, err);
        if (!rc && pn->kid[0].col == NO_COL)
            return sl_error_set(err, SL_EINVAL, "column %s has no field %s",
                                path, f->children[pn->member].name);
        if (!rc)
            rc = bind_node(&pn->kid[0], &f->children[pn->member],
                           &c->child[pn->kid[0].col], add, path, err);
        return rc;
    case OP_RECORD:
        if (c->type != SL_STRUCT)
            goto mismatch;
        return bind_record(pn, f, c, add, path, err);
    case OP_ARRAY:
    case OP_MAP:
        if (c->type != f->type || c->n_child < 1)
            goto mismatch;
        if (c->child[0].type == SL_NULLTYPE && pn->op == OP_ARRAY &&
            (rc = sl_col_widen(&c->child[0], f->children[0].type, err)))
            return rc;
        return bind_node(&pn->kid[0], &f->children[pn->op == OP_MAP],
                         &c->child[pn->op == OP_MAP], add, path, err);
    case OP_NULL:
    case OP_SKIP:
    case OP_ERROR:
        return 0;
    default:
        if (c->type == SL_NULLTYPE)
            return sl_col_widen(c, f->type, err);
        if (!holds(c->type, f->type) && add && !sl_type_is_nested(c->type)) {
            /* Detection: another writer schema gave this column another
             * type; widen it as the JSON decoder does (int -> bigint ->
             * double, otherwise string). */
            enum sl_type to = sl_type_widen(c->type, f->type);
            if (to != c->type && (rc = sl_col_widen(c, to, err)))
                return rc;
        }
        if (!holds(c->type, f->type))
            goto mismatch;
        if (f->type == SL_DECIMAL && c->type == SL_DECIMAL &&
            c->scale != f->scale)
            goto mismatch;
        return 0;
    }
mismatch:
    return sl_error_set(err, SL_ETYPE,
                        "column %s is %s in the batch but the Avro schema "
                        "gives %s",
                        path, sl_type_name(c->type), sl_type_name(f->type));
}

int sl_avro_reader_bind(struct sl_avro_reader *r, struct sl_batch *b, bool add,
                        struct sl_error *err)
{
    int rc = bind_record(&r->root, &r->row, &b->root, add, "$", err);
    if (rc)
        return rc;
    r->bound = b;
    r->bound_cols = b->root.n_child;
    r->bound_add = add;
    return 0;
}

/* ---- decode ---- */

static void path_push(struct rctx *x, const char *s, size_t n)
{
    if (n > x->path_at)
        n = x->path_at;
    x->path_at -= n;
    memcpy(x->path + x->path_at, s, n);
}

static int fail(struct rctx *x, int code, const char *what)
{
    return sl_error_set_at(x->err, code, x->p - x->start, "%s", what);
}

/* A value that is wrong as a whole: report where it starts. */
static int fail_at(struct rctx *x, const uint8_t *v0, int code,
                   const char *what)
{
    x->p = v0;
    return fail(x, code, what);
}

static inline int get_long(struct rctx *x, int64_t *v)
{
    size_t k = sl_avro_get_long(x->p, (size_t)(x->end - x->p), v);
    if (!k)
        return fail(x, SL_ECORRUPT, "truncated or overlong varint");
    x->p += k;
    return 0;
}

static int put_i64(struct sl_col *c, int64_t v)
{
    switch (c->type) {
    case SL_INT:
    case SL_DATE:
        if (v < INT32_MIN || v > INT32_MAX)
            return SL_ETYPE;
        return sl_col_append_i32(c, (int32_t)v);
    case SL_BIGINT:
    case SL_TIMESTAMP:
        return sl_col_append_i64(c, v);
    case SL_FLOAT:
        return sl_col_append_f32(c, (float)v);
    case SL_DOUBLE:
        return sl_col_append_f64(c, (double)v);
    case SL_STRING: {
        char t[32];
        int n = snprintf(t, sizeof t, "%lld", (long long)v);
        return sl_col_append_bytes(c, t, (size_t)n);
    }
    default:
        return SL_ETYPE;
    }
}

/* A date or timestamp value into a string column (a column widened to
 * string by detection, or declared string): its ISO text. */
static int put_time_text(struct sl_col *c, uint8_t logical, int64_t v)
{
    char t[SL_TS_TEXT_MAX];
    size_t n;
    if (logical == SL_AVL_DATE && v >= INT32_MIN && v <= INT32_MAX)
        n = sl_date_format((int32_t)v, t);
    else if (logical >= SL_AVL_TS_MILLIS && logical <= SL_AVL_LTS_MICROS)
        n = sl_timestamp_format(v, t);
    else
        return put_i64(c, v);
    return sl_col_append_bytes(c, t, n);
}

static int put_f64(struct sl_col *c, double v)
{
    if (c->type == SL_DOUBLE)
        return sl_col_append_f64(c, v);
    if (c->type == SL_FLOAT)
        return sl_col_append_f32(c, (float)v);
    if (c->type == SL_STRING) {
        struct sl_buf t;
        sl_buf_init(&t, 64);
        int rc = sl_jsonw_f64(&t, v);
        if (!rc)
            rc = sl_col_append_bytes(c, t.data, t.len);
        sl_buf_free(&t);
        return rc;
    }
    return SL_ETYPE;
}

/* Decimal text of unscaled v with `scale` digits after the point. */
static int dec_text(struct sl_col *c, __int128 v, unsigned scale)
{
    char t[64];
    size_t i = sizeof t;
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    unsigned digits = 0;
    do {
        t[--i] = (char)('0' + (int)(u % 10));
        u /= 10;
        if (++digits == scale)
            t[--i] = '.';
    } while (u || digits < scale + 1);
    if (t[i] == '.')
        t[--i] = '0';
    if (v < 0)
        t[--i] = '-';
    return sl_col_append_bytes(c, t + i, sizeof t - i);
}

/* Big-endian two's complement -> __int128. */
static int put_dec(struct sl_col *c, const uint8_t *p, size_t n, unsigned scale)
{
    if (c->type == SL_BINARY)
        return sl_col_append_bytes(c, p, n);
    if (c->type != SL_DECIMAL && c->type != SL_STRING)
        return SL_ETYPE;
    unsigned __int128 u = n && (p[0] & 0x80) ? ~(unsigned __int128)0 : 0;
    size_t skip = n > 16 ? n - 16 : 0;
    for (size_t i = 0; i < skip; i++)
        if (p[i] != ((p[0] & 0x80) ? 0xff : 0))
            return SL_ELIMIT;
    for (size_t i = skip; i < n; i++)
        u = u << 8 | p[i];
    if (c->type == SL_STRING)
        return dec_text(c, (__int128)u, scale);
    return sl_col_append_dec(c, (__int128)u);
}

static int put_bytes(const struct pnode *pn, struct sl_col *c, const uint8_t *p,
                     size_t n)
{
    if (pn->logical == SL_AVL_DECIMAL)
        return put_dec(c, p, n, pn->r->scale);
    if (c->type == SL_STRING) {
        if (!sl_utf8_valid(p, n))
            return SL_ECORRUPT; /* the caller says where */
    } else if (c->type != SL_BINARY) {
        return SL_ETYPE;
    }
    return sl_col_append_bytes(c, p, n);
}

static int rd(struct rctx *x, const struct pnode *pn, struct sl_col *c);

static int skip_value(struct rctx *x, const struct sl_avro_node *w)
{
    size_t k = sl_avro_skip(w, x->p, (size_t)(x->end - x->p));
    if (!k && !sl__avro_zero_size(w))
        return fail(x, SL_ECORRUPT, "malformed value (skipped field)");
    x->p += k;
    return 0;
}

static int rd_record(struct rctx *x, const struct pnode *pn, struct sl_col *c)
{
    int rc;
    for (size_t i = 0; i < pn->n_kid; i++) {
        const struct pnode *k = &pn->kid[i];
        if (k->op == OP_SKIP || k->col == NO_COL)
            rc = skip_value(x, k->w);
        else
            rc = rd(x, k, &c->child[k->col]);
        if (rc) {
            path_push(x, k->name, strlen(k->name));
            path_push(x, ".", 1);
            return rc;
        }
    }
    for (size_t i = 0; i < pn->n_defs; i++) {
        const struct pdef *d = &pn->defs[i];
        if (d->plan->col == NO_COL)
            continue;
        struct rctx y; /* path[] is filled only on errors: not zeroed */
        y.p = y.start = d->bytes;
        y.end = d->bytes + d->len;
        y.err = x->err;
        y.path_at = sizeof y.path;
        if ((rc = rd(&y, d->plan, &c->child[d->plan->col])))
            return rc;
    }
    return sl_col_struct_end(c);
}

static int rd_list(struct rctx *x, const struct pnode *pn, struct sl_col *c)
{
    int rc;
    size_t total = 0;
    for (;;) {
        int64_t cnt;
        const uint8_t *c0 = x->p;
        if ((rc = get_long(x, &cnt)))
            return rc;
        if (cnt == 0)
            break;
        if (cnt < 0) {
            int64_t size;
            if (cnt == INT64_MIN || (rc = get_long(x, &size)))
                return rc ? rc : fail(x, SL_ECORRUPT, "bad block count");
            cnt = -cnt;
        }
        if (pn->zero_items ? (uint64_t)cnt > ZERO_SIZE_ITEMS_MAX - total
                           : (uint64_t)cnt > (uint64_t)(x->end - x->p))
            return fail_at(x, c0, SL_ECORRUPT,
                           "array or map block count larger than the data");
        total += (size_t)cnt;
        for (int64_t i = 0; i < cnt; i++) {
            if (pn->op == OP_MAP) {
                int64_t kl;
                if ((rc = get_long(x, &kl)))
                    return rc;
                if (kl < 0 || kl > x->end - x->p)
                    return fail(x, SL_ECORRUPT, "map key longer than data");
                if (!sl_utf8_valid(x->p, (size_t)kl))
                    return fail(x, SL_ECORRUPT, "map key is not UTF-8");
                if ((rc = sl_col_append_bytes(&c->child[0], x->p, (size_t)kl)))
                    return rc;
                x->p += kl;
            }
            if ((rc = rd(x, &pn->kid[0], &c->child[pn->op == OP_MAP]))) {
                char ix[32];
                int n = snprintf(ix, sizeof ix, "[%zu]",
                                 total - (size_t)cnt + (size_t)i);
                path_push(x, ix, (size_t)n);
                return rc;
            }
        }
    }
    return sl_col_list_end(c);
}

static int rd(struct rctx *x, const struct pnode *pn, struct sl_col *c)
{
    int rc;
    int64_t v;
    const uint8_t *v0 = x->p;
    switch (pn->op) {
    case OP_NULL:
        return sl_col_append_null(c);
    case OP_BOOL: {
        if (x->p >= x->end || *x->p > 1)
            return fail(x, SL_ECORRUPT, "bad boolean");
        bool bv = *x->p++ != 0;
        if (c->type != SL_BOOLEAN)
            return sl_col_append_bytes(c, bv ? "true" : "false", bv ? 4 : 5);
        return sl_col_append_bool(c, bv);
    }
    case OP_LONG:
        if ((rc = get_long(x, &v)))
            return rc;
        if (pn->w->kind == SL_AV_INT && (v < INT32_MIN || v > INT32_MAX))
            return fail_at(x, v0, SL_ECORRUPT, "int out of range");
        if (pn->r->kind == SL_AV_FLOAT || pn->r->kind == SL_AV_DOUBLE)
            rc = put_f64(c, (double)v);
        else if ((pn->logical == SL_AVL_TS_MILLIS ||
                  pn->logical == SL_AVL_LTS_MILLIS) &&
                 __builtin_mul_overflow(v, 1000, &v))
            return fail_at(x, v0, SL_ECORRUPT, "timestamp out of range");
        else if (c->type == SL_STRING && pn->logical != SL_AVL_NONE)
            rc = put_time_text(c, pn->logical, v);
        else
            rc = put_i64(c, v);
        break;
    case OP_FLOAT:
        if (x->end - x->p < 4)
            return fail(x, SL_ECORRUPT, "truncated float");
        rc = c->type == SL_FLOAT ? sl_col_append_f32(c, sl_avro_get_f32(x->p))
                                 : put_f64(c, sl_avro_get_f32(x->p));
        x->p += 4;
        break;
    case OP_DOUBLE:
        if (x->end - x->p < 8)
            return fail(x, SL_ECORRUPT, "truncated double");
        rc = put_f64(c, sl_avro_get_f64(x->p));
        x->p += 8;
        break;
    case OP_BYTES:
        if ((rc = get_long(x, &v)))
            return rc;
        if (v < 0 || v > x->end - x->p)
            return fail_at(x, v0, SL_ECORRUPT, "length longer than the data");
        rc = put_bytes(pn, c, x->p, (size_t)v);
        if (rc == SL_ECORRUPT)
            return fail_at(x, v0, rc, "string is not valid UTF-8");
        x->p += v;
        break;
    case OP_FIXED:
        if ((size_t)(x->end - x->p) < pn->w->size)
            return fail(x, SL_ECORRUPT, "truncated fixed");
        rc = put_bytes(pn, c, x->p, pn->w->size);
        if (rc == SL_ECORRUPT)
            return fail_at(x, v0, rc, "string is not valid UTF-8");
        x->p += pn->w->size;
        break;
    case OP_ENUM:
        if ((rc = get_long(x, &v)))
            return rc;
        if (v < 0 || (uint64_t)v >= pn->w->n)
            return fail_at(x, v0, SL_ECORRUPT, "enum index out of range");
        if (pn->map[v] < 0)
            return fail_at(x, v0, SL_ETYPE,
                           "enum symbol unknown to the reader schema, which "
                           "has no default");
        {
            const char *s = pn->r->symbols[pn->map[v]];
            rc = sl_col_append_bytes(c, s, strlen(s));
        }
        break;
    case OP_RECORD:
        return rd_record(x, pn, c);
    case OP_ARRAY:
    case OP_MAP:
        return rd_list(x, pn, c);
    case OP_WUNION:
        if ((rc = get_long(x, &v)))
            return rc;
        if (v < 0 || (uint64_t)v >= pn->n_kid)
            return fail_at(x, v0, SL_ECORRUPT,
                           "union branch index out of range");
        if (pn->kid[v].op == OP_ERROR)
            return fail_at(x, v0, SL_ETYPE, pn->kid[v].why);
        return rd(x, &pn->kid[v], c);
    case OP_MEMBER:
        if (pn->kid[0].col == NO_COL)
            return fail(x, SL_ETYPE, "union member has no column");
        if ((rc = rd(x, &pn->kid[0], &c->child[pn->kid[0].col])))
            return rc;
        return sl_col_struct_end(c);
    case OP_ERROR:
        return fail(x, SL_ETYPE, pn->why);
    default:
        return fail(x, SL_ECORRUPT, "internal: bad plan");
    }
    if (rc == SL_ETYPE || rc == SL_ELIMIT)
        return fail_at(x, v0, rc, "value does not fit the column's type");
    return rc;
}

int sl_avro_reader_read(struct sl_avro_reader *r, const uint8_t *p, size_t n,
                        size_t *used, struct sl_batch *b, bool add,
                        int64_t base, struct sl_error *err)
{
    int rc;
    if (r->bound != b || r->bound_cols != b->root.n_child ||
        r->bound_add != add) {
        if ((rc = sl_avro_reader_bind(r, b, add, err)))
            return rc;
    }
    size_t rows = sl_batch_rows(b);
    struct rctx x; /* path[] is filled only on errors: not zeroed */
    x.p = x.start = p;
    x.end = p + n;
    x.err = err;
    x.path_at = sizeof x.path;
    rc = rd_record(&x, &r->root, &b->root);
    if (!rc) {
        *used = (size_t)(x.p - p);
        return 0;
    }
    sl_batch_rollback(b, rows);
    if (rc == SL_ENOMEM)
        return sl_error_set(err, rc, "out of memory decoding Avro");
    if (err) {
        char msg[SL_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        int64_t off = err->offset >= 0 ? err->offset : x.p - p;
        sl_error_set_at(
            err, rc, base + off, "Avro datum at byte %lld, field $%.*s: %s",
            (long long)(base + off), (int)(sizeof x.path - x.path_at),
            x.path + x.path_at, msg);
    }
    return rc;
}
