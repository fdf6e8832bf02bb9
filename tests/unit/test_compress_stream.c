/*
 * test_compress_stream.c - streaming decompression (src/compress/stream.c):
 * odd push and pull sizes, detection, concatenations, errors at the end of
 * input, limits per stream, offsets, and resuming inside compressed files
 * through marks, skip and position strings. Fixtures: compress_fixtures.h.
 */
#include "compress_fixtures.h"

#include "compress/internal.h"

/* Stream fixture `file`; expect its output to equal fixture `plain`. */
static void stream_same(enum sl_codec c, const char *file, const char *plain,
                        size_t push, size_t pull)
{
    struct sl_buf in, want, out;
    struct sl_error err;
    fx_read(file, &in);
    fx_read(plain, &want);
    sl_buf_init(&out, 0);
    int rc = fx_stream(c, NULL, in.data, in.len, push, pull, &out, &err);
    if (rc)
        fail_msg("%s (push %zu, pull %zu): %s", file, push, pull, err.msg);
    fx_assert_same(&out, &want);
    sl_buf_free(&in);
    sl_buf_free(&want);
    sl_buf_free(&out);
}

/* Stream in[0..n) and expect exactly the error want. */
static void stream_error(enum sl_codec c, const uint8_t *in, size_t n,
                         const struct sl_decompress_limits *lim, size_t push,
                         int code, const char *want)
{
    struct sl_buf out;
    struct sl_error err;
    sl_buf_init(&out, 0);
    sl_error_clear(&err);
    int rc = fx_stream(c, lim, in, n, push, 65536, &out, &err);
    if (rc != code || strcmp(err.msg, want) != 0)
        fail_msg("%s (push %zu): got %d '%s', want %d '%s'", sl_codec_name(c),
                 push, rc, err.msg, code, want);
    sl_buf_free(&out);
}

static void test_stream_each_codec(void **state)
{
    for (size_t i = 0; i < N_EACH; i++) {
        const char *small = fname("small", each[i].file);
        const char *medium = fname("medium", each[i].file);
        stream_same(each[i].codec, small, "small.json", 1, 1000);
        stream_same(each[i].codec, small, "small.json", 7, 13);
        stream_same(each[i].codec, medium, "medium.json", 65536, 65536);
        stream_same(each[i].codec, medium, "medium.json", 65536, 3);
        stream_same(each[i].codec, medium, "medium.json", 1 << 20, 1 << 20);
        if (each[i].codec != SL_CODEC_DEFLATE &&
            each[i].codec != SL_CODEC_SNAPPY_RAW)
            stream_same(SL_CODEC_AUTO, medium, "medium.json", 7, 65536);
    }
}

static void test_stream_concatenated(void **state)
{
    for (size_t i = 0; i < N_CAT; i++) {
        stream_same(cat[i].codec, cat[i].file, "ab.json", 1, 4096);
        stream_same(cat[i].codec, cat[i].file, "ab.json", 7, 65536);
        stream_same(SL_CODEC_AUTO, cat[i].file, "ab.json", 65536, 100000);
    }
    stream_same(SL_CODEC_XZ, "blocks.xz", "medium.json", 7, 65536);
}

static void test_stream_auto_plain(void **state)
{
    /* Plain data passes through, whole or shorter than detection needs. */
    stream_same(SL_CODEC_AUTO, "medium.json", "medium.json", 7, 1000);
    stream_same(SL_CODEC_NONE, "medium.json", "medium.json", 65536, 65536);
    const uint8_t tiny[] = "{\"a\":1}\n";
    struct sl_buf out;
    sl_buf_init(&out, 0);
    assert_int_equal(fx_stream(SL_CODEC_AUTO, NULL, tiny, 8, 3, 10, &out, NULL),
                     0);
    assert_int_equal(out.len, 8);
    assert_memory_equal(out.data, tiny, 8);
    out.len = 0;
    assert_int_equal(fx_stream(SL_CODEC_AUTO, NULL, tiny, 0, 3, 10, &out, NULL),
                     0);
    assert_int_equal(out.len, 0);
    sl_buf_free(&out);
    /* The codec is known once enough bytes came. */
    struct sl_dstream *ds;
    struct sl_buf gz;
    fx_read("small.gz", &gz);
    assert_int_equal(sl_dstream_create(&ds, SL_CODEC_AUTO, NULL, NULL), 0);
    size_t taken, got;
    uint8_t buf[256];
    assert_int_equal(sl_dstream_push(ds, gz.data, 10, &taken, NULL), 0);
    assert_int_equal(sl_dstream_pull(ds, buf, sizeof buf, &got, NULL), 0);
    assert_int_equal(got, 0);
    assert_int_equal(sl_dstream_codec(ds), SL_CODEC_AUTO);
    assert_int_equal(
        sl_dstream_push(ds, gz.data + 10, gz.len - 10, &taken, NULL), 0);
    assert_int_equal(taken, gz.len - 10);
    assert_int_equal(sl_dstream_pull(ds, buf, sizeof buf, &got, NULL), 0);
    assert_int_equal(got, sizeof buf);
    assert_int_equal(sl_dstream_codec(ds), SL_CODEC_GZIP);
    assert_int_equal(sl_dstream_out_offset(ds), sizeof buf);
    sl_dstream_destroy(ds);
    sl_buf_free(&gz);
    sl_dstream_destroy(NULL);
}

static void test_stream_errors(void **state)
{
    for (size_t i = 0; i < N_EACH; i++) {
        struct sl_buf b;
        fx_read(fname("medium", each[i].file), &b);
        const char *unit = sl__dec_find(each[i].codec)->unit;
        char want[256];
        size_t cut = b.len / 2;
        if (each[i].codec == SL_CODEC_SNAPPY_RAW)
            snprintf(want, sizeof want,
                     "snappy_raw: corrupt snappy data at compressed byte 0 "
                     "(invalid compressed data)");
        else
            snprintf(want, sizeof want,
                     "%s: truncated input (ends inside a %s at compressed "
                     "byte %zu)",
                     sl_codec_name(each[i].codec), unit, cut);
        stream_error(each[i].codec, b.data, cut, NULL, 7, SL_ECORRUPT, want);
        stream_error(each[i].codec, b.data, cut, NULL, 65536, SL_ECORRUPT,
                     want);
        snprintf(want, sizeof want, "%s: truncated input (empty: no %s %s)",
                 sl_codec_name(each[i].codec), sl_codec_name(each[i].codec),
                 unit);
        stream_error(each[i].codec, b.data, 0, NULL, 7, SL_ECORRUPT, want);
        sl_buf_free(&b);
    }
    /* A corrupt gzip trailer: the same message as one-shot; the error is
     * sticky. */
    struct sl_buf gz;
    fx_read("small.gz", &gz);
    size_t n = gz.len;
    gz.data[n - 8] ^= 1;
    char want[256];
    snprintf(want, sizeof want,
             "gzip: corrupt gzip trailer at compressed byte %zu (incorrect "
             "data check)",
             n - 4);
    stream_error(SL_CODEC_GZIP, gz.data, n, NULL, 1, SL_ECORRUPT, want);
    struct sl_dstream *ds;
    struct sl_error err;
    assert_int_equal(sl_dstream_create(&ds, SL_CODEC_GZIP, NULL, NULL), 0);
    size_t taken, got;
    uint8_t out[65536];
    assert_int_equal(sl_dstream_push(ds, gz.data, n, &taken, NULL), 0);
    sl_dstream_finish(ds);
    assert_int_equal(sl_dstream_pull(ds, out, sizeof out, &got, &err), 0);
    assert_int_equal(got, 30000);
    for (int k = 0; k < 2; k++) {
        sl_error_clear(&err);
        assert_int_equal(sl_dstream_pull(ds, out, sizeof out, &got, &err),
                         SL_ECORRUPT);
        assert_int_equal(got, 0);
        assert_string_equal(err.msg, want);
        assert_int_equal(err.offset, (int64_t)(n - 4));
    }
    assert_int_equal(sl_dstream_push(ds, gz.data, 1, &taken, &err), SL_EINVAL);
    sl_dstream_destroy(ds);
    /* Trailing garbage after the last member. */
    gz.data[n - 8] ^= 1;
    assert_int_equal(sl_buf_append(&gz, "\n", 1), 0);
    snprintf(want, sizeof want,
             "gzip: corrupt input: trailing data at compressed byte %zu "
             "after the end of the gzip data",
             n);
    stream_error(SL_CODEC_GZIP, gz.data, gz.len, NULL, 7, SL_ECORRUPT, want);
    sl_buf_free(&gz);
    /* Framed snappy CRC mismatch, streamed. */
    struct sl_buf b;
    fx_read("badcrc.sz", &b);
    fx_badcrc_want(want, sizeof want);
    stream_error(SL_CODEC_SNAPPY_FRAMED, b.data, b.len, NULL, 7, SL_ECORRUPT,
                 want);
    sl_buf_free(&b);
}

static void test_stream_limits(void **state)
{
    /* Default stream limits: no total cap, the ratio stops a bomb. */
    const char *bombs[] = {"zeros20.bz2", "zeros20.xz", "zeros100.zst"};
    const enum sl_codec codecs[] = {SL_CODEC_BZIP2, SL_CODEC_XZ, SL_CODEC_ZSTD};
    for (size_t i = 0; i < 3; i++) {
        struct sl_buf in, out;
        struct sl_error err;
        fx_read(bombs[i], &in);
        sl_buf_init(&out, 0);
        assert_int_equal(fx_stream(codecs[i], NULL, in.data, in.len, 65536,
                                   65536, &out, &err),
                         SL_ELIMIT);
        char want[64];
        snprintf(want, sizeof want,
                 "%s: output exceeds 1000 times the compressed size (",
                 sl_codec_name(codecs[i]));
        if (strncmp(err.msg, want, strlen(want)) != 0)
            fail_msg("%s: %s", bombs[i], err.msg);
        /* Stopped soon after the floor, not at the end of the bomb. */
        assert_true(out.len <= (2u << 20) + 65536);
        sl_buf_free(&out);
        sl_buf_free(&in);
    }
    /* A cap per stream, framed snappy (whose ratio is at most ~21). */
    struct sl_decompress_limits lim;
    sl_decompress_limits_default(&lim);
    lim.max_output = 8 << 20;
    struct sl_buf in;
    fx_read("zeros20.sz", &in);
    stream_error(SL_CODEC_SNAPPY_FRAMED, in.data, in.len, &lim, 65536,
                 SL_ELIMIT,
                 "snappy: output exceeds the 8 MiB limit per stream "
                 "(decompression bomb?)");
    sl_buf_free(&in);
}

static void test_stream_offsets(void **state)
{
    struct sl_buf in;
    fx_read("bigm.gz", &in);
    struct sl_dstream *ds;
    assert_int_equal(sl_dstream_create(&ds, SL_CODEC_GZIP, NULL, NULL), 0);
    assert_int_equal(sl_dstream_in_offset(ds), 0);
    assert_int_equal(sl_dstream_out_offset(ds), 0);
    size_t pos = 0, got, taken, total = 0;
    uint8_t *buf = malloc(100000);
    int rc;
    for (;;) {
        if (pos < in.len) {
            assert_int_equal(
                sl_dstream_push(ds, in.data + pos, in.len - pos, &taken, NULL),
                0);
            pos += taken;
            if (pos == in.len)
                sl_dstream_finish(ds);
        }
        rc = sl_dstream_pull(ds, buf, 100000, &got, NULL);
        if (rc)
            break;
        total += got;
        assert_int_equal(sl_dstream_out_offset(ds), total);
        assert_true(sl_dstream_in_offset(ds) <= pos);
    }
    assert_int_equal(rc, SL_EEOF);
    assert_int_equal(sl_dstream_pull(ds, buf, 100000, &got, NULL), SL_EEOF);
    assert_int_equal(total, 3200000);
    assert_int_equal(sl_dstream_in_offset(ds), in.len);
    assert_int_equal(sl_dstream_out_offset(ds), 3200000);
    /* The input buffer is bounded: a big push takes at most its size. */
    sl_dstream_destroy(ds);
    assert_int_equal(sl_dstream_create(&ds, SL_CODEC_GZIP, NULL, NULL), 0);
    assert_int_equal(sl_dstream_push(ds, in.data, in.len, &taken, NULL), 0);
    assert_int_equal(taken, SL_DSTREAM_INPUT_MAX);
    assert_int_equal(sl_dstream_push(ds, in.data, in.len, &taken, NULL), 0);
    assert_int_equal(taken, 0);
    sl_dstream_destroy(ds);
    free(buf);
    sl_buf_free(&in);
}

/* Read all of file through a stream, then resume at each position in
 * `at`: from the mark before it, skipping to it; the rest must equal the
 * plain file from there. max_gap bounds position - mark. */
static void resume_check(enum sl_codec c, const char *file, bool multi,
                         uint64_t max_gap)
{
    struct sl_buf in, plain;
    fx_read(file, &in);
    fx_read("big.json", &plain);
    struct sl_dstream *ds;
    assert_int_equal(sl_dstream_create(&ds, c, NULL, NULL), 0);
    size_t pos = 0, got, taken;
    uint8_t *buf = malloc(65536);
    while (pos < in.len) {
        assert_int_equal(
            sl_dstream_push(ds, in.data + pos, in.len - pos, &taken, NULL), 0);
        pos += taken;
        while (sl_dstream_pull(ds, buf, 65536, &got, NULL) == 0 && got)
            ;
    }
    sl_dstream_finish(ds);
    while (sl_dstream_pull(ds, buf, 65536, &got, NULL) == 0)
        ;
    assert_int_equal(sl_dstream_out_offset(ds), plain.len);
    const uint64_t at[] = {0,       1,       399999,  400000,
                           1234567, 2500000, 3199999, 3200000};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        struct sl_dstream_mark m;
        assert_int_equal(sl_dstream_mark_before(ds, at[i], &m), 0);
        assert_true(m.out_off <= at[i]);
        assert_true(at[i] - m.out_off <= max_gap);
        if (multi && at[i] >= (2u << 20)) /* a mark inside the file */
            assert_true(m.in_off > 0 && m.out_off > 0);
        /* The position string the file source stores, and back. */
        struct sl_buf ps;
        sl_buf_init(&ps, 0);
        assert_int_equal(sl_dstream_pos_format(&ps, c, at[i], &m), 0);
        assert_int_equal(sl_buf_cstr(&ps), 0);
        enum sl_codec c2;
        uint64_t d2;
        struct sl_dstream_mark m2;
        assert_int_equal(
            sl_dstream_pos_parse((char *)ps.data, &c2, &d2, &m2, NULL), 0);
        assert_int_equal(c2, c);
        assert_int_equal(d2, at[i]);
        assert_int_equal(m2.in_off, m.in_off);
        assert_int_equal(m2.out_off, m.out_off);
        sl_buf_free(&ps);
        /* Resume there, pushing the file from the mark in odd pieces. */
        struct sl_buf out;
        struct sl_error err;
        sl_buf_init(&out, 0);
        struct sl_dstream *rs;
        assert_int_equal(sl_dstream_create_at(&rs, c2, NULL, &m2, &err), 0);
        sl_dstream_skip(rs, d2 - m2.out_off);
        size_t p = (size_t)m2.in_off;
        int rc = 0;
        while (rc == 0) {
            if (p < in.len) {
                size_t k = in.len - p < 70001 ? in.len - p : 70001;
                assert_int_equal(
                    sl_dstream_push(rs, in.data + p, k, &taken, NULL), 0);
                p += taken;
                if (p == in.len)
                    sl_dstream_finish(rs);
            } else if (m2.in_off == in.len) {
                sl_dstream_finish(rs);
            }
            while ((rc = sl_dstream_pull(rs, buf, 65536, &got, &err)) == 0 &&
                   got)
                assert_int_equal(sl_buf_append(&out, buf, got), 0);
        }
        if (rc != SL_EEOF)
            fail_msg("%s resumed at %llu: %s", file, (unsigned long long)at[i],
                     err.msg);
        assert_int_equal(out.len, plain.len - at[i]);
        assert_memory_equal(out.data, plain.data + at[i], out.len);
        assert_int_equal(sl_dstream_out_offset(rs), plain.len);
        assert_int_equal(sl_dstream_in_offset(rs), in.len);
        sl_dstream_destroy(rs);
        sl_buf_free(&out);
    }
    sl_dstream_destroy(ds);
    free(buf);
    sl_buf_free(&in);
    sl_buf_free(&plain);
}

static void test_resume(void **state)
{
    /* Members/streams/frames of 400000 bytes, marks >= 1 MiB apart. */
    uint64_t gap = SL_DSTREAM_MARK_SPACING + 400000;
    resume_check(SL_CODEC_GZIP, "bigm.gz", true, gap);
    resume_check(SL_CODEC_BZIP2, "bigm.bz2", true, gap);
    resume_check(SL_CODEC_XZ, "bigm.xz", true, gap);
    resume_check(SL_CODEC_ZSTD, "bigm.zst", true, gap);
    /* Framed snappy: any 64 KiB chunk can be a mark. */
    resume_check(SL_CODEC_SNAPPY_FRAMED, "big.sz", true,
                 SL_DSTREAM_MARK_SPACING + 65536);
    /* One member: the only mark is the start, resuming decodes it all. */
    resume_check(SL_CODEC_GZIP, "big1.gz", false, 3200000);
    resume_check(SL_CODEC_NONE, "big.json", false, 0);
}

static void test_resume_errors(void **state)
{
    struct sl_buf in;
    fx_read("small.gz", &in);
    struct sl_dstream *ds;
    struct sl_error err;
    /* A position past the end of the file. */
    assert_int_equal(sl_dstream_create(&ds, SL_CODEC_GZIP, NULL, NULL), 0);
    sl_dstream_skip(ds, 30010);
    size_t taken, got;
    uint8_t buf[4096];
    assert_int_equal(sl_dstream_push(ds, in.data, in.len, &taken, NULL), 0);
    sl_dstream_finish(ds);
    assert_int_equal(sl_dstream_pull(ds, buf, sizeof buf, &got, &err),
                     SL_ECORRUPT);
    char want[256];
    snprintf(want, sizeof want,
             "gzip: input ends at decompressed byte 30000, before the "
             "position 30010 to resume from (file changed since the "
             "checkpoint?)");
    assert_string_equal(err.msg, want);
    sl_dstream_destroy(ds);
    /* Exactly at the end: nothing more, no error. */
    assert_int_equal(sl_dstream_create(&ds, SL_CODEC_GZIP, NULL, NULL), 0);
    sl_dstream_skip(ds, 30000);
    assert_int_equal(sl_dstream_push(ds, in.data, in.len, &taken, NULL), 0);
    sl_dstream_finish(ds);
    assert_int_equal(sl_dstream_pull(ds, buf, sizeof buf, &got, &err), SL_EEOF);
    sl_dstream_destroy(ds);
    /* A mark at the end of the file, nothing after it: valid and empty. */
    struct sl_dstream_mark end = {in.len, 30000};
    assert_int_equal(sl_dstream_create_at(&ds, SL_CODEC_GZIP, NULL, &end, NULL),
                     0);
    sl_dstream_finish(ds);
    assert_int_equal(sl_dstream_pull(ds, buf, sizeof buf, &got, &err), SL_EEOF);
    assert_int_equal(sl_dstream_mark_before(ds, 29999, &end), SL_EINVAL);
    sl_dstream_destroy(ds);
    /* Resuming needs the codec. */
    ds = (struct sl_dstream *)1;
    assert_int_equal(sl_dstream_create_at(&ds, SL_CODEC_AUTO, NULL, &end, &err),
                     SL_EINVAL);
    assert_null(ds);
    snprintf(want, sizeof want,
             "dstream: resuming at compressed byte %zu needs the codec, not "
             "auto",
             in.len);
    assert_string_equal(err.msg, want);
    sl_buf_free(&in);
}

static void test_positions(void **state)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    struct sl_dstream_mark m = {40960, 1000000};
    assert_int_equal(sl_dstream_pos_format(&b, SL_CODEC_GZIP, 1048576, &m), 0);
    assert_int_equal(sl_buf_putc(&b, ' '), 0);
    assert_int_equal(sl_dstream_pos_format(&b, SL_CODEC_NONE, 77, &m), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data, "1048576:gzip:40960:1000000 77");
    sl_buf_free(&b);
    enum sl_codec c;
    uint64_t d;
    assert_int_equal(sl_dstream_pos_parse("77", &c, &d, &m, NULL), 0);
    assert_int_equal(c, SL_CODEC_NONE);
    assert_int_equal(d, 77);
    assert_int_equal(m.in_off, 77);
    assert_int_equal(m.out_off, 77);
    assert_int_equal(sl_dstream_pos_parse("9:snappy:100:0", &c, &d, &m, NULL),
                     0);
    assert_int_equal(c, SL_CODEC_SNAPPY_FRAMED);
    const char *bad[] = {"",           "x",           "-1",
                         "12:gzip:3",  "12:nope:3:4", "5:gzip:1:9",
                         "5:auto:1:2", "5:gzip:1:2:", "99999999999999999999",
                         "5:gzip::2",  "5 "};
    struct sl_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sl_dstream_pos_parse(bad[i], &c, &d, &m, &err) != SL_EINVAL)
            fail_msg("'%s' parsed", bad[i]);
    }
    assert_string_equal(err.msg,
                        "bad position '5 ' in a compressed file: expected D "
                        "or D:codec:C:B (decompressed offset, codec, mark)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_each_codec),
        cmocka_unit_test(test_stream_concatenated),
        cmocka_unit_test(test_stream_auto_plain),
        cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_stream_limits),
        cmocka_unit_test(test_stream_offsets),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_resume_errors),
        cmocka_unit_test(test_positions),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
