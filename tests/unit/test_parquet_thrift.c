/*
 * test_parquet_thrift.c - the Thrift compact protocol writer
 * (parquet_thrift.c) byte for byte, and the footer reader (parquet_read.c)
 * on hand-made footers, good and broken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/formats/parquet_int.h"

static void expect(const struct sl_buf *b, const uint8_t *want, size_t n)
{
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

static void test_scalars(void **state)
{
    (void)state;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    struct sl__pq_tw t;
    sl__pq_tw_init(&t, &b);
    sl__pq_tw_i32(&t, 1, 1);      /* delta 1, i32: 0x15, zigzag 2 */
    sl__pq_tw_i64(&t, 2, -1);     /* 0x16, zigzag 1 */
    sl__pq_tw_bool(&t, 3, true);  /* 0x11: delta 1, type 1 (true) */
    sl__pq_tw_bool(&t, 4, false); /* 0x12: type 2 (false) */
    sl__pq_tw_str(&t, 5, "ab");   /* 0x18 len 2 */
    sl__pq_tw_i32(&t, 20, 300);   /* delta 15: 0xf5, zigzag 600 */
    sl__pq_tw_i32(&t, 40, -300);  /* delta 20: long form, id zigzag */
    assert_int_equal(sl__pq_tw_end(&t), 0);
    const uint8_t want[] = {0x15, 0x02, 0x16, 0x01, 0x11, 0x12,
                            0x18, 0x02, 'a',  'b',  0xf5, 0xd8,
                            0x04, 0x05, 0x50, 0xd7, 0x04, 0x00};
    expect(&b, want, sizeof want);
    sl_buf_free(&b);
}

static void test_struct_and_lists(void **state)
{
    (void)state;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    struct sl__pq_tw t;
    sl__pq_tw_init(&t, &b);
    sl__pq_tw_struct(&t, 1); /* 0x1c */
    sl__pq_tw_i32(&t, 1, 5); /* ids restart inside: 0x15 0x0a */
    sl__pq_tw_end(&t);       /* 0x00 */
    sl__pq_tw_i32(&t, 2, 7); /* back outside: delta 1 from 1 */
    sl__pq_tw_list(&t, 3, PQ_T_I32, 3);
    sl__pq_tw_elem_i32(&t, 1);
    sl__pq_tw_elem_i32(&t, -1);
    sl__pq_tw_elem_i32(&t, 300);
    sl__pq_tw_list(&t, 4, PQ_T_STRUCT, 1);
    sl__pq_tw_elem_struct(&t);
    sl__pq_tw_bin(&t, 1, "x", 1);
    sl__pq_tw_end(&t);
    sl__pq_tw_list(&t, 5, PQ_T_BINARY, 15); /* long list header */
    for (int i = 0; i < 15; i++)
        sl__pq_tw_elem_bin(&t, "", 0);
    assert_int_equal(sl__pq_tw_end(&t), 0);
    uint8_t want[64] = {0x1c, 0x15, 0x0a, 0x00, 0x15, 0x0e, 0x19,
                        0x35, 0x02, 0x01, 0xd8, 0x04, 0x19, 0x1c,
                        0x18, 0x01, 'x',  0x00, 0x19, 0xf8, 0x0f};
    size_t n = 21;
    for (int i = 0; i < 15; i++)
        want[n++] = 0x00;
    want[n++] = 0x00;
    expect(&b, want, n);
    sl_buf_free(&b);
}

/* A footer around FileMetaData `meta` (no pages: no row groups). */
static size_t wrap(uint8_t *file, const uint8_t *meta, size_t n)
{
    memcpy(file, "PAR1", 4);
    memcpy(file + 4, meta, n);
    uint32_t l = (uint32_t)n;
    memcpy(file + 4 + n, &l, 4);
    memcpy(file + 8 + n, "PAR1", 4);
    return n + 12;
}

static void test_footer_reader(void **state)
{
    (void)state;
    /* version 1, schema [root], num_rows 0, row_groups [], kv [] */
    struct sl_buf m;
    sl_buf_init(&m, 0);
    struct sl__pq_tw t;
    sl__pq_tw_init(&t, &m);
    sl__pq_tw_i32(&t, 1, 1);
    sl__pq_tw_list(&t, 2, PQ_T_STRUCT, 1);
    sl__pq_tw_elem_struct(&t);
    sl__pq_tw_str(&t, 4, "schema");
    sl__pq_tw_i32(&t, 5, 0);
    sl__pq_tw_end(&t);
    sl__pq_tw_i64(&t, 3, 0);
    sl__pq_tw_list(&t, 4, PQ_T_STRUCT, 0);
    sl__pq_tw_list(&t, 5, PQ_T_STRUCT, 0);
    sl__pq_tw_str(&t, 6, "test");
    assert_int_equal(sl__pq_tw_end(&t), 0);
    uint8_t file[256];
    size_t n = wrap(file, m.data, m.len);
    struct sl__pq_footer f;
    struct sl_error err;
    assert_int_equal(sl__pq_footer_read(file, n, &f, &err), 0);
    assert_int_equal(f.version, 1);
    assert_int_equal(f.n_schema, 1);
    assert_int_equal(f.num_rows, 0);
    assert_int_equal(f.n_row_groups, 0);
    assert_int_equal(f.meta_len, m.len);
    /* bad magic, short file, length past the file, truncated metadata */
    file[0] = 'X';
    assert_int_equal(sl__pq_footer_read(file, n, &f, &err), SL_ECORRUPT);
    assert_non_null(strstr(err.msg, "magic"));
    file[0] = 'P';
    assert_int_equal(sl__pq_footer_read(file, 11, &f, &err), SL_ECORRUPT);
    uint32_t big = 1000;
    memcpy(file + 4 + m.len, &big, 4);
    assert_int_equal(sl__pq_footer_read(file, n, &f, &err), SL_ECORRUPT);
    assert_non_null(strstr(err.msg, "footer length"));
    n = wrap(file, m.data, m.len - 1); /* lose the stop byte */
    assert_int_equal(sl__pq_footer_read(file, n, &f, &err), SL_ECORRUPT);
    /* num_rows disagreeing with the row groups */
    sl_buf_reset(&m);
    sl__pq_tw_init(&t, &m);
    sl__pq_tw_list(&t, 2, PQ_T_STRUCT, 0);
    sl__pq_tw_i64(&t, 3, 5);
    sl__pq_tw_list(&t, 4, PQ_T_STRUCT, 0);
    sl__pq_tw_end(&t);
    n = wrap(file, m.data, m.len);
    assert_int_equal(sl__pq_footer_read(file, n, &f, &err), SL_ECORRUPT);
    assert_non_null(strstr(err.msg, "num_rows 5"));
    sl_buf_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_struct_and_lists),
        cmocka_unit_test(test_footer_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
