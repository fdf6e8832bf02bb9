/*
 * avro_out.c - `sink.format: avro`: Avro object container files (DESIGN.md
 * §4, encoder).
 *
 * begin() writes the header: "Obj\1", the metadata map (avro.schema: the
 * writer schema derived from the sluice schema by
 * sl_avro_schema_from_sluice; avro.codec) and the 16-byte sync marker.
 * write() encodes rows into an uncompressed block buffer and, when it
 * reaches avro_block_bytes, compresses it and appends the block (row
 * count, byte size, data, sync). finish() flushes the last block.
 *
 * sl_avro_datum_begin/write (avro_out.h) use the same value encoder for
 * sinks that produce one bare datum per message (the Kafka sink).
 *
 * Replays must rewrite the same bytes (DESIGN.md §2), so the sync marker
 * is not random: it is a 128-bit FNV-1a hash of the writer schema and the
 * codec. Block boundaries depend only on the rows.
 */
#include <stdlib.h>
#include <string.h>

#include "avro_bin.h"
#include "avro_codec.h"
#include "avro_out.h"
#include "avro_schema.h"
#include "part.h"
#include "text_out.h"

#define SYNC_LEN 16

struct out_opts {
    char *compression;
    int64_t level;
    int64_t block_bytes;
};

#define OOPT(m) offsetof(struct out_opts, m)
static const struct sl_option out_options[] = {
    {"compression", SL_OPT_ENUM, "deflate",
     "null|none|deflate|snappy|zstandard", false, OOPT(compression),
     "Avro block codec (avro format)"},
    {"compression_level", SL_OPT_INT, "0", NULL, false, OOPT(level),
     "codec level, 0 = default (deflate 1..9, default 6; zstandard 1..19, "
     "default 3)"},
    {"avro_block_bytes", SL_OPT_SIZE, "1MiB", NULL, false, OOPT(block_bytes),
     "uncompressed bytes per container block (avro format)"},
    {0},
};

struct avro_enc {
    enum sl_avro_codec codec;
    int level;
    size_t block_bytes;
    struct sl_field schema;
    bool open;
    uint8_t sync[SYNC_LEN];
    struct sl_buf block; /* rows of the current block, uncompressed */
    int64_t rows;        /* rows in block */
    struct sl_buf json;
    const struct sl_col **map; /* schema field -> batch column */
};

static void enc_destroy(void *st)
{
    struct avro_enc *e = st;
    if (!e)
        return;
    sl_field_free(&e->schema);
    sl_buf_free(&e->block);
    sl_buf_free(&e->json);
    free(e->map);
    free(e);
}

static int enc_create(const struct sl_conf *sink_conf, void **st,
                      struct sl_error *err)
{
    *st = NULL;
    struct out_opts o;
    memset(&o, 0, sizeof o);
    int rc = sl__options_parse_own(out_options, sink_conf, "sink", &o, err);
    if (rc)
        return rc;
    struct avro_enc *e = calloc(1, sizeof *e);
    if (!e) {
        sl_options_free(out_options, &o);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    const char *c = strcmp(o.compression, "none") == 0 ? "null" : o.compression;
    /* `compression: null` in YAML is a null, not the string: it means the
     * null codec here, not "use the default". */
    const struct sl_conf *cn = sl_conf_get(sink_conf, "compression");
    if (cn && sl_conf_is_null(cn))
        c = "null";
    e->codec = (enum sl_avro_codec)sl_avro_codec_find(c, strlen(c));
    int max = e->codec == SL_AVC_ZSTD ? 19 : 9;
    if (o.level < 0 || o.level > max)
        rc = sl_error_set(err, SL_EINVAL,
                          "sink: compression_level %lld is not 0..%d for %s",
                          (long long)o.level, max, c);
    else if (o.block_bytes < 1 || o.block_bytes > (1 << 30))
        rc = sl_error_set(err, SL_EINVAL,
                          "sink: avro_block_bytes %lld is not between 1 and "
                          "1GiB",
                          (long long)o.block_bytes);
    e->level = (int)o.level;
    e->block_bytes = (size_t)o.block_bytes;
    sl_options_free(out_options, &o);
    if (rc) {
        enc_destroy(e);
        return rc;
    }
    sl_buf_init(&e->block, 0); /* bounded by block_bytes + one row */
    sl_buf_init(&e->json, 16u << 20);
    *st = e;
    return 0;
}

static void make_sync(const uint8_t *p, size_t n, const char *codec,
                      uint8_t out[SYNC_LEN])
{
    uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < n; i++)
            h[k] = (h[k] ^ p[i]) * 0x100000001b3ull;
        for (const char *c = codec; *c; c++)
            h[k] = (h[k] ^ (uint8_t)*c) * 0x100000001b3ull;
        h[k] ^= h[k] >> 29;
        h[k] *= 0xbf58476d1ce4e5b9ull;
        h[k] ^= h[k] >> 32;
    }
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(h[0] >> (8 * i));
        out[8 + i] = (uint8_t)(h[1] >> (8 * i));
    }
}

/* Rows of `schema` from now on; the writer schema JSON into e->json. */
static int set_schema(struct avro_enc *e, const struct sl_field *schema,
                      struct sl_error *err)
{
    sl_field_free(&e->schema);
    int rc = sl_field_copy(&e->schema, schema);
    if (rc)
        return sl_error_set(err, rc, "out of memory");
    free(e->map);
    if (!(e->map = calloc(schema->n_children ? schema->n_children : 1,
                          sizeof *e->map)))
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    sl_buf_reset(&e->json);
    return sl_avro_schema_from_sluice(schema, &e->json, err);
}

static int enc_begin(void *st, const struct sl_field *schema,
                     struct sl_buf *out, struct sl_error *err)
{
    struct avro_enc *e = st;
    int rc = set_schema(e, schema, err);
    if (rc)
        return rc;
    const char *codec = sl_avro_codec_name(e->codec);
    make_sync(e->json.data, e->json.len, codec, e->sync);
    rc = sl_buf_append(out, "Obj\x01", 4);
    if (!rc)
        rc = sl_avro_buf_long(out, 2);
    if (!rc)
        rc = sl_avro_buf_bytes(out, "avro.schema", 11);
    if (!rc)
        rc = sl_avro_buf_bytes(out, e->json.data, e->json.len);
    if (!rc)
        rc = sl_avro_buf_bytes(out, "avro.codec", 10);
    if (!rc)
        rc = sl_avro_buf_bytes(out, codec, strlen(codec));
    if (!rc)
        rc = sl_avro_buf_long(out, 0);
    if (!rc)
        rc = sl_buf_append(out, e->sync, SYNC_LEN);
    if (rc)
        return sl_error_set(err, rc, "Avro header: %s", sl_strerror(rc));
    sl_buf_reset(&e->block);
    e->rows = 0;
    e->open = true;
    return 0;
}

static int put_value(struct sl_buf *o, const struct sl_field *f,
                     const struct sl_col *c, size_t i, bool with_null);

/* Zero value of a non-nullable field whose slot is null (should not
 * happen; keeps the file readable). */
static int put_zero(struct sl_buf *o, const struct sl_field *f)
{
    switch (f->type) {
    case SL_NULLTYPE:
        return 0;
    case SL_BOOLEAN:
        return sl_buf_putc(o, 0);
    case SL_FLOAT:
        return sl_buf_append(o, "\0\0\0\0", 4);
    case SL_DOUBLE:
        return sl_buf_append(o, "\0\0\0\0\0\0\0\0", 8);
    case SL_STRUCT:
        for (uint32_t k = 0; k < f->n_children; k++) {
            const struct sl_field *cf = &f->children[k];
            int rc = cf->nullable ? sl_buf_putc(o, 0) : put_zero(o, cf);
            if (rc)
                return rc;
        }
        return 0;
    default: /* ints, lengths, empty lists: a single 0 */
        return sl_buf_putc(o, 0);
    }
}

static int put_dec(struct sl_buf *o, __int128 v)
{
    uint8_t b[16];
    unsigned __int128 u = (unsigned __int128)v;
    for (int k = 15; k >= 0; k--) {
        b[k] = (uint8_t)u;
        u >>= 8;
    }
    int s = 0; /* drop redundant sign bytes */
    while (s < 15 && ((b[s] == 0 && !(b[s + 1] & 0x80)) ||
                      (b[s] == 0xff && (b[s + 1] & 0x80))))
        s++;
    return sl_avro_buf_bytes(o, b + s, (size_t)(16 - s));
}

static int put_key(struct sl_buf *o, const struct sl_col *k, size_t i)
{
    if (k->type == SL_STRING || k->type == SL_BINARY)
        return sl_avro_buf_bytes(o, k->data + k->off[i],
                                 (size_t)(k->off[i + 1] - k->off[i]));
    struct sl_buf t;
    sl_buf_init(&t, 1u << 20);
    int rc = sl_col_value_json(k, i, &t);
    size_t a = 0, n = t.len;
    if (!rc && n >= 2 && t.data[0] == '"' && t.data[n - 1] == '"') {
        a = 1;
        n -= 2;
    }
    if (!rc)
        rc = sl_avro_buf_bytes(o, t.data + a, n);
    sl_buf_free(&t);
    return rc;
}

static int put_value(struct sl_buf *o, const struct sl_field *f,
                     const struct sl_col *c, size_t i, bool with_null)
{
    if (f->type == SL_NULLTYPE)
        return 0; /* "null": no bytes, never in a union */
    bool valid = sl_col_is_valid(c, i);
    int rc;
    if (with_null && f->nullable) {
        if (!valid)
            return sl_buf_putc(o, 0); /* branch 0: null */
        if ((rc = sl_buf_putc(o, 2))) /* zigzag(1) */
            return rc;
    } else if (!valid) {
        return put_zero(o, f);
    }
    uint8_t b[8];
    switch (f->type) {
    case SL_NULLTYPE:
        return 0;
    case SL_BOOLEAN:
        return sl_buf_putc(o, SL_COL_VALUES(c, uint8_t)[i] ? 1 : 0);
    case SL_INT:
    case SL_DATE:
        return sl_avro_buf_long(o, SL_COL_VALUES(c, int32_t)[i]);
    case SL_BIGINT:
    case SL_TIMESTAMP:
        return sl_avro_buf_long(o, SL_COL_VALUES(c, int64_t)[i]);
    case SL_FLOAT:
        sl_avro_put_f32(b, SL_COL_VALUES(c, float)[i]);
        return sl_buf_append(o, b, 4);
    case SL_DOUBLE:
        sl_avro_put_f64(b, SL_COL_VALUES(c, double)[i]);
        return sl_buf_append(o, b, 8);
    case SL_DECIMAL:
        return put_dec(o, SL_COL_VALUES(c, __int128)[i]);
    case SL_STRING:
    case SL_BINARY:
        return sl_avro_buf_bytes(o, c->data + c->off[i],
                                 (size_t)(c->off[i + 1] - c->off[i]));
    case SL_ARRAY:
    case SL_MAP: {
        size_t a = (size_t)c->off[i], n = sl_col_list_len(c, i);
        if (n && (rc = sl_avro_buf_long(o, (int64_t)n)))
            return rc;
        for (size_t k = a; k < a + n; k++) {
            if (f->type == SL_MAP && (rc = put_key(o, &c->child[0], k)))
                return rc;
            const int vi = f->type == SL_MAP ? 1 : 0;
            if ((rc = put_value(o, &f->children[vi], &c->child[vi], k, true)))
                return rc;
        }
        return sl_buf_putc(o, 0);
    }
    case SL_STRUCT:
        for (uint32_t k = 0; k < f->n_children; k++)
            if ((rc = put_value(o, &f->children[k], &c->child[k], i, true)))
                return rc;
        return 0;
    }
    return SL_EINVAL;
}

static int flush_block(struct avro_enc *e, struct sl_buf *out,
                       struct sl_error *err)
{
    if (e->rows == 0)
        return 0;
    int rc = sl_avro_buf_long(out, e->rows);
    size_t size_at = out->len;
    /* Compress after a placeholder, then move the data behind the real
     * size varint. */
    uint8_t tmp[SL_AVRO_VARINT_MAX];
    if (!rc)
        rc = sl_buf_reserve(out, SL_AVRO_VARINT_MAX);
    if (rc)
        return sl_error_set(err, rc, "Avro block: %s", sl_strerror(rc));
    out->len += SL_AVRO_VARINT_MAX;
    size_t data_at = out->len;
    if ((rc = sl_avro_codec_encode(e->codec, e->level, e->block.data,
                                   e->block.len, out, err)))
        return rc;
    size_t size = out->len - data_at;
    size_t k = sl_avro_put_long(tmp, (int64_t)size);
    memcpy(out->data + size_at, tmp, k);
    memmove(out->data + size_at + k, out->data + data_at, size);
    out->len = size_at + k + size;
    if ((rc = sl_buf_append(out, e->sync, SYNC_LEN)))
        return sl_error_set(err, rc, "Avro block: %s", sl_strerror(rc));
    sl_buf_reset(&e->block);
    e->rows = 0;
    return 0;
}

/* Row i (columns mapped in e->map) as one datum appended to o. */
static int put_row(struct avro_enc *e, size_t i, struct sl_buf *o,
                   struct sl_error *err)
{
    const struct sl_field *f = &e->schema;
    for (uint32_t k = 0; k < f->n_children; k++) {
        int rc = put_value(o, &f->children[k], e->map[k], i, true);
        if (rc)
            return sl_error_set(err, rc, "Avro encoder: column %s: %s",
                                f->children[k].name, sl_strerror(rc));
    }
    return 0;
}

static int enc_write(void *st, const struct sl_batch *b, const uint32_t *sel,
                     size_t n, struct sl_buf *out, struct sl_error *err)
{
    struct avro_enc *e = st;
    if (!e->open)
        return sl_error_set(err, SL_EINVAL,
                            "Avro encoder: write before "
                            "begin");
    int rc = sl__map_columns(&e->schema, b, e->map, err);
    if (rc)
        return rc;
    for (size_t r = 0; r < n; r++) {
        if ((rc = put_row(e, sel ? sel[r] : r, &e->block, err)))
            return rc;
        e->rows++;
        if (e->block.len >= e->block_bytes) {
            if ((rc = flush_block(e, out, err)))
                return rc;
        }
    }
    return 0;
}

static int enc_finish(void *st, struct sl_buf *out, struct sl_error *err)
{
    struct avro_enc *e = st;
    int rc = flush_block(e, out, err);
    e->open = false;
    return rc;
}

int sl_avro_datum_begin(void *enc, const struct sl_field *schema,
                        const struct sl_buf **writer_schema,
                        struct sl_error *err)
{
    struct avro_enc *e = enc;
    int rc = set_schema(e, schema, err);
    if (!rc && writer_schema)
        *writer_schema = &e->json;
    e->open = false; /* no container file: enc_write refuses */
    return rc;
}

int sl_avro_datum_write(void *enc, const struct sl_batch *b, size_t row,
                        struct sl_buf *out, struct sl_error *err)
{
    struct avro_enc *e = enc;
    int rc = sl__map_columns(&e->schema, b, e->map, err);
    return rc ? rc : put_row(e, row, out, err);
}

const struct sl_encoder_ops sl_encoder_avro = {
    .name = "avro",
    .extension = "avro",
    .options = out_options,
    .create = enc_create,
    .begin = enc_begin,
    .write = enc_write,
    .finish = enc_finish,
    .destroy = enc_destroy,
};
