/*
 * test_parquet.c - the Parquet encoder (parquet.c, parquet_column.c,
 * parquet_dict.c): exact bytes of small files' pages, levels and
 * dictionary pages, row groups, options, errors, metadata, reuse. The
 * integration test test_parquet.sh reads whole files with DuckDB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/formats/parquet_int.h"
#include "part.h"

extern const struct sl_encoder_ops sl_encoder_parquet;
#define ENC sl_encoder_parquet

static void *enc_new(const char *yaml)
{
    struct sl_conf *c = NULL;
    struct sl_error err;
    assert_int_equal(sl_conf_load_string(yaml, strlen(yaml), "t", &c, &err), 0);
    void *e = NULL;
    if (ENC.create(c, &e, &err))
        fail_msg("%s", err.msg);
    sl_conf_free(c);
    return e;
}

static int enc_try(const char *yaml, struct sl_error *err)
{
    struct sl_conf *c = NULL;
    assert_int_equal(sl_conf_load_string(yaml, strlen(yaml), "t", &c, err), 0);
    void *e = NULL;
    int rc = ENC.create(c, &e, err);
    ENC.destroy(e);
    sl_conf_free(c);
    return rc;
}

static struct sl_field schema_of(const char *type)
{
    struct sl_field f;
    struct sl_error err;
    if (sl_type_parse(type, &f, &err))
        fail_msg("%s", err.msg);
    return f;
}

static void footer(const struct sl_buf *out, struct sl__pq_footer *f)
{
    struct sl_error err;
    if (sl__pq_footer_read(out->data, out->len, f, &err))
        fail_msg("%s", err.msg);
}

/* One required INT32 column, PLAIN, no compression: the whole data page. */
static void test_required_int_page(void **state)
{
    (void)state;
    void *e = enc_new("compression: none\ndictionary: false\n");
    struct sl_field s = schema_of("struct<a:int>");
    s.children[0].nullable = false;
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&s, &b, NULL), 0);
    for (int32_t v = 1; v <= 2; v++) {
        assert_int_equal(sl_col_append_i32(&b->root.child[0], v), 0);
        assert_int_equal(sl_batch_row_end(b), 0);
    }
    struct sl_buf out;
    sl_buf_init(&out, 0);
    struct sl_error err;
    assert_int_equal(ENC.begin(e, &s, &out, &err), 0);
    assert_int_equal(ENC.write(e, b, NULL, 2, &out, &err), 0);
    assert_int_equal(out.len, 4); /* the row group waits for finish */
    assert_int_equal(ENC.finish(e, &out, &err), 0);
    const uint8_t want[] = {
        'P', 'A', 'R', '1',
        /* PageHeader: DATA_PAGE, 8 bytes, 8 bytes, DataPageHeader{2
         * values, PLAIN, RLE, RLE} */
        0x15, 0x00, 0x15, 0x10, 0x15, 0x10, 0x2c, 0x15, 0x04, 0x15, 0x00, 0x15,
        0x06, 0x15, 0x06, 0x00, 0x00,
        /* values: no levels for a required top-level column */
        0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    assert_memory_equal(out.data, want, sizeof want);
    struct sl__pq_footer f;
    footer(&out, &f);
    assert_int_equal(f.num_rows, 2);
    assert_int_equal(f.n_schema, 2);
    assert_int_equal(f.n_row_groups, 1);
    assert_int_equal(f.n_columns, 1);
    assert_int_equal(f.n_kv, 1); /* sluice.schema */
    sl_buf_free(&out);
    sl_batch_destroy(b);
    sl_field_free(&s);
    ENC.destroy(e);
}

/* Nullable column: definition levels (RLE hybrid, 4-byte length) first,
 * then only the present values. */
static void test_nullable_levels(void **state)
{
    (void)state;
    void *e = enc_new("compression: none\ndictionary: false\n");
    struct sl_field s = schema_of("struct<a:int>");
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&s, &b, NULL), 0);
    sl_col_append_i32(&b->root.child[0], 7);
    sl_batch_row_end(b);
    sl_col_append_null(&b->root.child[0]);
    sl_batch_row_end(b);
    sl_col_append_i32(&b->root.child[0], 9);
    sl_batch_row_end(b);
    struct sl_buf out;
    sl_buf_init(&out, 0);
    struct sl_error err;
    assert_int_equal(ENC.begin(e, &s, &out, &err), 0);
    /* rows 2, 0, 1 through sel: levels 1 1 0, values 9 7 */
    const uint32_t sel[] = {2, 0, 1};
    assert_int_equal(ENC.write(e, b, sel, 3, &out, &err), 0);
    assert_int_equal(ENC.finish(e, &out, &err), 0);
    const uint8_t want[] = {
        'P', 'A', 'R', '1', 0x15, 0x00, 0x15, 0x1c, 0x15, 0x1c, 0x2c, 0x15,
        0x06, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00,
        /* def levels: 2 bytes: one bit-packed group of 1,1,0 */
        0x02, 0x00, 0x00, 0x00, 0x03, 0x03,
        /* values */
        0x09, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00};
    assert_memory_equal(out.data, want, sizeof want);
    sl_buf_free(&out);
    sl_batch_destroy(b);
    sl_field_free(&s);
    ENC.destroy(e);
}

/* Dictionary: the dictionary page (PLAIN values) comes first, the data
 * page holds a bit width and the RLE-hybrid indices. */
static void test_dictionary_pages(void **state)
{
    (void)state;
    void *e = enc_new("compression: none\n");
    struct sl_field s = schema_of("struct<s:string>");
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&s, &b, NULL), 0);
    const char *v[] = {"x", "y", "x"};
    for (int i = 0; i < 3; i++) {
        sl_col_append_bytes(&b->root.child[0], v[i], 1);
        sl_batch_row_end(b);
    }
    struct sl_buf out;
    sl_buf_init(&out, 0);
    struct sl_error err;
    assert_int_equal(ENC.begin(e, &s, &out, &err), 0);
    assert_int_equal(ENC.write(e, b, NULL, 3, &out, &err), 0);
    assert_int_equal(ENC.finish(e, &out, &err), 0);
    const uint8_t want[] = {
        'P', 'A', 'R', '1',
        /* DICTIONARY_PAGE, 10 bytes, DictionaryPageHeader{2, PLAIN} */
        0x15, 0x04, 0x15, 0x14, 0x15, 0x14, 0x4c, 0x15, 0x04, 0x15, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 'x', 0x01, 0x00, 0x00, 0x00, 'y',
        /* DATA_PAGE, 9 bytes, {3 values, RLE_DICTIONARY, RLE, RLE} */
        0x15, 0x00, 0x15, 0x12, 0x15, 0x12, 0x2c, 0x15, 0x06, 0x15, 0x10, 0x15,
        0x06, 0x15, 0x06, 0x00, 0x00,
        /* def levels 1 1 1; bit width 1; indices 0 1 0 */
        0x02, 0x00, 0x00, 0x00, 0x03, 0x07, 0x01, 0x03, 0x02};
    assert_memory_equal(out.data, want, sizeof want);
    sl_buf_free(&out);
    sl_batch_destroy(b);
    sl_field_free(&s);
    ENC.destroy(e);
}

static void test_row_groups_by_rows_and_reuse(void **state)
{
    (void)state;
    void *e = enc_new("row_group_size: 10 rows\ncompression: zstd\n");
    assert_int_equal(ENC.meta(e, "sluice.job", "j"), 0);
    assert_int_equal(ENC.meta(e, "sluice.batch_id", "1"), 0);
    assert_int_equal(ENC.meta(e, "sluice.batch_id", "2"), 0); /* replaced */
    struct sl_field s =
        schema_of("struct<a:bigint,l:array<struct<x:string,y:double>>,"
                  "m:map<string,int>>");
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&s, &b, NULL), 0);
    for (int64_t i = 0; i < 25; i++) {
        struct sl_col *c = b->root.child;
        sl_col_append_i64(&c[0], i);
        sl_col_append_bytes(&c[1].child[0].child[0], "v", 1);
        sl_col_append_f64(&c[1].child[0].child[1], 0.5);
        sl_col_struct_end(&c[1].child[0]);
        sl_col_list_end(&c[1]);
        sl_col_list_end(&c[2]); /* an empty map */
        assert_int_equal(sl_batch_row_end(b), 0);
    }
    struct sl_error err;
    for (int file = 0; file < 2; file++) {
        struct sl_buf out;
        sl_buf_init(&out, 0);
        assert_int_equal(ENC.begin(e, &s, &out, &err), 0);
        assert_int_equal(ENC.write(e, b, NULL, 25, &out, &err), 0);
        assert_true(out.len > 4); /* two row groups written already */
        assert_int_equal(ENC.finish(e, &out, &err), 0);
        struct sl__pq_footer f;
        footer(&out, &f);
        assert_int_equal(f.num_rows, 25);
        assert_int_equal(f.n_row_groups, 3);
        /* leaves a, l.x, l.y, m.key, m.value in each row group */
        assert_int_equal(f.n_columns, 3 * 5);
        assert_int_equal(f.n_kv, 3);
        /* root, a, l, list, element, x, y, m, key_value, key, value */
        assert_int_equal(f.n_schema, 11);
        sl_buf_free(&out);
    }
    sl_batch_destroy(b);
    sl_field_free(&s);
    ENC.destroy(e);
}

/* The bytes of a file do not depend on how the rows were cut into write
 * calls (a replayed batch may come in other chunks): row groups by bytes,
 * small pages, a dictionary that falls back. */
static void test_same_bytes_whatever_the_chunks(void **state)
{
    (void)state;
    struct sl_field s = schema_of("struct<a:bigint,s:string,l:array<int>>");
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&s, &b, NULL), 0);
    char tmp[32];
    for (int64_t i = 0; i < 20000; i++) {
        struct sl_col *c = b->root.child;
        sl_col_append_i64(&c[0], i * 7919 % 1000);
        int n = snprintf(tmp, sizeof tmp, "v%lld", (long long)(i % 3000));
        sl_col_append_bytes(&c[1], tmp, (size_t)n);
        for (int k = 0; k < i % 3; k++)
            sl_col_append_i32(&c[2].child[0], k);
        sl_col_list_end(&c[2]);
        sl_batch_row_end(b);
    }
    const char *yaml = "row_group_size: 50KiB\npage_size: 4KiB\n"
                       "dictionary_page_size: 16KiB\n";
    struct sl_buf out[2];
    struct sl_error err;
    static const size_t cuts[] = {1, 7, 1000, 1023, 1025, 3, 5000};
    for (int k = 0; k < 2; k++) {
        void *e = enc_new(yaml);
        sl_buf_init(&out[k], 0);
        assert_int_equal(ENC.begin(e, &s, &out[k], &err), 0);
        uint32_t *sel = malloc(20000 * sizeof *sel);
        for (uint32_t i = 0; i < 20000; i++)
            sel[i] = i;
        size_t done = 0;
        for (size_t c = 0; done < 20000; c++) {
            size_t n = k == 0 ? 20000 : cuts[c % 7];
            if (n > 20000 - done)
                n = 20000 - done;
            assert_int_equal(ENC.write(e, b, sel + done, n, &out[k], &err), 0);
            done += n;
        }
        free(sel);
        assert_int_equal(ENC.finish(e, &out[k], &err), 0);
        ENC.destroy(e);
    }
    struct sl__pq_footer f;
    footer(&out[0], &f);
    assert_true(f.n_row_groups > 2);
    assert_int_equal(out[0].len, out[1].len);
    assert_memory_equal(out[0].data, out[1].data, out[0].len);
    sl_buf_free(&out[0]);
    sl_buf_free(&out[1]);
    sl_batch_destroy(b);
    sl_field_free(&s);
}

static void test_empty_file(void **state)
{
    (void)state;
    void *e = enc_new("{}");
    struct sl_field s = schema_of("struct<a:int,b:struct<c:date>>");
    struct sl_buf out;
    sl_buf_init(&out, 0);
    struct sl_error err;
    assert_int_equal(ENC.begin(e, &s, &out, &err), 0);
    assert_int_equal(ENC.finish(e, &out, &err), 0);
    struct sl__pq_footer f;
    footer(&out, &f);
    assert_int_equal(f.num_rows, 0);
    assert_int_equal(f.n_row_groups, 0);
    assert_int_equal(f.n_schema, 4);
    sl_buf_free(&out);
    sl_field_free(&s);
    ENC.destroy(e);
}

static void test_options(void **state)
{
    (void)state;
    struct sl_error err;
    assert_int_equal(enc_try("row_group_size: 12 apples\n", &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "100000 rows"));
    assert_int_equal(enc_try("row_group_size: 0 rows\n", &err), SL_EINVAL);
    assert_int_equal(enc_try("row_group_size: 64MiB\n", &err), 0);
    assert_int_equal(enc_try("row_group_size: 5000 rows\n", &err), 0);
    assert_int_not_equal(enc_try("compression: lz4\n", &err), 0);
    assert_int_equal(enc_try("compression: zstd\ncompression_level: 1\n", &err),
                     0);
    assert_int_equal(
        enc_try("compression: gzip\ncompression_level: 12\n", &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "gzip 1..9"));
    /* keys of the sink itself are allowed and ignored */
    assert_int_equal(enc_try("path: x\ncompression: gzip\n", &err), 0);
}

static void test_errors(void **state)
{
    (void)state;
    void *e = enc_new("{}");
    struct sl_field s = schema_of("struct<a:int>");
    s.children[0].nullable = false;
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&s, &b, NULL), 0);
    sl_col_append_null(&b->root.child[0]);
    sl_batch_row_end(b);
    struct sl_buf out;
    sl_buf_init(&out, 0);
    struct sl_error err;
    assert_int_equal(ENC.begin(e, &s, &out, &err), 0);
    assert_int_equal(ENC.write(e, b, NULL, 1, &out, &err), SL_ETYPE);
    assert_non_null(strstr(err.msg, "not nullable (column a"));
    /* a batch whose column has another type than the file's schema */
    struct sl_field s2 = schema_of("struct<a:string>");
    struct sl_batch *b2;
    assert_int_equal(sl_batch_create(&s2, &b2, NULL), 0);
    sl_col_append_bytes(&b2->root.child[0], "x", 1);
    sl_batch_row_end(b2);
    assert_int_equal(ENC.begin(e, &s, &out, &err), 0);
    assert_int_equal(ENC.write(e, b2, NULL, 1, &out, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "is string in the batch but int"));
    /* a decimal wider than its column's physical type (INT32 for p <= 9) */
    struct sl_field s4 = schema_of("struct<d:decimal(9,2)>");
    struct sl_batch *b4;
    assert_int_equal(sl_batch_create(&s4, &b4, NULL), 0);
    sl_col_append_dec(&b4->root.child[0], (__int128)1 << 40);
    sl_batch_row_end(b4);
    assert_int_equal(ENC.begin(e, &s4, &out, &err), 0);
    assert_int_equal(ENC.write(e, b4, NULL, 1, &out, &err), SL_ETYPE);
    assert_non_null(strstr(err.msg, "column d: a decimal value"));
    sl_batch_destroy(b4);
    sl_field_free(&s4);
    /* a schema with no leaf column */
    struct sl_field s3 = schema_of("struct<a:struct<>>");
    assert_int_equal(ENC.begin(e, &s3, &out, &err), SL_EINVAL);
    sl_buf_free(&out);
    sl_batch_destroy(b);
    sl_batch_destroy(b2);
    sl_field_free(&s);
    sl_field_free(&s2);
    sl_field_free(&s3);
    ENC.destroy(e);
    ENC.destroy(NULL);
}

static void test_dict(void **state)
{
    (void)state;
    struct sl__pq_dict d;
    sl__pq_dict_init(&d, 0);
    uint32_t idx;
    char k[16];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(k, sizeof k, "k%d", i);
            assert_int_equal(sl__pq_dict_put(&d, k, (size_t)n, &idx), 0);
            assert_int_equal(idx, i);
        }
    assert_int_equal(d.n, 5000);
    assert_int_equal(sl__pq_dict_put(&d, "", 0, &idx), 0);
    assert_int_equal(idx, 5000);
    /* PLAIN layout: 4-byte length + bytes */
    assert_memory_equal(d.data.data, "\x02\x00\x00\x00k0", 6);
    sl__pq_dict_clear(&d);
    assert_int_equal(sl__pq_dict_put(&d, "k9", 2, &idx), 0);
    assert_int_equal(idx, 0);
    sl__pq_dict_free(&d);
    sl__pq_dict_init(&d, 8);
    int64_t v = -1;
    assert_int_equal(sl__pq_dict_put(&d, &v, 8, &idx), 0);
    v = 1;
    assert_int_equal(sl__pq_dict_put(&d, &v, 8, &idx), 0);
    assert_int_equal(idx, 1);
    assert_int_equal(d.data.len, 16);
    sl__pq_dict_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required_int_page),
        cmocka_unit_test(test_nullable_levels),
        cmocka_unit_test(test_dictionary_pages),
        cmocka_unit_test(test_row_groups_by_rows_and_reuse),
        cmocka_unit_test(test_same_bytes_whatever_the_chunks),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_dict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
