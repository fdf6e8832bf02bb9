/*
 * parquet_int.h - internals of the Parquet encoder (parquet*.c), shared by
 * its files and by the unit tests and fuzz harness.
 *
 * The writer follows the Apache Parquet format specification:
 *   file      = "PAR1" row-group* FileMetaData len(4, LE) "PAR1"
 *   row group = one column chunk per leaf column, in schema order
 *   chunk     = [dictionary page] data page+ (each: PageHeader + body)
 *   data page v1 body = [rep levels] [def levels] values, levels as the
 *               RLE/bit-packed hybrid with a 4-byte length prefix.
 * Metadata structs are Thrift, compact protocol (parquet_thrift.c).
 * Nothing here is public API: names are sl__pq_* (internal, non-static).
 */
#ifndef SL_PARQUET_INT_H
#define SL_PARQUET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "schema.h"

/* ---- Parquet enums (parquet.thrift) ---- */

enum {
    PQ_BOOLEAN = 0,
    PQ_INT32 = 1,
    PQ_INT64 = 2,
    PQ_FLOAT = 4,
    PQ_DOUBLE = 5,
    PQ_BYTE_ARRAY = 6,
    PQ_FLBA = 7,
};
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum {
    PQ_CT_UTF8 = 0,
    PQ_CT_MAP = 1,
    PQ_CT_MAP_KEY_VALUE = 2,
    PQ_CT_LIST = 3,
    PQ_CT_DECIMAL = 5,
    PQ_CT_DATE = 6,
    PQ_CT_TIMESTAMP_MICROS = 10,
};
enum {
    PQ_ENC_PLAIN = 0,
    PQ_ENC_RLE = 3,
    PQ_ENC_RLE_DICTIONARY = 8,
};
enum {
    PQ_CODEC_NONE = 0,
    PQ_CODEC_SNAPPY = 1,
    PQ_CODEC_GZIP = 2,
    PQ_CODEC_ZSTD = 6,
};
enum { PQ_PAGE_DATA = 0, PQ_PAGE_DICTIONARY = 2 };

/* ---- Thrift compact protocol writer (parquet_thrift.c) ---- */

enum {
    PQ_T_TRUE = 1,
    PQ_T_FALSE = 2,
    PQ_T_BYTE = 3,
    PQ_T_I16 = 4,
    PQ_T_I32 = 5,
    PQ_T_I64 = 6,
    PQ_T_DOUBLE = 7,
    PQ_T_BINARY = 8,
    PQ_T_LIST = 9,
    PQ_T_SET = 10,
    PQ_T_MAP = 11,
    PQ_T_STRUCT = 12,
};

#define PQ_TW_DEPTH 16

/* Writes one Thrift struct (the message) into out. Errors are sticky: the
 * first failing append sets rc and later calls do nothing. */
struct sl__pq_tw {
    struct sl_buf *out;
    int16_t last[PQ_TW_DEPTH]; /* last field id written, per nesting */
    int depth;
    int rc;
};

void sl__pq_tw_init(struct sl__pq_tw *t, struct sl_buf *out);
void sl__pq_tw_i32(struct sl__pq_tw *t, int16_t id, int32_t v);
void sl__pq_tw_i64(struct sl__pq_tw *t, int16_t id, int64_t v);
void sl__pq_tw_bool(struct sl__pq_tw *t, int16_t id, bool v);
void sl__pq_tw_bin(struct sl__pq_tw *t, int16_t id, const void *p, size_t n);
void sl__pq_tw_str(struct sl__pq_tw *t, int16_t id, const char *s);
/* Field `id` holding a struct; close it with sl__pq_tw_end. */
void sl__pq_tw_struct(struct sl__pq_tw *t, int16_t id);
/* Field `id` holding a list of n elements of thrift type `elem`. */
void sl__pq_tw_list(struct sl__pq_tw *t, int16_t id, int elem, size_t n);
/* List elements. */
void sl__pq_tw_elem_struct(struct sl__pq_tw *t); /* close with _end */
void sl__pq_tw_elem_i32(struct sl__pq_tw *t, int32_t v);
void sl__pq_tw_elem_bin(struct sl__pq_tw *t, const void *p, size_t n);
/* End the innermost struct (writes the stop byte); at depth 0 it ends the
 * message. Returns t->rc. */
int sl__pq_tw_end(struct sl__pq_tw *t);

/* Varints as Thrift compact and Parquet's RLE hybrid use them. */
int sl__pq_put_uvarint(struct sl_buf *b, uint64_t v);
static inline uint64_t sl__pq_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* ---- minimal footer reader (parquet_read.c), for tests and fuzzing ---- */

struct sl__pq_footer {
    int32_t version;
    int64_t num_rows; /* FileMetaData.num_rows */
    int64_t rg_rows;  /* sum of RowGroup.num_rows */
    size_t n_schema;  /* SchemaElements */
    size_t n_row_groups;
    size_t n_columns; /* ColumnChunks over all row groups */
    size_t n_kv;      /* key-value metadata entries */
    uint32_t meta_len;
};

/* Check the magic at both ends and walk FileMetaData with a generic
 * compact-protocol reader; every data/dictionary page offset must lie
 * inside the file. SL_ECORRUPT with a message on any violation. */
int sl__pq_footer_read(const uint8_t *file, size_t n, struct sl__pq_footer *f,
                       struct sl_error *err);

/* ---- RLE / bit-packed hybrid (parquet_levels.c) ---- */

/* Bits needed for values 0..max. */
int sl__pq_bit_width(uint32_t max);
/* Append the hybrid encoding of v[0..n) (elements of esz = 2 or 4 bytes,
 * each < 2^bit_width) to out. No length prefix. */
int sl__pq_rle_encode(struct sl_buf *out, const void *v, size_t esz, size_t n,
                      int bit_width);

/* ---- dictionary (parquet_dict.c) ---- */

/* Distinct values of one column chunk, PLAIN-encoded in `data` in
 * insertion order (byte arrays with their 4-byte length). */
struct sl__pq_dict {
    uint64_t *slots; /* open addressing: hash << 32 | entry index + 1;
                        0 = empty */
    size_t n_slots;  /* power of two */
    uint32_t *hash;  /* per entry */
    uint32_t *off;   /* per entry: start in data */
    size_t n, cap;   /* entries */
    size_t width;    /* fixed value width, 0 = byte array */
    struct sl_buf data;
};

void sl__pq_dict_init(struct sl__pq_dict *d, size_t width);
void sl__pq_dict_free(struct sl__pq_dict *d);
void sl__pq_dict_clear(struct sl__pq_dict *d);
/* Index of value p[0..n) (the plain bytes for fixed widths, the raw bytes
 * for byte arrays), adding it when new. */
int sl__pq_dict_put(struct sl__pq_dict *d, const void *p, size_t n,
                    uint32_t *idx);

/* ---- one leaf column (parquet_column.c) ---- */

/* One step of the path from a top-level column down to a leaf. */
enum pq_step_kind { PQ_STEP_LEAF, PQ_STEP_STRUCT, PQ_STEP_LIST, PQ_STEP_MAP };
struct sl__pq_step {
    enum pq_step_kind kind;
    bool optional;
    uint16_t rep;      /* repetition level of the elements (list/map) */
    uint32_t child;    /* which child column to follow (struct field index,
                          map: 0 key 1 value) */
    const char *name;  /* struct child name, to find it when not in place */
    enum sl_type type; /* expected batch column type */
};

struct sl__pq_stats {
    int64_t nulls;
    bool has; /* min/max set */
    bool nan; /* a float NaN was seen: no min/max for the chunk */
    int64_t imin, imax;
    double dmin, dmax;
    __int128 qmin, qmax;
    struct sl_buf bmin, bmax;
};

/* What the footer needs about one written column chunk. */
struct sl__pq_chunk_meta {
    int64_t dict_off; /* -1 = none */
    int64_t data_off;
    int64_t num_values;
    int64_t unc, comp; /* page sizes incl. headers */
    uint32_t enc_mask; /* 1 << encoding */
    int64_t nulls;
    uint8_t *min, *max; /* PLAIN bytes, NULL = not written */
    uint32_t min_len, max_len;
};

struct sl__pq_cfg {
    int codec;
    size_t page_size;
    size_t dict_limit; /* max dictionary bytes before falling back */
    bool dictionary;
    int zstd_level, gzip_level;
    void *zstd_ctx; /* ZSTD_CCtx reused page after page (owned by parquet.c) */
};

struct sl__pq_col {
    /* fixed for the file */
    struct sl__pq_step *steps;
    size_t n_steps;
    char **path; /* path_in_schema */
    size_t path_n;
    enum sl_type stype;
    int ptype;
    int32_t type_len; /* FLBA width */
    uint16_t max_def, max_rep;
    /* current page */
    uint16_t *def, *rep;
    size_t n_lv, cap_lv;
    struct sl_buf vals; /* PLAIN values (plain mode) */
    size_t n_bits;      /* booleans packed in vals */
    uint32_t *idx;      /* dictionary indices (dict mode) */
    size_t n_idx, cap_idx;
    size_t page_raw; /* plain-equivalent bytes in the page */
    /* column chunk */
    struct sl__pq_dict dict;
    bool dict_mode, dict_checked;
    int dict_pages;
    struct sl_buf pages; /* compressed data pages with headers */
    int64_t num_values, unc, comp;
    uint32_t enc_mask;
    struct sl__pq_stats st;
};

int sl__pq_col_init(struct sl__pq_col *c, const struct sl__pq_cfg *cfg);
void sl__pq_col_free(struct sl__pq_col *c);
/* Append the levels and values of top-level slots rows[0..n) (or
 * first..first+n when rows is NULL) of the top-level column `top`. */
int sl__pq_col_write(struct sl__pq_col *c, const struct sl__pq_cfg *cfg,
                     const struct sl_col *top, const uint32_t *rows,
                     size_t first, size_t n, struct sl_buf *scratch,
                     struct sl_error *err);
/* Bytes this chunk stands for so far (uncompressed pages, the open page,
 * the dictionary): what row_group_size is compared with. */
size_t sl__pq_col_size(const struct sl__pq_col *c);
/* Write the chunk (dictionary page, data pages) to out at file offset
 * `pos`, fill *m, and reset the chunk for the next row group. */
int sl__pq_col_flush(struct sl__pq_col *c, const struct sl__pq_cfg *cfg,
                     struct sl_buf *out, int64_t pos, struct sl_buf *scratch,
                     struct sl__pq_chunk_meta *m, struct sl_error *err);

/* Compress src into dst (replacing its contents) with cfg->codec. */
int sl__pq_compress(const struct sl__pq_cfg *cfg, const uint8_t *src, size_t n,
                    struct sl_buf *dst, struct sl_error *err);

#endif
