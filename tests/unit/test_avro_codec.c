/*
 * test_avro_codec.c - Avro container block codecs (avro_codec.c): round
 * trips, the output cap (decompression bombs), snappy's CRC-32, truncated
 * input, and bzip2/xz blocks made by their own libraries' compressors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bzlib.h>
#include <lzma.h>

#include "formats/avro_codec.h"

static uint8_t *sample(size_t n)
{
    uint8_t *p = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)((i % 7 == 0) ? (x >> 24) : 'a' + i % 13);
    }
    return p;
}

static void test_names(void **state)
{
    assert_int_equal(sl_avro_codec_find("deflate", 7), SL_AVC_DEFLATE);
    assert_int_equal(sl_avro_codec_find("zstandard", 9), SL_AVC_ZSTD);
    assert_int_equal(sl_avro_codec_find("zstd", 4), -1);
    assert_int_equal(sl_avro_codec_find("nullx", 4), SL_AVC_NULL);
    assert_string_equal(sl_avro_codec_name(SL_AVC_XZ), "xz");
}

static void test_roundtrip(void **state)
{
    enum sl_avro_codec cs[] = {SL_AVC_NULL, SL_AVC_DEFLATE, SL_AVC_SNAPPY,
                               SL_AVC_ZSTD};
    size_t sizes[] = {0, 1, 1000, 300000};
    for (size_t c = 0; c < 4; c++)
        for (size_t s = 0; s < 4; s++) {
            uint8_t *p = sample(sizes[s]);
            struct sl_buf z, back;
            sl_buf_init(&z, 0);
            sl_buf_init(&back, 0);
            assert_int_equal(
                sl_avro_codec_encode(cs[c], 0, p, sizes[s], &z, NULL), 0);
            assert_int_equal(sl_avro_codec_decode(NULL, cs[c], z.data, z.len,
                                                  1u << 20, &back, NULL),
                             0);
            assert_int_equal(back.len, sizes[s]);
            if (sizes[s])
                assert_memory_equal(back.data, p, sizes[s]);
            sl_buf_free(&z);
            sl_buf_free(&back);
            free(p);
        }
    /* bzip2 and xz are read, not written. */
    struct sl_buf z;
    sl_buf_init(&z, 0);
    assert_int_equal(sl_avro_codec_encode(SL_AVC_BZIP2, 0, (const uint8_t *)"x",
                                          1, &z, NULL),
                     SL_EINVAL);
    sl_buf_free(&z);
}

static void test_bzip2_xz(void **state)
{
    size_t n = 200000;
    uint8_t *p = sample(n);
    unsigned bl = (unsigned)(n * 2 + 600);
    char *bz = malloc(bl);
    assert_int_equal(
        BZ2_bzBuffToBuffCompress(bz, &bl, (char *)p, (unsigned)n, 9, 0, 0),
        BZ_OK);
    struct sl_buf back;
    sl_buf_init(&back, 0);
    assert_int_equal(sl_avro_codec_decode(NULL, SL_AVC_BZIP2, (uint8_t *)bz, bl,
                                          1u << 20, &back, NULL),
                     0);
    assert_int_equal(back.len, n);
    assert_memory_equal(back.data, p, n);
    /* truncated */
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(sl_avro_codec_decode(NULL, SL_AVC_BZIP2, (uint8_t *)bz,
                                          bl / 2, 1u << 20, &back, &err),
                     SL_ECORRUPT);
    size_t xl = 0, xcap = n + 1000;
    uint8_t *xz = malloc(xcap);
    assert_int_equal(
        lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, p, n, xz, &xl, xcap),
        LZMA_OK);
    assert_int_equal(
        sl_avro_codec_decode(NULL, SL_AVC_XZ, xz, xl, 1u << 20, &back, NULL),
        0);
    assert_int_equal(back.len, n);
    assert_memory_equal(back.data, p, n);
    xz[xl / 2] ^= 0x55;
    assert_int_equal(
        sl_avro_codec_decode(NULL, SL_AVC_XZ, xz, xl, 1u << 20, &back, NULL),
        SL_ECORRUPT);
    free(xz);
    free(bz);
    free(p);
    sl_buf_free(&back);
}

static void test_limits(void **state)
{
    /* 8 MiB of zeros: a small block that inflates past a 1 MiB cap. */
    size_t n = 8u << 20;
    uint8_t *zeros = calloc(1, n);
    enum sl_avro_codec cs[] = {SL_AVC_NULL, SL_AVC_DEFLATE, SL_AVC_SNAPPY,
                               SL_AVC_ZSTD};
    for (size_t c = 0; c < 4; c++) {
        struct sl_buf z, back;
        sl_buf_init(&z, 0);
        sl_buf_init(&back, 0);
        assert_int_equal(sl_avro_codec_encode(cs[c], 0, zeros, n, &z, NULL), 0);
        struct sl_error err;
        sl_error_clear(&err);
        assert_int_equal(sl_avro_codec_decode(NULL, cs[c], z.data, z.len,
                                              1u << 20, &back, &err),
                         SL_ELIMIT);
        assert_non_null(strstr(err.msg, "max_block_bytes"));
        assert_true(back.cap <= (1u << 20) + (64u << 10) + 64);
        /* Truncated input is an error, not a short block. */
        if (cs[c] != SL_AVC_NULL) {
            assert_int_equal(sl_avro_codec_decode(NULL, cs[c], z.data,
                                                  z.len / 2, 16u << 20, &back,
                                                  NULL),
                             SL_ECORRUPT);
        }
        sl_buf_free(&z);
        sl_buf_free(&back);
    }
    free(zeros);
    /* Snappy: the CRC-32 after the block is checked. */
    struct sl_buf z, back;
    sl_buf_init(&z, 0);
    sl_buf_init(&back, 0);
    assert_int_equal(sl_avro_codec_encode(SL_AVC_SNAPPY, 0,
                                          (const uint8_t *)"hello avro", 10, &z,
                                          NULL),
                     0);
    /* CRC-32 of "hello avro", big-endian, per the spec. */
    uint32_t crc = (uint32_t)z.data[z.len - 4] << 24 |
                   (uint32_t)z.data[z.len - 3] << 16 |
                   (uint32_t)z.data[z.len - 2] << 8 | z.data[z.len - 1];
    assert_true(crc == 0xd79d0aceu);
    z.data[z.len - 1] ^= 1;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(sl_avro_codec_decode(NULL, SL_AVC_SNAPPY, z.data, z.len,
                                          1000, &back, &err),
                     SL_ECORRUPT);
    assert_non_null(strstr(err.msg, "CRC-32"));
    sl_buf_free(&z);
    sl_buf_free(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_bzip2_xz),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
