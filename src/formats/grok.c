/*
 * grok.c - the Grok decoder (`format: grok`): log lines matched by named
 * patterns, as AWS Glue's grok classifier tables describe them
 * (grok_pattern, grok_custom_patterns), straight into the batch
 * (DESIGN.md §1: raw records -> decode -> batch).
 *
 * At start-up each pattern is expanded once - %{NAME} by its definition
 * (custom definitions first, then the built-in library of
 * grok_patterns.c), %{NAME:field} into a named group, %{NAME:field:type}
 * typed - and compiled into ONE PCRE2 regex with JIT, anchored at both
 * ends of the line, in UTF-8 mode (lines are checked to be UTF-8 first, so
 * a capture never splits a character). Unknown names, recursive definitions and
 * bad regexes are start-up errors naming the pattern. Per line: one JIT match
 * per pattern until one matches; each capture is converted to its column's type
 * (textval.c); an unset or empty typed capture is null; a line no pattern
 * matches is a bad record (dead-letter).
 *
 * The schema is the captures in order of first appearance, typed as
 * written (default string); a declared schema picks captures by name.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grok.h"
#include "jsonw.h"
#include "part.h"
#include "textval.h"

#define MAX_REGEX (1u << 20) /* bytes of an expanded pattern */
#define MAX_DEPTH 64         /* nesting of %{...} */
#define MAX_CAPS 1024        /* captures of one pattern */
#define MATCH_LIMIT 1000000  /* backtracking steps per line and pattern */

struct grok_opts {
    char *grok_pattern;
    struct sl_strlist grok_patterns;
    char *grok_custom_patterns;
};

#define OPT(m) offsetof(struct grok_opts, m)
static const struct sl_option grok_options[] = {
    {"grok_pattern", SL_OPT_STRING, NULL, NULL, false, OPT(grok_pattern),
     "pattern each line must match, e.g. %{COMBINEDAPACHELOG}"},
    {"grok_patterns", SL_OPT_STRLIST, NULL, NULL, false, OPT(grok_patterns),
     "several patterns, tried in order (after grok_pattern)"},
    {"grok_custom_patterns", SL_OPT_STRING, NULL, NULL, false,
     OPT(grok_custom_patterns),
     "custom definitions, one 'NAME regex' per line"},
    {0},
};

struct cap {
    char *field;
    enum sl_type type;
    int64_t lo, hi; /* byte and short: the range */
    bool ranged;
    uint32_t group; /* PCRE2 group number */
    uint32_t col;   /* index in the grok schema */
};

struct pat {
    char *text;
    pcre2_code *re;
    bool jit;
    struct cap *caps;
    size_t ncap;
};

struct def {
    char *name, *regex;
};

struct span { /* where a definition's expansion sits in the regex */
    size_t start, end;
    const char *name;
};

struct grok {
    struct pat *pats;
    size_t np;
    struct def *defs; /* custom */
    size_t nd;
    pcre2_match_data *md;
    pcre2_match_context *mc; /* bounds the work of one match */
    struct sl_field schema;  /* SL_STRUCT: the columns the captures give */
    bool declared;
    /* expansion scratch */
    struct sl_buf rx;
    struct cap *caps;
    size_t ncap, capcap;
    struct span *spans;
    size_t nspan, spancap;
    const char *stack[MAX_DEPTH];
    size_t depth;
    /* batch column of each schema column (-1: not in a declared schema) */
    int32_t *map;
    const struct sl_batch *map_b;
    const struct sl_col *map_child;
    uint32_t map_nchild;
};

/* ---- pattern definitions ---- */

static const char *find_def(const struct grok *g, const char *name, size_t n)
{
    for (size_t i = 0; i < g->nd; i++)
        if (strlen(g->defs[i].name) == n &&
            memcmp(g->defs[i].name, name, n) == 0)
            return g->defs[i].regex;
    for (const struct sl_grok_def *d = sl__grok_builtin; d->name; d++)
        if (strlen(d->name) == n && memcmp(d->name, name, n) == 0)
            return d->regex;
    /* Glue's own example writes %{DIGIT} for a custom "digit": names
     * match regardless of case when no exact name exists. */
    for (size_t i = 0; i < g->nd; i++)
        if (strlen(g->defs[i].name) == n &&
            strncasecmp(g->defs[i].name, name, n) == 0)
            return g->defs[i].regex;
    for (const struct sl_grok_def *d = sl__grok_builtin; d->name; d++)
        if (strlen(d->name) == n && strncasecmp(d->name, name, n) == 0)
            return d->regex;
    return NULL;
}

static inline bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* "NAME regex" lines; a literal backslash-n followed by "NAME " also
 * separates definitions (a one-line Glue table parameter). */
static int parse_custom(struct grok *g, const char *text, struct sl_error *err)
{
    const char *p = text;
    while (*p) {
        const char *e = p;
        for (;; e++) {
            if (!*e || *e == '\n')
                break;
            if (e[0] == '\\' && e[1] == 'n' && name_char(e[2])) {
                const char *q = e + 2;
                while (name_char(*q))
                    q++;
                if (*q == ' ' || *q == '\t')
                    break;
            }
        }
        const char *s = p, *le = e;
        while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        while (le > s && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
            le--;
        if (le > s && *s != '#') {
            const char *ne = s;
            while (ne < le && name_char(*ne))
                ne++;
            const char *rs = ne;
            while (rs < le && (*rs == ' ' || *rs == '\t'))
                rs++;
            if (ne == s || rs == ne || rs == le || ne - s > 100)
                return sl_error_set(err, SL_EINVAL,
                                    "grok_custom_patterns: '%.*s' is not "
                                    "'NAME regex'",
                                    (int)(le - s > 80 ? 80 : le - s), s);
            struct def *d = realloc(g->defs, (g->nd + 1) * sizeof *d);
            if (!d)
                return SL_ENOMEM;
            g->defs = d;
            d[g->nd].name = strndup(s, (size_t)(ne - s));
            d[g->nd].regex = strndup(rs, (size_t)(le - rs));
            g->nd++;
            if (!d[g->nd - 1].name || !d[g->nd - 1].regex)
                return SL_ENOMEM;
        }
        p = *e == '\n' ? e + 1 : *e ? e + 2 : e;
    }
    return 0;
}

/* ---- expansion of %{NAME:field:type} ---- */

static int type_of(const char *t, size_t n, struct cap *c)
{
    static const struct {
        const char *name;
        enum sl_type type;
        int64_t lo, hi;
    } types[] = {
        {"byte", SL_INT, -128, 127}, {"short", SL_INT, -32768, 32767},
        {"int", SL_INT, 0, 0},       {"integer", SL_INT, 0, 0},
        {"long", SL_BIGINT, 0, 0},   {"float", SL_FLOAT, 0, 0},
        {"double", SL_DOUBLE, 0, 0}, {"boolean", SL_BOOLEAN, 0, 0},
        {"string", SL_STRING, 0, 0},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strlen(types[i].name) == n && memcmp(types[i].name, t, n) == 0) {
            c->type = types[i].type;
            c->lo = types[i].lo;
            c->hi = types[i].hi;
            c->ranged = types[i].hi != 0;
            return 0;
        }
    return SL_EINVAL;
}

static int expand(struct grok *g, const char *text, const char *where,
                  struct sl_error *err);

/* One %{...} at *pp (just after "%{"). */
static int expand_ref(struct grok *g, const char **pp, const char *where,
                      struct sl_error *err)
{
    const char *p = *pp, *end = strchr(p, '}');
    if (!end)
        return sl_error_set(err, SL_EINVAL,
                            "grok pattern %s: '%%{' without a closing '}'",
                            where);
    const char *name = p, *ne = p;
    while (ne < end && name_char(*ne))
        ne++;
    const char *field = NULL, *fe = NULL, *type = NULL, *te = NULL;
    if (ne < end && *ne == ':') {
        field = ne + 1;
        fe = memchr(field, ':', (size_t)(end - field));
        if (fe) {
            type = fe + 1;
            te = end;
        } else {
            fe = end;
        }
    }
    if (ne == name || (!field && ne != end) || (field && fe == field))
        return sl_error_set(err, SL_EINVAL,
                            "grok pattern %s: '%%{%.*s}' is not "
                            "%%{NAME}, %%{NAME:field} or %%{NAME:field:type}",
                            where, (int)(end - p > 80 ? 80 : end - p), p);
    size_t nn = (size_t)(ne - name);
    const char *def = find_def(g, name, nn);
    if (!def)
        return sl_error_set(
            err, SL_ENOTFOUND,
            "grok pattern %s: unknown pattern name '%.*s'%s%s%s", where,
            (int)nn, name, g->depth ? " (in the definition of " : "",
            g->depth ? g->stack[g->depth - 1] : "", g->depth ? ")" : "");
    const char *sname = NULL; /* the definition's own (stable) name */
    for (size_t i = 0; i < g->nd && !sname; i++)
        if (g->defs[i].regex == def)
            sname = g->defs[i].name;
    for (const struct sl_grok_def *d = sl__grok_builtin; d->name && !sname; d++)
        if (d->regex == def)
            sname = d->name;
    for (size_t i = 0; i < g->depth; i++) {
        if (g->stack[i] != sname)
            continue;
        char chain[256] = "";
        size_t cl = 0;
        for (size_t k = i; k < g->depth && cl < sizeof chain; k++)
            cl += (size_t)snprintf(chain + cl, sizeof chain - cl, "%s -> ",
                                   g->stack[k]);
        return sl_error_set(err, SL_EINVAL,
                            "grok pattern %s: recursive definition: %s%s",
                            where, chain, sname);
    }
    if (g->depth == MAX_DEPTH)
        return sl_error_set(err, SL_ELIMIT,
                            "grok pattern %s: patterns nest deeper than %d",
                            where, MAX_DEPTH);
    struct cap c = {0};
    int rc;
    size_t open_at = g->rx.len;
    if (field) {
        if (type && type_of(type, (size_t)(te - type), &c))
            return sl_error_set(err, SL_EINVAL,
                                "grok pattern %s: unknown capture type "
                                "'%.*s' (byte, short, int, long, float, "
                                "double, boolean, string)",
                                where, (int)(te - type), type);
        if (!type)
            c.type = SL_STRING;
        if (g->ncap == MAX_CAPS)
            return sl_error_set(err, SL_ELIMIT,
                                "grok pattern %s: more than %d captures", where,
                                MAX_CAPS);
        if (g->ncap == g->capcap) {
            size_t cap = g->capcap ? g->capcap * 2 : 16;
            struct cap *v = realloc(g->caps, cap * sizeof *v);
            if (!v)
                return SL_ENOMEM;
            g->caps = v;
            g->capcap = cap;
        }
        if (!(c.field = strndup(field, (size_t)(fe - field))))
            return SL_ENOMEM;
        g->caps[g->ncap++] = c;
        rc = sl_buf_appendf(&g->rx, "(?<slg%zu>", g->ncap - 1);
    } else {
        rc = sl_buf_puts(&g->rx, "(?:");
    }
    if (rc)
        return rc;
    size_t si = g->nspan;
    if (g->nspan == g->spancap) {
        size_t cap = g->spancap ? g->spancap * 2 : 32;
        struct span *v = realloc(g->spans, cap * sizeof *v);
        if (!v)
            return SL_ENOMEM;
        g->spans = v;
        g->spancap = cap;
    }
    g->spans[g->nspan++] = (struct span){open_at, 0, sname};
    g->stack[g->depth++] = sname;
    rc = expand(g, def, where, err);
    g->depth--;
    if (rc)
        return rc;
    *pp = end + 1;
    rc = sl_buf_putc(&g->rx, ')');
    g->spans[si].end = g->rx.len;
    return rc;
}

static int expand(struct grok *g, const char *text, const char *where,
                  struct sl_error *err)
{
    const char *p = text;
    while (*p) {
        const char *q = strstr(p, "%{");
        size_t lit = q ? (size_t)(q - p) : strlen(p);
        int rc = sl_buf_append(&g->rx, p, lit);
        if (rc == SL_ELIMIT || g->rx.len > MAX_REGEX)
            return sl_error_set(err, SL_ELIMIT,
                                "grok pattern %s: expands to more than %u "
                                "bytes of regex",
                                where, MAX_REGEX);
        if (rc)
            return rc;
        if (!q)
            break;
        p = q + 2;
        if ((rc = expand_ref(g, &p, where, err)))
            return rc;
    }
    return 0;
}

/* ---- compiling ---- */

static int compile(struct grok *g, const char *text, const char *label,
                   pcre2_code **re, struct sl_error *err)
{
    sl_buf_reset(&g->rx);
    g->nspan = 0;
    g->depth = 0;
    int rc = expand(g, text, label, err);
    if (rc)
        return rc;
    int ecode;
    PCRE2_SIZE eoff;
    *re = pcre2_compile((PCRE2_SPTR)g->rx.data, g->rx.len,
                        PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &ecode,
                        &eoff, NULL);
    if (*re)
        return 0;
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(ecode, msg, sizeof msg);
    /* The smallest definition that does not compile on its own is the
     * culprit (each expansion is a self-contained group). */
    const char *who = label;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < g->nspan; i++) {
        const struct span *s = &g->spans[i];
        if (s->end - s->start >= best)
            continue;
        int e2;
        PCRE2_SIZE o2;
        pcre2_code *t =
            pcre2_compile((PCRE2_SPTR)g->rx.data + s->start, s->end - s->start,
                          PCRE2_UTF, &e2, &o2, NULL);
        if (t) {
            pcre2_code_free(t);
            continue;
        }
        best = s->end - s->start;
        who = s->name;
    }
    return sl_error_set(err, SL_EINVAL,
                        "grok pattern %s: bad regex%s%s: %s (at byte %zu of "
                        "its expansion)",
                        label, who != label ? " in definition " : "",
                        who != label ? who : "", (const char *)msg,
                        (size_t)eoff);
}

static int add_pattern(struct grok *g, const char *text, size_t idx,
                       struct sl_error *err)
{
    char label[64];
    snprintf(label, sizeof label, "%zu ('%.*s%s')", idx + 1, 24, text,
             strlen(text) > 24 ? "..." : "");
    struct pat *p = &g->pats[g->np];
    memset(p, 0, sizeof *p);
    g->ncap = 0;
    int rc = compile(g, text, label, &p->re, err);
    if (rc)
        return rc;
    g->np++;
    if (!(p->text = strdup(text)))
        return SL_ENOMEM;
    p->jit = pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE) == 0;
    p->caps = g->caps;
    p->ncap = g->ncap;
    g->caps = NULL;
    g->ncap = g->capcap = 0;
    for (size_t i = 0; i < p->ncap; i++) {
        char gname[32];
        snprintf(gname, sizeof gname, "slg%zu", i);
        int n = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR)gname);
        if (n < 0)
            return sl_error_set(err, SL_EINVAL,
                                "grok pattern %s: capture %s lost", label,
                                gname);
        p->caps[i].group = (uint32_t)n;
    }
    return 0;
}

/* The columns: captures in order of first appearance (types widened when
 * a name is captured with different types), or the declared schema. */
static int build_schema(struct grok *g, const struct sl_field *declared,
                        struct sl_error *err)
{
    if (declared) {
        g->declared = true;
        if (sl_field_copy(&g->schema, declared))
            return SL_ENOMEM;
    } else {
        g->schema.type = SL_STRUCT;
        for (size_t i = 0; i < g->np; i++)
            for (size_t k = 0; k < g->pats[i].ncap; k++) {
                const struct cap *c = &g->pats[i].caps[k];
                struct sl_field *f = NULL;
                for (uint32_t j = 0; j < g->schema.n_children && !f; j++)
                    if (strcmp(g->schema.children[j].name, c->field) == 0)
                        f = &g->schema.children[j];
                if (f) {
                    f->type = sl_type_widen(f->type, c->type);
                    continue;
                }
                f = realloc(g->schema.children,
                            (g->schema.n_children + 1) * sizeof *f);
                if (!f)
                    return SL_ENOMEM;
                g->schema.children = f;
                f += g->schema.n_children++;
                memset(f, 0, sizeof *f);
                f->type = c->type;
                f->nullable = true;
                if (!(f->name = strdup(c->field)))
                    return SL_ENOMEM;
            }
    }
    for (size_t i = 0; i < g->np; i++)
        for (size_t k = 0; k < g->pats[i].ncap; k++) {
            struct cap *c = &g->pats[i].caps[k];
            c->col = UINT32_MAX;
            for (uint32_t j = 0; j < g->schema.n_children; j++)
                if (g->schema.children[j].name &&
                    strcmp(g->schema.children[j].name, c->field) == 0)
                    c->col = j;
        }
    g->map = calloc(g->schema.n_children + 1, sizeof *g->map);
    (void)err;
    return g->map ? 0 : SL_ENOMEM;
}

static void grok_destroy(void *st)
{
    struct grok *g = st;
    if (!g)
        return;
    for (size_t i = 0; i < g->np; i++) {
        pcre2_code_free(g->pats[i].re);
        free(g->pats[i].text);
        for (size_t k = 0; k < g->pats[i].ncap; k++)
            free(g->pats[i].caps[k].field);
        free(g->pats[i].caps);
    }
    free(g->pats);
    for (size_t i = 0; i < g->nd; i++) {
        free(g->defs[i].name);
        free(g->defs[i].regex);
    }
    free(g->defs);
    for (size_t k = 0; k < g->ncap; k++)
        free(g->caps[k].field);
    free(g->caps);
    free(g->spans);
    free(g->map);
    sl_buf_free(&g->rx);
    sl_field_free(&g->schema);
    pcre2_match_data_free(g->md);
    pcre2_match_context_free(g->mc);
    free(g);
}

int sl__grok_create(const char *const *pats, size_t n, const char *custom,
                    const struct sl_field *schema, void **st,
                    struct sl_error *err)
{
    *st = NULL;
    if (n == 0)
        return sl_error_set(err, SL_EINVAL,
                            "source: format grok needs grok_pattern (or "
                            "grok_patterns)");
    struct grok *g = calloc(1, sizeof *g);
    if (!g || !(g->pats = calloc(n, sizeof *g->pats))) {
        free(g);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    sl_buf_init(&g->rx, MAX_REGEX + 4096);
    int rc = custom ? parse_custom(g, custom, err) : 0;
    /* Every custom definition must compile on its own, so an error names
     * it even when no pattern uses it. */
    for (size_t i = 0; !rc && i < g->nd; i++) {
        pcre2_code *re = NULL;
        char label[160], text[160];
        snprintf(label, sizeof label, "%s (grok_custom_patterns)",
                 g->defs[i].name);
        snprintf(text, sizeof text, "%%{%s}", g->defs[i].name);
        g->ncap = 0;
        rc = compile(g, text, label, &re, err);
        pcre2_code_free(re);
        for (size_t k = 0; k < g->ncap; k++)
            free(g->caps[k].field);
        g->ncap = 0;
    }
    for (size_t i = 0; !rc && i < n; i++)
        rc = add_pattern(g, pats[i], i, err);
    if (!rc)
        rc = build_schema(g, schema, err);
    if (!rc) {
        uint32_t groups = 1;
        for (size_t i = 0; i < g->np; i++) {
            uint32_t c;
            pcre2_pattern_info(g->pats[i].re, PCRE2_INFO_CAPTURECOUNT, &c);
            if (c + 1 > groups)
                groups = c + 1;
        }
        if (!(g->md = pcre2_match_data_create(groups, NULL)) ||
            !(g->mc = pcre2_match_context_create(NULL)))
            rc = SL_ENOMEM;
        else
            pcre2_set_match_limit(g->mc, MATCH_LIMIT);
    }
    sl_buf_free(&g->rx);
    if (rc) {
        if (rc == SL_ENOMEM)
            sl_error_set(err, rc, "out of memory");
        grok_destroy(g);
        return rc;
    }
    *st = g;
    return 0;
}

int sl__grok_schema(void *st, struct sl_field *out)
{
    struct grok *g = st;
    return sl_field_copy(out, &g->schema);
}

/* ---- decoding ---- */

static int build_map(struct grok *g, struct sl_batch *b, struct sl_error *err)
{
    for (uint32_t j = 0; j < g->schema.n_children; j++) {
        const struct sl_field *f = &g->schema.children[j];
        struct sl_col *c = f->name ? sl_batch_col(b, f->name) : NULL;
        if (!c && !g->declared) {
            if (!(c = sl_col_add_child(&b->root, f, err)))
                return err && err->code ? err->code : SL_ENOMEM;
        }
        g->map[j] = c ? (int32_t)(c - b->root.child) : -1;
    }
    g->map_b = b;
    g->map_child = b->root.child;
    g->map_nchild = b->root.n_child;
    return 0;
}

static int grok_decode(void *st, const uint8_t *p, size_t n, struct sl_batch *b,
                       struct sl_error *err)
{
    struct grok *g = st;
    if (n && p[n - 1] == '\r')
        n--;
    if (!sl_utf8_valid(p, n))
        return sl_error_set_at(err, SL_ECORRUPT, 0,
                               "line is not valid UTF-8 text");
    const struct pat *pt = NULL;
    for (size_t i = 0; i < g->np && !pt; i++) {
        const struct pat *t = &g->pats[i];
        int m = t->jit ? pcre2_jit_match(t->re, p, n, 0, 0, g->md, g->mc)
                       : pcre2_match(t->re, p, n, 0, PCRE2_NO_UTF_CHECK, g->md,
                                     g->mc);
        if (m > 0)
            pt = t;
        else if (m != PCRE2_ERROR_NOMATCH)
            return sl_error_set_at(err, SL_ELIMIT, 0,
                                   "grok pattern %zu: matching gave up "
                                   "(PCRE2 error %d: backtracking or stack "
                                   "limit)",
                                   i + 1, m);
    }
    if (!pt)
        return sl_error_set_at(err, SL_ECORRUPT, 0, "line does not match %s",
                               g->np == 1 ? "the grok pattern"
                                          : "any of the grok patterns");
    if (g->map_b != b || g->map_child != b->root.child ||
        g->map_nchild != b->root.n_child || sl_batch_rows(b) == 0) {
        int rc = build_map(g, b, err);
        if (rc)
            return rc;
    }
    size_t rows0 = sl_batch_rows(b);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->md);
    int rc = 0;
    for (size_t k = 0; k < pt->ncap && !rc; k++) {
        const struct cap *c = &pt->caps[k];
        if (c->col == UINT32_MAX || g->map[c->col] < 0)
            continue;
        struct sl_col *col = &b->root.child[g->map[c->col]];
        PCRE2_SIZE s = ov[2 * c->group], e = ov[2 * c->group + 1];
        if (s == PCRE2_UNSET)
            continue; /* a later capture of the same name may be set */
        if (col->len > rows0)
            continue; /* the first set capture of a name wins */
        if (e == s && col->type != SL_STRING && col->type != SL_BINARY) {
            rc = sl_col_append_null(col);
            continue;
        }
        int64_t v;
        if (c->ranged &&
            (!sl__text_i64(p + s, e - s, &v) || v < c->lo || v > c->hi)) {
            rc = sl_error_set_at(err, SL_ETYPE, (int64_t)s,
                                 "capture '%s': '%.*s' is not a %s", c->field,
                                 (int)(e - s > 40 ? 40 : e - s), p + s,
                                 c->lo == -128 ? "byte" : "short");
            break;
        }
        rc = sl__text_into(col, p + s, e - s, err);
        if (rc == SL_ETYPE) {
            sl_error_prefix(err, "capture '%s': ", c->field);
            if (err)
                err->offset = (int64_t)s;
        }
    }
    if (!rc)
        rc = sl_batch_row_end(b);
    if (rc) {
        sl_batch_rollback(b, rows0);
        if (rc == SL_ENOMEM || (err && !err->msg[0]))
            return sl_error_set(err, rc, "grok: %s", sl_strerror(rc));
    }
    return rc;
}

static int grok_create(const struct sl_decoder_ctx *ctx, void **st,
                       struct sl_error *err)
{
    struct grok_opts o = {0};
    *st = NULL;
    int rc = sl__decoder_options(grok_options, ctx->conf, &o, err);
    if (rc)
        return rc;
    size_t n = (o.grok_pattern ? 1 : 0) + o.grok_patterns.n;
    const char **v = calloc(n + 1, sizeof *v);
    if (!v) {
        sl_options_free(grok_options, &o);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    size_t k = 0;
    if (o.grok_pattern)
        v[k++] = o.grok_pattern;
    for (size_t i = 0; i < o.grok_patterns.n; i++)
        v[k++] = o.grok_patterns.v[i];
    rc = sl__grok_create(v, n, o.grok_custom_patterns, ctx->schema, st, err);
    free(v);
    sl_options_free(grok_options, &o);
    return rc;
}

const struct sl_decoder_ops sl_decoder_grok = {
    .name = "grok",
    .summary = "log lines matched by grok patterns (Glue grok_pattern, "
               "grok_custom_patterns), compiled once into a PCRE2 JIT regex",
    .options = grok_options,
    .create = grok_create,
    .decode = grok_decode,
    .destroy = grok_destroy,
};
