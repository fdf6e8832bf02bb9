/*
 * test_parquet_levels.c - the RLE / bit-packed hybrid encoder
 * (parquet_levels.c), byte for byte against the Parquet encoding spec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/formats/parquet_int.h"

static void expect16(const uint16_t *v, size_t n, int w, const uint8_t *want,
                     size_t want_n)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl__pq_rle_encode(&b, v, 2, n, w), 0);
    assert_int_equal(b.len, want_n);
    assert_memory_equal(b.data, want, want_n);
    sl_buf_free(&b);
}

static void test_bit_width(void **state)
{
    (void)state;
    assert_int_equal(sl__pq_bit_width(0), 0);
    assert_int_equal(sl__pq_bit_width(1), 1);
    assert_int_equal(sl__pq_bit_width(2), 2);
    assert_int_equal(sl__pq_bit_width(3), 2);
    assert_int_equal(sl__pq_bit_width(7), 3);
    assert_int_equal(sl__pq_bit_width(8), 4);
    assert_int_equal(sl__pq_bit_width(65535), 16);
    assert_int_equal(sl__pq_bit_width(UINT32_MAX), 32);
}

/* Ten equal values: one RLE run, header 10 << 1, value in one byte. */
static void test_rle_run(void **state)
{
    (void)state;
    uint16_t v[10];
    for (int i = 0; i < 10; i++)
        v[i] = 1;
    const uint8_t want[] = {0x14, 0x01};
    expect16(v, 10, 1, want, sizeof want);
    /* the value takes ceil(w / 8) bytes: 9 bits -> 2 bytes */
    for (int i = 0; i < 10; i++)
        v[i] = 300;
    const uint8_t want9[] = {0x14, 0x2c, 0x01};
    expect16(v, 10, 9, want9, sizeof want9);
}

/* The example of the Parquet spec: 0..7 with bit width 3. */
static void test_bit_packed_spec_example(void **state)
{
    (void)state;
    const uint16_t v[] = {0, 1, 2, 3, 4, 5, 6, 7};
    const uint8_t want[] = {0x03, 0x88, 0xc6, 0xfa};
    expect16(v, 8, 3, want, sizeof want);
}

static void test_bits_lsb_first(void **state)
{
    (void)state;
    const uint16_t v[] = {1, 0, 1, 1, 0, 0, 0, 1};
    const uint8_t want[] = {0x03, 0x8d};
    expect16(v, 8, 1, want, sizeof want);
}

/* A run, then three literals padded to a group of eight at the end. */
static void test_run_then_literals(void **state)
{
    (void)state;
    const uint16_t v[] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 2, 3};
    const uint8_t want[] = {0x14, 0x05, 0x03, 0xd1, 0x00, 0x00};
    expect16(v, 13, 3, want, sizeof want);
}

/* Literals before a run are topped up to a multiple of 8 from the run
 * (padding is only allowed at the very end); the 4 left of the run are
 * too few for a run and stay literals. */
static void test_literals_aligned_before_run(void **state)
{
    (void)state;
    const uint16_t v[] = {1, 2, 3, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    const uint8_t want[] = {0x05, 0xd1, 0xfe, 0xff, 0xff, 0x0f, 0x00};
    expect16(v, 12, 3, want, sizeof want);
}

/* Literals topped up, then a run long enough to stay a run. */
static void test_literals_then_long_run(void **state)
{
    (void)state;
    uint16_t v[3 + 20];
    v[0] = 1, v[1] = 0, v[2] = 1;
    for (int i = 3; i < 23; i++)
        v[i] = 0;
    /* 8 literals (1,0,1,0,0,0,0,0) then a run of 15 zeros */
    const uint8_t want[] = {0x03, 0x05, 0x1e, 0x00};
    expect16(v, 23, 1, want, sizeof want);
}

static void test_u32_indices_and_empty(void **state)
{
    (void)state;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    const uint32_t v[] = {70000, 70000, 70000, 70000,
                          70000, 70000, 70000, 70000};
    assert_int_equal(sl__pq_rle_encode(&b, v, 4, 8, 17), 0);
    const uint8_t want[] = {0x10, 0x70, 0x11, 0x01};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    sl_buf_reset(&b);
    assert_int_equal(sl__pq_rle_encode(&b, v, 4, 0, 17), 0);
    assert_int_equal(b.len, 0);
    sl_buf_free(&b);
}

static void test_varint(void **state)
{
    (void)state;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl__pq_put_uvarint(&b, 0), 0);
    assert_int_equal(sl__pq_put_uvarint(&b, 127), 0);
    assert_int_equal(sl__pq_put_uvarint(&b, 128), 0);
    assert_int_equal(sl__pq_put_uvarint(&b, 300), 0);
    const uint8_t want[] = {0x00, 0x7f, 0x80, 0x01, 0xac, 0x02};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    assert_int_equal(sl__pq_zigzag(0), 0);
    assert_int_equal(sl__pq_zigzag(-1), 1);
    assert_int_equal(sl__pq_zigzag(1), 2);
    assert_int_equal(sl__pq_zigzag(-2), 3);
    assert_true(sl__pq_zigzag(INT64_MIN) == UINT64_MAX);
    sl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bit_width),
        cmocka_unit_test(test_rle_run),
        cmocka_unit_test(test_bit_packed_spec_example),
        cmocka_unit_test(test_bits_lsb_first),
        cmocka_unit_test(test_run_then_literals),
        cmocka_unit_test(test_literals_aligned_before_run),
        cmocka_unit_test(test_literals_then_long_run),
        cmocka_unit_test(test_u32_indices_and_empty),
        cmocka_unit_test(test_varint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
