/*
 * pq_gen.c - test driver for the Parquet encoder (test-only executable).
 *
 * Writes Parquet files with sl_encoder_parquet, and next to each one the
 * values it holds, so an independent reader (DuckDB, hyparquet; see
 * tests/integration/parquet_check.mjs) can compare every value:
 *
 *   pq_gen random SEED COUNT DIR   COUNT random schemas with random rows
 *                                  (case_<seed>.parquet + .jsonl), codecs,
 *                                  page/row-group/dictionary sizes varied
 *   pq_gen big ROWS FILE CODEC [ROW_GROUP_SIZE]
 *                                  ROWS rows of a fixed schema whose values
 *                                  are functions of the row index (the
 *                                  checker recomputes them in SQL)
 *
 * Canonical values in .jsonl (one JSON array per row, top-level columns in
 * order): int/bigint "i:N", float "f:<8 hex bits>", double "d:<16 hex>",
 * NaN "nan", decimal "q:<unscaled>", date "D:<days>", timestamp
 * "T:<micros>", binary "b:<hex>", strings as JSON strings, struct as an
 * object, array as an array, map as an array of [key, value].
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/formats/parquet_int.h"
#include "batch.h"
#include "options.h"
#include "part.h"

extern const struct sl_encoder_ops sl_encoder_parquet;

static uint64_t rng_s;

static uint64_t rnd(void)
{
    uint64_t z = (rng_s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int huge_left; /* one value of ~2.5 MB may still come in this case */

static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void die(const char *what, const struct sl_error *err)
{
    fprintf(stderr, "pq_gen: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

/* ---- random schema ---- */

static void gen_field(struct sl_field *f, int depth, unsigned idx)
{
    memset(f, 0, sizeof *f);
    char name[32];
    snprintf(name, sizeof name, below(10) ? "f%u" : "fü %u", idx);
    f->name = strdup(name);
    f->nullable = below(10) < 7;
    unsigned k = below(depth < 3 ? 17 : 13);
    static const enum sl_type scal[] = {
        SL_BOOLEAN,   SL_INT,      SL_BIGINT, SL_FLOAT,  SL_DOUBLE,
        SL_DECIMAL,   SL_STRING,   SL_STRING, SL_BINARY, SL_DATE,
        SL_TIMESTAMP, SL_NULLTYPE, SL_BIGINT};
    if (k < 13) {
        f->type = scal[k];
        if (f->type == SL_DECIMAL) {
            f->precision = (uint8_t)(1 + below(38));
            f->scale = (uint8_t)below(f->precision + 1u);
        }
        if (f->type == SL_NULLTYPE)
            f->nullable = true;
        return;
    }
    if (k == 13 || k == 14) {
        f->type = SL_STRUCT;
        f->n_children = 1 + below(4);
        f->children = calloc(f->n_children, sizeof *f->children);
        for (uint32_t i = 0; i < f->n_children; i++)
            gen_field(&f->children[i], depth + 1, i);
    } else if (k == 15) {
        f->type = SL_ARRAY;
        f->n_children = 1;
        f->children = calloc(1, sizeof *f->children);
        gen_field(&f->children[0], depth + 1, 0);
        free(f->children[0].name);
        f->children[0].name = NULL;
    } else {
        f->type = SL_MAP;
        f->n_children = 2;
        f->children = calloc(2, sizeof *f->children);
        static const enum sl_type keys[] = {SL_STRING, SL_INT, SL_BIGINT};
        f->children[0].type = keys[below(3)];
        gen_field(&f->children[1], depth + 1, 1);
        free(f->children[1].name);
        f->children[1].name = NULL;
    }
}

/* ---- random values ---- */

static void json_str(struct sl_buf *o, const uint8_t *p, size_t n)
{
    sl_buf_putc(o, '"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            sl_buf_putc(o, '\\');
            sl_buf_putc(o, (char)c);
        } else if (c < 0x20) {
            sl_buf_appendf(o, "\\u%04x", c);
        } else {
            sl_buf_putc(o, (char)c);
        }
    }
    sl_buf_putc(o, '"');
}

static void put_i128(struct sl_buf *o, __int128 v)
{
    char tmp[48];
    int n = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (neg)
        sl_buf_putc(o, '-');
    while (n)
        sl_buf_putc(o, tmp[--n]);
}

static const char *const pool[] = {
    "",        "a",         "hello",         "ünïcödé ✓",   "日本語",
    "emoji 🎉", "tab\there", "quote\"back\\", "line\nbreak", "zz"};

static size_t gen_bytes(uint8_t *buf, size_t cap, bool text)
{
    unsigned k = below(20);
    if (text && k < 8) {
        size_t n = strlen(pool[k]);
        memcpy(buf, pool[k], n);
        return n;
    }
    size_t n = below(24);
    if (k == 19 && huge_left && below(4) == 0) {
        huge_left = 0;
        n = cap - below(1000);
    } else if (k == 19) {
        n = 1000 + below(5000);
    }
    if (n > cap)
        n = cap;
    for (size_t i = 0; i < n; i++)
        buf[i] = text ? (uint8_t)(' ' + below(95)) : (uint8_t)rnd();
    return n;
}

static int64_t gen_int(int bits)
{
    switch (below(8)) {
    case 0:
        return bits == 32 ? INT32_MIN : INT64_MIN;
    case 1:
        return bits == 32 ? INT32_MAX : INT64_MAX;
    case 2:
        return 0;
    case 3:
        return (int64_t)below(5) - 2; /* repeats: dictionary-friendly */
    default:
        return bits == 32 ? (int32_t)rnd() : (int64_t)rnd();
    }
}

static double gen_dbl(void)
{
    switch (below(12)) {
    case 0:
        return NAN;
    case 1:
        return INFINITY;
    case 2:
        return -INFINITY;
    case 3:
        return -0.0;
    case 4:
        return 0.0;
    case 5:
        return 5e-324;
    case 6:
        return (double)below(4);
    default: {
        uint64_t b = rnd();
        double d;
        memcpy(&d, &b, 8);
        return isnan(d) ? 1.5 : d;
    }
    }
}

/* the largest string or binary value: over a page (1 MiB) */
static uint8_t bigbuf[2500000];

static void gen_value(struct sl_col *c, const struct sl_field *f,
                      struct sl_buf *o, bool force)
{
    if (f->type == SL_NULLTYPE || (!force && f->nullable && below(5) == 0)) {
        sl_col_append_null(c);
        sl_buf_puts(o, "null");
        return;
    }
    switch (f->type) {
    case SL_BOOLEAN: {
        bool v = below(2);
        sl_col_append_bool(c, v);
        sl_buf_puts(o, v ? "true" : "false");
        break;
    }
    case SL_INT:
    case SL_DATE: {
        int32_t v = (int32_t)gen_int(32);
        if (f->type == SL_DATE)
            v = (int32_t)(v % 3000000); /* DuckDB's date range */
        sl_col_append_i32(c, v);
        sl_buf_appendf(o, "\"%s:%" PRId32 "\"", f->type == SL_DATE ? "D" : "i",
                       v);
        break;
    }
    case SL_BIGINT:
    case SL_TIMESTAMP: {
        int64_t v = gen_int(64);
        if (f->type == SL_TIMESTAMP)
            v %= (int64_t)1 << 62; /* infinities are INT64_MAX / -MAX */
        sl_col_append_i64(c, v);
        sl_buf_appendf(o, "\"%s:%" PRId64 "\"",
                       f->type == SL_TIMESTAMP ? "T" : "i", v);
        break;
    }
    case SL_FLOAT: {
        float v = (float)gen_dbl();
        sl_col_append_f32(c, v);
        uint32_t b;
        memcpy(&b, &v, 4);
        if (isnan(v))
            sl_buf_puts(o, "\"nan\"");
        else
            sl_buf_appendf(o, "\"f:%08" PRIx32 "\"", b);
        break;
    }
    case SL_DOUBLE: {
        double v = gen_dbl();
        sl_col_append_f64(c, v);
        uint64_t b;
        memcpy(&b, &v, 8);
        if (isnan(v))
            sl_buf_puts(o, "\"nan\"");
        else
            sl_buf_appendf(o, "\"d:%016" PRIx64 "\"", b);
        break;
    }
    case SL_DECIMAL: {
        __int128 lim = 1;
        for (unsigned i = 0; i < f->precision; i++)
            lim *= 10;
        __int128 v;
        unsigned k = below(6);
        if (k == 0)
            v = lim - 1;
        else if (k == 1)
            v = -(lim - 1);
        else if (k == 2)
            v = (__int128)below(3);
        else
            v = (__int128)(((unsigned __int128)rnd() << 64 | rnd()) %
                           (unsigned __int128)lim) *
                (below(2) ? 1 : -1);
        sl_col_append_dec(c, v);
        sl_buf_puts(o, "\"q:");
        put_i128(o, v);
        sl_buf_putc(o, '"');
        break;
    }
    case SL_STRING:
    case SL_BINARY: {
        bool text = f->type == SL_STRING;
        size_t n = gen_bytes(bigbuf, sizeof bigbuf, text);
        sl_col_append_bytes(c, bigbuf, n);
        if (text) {
            json_str(o, bigbuf, n);
        } else {
            sl_buf_puts(o, "\"b:");
            for (size_t i = 0; i < n; i++)
                sl_buf_appendf(o, "%02x", bigbuf[i]);
            sl_buf_putc(o, '"');
        }
        break;
    }
    case SL_STRUCT:
        sl_buf_putc(o, '{');
        for (uint32_t i = 0; i < f->n_children; i++) {
            if (i)
                sl_buf_putc(o, ',');
            json_str(o, (const uint8_t *)f->children[i].name,
                     strlen(f->children[i].name));
            sl_buf_putc(o, ':');
            gen_value(&c->child[i], &f->children[i], o, false);
        }
        sl_buf_putc(o, '}');
        sl_col_struct_end(c);
        break;
    case SL_ARRAY: {
        unsigned n = below(5);
        sl_buf_putc(o, '[');
        for (unsigned i = 0; i < n; i++) {
            if (i)
                sl_buf_putc(o, ',');
            gen_value(&c->child[0], &f->children[0], o, false);
        }
        sl_buf_putc(o, ']');
        sl_col_list_end(c);
        break;
    }
    case SL_MAP: {
        unsigned n = below(4);
        sl_buf_putc(o, '[');
        int64_t base = (int64_t)below(1000) - 500;
        for (unsigned i = 0; i < n; i++) {
            if (i)
                sl_buf_putc(o, ',');
            sl_buf_putc(o, '[');
            const struct sl_field *kf = &f->children[0];
            if (kf->type == SL_STRING) {
                char k[32];
                int kn = snprintf(k, sizeof k, "k%u_%u", i, below(100));
                sl_col_append_bytes(&c->child[0], k, (size_t)kn);
                json_str(o, (const uint8_t *)k, (size_t)kn);
            } else if (kf->type == SL_INT) {
                sl_col_append_i32(&c->child[0], (int32_t)(base + i));
                sl_buf_appendf(o, "\"i:%" PRId64 "\"", base + i);
            } else {
                sl_col_append_i64(&c->child[0], base * 1000000007 + i);
                sl_buf_appendf(o, "\"i:%" PRId64 "\"",
                               base * 1000000007 + (int64_t)i);
            }
            sl_buf_putc(o, ',');
            gen_value(&c->child[1], &f->children[1], o, false);
            sl_buf_putc(o, ']');
        }
        sl_buf_putc(o, ']');
        sl_col_list_end(c);
        break;
    }
    default:
        break;
    }
}

/* ---- writing ---- */

static void *enc_create(const char *yaml)
{
    struct sl_conf *conf = NULL;
    struct sl_error err;
    if (sl_conf_load_string(yaml, strlen(yaml), "pq_gen", &conf, &err))
        die("options", &err);
    void *enc;
    if (sl_encoder_parquet.create(conf, &enc, &err))
        die("create", &err);
    sl_conf_free(conf);
    return enc;
}

static void write_file(const char *path, const struct sl_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f))
        die(path, NULL);
}

static void self_check(const struct sl_buf *file, int64_t rows)
{
    struct sl__pq_footer ft;
    struct sl_error err;
    if (sl__pq_footer_read(file->data, file->len, &ft, &err))
        die("footer", &err);
    if (ft.num_rows != rows)
        die("footer row count", NULL);
}

static void one_random(uint64_t seed, const char *dir)
{
    rng_s = seed * 0x2545f4914f6cdd1dull + 1;
    huge_left = seed % 10 == 0;
    struct sl_field schema = {.type = SL_STRUCT};
    schema.n_children = 1 + below(6);
    schema.children = calloc(schema.n_children, sizeof *schema.children);
    for (uint32_t i = 0; i < schema.n_children; i++)
        gen_field(&schema.children[i], 0, i);
    static const char *const codecs[] = {"snappy", "zstd", "gzip", "none"};
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "compression: %s\npage_size: %s\nrow_group_size: %s\n"
             "dictionary: %s\ndictionary_page_size: %s\n",
             codecs[seed % 4], below(2) ? "1MiB" : "200",
             below(3) ? "128MiB" : (below(2) ? "7 rows" : "3000"),
             below(5) ? "true" : "false", below(3) ? "1MiB" : "64");
    if (getenv("PQ_GEN_VERBOSE")) {
        struct sl_buf ty;
        sl_buf_init(&ty, 0);
        sl_type_format(&schema, &ty);
        fprintf(stderr, "case %llu: %.*s\n%s", (unsigned long long)seed,
                (int)ty.len, (const char *)ty.data, yaml);
        sl_buf_free(&ty);
    }
    void *enc = enc_create(yaml);
    if (sl_encoder_parquet.meta(enc, "sluice.batch_id", "7"))
        die("meta", NULL);
    struct sl_batch *b;
    struct sl_error err;
    if (sl_batch_create(&schema, &b, &err))
        die("batch", &err);
    struct sl_buf out, exp;
    sl_buf_init(&out, 0);
    sl_buf_init(&exp, 0);
    if (sl_encoder_parquet.begin(enc, &schema, &out, &err))
        die("begin", &err);
    unsigned chunks = 1 + below(2);
    int64_t total = 0;
    for (unsigned ch = 0; ch < chunks; ch++) {
        unsigned k = below(10);
        unsigned n = k == 0 ? 0 : k == 1 ? 1 : k == 2 ? 700 : below(40);
        sl_batch_clear(b);
        for (unsigned r = 0; r < n; r++) {
            sl_buf_putc(&exp, '[');
            for (uint32_t i = 0; i < schema.n_children; i++) {
                if (i)
                    sl_buf_putc(&exp, ',');
                gen_value(&b->root.child[i], &schema.children[i], &exp, false);
            }
            sl_buf_puts(&exp, "]\n");
            if (sl_batch_row_end(b))
                die("row_end", NULL);
        }
        if (seed % 2 && n > 1) {
            /* through sel, in two pieces */
            uint32_t *sel = malloc(n * sizeof *sel);
            for (unsigned i = 0; i < n; i++)
                sel[i] = i;
            unsigned h = n / 2;
            if (sl_encoder_parquet.write(enc, b, sel, h, &out, &err) ||
                sl_encoder_parquet.write(enc, b, sel + h, n - h, &out, &err))
                die("write", &err);
            free(sel);
        } else if (sl_encoder_parquet.write(enc, b, NULL, n, &out, &err)) {
            die("write", &err);
        }
        total += n;
    }
    if (sl_encoder_parquet.finish(enc, &out, &err))
        die("finish", &err);
    self_check(&out, total);
    char path[4096];
    snprintf(path, sizeof path, "%s/case_%06" PRIu64 ".parquet", dir, seed);
    write_file(path, &out);
    snprintf(path, sizeof path, "%s/case_%06" PRIu64 ".jsonl", dir, seed);
    write_file(path, &exp);
    struct sl_buf ty;
    sl_buf_init(&ty, 0);
    sl_type_format(&schema, &ty);
    snprintf(path, sizeof path, "%s/case_%06" PRIu64 ".schema", dir, seed);
    write_file(path, &ty);
    sl_buf_free(&ty);
    sl_buf_free(&out);
    sl_buf_free(&exp);
    sl_batch_destroy(b);
    sl_encoder_parquet.destroy(enc);
    sl_field_free(&schema);
}

/* Fixed schema; values are functions of the row index i (big mode). */
static const char *big_schema =
    "struct<i:bigint,a:int,s:string,u:string,d:double,t:timestamp,b:boolean,"
    "m:decimal(12,2),l:array<int>>";

static void big_row(struct sl_batch *b, int64_t i)
{
    struct sl_col *c = b->root.child;
    char tmp[64];
    sl_col_append_i64(&c[0], i);
    if (i % 7 == 0)
        sl_col_append_null(&c[1]);
    else
        sl_col_append_i32(&c[1], (int32_t)((i * 7919) % 100000 - 50000));
    int n = snprintf(tmp, sizeof tmp, "user-%" PRId64, i % 1000);
    sl_col_append_bytes(&c[2], tmp, (size_t)n);
    n = snprintf(tmp, sizeof tmp, "v%" PRId64, i);
    sl_col_append_bytes(&c[3], tmp, (size_t)n);
    sl_col_append_f64(&c[4], (double)i / 8.0);
    sl_col_append_i64(&c[5], 1700000000000000 + i * 1000003);
    sl_col_append_bool(&c[6], i % 3 == 0);
    sl_col_append_dec(&c[7], (__int128)(i * 37 - 500000));
    for (int64_t k = 0; k < i % 4; k++)
        sl_col_append_i32(&c[8].child[0], (int32_t)(i + k));
    sl_col_list_end(&c[8]);
    sl_batch_row_end(b);
}

static void big(int64_t rows, const char *path, const char *codec,
                const char *rg)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml, "compression: %s\nrow_group_size: %s\n", codec,
             rg);
    void *enc = enc_create(yaml);
    struct sl_field schema;
    struct sl_error err;
    if (sl_type_parse(big_schema, &schema, &err))
        die("schema", &err);
    struct sl_batch *b;
    if (sl_batch_create(&schema, &b, &err))
        die("batch", &err);
    struct sl_buf out;
    sl_buf_init(&out, 0);
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path, NULL);
    if (sl_encoder_parquet.begin(enc, &schema, &out, &err))
        die("begin", &err);
    for (int64_t i = 0; i < rows;) {
        sl_batch_clear(b);
        for (int k = 0; k < 8192 && i < rows; k++, i++)
            big_row(b, i);
        if (sl_encoder_parquet.write(enc, b, NULL, sl_batch_rows(b), &out,
                                     &err))
            die("write", &err);
        fwrite(out.data, 1, out.len, f); /* as the file sink does */
        sl_buf_reset(&out);
    }
    if (sl_encoder_parquet.finish(enc, &out, &err))
        die("finish", &err);
    fwrite(out.data, 1, out.len, f);
    if (fclose(f))
        die(path, NULL);
    sl_buf_free(&out);
    sl_batch_destroy(b);
    sl_field_free(&schema);
    sl_encoder_parquet.destroy(enc);
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "random") == 0) {
        uint64_t seed = strtoull(argv[2], NULL, 10);
        uint64_t count = strtoull(argv[3], NULL, 10);
        for (uint64_t i = 0; i < count; i++)
            one_random(seed + i, argv[4]);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "big") == 0) {
        big(strtoll(argv[2], NULL, 10), argv[3], argv[4],
            argc > 5 ? argv[5] : "128MiB");
        return 0;
    }
    fprintf(stderr, "usage: pq_gen random SEED COUNT DIR | big ROWS FILE "
                    "CODEC [RG]\n");
    return 2;
}
