/*
 * csv.c - the CSV decoder (`format: csv`): RFC 4180 plus dialects, straight
 * into the columnar batch (DESIGN.md §1: raw records -> decode -> batch).
 *
 * A record is normally one line; csv_frame gives the file and stdin
 * sources the record boundaries so that a newline inside a quoted field
 * stays inside its record. A record that holds several lines (a Kafka
 * message with a small CSV file in it) gives one row per line.
 *
 * Columns: with `header: true` by the names of the header line; without,
 * the declared schema's order, or col0, col1, ... when detecting. The
 * header of each partition (file) is its record at position 0, which the
 * engine tells through the decoder's `locate` hook. A partition whose
 * header was not seen in this run (the job resumed in the middle of a
 * file) uses the declared schema's order, or the columns of the schema in
 * force, which is the header's order when the files share one header; a
 * record equal to the partition's header is skipped (files concatenated).
 *
 * Values: records must be UTF-8 (strings in a batch are); a field equal
 * to `null_value` that was not quoted is null;
 * declared columns convert with textval.c like JSON strings do; detection
 * infers boolean, int, bigint, double, timestamp or string per field and
 * widens the column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jsonw.h"
#include "part.h"
#include "textval.h"

#define MAX_FIELDS 65536    /* fields per row */
#define MAX_PARTITIONS 4096 /* remembered headers; the oldest goes first */

struct csv_opts {
    char *separator, *quote_char, *escape_char, *null_value, *ragged;
    bool header;
};

#define OPT(m) offsetof(struct csv_opts, m)
static const struct sl_option csv_options[] = {
    {"separator", SL_OPT_STRING, ",", NULL, false, OPT(separator),
     "field separator: one byte (',', '|', ';', ...), or \\t / tab"},
    {"quote_char", SL_OPT_STRING, "\"", NULL, false, OPT(quote_char),
     "quote byte; empty for none"},
    {"escape_char", SL_OPT_STRING, "", NULL, false, OPT(escape_char),
     "byte that makes the next byte literal (e.g. \\); empty: quotes are "
     "escaped by doubling them (RFC 4180)"},
    {"header", SL_OPT_BOOL, "false", NULL, false, OPT(header),
     "the first line of each file names the columns"},
    {"null_value", SL_OPT_STRING, "", NULL, false, OPT(null_value),
     "an unquoted field equal to this text is null"},
    {"ragged", SL_OPT_ENUM, "error", "error|fill", false, OPT(ragged),
     "a row with too many or too few fields: dead-letter it (error), or "
     "fill missing fields with null and drop extra ones (fill)"},
    {0},
};

struct fld {
    uint32_t off, n; /* in the record, or in unq when esc */
    bool quoted, esc;
};

struct hdr {
    char *partition;
    char **names;
    size_t n;
    uint8_t *raw; /* the header row's bytes (NULL when not seen) */
    size_t raw_len;
};

struct csv {
    uint8_t sep, quote, esc;
    uint8_t special[256]; /* bytes that end an unquoted run */
    bool has_quote, has_esc, header, fill, detect;
    char *null_value;
    size_t null_len;
    size_t n_schema; /* declared top-level fields */
    char **schema_names;

    struct fld *f;
    size_t nf, fcap;
    struct sl_buf unq; /* unescaped field bytes of the current row */

    struct hdr *hdrs;
    size_t nh;
    size_t cur;      /* index in hdrs of the partition being decoded */
    bool first;      /* the next record is at position 0 */
    uint64_t gen;    /* changes whenever the header in use changes */
    size_t expected; /* detection without header: fields of the first row */

    int32_t *map; /* field index -> top-level column index, -1 = skip */
    size_t map_n, map_cap;
    const struct sl_batch *map_b;
    const struct sl_col *map_child;
    uint32_t map_nchild;
    uint64_t map_gen;
};

/* ---- options ---- */

static int one_byte(const char *key, const char *v, bool allow_empty,
                    uint8_t *out, bool *has, struct sl_error *err)
{
    *has = true;
    if (!v || !*v) {
        if (allow_empty) {
            *has = false;
            return 0;
        }
    } else if (strcmp(v, "\\t") == 0 || strcmp(v, "tab") == 0) {
        *out = '\t';
        return 0;
    } else if (strcmp(v, "comma") == 0) {
        *out = ',';
        return 0;
    } else if (strcmp(v, "pipe") == 0) {
        *out = '|';
        return 0;
    } else if (strcmp(v, "semicolon") == 0) {
        *out = ';';
        return 0;
    } else if (strlen(v) == 1 && v[0] != '\n' && v[0] != '\r') {
        *out = (uint8_t)v[0];
        return 0;
    }
    return sl_error_set(err, SL_EINVAL,
                        "source: %s must be one byte (or \\t, tab), not '%s'",
                        key, v ? v : "");
}

/* ---- framing: where a record ends, keeping quoted newlines inside ---- */

static long csv_frame(void *st, const uint8_t *p, size_t n, bool at_eof,
                      size_t *consumed)
{
    struct csv *c = st;
    const uint8_t *nl = memchr(p, '\n', n);
    size_t end;
    if (nl && (!c->has_quote || !memchr(p, c->quote, (size_t)(nl - p))) &&
        (!c->has_esc || !memchr(p, c->esc, (size_t)(nl - p)))) {
        end = (size_t)(nl - p);
    } else {
        bool inq = false, start = true;
        size_t i = 0;
        for (; i < n; i++) {
            uint8_t ch = p[i];
            if (c->has_esc && ch == c->esc && ch != c->quote) {
                i++;
                start = false;
                continue;
            }
            if (inq) {
                if (ch != c->quote)
                    continue;
                if (i + 1 == n && !at_eof)
                    return -1; /* closing, or the first of a "" pair? */
                if (i + 1 < n && p[i + 1] == c->quote)
                    i++; /* "" inside: still quoted */
                else
                    inq = false;
                continue;
            }
            if (ch == '\n')
                break;
            if (c->has_quote && ch == c->quote && start)
                inq = true;
            start = ch == c->sep;
        }
        if (i >= n) {
            if (!at_eof)
                return -1;
            *consumed = n;
            return (long)(n > 0 && p[n - 1] == '\r' ? n - 1 : n);
        }
        end = i;
    }
    *consumed = end + 1;
    return (long)(end > 0 && p[end - 1] == '\r' ? end - 1 : end);
}

/* ---- one row into fields ---- */

static int grow_fields(struct csv *c, size_t off, struct sl_error *err)
{
    if (c->fcap >= MAX_FIELDS)
        return sl_error_set_at(err, SL_ELIMIT, (int64_t)off,
                               "row has more than %d fields", MAX_FIELDS);
    size_t cap = c->fcap ? c->fcap * 2 : 64;
    struct fld *f = realloc(c->f, cap * sizeof *f);
    if (!f)
        return SL_ENOMEM;
    c->f = f;
    c->fcap = cap;
    return 0;
}

static inline int add_field(struct csv *c, size_t off, size_t n, bool quoted,
                            bool esc, struct sl_error *err)
{
    if (c->nf == c->fcap) {
        int rc = grow_fields(c, off, err);
        if (rc)
            return rc;
    }
    if (n > UINT32_MAX || off > UINT32_MAX)
        return sl_error_set_at(err, SL_ELIMIT, (int64_t)off,
                               "field longer than 4 GiB");
    c->f[c->nf++] = (struct fld){(uint32_t)off, (uint32_t)n, quoted, esc};
    return 0;
}

static inline bool row_end(const uint8_t *p, size_t n, size_t i)
{
    return p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] == '\n'));
}

/* Copy p[a..b) into unq. */
static int unq_put(struct csv *c, const uint8_t *p, size_t a, size_t b)
{
    return sl_buf_append(&c->unq, p + a, b - a);
}

/* A field that needs unescaping, from *i (just after the opening quote
 * when quoted). Leaves *i at the separator / row end after it. */
static int slow_field(struct csv *c, const uint8_t *p, size_t n, size_t *i,
                      bool quoted, struct sl_error *err)
{
    size_t start = c->unq.len, seg = *i, j = *i;
    int rc;
    for (;;) {
        if (j >= n) {
            if (quoted)
                return sl_error_set_at(err, SL_ECORRUPT, (int64_t)*i - 1,
                                       "quoted field %zu never ends (no "
                                       "closing %c)",
                                       c->nf + 1, c->quote);
            break;
        }
        uint8_t ch = p[j];
        if (c->has_esc && ch == c->esc) {
            if (j + 1 >= n) { /* a trailing escape stays as it is */
                j++;
                continue;
            }
            if ((rc = unq_put(c, p, seg, j)))
                return rc;
            seg = j + 1;
            j += 2;
            continue;
        }
        if (quoted && ch == c->quote) {
            if (j + 1 < n && p[j + 1] == c->quote) { /* "" is one " */
                if ((rc = unq_put(c, p, seg, j + 1)))
                    return rc;
                seg = j += 2;
                continue;
            }
            if ((rc = unq_put(c, p, seg, j)))
                return rc;
            j++;
            if (j < n && p[j] != c->sep && !row_end(p, n, j))
                return sl_error_set_at(
                    err, SL_ECORRUPT, (int64_t)j,
                    "field %zu: '%c' after the closing quote (a quote "
                    "inside a quoted field is written twice)",
                    c->nf + 1, p[j]);
            *i = j;
            return add_field(c, start, c->unq.len - start, true, true, err);
        }
        if (!quoted && (ch == c->sep || row_end(p, n, j)))
            break;
        j++;
    }
    if ((rc = unq_put(c, p, seg, j)))
        return rc;
    *i = j;
    return add_field(c, start, c->unq.len - start, quoted, true, err);
}

/* The end of an unquoted run from j: the first separator, '\r', '\n' or
 * escape byte, or n. Sixteen bytes per step with SSE2 (x86-64 baseline). */
static inline size_t scan_plain(const struct csv *c, const uint8_t *p, size_t j,
                                size_t n)
{
#ifdef __SSE2__
    const __m128i vs = _mm_set1_epi8((char)c->sep);
    const __m128i vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
    const __m128i ve = _mm_set1_epi8((char)(c->has_esc ? c->esc : c->sep));
    while (n - j >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, vs), _mm_cmpeq_epi8(x, vn)),
            _mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, ve)));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return j + (size_t)__builtin_ctz(mask);
        j += 16;
    }
#endif
    while (j < n && !c->special[p[j]])
        j++;
    return j;
}

/* Parse one row from p[*i..n); *i ends past the row's terminator. */
static int parse_row(struct csv *c, const uint8_t *p, size_t n, size_t *i,
                     struct sl_error *err)
{
    c->nf = 0;
    sl_buf_reset(&c->unq);
    size_t j = *i;
    int rc;
    for (;;) {
        if (c->has_quote && j < n && p[j] == c->quote) {
            size_t s = ++j;
            /* Fast: no escapes and no doubled quotes inside. */
            const uint8_t *q = memchr(p + s, c->quote, n - s);
            const uint8_t *e =
                c->has_esc
                    ? memchr(p + s, c->esc, (q ? (size_t)(q - p) : n) - s)
                    : NULL;
            size_t qe = q ? (size_t)(q - p) : n;
            if (q && !e &&
                (qe + 1 == n || p[qe + 1] == c->sep || row_end(p, n, qe + 1))) {
                if ((rc = add_field(c, s, qe - s, true, false, err)))
                    return rc;
                j = qe + 1;
            } else if ((rc = slow_field(c, p, n, &j, true, err))) {
                return rc;
            }
        } else {
            size_t s = j;
            j = scan_plain(c, p, j, n);
            if (j < n && p[j] == '\r' && !row_end(p, n, j)) {
                j = s;
                rc = slow_field(c, p, n, &j, false, err);
            } else if (j < n && c->has_esc && p[j] == c->esc) {
                j = s;
                rc = slow_field(c, p, n, &j, false, err);
            } else {
                rc = add_field(c, s, j - s, false, false, err);
            }
            if (rc)
                return rc;
        }
        if (j >= n)
            break;
        if (p[j] == c->sep) {
            j++;
            continue;
        }
        j += p[j] == '\r' ? 2 : 1; /* "\r\n" or "\n" */
        if (j > n)
            j = n;
        break;
    }
    *i = j;
    return 0;
}

static inline const uint8_t *fld_ptr(const struct csv *c, const uint8_t *p,
                                     const struct fld *f)
{
    return f->esc ? c->unq.data + f->off : p + f->off;
}

/* ---- headers per partition ---- */

static void hdr_free(struct hdr *h)
{
    free(h->partition);
    for (size_t i = 0; i < h->n; i++)
        free(h->names[i]);
    free(h->names);
    free(h->raw);
}

static void hdr_clear_names(struct hdr *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->names[i]);
    free(h->names);
    free(h->raw);
    h->names = NULL;
    h->raw = NULL;
    h->n = h->raw_len = 0;
}

static void csv_locate(void *st, const char *partition, int64_t pos)
{
    struct csv *c = st;
    c->first = pos == 0;
    if (c->nh && strcmp(c->hdrs[c->cur].partition, partition) == 0)
        return;
    c->gen++;
    for (size_t i = 0; i < c->nh; i++)
        if (strcmp(c->hdrs[i].partition, partition) == 0) {
            c->cur = i;
            return;
        }
    if (c->nh == MAX_PARTITIONS) {
        hdr_free(&c->hdrs[0]);
        memmove(c->hdrs, c->hdrs + 1, --c->nh * sizeof *c->hdrs);
    }
    struct hdr h = {.partition = strdup(partition)};
    if (!h.partition) { /* out of memory: keep using the current entry */
        return;
    }
    c->hdrs[c->nh] = h;
    c->cur = c->nh++;
}

/* Names for the header: empty names become col<k>, repeated ones
 * name_<k> (k = field index), so each field has its own column. */
static int set_header_names(struct csv *c, struct hdr *h, char **names,
                            size_t n)
{
    hdr_clear_names(h);
    h->names = names;
    h->n = n;
    for (size_t k = 0; k < n; k++) {
        /* Until unique: name_<k>, name_<k>_<k>, ... (or col<k>). */
        for (;;) {
            bool dup = !names[k][0];
            for (size_t m = 0; !dup && m < k; m++)
                dup = strcmp(names[m], names[k]) == 0;
            if (!dup)
                break;
            size_t need = strlen(names[k]) + 24;
            char *s = malloc(need);
            if (!s)
                return SL_ENOMEM;
            if (names[k][0])
                snprintf(s, need, "%s_%zu", names[k], k);
            else
                snprintf(s, need, "col%zu", k);
            free(names[k]);
            names[k] = s;
        }
    }
    c->gen++;
    return 0;
}

/* The current row is the partition's header. */
static int take_header(struct csv *c, const uint8_t *p, size_t a, size_t b)
{
    struct hdr *h = &c->hdrs[c->cur];
    char **names = calloc(c->nf ? c->nf : 1, sizeof *names);
    if (!names)
        return SL_ENOMEM;
    for (size_t k = 0; k < c->nf; k++) {
        const struct fld *f = &c->f[k];
        if (!(names[k] = strndup((const char *)fld_ptr(c, p, f), f->n))) {
            while (k--)
                free(names[k]);
            free(names);
            return SL_ENOMEM;
        }
    }
    int rc = set_header_names(c, h, names, c->nf);
    if (rc)
        return rc;
    if (!(h->raw = malloc(b - a ? b - a : 1)))
        return SL_ENOMEM;
    memcpy(h->raw, p + a, b - a);
    h->raw_len = b - a;
    return 0;
}

/* No header seen for this partition in this run: the declared schema's
 * order, or the columns in force. False when there is nothing to use. */
static int fallback_header(struct csv *c, const struct sl_batch *b, bool *ok)
{
    *ok = false;
    size_t n = c->schema_names ? c->n_schema : b->root.n_child;
    if (!n)
        return 0;
    char **names = calloc(n, sizeof *names);
    if (!names)
        return SL_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const char *s =
            c->schema_names ? c->schema_names[k] : b->root.child[k].name;
        if (!(names[k] = strdup(s ? s : ""))) {
            while (k--)
                free(names[k]);
            free(names);
            return SL_ENOMEM;
        }
    }
    *ok = true;
    return set_header_names(c, &c->hdrs[c->cur], names, n);
}

/* ---- fields -> columns ---- */

static int32_t find_col(const struct sl_batch *b, const char *name)
{
    for (uint32_t i = 0; i < b->root.n_child; i++)
        if (b->root.child[i].name && strcmp(b->root.child[i].name, name) == 0)
            return (int32_t)i;
    return -1;
}

/* Make map[0..nf) name the column of each field (adding columns when
 * detecting). */
static int build_map(struct csv *c, struct sl_batch *b, size_t nf,
                     struct sl_error *err)
{
    if (nf > c->map_cap) {
        int32_t *m = realloc(c->map, nf * sizeof *m);
        if (!m)
            return SL_ENOMEM;
        c->map = m;
        c->map_cap = nf;
    }
    const struct hdr *h = c->header ? &c->hdrs[c->cur] : NULL;
    for (size_t k = 0; k < nf; k++) {
        char tmp[32];
        const char *name;
        if (h) {
            if (k >= h->n) {
                c->map[k] = -1;
                continue;
            }
            name = h->names[k];
        } else if (!c->detect) {
            c->map[k] = k < b->root.n_child ? (int32_t)k : -1;
            continue;
        } else {
            snprintf(tmp, sizeof tmp, "col%zu", k);
            name = tmp;
        }
        int32_t i = find_col(b, name);
        if (i < 0 && c->detect) {
            struct sl_field f = {
                .name = (char *)name, .type = SL_NULLTYPE, .nullable = true};
            if (!sl_col_add_child(&b->root, &f, err))
                return err && err->code ? err->code : SL_ENOMEM;
            i = (int32_t)b->root.n_child - 1;
        }
        c->map[k] = i;
    }
    c->map_n = nf;
    c->map_b = b;
    c->map_child = b->root.child;
    c->map_nchild = b->root.n_child;
    c->map_gen = c->gen;
    return 0;
}

static int emit_row(struct csv *c, const uint8_t *p, size_t row_at,
                    struct sl_batch *b, struct sl_error *err)
{
    size_t want = c->header         ? c->hdrs[c->cur].n
                  : c->schema_names ? c->n_schema
                  : c->expected     ? c->expected
                                    : (c->expected = c->nf);
    if (c->nf != want && !c->fill)
        return sl_error_set_at(err, SL_ECORRUPT, (int64_t)row_at,
                               "row has %zu field%s, expected %zu", c->nf,
                               c->nf == 1 ? "" : "s", want);
    size_t nf = c->nf;
    if (nf > want && (c->header || c->schema_names))
        nf = want;
    if (c->map_b != b || c->map_child != b->root.child ||
        c->map_nchild != b->root.n_child || c->map_gen != c->gen ||
        c->map_n < nf || sl_batch_rows(b) == 0) {
        int rc = build_map(c, b, nf, err);
        if (rc)
            return rc;
    }
    for (size_t k = 0; k < nf; k++) {
        if (c->map[k] < 0)
            continue;
        struct sl_col *col = &b->root.child[c->map[k]];
        const struct fld *f = &c->f[k];
        const uint8_t *s = fld_ptr(c, p, f);
        int rc;
        if (!f->quoted && f->n == c->null_len &&
            memcmp(s, c->null_value, f->n) == 0)
            rc = sl_col_append_null(col);
        else if (c->detect)
            rc = sl__text_detect(col, s, f->n, err);
        else
            rc = sl__text_into(col, s, f->n, err);
        if (rc) {
            if (rc == SL_ENOMEM)
                return rc;
            if (rc == SL_ETYPE)
                sl_error_prefix(err, "field %zu (column '%s'): ", k + 1,
                                col->name ? col->name : "");
            if (err)
                err->offset = (int64_t)(f->esc ? row_at : f->off);
            return rc;
        }
    }
    return sl_batch_row_end(b);
}

/* ---- decoder ---- */

static int csv_decode(void *st, const uint8_t *p, size_t n, struct sl_batch *b,
                      struct sl_error *err)
{
    struct csv *c = st;
    size_t rows0 = sl_batch_rows(b), i = 0;
    if (!c->nh)
        csv_locate(c, "", c->first ? 0 : 1);
    if (!c->nh)
        return SL_ENOMEM;
    bool first = c->first;
    c->first = false;
    if (!sl_utf8_valid(p, n))
        return sl_error_set_at(err, SL_ECORRUPT, 0,
                               "record is not valid UTF-8 text");
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    int rc = 0;
    while (i < n) {
        size_t at = i;
        if ((rc = parse_row(c, p, n, &i, err)))
            break;
        size_t row_len = i - at;
        while (row_len &&
               (p[at + row_len - 1] == '\n' || p[at + row_len - 1] == '\r'))
            row_len--;
        if (row_len == 0)
            continue; /* blank line */
        if (c->header) {
            struct hdr *h = &c->hdrs[c->cur];
            bool ok = h->names != NULL;
            if (first) {
                first = false;
                if ((rc = take_header(c, p, at, at + row_len)))
                    break;
                continue;
            }
            if (!ok && (rc = fallback_header(c, b, &ok)))
                break;
            if (!ok) {
                if ((rc = take_header(c, p, at, at + row_len)))
                    break;
                continue;
            }
            if (h->raw && h->raw_len == row_len &&
                memcmp(h->raw, p + at, row_len) == 0)
                continue; /* the header again */
        }
        if ((rc = emit_row(c, p, at, b, err)))
            break;
    }
    if (rc) {
        sl_batch_rollback(b, rows0);
        if (rc == SL_ENOMEM || (err && !err->msg[0]))
            return sl_error_set(err, rc, "csv: %s", sl_strerror(rc));
    }
    return rc;
}

static void csv_destroy(void *st)
{
    struct csv *c = st;
    if (!c)
        return;
    for (size_t i = 0; i < c->nh; i++)
        hdr_free(&c->hdrs[i]);
    free(c->hdrs);
    for (size_t i = 0; i < c->n_schema; i++)
        free(c->schema_names[i]);
    free(c->schema_names);
    free(c->null_value);
    free(c->f);
    free(c->map);
    sl_buf_free(&c->unq);
    free(c);
}

static int csv_create(const struct sl_decoder_ctx *ctx, void **st,
                      struct sl_error *err)
{
    struct csv_opts o = {0};
    *st = NULL;
    int rc = sl__decoder_options(csv_options, ctx->conf, &o, err);
    if (rc)
        return rc;
    struct csv *c = calloc(1, sizeof *c);
    if (!c) {
        sl_options_free(csv_options, &o);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    bool has;
    if ((rc = one_byte("separator", o.separator, false, &c->sep, &has, err)) ||
        (rc = one_byte("quote_char", o.quote_char, true, &c->quote,
                       &c->has_quote, err)) ||
        (rc = one_byte("escape_char", o.escape_char, true, &c->esc, &c->has_esc,
                       err)))
        goto fail;
    if (c->has_esc && c->has_quote && c->esc == c->quote)
        c->has_esc = false; /* quotes doubled: RFC 4180 already */
    if ((c->has_quote && c->quote == c->sep) ||
        (c->has_esc && c->esc == c->sep)) {
        rc = sl_error_set(err, SL_EINVAL,
                          "source: separator, quote_char and escape_char "
                          "must differ");
        goto fail;
    }
    c->special[c->sep] = c->special['\n'] = c->special['\r'] = 1;
    if (c->has_esc)
        c->special[c->esc] = 1;
    c->header = o.header;
    c->fill = o.ragged && strcmp(o.ragged, "fill") == 0;
    c->null_value = o.null_value;
    o.null_value = NULL;
    if (!c->null_value && !(c->null_value = strdup(""))) {
        rc = SL_ENOMEM;
        goto fail;
    }
    c->null_len = strlen(c->null_value);
    c->detect = ctx->schema == NULL;
    c->first = true;
    sl_buf_init(&c->unq, 0); /* bounded by the record size */
    if (!(c->hdrs = calloc(MAX_PARTITIONS, sizeof *c->hdrs))) {
        rc = SL_ENOMEM;
        goto fail;
    }
    if (ctx->schema) {
        c->n_schema = ctx->schema->n_children;
        c->schema_names = calloc(c->n_schema + 1, sizeof *c->schema_names);
        if (!c->schema_names) {
            rc = SL_ENOMEM;
            goto fail;
        }
        for (size_t k = 0; k < c->n_schema; k++)
            if (!(c->schema_names[k] =
                      strdup(ctx->schema->children[k].name
                                 ? ctx->schema->children[k].name
                                 : ""))) {
                rc = SL_ENOMEM;
                goto fail;
            }
    }
    sl_options_free(csv_options, &o);
    *st = c;
    return 0;
fail:
    if (rc == SL_ENOMEM)
        sl_error_set(err, rc, "out of memory");
    sl_options_free(csv_options, &o);
    csv_destroy(c);
    return rc;
}

const struct sl_decoder_ops sl_decoder_csv = {
    .name = "csv",
    .summary = "CSV (RFC 4180) with separator, quote, escape, header, "
               "null_value and ragged-row dialects",
    .options = csv_options,
    .create = csv_create,
    .frame = csv_frame,
    .decode = csv_decode,
    .destroy = csv_destroy,
    .locate = csv_locate,
};
