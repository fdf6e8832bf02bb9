/*
 * parquet_column.c - one leaf column of a Parquet file: levels, values,
 * pages, dictionary, statistics.
 *
 * parquet.c flattens the schema into leaf columns; for each one it calls
 * sl__pq_col_write with the top-level batch column, and this file walks
 * the nested batch columns (batch.h layout) down the leaf's path, producing
 * for every value slot a (repetition level, definition level) pair and,
 * when the value is present, the value itself (Dremel striping):
 *   - an optional node that is null ends the walk with the levels so far;
 *   - a present optional node adds 1 to the definition level;
 *   - a list/map slot with no elements ends the walk (like a null, one
 *     definition level deeper than a null list); its elements add 1 more
 *     (the repeated group) and all but the first take the list's
 *     repetition level.
 * Values go into the open data page, dictionary-encoded (RLE_DICTIONARY)
 * while the dictionary stays under cfg->dict_limit and pays for itself on
 * the first page, PLAIN afterwards. A page is closed at a row boundary once
 * it holds about cfg->page_size bytes; closed pages are compressed and kept
 * in memory until parquet.c flushes the row group (the dictionary page must
 * come first in the chunk, and is only known at the end).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet_int.h"

#define MAX_PAGE_LEVELS (256u * 1024) /* level entries per page */
#define MAX_STAT_BYTES 4096 /* longer byte-array min/max are left out */
#define DICT_PROBE 16384    /* values seen before judging the dictionary */
#define SL_ERANGE_DECIMAL 1 /* value(): a decimal too wide for its column */

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "PLAIN encoding is written from little-endian memory");

int sl__pq_compress(const struct sl__pq_cfg *cfg, const uint8_t *src, size_t n,
                    struct sl_buf *dst, struct sl_error *err)
{
    sl_buf_reset(dst);
    int rc = 0;
    switch (cfg->codec) {
    case PQ_CODEC_NONE:
        rc = sl_buf_append(dst, src, n);
        break;
    case PQ_CODEC_SNAPPY: {
        size_t cap = snappy_max_compressed_length(n);
        if ((rc = sl_buf_reserve(dst, cap)))
            break;
        size_t got = cap;
        if (snappy_compress((const char *)src, n, (char *)dst->data, &got) !=
            SNAPPY_OK)
            return sl_error_set(err, SL_EIO, "parquet: snappy failed");
        dst->len = got;
        break;
    }
    case PQ_CODEC_ZSTD: {
        size_t cap = ZSTD_compressBound(n);
        if ((rc = sl_buf_reserve(dst, cap)))
            break;
        size_t got =
            cfg->zstd_ctx
                ? ZSTD_compressCCtx(cfg->zstd_ctx, dst->data, cap, src, n,
                                    cfg->zstd_level)
                : ZSTD_compress(dst->data, cap, src, n, cfg->zstd_level);
        if (ZSTD_isError(got))
            return sl_error_set(err, SL_EIO, "parquet: zstd failed: %s",
                                ZSTD_getErrorName(got));
        dst->len = got;
        break;
    }
    case PQ_CODEC_GZIP: {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        /* 15 + 16: a gzip (RFC 1952) stream, as Parquet's GZIP codec is */
        if (deflateInit2(&zs, cfg->gzip_level, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return sl_error_set(err, SL_ENOMEM, "parquet: gzip init failed");
        size_t cap = deflateBound(&zs, (uLong)n) + 32;
        if ((rc = sl_buf_reserve(dst, cap))) {
            deflateEnd(&zs);
            break;
        }
        zs.next_in = (Bytef *)src;
        zs.avail_in = (uInt)n;
        zs.next_out = dst->data;
        zs.avail_out = (uInt)cap;
        int zr = deflate(&zs, Z_FINISH);
        dst->len = zs.total_out;
        deflateEnd(&zs);
        if (zr != Z_STREAM_END)
            return sl_error_set(err, SL_EIO, "parquet: gzip failed (%d)", zr);
        break;
    }
    default:
        return sl_error_set(err, SL_EINVAL, "parquet: unknown codec %d",
                            cfg->codec);
    }
    if (rc)
        return sl_error_set(err, rc, "parquet: compressing a page: %s",
                            sl_strerror(rc));
    return 0;
}

static size_t plain_width(const struct sl__pq_col *c)
{
    switch (c->ptype) {
    case PQ_INT32:
    case PQ_FLOAT:
        return 4;
    case PQ_INT64:
    case PQ_DOUBLE:
        return 8;
    case PQ_FLBA:
        return (size_t)c->type_len;
    default:
        return 0;
    }
}

static bool dict_eligible(const struct sl__pq_col *c,
                          const struct sl__pq_cfg *cfg)
{
    return cfg->dictionary && c->ptype != PQ_BOOLEAN && c->stype != SL_NULLTYPE;
}

static void stats_reset(struct sl__pq_stats *s)
{
    s->nulls = 0;
    s->has = s->nan = false;
    sl_buf_reset(&s->bmin);
    sl_buf_reset(&s->bmax);
}

int sl__pq_col_init(struct sl__pq_col *c, const struct sl__pq_cfg *cfg)
{
    sl__pq_dict_init(&c->dict, plain_width(c));
    sl_buf_init(&c->vals, 0);  /* bounded by page_size (+ one value) */
    sl_buf_init(&c->pages, 0); /* bounded by row_group_size */
    sl_buf_init(&c->st.bmin, 0);
    sl_buf_init(&c->st.bmax, 0);
    c->dict_mode = dict_eligible(c, cfg);
    return 0;
}

void sl__pq_col_free(struct sl__pq_col *c)
{
    if (!c)
        return;
    free(c->steps);
    for (size_t i = 0; i < c->path_n; i++)
        free(c->path[i]);
    free(c->path);
    free(c->def);
    free(c->rep);
    free(c->idx);
    sl_buf_free(&c->vals);
    sl_buf_free(&c->pages);
    sl_buf_free(&c->st.bmin);
    sl_buf_free(&c->st.bmax);
    sl__pq_dict_free(&c->dict);
    memset(c, 0, sizeof *c);
}

/* ---- levels and values of the open page ---- */

static int level(struct sl__pq_col *c, uint16_t rep, uint16_t def)
{
    if (c->n_lv == c->cap_lv) {
        size_t nc = c->cap_lv ? c->cap_lv * 2 : 1024;
        uint16_t *d = realloc(c->def, nc * sizeof *d);
        if (!d)
            return SL_ENOMEM;
        c->def = d;
        uint16_t *r = realloc(c->rep, nc * sizeof *r);
        if (!r)
            return SL_ENOMEM;
        c->rep = r;
        c->cap_lv = nc;
    }
    c->def[c->n_lv] = def;
    c->rep[c->n_lv] = rep;
    c->n_lv++;
    return 0;
}

static void stat_int(struct sl__pq_stats *s, int64_t v)
{
    if (!s->has) {
        s->imin = s->imax = v;
        s->has = true;
    } else if (v < s->imin) {
        s->imin = v;
    } else if (v > s->imax) {
        s->imax = v;
    }
}

static void stat_dbl(struct sl__pq_stats *s, double v)
{
    if (isnan(v)) {
        /* parquet.thrift leaves NaN out of min/max and asks readers to
         * look for NaN elsewhere, but DuckDB prunes a row group whose
         * max is below a NaN it looks for: a chunk with NaN gets no
         * min/max at all (null_count stays). */
        s->nan = true;
        return;
    }
    if (!s->has) {
        s->dmin = s->dmax = v;
        s->has = true;
        return;
    }
    if (v < s->dmin || (v == 0 && s->dmin == 0 && signbit(v)))
        s->dmin = v;
    if (v > s->dmax || (v == 0 && s->dmax == 0 && !signbit(v)))
        s->dmax = v;
}

static void stat_dec(struct sl__pq_stats *s, __int128 v)
{
    if (!s->has) {
        s->qmin = s->qmax = v;
        s->has = true;
    } else if (v < s->qmin) {
        s->qmin = v;
    } else if (v > s->qmax) {
        s->qmax = v;
    }
}

static int bytes_cmp(const struct sl_buf *a, const uint8_t *p, size_t n)
{
    size_t m = a->len < n ? a->len : n;
    int r = m ? memcmp(a->data, p, m) : 0;
    if (r)
        return r;
    return a->len < n ? -1 : a->len > n;
}

static int stat_bytes(struct sl__pq_stats *s, const uint8_t *p, size_t n)
{
    int rc = 0;
    if (!s->has || bytes_cmp(&s->bmin, p, n) > 0) {
        sl_buf_reset(&s->bmin);
        rc = sl_buf_append(&s->bmin, p, n);
    }
    if (!rc && (!s->has || bytes_cmp(&s->bmax, p, n) < 0)) {
        sl_buf_reset(&s->bmax);
        rc = sl_buf_append(&s->bmax, p, n);
    }
    s->has = true;
    return rc;
}

static void to_be(__int128 v, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Append one present value of leaf slot `slot`. */
static int value(struct sl__pq_col *c, const struct sl_col *leaf, size_t slot)
{
    uint8_t fixed[16];
    const uint8_t *p = fixed;
    size_t n = plain_width(c);
    int rc;
    switch (c->stype) {
    case SL_BOOLEAN: {
        uint8_t v = SL_COL_VALUES(leaf, uint8_t)[slot] ? 1 : 0;
        stat_int(&c->st, v);
        if ((c->n_bits & 7) == 0 && (rc = sl_buf_putc(&c->vals, 0)))
            return rc;
        c->vals.data[c->vals.len - 1] |= (uint8_t)(v << (c->n_bits & 7));
        c->n_bits++;
        c->page_raw++; /* a bit, counted as a byte: pages stay small */
        return 0;
    }
    case SL_INT:
    case SL_DATE: {
        int32_t v = SL_COL_VALUES(leaf, int32_t)[slot];
        stat_int(&c->st, v);
        memcpy(fixed, &v, 4);
        break;
    }
    case SL_BIGINT:
    case SL_TIMESTAMP: {
        int64_t v = SL_COL_VALUES(leaf, int64_t)[slot];
        stat_int(&c->st, v);
        memcpy(fixed, &v, 8);
        break;
    }
    case SL_FLOAT: {
        float v = SL_COL_VALUES(leaf, float)[slot];
        stat_dbl(&c->st, v);
        memcpy(fixed, &v, 4);
        break;
    }
    case SL_DOUBLE: {
        double v = SL_COL_VALUES(leaf, double)[slot];
        stat_dbl(&c->st, v);
        memcpy(fixed, &v, 8);
        break;
    }
    case SL_DECIMAL: {
        __int128 v;
        memcpy(&v, (const uint8_t *)leaf->values + slot * sizeof v, sizeof v);
        /* the unscaled value must fit the physical type chosen for the
         * precision; a larger one would be written truncated */
        int bits = c->ptype == PQ_INT32   ? 32
                   : c->ptype == PQ_INT64 ? 64
                                          : 8 * (int)n;
        if (bits < 128 && (v >> (bits - 1)) != 0 && (v >> (bits - 1)) != -1)
            return SL_ERANGE_DECIMAL;
        if (c->ptype == PQ_INT32) {
            int32_t x = (int32_t)v;
            stat_int(&c->st, x);
            memcpy(fixed, &x, 4);
        } else if (c->ptype == PQ_INT64) {
            int64_t x = (int64_t)v;
            stat_int(&c->st, x);
            memcpy(fixed, &x, 8);
        } else {
            stat_dec(&c->st, v);
            to_be(v, fixed, n);
        }
        break;
    }
    case SL_STRING:
    case SL_BINARY: {
        int32_t a = leaf->off[slot], e = leaf->off[slot + 1];
        p = leaf->data + a;
        n = (size_t)(e - a);
        if ((rc = stat_bytes(&c->st, p, n)))
            return rc;
        break;
    }
    default:
        return SL_EINVAL;
    }
    bool ba = c->ptype == PQ_BYTE_ARRAY;
    c->page_raw += n + (ba ? 4 : 0);
    if (c->dict_mode) {
        if (c->n_idx == c->cap_idx) {
            size_t nc = c->cap_idx ? c->cap_idx * 2 : 1024;
            uint32_t *ni = realloc(c->idx, nc * sizeof *ni);
            if (!ni)
                return SL_ENOMEM;
            c->idx = ni;
            c->cap_idx = nc;
        }
        return sl__pq_dict_put(&c->dict, p, n, &c->idx[c->n_idx++]);
    }
    if (ba) {
        uint32_t len = (uint32_t)n;
        if ((rc = sl_buf_append(&c->vals, &len, 4)))
            return rc;
    }
    return sl_buf_append(&c->vals, p, n);
}

/* ---- pages ---- */

static int put_levels(struct sl_buf *body, const uint16_t *lv, size_t n,
                      uint16_t max)
{
    size_t at = body->len;
    uint32_t len = 0;
    int rc = sl_buf_append(body, &len, 4);
    if (!rc)
        rc = sl__pq_rle_encode(body, lv, 2, n, sl__pq_bit_width(max));
    if (rc)
        return rc;
    len = (uint32_t)(body->len - at - 4);
    memcpy(body->data + at, &len, 4);
    return 0;
}

/* Append PageHeader + compressed body to dst; returns header+body sizes. */
static int page_out(const struct sl__pq_cfg *cfg, struct sl_buf *dst, int type,
                    const struct sl_buf *body, int32_t num_values, int encoding,
                    struct sl_buf *comp, int64_t *unc, int64_t *cmp,
                    struct sl_error *err)
{
    int rc = sl__pq_compress(cfg, body->data, body->len, comp, err);
    if (rc)
        return rc;
    if (body->len > INT32_MAX || comp->len > INT32_MAX)
        return sl_error_set(err, SL_ELIMIT,
                            "parquet: a page of %zu bytes is over 2 GiB",
                            body->len);
    size_t at = dst->len;
    struct sl__pq_tw t;
    sl__pq_tw_init(&t, dst);
    sl__pq_tw_i32(&t, 1, type);
    sl__pq_tw_i32(&t, 2, (int32_t)body->len);
    sl__pq_tw_i32(&t, 3, (int32_t)comp->len);
    if (type == PQ_PAGE_DATA) {
        sl__pq_tw_struct(&t, 5); /* DataPageHeader */
        sl__pq_tw_i32(&t, 1, num_values);
        sl__pq_tw_i32(&t, 2, encoding);
        sl__pq_tw_i32(&t, 3, PQ_ENC_RLE);
        sl__pq_tw_i32(&t, 4, PQ_ENC_RLE);
    } else {
        sl__pq_tw_struct(&t, 7); /* DictionaryPageHeader */
        sl__pq_tw_i32(&t, 1, num_values);
        sl__pq_tw_i32(&t, 2, PQ_ENC_PLAIN);
    }
    sl__pq_tw_end(&t);
    if ((rc = sl__pq_tw_end(&t)) ||
        (rc = sl_buf_append(dst, comp->data, comp->len)))
        return sl_error_set(err, rc, "parquet: writing a page: %s",
                            sl_strerror(rc));
    size_t head = dst->len - at - comp->len;
    *unc += (int64_t)(head + body->len);
    *cmp += (int64_t)(head + comp->len);
    return 0;
}

static int flush_page(struct sl__pq_col *c, const struct sl__pq_cfg *cfg,
                      struct sl_buf *scratch, struct sl_error *err)
{
    if (c->n_lv == 0)
        return 0;
    struct sl_buf *body = &scratch[0];
    sl_buf_reset(body);
    int rc = 0;
    if (c->max_rep)
        rc = put_levels(body, c->rep, c->n_lv, c->max_rep);
    if (!rc && c->max_def)
        rc = put_levels(body, c->def, c->n_lv, c->max_def);
    size_t values_at = body->len;
    int enc = PQ_ENC_PLAIN;
    if (!rc && c->dict_mode) {
        enc = PQ_ENC_RLE_DICTIONARY;
        int w = sl__pq_bit_width(c->dict.n ? (uint32_t)(c->dict.n - 1) : 0);
        if (w == 0)
            w = 1;
        rc = sl_buf_putc(body, (char)w);
        if (!rc)
            rc = sl__pq_rle_encode(body, c->idx, 4, c->n_idx, w);
    } else if (!rc) {
        rc = sl_buf_append(body, c->vals.data, c->vals.len);
    }
    if (rc)
        return sl_error_set(err, rc, "parquet: encoding a page: %s",
                            sl_strerror(rc));
    if (c->dict_mode && !c->dict_checked) {
        /* First page: keep the dictionary only if it pays for itself. */
        c->dict_checked = true;
        if (c->dict.data.len + (body->len - values_at) >= c->page_raw)
            c->dict_mode = false;
    }
    if (enc == PQ_ENC_RLE_DICTIONARY)
        c->dict_pages++;
    if ((rc = page_out(cfg, &c->pages, PQ_PAGE_DATA, body, (int32_t)c->n_lv,
                       enc, &scratch[1], &c->unc, &c->comp, err)))
        return rc;
    c->enc_mask |= 1u << enc | 1u << PQ_ENC_RLE;
    c->num_values += (int64_t)c->n_lv;
    c->n_lv = c->n_idx = c->n_bits = c->page_raw = 0;
    sl_buf_reset(&c->vals);
    return 0;
}

/* The open page's dictionary indices back to PLAIN values, dropping the
 * dictionary: for a chunk whose first values show it does not pay. */
static int undo_dict(struct sl__pq_col *c)
{
    const struct sl__pq_dict *d = &c->dict;
    for (size_t i = 0; i < c->n_idx; i++) {
        uint32_t e = c->idx[i];
        size_t a = d->off[e];
        size_t z = e + 1 < d->n ? d->off[e + 1] : d->data.len;
        int rc = sl_buf_append(&c->vals, d->data.data + a, z - a);
        if (rc)
            return rc;
    }
    c->n_idx = 0;
    c->dict_mode = false;
    c->dict_checked = true;
    sl__pq_dict_clear(&c->dict);
    return 0;
}

/* Early look at the first DICT_PROBE values of a chunk: when the
 * dictionary plus the indices would not be smaller than PLAIN, stop now,
 * before a full page of nearly unique values fills a large dictionary. */
static int probe_dict(struct sl__pq_col *c)
{
    size_t w = (size_t)sl__pq_bit_width((uint32_t)c->dict.n);
    size_t dict_cost = c->dict.data.len + (c->n_idx * w + 7) / 8;
    if (dict_cost >= c->page_raw)
        return undo_dict(c);
    c->dict_checked = true;
    return 0;
}

/* ---- walking the nested columns ---- */

struct walk {
    struct sl__pq_col *c;
    const struct sl_col **cols; /* batch column of each step */
    struct sl_error *err;
};

static int not_nullable(struct walk *w, size_t k)
{
    char path[256];
    size_t at = 0;
    for (size_t i = 0; i < w->c->path_n && at < sizeof path; i++)
        at += (size_t)snprintf(path + at, sizeof path - at, "%s%s",
                               i ? "." : "", w->c->path[i]);
    return sl_error_set(w->err, SL_ETYPE,
                        "parquet: a null where the schema says not nullable "
                        "(column %s, level %zu)",
                        path, k);
}

static int walk(struct walk *w, size_t k, size_t slot, uint16_t rep,
                uint16_t def)
{
    struct sl__pq_col *c = w->c;
    const struct sl__pq_step *s = &c->steps[k];
    const struct sl_col *col = w->cols[k];
    bool valid = col->type != SL_NULLTYPE && sl_col_is_valid(col, slot);
    if (!valid) {
        if (!s->optional)
            return not_nullable(w, k);
        c->st.nulls++;
        return level(c, rep, def);
    }
    if (s->optional)
        def++;
    int rc;
    switch (s->kind) {
    case PQ_STEP_LEAF:
        if ((rc = level(c, rep, def)))
            return rc;
        rc = value(c, col, slot);
        if (rc == SL_ERANGE_DECIMAL)
            return sl_error_set(w->err, SL_ETYPE,
                                "parquet: column %s: a decimal value does not "
                                "fit the column's precision %u",
                                c->path[0], (unsigned)col->precision);
        return rc;
    case PQ_STEP_STRUCT:
        return walk(w, k + 1, slot, rep, def);
    case PQ_STEP_LIST:
    case PQ_STEP_MAP: {
        size_t a = (size_t)col->off[slot], e = (size_t)col->off[slot + 1];
        if (a == e) {
            c->st.nulls++;
            return level(c, rep, def);
        }
        for (size_t j = a; j < e; j++)
            if ((rc = walk(w, k + 1, j, j == a ? rep : s->rep,
                           (uint16_t)(def + 1))))
                return rc;
        return 0;
    }
    }
    return SL_EINVAL;
}

/* Find the batch column of every step, checking types. */
static int resolve(struct sl__pq_col *c, const struct sl_col *top,
                   const struct sl_col **cols, struct sl_error *err)
{
    const struct sl_col *col = top;
    for (size_t k = 0; k < c->n_steps; k++) {
        const struct sl__pq_step *s = &c->steps[k];
        if (col->type != s->type)
            return sl_error_set(err, SL_EINVAL,
                                "parquet: column %s is %s in the batch but "
                                "%s in the file's schema",
                                c->path[0], sl_type_name(col->type),
                                sl_type_name(s->type));
        cols[k] = col;
        if (s->kind == PQ_STEP_LEAF)
            break;
        const struct sl_col *next = NULL;
        const char *want = c->steps[k + 1].name; /* struct field name */
        if (s->child < col->n_child) {
            next = &col->child[s->child];
            if (s->kind == PQ_STEP_STRUCT &&
                (!next->name || strcmp(next->name, want) != 0))
                next = NULL;
        }
        for (uint32_t i = 0;
             !next && s->kind == PQ_STEP_STRUCT && i < col->n_child; i++)
            if (col->child[i].name && strcmp(col->child[i].name, want) == 0)
                next = &col->child[i];
        if (!next)
            return sl_error_set(err, SL_EINVAL,
                                "parquet: column %s: the batch lacks a nested "
                                "field the file's schema has",
                                c->path[0]);
        col = next;
    }
    return 0;
}

int sl__pq_col_write(struct sl__pq_col *c, const struct sl__pq_cfg *cfg,
                     const struct sl_col *top, const uint32_t *rows,
                     size_t first, size_t n, struct sl_buf *scratch,
                     struct sl_error *err)
{
    const struct sl_col *stack[64];
    const struct sl_col **cols = stack;
    if (c->n_steps > 64)
        return sl_error_set(err, SL_ELIMIT, "parquet: nesting over 64");
    int rc = resolve(c, top, cols, err);
    if (rc)
        return rc;
    struct walk w = {.c = c, .cols = cols, .err = err};
    for (size_t i = 0; i < n; i++) {
        size_t slot = rows ? rows[first + i] : first + i;
        if (slot >= top->len)
            return sl_error_set(err, SL_EINVAL,
                                "parquet: row %zu is past the batch (%zu)",
                                slot, top->len);
        if ((rc = walk(&w, 0, slot, 0, 0))) {
            if (rc != SL_ETYPE && rc != SL_EINVAL)
                sl_error_set(err, rc, "parquet: column %s: %s", c->path[0],
                             sl_strerror(rc));
            return rc;
        }
        if (c->dict_mode && !c->dict_checked && c->dict_pages == 0 &&
            c->n_idx >= DICT_PROBE && (rc = probe_dict(c)))
            return sl_error_set(err, rc, "parquet: out of memory");
        bool dict_full = c->dict_mode && c->dict.data.len > cfg->dict_limit;
        if (dict_full || c->page_raw >= cfg->page_size ||
            c->n_lv >= MAX_PAGE_LEVELS) {
            if ((rc = flush_page(c, cfg, scratch, err)))
                return rc;
            if (dict_full)
                c->dict_mode = false; /* fall back to PLAIN */
        }
    }
    return 0;
}

size_t sl__pq_col_size(const struct sl__pq_col *c)
{
    return (size_t)c->unc + c->page_raw + c->n_lv / 4 + c->dict.data.len;
}

/* PLAIN bytes of the min (or max) statistic into b; false if none. */
static bool stat_plain(const struct sl__pq_col *c, bool max, uint8_t *b,
                       const uint8_t **p, uint32_t *n)
{
    const struct sl__pq_stats *s = &c->st;
    if (!s->has || s->nan)
        return false;
    *p = b;
    switch (c->ptype) {
    case PQ_BOOLEAN:
        b[0] = (uint8_t)(max ? s->imax : s->imin);
        *n = 1;
        return true;
    case PQ_INT32: {
        int32_t v = (int32_t)(max ? s->imax : s->imin);
        memcpy(b, &v, 4);
        *n = 4;
        return true;
    }
    case PQ_INT64: {
        int64_t v = max ? s->imax : s->imin;
        memcpy(b, &v, 8);
        *n = 8;
        return true;
    }
    case PQ_FLOAT: {
        float v = (float)(max ? s->dmax : s->dmin);
        if (v == 0) /* -0.0 as min, +0.0 as max (parquet.thrift) */
            v = max ? 0.0f : -0.0f;
        memcpy(b, &v, 4);
        *n = 4;
        return true;
    }
    case PQ_DOUBLE: {
        double v = max ? s->dmax : s->dmin;
        if (v == 0)
            v = max ? 0.0 : -0.0;
        memcpy(b, &v, 8);
        *n = 8;
        return true;
    }
    case PQ_FLBA:
        to_be(max ? s->qmax : s->qmin, b, (size_t)c->type_len);
        *n = (uint32_t)c->type_len;
        return true;
    case PQ_BYTE_ARRAY: {
        const struct sl_buf *v = max ? &s->bmax : &s->bmin;
        if (s->bmin.len > MAX_STAT_BYTES || s->bmax.len > MAX_STAT_BYTES)
            return false;
        *p = v->data ? v->data : b;
        *n = (uint32_t)v->len;
        return true;
    }
    }
    return false;
}

static uint8_t *dup_bytes(const uint8_t *p, uint32_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

int sl__pq_col_flush(struct sl__pq_col *c, const struct sl__pq_cfg *cfg,
                     struct sl_buf *out, int64_t pos, struct sl_buf *scratch,
                     struct sl__pq_chunk_meta *m, struct sl_error *err)
{
    int rc = flush_page(c, cfg, scratch, err);
    if (rc)
        return rc;
    memset(m, 0, sizeof *m);
    m->dict_off = -1;
    size_t start = out->len;
    if (c->dict_pages > 0) {
        m->dict_off = pos;
        if ((rc = page_out(cfg, out, PQ_PAGE_DICTIONARY, &c->dict.data,
                           (int32_t)c->dict.n, PQ_ENC_PLAIN, &scratch[1],
                           &c->unc, &c->comp, err)))
            return rc;
        c->enc_mask |= 1u << PQ_ENC_PLAIN;
    }
    m->data_off = pos + (int64_t)(out->len - start);
    if ((rc = sl_buf_append(out, c->pages.data, c->pages.len)))
        return sl_error_set(err, rc, "parquet: writing a row group: %s",
                            sl_strerror(rc));
    m->num_values = c->num_values;
    m->unc = c->unc;
    m->comp = c->comp;
    m->enc_mask = c->enc_mask;
    m->nulls = c->st.nulls;
    uint8_t b1[16], b2[16];
    const uint8_t *p1, *p2;
    uint32_t n1, n2;
    if (stat_plain(c, false, b1, &p1, &n1) &&
        stat_plain(c, true, b2, &p2, &n2)) {
        m->min = dup_bytes(p1, n1);
        m->max = dup_bytes(p2, n2);
        if (!m->min || !m->max) {
            free(m->min);
            free(m->max);
            m->min = m->max = NULL;
            return sl_error_set(err, SL_ENOMEM, "parquet: out of memory");
        }
        m->min_len = n1;
        m->max_len = n2;
    }
    /* reset for the next row group */
    sl_buf_reset(&c->pages);
    sl__pq_dict_clear(&c->dict);
    c->dict_mode = dict_eligible(c, cfg);
    c->dict_checked = false;
    c->dict_pages = 0;
    c->num_values = c->unc = c->comp = 0;
    c->enc_mask = 0;
    stats_reset(&c->st);
    return 0;
}
