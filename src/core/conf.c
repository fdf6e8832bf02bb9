/*
 * conf.c - the job-file node tree: YAML (and JSON) loaded by libyaml into
 * struct sl_conf nodes that remember file:line:col (see options.h).
 *
 * Job files are read once at start; the checkpoint reads its small JSON
 * files with the same loader (SL_CONF_NO_ENV). The loader walks libyaml's
 * event stream and builds the tree recursively, with caps on input size,
 * nesting depth and node count so a hostile file cannot eat the machine.
 *
 * Rules beyond plain YAML: one document per file; aliases (*name) are
 * refused (anchors alone are harmless and ignored); duplicate map keys are
 * an error naming both lines; map keys are scalars; `${VAR}` in scalar
 * values is replaced from the environment (`$${` is a literal `${`), and an
 * unset variable is an error naming it and where it is used.
 *
 * Memory: every node is its own allocation; the root's allocation also holds
 * the file name that all nodes of the tree point to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "jsonw.h"
#include "options.h"

#define CONF_MAX_FILE (64u << 20)   /* bytes of YAML/JSON text */
#define CONF_MAX_DEPTH 64           /* nested maps and lists */
#define CONF_MAX_NODES (2u << 20)   /* nodes in one tree */
#define CONF_MAX_SCALAR (16u << 20) /* one scalar after ${VAR} */
#define CONF_MAX_KEY 1000           /* JSON text of a key we print */

struct loader {
    yaml_parser_t p;
    const char *file;
    unsigned flags;
    size_t nodes;
    struct sl_error *err;
};

static void mark_of(const yaml_mark_t *m, struct sl_conf_mark *out)
{
    out->line = (int)m->line + 1;
    out->col = (int)m->column + 1;
}

static int yaml_fail(struct loader *L)
{
    const yaml_parser_t *p = &L->p;
    if (p->error == YAML_MEMORY_ERROR)
        return sl_error_set(L->err, SL_ENOMEM, "%s: out of memory", L->file);
    const yaml_mark_t *m = &p->problem_mark;
    if (p->context)
        return sl_error_set(L->err, SL_EINVAL,
                            "%s:%zu:%zu: YAML error: %s (%s at line %zu)",
                            L->file, m->line + 1, m->column + 1,
                            p->problem ? p->problem : "syntax error",
                            p->context, p->context_mark.line + 1);
    return sl_error_set(L->err, SL_EINVAL, "%s:%zu:%zu: YAML error: %s",
                        L->file, m->line + 1, m->column + 1,
                        p->problem ? p->problem : "syntax error");
}

static int next_event(struct loader *L, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&L->p, ev))
        return yaml_fail(L);
    return 0;
}

static bool is_var_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_var_char(char c)
{
    return is_var_start(c) || (c >= '0' && c <= '9');
}

/* Copy s[0..n) replacing ${VAR} from the environment and $${ by ${. */
static int substitute(struct loader *L, const char *s, size_t n,
                      const struct sl_conf_mark *m, char **out)
{
    struct sl_buf b;
    sl_buf_init(&b, CONF_MAX_SCALAR);
    int rc = 0;
    size_t i = 0;
    while (i < n && rc == 0) {
        const char *d = memchr(s + i, '$', n - i);
        size_t run = d ? (size_t)(d - (s + i)) : n - i;
        rc = sl_buf_append(&b, s + i, run);
        i += run;
        if (rc || i == n)
            break;
        if (i + 2 < n && s[i + 1] == '$' && s[i + 2] == '{') {
            rc = sl_buf_append(&b, "${", 2);
            i += 3;
            continue;
        }
        if (i + 1 >= n || s[i + 1] != '{') {
            rc = sl_buf_putc(&b, '$');
            i++;
            continue;
        }
        const char *name = s + i + 2;
        const char *close = memchr(name, '}', n - (i + 2));
        if (!close) {
            rc = sl_error_set(L->err, SL_EINVAL,
                              "%s:%d:%d: '${' without a closing '}' (write "
                              "'$${' for a literal '${')",
                              L->file, m->line, m->col);
            break;
        }
        size_t len = (size_t)(close - name);
        bool ok = len > 0 && is_var_start(name[0]);
        for (size_t k = 1; ok && k < len; k++)
            ok = is_var_char(name[k]);
        if (!ok) {
            rc = sl_error_set(L->err, SL_EINVAL,
                              "%s:%d:%d: '${%.*s}' is not a variable name "
                              "(letters, digits and _; write '$${' for a "
                              "literal '${')",
                              L->file, m->line, m->col, (int)len, name);
            break;
        }
        char var[256];
        if (len >= sizeof var) {
            rc = sl_error_set(L->err, SL_EINVAL,
                              "%s:%d:%d: variable name '%.40s...' is too long",
                              L->file, m->line, m->col, name);
            break;
        }
        memcpy(var, name, len);
        var[len] = '\0';
        const char *val = getenv(var);
        if (!val) {
            rc = sl_error_set(L->err, SL_EINVAL,
                              "%s:%d:%d: environment variable '%s' is not set "
                              "(used as ${%s}; set it, or write '$${' for a "
                              "literal '${')",
                              L->file, m->line, m->col, var, var);
            break;
        }
        rc = sl_buf_puts(&b, val);
        i = (size_t)(close - s) + 1;
    }
    if (rc == 0)
        rc = sl_buf_cstr(&b);
    if (rc) {
        sl_buf_free(&b);
        /* Messages above are set; buffer failures are reported here. */
        if (!L->err || L->err->code == 0)
            sl_error_set(L->err, rc, "%s:%d:%d: %s", L->file, m->line, m->col,
                         sl_strerror(rc));
        return rc;
    }
    if (!b.data) {
        *out = strdup("");
        return *out ? 0 : SL_ENOMEM;
    }
    *out = (char *)b.data;
    return 0;
}

static struct sl_conf *new_node(struct loader *L, enum sl_conf_kind kind,
                                const yaml_mark_t *m)
{
    if (L->nodes >= CONF_MAX_NODES) {
        sl_error_set(L->err, SL_ELIMIT,
                     "%s:%zu:%zu: more than %u values in one file", L->file,
                     m->line + 1, m->column + 1, CONF_MAX_NODES);
        return NULL;
    }
    struct sl_conf *c = calloc(1, sizeof *c);
    if (!c) {
        sl_error_set(L->err, SL_ENOMEM, "%s: out of memory", L->file);
        return NULL;
    }
    L->nodes++;
    c->kind = kind;
    c->file = L->file;
    struct sl_conf_mark cm;
    mark_of(m, &cm);
    c->line = cm.line;
    c->col = cm.col;
    return c;
}

static int build(struct loader *L, yaml_event_t *ev, int depth,
                 struct sl_conf **out);

static int scalar_text(struct loader *L, const yaml_event_t *ev, bool subst,
                       char **out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    struct sl_conf_mark m;
    mark_of(&ev->start_mark, &m);
    if (memchr(s, '\0', n))
        return sl_error_set(L->err, SL_EINVAL,
                            "%s:%d:%d: value contains a NUL character", L->file,
                            m.line, m.col);
    if (subst && !(L->flags & SL_CONF_NO_ENV))
        return substitute(L, s, n, &m, out);
    *out = strndup(s, n);
    if (!*out)
        return sl_error_set(L->err, SL_ENOMEM, "%s: out of memory", L->file);
    return 0;
}

/* Append child to a growing collection (keys may be NULL for lists). */
static int push(struct loader *L, struct sl_conf *c, size_t *cap, char *key,
                const struct sl_conf_mark *km, struct sl_conf *child)
{
    if (c->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        struct sl_conf **ni = realloc(c->items, ncap * sizeof *ni);
        if (!ni)
            goto nomem;
        c->items = ni;
        if (c->kind == SL_CONF_MAP) {
            char **nk = realloc(c->keys, ncap * sizeof *nk);
            if (!nk)
                goto nomem;
            c->keys = nk;
            struct sl_conf_mark *nm = realloc(c->key_marks, ncap * sizeof *nm);
            if (!nm)
                goto nomem;
            c->key_marks = nm;
        }
        *cap = ncap;
    }
    if (c->kind == SL_CONF_MAP) {
        c->keys[c->n] = key;
        c->key_marks[c->n] = *km;
    }
    c->items[c->n++] = child;
    return 0;
nomem:
    return sl_error_set(L->err, SL_ENOMEM, "%s: out of memory", L->file);
}

static int build_map(struct loader *L, struct sl_conf *c, int depth)
{
    size_t cap = 0;
    for (;;) {
        yaml_event_t ev;
        int rc = next_event(L, &ev);
        if (rc)
            return rc;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        struct sl_conf_mark km;
        mark_of(&ev.start_mark, &km);
        if (ev.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&ev);
            return sl_error_set(L->err, SL_EINVAL,
                                "%s:%d:%d: a map key must be a plain name, "
                                "not a list, map or alias",
                                L->file, km.line, km.col);
        }
        char *key = NULL;
        rc = scalar_text(L, &ev, false, &key);
        yaml_event_delete(&ev);
        if (rc)
            return rc;
        for (size_t i = 0; i < c->n; i++) {
            if (strcmp(c->keys[i], key) == 0) {
                rc = sl_error_set(L->err, SL_EINVAL,
                                  "%s:%d:%d: duplicate key '%s' (first at "
                                  "line %d, again at line %d)",
                                  L->file, km.line, km.col, key,
                                  c->key_marks[i].line, km.line);
                free(key);
                return rc;
            }
        }
        struct sl_conf *child = NULL;
        rc = next_event(L, &ev);
        if (rc == 0)
            rc = build(L, &ev, depth + 1, &child);
        if (rc == 0)
            rc = push(L, c, &cap, key, &km, child);
        if (rc) {
            free(key);
            sl_conf_free(child);
            return rc;
        }
    }
}

static int build_seq(struct loader *L, struct sl_conf *c, int depth)
{
    size_t cap = 0;
    for (;;) {
        yaml_event_t ev;
        int rc = next_event(L, &ev);
        if (rc)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        struct sl_conf *child = NULL;
        rc = build(L, &ev, depth + 1, &child);
        if (rc == 0)
            rc = push(L, c, &cap, NULL, NULL, child);
        if (rc) {
            sl_conf_free(child);
            return rc;
        }
    }
}

/* Build the node that starts with *ev (consumed). */
static int build(struct loader *L, yaml_event_t *ev, int depth,
                 struct sl_conf **out)
{
    int rc = 0;
    struct sl_conf *c = NULL;
    *out = NULL;
    if (depth > CONF_MAX_DEPTH) {
        rc = sl_error_set(L->err, SL_ELIMIT,
                          "%s:%zu:%zu: nested deeper than %d levels", L->file,
                          ev->start_mark.line + 1, ev->start_mark.column + 1,
                          CONF_MAX_DEPTH);
        goto out;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        c = new_node(L, SL_CONF_SCALAR, &ev->start_mark);
        if (!c) {
            rc = L->err ? L->err->code : SL_ENOMEM;
            goto out;
        }
        const char *tag = (const char *)ev->data.scalar.tag;
        c->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                    (tag && strcmp(tag, YAML_STR_TAG) == 0);
        rc = scalar_text(L, ev, true, &c->str);
        break;
    }
    case YAML_MAPPING_START_EVENT:
        c = new_node(L, SL_CONF_MAP, &ev->start_mark);
        rc = c ? build_map(L, c, depth) : (L->err ? L->err->code : SL_ENOMEM);
        break;
    case YAML_SEQUENCE_START_EVENT:
        c = new_node(L, SL_CONF_SEQ, &ev->start_mark);
        rc = c ? build_seq(L, c, depth) : (L->err ? L->err->code : SL_ENOMEM);
        break;
    case YAML_ALIAS_EVENT:
        rc = sl_error_set(L->err, SL_EINVAL,
                          "%s:%zu:%zu: YAML aliases (*%s) are not supported; "
                          "write the value out",
                          L->file, ev->start_mark.line + 1,
                          ev->start_mark.column + 1,
                          (const char *)ev->data.alias.anchor);
        break;
    default:
        rc = sl_error_set(
            L->err, SL_EINVAL, "%s:%zu:%zu: unexpected YAML event %d", L->file,
            ev->start_mark.line + 1, ev->start_mark.column + 1, (int)ev->type);
        break;
    }
out:
    yaml_event_delete(ev);
    if (rc) {
        sl_conf_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* Expect an event of `type`; fail with `what` otherwise. */
static int expect(struct loader *L, yaml_event_type_t type, const char *what)
{
    yaml_event_t ev;
    int rc = next_event(L, &ev);
    if (rc)
        return rc;
    if (ev.type != type)
        rc = sl_error_set(L->err, SL_EINVAL, "%s:%zu:%zu: %s", L->file,
                          ev.start_mark.line + 1, ev.start_mark.column + 1,
                          what);
    yaml_event_delete(&ev);
    return rc;
}

int sl_conf_parse(const char *text, size_t len, const char *name,
                  unsigned flags, struct sl_conf **out, struct sl_error *err)
{
    *out = NULL;
    sl_error_clear(err);
    if (!name)
        name = "<string>";
    if (len > CONF_MAX_FILE)
        return sl_error_set(err, SL_ELIMIT, "%s: larger than %u bytes", name,
                            CONF_MAX_FILE);
    /* The root's allocation carries the file name all nodes point to, so
     * build into a temporary name first and move it at the end. */
    size_t nlen = strlen(name);
    char *fname = malloc(nlen + 1);
    if (!fname)
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", name);
    memcpy(fname, name, nlen + 1);

    struct loader L = {.file = fname, .flags = flags, .err = err};
    if (!yaml_parser_initialize(&L.p)) {
        free(fname);
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", name);
    }
    yaml_parser_set_input_string(&L.p, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&L.p, YAML_UTF8_ENCODING);

    struct sl_conf *root = NULL;
    yaml_event_t ev;
    int rc = expect(&L, YAML_STREAM_START_EVENT, "expected a YAML stream");
    if (rc)
        goto out;
    rc = next_event(&L, &ev);
    if (rc)
        goto out;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        rc = sl_error_set(err, SL_EINVAL, "%s: the file is empty", name);
        goto out;
    }
    yaml_event_delete(&ev);
    rc = next_event(&L, &ev);
    if (rc == 0)
        rc = build(&L, &ev, 0, &root);
    if (rc == 0)
        rc = expect(&L, YAML_DOCUMENT_END_EVENT, "expected the end");
    if (rc == 0)
        rc = expect(&L, YAML_STREAM_END_EVENT,
                    "a second YAML document ('---') is not supported; one "
                    "job per file");
    if (rc)
        goto out;

    /* Move the name into the root's allocation. */
    struct sl_conf *nr = realloc(root, sizeof *root + nlen + 1);
    if (!nr) {
        rc = sl_error_set(err, SL_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    root = nr;
    char *shared = (char *)(root + 1);
    memcpy(shared, fname, nlen + 1);
    /* Repoint every node at it: a walk with an explicit stack. */
    struct sl_conf *stack[CONF_MAX_DEPTH + 2];
    size_t idx[CONF_MAX_DEPTH + 2];
    int top = 0;
    stack[0] = root;
    idx[0] = 0;
    root->file = shared;
    while (top >= 0) {
        struct sl_conf *c = stack[top];
        if (idx[top] < c->n) {
            struct sl_conf *ch = c->items[idx[top]++];
            ch->file = shared;
            stack[++top] = ch;
            idx[top] = 0;
        } else {
            top--;
        }
    }
out:
    yaml_parser_delete(&L.p);
    free(fname);
    if (rc) {
        sl_conf_free(root);
        return rc;
    }
    *out = root;
    return 0;
}

int sl_conf_load_string(const char *text, size_t len, const char *name,
                        struct sl_conf **out, struct sl_error *err)
{
    return sl_conf_parse(text, len, name, 0, out, err);
}

int sl_conf_load_file(const char *path, struct sl_conf **out,
                      struct sl_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sl_error_set(err, errno == ENOENT ? SL_ENOTFOUND : SL_EIO,
                            "cannot open job file %s: %s", path,
                            strerror(errno));
    struct sl_buf b;
    sl_buf_init(&b, CONF_MAX_FILE);
    int rc = 0, e = 0;
    for (;;) {
        rc = sl_buf_reserve(&b, 64 * 1024);
        if (rc)
            break;
        size_t got = fread(b.data + b.len, 1, b.cap - b.len, f);
        b.len += got;
        if (got == 0) {
            if (ferror(f)) {
                e = errno;
                rc = SL_EIO;
            }
            break;
        }
    }
    fclose(f);
    if (rc == SL_ELIMIT)
        rc = sl_error_set(err, rc, "%s: larger than %u bytes", path,
                          CONF_MAX_FILE);
    else if (rc)
        rc = sl_error_set(err, rc, "cannot read job file %s: %s", path,
                          e ? strerror(e) : sl_strerror(rc));
    if (rc == 0)
        rc = sl_conf_parse((const char *)b.data, b.len, path, 0, out, err);
    sl_buf_free(&b);
    return rc;
}

void sl_conf_free(struct sl_conf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        sl_conf_free(c->items[i]);
        if (c->keys)
            free(c->keys[i]);
    }
    free(c->items);
    free(c->keys);
    free(c->key_marks);
    free(c->str);
    free(c);
}

const struct sl_conf *sl_conf_get(const struct sl_conf *c, const char *key)
{
    if (!c || c->kind != SL_CONF_MAP)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->keys[i], key) == 0)
            return c->items[i];
    return NULL;
}

const char *sl_conf_str(const struct sl_conf *c, const char *key)
{
    const struct sl_conf *v = sl_conf_get(c, key);
    return v && v->kind == SL_CONF_SCALAR ? v->str : NULL;
}

const char *sl_conf_where(const struct sl_conf *c, char *buf, size_t n)
{
    if (!c)
        snprintf(buf, n, "?");
    else
        snprintf(buf, n, "%s:%d:%d", c->file, c->line, c->col);
    return buf;
}

const char *sl_conf_key_where(const struct sl_conf *c, size_t i, char *buf,
                              size_t n)
{
    if (!c || c->kind != SL_CONF_MAP || i >= c->n)
        return sl_conf_where(c, buf, n);
    snprintf(buf, n, "%s:%d:%d", c->file, c->key_marks[i].line,
             c->key_marks[i].col);
    return buf;
}

bool sl_conf_is_null(const struct sl_conf *c)
{
    if (!c)
        return true;
    if (c->kind != SL_CONF_SCALAR || c->quoted)
        return false;
    const char *s = c->str;
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* A JSON number per RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return false;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* Length of a code point at p that libyaml would not read back as itself
 * inside a double-quoted scalar (C1 controls, line separators, BOM,
 * non-characters), or 0. p is valid UTF-8 with at least one byte. */
static size_t yaml_special(const uint8_t *p, size_t left, uint32_t *cp)
{
    if (left >= 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
        *cp = p[1];
        return 2;
    }
    if (left >= 3 &&
        ((p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) ||
         (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) ||
         (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)))) {
        *cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
              (p[2] & 0x3f);
        return 3;
    }
    return 0;
}

int sl_conf_json_str(struct sl_buf *b, const char *s, size_t n)
{
    if (!sl_utf8_valid((const uint8_t *)s, n))
        return SL_EINVAL;
    size_t start = b->len;
    int rc = sl_jsonw_str(b, s, n);
    if (rc)
        return rc;
    /* jsonw leaves bytes >= 0x80 alone; escape the few libyaml would
     * fold or refuse. Rare, so only rewrite when one is present. */
    const uint8_t *q = b->data + start, *end = b->data + b->len;
    uint32_t cp;
    while (q < end && !yaml_special(q, (size_t)(end - q), &cp))
        q++;
    if (q == end)
        return 0;
    size_t len = b->len - start;
    uint8_t *copy = malloc(len);
    if (!copy)
        return SL_ENOMEM;
    memcpy(copy, b->data + start, len);
    b->len = start;
    for (size_t i = 0; i < len && rc == 0;) {
        size_t k = yaml_special(copy + i, len - i, &cp);
        if (k) {
            rc = sl_buf_appendf(b, "\\u%04x", (unsigned)cp);
            i += k;
        } else {
            rc = sl_buf_putc(b, (char)copy[i++]);
        }
    }
    free(copy);
    return rc;
}

static int to_json(const struct sl_conf *c, struct sl_buf *out, int depth)
{
    int rc = 0;
    if (depth > CONF_MAX_DEPTH)
        return SL_ELIMIT;
    switch (c->kind) {
    case SL_CONF_SCALAR:
        if (sl_conf_is_null(c))
            return sl_buf_puts(out, "null");
        if (!c->quoted &&
            (strcmp(c->str, "true") == 0 || strcmp(c->str, "false") == 0 ||
             is_json_number(c->str)))
            return sl_buf_puts(out, c->str);
        return sl_conf_json_str(out, c->str, strlen(c->str));
    case SL_CONF_MAP:
        rc = sl_buf_putc(out, '{');
        for (size_t i = 0; rc == 0 && i < c->n; i++) {
            if (i)
                rc = sl_buf_putc(out, ',');
            size_t at = out->len;
            if (rc == 0)
                rc = sl_conf_json_str(out, c->keys[i], strlen(c->keys[i]));
            /* libyaml reads a key only if it fits in 1024 bytes. */
            if (rc == 0 && out->len - at > CONF_MAX_KEY)
                rc = SL_ELIMIT;
            if (rc == 0)
                rc = sl_buf_putc(out, ':');
            if (rc == 0)
                rc = to_json(c->items[i], out, depth + 1);
        }
        return rc ? rc : sl_buf_putc(out, '}');
    case SL_CONF_SEQ:
        rc = sl_buf_putc(out, '[');
        for (size_t i = 0; rc == 0 && i < c->n; i++) {
            if (i)
                rc = sl_buf_putc(out, ',');
            if (rc == 0)
                rc = to_json(c->items[i], out, depth + 1);
        }
        return rc ? rc : sl_buf_putc(out, ']');
    }
    return SL_EINVAL;
}

int sl_conf_to_json(const struct sl_conf *c, struct sl_buf *out)
{
    if (!c)
        return sl_buf_puts(out, "null");
    return to_json(c, out, 0);
}
