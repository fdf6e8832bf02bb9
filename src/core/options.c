/*
 * options.c - options declared as data: value parsers, validation of a map
 * node against a table, and the help table (see options.h).
 *
 * Every part (source, format, sink, ...) declares a NULL-terminated table of
 * struct sl_option. sl_options_parse applies the defaults, then checks each
 * key of the part's map node against the table and stores the converted
 * value at `offset` in the part's struct; sl_options_help prints the same
 * table for --help and the docs, so validation and docs never drift apart.
 *
 * Messages name the file:line:col of the offending key or value, the
 * section ("source", "sink", ...) and what would be accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define OPT_MAX_LIST 100000 /* items in one list option */

/* ---- value parsers ---- */

/* Digits at s into *v (no sign); returns chars used, -1 on overflow, 0 when
 * there is no digit. */
static int digits_u63(const char *s, int64_t *v)
{
    int64_t x = 0;
    int i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        int d = s[i] - '0';
        if (x > (INT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return i;
}

int sl_parse_i64(const char *s, int64_t *v)
{
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    uint64_t x = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return SL_ELIMIT;
        x = x * 10 + d;
    }
    if (p == s || *p)
        return SL_EINVAL;
    if (neg) {
        if (x > (uint64_t)INT64_MAX + 1)
            return SL_ELIMIT;
        *v = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
    } else {
        if (x > (uint64_t)INT64_MAX)
            return SL_ELIMIT;
        *v = (int64_t)x;
    }
    return 0;
}

int sl_parse_duration_ms(const char *s, int64_t *ms)
{
    /* One or more <digits><unit> groups: "100s", "1h30m", "250ms". */
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    int64_t total = 0;
    if (!*s)
        return SL_EINVAL;
    while (*s) {
        int64_t n;
        int used = digits_u63(s, &n);
        if (used < 0)
            return SL_ELIMIT;
        if (used == 0)
            return SL_EINVAL;
        s += used;
        int64_t mul = 0;
        size_t ulen = 0;
        for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
            size_t l = strlen(units[u].unit);
            /* "ms" before "m": take the longest unit that matches. */
            if (strncmp(s, units[u].unit, l) == 0 && l > ulen) {
                mul = units[u].ms;
                ulen = l;
            }
        }
        if (!mul)
            return SL_EINVAL;
        s += ulen;
        if (n > (INT64_MAX - total) / mul)
            return SL_ELIMIT;
        total += n * mul;
    }
    *ms = total;
    return 0;
}

int sl_parse_size(const char *s, int64_t *bytes)
{
    static const struct {
        const char *unit;
        int64_t mul;
    } units[] = {
        {"", 1},
        {"B", 1},
        {"KB", 1000},
        {"MB", 1000000},
        {"GB", 1000000000},
        {"TB", 1000000000000},
        {"KiB", 1024},
        {"MiB", 1024 * 1024},
        {"GiB", 1024 * 1024 * 1024},
        {"TiB", (int64_t)1024 * 1024 * 1024 * 1024},
    };
    int64_t n;
    int used = digits_u63(s, &n);
    if (used < 0)
        return SL_ELIMIT;
    if (used == 0)
        return SL_EINVAL;
    s += used;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (strcmp(s, units[u].unit) == 0) {
            if (n > INT64_MAX / units[u].mul)
                return SL_ELIMIT;
            *bytes = n * units[u].mul;
            return 0;
        }
    }
    return SL_EINVAL;
}

int sl_parse_bool(const char *s, bool *v)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *v = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *v = false;
            return 0;
        }
    }
    return SL_EINVAL;
}

/* ---- helpers ---- */

static const char *type_name(enum sl_opt_type t)
{
    switch (t) {
    case SL_OPT_STRING:
        return "string";
    case SL_OPT_INT:
        return "integer";
    case SL_OPT_BOOL:
        return "boolean";
    case SL_OPT_DURATION:
        return "duration";
    case SL_OPT_SIZE:
        return "size";
    case SL_OPT_ENUM:
        return "enum";
    case SL_OPT_STRLIST:
        return "list";
    case SL_OPT_SCHEMA:
        return "schema";
    case SL_OPT_NODE:
        return "any";
    }
    return "?";
}

static const char *kind_name(enum sl_conf_kind k)
{
    return k == SL_CONF_MAP ? "a map" : k == SL_CONF_SEQ ? "a list" : "a value";
}

/* Levenshtein distance, capped: strings longer than 63 are "far". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Is `choice` one of the '|'-separated `choices`? */
static bool in_choices(const char *choices, const char *s)
{
    size_t n = strlen(s);
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == n && strncmp(p, s, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* Section-qualified key name for messages: "sink.window". */
static const char *qual(char *buf, size_t n, const char *section,
                        const char *key)
{
    if (section && *section)
        snprintf(buf, n, "%s.%s", section, key);
    else
        snprintf(buf, n, "%s", key);
    return buf;
}

/* Convert scalar text s for option o into dst. `where`/`name` are only for
 * the message; returns 0 or an SL_E* code with err set. */
static int set_scalar(const struct sl_option *o, const char *s, void *dst,
                      const char *where, const char *name, struct sl_error *err)
{
    void *p = (char *)dst + o->offset;
    int64_t v;
    int rc;
    switch (o->type) {
    case SL_OPT_STRING:
    case SL_OPT_ENUM: {
        if (o->type == SL_OPT_ENUM && !in_choices(o->choices, s))
            return sl_error_set(err, SL_EINVAL, "%s: %s: '%s' is not one of %s",
                                where, name, s,
                                o->choices ? o->choices : "(none)");
        char *copy = strdup(s);
        if (!copy)
            return sl_error_set(err, SL_ENOMEM, "%s: out of memory", where);
        free(*(char **)p);
        *(char **)p = copy;
        return 0;
    }
    case SL_OPT_INT:
        rc = sl_parse_i64(s, &v);
        if (rc == SL_ELIMIT)
            return sl_error_set(err, SL_EINVAL,
                                "%s: %s: '%s' is out of range for a 64-bit "
                                "integer",
                                where, name, s);
        if (rc)
            return sl_error_set(err, SL_EINVAL,
                                "%s: %s: '%s' is not an integer", where, name,
                                s);
        *(int64_t *)p = v;
        return 0;
    case SL_OPT_BOOL:
        if (sl_parse_bool(s, (bool *)p))
            return sl_error_set(err, SL_EINVAL,
                                "%s: %s: '%s' is not a boolean (use true or "
                                "false)",
                                where, name, s);
        return 0;
    case SL_OPT_DURATION:
        rc = sl_parse_duration_ms(s, &v);
        if (rc == SL_ELIMIT)
            return sl_error_set(err, SL_EINVAL,
                                "%s: %s: '%s' is too long a duration", where,
                                name, s);
        if (rc)
            return sl_error_set(err, SL_EINVAL,
                                "%s: %s: '%s' is not a duration (use ms, s, "
                                "m or h, e.g. 100s)",
                                where, name, s);
        *(int64_t *)p = v;
        return 0;
    case SL_OPT_SIZE:
        rc = sl_parse_size(s, &v);
        if (rc == SL_ELIMIT)
            return sl_error_set(err, SL_EINVAL, "%s: %s: '%s' is too large",
                                where, name, s);
        if (rc)
            return sl_error_set(err, SL_EINVAL,
                                "%s: %s: '%s' is not a size (use bytes or "
                                "KiB, MiB, GiB, KB, MB, GB, e.g. 64MiB)",
                                where, name, s);
        *(int64_t *)p = v;
        return 0;
    case SL_OPT_STRLIST: {
        struct sl_strlist *l = p;
        char *copy = strdup(s);
        char **nv = malloc(sizeof *nv);
        if (!copy || !nv) {
            free(copy);
            free(nv);
            return sl_error_set(err, SL_ENOMEM, "%s: out of memory", where);
        }
        sl_strlist_free(l);
        nv[0] = copy;
        l->v = nv;
        l->n = 1;
        return 0;
    }
    default:
        return sl_error_set(err, SL_EINVAL,
                            "%s: %s: a %s option has no text form", where, name,
                            type_name(o->type));
    }
}

static int set_list(const struct sl_option *o, const struct sl_conf *v,
                    void *dst, const char *name, struct sl_error *err)
{
    struct sl_strlist *l = (struct sl_strlist *)((char *)dst + o->offset);
    char where[512];
    if (v->n > OPT_MAX_LIST)
        return sl_error_set(err, SL_ELIMIT, "%s: %s: more than %d items",
                            sl_conf_where(v, where, sizeof where), name,
                            OPT_MAX_LIST);
    struct sl_strlist nl = {0, NULL};
    if (v->n) {
        nl.v = calloc(v->n, sizeof *nl.v);
        if (!nl.v)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < v->n; i++) {
        const struct sl_conf *it = v->items[i];
        if (it->kind != SL_CONF_SCALAR || sl_conf_is_null(it)) {
            sl_strlist_free(&nl);
            return sl_error_set(
                err, SL_EINVAL,
                "%s: %s: list item %zu must be a text value, "
                "not %s",
                sl_conf_where(it, where, sizeof where), name, i + 1,
                it->kind == SL_CONF_SCALAR ? "null" : kind_name(it->kind));
        }
        nl.v[i] = strdup(it->str);
        if (!nl.v[i]) {
            sl_strlist_free(&nl);
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        }
        nl.n = i + 1;
    }
    sl_strlist_free(l);
    *l = nl;
    return 0;
}

/* ---- schema option: a list of {name, type, nullable} ---- */

struct col_opts {
    char *name;
    char *type;
    bool nullable;
};

static const struct sl_option col_table[] = {
    {"name", SL_OPT_STRING, NULL, NULL, true, offsetof(struct col_opts, name),
     "column name"},
    {"type", SL_OPT_STRING, NULL, NULL, true, offsetof(struct col_opts, type),
     "Hive/Glue type: bigint, string, array<int>, struct<a:int>, ..."},
    {"nullable", SL_OPT_BOOL, "true", NULL, false,
     offsetof(struct col_opts, nullable), "whether the column may be null"},
    {NULL, 0, NULL, NULL, false, 0, NULL},
};

static void schema_free(struct sl_field *f)
{
    if (!f)
        return;
    sl_field_free(f);
    free(f);
}

static int set_schema(const struct sl_option *o, const struct sl_conf *v,
                      void *dst, const char *name, struct sl_error *err)
{
    struct sl_field **slot = (struct sl_field **)((char *)dst + o->offset);
    char where[512];
    sl_conf_where(v, where, sizeof where);
    struct sl_field *f = calloc(1, sizeof *f);
    if (!f)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = 0;
    if (v->kind == SL_CONF_SCALAR) {
        /* The whole schema in Hive spelling: struct<a:int,b:string>. */
        rc = sl_type_parse(v->str, f, err);
        if (rc) {
            sl_error_prefix(err, "%s: %s: ", where, name);
        } else if (f->type != SL_STRUCT) {
            rc = sl_error_set(err, SL_EINVAL,
                              "%s: %s: a schema must be a struct<...> or a "
                              "list of {name, type}, not '%s'",
                              where, name, v->str);
        }
        goto out;
    }
    if (v->kind != SL_CONF_SEQ) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: %s: expected a list of {name, type, nullable}, "
                          "not a map",
                          where, name);
        goto out;
    }
    f->type = SL_STRUCT;
    struct sl_field *cols = v->n ? calloc(v->n, sizeof *cols) : NULL;
    size_t ncols = 0;
    if (v->n && !cols) {
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < v->n && rc == 0; i++) {
        const struct sl_conf *it = v->items[i];
        char sect[256];
        snprintf(sect, sizeof sect, "%s[%zu]", name, i);
        struct col_opts co;
        rc = sl_options_parse(col_table, NULL, it, sect, &co, err);
        if (rc)
            break;
        for (size_t k = 0; k < i && rc == 0; k++) {
            if (strcmp(cols[k].name, co.name) == 0)
                rc = sl_error_set(
                    err, SL_EINVAL, "%s: %s: column '%s' is declared twice",
                    sl_conf_where(it, where, sizeof where), sect, co.name);
        }
        if (rc == 0) {
            rc = sl_type_parse(co.type, &cols[i], err);
            if (rc) {
                sl_field_free(&cols[i]);
                sl_error_prefix(
                    err, "%s: %s.type: ",
                    sl_conf_where(sl_conf_get(it, "type"), where, sizeof where),
                    sect);
            }
        }
        if (rc == 0) {
            cols[i].name = co.name;
            co.name = NULL;
            cols[i].nullable = co.nullable;
            ncols = i + 1;
        }
        sl_options_free(col_table, &co);
    }
    if (rc) {
        for (size_t i = 0; i < ncols; i++)
            sl_field_free(&cols[i]);
        free(cols);
    } else {
        f->children = cols;
        f->n_children = (uint32_t)ncols;
    }
out:
    if (rc) {
        schema_free(f);
        return rc;
    }
    schema_free(*slot);
    *slot = f;
    return 0;
}

/* ---- the table walker ---- */

static void zero_option(const struct sl_option *o, void *dst)
{
    void *p = (char *)dst + o->offset;
    switch (o->type) {
    case SL_OPT_STRING:
    case SL_OPT_ENUM:
        *(char **)p = NULL;
        break;
    case SL_OPT_INT:
    case SL_OPT_DURATION:
    case SL_OPT_SIZE:
        *(int64_t *)p = 0;
        break;
    case SL_OPT_BOOL:
        *(bool *)p = false;
        break;
    case SL_OPT_STRLIST:
        *(struct sl_strlist *)p = (struct sl_strlist){0};
        break;
    case SL_OPT_SCHEMA:
        *(struct sl_field **)p = NULL;
        break;
    case SL_OPT_NODE:
        *(const struct sl_conf **)p = NULL;
        break;
    }
}

size_t sl_edit_distance(const char *a, const char *b)
{
    return edit_distance(a, b);
}

static const struct sl_option *find_opt(const struct sl_option *opts,
                                        const char *key)
{
    for (const struct sl_option *o = opts; o->name; o++)
        if (strcmp(o->name, key) == 0)
            return o;
    return NULL;
}

static bool in_also(const char *const *also, const char *key)
{
    for (size_t i = 0; also && also[i]; i++)
        if (strcmp(also[i], key) == 0)
            return true;
    return false;
}

static int unknown_key(const struct sl_option *opts, const char *const *also,
                       const struct sl_conf *c, size_t i, const char *section,
                       struct sl_error *err)
{
    const char *key = c->keys[i];
    const char *best = NULL;
    size_t best_d = 3; /* suggest only at distance 1 or 2 */
    struct sl_buf known;
    sl_buf_init(&known, SL_ERROR_MSG_MAX);
    for (const struct sl_option *o = opts; o->name; o++) {
        sl_buf_appendf(&known, "%s%s", known.len ? ", " : "", o->name);
        size_t d = edit_distance(key, o->name);
        if (d < best_d && d < strlen(o->name)) {
            best = o->name;
            best_d = d;
        }
    }
    for (size_t k = 0; also && also[k]; k++) {
        sl_buf_appendf(&known, "%s%s", known.len ? ", " : "", also[k]);
        size_t d = edit_distance(key, also[k]);
        if (d < best_d && d < strlen(also[k])) {
            best = also[k];
            best_d = d;
        }
    }
    sl_buf_cstr(&known);
    char where[512], hint[160] = "";
    if (best)
        snprintf(hint, sizeof hint, ", did you mean '%s'?", best);
    int rc = sl_error_set(err, SL_EINVAL,
                          "%s: %s: unknown key '%s'%s (known keys: %s)",
                          sl_conf_key_where(c, i, where, sizeof where),
                          section && *section ? section : "job", key, hint,
                          known.data ? (char *)known.data : "none");
    sl_buf_free(&known);
    return rc;
}

static int set_node(const struct sl_option *o, const struct sl_conf *v,
                    void *dst, const char *section, struct sl_error *err)
{
    char where[512], name[256];
    sl_conf_where(v, where, sizeof where);
    qual(name, sizeof name, section, o->name);
    switch (o->type) {
    case SL_OPT_NODE:
        *(const struct sl_conf **)((char *)dst + o->offset) = v;
        return 0;
    case SL_OPT_SCHEMA:
        return set_schema(o, v, dst, name, err);
    case SL_OPT_STRLIST:
        if (v->kind == SL_CONF_SEQ)
            return set_list(o, v, dst, name, err);
        break;
    default:
        break;
    }
    if (v->kind != SL_CONF_SCALAR)
        return sl_error_set(err, SL_EINVAL, "%s: %s: expected %s %s, not %s",
                            where, name,
                            strchr("aeiou", type_name(o->type)[0]) ? "an" : "a",
                            type_name(o->type), kind_name(v->kind));
    return set_scalar(o, v->str, dst, where, name, err);
}

int sl_options_parse(const struct sl_option *opts, const char *const *also,
                     const struct sl_conf *c, const char *section, void *dst,
                     struct sl_error *err)
{
    char where[512];
    const char *sect = section && *section ? section : "job";
    int rc = 0;
    for (const struct sl_option *o = opts; o->name; o++)
        zero_option(o, dst);
    for (const struct sl_option *o = opts; o->name && rc == 0; o++) {
        if (!o->def)
            continue;
        rc = set_scalar(o, o->def, dst, "option table", o->name, err);
    }
    if (rc)
        goto fail;
    if (c && !sl_conf_is_null(c) && c->kind != SL_CONF_MAP) {
        rc = sl_error_set(
            err, SL_EINVAL, "%s: %s: expected a map of keys, not %s",
            sl_conf_where(c, where, sizeof where), sect, kind_name(c->kind));
        goto fail;
    }
    size_t n = c && c->kind == SL_CONF_MAP ? c->n : 0;
    for (size_t i = 0; i < n; i++) {
        const struct sl_option *o = find_opt(opts, c->keys[i]);
        if (!o) {
            if (in_also(also, c->keys[i]))
                continue;
            rc = unknown_key(opts, also, c, i, section, err);
            goto fail;
        }
        if (sl_conf_is_null(c->items[i]))
            continue; /* `key:` or `key: null` keeps the default */
        rc = set_node(o, c->items[i], dst, section, err);
        if (rc)
            goto fail;
    }
    for (const struct sl_option *o = opts; o->name; o++) {
        if (!o->required)
            continue;
        const struct sl_conf *v = sl_conf_get(c, o->name);
        if (v && !sl_conf_is_null(v))
            continue;
        if (c && c->kind == SL_CONF_MAP)
            rc = sl_error_set(
                err, SL_EINVAL, "%s: %s: missing required key '%s'",
                sl_conf_where(c, where, sizeof where), sect, o->name);
        else
            rc = sl_error_set(err, SL_EINVAL, "%s: missing required key '%s'",
                              sect, o->name);
        goto fail;
    }
    return 0;
fail:
    sl_options_free(opts, dst);
    return rc;
}

void sl_options_free(const struct sl_option *opts, void *dst)
{
    if (!dst)
        return;
    for (const struct sl_option *o = opts; o->name; o++) {
        void *p = (char *)dst + o->offset;
        switch (o->type) {
        case SL_OPT_STRING:
        case SL_OPT_ENUM:
            free(*(char **)p);
            *(char **)p = NULL;
            break;
        case SL_OPT_STRLIST:
            sl_strlist_free(p);
            break;
        case SL_OPT_SCHEMA:
            schema_free(*(struct sl_field **)p);
            *(struct sl_field **)p = NULL;
            break;
        case SL_OPT_NODE:
            *(const struct sl_conf **)p = NULL;
            break;
        default:
            break;
        }
    }
}

void sl_strlist_free(struct sl_strlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int sl_options_help(const struct sl_option *opts, struct sl_buf *out)
{
    static const char *const head[4] = {"KEY", "TYPE", "DEFAULT", "REQUIRED"};
    size_t w[4];
    for (int k = 0; k < 4; k++)
        w[k] = strlen(head[k]);
    for (const struct sl_option *o = opts; o->name; o++) {
        size_t l[3] = {strlen(o->name), strlen(type_name(o->type)),
                       o->def ? strlen(o->def) : 1};
        for (int k = 0; k < 3; k++)
            if (l[k] > w[k])
                w[k] = l[k];
    }
    int rc = sl_buf_appendf(out, "%-*s  %-*s  %-*s  %-*s  %s\n", (int)w[0],
                            head[0], (int)w[1], head[1], (int)w[2], head[2],
                            (int)w[3], head[3], "DESCRIPTION");
    for (const struct sl_option *o = opts; o->name && rc == 0; o++) {
        rc = sl_buf_appendf(out, "%-*s  %-*s  %-*s  %-*s  %s", (int)w[0],
                            o->name, (int)w[1], type_name(o->type), (int)w[2],
                            o->def ? o->def : "-", (int)w[3],
                            o->required ? "yes" : "no", o->help ? o->help : "");
        if (rc == 0 && o->type == SL_OPT_ENUM && o->choices)
            rc = sl_buf_appendf(out, " (one of: %s)", o->choices);
        if (rc == 0)
            rc = sl_buf_putc(out, '\n');
    }
    return rc;
}

/* Append s with '|' escaped, for a cell of a Markdown table. */
static int md_cell(struct sl_buf *out, const char *s)
{
    int rc = 0;
    for (; s && *s && rc == 0; s++)
        rc = *s == '|' ? sl_buf_puts(out, "\\|") : sl_buf_putc(out, *s);
    return rc;
}

int sl_options_markdown(const struct sl_option *opts, struct sl_buf *out)
{
    int rc = sl_buf_puts(out, "| key | type | default | required | what |\n"
                              "| --- | --- | --- | --- | --- |\n");
    for (const struct sl_option *o = opts; o->name && rc == 0; o++) {
        rc = sl_buf_appendf(out, "| `%s` | %s", o->name, type_name(o->type));
        if (!rc && o->type == SL_OPT_ENUM && o->choices) {
            rc = sl_buf_puts(out, ": ");
            rc = rc ? rc : md_cell(out, o->choices);
        }
        rc = rc ? rc : sl_buf_puts(out, " | ");
        if (!rc && o->def)
            rc = sl_buf_appendf(out, "`%s`", o->def);
        rc =
            rc ? rc : sl_buf_appendf(out, " | %s | ", o->required ? "yes" : "");
        rc = rc ? rc : md_cell(out, o->help);
        rc = rc ? rc : sl_buf_puts(out, " |\n");
    }
    return rc;
}
