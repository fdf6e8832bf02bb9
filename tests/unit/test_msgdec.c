/*
 * test_msgdec.c - per-message decompression (src/compress/msgdec.c), the
 * engine's path for message sources, on fixtures made by the gzip, bzip2,
 * xz and zstd tools, python3-snappy + crcmod and Python's zlib
 * (compress_fixtures.h).
 */
#include "compress_fixtures.h"

/* Every codec: auto detects those with magic; raw ones when named. */
static void test_each_codec(void **state)
{
    (void)state;
    struct sl_buf plain;
    fx_read("small.json", &plain);
    struct sl_msgdec *md_auto = NULL;
    struct sl_error err;
    assert_int_equal(sl_msgdec_create(&md_auto, SL_CODEC_AUTO, NULL, &err), 0);
    for (size_t i = 0; i < N_EACH; i++) {
        struct sl_buf z;
        fx_read(fname("small", each[i].file), &z);
        bool raw = each[i].codec == SL_CODEC_DEFLATE ||
                   each[i].codec == SL_CODEC_SNAPPY_RAW;
        struct sl_msgdec *md = md_auto, *named = NULL;
        if (raw) {
            assert_int_equal(
                sl_msgdec_create(&named, each[i].codec, NULL, &err), 0);
            md = named;
        }
        /* twice: the decoder state is reused */
        for (int k = 0; k < 2; k++) {
            const uint8_t *p = NULL;
            size_t n = 0;
            enum sl_codec used = SL_CODEC_AUTO;
            assert_int_equal(
                sl_msgdec_run(md, z.data, z.len, &p, &n, &used, &err), 0);
            assert_int_equal(used, each[i].codec);
            assert_int_equal(n, plain.len);
            assert_memory_equal(p, plain.data, n);
        }
        sl_msgdec_destroy(named);
        sl_buf_free(&z);
    }
    /* a plain message passes through as it is (same bytes, no copy) */
    const uint8_t *p = NULL;
    size_t n = 0;
    enum sl_codec used = SL_CODEC_AUTO;
    assert_int_equal(
        sl_msgdec_run(md_auto, plain.data, plain.len, &p, &n, &used, &err), 0);
    assert_ptr_equal(p, plain.data);
    assert_int_equal(n, plain.len);
    assert_int_equal(used, SL_CODEC_NONE);
    sl_msgdec_destroy(md_auto);
    sl_buf_free(&plain);
}

/* none: compressed bytes are handed to the decoder untouched. */
static void test_none(void **state)
{
    (void)state;
    struct sl_buf z;
    fx_read("small.gz", &z);
    struct sl_msgdec *md = NULL;
    struct sl_error err;
    assert_int_equal(sl_msgdec_create(&md, SL_CODEC_NONE, NULL, &err), 0);
    const uint8_t *p = NULL;
    size_t n = 0;
    assert_int_equal(sl_msgdec_run(md, z.data, z.len, &p, &n, NULL, &err), 0);
    assert_ptr_equal(p, z.data);
    assert_int_equal(n, z.len);
    sl_msgdec_destroy(md);
    sl_buf_free(&z);
}

/* Damaged and over-limit messages: a reason with codec and offset, and
 * the next message is fine. */
static void test_errors(void **state)
{
    (void)state;
    struct sl_buf z, plain;
    fx_read("small.gz", &z);
    fx_read("small.json", &plain);
    struct sl_msgdec *md = NULL;
    struct sl_error err;
    assert_int_equal(sl_msgdec_create(&md, SL_CODEC_AUTO, NULL, &err), 0);
    const uint8_t *p = NULL;
    size_t n = 0;
    char want[160];

    /* truncated: the last 100 bytes cut */
    sl_error_clear(&err);
    assert_int_equal(sl_msgdec_run(md, z.data, z.len - 100, &p, &n, NULL, &err),
                     SL_ECORRUPT);
    snprintf(want, sizeof want,
             "gzip: truncated input (ends inside a member at compressed "
             "byte %zu)",
             z.len - 100);
    assert_string_equal(err.msg, want);
    assert_int_equal(err.offset, (int64_t)(z.len - 100));
    assert_null(p);

    /* corrupt: the CRC-32 of the trailer */
    z.data[z.len - 8] ^= 0xff;
    sl_error_clear(&err);
    assert_int_equal(sl_msgdec_run(md, z.data, z.len, &p, &n, NULL, &err),
                     SL_ECORRUPT);
    assert_int_equal(strncmp(err.msg, "gzip: ", 6), 0);
    assert_non_null(strstr(err.msg, "compressed byte"));
    z.data[z.len - 8] ^= 0xff;

    /* over the per-message limit (20 KB here) */
    struct sl_decompress_limits lim;
    sl_decompress_limits_default(&lim);
    lim.max_output = 20000;
    struct sl_msgdec *small = NULL;
    assert_int_equal(sl_msgdec_create(&small, SL_CODEC_AUTO, &lim, &err), 0);
    struct sl_buf zs;
    fx_read("small.zst", &zs);
    sl_error_clear(&err);
    assert_int_equal(sl_msgdec_run(small, zs.data, zs.len, &p, &n, NULL, &err),
                     SL_ELIMIT);
    assert_int_equal(strncmp(err.msg, "zstd: output exceeds the ", 25), 0);
    assert_non_null(strstr(err.msg, "decompression bomb?"));
    sl_msgdec_destroy(small);
    sl_buf_free(&zs);

    /* framed snappy with a bad chunk CRC (made by the fixture script) */
    struct sl_buf bad;
    fx_read("badcrc.sz", &bad);
    char want_crc[200];
    fx_badcrc_want(want_crc, sizeof want_crc);
    sl_error_clear(&err);
    assert_int_equal(sl_msgdec_run(md, bad.data, bad.len, &p, &n, NULL, &err),
                     SL_ECORRUPT);
    assert_string_equal(err.msg, want_crc);
    sl_buf_free(&bad);

    /* the same context goes on with a good message */
    assert_int_equal(sl_msgdec_run(md, z.data, z.len, &p, &n, NULL, &err), 0);
    struct sl_buf got = {.data = (uint8_t *)p, .len = n};
    fx_assert_same(&got, &plain);
    sl_msgdec_destroy(md);
    sl_msgdec_destroy(NULL);
    sl_buf_free(&z);
    sl_buf_free(&plain);
}

/* A bomb under the default limits: 200 MB of zeros in a few KB of zstd
 * stops at the ratio limit. */
static void test_bomb_ratio(void **state)
{
    (void)state;
    fx_sh("head -c 200000000 /dev/zero | zstd -q -19 -c > %s",
          fx_path("zeros.zst"));
    struct sl_buf z;
    fx_read("zeros.zst", &z);
    struct sl_msgdec *md = NULL;
    struct sl_error err;
    assert_int_equal(sl_msgdec_create(&md, SL_CODEC_AUTO, NULL, &err), 0);
    const uint8_t *p = NULL;
    size_t n = 0;
    sl_error_clear(&err);
    assert_int_equal(sl_msgdec_run(md, z.data, z.len, &p, &n, NULL, &err),
                     SL_ELIMIT);
    assert_int_equal(
        strncmp(err.msg, "zstd: output exceeds 1000 times the compressed size",
                51),
        0);
    sl_msgdec_destroy(md);
    sl_buf_free(&z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_codec),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bomb_ratio),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
