/*
 * avro_schema.c - Avro schema JSON -> node tree -> sluice types, and the
 * Avro writer schema for sluice rows (see avro_schema.h).
 *
 * The JSON is read with the job-file loader (sl_conf_parse, libyaml: JSON
 * is a subset of the YAML it reads), then walked once. Named types
 * (record, enum, fixed) are registered by full name before their body is
 * parsed, so a record can refer to itself; such recursive types parse but
 * cannot become columns (sl_avro_to_sluice says so). Field defaults are
 * turned into their binary encoding at parse time: schema resolution then
 * reads a missing field's default with the same code that reads data.
 */
#include "avro_schema.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_bin.h"
#include "jsonw.h"
#include "options.h"

#define MAX_DEPTH 64

struct named {
    char *full;
    struct sl_avro_node *node;
};

struct pending {
    struct sl_avro_field *f;
    const struct sl_conf *dflt;
};

struct pctx {
    struct sl_avro_schema *s;
    struct named *names;
    size_t n_names, cap_names;
    struct pending *pend;
    size_t n_pend, cap_pend;
    struct sl_error *err;
};

static const char *const kind_names[] = {
    "null",   "boolean", "int",  "long",  "float", "double", "bytes",
    "string", "record",  "enum", "array", "map",   "union",  "fixed",
};

const char *sl_avro_kind_name(enum sl_avro_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k]
                                                                : "?";
}

static struct sl_avro_node *new_node(struct pctx *c, enum sl_avro_kind k)
{
    struct sl_avro_schema *s = c->s;
    if (s->n_nodes == s->cap_nodes) {
        size_t cap = s->cap_nodes ? s->cap_nodes * 2 : 16;
        struct sl_avro_node **v = realloc(s->nodes, cap * sizeof *v);
        if (!v)
            return NULL;
        s->nodes = v;
        s->cap_nodes = cap;
    }
    struct sl_avro_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = k;
    n->null_branch = -1;
    n->enum_default = -1;
    s->nodes[s->n_nodes++] = n;
    return n;
}

static void free_node(struct sl_avro_node *n)
{
    free(n->name);
    for (size_t i = 0; n->fields && i < n->n; i++) {
        free(n->fields[i].name);
        for (size_t k = 0; k < n->fields[i].n_aliases; k++)
            free(n->fields[i].aliases[k]);
        free(n->fields[i].aliases);
        free(n->fields[i].dflt);
    }
    free(n->fields);
    for (size_t i = 0; n->symbols && i < n->n; i++)
        free(n->symbols[i]);
    free(n->symbols);
    free(n->branches);
    free(n);
}

void sl_avro_schema_destroy(struct sl_avro_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_nodes; i++)
        free_node(s->nodes[i]);
    free(s->nodes);
    free(s->text);
    free(s);
}

static int prim_kind(const char *t, enum sl_avro_kind *k)
{
    for (int i = SL_AV_NULL; i <= SL_AV_STRING; i++)
        if (strcmp(t, kind_names[i]) == 0) {
            *k = (enum sl_avro_kind)i;
            return 0;
        }
    return -1;
}

static char *full_name(const char *name, const char *ns)
{
    if (strchr(name, '.') || !ns || !*ns)
        return strdup(name);
    size_t a = strlen(ns), b = strlen(name);
    char *f = malloc(a + b + 2);
    if (f) {
        memcpy(f, ns, a);
        f[a] = '.';
        memcpy(f + a + 1, name, b + 1);
    }
    return f;
}

static struct sl_avro_node *lookup(struct pctx *c, const char *name,
                                   const char *ns)
{
    char *full = full_name(name, ns);
    struct sl_avro_node *found = NULL;
    for (size_t i = 0; full && i < c->n_names && !found; i++)
        if (strcmp(c->names[i].full, full) == 0 ||
            strcmp(c->names[i].full, name) == 0)
            found = c->names[i].node;
    free(full);
    return found;
}

static int add_name(struct pctx *c, struct sl_avro_node *n, const char *path)
{
    for (size_t i = 0; i < c->n_names; i++)
        if (strcmp(c->names[i].full, n->name) == 0)
            return sl_error_set(c->err, SL_EINVAL,
                                "Avro schema %s: type name \"%s\" is defined "
                                "twice",
                                path, n->name);
    if (c->n_names == c->cap_names) {
        size_t cap = c->cap_names ? c->cap_names * 2 : 8;
        struct named *v = realloc(c->names, cap * sizeof *v);
        if (!v)
            return SL_ENOMEM;
        c->names = v;
        c->cap_names = cap;
    }
    c->names[c->n_names].full = n->name;
    c->names[c->n_names++].node = n;
    return 0;
}

static int bad(struct pctx *c, const char *path, const char *what)
{
    return sl_error_set(c->err, SL_EINVAL, "Avro schema %s: %s", path, what);
}

static int parse_node(struct pctx *c, const struct sl_conf *j, const char *ns,
                      const char *path, int depth, struct sl_avro_node **out);

static int set_named(struct pctx *c, struct sl_avro_node *n,
                     const struct sl_conf *j, const char *ns, const char *path,
                     const char **inner_ns)
{
    const char *name = sl_conf_str(j, "name");
    if (!name || !*name)
        return bad(c, path, "a named type needs \"name\"");
    const char *own = sl_conf_str(j, "namespace");
    if (own)
        ns = own;
    if (!(n->name = full_name(name, ns)))
        return SL_ENOMEM;
    char *dot = strrchr(n->name, '.');
    *inner_ns = dot ? NULL : "";
    int rc = add_name(c, n, path);
    return rc;
}

/* Namespace of a named node's full name, in a caller buffer. */
static const char *ns_of(const struct sl_avro_node *n, char *buf, size_t cap)
{
    const char *dot = strrchr(n->name, '.');
    if (!dot)
        return "";
    size_t len = (size_t)(dot - n->name);
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, n->name, len);
    buf[len] = 0;
    return buf;
}

static int parse_fields(struct pctx *c, struct sl_avro_node *n,
                        const struct sl_conf *fl, const char *ns,
                        const char *path, int depth)
{
    if (!fl || fl->kind != SL_CONF_SEQ)
        return bad(c, path, "a record needs a \"fields\" list");
    n->fields = calloc(fl->n ? fl->n : 1, sizeof *n->fields);
    if (!n->fields)
        return SL_ENOMEM;
    for (size_t i = 0; i < fl->n; i++) {
        const struct sl_conf *f = fl->items[i];
        char fpath[512];
        const char *name = sl_conf_str(f, "name");
        if (!name)
            return bad(c, path, "a field needs a \"name\"");
        for (size_t k = 0; k < n->n; k++)
            if (strcmp(n->fields[k].name, name) == 0)
                return bad(c, path, "two fields have the same name");
        snprintf(fpath, sizeof fpath, "%s.%s", path, name);
        struct sl_avro_field *af = &n->fields[n->n];
        if (!(af->name = strdup(name)))
            return SL_ENOMEM;
        n->n++;
        const struct sl_conf *t = sl_conf_get(f, "type");
        if (!t)
            return bad(c, fpath, "a field needs a \"type\"");
        int rc = parse_node(c, t, ns, fpath, depth + 1, &af->type);
        if (rc)
            return rc;
        const struct sl_conf *al = sl_conf_get(f, "aliases");
        if (al && al->kind == SL_CONF_SEQ && al->n) {
            if (!(af->aliases = calloc(al->n, sizeof *af->aliases)))
                return SL_ENOMEM;
            for (size_t k = 0; k < al->n; k++)
                if (al->items[k]->kind == SL_CONF_SCALAR &&
                    (af->aliases[af->n_aliases] = strdup(al->items[k]->str)))
                    af->n_aliases++;
        }
        const struct sl_conf *d = sl_conf_get(f, "default");
        if (d) {
            if (c->n_pend == c->cap_pend) {
                size_t cap = c->cap_pend ? c->cap_pend * 2 : 8;
                struct pending *v = realloc(c->pend, cap * sizeof *v);
                if (!v)
                    return SL_ENOMEM;
                c->pend = v;
                c->cap_pend = cap;
            }
            c->pend[c->n_pend].f = af;
            c->pend[c->n_pend++].dflt = d;
        }
    }
    return 0;
}

static int parse_logical(struct pctx *c, struct sl_avro_node *n,
                         const struct sl_conf *j, const char *path)
{
    const char *lt = sl_conf_str(j, "logicalType");
    if (!lt)
        return 0;
    enum sl_avro_kind k = n->kind;
    /* A logical type that does not fit is ignored (the spec's rule). */
    if (strcmp(lt, "date") == 0 && k == SL_AV_INT)
        n->logical = SL_AVL_DATE;
    else if (strcmp(lt, "time-millis") == 0 && k == SL_AV_INT)
        n->logical = SL_AVL_TIME_MILLIS;
    else if (strcmp(lt, "time-micros") == 0 && k == SL_AV_LONG)
        n->logical = SL_AVL_TIME_MICROS;
    else if (strcmp(lt, "timestamp-millis") == 0 && k == SL_AV_LONG)
        n->logical = SL_AVL_TS_MILLIS;
    else if (strcmp(lt, "timestamp-micros") == 0 && k == SL_AV_LONG)
        n->logical = SL_AVL_TS_MICROS;
    else if (strcmp(lt, "local-timestamp-millis") == 0 && k == SL_AV_LONG)
        n->logical = SL_AVL_LTS_MILLIS;
    else if (strcmp(lt, "local-timestamp-micros") == 0 && k == SL_AV_LONG)
        n->logical = SL_AVL_LTS_MICROS;
    else if (strcmp(lt, "uuid") == 0 && k == SL_AV_STRING)
        n->logical = SL_AVL_UUID;
    else if (strcmp(lt, "decimal") == 0 &&
             (k == SL_AV_BYTES || k == SL_AV_FIXED)) {
        int64_t p = 0, s = 0;
        const char *ps = sl_conf_str(j, "precision");
        const char *ss = sl_conf_str(j, "scale");
        if (!ps || sl_parse_i64(ps, &p) || p < 1 ||
            (ss && (sl_parse_i64(ss, &s) || s < 0 || s > p)))
            return 0; /* invalid: the underlying type */
        if (k == SL_AV_FIXED && n->size < 16 &&
            (double)p > floor(log10(pow(2, 8.0 * (double)n->size - 1) - 1)))
            return 0;
        if (p > 38)
            return bad(c, path, "decimal precision above 38 is not supported");
        n->logical = SL_AVL_DECIMAL;
        n->precision = (uint32_t)p;
        n->scale = (uint32_t)s;
    }
    return 0;
}

static int parse_union(struct pctx *c, struct sl_avro_node *n,
                       const struct sl_conf *j, const char *ns,
                       const char *path, int depth)
{
    if (j->n == 0)
        return bad(c, path, "a union needs at least one branch");
    if (!(n->branches = calloc(j->n, sizeof *n->branches)))
        return SL_ENOMEM;
    for (size_t i = 0; i < j->n; i++) {
        char bpath[512];
        snprintf(bpath, sizeof bpath, "%s[%zu]", path, i);
        struct sl_avro_node *b;
        int rc = parse_node(c, j->items[i], ns, bpath, depth + 1, &b);
        if (rc)
            return rc;
        if (b->kind == SL_AV_UNION)
            return bad(c, bpath, "a union cannot hold a union directly");
        for (size_t k = 0; k < i; k++) {
            const struct sl_avro_node *o = n->branches[k];
            bool named = b->kind == SL_AV_RECORD || b->kind == SL_AV_ENUM ||
                         b->kind == SL_AV_FIXED;
            if (o->kind == b->kind && (!named || strcmp(o->name, b->name) == 0))
                return bad(c, bpath, "a union holds the same type twice");
        }
        if (b->kind == SL_AV_NULL)
            n->null_branch = (int)i;
        n->branches[n->n++] = b;
    }
    return 0;
}

static int parse_complex(struct pctx *c, const struct sl_conf *j,
                         const char *ns, const char *path, int depth,
                         struct sl_avro_node **out)
{
    const struct sl_conf *tn = sl_conf_get(j, "type");
    if (!tn)
        return bad(c, path, "an object needs \"type\"");
    if (tn->kind != SL_CONF_SCALAR)
        return parse_node(c, tn, ns, path, depth + 1, out);
    const char *t = tn->str;
    enum sl_avro_kind k;
    struct sl_avro_node *n;
    const char *inner = NULL;
    char nsbuf[256];
    int rc = 0;
    if (prim_kind(t, &k) == 0) {
        if (!(n = new_node(c, k)))
            return SL_ENOMEM;
        *out = n;
        return parse_logical(c, n, j, path);
    }
    if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) {
        if (!(n = new_node(c, SL_AV_RECORD)))
            return SL_ENOMEM;
        if ((rc = set_named(c, n, j, ns, path, &inner)))
            return rc;
        rc = parse_fields(c, n, sl_conf_get(j, "fields"),
                          ns_of(n, nsbuf, sizeof nsbuf), path, depth);
    } else if (strcmp(t, "enum") == 0) {
        if (!(n = new_node(c, SL_AV_ENUM)))
            return SL_ENOMEM;
        if ((rc = set_named(c, n, j, ns, path, &inner)))
            return rc;
        const struct sl_conf *sy = sl_conf_get(j, "symbols");
        if (!sy || sy->kind != SL_CONF_SEQ)
            return bad(c, path, "an enum needs a \"symbols\" list");
        if (!(n->symbols = calloc(sy->n ? sy->n : 1, sizeof *n->symbols)))
            return SL_ENOMEM;
        for (size_t i = 0; i < sy->n; i++) {
            if (sy->items[i]->kind != SL_CONF_SCALAR)
                return bad(c, path, "enum symbols must be strings");
            if (!(n->symbols[n->n] = strdup(sy->items[i]->str)))
                return SL_ENOMEM;
            n->n++;
        }
        const char *d = sl_conf_str(j, "default");
        for (size_t i = 0; d && i < n->n; i++)
            if (strcmp(n->symbols[i], d) == 0)
                n->enum_default = (int)i;
    } else if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
        bool arr = t[0] == 'a';
        if (!(n = new_node(c, arr ? SL_AV_ARRAY : SL_AV_MAP)))
            return SL_ENOMEM;
        const struct sl_conf *it = sl_conf_get(j, arr ? "items" : "values");
        if (!it)
            return bad(c, path,
                       arr ? "an array needs \"items\""
                           : "a map needs \"values\"");
        char ipath[512];
        snprintf(ipath, sizeof ipath, "%s%s", path, arr ? "[]" : "{}");
        rc = parse_node(c, it, ns, ipath, depth + 1, &n->items);
    } else if (strcmp(t, "fixed") == 0) {
        if (!(n = new_node(c, SL_AV_FIXED)))
            return SL_ENOMEM;
        if ((rc = set_named(c, n, j, ns, path, &inner)))
            return rc;
        const char *sz = sl_conf_str(j, "size");
        int64_t size;
        if (!sz || sl_parse_i64(sz, &size) || size < 0 || size > (1 << 30))
            return bad(c, path, "a fixed needs a \"size\"");
        n->size = (size_t)size;
        rc = parse_logical(c, n, j, path);
    } else {
        if (!(n = lookup(c, t, ns))) {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown type \"%s\"", t);
            return bad(c, path, msg);
        }
    }
    *out = n;
    return rc;
}

static int parse_node(struct pctx *c, const struct sl_conf *j, const char *ns,
                      const char *path, int depth, struct sl_avro_node **out)
{
    if (depth > MAX_DEPTH)
        return bad(c, path, "nested too deeply");
    if (j->kind == SL_CONF_SEQ) {
        struct sl_avro_node *n = new_node(c, SL_AV_UNION);
        if (!n)
            return SL_ENOMEM;
        *out = n;
        return parse_union(c, n, j, ns, path, depth);
    }
    if (j->kind == SL_CONF_MAP)
        return parse_complex(c, j, ns, path, depth, out);
    enum sl_avro_kind k;
    if (prim_kind(j->str, &k) == 0) {
        if (!(*out = new_node(c, k)))
            return SL_ENOMEM;
        return 0;
    }
    if (!(*out = lookup(c, j->str, ns))) {
        char msg[300];
        snprintf(msg, sizeof msg, "unknown type \"%.200s\"", j->str);
        return bad(c, path, msg);
    }
    return 0;
}

/* ---- defaults: JSON value -> binary encoding ---- */

/* JSON string of code points 0..255 -> bytes (the spec's encoding of
 * bytes and fixed defaults). */
static int latin1_bytes(const char *s, struct sl_buf *out)
{
    const uint8_t *p = (const uint8_t *)s;
    while (*p) {
        unsigned cp = *p;
        if (cp < 0x80) {
            p++;
        } else if ((cp & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            cp = (cp & 0x1fu) << 6 | (p[1] & 0x3fu);
            p += 2;
        } else {
            return SL_ETYPE;
        }
        if (cp > 255)
            return SL_ETYPE;
        int rc = sl_buf_putc(out, (char)cp);
        if (rc)
            return rc;
    }
    return 0;
}

static int encode_default(const struct sl_avro_node *n, const struct sl_conf *d,
                          struct sl_buf *out, int depth)
{
    if (depth > MAX_DEPTH)
        return SL_ELIMIT;
    bool isnull = d->kind == SL_CONF_SCALAR && !d->quoted && sl_conf_is_null(d);
    const char *s = d->kind == SL_CONF_SCALAR ? d->str : NULL;
    int rc;
    switch (n->kind) {
    case SL_AV_NULL:
        return isnull ? 0 : SL_ETYPE;
    case SL_AV_BOOLEAN: {
        bool v;
        if (!s || d->quoted || sl_parse_bool(s, &v))
            return SL_ETYPE;
        return sl_buf_putc(out, v ? 1 : 0);
    }
    case SL_AV_INT:
    case SL_AV_LONG: {
        int64_t v;
        if (!s || d->quoted || sl_parse_i64(s, &v))
            return SL_ETYPE;
        if (n->kind == SL_AV_INT && (v < INT32_MIN || v > INT32_MAX))
            return SL_ETYPE;
        return sl_avro_buf_long(out, v);
    }
    case SL_AV_FLOAT:
    case SL_AV_DOUBLE: {
        if (!s || d->quoted)
            return SL_ETYPE;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end)
            return SL_ETYPE;
        uint8_t b[8];
        if (n->kind == SL_AV_FLOAT) {
            sl_avro_put_f32(b, (float)v);
            return sl_buf_append(out, b, 4);
        }
        sl_avro_put_f64(b, v);
        return sl_buf_append(out, b, 8);
    }
    case SL_AV_STRING:
        if (!s || isnull)
            return SL_ETYPE;
        return sl_avro_buf_bytes(out, s, strlen(s));
    case SL_AV_BYTES:
    case SL_AV_FIXED: {
        if (!s || isnull)
            return SL_ETYPE;
        struct sl_buf tmp;
        sl_buf_init(&tmp, 1u << 20);
        rc = latin1_bytes(s, &tmp);
        if (!rc && n->kind == SL_AV_FIXED && tmp.len != n->size)
            rc = SL_ETYPE;
        if (!rc)
            rc = n->kind == SL_AV_FIXED
                     ? sl_buf_append(out, tmp.data, tmp.len)
                     : sl_avro_buf_bytes(out, tmp.data, tmp.len);
        sl_buf_free(&tmp);
        return rc;
    }
    case SL_AV_ENUM:
        for (size_t i = 0; s && i < n->n; i++)
            if (strcmp(n->symbols[i], s) == 0)
                return sl_avro_buf_long(out, (int64_t)i);
        return SL_ETYPE;
    case SL_AV_ARRAY:
    case SL_AV_MAP: {
        bool arr = n->kind == SL_AV_ARRAY;
        if (d->kind != (arr ? SL_CONF_SEQ : SL_CONF_MAP))
            return SL_ETYPE;
        if (d->n && (rc = sl_avro_buf_long(out, (int64_t)d->n)))
            return rc;
        for (size_t i = 0; i < d->n; i++) {
            if (!arr &&
                (rc = sl_avro_buf_bytes(out, d->keys[i], strlen(d->keys[i]))))
                return rc;
            if ((rc = encode_default(n->items, d->items[i], out, depth + 1)))
                return rc;
        }
        return sl_avro_buf_long(out, 0);
    }
    case SL_AV_RECORD:
        if (d->kind != SL_CONF_MAP)
            return SL_ETYPE;
        for (size_t i = 0; i < n->n; i++) {
            const struct sl_avro_field *f = &n->fields[i];
            const struct sl_conf *v = sl_conf_get(d, f->name);
            if (v)
                rc = encode_default(f->type, v, out, depth + 1);
            else if (f->has_default)
                rc = sl_buf_append(out, f->dflt, f->dflt_len);
            else
                rc = SL_ETYPE;
            if (rc)
                return rc;
        }
        return 0;
    case SL_AV_UNION:
        /* The spec wants the first branch; any branch that fits is taken
         * (later versions of the spec allow it). */
        for (size_t i = 0; i < n->n; i++) {
            size_t mark = out->len;
            rc = sl_avro_buf_long(out, (int64_t)i);
            if (!rc)
                rc = encode_default(n->branches[i], d, out, depth + 1);
            if (rc == SL_ENOMEM || rc == SL_ELIMIT)
                return rc;
            if (!rc)
                return 0;
            out->len = mark;
        }
        return SL_ETYPE;
    }
    return SL_ETYPE;
}

int sl_avro_schema_parse(const char *text, size_t len,
                         struct sl_avro_schema **out, struct sl_error *err)
{
    *out = NULL;
    struct sl_conf *j = NULL;
    struct pctx c = {.err = err};
    int rc = sl_conf_parse(text, len, "avro schema", SL_CONF_NO_ENV, &j, err);
    if (rc) {
        sl_error_prefix(err, "Avro schema is not valid JSON: ");
        return rc == SL_ENOMEM ? rc : SL_EINVAL;
    }
    if (!(c.s = calloc(1, sizeof *c.s)) || !(c.s->text = malloc(len + 1))) {
        rc = SL_ENOMEM;
        goto out;
    }
    memcpy(c.s->text, text, len);
    c.s->text[len] = 0;
    c.s->text_len = len;
    rc = parse_node(&c, j, "", "$", 0, &c.s->root);
    for (size_t i = 0; !rc && i < c.n_pend; i++) {
        struct sl_avro_field *f = c.pend[i].f;
        struct sl_buf b;
        sl_buf_init(&b, 16u << 20);
        rc = encode_default(f->type, c.pend[i].dflt, &b, 0);
        if (rc == SL_ETYPE) {
            char where[128];
            rc =
                sl_error_set(err, SL_EINVAL,
                             "Avro schema: %s: the default of field \"%s\" "
                             "does not match its type %s",
                             sl_conf_where(c.pend[i].dflt, where, sizeof where),
                             f->name, sl_avro_kind_name(f->type->kind));
        } else if (!rc) {
            f->has_default = true;
            f->dflt = b.data ? b.data : malloc(1);
            f->dflt_len = b.len;
            if (!f->dflt)
                rc = SL_ENOMEM;
            b.data = NULL;
        }
        sl_buf_free(&b);
    }
out:
    if (rc == SL_ENOMEM)
        sl_error_set(err, rc, "Avro schema: out of memory");
    free(c.names);
    free(c.pend);
    sl_conf_free(j);
    if (rc) {
        sl_avro_schema_destroy(c.s);
        return rc;
    }
    *out = c.s;
    return 0;
}

/* ---- Avro -> sluice types ---- */

const struct sl_avro_node *sl_avro_nullable_of(const struct sl_avro_node *n)
{
    if (n->kind != SL_AV_UNION || n->n != 2 || n->null_branch < 0)
        return NULL;
    return n->branches[1 - n->null_branch];
}

static int to_field(const struct sl_avro_node *n, struct sl_field *f,
                    struct sl_error *err)
{
    memset(f, 0, sizeof *f);
    int rc = 0;
    if (n->mark)
        return sl_error_set(err, SL_EINVAL,
                            "Avro type \"%s\" is recursive and cannot be "
                            "mapped to columns",
                            n->name ? n->name : "?");
    switch (n->kind) {
    case SL_AV_NULL:
        f->type = SL_STRING;
        f->nullable = true;
        return 0;
    case SL_AV_BOOLEAN:
        f->type = SL_BOOLEAN;
        return 0;
    case SL_AV_INT:
        f->type = n->logical == SL_AVL_DATE ? SL_DATE : SL_INT;
        return 0;
    case SL_AV_LONG:
        f->type =
            n->logical >= SL_AVL_TS_MILLIS && n->logical <= SL_AVL_LTS_MICROS
                ? SL_TIMESTAMP
                : SL_BIGINT;
        return 0;
    case SL_AV_FLOAT:
        f->type = SL_FLOAT;
        return 0;
    case SL_AV_DOUBLE:
        f->type = SL_DOUBLE;
        return 0;
    case SL_AV_STRING:
    case SL_AV_ENUM:
        f->type = SL_STRING;
        return 0;
    case SL_AV_BYTES:
    case SL_AV_FIXED:
        if (n->logical == SL_AVL_DECIMAL) {
            f->type = SL_DECIMAL;
            f->precision = (uint8_t)n->precision;
            f->scale = (uint8_t)n->scale;
        } else {
            f->type = SL_BINARY;
        }
        return 0;
    default:
        break;
    }
    ((struct sl_avro_node *)n)->mark = 1;
    if (n->kind == SL_AV_ARRAY || n->kind == SL_AV_MAP) {
        bool arr = n->kind == SL_AV_ARRAY;
        f->type = arr ? SL_ARRAY : SL_MAP;
        f->n_children = arr ? 1 : 2;
        if (!(f->children = calloc(f->n_children, sizeof *f->children))) {
            rc = SL_ENOMEM;
            goto out;
        }
        if (!arr)
            f->children[0].type = SL_STRING;
        rc = to_field(n->items, &f->children[arr ? 0 : 1], err);
    } else if (n->kind == SL_AV_RECORD || n->kind == SL_AV_UNION) {
        const struct sl_avro_node *t = sl_avro_nullable_of(n);
        if (t) {
            ((struct sl_avro_node *)n)->mark = 0;
            rc = to_field(t, f, err);
            f->nullable = true;
            return rc;
        }
        f->type = SL_STRUCT;
        size_t cnt = n->kind == SL_AV_RECORD
                         ? n->n
                         : n->n - (n->null_branch >= 0 ? 1 : 0);
        if (n->kind == SL_AV_UNION && cnt == 0) { /* ["null"] */
            f->type = SL_STRING;
            f->nullable = true;
            goto out;
        }
        f->nullable = n->kind == SL_AV_UNION && n->null_branch >= 0;
        if (cnt && !(f->children = calloc(cnt, sizeof *f->children))) {
            rc = SL_ENOMEM;
            goto out;
        }
        for (size_t i = 0, m = 0; !rc && i < n->n; i++) {
            char mname[32];
            const char *name;
            const struct sl_avro_node *ct;
            if (n->kind == SL_AV_RECORD) {
                name = n->fields[i].name;
                ct = n->fields[i].type;
            } else {
                if ((int)i == n->null_branch)
                    continue;
                snprintf(mname, sizeof mname, "member%zu", m++);
                name = mname;
                ct = n->branches[i];
            }
            struct sl_field *cf = &f->children[f->n_children++];
            rc = to_field(ct, cf, err);
            if (!rc && !(cf->name = strdup(name)))
                rc = SL_ENOMEM;
            if (!rc && n->kind == SL_AV_UNION)
                cf->nullable = true; /* one member is set at a time */
        }
    }
out:
    ((struct sl_avro_node *)n)->mark = 0;
    if (rc == SL_ENOMEM)
        sl_error_set(err, rc, "out of memory");
    if (rc)
        sl_field_free(f);
    return rc;
}

int sl_avro_node_to_field(const struct sl_avro_node *n, struct sl_field *out,
                          struct sl_error *err)
{
    return to_field(n, out, err);
}

int sl_avro_to_sluice(const struct sl_avro_schema *s, struct sl_field *out,
                      struct sl_error *err)
{
    memset(out, 0, sizeof *out);
    const struct sl_avro_node *r = s->root;
    if (r->kind == SL_AV_RECORD)
        return to_field(r, out, err);
    out->type = SL_STRUCT;
    if (!(out->children = calloc(1, sizeof *out->children)))
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    out->n_children = 1;
    int rc = to_field(r, &out->children[0], err);
    if (!rc && !(out->children[0].name = strdup("value")))
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
    if (rc)
        sl_field_free(out);
    return rc;
}

/* ---- sluice -> Avro writer schema ---- */

int sl_avro_name(const char *name, struct sl_buf *out)
{
    const char *s = name && *name ? name : "_";
    int rc = 0;
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        rc = sl_buf_putc(out, '_');
    for (; !rc && *s; s++) {
        char ch = *s;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '_';
        rc = sl_buf_putc(out, ok ? ch : '_');
    }
    return rc;
}

static int type_json(const struct sl_field *f, struct sl_buf *o, int *rec_no,
                     bool with_null);

static int record_json(const struct sl_field *f, struct sl_buf *o, int *rec_no)
{
    int rc = *rec_no == 0
                 ? sl_buf_puts(o, "{\"type\":\"record\",\"name\":\"Row\","
                                  "\"namespace\":\"sluice\",\"fields\":[")
                 : sl_buf_appendf(o,
                                  "{\"type\":\"record\",\"name\":\"Row%d\","
                                  "\"fields\":[",
                                  *rec_no);
    (*rec_no)++;
    for (uint32_t i = 0; !rc && i < f->n_children; i++) {
        const struct sl_field *c = &f->children[i];
        rc = sl_buf_puts(o, i ? ",{\"name\":\"" : "{\"name\":\"");
        if (!rc)
            rc = sl_avro_name(c->name, o);
        if (!rc)
            rc = sl_buf_puts(o, "\",\"type\":");
        if (!rc)
            rc = type_json(c, o, rec_no, true);
        if (!rc && (c->nullable || c->type == SL_NULLTYPE))
            rc = sl_buf_puts(o, ",\"default\":null");
        if (!rc)
            rc = sl_buf_putc(o, '}');
    }
    return rc ? rc : sl_buf_puts(o, "]}");
}

static int type_json(const struct sl_field *f, struct sl_buf *o, int *rec_no,
                     bool with_null)
{
    int rc = 0;
    if (with_null && f->nullable && f->type != SL_NULLTYPE) {
        rc = sl_buf_puts(o, "[\"null\",");
        if (!rc)
            rc = type_json(f, o, rec_no, false);
        return rc ? rc : sl_buf_putc(o, ']');
    }
    switch (f->type) {
    case SL_NULLTYPE:
        return sl_buf_puts(o, "\"null\"");
    case SL_BOOLEAN:
        return sl_buf_puts(o, "\"boolean\"");
    case SL_INT:
        return sl_buf_puts(o, "\"int\"");
    case SL_BIGINT:
        return sl_buf_puts(o, "\"long\"");
    case SL_FLOAT:
        return sl_buf_puts(o, "\"float\"");
    case SL_DOUBLE:
        return sl_buf_puts(o, "\"double\"");
    case SL_STRING:
        return sl_buf_puts(o, "\"string\"");
    case SL_BINARY:
        return sl_buf_puts(o, "\"bytes\"");
    case SL_DECIMAL:
        return sl_buf_appendf(o,
                              "{\"type\":\"bytes\",\"logicalType\":"
                              "\"decimal\",\"precision\":%u,\"scale\":%u}",
                              f->precision, f->scale);
    case SL_DATE:
        return sl_buf_puts(o, "{\"type\":\"int\",\"logicalType\":\"date\"}");
    case SL_TIMESTAMP:
        return sl_buf_puts(
            o, "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}");
    case SL_ARRAY:
    case SL_MAP:
        rc = sl_buf_puts(o, f->type == SL_ARRAY
                                ? "{\"type\":\"array\",\"items\":"
                                : "{\"type\":\"map\",\"values\":");
        if (!rc)
            rc = type_json(&f->children[f->type == SL_ARRAY ? 0 : 1], o, rec_no,
                           true);
        return rc ? rc : sl_buf_putc(o, '}');
    case SL_STRUCT:
        return record_json(f, o, rec_no);
    }
    return SL_EINVAL;
}

int sl_avro_schema_from_sluice(const struct sl_field *row, struct sl_buf *json,
                               struct sl_error *err)
{
    int rec_no = 0;
    int rc = record_json(row, json, &rec_no);
    if (rc)
        return sl_error_set(err, rc, "Avro writer schema: %s", sl_strerror(rc));
    return 0;
}
