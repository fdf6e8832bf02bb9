/*
 * parquet.c - the Parquet output format (sink `format: parquet`).
 *
 * An encoder of part.h: begin(schema) writes "PAR1" and flattens the
 * schema into leaf columns (parquet_column.c keeps each leaf's pages);
 * write(batch) appends the rows' levels and values to the leaves and, once
 * the row group's encoded data reaches row_group_size (bytes or rows),
 * writes the row group's column chunks into `out`, which the sink moves to
 * the file; finish() writes the last row group and the footer
 * (FileMetaData, Thrift compact) and leaves the encoder ready for the next
 * file. So one open file holds at most one row group in memory (compressed
 * pages, the open page of each leaf, dictionaries): see docs/sinks.md.
 *
 * Schema mapping (docs/sinks.md has the table): structs are groups, arrays
 * the three-level LIST (`<name> (LIST) { repeated group list { element } }`),
 * maps MAP with a repeated `key_value` group (key required), a field only
 * ever seen as null (SL_NULLTYPE) an optional STRING column of nulls. A
 * struct without fields (and an array or map of such) has no leaf column,
 * which Parquet cannot hold, so it is left out of the file.
 * The Hive spelling of the schema and the metadata the sink passes through
 * `meta` (job name, batch id) go into the footer's key-value metadata.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "parquet_int.h"
#include "part.h"
#include "text_out.h"

/* The row group's size is checked each time it holds a multiple of CHECK
 * rows: where the sink cut its chunks never moves a row group boundary, so
 * a replayed batch gives the same bytes. */
#define CHECK 1024
#define MAX_META 8 /* key-value pairs from `meta` */

struct pq_opts {
    char *compression;
    int64_t compression_level;
    char *row_group_size;
    int64_t page_size;
    bool dictionary;
    int64_t dictionary_page_size;
};

static const struct sl_option pq_options[] = {
    {"compression", SL_OPT_ENUM, "snappy", "snappy|zstd|gzip|none", false,
     offsetof(struct pq_opts, compression), "Parquet page compression codec"},
    {"compression_level", SL_OPT_INT, "0", NULL, false,
     offsetof(struct pq_opts, compression_level),
     "zstd 1..19 (default 3), gzip 1..9 (default 6); 0 = the default"},
    {"row_group_size", SL_OPT_STRING, "64MiB", NULL, false,
     offsetof(struct pq_opts, row_group_size),
     "encoded bytes per row group (\"64MiB\"), or rows (\"100000 rows\"); "
     "each open file buffers one row group in memory"},
    {"page_size", SL_OPT_SIZE, "1MiB", NULL, false,
     offsetof(struct pq_opts, page_size),
     "target size of a data page before compression"},
    {"dictionary", SL_OPT_BOOL, "true", NULL, false,
     offsetof(struct pq_opts, dictionary),
     "dictionary-encode columns (RLE_DICTIONARY) while it pays"},
    {"dictionary_page_size", SL_OPT_SIZE, "1MiB", NULL, false,
     offsetof(struct pq_opts, dictionary_page_size),
     "largest dictionary per column chunk; past it pages are PLAIN"},
    {0},
};

struct rg_meta {
    int64_t rows, offset;
    struct sl__pq_chunk_meta *cols;
};

struct pq_enc {
    struct sl__pq_cfg cfg;
    int64_t rg_bytes, rg_rows; /* limits; 0 = none */
    bool begun;
    struct sl_field schema;
    struct sl__pq_col *leaves;
    size_t n_leaves;
    uint32_t *leaf_top; /* top-level field index of each leaf */
    int64_t pos;        /* file offset of the next byte appended */
    int64_t rows_now;   /* rows in the open row group */
    int64_t rows_total;
    struct rg_meta *rgs;
    size_t n_rgs, cap_rgs;
    struct sl_buf scratch[2];
    char *meta_k[MAX_META], *meta_v[MAX_META];
    size_t n_meta;
};

static bool has_leaves(const struct sl_field *f)
{
    switch (f->type) {
    case SL_STRUCT:
        for (uint32_t i = 0; i < f->n_children; i++)
            if (has_leaves(&f->children[i]))
                return true;
        return false;
    case SL_ARRAY:
        return f->n_children == 1 && has_leaves(&f->children[0]);
    case SL_MAP:
        return f->n_children == 2 && has_leaves(&f->children[0]) &&
               has_leaves(&f->children[1]);
    default:
        return true;
    }
}

/* Smallest FIXED_LEN_BYTE_ARRAY width holding `precision` digits. */
static int32_t dec_bytes(unsigned precision)
{
    __int128 lim = 1;
    for (unsigned i = 0; i < precision; i++)
        lim *= 10;
    for (int32_t n = 1; n < 16; n++)
        if (lim - 1 <= ((__int128)1 << (8 * n - 1)) - 1)
            return n;
    return 16;
}

static unsigned dec_precision(const struct sl_field *f)
{
    return f->precision ? f->precision : 38;
}

static void physical(const struct sl_field *f, int *ptype, int32_t *len)
{
    *len = 0;
    switch (f->type) {
    case SL_BOOLEAN:
        *ptype = PQ_BOOLEAN;
        break;
    case SL_INT:
    case SL_DATE:
        *ptype = PQ_INT32;
        break;
    case SL_BIGINT:
    case SL_TIMESTAMP:
        *ptype = PQ_INT64;
        break;
    case SL_FLOAT:
        *ptype = PQ_FLOAT;
        break;
    case SL_DOUBLE:
        *ptype = PQ_DOUBLE;
        break;
    case SL_DECIMAL: {
        unsigned p = dec_precision(f);
        if (p <= 9) {
            *ptype = PQ_INT32;
        } else if (p <= 18) {
            *ptype = PQ_INT64;
        } else {
            *ptype = PQ_FLBA;
            *len = dec_bytes(p);
        }
        break;
    }
    default: /* string, binary, nulltype */
        *ptype = PQ_BYTE_ARRAY;
    }
}

/* ---- schema flattening ---- */

struct flat {
    struct pq_enc *e;
    struct sl__pq_step steps[64];
    const char *path[64];
    uint32_t top;
};

static int add_leaf(struct flat *fl, const struct sl_field *f, size_t k,
                    size_t pk, uint16_t def, uint16_t rep)
{
    struct pq_enc *e = fl->e;
    struct sl__pq_col *c = &e->leaves[e->n_leaves];
    memset(c, 0, sizeof *c);
    c->steps = malloc((k + 1) * sizeof *c->steps);
    c->path = calloc(pk + 1, sizeof *c->path);
    if (!c->steps || !c->path)
        goto oom;
    memcpy(c->steps, fl->steps, (k + 1) * sizeof *c->steps);
    c->n_steps = k + 1;
    c->path_n = pk + 1;
    for (size_t i = 0; i <= pk; i++)
        if (!(c->path[i] = strdup(fl->path[i])))
            goto oom;
    c->stype = f->type;
    physical(f, &c->ptype, &c->type_len);
    c->max_def = def;
    c->max_rep = rep;
    sl__pq_col_init(c, &e->cfg);
    e->leaf_top[e->n_leaves++] = fl->top;
    return 0;
oom:
    e->n_leaves++; /* so that it is freed */
    return SL_ENOMEM;
}

static int count_leaves(const struct sl_field *f)
{
    if (!has_leaves(f))
        return 0;
    int n = 0;
    switch (f->type) {
    case SL_STRUCT:
    case SL_ARRAY:
    case SL_MAP:
        for (uint32_t i = 0; i < f->n_children; i++)
            n += count_leaves(&f->children[i]);
        return n;
    default:
        return 1;
    }
}

static int flatten(struct flat *fl, const struct sl_field *f, const char *name,
                   bool force_required, size_t k, size_t pk, uint16_t def,
                   uint16_t rep)
{
    if (k >= 63 || pk >= 61)
        return SL_ELIMIT;
    bool optional = !force_required && (f->nullable || f->type == SL_NULLTYPE);
    uint16_t d = (uint16_t)(def + optional);
    struct sl__pq_step *s = &fl->steps[k];
    memset(s, 0, sizeof *s);
    s->optional = optional;
    s->type = f->type;
    s->name = name;
    fl->path[pk] = name;
    int rc = 0;
    switch (f->type) {
    case SL_STRUCT:
        s->kind = PQ_STEP_STRUCT;
        for (uint32_t i = 0; i < f->n_children && !rc; i++) {
            const struct sl_field *ch = &f->children[i];
            if (!has_leaves(ch))
                continue;
            s->child = i;
            rc = flatten(fl, ch, ch->name ? ch->name : "", false, k + 1, pk + 1,
                         d, rep);
        }
        return rc;
    case SL_ARRAY:
        s->kind = PQ_STEP_LIST;
        s->rep = (uint16_t)(rep + 1);
        fl->path[pk + 1] = "list";
        return flatten(fl, &f->children[0], "element", false, k + 1, pk + 2,
                       (uint16_t)(d + 1), (uint16_t)(rep + 1));
    case SL_MAP:
        s->kind = PQ_STEP_MAP;
        s->rep = (uint16_t)(rep + 1);
        fl->path[pk + 1] = "key_value";
        s->child = 0;
        rc = flatten(fl, &f->children[0], "key", true, k + 1, pk + 2,
                     (uint16_t)(d + 1), (uint16_t)(rep + 1));
        if (rc)
            return rc;
        s->child = 1;
        fl->path[pk + 1] = "key_value";
        return flatten(fl, &f->children[1], "value", false, k + 1, pk + 2,
                       (uint16_t)(d + 1), (uint16_t)(rep + 1));
    default:
        s->kind = PQ_STEP_LEAF;
        return add_leaf(fl, f, k, pk, d, rep);
    }
}

/* ---- footer ---- */

static void repetition(struct sl__pq_tw *t, const struct sl_field *f,
                       bool force_required)
{
    bool optional = !force_required && (f->nullable || f->type == SL_NULLTYPE);
    sl__pq_tw_i32(t, 3, optional ? PQ_OPTIONAL : PQ_REQUIRED);
}

static size_t n_elems(const struct sl_field *f)
{
    if (!has_leaves(f))
        return 0;
    switch (f->type) {
    case SL_STRUCT: {
        size_t n = 1;
        for (uint32_t i = 0; i < f->n_children; i++)
            n += n_elems(&f->children[i]);
        return n;
    }
    case SL_ARRAY:
        return 2 + n_elems(&f->children[0]);
    case SL_MAP:
        return 2 + n_elems(&f->children[0]) + n_elems(&f->children[1]);
    default:
        return 1;
    }
}

static void empty_struct(struct sl__pq_tw *t, int16_t id)
{
    sl__pq_tw_struct(t, id);
    sl__pq_tw_end(t);
}

static void schema_elem(struct sl__pq_tw *t, const struct sl_field *f,
                        const char *name, bool force_required)
{
    if (!has_leaves(f))
        return;
    sl__pq_tw_elem_struct(t);
    switch (f->type) {
    case SL_STRUCT: {
        uint32_t n = 0;
        for (uint32_t i = 0; i < f->n_children; i++)
            n += has_leaves(&f->children[i]);
        repetition(t, f, force_required);
        sl__pq_tw_str(t, 4, name);
        sl__pq_tw_i32(t, 5, (int32_t)n);
        sl__pq_tw_end(t);
        for (uint32_t i = 0; i < f->n_children; i++)
            schema_elem(t, &f->children[i],
                        f->children[i].name ? f->children[i].name : "", false);
        return;
    }
    case SL_ARRAY:
    case SL_MAP: {
        bool map = f->type == SL_MAP;
        repetition(t, f, force_required);
        sl__pq_tw_str(t, 4, name);
        sl__pq_tw_i32(t, 5, 1);
        sl__pq_tw_i32(t, 6, map ? PQ_CT_MAP : PQ_CT_LIST);
        sl__pq_tw_struct(t, 10);
        empty_struct(t, map ? 2 : 3);
        sl__pq_tw_end(t);
        sl__pq_tw_end(t);
        sl__pq_tw_elem_struct(t); /* the repeated group */
        sl__pq_tw_i32(t, 3, PQ_REPEATED);
        sl__pq_tw_str(t, 4, map ? "key_value" : "list");
        sl__pq_tw_i32(t, 5, map ? 2 : 1);
        sl__pq_tw_end(t);
        if (map) {
            schema_elem(t, &f->children[0], "key", true);
            schema_elem(t, &f->children[1], "value", false);
        } else {
            schema_elem(t, &f->children[0], "element", false);
        }
        return;
    }
    default:
        break;
    }
    int ptype;
    int32_t len;
    physical(f, &ptype, &len);
    sl__pq_tw_i32(t, 1, ptype);
    if (ptype == PQ_FLBA)
        sl__pq_tw_i32(t, 2, len);
    repetition(t, f, force_required);
    sl__pq_tw_str(t, 4, name);
    switch (f->type) {
    case SL_STRING:
    case SL_NULLTYPE:
        sl__pq_tw_i32(t, 6, PQ_CT_UTF8);
        sl__pq_tw_struct(t, 10);
        empty_struct(t, 1);
        sl__pq_tw_end(t);
        break;
    case SL_DATE:
        sl__pq_tw_i32(t, 6, PQ_CT_DATE);
        sl__pq_tw_struct(t, 10);
        empty_struct(t, 6);
        sl__pq_tw_end(t);
        break;
    case SL_TIMESTAMP:
        sl__pq_tw_i32(t, 6, PQ_CT_TIMESTAMP_MICROS);
        sl__pq_tw_struct(t, 10);
        sl__pq_tw_struct(t, 8);     /* TimestampType */
        sl__pq_tw_bool(t, 1, true); /* isAdjustedToUTC */
        sl__pq_tw_struct(t, 2);     /* unit: TimeUnit */
        empty_struct(t, 2);         /* MICROS */
        sl__pq_tw_end(t);
        sl__pq_tw_end(t);
        sl__pq_tw_end(t);
        break;
    case SL_DECIMAL:
        sl__pq_tw_i32(t, 6, PQ_CT_DECIMAL);
        sl__pq_tw_i32(t, 7, f->scale);
        sl__pq_tw_i32(t, 8, (int32_t)dec_precision(f));
        sl__pq_tw_struct(t, 10);
        sl__pq_tw_struct(t, 5);
        sl__pq_tw_i32(t, 1, f->scale);
        sl__pq_tw_i32(t, 2, (int32_t)dec_precision(f));
        sl__pq_tw_end(t);
        sl__pq_tw_end(t);
        break;
    default:
        break;
    }
    sl__pq_tw_end(t);
}

static void column_chunk(struct sl__pq_tw *t, const struct pq_enc *e,
                         const struct sl__pq_col *c,
                         const struct sl__pq_chunk_meta *m)
{
    sl__pq_tw_elem_struct(t);
    sl__pq_tw_i64(t, 2, m->dict_off >= 0 ? m->dict_off : m->data_off);
    sl__pq_tw_struct(t, 3); /* ColumnMetaData */
    sl__pq_tw_i32(t, 1, c->ptype);
    size_t n_enc = (size_t)__builtin_popcount(m->enc_mask);
    sl__pq_tw_list(t, 2, PQ_T_I32, n_enc);
    for (int b = 0; b < 32; b++)
        if (m->enc_mask & (1u << b))
            sl__pq_tw_elem_i32(t, b);
    sl__pq_tw_list(t, 3, PQ_T_BINARY, c->path_n);
    for (size_t i = 0; i < c->path_n; i++)
        sl__pq_tw_elem_bin(t, c->path[i], strlen(c->path[i]));
    sl__pq_tw_i32(t, 4, e->cfg.codec);
    sl__pq_tw_i64(t, 5, m->num_values);
    sl__pq_tw_i64(t, 6, m->unc);
    sl__pq_tw_i64(t, 7, m->comp);
    sl__pq_tw_i64(t, 9, m->data_off);
    if (m->dict_off >= 0)
        sl__pq_tw_i64(t, 11, m->dict_off);
    sl__pq_tw_struct(t, 12); /* Statistics */
    sl__pq_tw_i64(t, 3, m->nulls);
    if (m->min) {
        sl__pq_tw_bin(t, 5, m->max, m->max_len);
        sl__pq_tw_bin(t, 6, m->min, m->min_len);
    }
    sl__pq_tw_end(t);
    sl__pq_tw_end(t); /* ColumnMetaData */
    sl__pq_tw_end(t); /* ColumnChunk */
}

static int footer(struct pq_enc *e, struct sl_buf *out, struct sl_error *err)
{
    size_t at = out->len;
    struct sl_buf schema_text;
    sl_buf_init(&schema_text, 0);
    int rc = sl_type_format(&e->schema, &schema_text);
    if (!rc)
        rc = sl_buf_cstr(&schema_text);
    if (rc) {
        sl_buf_free(&schema_text);
        return sl_error_set(err, rc, "parquet: out of memory");
    }
    struct sl__pq_tw t;
    sl__pq_tw_init(&t, out);
    sl__pq_tw_i32(&t, 1, 1);
    sl__pq_tw_list(&t, 2, PQ_T_STRUCT, n_elems(&e->schema));
    sl__pq_tw_elem_struct(&t); /* root */
    sl__pq_tw_str(&t, 4, "schema");
    uint32_t n_top = 0;
    for (uint32_t i = 0; i < e->schema.n_children; i++)
        n_top += has_leaves(&e->schema.children[i]);
    sl__pq_tw_i32(&t, 5, (int32_t)n_top);
    sl__pq_tw_end(&t);
    for (uint32_t i = 0; i < e->schema.n_children; i++) {
        const struct sl_field *f = &e->schema.children[i];
        schema_elem(&t, f, f->name ? f->name : "", false);
    }
    sl__pq_tw_i64(&t, 3, e->rows_total);
    sl__pq_tw_list(&t, 4, PQ_T_STRUCT, e->n_rgs);
    for (size_t r = 0; r < e->n_rgs; r++) {
        const struct rg_meta *g = &e->rgs[r];
        int64_t unc = 0, comp = 0;
        sl__pq_tw_elem_struct(&t);
        sl__pq_tw_list(&t, 1, PQ_T_STRUCT, e->n_leaves);
        for (size_t i = 0; i < e->n_leaves; i++) {
            column_chunk(&t, e, &e->leaves[i], &g->cols[i]);
            unc += g->cols[i].unc;
            comp += g->cols[i].comp;
        }
        sl__pq_tw_i64(&t, 2, unc);
        sl__pq_tw_i64(&t, 3, g->rows);
        sl__pq_tw_i64(&t, 5, g->offset);
        sl__pq_tw_i64(&t, 6, comp);
        sl__pq_tw_end(&t);
    }
    sl__pq_tw_list(&t, 5, PQ_T_STRUCT, e->n_meta + 1);
    sl__pq_tw_elem_struct(&t);
    sl__pq_tw_str(&t, 1, "sluice.schema");
    sl__pq_tw_str(&t, 2, (const char *)schema_text.data);
    sl__pq_tw_end(&t);
    for (size_t i = 0; i < e->n_meta; i++) {
        sl__pq_tw_elem_struct(&t);
        sl__pq_tw_str(&t, 1, e->meta_k[i]);
        sl__pq_tw_str(&t, 2, e->meta_v[i]);
        sl__pq_tw_end(&t);
    }
    sl__pq_tw_str(&t, 6, "sluice version " SL_VERSION);
    sl__pq_tw_list(&t, 7, PQ_T_STRUCT, e->n_leaves);
    for (size_t i = 0; i < e->n_leaves; i++) {
        sl__pq_tw_elem_struct(&t);
        empty_struct(&t, 1); /* TYPE_ORDER */
        sl__pq_tw_end(&t);
    }
    rc = sl__pq_tw_end(&t);
    sl_buf_free(&schema_text);
    size_t len = out->len - at;
    if (!rc && len > UINT32_MAX)
        rc = SL_ELIMIT;
    uint32_t l32 = (uint32_t)len;
    if (!rc)
        rc = sl_buf_append(out, &l32, 4);
    if (!rc)
        rc = sl_buf_append(out, "PAR1", 4);
    if (rc)
        return sl_error_set(err, rc, "parquet: writing the footer: %s",
                            sl_strerror(rc));
    e->pos += (int64_t)(out->len - at);
    return 0;
}

/* ---- encoder state ---- */

static void reset_file(struct pq_enc *e)
{
    for (size_t r = 0; r < e->n_rgs; r++) {
        for (size_t i = 0; e->rgs[r].cols && i < e->n_leaves; i++) {
            free(e->rgs[r].cols[i].min);
            free(e->rgs[r].cols[i].max);
        }
        free(e->rgs[r].cols);
    }
    free(e->rgs);
    e->rgs = NULL;
    e->n_rgs = e->cap_rgs = 0;
    for (size_t i = 0; i < e->n_leaves; i++)
        sl__pq_col_free(&e->leaves[i]);
    free(e->leaves);
    free(e->leaf_top);
    e->leaves = NULL;
    e->leaf_top = NULL;
    e->n_leaves = 0;
    sl_field_free(&e->schema);
    memset(&e->schema, 0, sizeof e->schema);
    e->pos = e->rows_now = e->rows_total = 0;
    e->begun = false;
    /* an idle encoder (the sink pools them) keeps no page-sized buffers */
    sl_buf_free(&e->scratch[0]);
    sl_buf_free(&e->scratch[1]);
}

static int parse_rg_size(const char *s, int64_t *bytes, int64_t *rows)
{
    *bytes = *rows = 0;
    char num[64];
    size_t n = strlen(s);
    const char *suffix = " rows";
    size_t sl = strlen(suffix);
    if (n > sl && strcmp(s + n - sl, suffix) == 0 && n - sl < sizeof num) {
        memcpy(num, s, n - sl);
        num[n - sl] = 0;
        return sl_parse_i64(num, rows) || *rows <= 0 ? SL_EINVAL : 0;
    }
    return sl_parse_size(s, bytes) || *bytes <= 0 ? SL_EINVAL : 0;
}

static int pq_create(const struct sl_conf *sink_conf, void **st,
                     struct sl_error *err)
{
    *st = NULL;
    struct pq_opts o;
    memset(&o, 0, sizeof o);
    int rc = sl__options_parse_own(pq_options, sink_conf, "sink", &o, err);
    if (rc)
        return rc;
    struct pq_enc *e = calloc(1, sizeof *e);
    if (!e) {
        sl_options_free(pq_options, &o);
        return sl_error_set(err, SL_ENOMEM, "parquet: out of memory");
    }
    const char *cz = o.compression ? o.compression : "snappy";
    e->cfg.codec = strcmp(cz, "zstd") == 0   ? PQ_CODEC_ZSTD
                   : strcmp(cz, "gzip") == 0 ? PQ_CODEC_GZIP
                   : strcmp(cz, "none") == 0 ? PQ_CODEC_NONE
                                             : PQ_CODEC_SNAPPY;
    int64_t lv = o.compression_level;
    if (lv < 0 || (e->cfg.codec == PQ_CODEC_ZSTD && lv > 19) ||
        (e->cfg.codec == PQ_CODEC_GZIP && lv > 9)) {
        rc = sl_error_set(err, SL_EINVAL,
                          "sink: compression_level %lld is out of range for "
                          "%s (zstd 1..19, gzip 1..9, 0 = default)",
                          (long long)lv, cz);
        sl_options_free(pq_options, &o);
        free(e);
        return rc;
    }
    e->cfg.zstd_level = lv ? (int)lv : 3;
    e->cfg.gzip_level = lv ? (int)lv : 6;
    e->cfg.dictionary = o.dictionary;
    e->cfg.page_size = o.page_size > 0 ? (size_t)o.page_size : 1 << 20;
    e->cfg.dict_limit =
        o.dictionary_page_size > 0 ? (size_t)o.dictionary_page_size : 1 << 20;
    if (parse_rg_size(o.row_group_size ? o.row_group_size : "64MiB",
                      &e->rg_bytes, &e->rg_rows)) {
        rc = sl_error_set(err, SL_EINVAL,
                          "sink: row_group_size '%s' is neither a size "
                          "(\"128MiB\") nor a row count (\"100000 rows\")",
                          o.row_group_size);
        sl_options_free(pq_options, &o);
        free(e);
        return rc;
    }
    sl_options_free(pq_options, &o);
    if (e->cfg.codec == PQ_CODEC_ZSTD)
        e->cfg.zstd_ctx = ZSTD_createCCtx(); /* NULL: one-shot calls */
    sl_buf_init(&e->scratch[0], 0);
    sl_buf_init(&e->scratch[1], 0);
    *st = e;
    return 0;
}

static void pq_destroy(void *st)
{
    struct pq_enc *e = st;
    if (!e)
        return;
    reset_file(e);
    ZSTD_freeCCtx(e->cfg.zstd_ctx);
    for (size_t i = 0; i < e->n_meta; i++) {
        free(e->meta_k[i]);
        free(e->meta_v[i]);
    }
    free(e);
}

static int pq_meta(void *st, const char *key, const char *value)
{
    struct pq_enc *e = st;
    for (size_t i = 0; i < e->n_meta; i++)
        if (strcmp(e->meta_k[i], key) == 0) {
            char *v = strdup(value);
            if (!v)
                return SL_ENOMEM;
            free(e->meta_v[i]);
            e->meta_v[i] = v;
            return 0;
        }
    if (e->n_meta == MAX_META)
        return SL_ELIMIT;
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return SL_ENOMEM;
    }
    e->meta_k[e->n_meta] = k;
    e->meta_v[e->n_meta++] = v;
    return 0;
}

static int pq_begin(void *st, const struct sl_field *schema, struct sl_buf *out,
                    struct sl_error *err)
{
    struct pq_enc *e = st;
    reset_file(e);
    if (schema->type != SL_STRUCT)
        return sl_error_set(err, SL_EINVAL,
                            "parquet: the row schema must be a struct");
    int rc = sl_field_copy(&e->schema, schema);
    int n = rc ? 0 : count_leaves(&e->schema);
    if (!rc && n == 0)
        return sl_error_set(err, SL_EINVAL,
                            "parquet: the schema has no column Parquet can "
                            "hold (only structs without fields): %zu "
                            "top-level fields",
                            (size_t)schema->n_children);
    if (!rc) {
        e->leaves = calloc((size_t)n, sizeof *e->leaves);
        e->leaf_top = calloc((size_t)n, sizeof *e->leaf_top);
        if (!e->leaves || !e->leaf_top)
            rc = SL_ENOMEM;
    }
    struct flat fl = {.e = e};
    for (uint32_t i = 0; !rc && i < e->schema.n_children; i++) {
        const struct sl_field *f = &e->schema.children[i];
        if (!has_leaves(f))
            continue;
        fl.top = i;
        rc = flatten(&fl, f, f->name ? f->name : "", false, 0, 0, 0, 0);
    }
    if (!rc)
        rc = sl_buf_append(out, "PAR1", 4);
    if (rc) {
        reset_file(e);
        if (rc == SL_ELIMIT)
            return sl_error_set(err, rc,
                                "parquet: the schema nests deeper than 60");
        return sl_error_set(err, rc, "parquet: starting a file: %s",
                            sl_strerror(rc));
    }
    e->pos = 4;
    e->begun = true;
    return 0;
}

static int flush_rg(struct pq_enc *e, struct sl_buf *out, struct sl_error *err)
{
    if (e->rows_now == 0)
        return 0;
    if (e->n_rgs == e->cap_rgs) {
        size_t nc = e->cap_rgs ? e->cap_rgs * 2 : 4;
        struct rg_meta *r = realloc(e->rgs, nc * sizeof *r);
        if (!r)
            return sl_error_set(err, SL_ENOMEM, "parquet: out of memory");
        e->rgs = r;
        e->cap_rgs = nc;
    }
    struct rg_meta *g = &e->rgs[e->n_rgs];
    g->cols = calloc(e->n_leaves, sizeof *g->cols);
    if (!g->cols)
        return sl_error_set(err, SL_ENOMEM, "parquet: out of memory");
    e->n_rgs++;
    g->rows = e->rows_now;
    g->offset = e->pos;
    size_t start = out->len;
    for (size_t i = 0; i < e->n_leaves; i++) {
        int rc = sl__pq_col_flush(&e->leaves[i], &e->cfg, out,
                                  e->pos + (int64_t)(out->len - start),
                                  e->scratch, &g->cols[i], err);
        if (rc)
            return rc;
    }
    e->pos += (int64_t)(out->len - start);
    e->rows_total += e->rows_now;
    e->rows_now = 0;
    return 0;
}

static size_t rg_size(const struct pq_enc *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n_leaves; i++)
        n += sl__pq_col_size(&e->leaves[i]);
    return n;
}

/* The batch column of each top-level schema field (by position when the
 * names agree, else by name). */
static const struct sl_col *top_col(const struct sl_batch *b,
                                    const struct sl_field *f, uint32_t i)
{
    const struct sl_col *root = &b->root;
    if (i < root->n_child && root->child[i].name &&
        strcmp(root->child[i].name, f->name) == 0)
        return &root->child[i];
    for (uint32_t k = 0; k < root->n_child; k++)
        if (root->child[k].name && strcmp(root->child[k].name, f->name) == 0)
            return &root->child[k];
    return NULL;
}

static int pq_write(void *st, const struct sl_batch *b, const uint32_t *sel,
                    size_t n, struct sl_buf *out, struct sl_error *err)
{
    struct pq_enc *e = st;
    if (!e->begun)
        return sl_error_set(err, SL_EINVAL, "parquet: write before begin");
    const struct sl_col *tops[256];
    const struct sl_col **top = tops;
    const struct sl_col **heap = NULL;
    if (e->schema.n_children > 256) {
        heap = calloc(e->schema.n_children, sizeof *heap);
        if (!heap)
            return sl_error_set(err, SL_ENOMEM, "parquet: out of memory");
        top = heap;
    }
    int rc = 0;
    for (size_t i = 0; i < e->n_leaves && !rc; i++) {
        uint32_t k = e->leaf_top[i];
        const struct sl_field *f = &e->schema.children[k];
        if (!(top[k] = top_col(b, f, k)))
            rc = sl_error_set(err, SL_EINVAL,
                              "parquet: column '%s' of the file's schema is "
                              "not in the batch",
                              f->name);
    }
    size_t done = 0;
    while (!rc && done < n) {
        size_t to_check = CHECK - (size_t)(e->rows_now % CHECK);
        size_t take = n - done < to_check ? n - done : to_check;
        if (e->rg_rows && (int64_t)take > e->rg_rows - e->rows_now)
            take = (size_t)(e->rg_rows - e->rows_now);
        for (size_t i = 0; i < e->n_leaves && !rc; i++)
            rc = sl__pq_col_write(&e->leaves[i], &e->cfg, top[e->leaf_top[i]],
                                  sel, done, take, e->scratch, err);
        if (rc)
            break;
        done += take;
        e->rows_now += (int64_t)take;
        if ((e->rg_rows && e->rows_now >= e->rg_rows) ||
            (e->rg_bytes && e->rows_now % CHECK == 0 &&
             rg_size(e) >= (size_t)e->rg_bytes))
            rc = flush_rg(e, out, err);
    }
    free(heap);
    return rc;
}

static int pq_finish(void *st, struct sl_buf *out, struct sl_error *err)
{
    struct pq_enc *e = st;
    if (!e->begun)
        return sl_error_set(err, SL_EINVAL, "parquet: finish before begin");
    int rc = flush_rg(e, out, err);
    if (!rc)
        rc = footer(e, out, err);
    reset_file(e);
    return rc;
}

const struct sl_encoder_ops sl_encoder_parquet = {
    .name = "parquet",
    .extension = "parquet",
    .options = pq_options,
    .create = pq_create,
    .begin = pq_begin,
    .write = pq_write,
    .finish = pq_finish,
    .meta = pq_meta,
    .destroy = pq_destroy,
};
