/*
 * batch.c - the columnar chunk decoders fill and encoders/sinks read.
 *
 * The layout is the contract in batch.h (Arrow-like: validity bitmap,
 * fixed-width values, int32 offsets into data or into a child column).
 * Every buffer grows by doubling with realloc and keeps its capacity across
 * sl_batch_clear, so a batch reused chunk after chunk stops allocating.
 *
 * Invariants kept here:
 *  - valid, values and off are sized for `cap` slots (off for cap+1), and
 *    off[0] == 0 exists from creation for offset columns;
 *  - a struct slot under construction (children already appended for it,
 *    sl_col_struct_end not yet called) is not counted in the struct's len,
 *    so rollback truncates children to the struct's len, not to their own;
 *  - bitmap bytes past len are zero when first allocated, and every append
 *    writes its bit, so stale bits after a rollback are harmless.
 *
 * Caps: offsets are int32, so a string column's data and a list's element
 * count stop at INT32_MAX (SL_ELIMIT). struct sl_batch.max_bytes is not
 * enforced by the appends (columns do not know their batch); a batch is
 * bounded by the chunk it is filled from, and sl_batch_bytes reports it.
 *
 * Widening (schema detection) converts the values a column holds in place:
 * int -> bigint -> double, float -> double, NULLTYPE -> anything (all
 * nulls), anything -> string (values rendered as JSON text with jsonw.h).
 */
#include "batch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "batch_int.h"

#define INITIAL_SLOTS 16
#define INITIAL_DATA 256

static bool has_off(enum sl_type t)
{
    return t == SL_STRING || t == SL_BINARY || t == SL_ARRAY || t == SL_MAP;
}

/* Grow valid/values/off so that at least `need` slots fit. */
static int grow_slots(struct sl_col *c, size_t need)
{
    if (need <= c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : INITIAL_SLOTS;
    while (cap < need)
        cap *= 2;
    size_t old_vb = (c->cap + 7) / 8, vb = (cap + 7) / 8;
    uint8_t *valid = realloc(c->valid, vb);
    if (!valid)
        return SL_ENOMEM;
    memset(valid + old_vb, 0, vb - old_vb);
    c->valid = valid;
    size_t w = sl_type_width(c->type);
    if (w) {
        void *v = realloc(c->values, cap * w);
        if (!v)
            return SL_ENOMEM;
        c->values = v;
    }
    if (has_off(c->type)) {
        int32_t *off = realloc(c->off, (cap + 1) * sizeof *off);
        if (!off)
            return SL_ENOMEM;
        if (!c->off)
            off[0] = 0;
        c->off = off;
    }
    c->cap = cap;
    return 0;
}

static inline int slot(struct sl_col *c)
{
    return c->len < c->cap ? 0 : grow_slots(c, c->len + 1);
}

static inline void set_valid(struct sl_col *c, size_t i, bool v)
{
    uint8_t bit = (uint8_t)(1u << (i & 7));
    if (v)
        c->valid[i >> 3] |= bit;
    else
        c->valid[i >> 3] &= (uint8_t)~bit;
}

/* ---- column lifetime ---- */

static int init_child(struct sl_col *c, const struct sl_field *f)
{
    if (c->n_child == c->child_cap) {
        uint32_t cap = c->child_cap ? c->child_cap * 2 : 4;
        struct sl_col *v = realloc(c->child, cap * sizeof *v);
        if (!v)
            return SL_ENOMEM;
        c->child = v;
        c->child_cap = cap;
    }
    int rc = sl_col_init(&c->child[c->n_child], f);
    if (rc)
        return rc;
    c->n_child++;
    return 0;
}

/* Children of a list column made to match the layout (element, or key and
 * value). Missing children in f get NULLTYPE (values) or string (keys). */
static int init_list_children(struct sl_col *c, const struct sl_field *f)
{
    uint32_t want = c->type == SL_ARRAY ? 1 : 2;
    for (uint32_t i = 0; i < want; i++) {
        struct sl_field def = {.type = SL_NULLTYPE, .nullable = true};
        if (c->type == SL_MAP && i == 0) {
            def.type = SL_STRING;
            def.nullable = false;
        }
        const struct sl_field *cf =
            f && i < f->n_children ? &f->children[i] : &def;
        int rc = init_child(c, cf);
        if (rc)
            return rc;
    }
    return 0;
}

int sl_col_init(struct sl_col *c, const struct sl_field *f)
{
    memset(c, 0, sizeof *c);
    c->type = f->type;
    c->precision = f->precision;
    c->scale = f->scale;
    c->nullable = f->nullable;
    int rc = SL_ENOMEM;
    if (f->name && !(c->name = strdup(f->name)))
        goto fail;
    if (f->type == SL_STRUCT) {
        for (uint32_t i = 0; i < f->n_children; i++)
            if ((rc = init_child(c, &f->children[i])))
                goto fail;
    } else if (f->type == SL_ARRAY || f->type == SL_MAP) {
        if ((rc = init_list_children(c, f)))
            goto fail;
    }
    if ((rc = grow_slots(c, INITIAL_SLOTS)))
        goto fail;
    return 0;
fail:
    sl_col_free(c);
    return rc;
}

void sl_col_free(struct sl_col *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n_child; i++)
        sl_col_free(&c->child[i]);
    free(c->child);
    free(c->name);
    free(c->valid);
    free(c->values);
    free(c->off);
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* Truncate c to n slots (n <= len), and its children to match. */
static void truncate_col(struct sl_col *c, size_t n)
{
    if (n < c->len)
        c->len = n;
    n = c->len;
    switch (c->type) {
    case SL_STRING:
    case SL_BINARY:
        c->data_len = (size_t)c->off[n];
        break;
    case SL_ARRAY:
    case SL_MAP:
        for (uint32_t i = 0; i < c->n_child; i++)
            truncate_col(&c->child[i], (size_t)c->off[n]);
        break;
    case SL_STRUCT:
        for (uint32_t i = 0; i < c->n_child; i++)
            truncate_col(&c->child[i], n);
        break;
    default:
        break;
    }
}

void sl_col_clear(struct sl_col *c)
{
    truncate_col(c, 0);
}

void sl_col_truncate(struct sl_col *c, size_t n)
{
    truncate_col(c, n);
}

/* ---- whole batch ---- */

int sl_batch_create(const struct sl_field *schema, struct sl_batch **out,
                    struct sl_error *err)
{
    *out = NULL;
    struct sl_field empty = {.type = SL_STRUCT, .nullable = false};
    if (!schema)
        schema = &empty;
    if (schema->type != SL_STRUCT)
        return sl_error_set(err, SL_EINVAL,
                            "batch schema must be a struct, not %s",
                            sl_type_name(schema->type));
    struct sl_batch *b = calloc(1, sizeof *b);
    if (!b)
        return sl_error_set(err, SL_ENOMEM, "out of memory creating a batch");
    int rc = sl_col_init(&b->root, schema);
    if (rc) {
        free(b);
        return sl_error_set(err, rc, "out of memory creating a batch");
    }
    free(b->root.name); /* the root has no name and is never null */
    b->root.name = NULL;
    b->root.nullable = false;
    *out = b;
    return 0;
}

void sl_batch_destroy(struct sl_batch *b)
{
    if (!b)
        return;
    sl_col_free(&b->root);
    free(b);
}

void sl_batch_clear(struct sl_batch *b)
{
    truncate_col(&b->root, 0);
}

static int col_to_field(const struct sl_col *c, struct sl_field *f)
{
    memset(f, 0, sizeof *f);
    f->type = c->type;
    f->precision = c->precision;
    f->scale = c->scale;
    f->nullable = c->nullable;
    if (c->name && !(f->name = strdup(c->name)))
        return SL_ENOMEM;
    if (c->n_child) {
        f->children = calloc(c->n_child, sizeof *f->children);
        if (!f->children)
            return SL_ENOMEM;
        for (uint32_t i = 0; i < c->n_child; i++) {
            f->n_children = i + 1;
            int rc = col_to_field(&c->child[i], &f->children[i]);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int sl_batch_schema(const struct sl_batch *b, struct sl_field *out)
{
    int rc = col_to_field(&b->root, out);
    if (rc) {
        sl_field_free(out);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

static size_t col_bytes(const struct sl_col *c)
{
    size_t n = (c->len + 7) / 8 + c->len * sl_type_width(c->type);
    if (has_off(c->type))
        n += (c->len + 1) * sizeof(int32_t);
    n += c->data_len;
    for (uint32_t i = 0; i < c->n_child; i++)
        n += col_bytes(&c->child[i]);
    return n;
}

size_t sl_batch_bytes(const struct sl_batch *b)
{
    return col_bytes(&b->root);
}

struct sl_col *sl_batch_col(struct sl_batch *b, const char *name)
{
    return sl_col_child(&b->root, name);
}

int sl_batch_row_end(struct sl_batch *b)
{
    return sl_col_struct_end(&b->root);
}

void sl_batch_rollback(struct sl_batch *b, size_t rows)
{
    truncate_col(&b->root, rows);
}

/* ---- appends ---- */

int sl_col_append_null(struct sl_col *c)
{
    int rc = slot(c);
    if (rc)
        return rc;
    size_t i = c->len;
    set_valid(c, i, false);
    size_t w = sl_type_width(c->type);
    if (w)
        memset((uint8_t *)c->values + i * w, 0, w);
    if (has_off(c->type)) {
        c->off[i + 1] = c->off[i];
        /* Elements appended for this slot before it turned null go. */
        if (c->type == SL_ARRAY || c->type == SL_MAP)
            for (uint32_t k = 0; k < c->n_child; k++)
                truncate_col(&c->child[k], (size_t)c->off[i]);
        else
            c->data_len = (size_t)c->off[i];
    }
    if (c->type == SL_STRUCT)
        for (uint32_t k = 0; k < c->n_child; k++) {
            truncate_col(&c->child[k], i);
            if ((rc = sl_col_append_null(&c->child[k])))
                return rc;
        }
    c->len = i + 1;
    return 0;
}

#define APPEND_FIXED(fn, T)                                                    \
    int fn(struct sl_col *c, T v)                                              \
    {                                                                          \
        assert(sl_type_width(c->type) == sizeof(T));                           \
        if (c->len == c->cap) {                                                \
            int rc = grow_slots(c, c->len + 1);                                \
            if (rc)                                                            \
                return rc;                                                     \
        }                                                                      \
        ((T *)c->values)[c->len] = v;                                          \
        set_valid(c, c->len, true);                                            \
        c->len++;                                                              \
        return 0;                                                              \
    }

APPEND_FIXED(sl_col_append_i32, int32_t)
APPEND_FIXED(sl_col_append_i64, int64_t)
APPEND_FIXED(sl_col_append_f32, float)
APPEND_FIXED(sl_col_append_f64, double)
APPEND_FIXED(sl_col_append_dec, __int128)

int sl_col_append_bool(struct sl_col *c, bool v)
{
    assert(c->type == SL_BOOLEAN);
    int rc = slot(c);
    if (rc)
        return rc;
    ((uint8_t *)c->values)[c->len] = v ? 1 : 0;
    set_valid(c, c->len, true);
    c->len++;
    return 0;
}

uint8_t *sl_col_bytes_begin(struct sl_col *c, size_t n)
{
    assert(c->type == SL_STRING || c->type == SL_BINARY);
    if (c->data && n <= c->data_cap - c->data_len)
        return c->data + c->data_len;
    if (n > (size_t)INT32_MAX - c->data_len)
        return NULL;
    size_t need = c->data_len + n;
    size_t cap = c->data_cap ? c->data_cap : INITIAL_DATA;
    while (cap < need)
        cap *= 2;
    if (cap > (size_t)INT32_MAX)
        cap = (size_t)INT32_MAX;
    uint8_t *d = realloc(c->data, cap);
    if (!d)
        return NULL;
    c->data = d;
    c->data_cap = cap;
    return d + c->data_len;
}

int sl_col_bytes_end(struct sl_col *c, size_t n_written)
{
    int rc = slot(c);
    if (rc)
        return rc;
    assert(n_written <= c->data_cap - c->data_len);
    c->data_len += n_written;
    c->off[c->len + 1] = (int32_t)c->data_len;
    set_valid(c, c->len, true);
    c->len++;
    return 0;
}

int sl_col_reserve(struct sl_col *c, size_t slots, size_t bytes)
{
    int rc = grow_slots(c, c->len + slots);
    bool str = c->type == SL_STRING || c->type == SL_BINARY;
    if (rc || !str || (!bytes && c->data))
        return rc; /* a string column always has data (as the appends do) */
    if (!sl_col_bytes_begin(c, bytes))
        return bytes > (size_t)INT32_MAX - c->data_len ? SL_ELIMIT : SL_ENOMEM;
    return 0;
}

int sl_col_append_bytes(struct sl_col *c, const void *p, size_t n)
{
    uint8_t *d = sl_col_bytes_begin(c, n);
    if (!d)
        return n > (size_t)INT32_MAX - c->data_len ? SL_ELIMIT : SL_ENOMEM;
    if (n)
        memcpy(d, p, n);
    return sl_col_bytes_end(c, n);
}

int sl_col_struct_end(struct sl_col *c)
{
    assert(c->type == SL_STRUCT);
    int rc = slot(c);
    if (rc)
        return rc;
    size_t i = c->len;
    for (uint32_t k = 0; k < c->n_child; k++) {
        struct sl_col *ch = &c->child[k];
        assert(ch->len <= i + 1);
        if (ch->len == i && (rc = sl_col_append_null(ch)))
            return rc;
    }
    set_valid(c, i, true);
    c->len = i + 1;
    return 0;
}

int sl_col_list_end(struct sl_col *c)
{
    assert(c->type == SL_ARRAY || c->type == SL_MAP);
    int rc = slot(c);
    if (rc)
        return rc;
    size_t n = c->child[0].len;
    assert(c->type == SL_ARRAY || c->child[1].len == n);
    if (n > (size_t)INT32_MAX)
        return SL_ELIMIT;
    c->off[c->len + 1] = (int32_t)n;
    set_valid(c, c->len, true);
    c->len++;
    return 0;
}

/* ---- schema changes during detection ---- */

struct sl_col *sl_col_child(struct sl_col *c, const char *name)
{
    for (uint32_t i = 0; i < c->n_child; i++)
        if (c->child[i].name && strcmp(c->child[i].name, name) == 0)
            return &c->child[i];
    return NULL;
}

struct sl_col *sl_col_add_child(struct sl_col *c, const struct sl_field *f,
                                struct sl_error *err)
{
    if (c->type != SL_STRUCT) {
        sl_error_set(err, SL_EINVAL, "cannot add field \"%s\" to a %s column",
                     f->name ? f->name : "", sl_type_name(c->type));
        return NULL;
    }
    if (f->name && sl_col_child(c, f->name)) {
        sl_error_set(err, SL_EINVAL, "field \"%s\" already exists", f->name);
        return NULL;
    }
    if (init_child(c, f)) {
        sl_error_set(err, SL_ENOMEM, "out of memory adding field \"%s\"",
                     f->name ? f->name : "");
        return NULL;
    }
    struct sl_col *ch = &c->child[c->n_child - 1];
    ch->nullable = true; /* earlier rows do not have it */
    if (grow_slots(ch, c->len))
        goto oom;
    for (size_t i = 0; i < c->len; i++)
        if (sl_col_append_null(ch))
            goto oom;
    return ch;
oom:
    sl_col_free(ch);
    c->n_child--;
    sl_error_set(err, SL_ENOMEM, "out of memory adding field \"%s\"",
                 f->name ? f->name : "");
    return NULL;
}

/* ---- widening ---- */

static bool is_numeric(enum sl_type t)
{
    return t == SL_INT || t == SL_BIGINT || t == SL_FLOAT || t == SL_DOUBLE;
}

static double num_at(const struct sl_col *c, size_t i)
{
    switch (c->type) {
    case SL_INT:
        return SL_COL_VALUES(c, int32_t)[i];
    case SL_BIGINT:
        return (double)SL_COL_VALUES(c, int64_t)[i];
    case SL_FLOAT:
        return SL_COL_VALUES(c, float)[i];
    default:
        return SL_COL_VALUES(c, double)[i];
    }
}

static int widen_numeric(struct sl_col *c, enum sl_type to)
{
    size_t w = sl_type_width(to);
    void *nv = malloc((c->cap ? c->cap : 1) * w);
    if (!nv)
        return SL_ENOMEM;
    for (size_t i = 0; i < c->len; i++) {
        switch (to) {
        case SL_BIGINT:
            ((int64_t *)nv)[i] = SL_COL_VALUES(c, int32_t)[i];
            break;
        case SL_FLOAT:
            ((float *)nv)[i] = (float)num_at(c, i);
            break;
        default:
            ((double *)nv)[i] = num_at(c, i);
            break;
        }
    }
    free(c->values);
    c->values = nv;
    c->type = to;
    return 0;
}

/* Release type-specific storage and become `to` holding only nulls. */
static int widen_from_null(struct sl_col *c, enum sl_type to)
{
    size_t cap = c->cap;
    size_t w = sl_type_width(to);
    if (w && !(c->values = calloc(cap ? cap : 1, w)))
        return SL_ENOMEM;
    if (has_off(to) && !(c->off = calloc(cap + 1, sizeof *c->off)))
        return SL_ENOMEM;
    c->type = to;
    if (to == SL_ARRAY || to == SL_MAP)
        return init_list_children(c, NULL);
    if (to == SL_DECIMAL) {
        c->precision = 38;
        c->scale = 0;
    }
    return 0;
}

int sl_col_widen(struct sl_col *c, enum sl_type to, struct sl_error *err)
{
    if (c->type == to)
        return 0;
    int rc;
    if (c->type == SL_NULLTYPE) {
        rc = widen_from_null(c, to);
    } else if (to == SL_STRING) {
        rc = sl__col_to_string(c);
    } else if (is_numeric(c->type) && is_numeric(to) &&
               sl_type_widen(c->type, to) == to) {
        rc = widen_numeric(c, to);
    } else {
        return sl_error_set(
            err, SL_ETYPE, "column \"%s\" cannot change from %s to %s",
            c->name ? c->name : "", sl_type_name(c->type), sl_type_name(to));
    }
    if (rc)
        return sl_error_set(err, rc, "column \"%s\": %s while widening it",
                            c->name ? c->name : "", sl_strerror(rc));
    return 0;
}
