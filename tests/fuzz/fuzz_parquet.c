/*
 * fuzz_parquet.c - libFuzzer harness for the Parquet round trip.
 *
 * The input bytes choose a schema (every type, nested up to depth 4, any
 * field nullable), encoder options (codec, tiny pages, row groups by rows,
 * dictionary limits) and the rows' values; the batch is encoded with
 * sl_encoder_parquet in one or more writes, and the file's footer must
 * parse with our reader (parquet_read.c) and count exactly the rows
 * written. Any failure aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/formats/parquet_int.h"
#include "part.h"

extern const struct sl_encoder_ops sl_encoder_parquet;

struct in {
    const uint8_t *p;
    size_t n, pos;
};

static unsigned take(struct in *in)
{
    return in->pos < in->n ? in->p[in->pos++] : 0;
}

static uint64_t take64(struct in *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | take(in);
    return v;
}

static void gen_field(struct in *in, struct sl_field *f, int depth,
                      unsigned idx)
{
    memset(f, 0, sizeof *f);
    char name[16];
    snprintf(name, sizeof name, "f%u", idx);
    f->name = strdup(name);
    unsigned b = take(in);
    f->nullable = b & 1;
    unsigned k = (b >> 1) % (depth < 4 ? 15 : 12);
    static const enum sl_type scal[] = {
        SL_BOOLEAN, SL_INT,    SL_BIGINT, SL_FLOAT,     SL_DOUBLE,   SL_DECIMAL,
        SL_STRING,  SL_BINARY, SL_DATE,   SL_TIMESTAMP, SL_NULLTYPE, SL_STRING};
    if (k < 12) {
        f->type = scal[k];
        if (f->type == SL_DECIMAL) {
            f->precision = (uint8_t)(1 + take(in) % 38);
            f->scale = (uint8_t)(take(in) % (f->precision + 1u));
        }
        if (f->type == SL_NULLTYPE)
            f->nullable = true;
        return;
    }
    if (k == 12) {
        f->type = SL_STRUCT;
        f->n_children = 1 + take(in) % 3;
        f->children = calloc(f->n_children, sizeof *f->children);
        for (uint32_t i = 0; i < f->n_children; i++)
            gen_field(in, &f->children[i], depth + 1, i);
    } else if (k == 13) {
        f->type = SL_ARRAY;
        f->n_children = 1;
        f->children = calloc(1, sizeof *f->children);
        gen_field(in, &f->children[0], depth + 1, 0);
    } else {
        f->type = SL_MAP;
        f->n_children = 2;
        f->children = calloc(2, sizeof *f->children);
        f->children[0].type = take(in) & 1 ? SL_STRING : SL_BIGINT;
        gen_field(in, &f->children[1], depth + 1, 1);
    }
}

static int gen_value(struct in *in, struct sl_col *c, const struct sl_field *f)
{
    if (f->type == SL_NULLTYPE || (f->nullable && take(in) % 4 == 0))
        return sl_col_append_null(c);
    uint64_t r = take64(in);
    switch (f->type) {
    case SL_BOOLEAN:
        return sl_col_append_bool(c, r & 1);
    case SL_INT:
    case SL_DATE:
        return sl_col_append_i32(c, (int32_t)r);
    case SL_BIGINT:
    case SL_TIMESTAMP:
        return sl_col_append_i64(c, (int64_t)r);
    case SL_FLOAT: {
        float v;
        uint32_t b = (uint32_t)r;
        memcpy(&v, &b, 4);
        return sl_col_append_f32(c, v);
    }
    case SL_DOUBLE: {
        double v;
        memcpy(&v, &r, 8);
        return sl_col_append_f64(c, v);
    }
    case SL_DECIMAL: {
        /* within the precision (up to 18 digits), as a decoder ensures */
        int64_t lim = 1;
        for (unsigned i = 0; i < f->precision && i < 18; i++)
            lim *= 10;
        int64_t v = (int64_t)(r % (uint64_t)lim);
        return sl_col_append_dec(c, (r >> 63) ? -v : v);
    }
    case SL_STRING:
    case SL_BINARY: {
        size_t n = r % 24;
        if (n > in->n - in->pos)
            n = in->n - in->pos;
        int rc = sl_col_append_bytes(c, in->p + in->pos, n);
        in->pos += n;
        return rc;
    }
    case SL_STRUCT:
        for (uint32_t i = 0; i < f->n_children; i++) {
            int rc = gen_value(in, &c->child[i], &f->children[i]);
            if (rc)
                return rc;
        }
        return sl_col_struct_end(c);
    case SL_ARRAY:
    case SL_MAP: {
        unsigned n = (unsigned)(r % 4);
        for (unsigned i = 0; i < n; i++) {
            int rc;
            if (f->type == SL_MAP) {
                rc = f->children[0].type == SL_STRING
                         ? sl_col_append_bytes(&c->child[0], "k", 1)
                         : sl_col_append_i64(&c->child[0], (int64_t)i);
                if (!rc)
                    rc = gen_value(in, &c->child[1], &f->children[1]);
            } else {
                rc = gen_value(in, &c->child[0], &f->children[0]);
            }
            if (rc)
                return rc;
        }
        return sl_col_list_end(c);
    }
    default:
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = {.p = data, .n = size};
    struct sl_field schema = {.type = SL_STRUCT};
    schema.n_children = 1 + take(&in) % 4;
    schema.children = calloc(schema.n_children, sizeof *schema.children);
    for (uint32_t i = 0; i < schema.n_children; i++)
        gen_field(&in, &schema.children[i], 0, i);
    static const char *const codecs[] = {"none", "snappy", "zstd", "gzip"};
    unsigned o = take(&in);
    char yaml[256];
    snprintf(yaml, sizeof yaml,
             "compression: %s\npage_size: %u\nrow_group_size: %u rows\n"
             "dictionary: %s\ndictionary_page_size: %u\n",
             codecs[o & 3], 16 + take(&in) * 8, 1 + take(&in) % 50,
             (o & 4) ? "false" : "true", 8 + take(&in) * 4);
    struct sl_conf *conf = NULL;
    void *enc = NULL;
    struct sl_batch *b = NULL;
    struct sl_buf out;
    sl_buf_init(&out, 0);
    struct sl_error err;
    if (sl_conf_load_string(yaml, strlen(yaml), "fuzz", &conf, &err) ||
        sl_encoder_parquet.create(conf, &enc, &err) ||
        sl_batch_create(&schema, &b, &err))
        abort();
    if (sl_encoder_parquet.begin(enc, &schema, &out, &err))
        abort();
    int64_t total = 0;
    while (in.pos < in.n) {
        size_t rows = 1 + take(&in) % 16, done = 0;
        sl_batch_clear(b);
        for (; done < rows && in.pos < in.n; done++) {
            for (uint32_t i = 0; i < schema.n_children; i++)
                if (gen_value(&in, &b->root.child[i], &schema.children[i]))
                    abort();
            if (sl_batch_row_end(b))
                abort();
        }
        if (sl_encoder_parquet.write(enc, b, NULL, done, &out, &err)) {
            fprintf(stderr, "write: %s\n", err.msg);
            abort();
        }
        total += (int64_t)done;
    }
    if (sl_encoder_parquet.finish(enc, &out, &err))
        abort();
    struct sl__pq_footer f;
    if (sl__pq_footer_read(out.data, out.len, &f, &err) ||
        f.num_rows != total) {
        fprintf(stderr, "footer: %s (rows %lld, want %lld)\n", err.msg,
                (long long)f.num_rows, (long long)total);
        abort();
    }
    sl_buf_free(&out);
    sl_batch_destroy(b);
    sl_encoder_parquet.destroy(enc);
    sl_conf_free(conf);
    sl_field_free(&schema);
    return 0;
}
