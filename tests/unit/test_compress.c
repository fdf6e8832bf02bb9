/*
 * test_compress.c - one-shot decompression, detection, names, CRC-32C and
 * the output compressors (src/compress/). Streaming and resuming are in
 * test_compress_stream.c. Fixtures: compress_fixtures.h.
 */
#include "compress_fixtures.h"

#include "compress/internal.h"

/* Decompress fixture `file` one-shot with codec c; returns the status. */
static int oneshot(enum sl_codec c, const char *file,
                   const struct sl_decompress_limits *lim, struct sl_buf *out,
                   struct sl_error *err)
{
    struct sl_buf in;
    fx_read(file, &in);
    int rc = sl_decompress(c, in.data, in.len, out, lim, err);
    sl_buf_free(&in);
    return rc;
}

/* Decompress in[0..n) and expect exactly the error message made from fmt
 * and what follows. */
__attribute__((format(printf, 6, 7))) static void
expect_error(enum sl_codec c, const uint8_t *in, size_t n,
             const struct sl_decompress_limits *lim, int code, const char *fmt,
             ...)
{
    char want[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    struct sl_buf out;
    struct sl_error err;
    sl_buf_init(&out, 0);
    sl_error_clear(&err);
    assert_int_equal(sl_buf_append(&out, "keep", 4), 0);
    int rc = sl_decompress(c, in, n, &out, lim, &err);
    if (rc != code || strcmp(err.msg, want) != 0)
        fail_msg("%s: got %d '%s', want %d '%s'", sl_codec_name(c), rc, err.msg,
                 code, want);
    assert_int_equal(err.code, code);
    assert_int_equal(out.len, 4); /* out is back as it was */
    sl_buf_free(&out);
}

/* ---- CRC-32C ---- */

static void test_crc32c(void **state)
{
    assert_int_equal(sl_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(sl__crc32c_sw(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(sl_crc32c(0, "", 0), 0);
    /* 32 zero bytes: the iSCSI test vector of RFC 3720 B.4. */
    uint8_t z[32] = {0};
    assert_int_equal(sl_crc32c(0, z, 32), 0x8a9136aau);
    uint8_t buf[1031];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    /* Every length and alignment: hardware and tables agree, and a CRC
     * continued over two pieces equals the CRC of the whole. */
    for (size_t off = 0; off < 8; off++) {
        for (size_t n = 0; n + off <= sizeof buf; n += 13) {
            uint32_t a = sl_crc32c(0, buf + off, n);
            assert_int_equal(a, sl__crc32c_sw(0, buf + off, n));
            size_t h = n / 3;
            assert_int_equal(
                a, sl_crc32c(sl_crc32c(0, buf + off, h), buf + off + h, n - h));
        }
    }
}

/* ---- names ---- */

static void test_names(void **state)
{
    static const char *const canon[] = {"none",       "gzip", "zlib", "deflate",
                                        "bzip2",      "xz",   "zstd", "snappy",
                                        "snappy_raw", "auto"};
    for (int c = SL_CODEC_NONE; c <= SL_CODEC_AUTO; c++) {
        assert_string_equal(sl_codec_name(c), canon[c]);
        enum sl_codec back;
        assert_int_equal(sl_codec_from_name(canon[c], &back, NULL), 0);
        assert_int_equal(back, c);
    }
    enum sl_codec c;
    assert_int_equal(sl_codec_from_name("GZ", &c, NULL), 0);
    assert_int_equal(c, SL_CODEC_GZIP);
    assert_int_equal(sl_codec_from_name("zst", &c, NULL), 0);
    assert_int_equal(c, SL_CODEC_ZSTD);
    assert_int_equal(sl_codec_from_name("bz2", &c, NULL), 0);
    assert_int_equal(c, SL_CODEC_BZIP2);
    assert_int_equal(sl_codec_from_name("snappy_framed", &c, NULL), 0);
    assert_int_equal(c, SL_CODEC_SNAPPY_FRAMED);
    struct sl_error err;
    assert_int_equal(sl_codec_from_name("lz4", &c, &err), SL_EINVAL);
    assert_string_equal(err.msg,
                        "unknown compression 'lz4': use auto, none, gzip, "
                        "zlib, deflate, bzip2, xz, zstd, snappy (framed) or "
                        "snappy_raw");
    assert_string_equal(sl_codec_name((enum sl_codec)99), "?");
    assert_string_equal(sl_codec_suffix(SL_CODEC_GZIP), ".gz");
    assert_string_equal(sl_codec_suffix(SL_CODEC_ZSTD), ".zst");
    assert_string_equal(sl_codec_suffix(SL_CODEC_BZIP2), ".bz2");
    assert_string_equal(sl_codec_suffix(SL_CODEC_XZ), ".xz");
    assert_string_equal(sl_codec_suffix(SL_CODEC_NONE), "");
}

/* ---- detection ---- */

static void test_detect_fixtures(void **state)
{
    static const struct codec_file want[] = {
        {"small.gz", SL_CODEC_GZIP},
        {"small.zz", SL_CODEC_ZLIB},
        {"small.bz2", SL_CODEC_BZIP2},
        {"small.xz", SL_CODEC_XZ},
        {"small.zst", SL_CODEC_ZSTD},
        {"small.sz", SL_CODEC_SNAPPY_FRAMED},
        {"medium.gz", SL_CODEC_GZIP},
        {"medium.zz", SL_CODEC_ZLIB},
        {"medium.bz2", SL_CODEC_BZIP2},
        {"medium.xz", SL_CODEC_XZ},
        {"medium.zst", SL_CODEC_ZSTD},
        {"medium.sz", SL_CODEC_SNAPPY_FRAMED},
        {"skip.zst", SL_CODEC_ZSTD},
        {"ab.xz", SL_CODEC_XZ},
        {"zeros20.bz2", SL_CODEC_BZIP2},
        {"blocks.xz", SL_CODEC_XZ},
        {"small.json", SL_CODEC_NONE},
        {"small.deflate", SL_CODEC_NONE},
        {"medium.deflate", SL_CODEC_NONE},
        {"small.snappy", SL_CODEC_NONE},
        {"medium.snappy", SL_CODEC_NONE},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct sl_buf b;
        fx_read(want[i].file, &b);
        enum sl_codec got = sl_codec_detect(b.data, b.len);
        if (got != want[i].codec)
            fail_msg("%s detected as %s", want[i].file, sl_codec_name(got));
        assert_int_equal(sl_codec_resolve(SL_CODEC_AUTO, b.data, b.len), got);
        assert_int_equal(sl_codec_resolve(SL_CODEC_XZ, b.data, b.len),
                         SL_CODEC_XZ);
        sl_buf_free(&b);
    }
    /* An empty bzip2 stream is header + end-of-stream magic. */
    const uint8_t empty_bz2[] = "BZh9\x17\x72\x45\x38\x50\x90\0\0\0\0";
    assert_int_equal(sl_codec_detect(empty_bz2, 14), SL_CODEC_BZIP2);
}

static void test_detect_negatives(void **state)
{
    static const char *const texts[] = {
        "{\"id\":1,\"name\":\"x\"}",
        "[1,2,3]",
        "  {\"a\": 1}\n",
        "\"just a string\"",
        "-12.5",
        "80",
        "8",
        "true",
        "null",
        "id,name,score\n1,alice,3.5\n",
        "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200",
        "x^2 + y^2 = r^2, a circle",
        "HK$100 paid",
        "BZh9 is not bzip2 without its block magic",
        "BZh",
        "PAR1",
        "sNaPpY",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        enum sl_codec c =
            sl_codec_detect((const uint8_t *)texts[i], strlen(texts[i]));
        if (c != SL_CODEC_NONE)
            fail_msg("'%s' detected as %s", texts[i], sl_codec_name(c));
    }
    const uint8_t avro[] = "Obj\x01\x04\x16"
                           "avro.schema";
    assert_int_equal(sl_codec_detect(avro, sizeof avro - 1), SL_CODEC_NONE);
    assert_int_equal(sl_codec_detect(NULL, 0), SL_CODEC_NONE);
    const uint8_t gz2[] = {0x1f, 0x8b};
    assert_int_equal(sl_codec_detect(gz2, 2), SL_CODEC_NONE);
    const uint8_t zstd3[] = {0x28, 0xb5, 0x2f};
    assert_int_equal(sl_codec_detect(zstd3, 3), SL_CODEC_NONE);
    /* zlib header with a preset dictionary: never detected. */
    const uint8_t fdict[] = {0x78, 0xbb, 0x00, 0x00};
    assert_int_equal(sl_codec_detect(fdict, 4), SL_CODEC_NONE);
}

/* Every printable two-byte start followed by text: the only ones taken for
 * zlib are among the pairs compress.h lists, and JSON never is. */
static void test_detect_text_pairs(void **state)
{
    static const char *const allowed[] = {"x^", "8O", "hC",  "HK",
                                          "XG", "(S", "H\r", "X\t"};
    const char *tail = "ello world, 12345, some,csv,fields and more text..";
    uint8_t p[64];
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            p[0] = (uint8_t)a;
            p[1] = (uint8_t)b;
            memcpy(p + 2, tail, 50);
            if (sl_codec_detect(p, 52) != SL_CODEC_ZLIB)
                continue;
            bool printable =
                (a >= 0x20 && a < 0x7f) || a == '\t' || a == '\r' || a == '\n';
            bool printable2 =
                (b >= 0x20 && b < 0x7f) || b == '\t' || b == '\r' || b == '\n';
            if (!printable || !printable2)
                continue;
            bool ok = false;
            for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
                ok |= allowed[i][0] == a && allowed[i][1] == b;
            if (!ok)
                fail_msg("text starting 0x%02x 0x%02x taken for zlib", a, b);
        }
    }
    /* JSON: every first byte a JSON text can start with, and every second
     * byte valid after it, are never zlib. */
    const char *starts = " \t\r\n{[\"-0123456789tfn";
    const char *after_digit = "0123456789.eE,]} \t\r\n";
    for (const char *s = starts; *s; s++) {
        for (int b = 0; b < 256; b++) {
            if (*s >= '0' && *s <= '9' && !strchr(after_digit, b))
                continue;
            p[0] = (uint8_t)*s;
            p[1] = (uint8_t)b;
            memcpy(p + 2, "\"k\": [1, 2, {\"a\": null}], \"b\": true}   ", 40);
            assert_int_equal(sl_codec_detect(p, 42), SL_CODEC_NONE);
        }
    }
}

/* ---- one-shot, every codec ---- */

static void test_oneshot_each_codec(void **state)
{
    const char *bases[] = {"small", "medium"};
    for (size_t k = 0; k < 2; k++) {
        struct sl_buf plain;
        fx_read(fname(bases[k], "json"), &plain);
        for (size_t i = 0; i < N_EACH; i++) {
            struct sl_buf out;
            struct sl_error err;
            sl_buf_init(&out, 0);
            assert_int_equal(sl_buf_append(&out, "head", 4), 0);
            int rc = oneshot(each[i].codec, fname(bases[k], each[i].file), NULL,
                             &out, &err);
            if (rc)
                fail_msg("%s.%s: %s", bases[k], each[i].file, err.msg);
            /* Appended after what out held. */
            assert_memory_equal(out.data, "head", 4);
            assert_int_equal(out.len - 4, plain.len);
            assert_memory_equal(out.data + 4, plain.data, plain.len);
            sl_buf_free(&out);
            /* auto finds the codec where there is a magic. */
            if (each[i].codec == SL_CODEC_DEFLATE ||
                each[i].codec == SL_CODEC_SNAPPY_RAW)
                continue;
            sl_buf_init(&out, 0);
            assert_int_equal(oneshot(SL_CODEC_AUTO,
                                     fname(bases[k], each[i].file), NULL, &out,
                                     &err),
                             0);
            fx_assert_same(&out, &plain);
            sl_buf_free(&out);
        }
        /* Plain data passes through auto and none unchanged. */
        for (enum sl_codec c = SL_CODEC_NONE; c <= SL_CODEC_AUTO;
             c += SL_CODEC_AUTO) {
            struct sl_buf out;
            sl_buf_init(&out, 0);
            assert_int_equal(
                sl_decompress(c, plain.data, plain.len, &out, NULL, NULL), 0);
            fx_assert_same(&out, &plain);
            sl_buf_free(&out);
        }
        sl_buf_free(&plain);
    }
}

static void test_oneshot_concatenated(void **state)
{
    struct sl_buf ab;
    fx_read("ab.json", &ab);
    for (size_t i = 0; i < N_CAT; i++) {
        struct sl_buf out;
        struct sl_error err;
        sl_buf_init(&out, 0);
        if (oneshot(cat[i].codec, cat[i].file, NULL, &out, &err))
            fail_msg("%s: %s", cat[i].file, err.msg);
        fx_assert_same(&out, &ab);
        sl_buf_free(&out);
    }
    sl_buf_free(&ab);
    /* xz -T2 with 64 KiB blocks: one stream of many blocks. */
    struct sl_buf plain, out;
    fx_read("medium.json", &plain);
    sl_buf_init(&out, 0);
    assert_int_equal(oneshot(SL_CODEC_XZ, "blocks.xz", NULL, &out, NULL), 0);
    fx_assert_same(&out, &plain);
    sl_buf_free(&out);
    sl_buf_free(&plain);
    /* A lone skippable frame is a valid zstd input of no bytes. */
    sl_buf_init(&out, 0);
    assert_int_equal(oneshot(SL_CODEC_ZSTD, "skip.zst", NULL, &out, NULL), 0);
    assert_int_equal(out.len, 0);
    sl_buf_free(&out);
}

/* ---- corrupt, truncated, trailing ---- */

/* A fixed-Huffman deflate block whose first symbol copies from distance 1
 * before any output: "invalid distance too far back". */
static const uint8_t far_back[] = {0x03, 0x02, 0x00};

static void test_corrupt_deflate(void **state)
{
    expect_error(SL_CODEC_DEFLATE, far_back, 3, NULL, SL_ECORRUPT,
                 "deflate: corrupt deflate data at compressed byte 2 "
                 "(invalid distance too far back)");
    uint8_t z[5] = {0x78, 0x01};
    memcpy(z + 2, far_back, 3);
    expect_error(SL_CODEC_ZLIB, z, 5, NULL, SL_ECORRUPT,
                 "zlib: corrupt deflate data at compressed byte 4 "
                 "(invalid distance too far back)");
    uint8_t g[21] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    memcpy(g + 10, far_back, 3);
    expect_error(SL_CODEC_GZIP, g, 21, NULL, SL_ECORRUPT,
                 "gzip: corrupt deflate data at compressed byte 12 "
                 "(invalid distance too far back)");
    /* auto: the same bytes are a zlib candidate only by header. */
    assert_int_equal(sl_codec_detect(g, 21), SL_CODEC_GZIP);
}

static void test_corrupt_gzip(void **state)
{
    struct sl_buf gz;
    fx_read("small.gz", &gz);
    size_t n = gz.len;
    gz.data[n - 8] ^= 1; /* CRC-32 of the member */
    expect_error(SL_CODEC_GZIP, gz.data, n, NULL, SL_ECORRUPT,
                 "gzip: corrupt gzip trailer at compressed byte %zu (incorrect "
                 "data check)",
                 n - 4);
    gz.data[n - 8] ^= 1;
    gz.data[n - 1] ^= 1; /* ISIZE */
    expect_error(SL_CODEC_GZIP, gz.data, n, NULL, SL_ECORRUPT,
                 "gzip: corrupt gzip trailer at compressed byte %zu (incorrect "
                 "length check)",
                 n);
    gz.data[n - 1] ^= 1;
    gz.data[2] = 7; /* compression method */
    expect_error(SL_CODEC_GZIP, gz.data, n, NULL, SL_ECORRUPT,
                 "gzip: corrupt gzip header at compressed byte 4 (unknown "
                 "compression method)");
    gz.data[2] = 8;
    /* A member, then bytes that are not a member. */
    assert_int_equal(sl_buf_append(&gz, "garbage", 7), 0);
    expect_error(SL_CODEC_GZIP, gz.data, gz.len, NULL, SL_ECORRUPT,
                 "gzip: corrupt input: trailing data at compressed byte %zu "
                 "after the end of the gzip data",
                 n);
    sl_buf_free(&gz);
    /* zlib holds one stream: a second one is trailing data. */
    struct sl_buf zz;
    fx_read("small.zz", &zz);
    n = zz.len;
    assert_int_equal(sl_buf_reserve(&zz, n), 0); /* no realloc under it */
    assert_int_equal(sl_buf_append(&zz, zz.data, n), 0);
    expect_error(SL_CODEC_ZLIB, zz.data, zz.len, NULL, SL_ECORRUPT,
                 "zlib: corrupt input: trailing data at compressed byte %zu "
                 "after the end of the zlib data",
                 n);
    zz.data[n - 1] ^= 0x10; /* adler32 */
    expect_error(SL_CODEC_ZLIB, zz.data, n, NULL, SL_ECORRUPT,
                 "zlib: corrupt zlib trailer at compressed byte %zu (incorrect "
                 "data check)",
                 n);
    sl_buf_free(&zz);
}

static void test_corrupt_others(void **state)
{
    char want[256];
    struct sl_buf b;
    /* bzip2: bad magic; a bad block CRC (bytes 10..13, after "BZh9" and
     * the block magic) found when the block ends; trailing garbage. */
    fx_read("small.bz2", &b);
    size_t n = b.len;
    b.data[2] = 'x';
    expect_error(SL_CODEC_BZIP2, b.data, n, NULL, SL_ECORRUPT,
                 "bzip2: corrupt bzip2 header at compressed byte 3 (bad "
                 "magic: not a bzip2 stream)");
    b.data[2] = 'h';
    b.data[12] ^= 0x40;
    struct sl_buf out;
    struct sl_error err;
    sl_buf_init(&out, 0);
    assert_int_equal(sl_decompress(SL_CODEC_BZIP2, b.data, n, &out, NULL, &err),
                     SL_ECORRUPT);
    assert_true(err.offset > 14 && (size_t)err.offset <= n);
    snprintf(want, sizeof want,
             "bzip2: corrupt bzip2 data at compressed byte %lld (invalid "
             "block or CRC mismatch)",
             (long long)err.offset);
    assert_string_equal(err.msg, want);
    sl_buf_free(&out);
    b.data[12] ^= 0x40;
    assert_int_equal(sl_buf_append(&b, "BZh", 3), 0); /* not a stream */
    assert_int_equal(sl_buf_append(&b, "garbage", 7), 0);
    expect_error(
        SL_CODEC_BZIP2, b.data, b.len, NULL, SL_ECORRUPT,
        "bzip2: corrupt bzip2 header at compressed byte %zu (bad magic: "
        "not a bzip2 stream)",
        n + 4);
    b.data[n] = 'X';
    expect_error(SL_CODEC_BZIP2, b.data, b.len, NULL, SL_ECORRUPT,
                 "bzip2: corrupt input: trailing data at compressed byte %zu "
                 "after the end of the bzip2 data",
                 n);
    sl_buf_free(&b);

    /* xz: the stream footer magic "YZ"; padding not a multiple of 4;
     * garbage after padding. */
    fx_read("small.xz", &b);
    n = b.len;
    b.data[n - 1] ^= 1;
    expect_error(
        SL_CODEC_XZ, b.data, n, NULL, SL_ECORRUPT,
        "xz: corrupt xz data at compressed byte %zu (compressed data is "
        "corrupt)",
        n);
    b.data[n - 1] ^= 1;
    assert_int_equal(sl_buf_append(&b, "\0\0\0", 3), 0);
    expect_error(SL_CODEC_XZ, b.data, b.len, NULL, SL_ECORRUPT,
                 "xz: corrupt xz stream padding at compressed byte %zu (not a "
                 "multiple of 4 bytes)",
                 n + 3);
    assert_int_equal(sl_buf_append(&b, "\0junk", 5), 0);
    expect_error(
        SL_CODEC_XZ, b.data, b.len, NULL, SL_ECORRUPT,
        "xz: corrupt input: trailing data at compressed byte %zu after "
        "the end of the xz data",
        n + 4);
    b.len = n + 4; /* stream + 4 bytes of padding: valid */
    sl_buf_init(&out, 0);
    assert_int_equal(
        sl_decompress(SL_CODEC_XZ, b.data, b.len, &out, NULL, NULL), 0);
    assert_int_equal(out.len, 30000);
    sl_buf_free(&out);
    sl_buf_free(&b);

    /* zstd: the content checksum; garbage after a frame. */
    fx_read("small.zst", &b);
    n = b.len;
    /* A bad checksum: named by the offset of its frame (the second). */
    assert_int_equal(sl_buf_reserve(&b, n), 0);
    assert_int_equal(sl_buf_append(&b, b.data, n), 0);
    b.data[2 * n - 2] ^= 1;
    expect_error(SL_CODEC_ZSTD, b.data, 2 * n, NULL, SL_ECORRUPT,
                 "zstd: corrupt zstd frame at compressed byte %zu (Restored "
                 "data doesn't match checksum)",
                 n);
    b.len = n;
    assert_int_equal(sl_buf_append(&b, "garbage!", 8), 0);
    expect_error(SL_CODEC_ZSTD, b.data, b.len, NULL, SL_ECORRUPT,
                 "zstd: corrupt input: trailing data at compressed byte %zu "
                 "after the end of the zstd data",
                 n);
    sl_buf_free(&b);

    /* raw snappy: a bad length header, and a truncated block. */
    fx_read("small.snappy", &b);
    expect_error(SL_CODEC_SNAPPY_RAW, b.data, b.len / 2, NULL, SL_ECORRUPT,
                 "snappy_raw: corrupt snappy data at compressed byte 0 "
                 "(invalid compressed data)");
    const uint8_t bad_len[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_error(SL_CODEC_SNAPPY_RAW, bad_len, 6, NULL, SL_ECORRUPT,
                 "snappy_raw: corrupt snappy data at compressed byte 0 "
                 "(invalid length header)");
    sl_buf_free(&b);
}

static void test_truncated(void **state)
{
    for (size_t i = 0; i < N_EACH; i++) {
        if (each[i].codec == SL_CODEC_SNAPPY_RAW)
            continue; /* no framing: a short block is corrupt (above) */
        struct sl_buf b;
        fx_read(fname("medium", each[i].file), &b);
        const char *unit = sl__dec_find(each[i].codec)->unit;
        size_t cuts[] = {b.len / 2, b.len - 1, 5};
        for (size_t k = 0; k < 3; k++) {
            expect_error(each[i].codec, b.data, cuts[k], NULL, SL_ECORRUPT,
                         "%s: truncated input (ends inside a %s at compressed "
                         "byte %zu)",
                         sl_codec_name(each[i].codec), unit, cuts[k]);
        }
        expect_error(each[i].codec, b.data, 0, NULL, SL_ECORRUPT,
                     "%s: truncated input (empty: no %s %s)",
                     sl_codec_name(each[i].codec), sl_codec_name(each[i].codec),
                     unit);
        sl_buf_free(&b);
    }
    const uint8_t one = 0;
    expect_error(SL_CODEC_SNAPPY_RAW, &one, 0, NULL, SL_ECORRUPT,
                 "snappy_raw: truncated input (empty: no snappy_raw block)");
    /* Cut exactly between two gzip members: a valid input. */
    struct sl_buf a, ab, out;
    fx_read("ab.gz", &ab);
    fx_sh("gzip -n -c %s > %s", fx_path("a.json"), fx_path("a.gz"));
    fx_read("a.gz", &a);
    sl_buf_init(&out, 0);
    assert_int_equal(
        sl_decompress(SL_CODEC_GZIP, ab.data, a.len, &out, NULL, NULL), 0);
    assert_int_equal(out.len, 100000);
    sl_buf_free(&out);
    sl_buf_free(&a);
    sl_buf_free(&ab);
}

/* ---- framed snappy ---- */

static void test_snappy_crc_mismatch(void **state)
{
    struct sl_buf b;
    char want[256];
    fx_read("badcrc.sz", &b);
    fx_badcrc_want(want, sizeof want);
    expect_error(SL_CODEC_SNAPPY_FRAMED, b.data, b.len, NULL, SL_ECORRUPT, "%s",
                 want);
    sl_buf_free(&b);
}

static void test_snappy_framing(void **state)
{
    /* No stream identifier first. */
    const uint8_t no_id[] = {0x01, 0x05, 0, 0, 1, 2, 3, 4, 'x'};
    expect_error(SL_CODEC_SNAPPY_FRAMED, no_id, sizeof no_id, NULL, SL_ECORRUPT,
                 "snappy: corrupt snappy framing at compressed byte 0 (chunk "
                 "type 0x01 before the stream identifier chunk: not a framed "
                 "snappy stream)");
    const uint8_t bad_id[] = "\xff\x06\0\0sNaPpX";
    expect_error(SL_CODEC_SNAPPY_FRAMED, bad_id, 10, NULL, SL_ECORRUPT,
                 "snappy: corrupt snappy framing at compressed byte 0 (bad "
                 "stream identifier)");
    /* Reserved unskippable chunk after the identifier. */
    const uint8_t reserved[] = "\xff\x06\0\0sNaPpY\x02\x01\0\0z";
    expect_error(SL_CODEC_SNAPPY_FRAMED, reserved, 15, NULL, SL_ECORRUPT,
                 "snappy: corrupt snappy framing at compressed byte 10 "
                 "(reserved unskippable chunk type 0x02)");
    /* An uncompressed chunk longer than 65536 bytes of data. */
    const uint8_t too_long[] = "\xff\x06\0\0sNaPpY\x01\x05\x00\x01";
    expect_error(SL_CODEC_SNAPPY_FRAMED, too_long, 14, NULL, SL_ECORRUPT,
                 "snappy: corrupt snappy framing at compressed byte 10 (data "
                 "chunk of invalid length 65541)");
    /* Only the identifier, then only padding: valid and empty. */
    const uint8_t empty[] = "\xff\x06\0\0sNaPpY\xfe\x00\0\0";
    struct sl_buf out;
    sl_buf_init(&out, 0);
    assert_int_equal(
        sl_decompress(SL_CODEC_SNAPPY_FRAMED, empty, 14, &out, NULL, NULL), 0);
    assert_int_equal(out.len, 0);
    sl_buf_free(&out);
}

/* ---- limits ---- */

static void test_bombs(void **state)
{
    struct sl_decompress_limits lim;
    struct sl_buf out;
    struct sl_error err;
    const char *ratio_bombs[] = {"zeros100.gz", "zeros100.zst", "zeros20.bz2",
                                 "zeros20.xz"};
    const enum sl_codec ratio_codecs[] = {SL_CODEC_GZIP, SL_CODEC_ZSTD,
                                          SL_CODEC_BZIP2, SL_CODEC_XZ};
    for (size_t i = 0; i < 4; i++) {
        /* Default limits: refused by the expansion ratio. */
        sl_buf_init(&out, 0);
        assert_int_equal(
            oneshot(ratio_codecs[i], ratio_bombs[i], NULL, &out, &err),
            SL_ELIMIT);
        char want[64];
        snprintf(want, sizeof want,
                 "%s: output exceeds 1000 times the compressed size (",
                 sl_codec_name(ratio_codecs[i]));
        if (strncmp(err.msg, want, strlen(want)) != 0 ||
            !strstr(err.msg, " compressed bytes; decompression bomb?)"))
            fail_msg("%s: %s", ratio_bombs[i], err.msg);
        assert_int_equal(out.len, 0);
        sl_buf_free(&out);
    }
    /* Without the ratio: the 64 MiB limit per message. */
    sl_decompress_limits_default(&lim);
    lim.max_ratio = 0;
    for (size_t i = 0; i < 2; i++) {
        sl_buf_init(&out, 0);
        assert_int_equal(
            oneshot(ratio_codecs[i], ratio_bombs[i], &lim, &out, &err),
            SL_ELIMIT);
        char want[128];
        snprintf(want, sizeof want,
                 "%s: output exceeds the 64 MiB limit per message "
                 "(decompression bomb?)",
                 sl_codec_name(ratio_codecs[i]));
        assert_string_equal(err.msg, want);
        assert_true(out.cap <= ((size_t)64 << 20) + 4096);
        sl_buf_free(&out);
    }
    /* 20 MB of zeros over an 8 MiB limit, every codec. */
    lim.max_output = 8 << 20;
    const char *files[] = {"zeros20.bz2", "zeros20.xz", "zeros20.sz"};
    const enum sl_codec codecs[] = {SL_CODEC_BZIP2, SL_CODEC_XZ,
                                    SL_CODEC_SNAPPY_FRAMED};
    for (size_t i = 0; i < 3; i++) {
        struct sl_buf in;
        fx_read(files[i], &in);
        expect_error(codecs[i], in.data, in.len, &lim, SL_ELIMIT,
                     "%s: output exceeds the 8 MiB limit per message "
                     "(decompression bomb?)",
                     sl_codec_name(codecs[i]));
        sl_buf_free(&in);
    }
}

static void test_limit_edges(void **state)
{
    struct sl_buf plain;
    fx_read("medium.json", &plain);
    struct sl_decompress_limits lim;
    sl_decompress_limits_default(&lim);
    lim.max_output = plain.len;
    for (size_t i = 0; i < N_EACH; i++) {
        struct sl_buf out;
        sl_buf_init(&out, 0);
        assert_int_equal(oneshot(each[i].codec, fname("medium", each[i].file),
                                 &lim, &out, NULL),
                         0);
        fx_assert_same(&out, &plain);
        sl_buf_free(&out);
    }
    lim.max_output = plain.len - 1;
    for (size_t i = 0; i < N_EACH; i++) {
        struct sl_buf in;
        fx_read(fname("medium", each[i].file), &in);
        expect_error(each[i].codec, in.data, in.len, &lim, SL_ELIMIT,
                     "%s: output exceeds the 999999 bytes limit per message "
                     "(decompression bomb?)",
                     sl_codec_name(each[i].codec));
        sl_buf_free(&in);
    }
    /* out's own cap applies too. */
    struct sl_buf in, out;
    struct sl_error err;
    fx_read("medium.gz", &in);
    sl_buf_init(&out, 1000);
    assert_int_equal(
        sl_decompress(SL_CODEC_GZIP, in.data, in.len, &out, NULL, &err),
        SL_ELIMIT);
    assert_string_equal(err.msg,
                        "gzip: output exceeds the output buffer cap (1000 "
                        "bytes)");
    assert_int_equal(out.len, 0);
    sl_buf_free(&out);
    sl_buf_free(&in);
    /* A tiny message of a long run is under the ratio floor: accepted. */
    uint8_t run[100000];
    memset(run, 'a', sizeof run);
    struct sl_cstream *cs;
    assert_int_equal(sl_cstream_create(&cs, SL_CODEC_ZSTD, 3, NULL), 0);
    sl_buf_init(&in, 0);
    assert_int_equal(sl_cstream_write(cs, run, sizeof run, &in, NULL), 0);
    assert_int_equal(sl_cstream_finish(cs, &in, NULL), 0);
    sl_cstream_destroy(cs);
    assert_true(in.len * 1000 < sizeof run);
    sl_buf_init(&out, 0);
    assert_int_equal(
        sl_decompress(SL_CODEC_AUTO, in.data, in.len, &out, NULL, NULL), 0);
    assert_int_equal(out.len, sizeof run);
    lim.max_output = 0;
    lim.ratio_floor = 1000;
    out.len = 0;
    assert_int_equal(
        sl_decompress(SL_CODEC_AUTO, in.data, in.len, &out, &lim, NULL),
        SL_ELIMIT);
    sl_buf_free(&out);
    sl_buf_free(&in);
    sl_buf_free(&plain);
}

static void test_memory_limits(void **state)
{
    struct sl_decompress_limits lim;
    sl_decompress_limits_default(&lim);
    lim.max_memory = 16 << 20;
    struct sl_buf in;
    fx_read("xz9.xz", &in);
    expect_error(SL_CODEC_XZ, in.data, in.len, &lim, SL_ELIMIT,
                 "xz: stream at compressed byte 0 needs 65 MiB of memory to "
                 "decompress, over the 16 MiB limit");
    sl_buf_free(&in);
    fx_read("long.zst", &in);
    expect_error(SL_CODEC_ZSTD, in.data, in.len, NULL, SL_ELIMIT,
                 "zstd: frame at compressed byte 0 needs a window over the "
                 "128 MiB memory limit (compressed with --long?)");
    /* After another frame: the offset is where the big frame starts. */
    struct sl_buf two;
    fx_read("small.zst", &two);
    size_t first = two.len;
    assert_int_equal(sl_buf_append(&two, in.data, in.len), 0);
    expect_error(
        SL_CODEC_ZSTD, two.data, two.len, NULL, SL_ELIMIT,
        "zstd: frame at compressed byte %zu needs a window over the 128 "
        "MiB memory limit (compressed with --long?)",
        first);
    sl_buf_free(&two);
    lim.max_memory = 512 << 20;
    struct sl_buf out, plain;
    sl_buf_init(&out, 0);
    assert_int_equal(
        sl_decompress(SL_CODEC_ZSTD, in.data, in.len, &out, &lim, NULL), 0);
    fx_read("medium.json", &plain);
    fx_assert_same(&out, &plain);
    sl_buf_free(&plain);
    sl_buf_free(&out);
    sl_buf_free(&in);
}

/* ---- a reused context ---- */

static void test_dctx_reuse(void **state)
{
    struct sl_dctx *ctx;
    assert_int_equal(sl_dctx_create(&ctx, NULL), 0);
    struct sl_buf small, medium, bad;
    fx_read("small.json", &small);
    fx_read("medium.json", &medium);
    /* Each codec: a good input, a corrupt one, good ones again: every
     * result as with a fresh decoder. */
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < N_EACH; i++) {
            enum sl_codec c = each[i].codec;
            struct sl_buf in, out;
            struct sl_error e1, e2;
            sl_buf_init(&out, 0);
            fx_read(fname("medium", each[i].file), &in);
            assert_int_equal(
                sl_dctx_decompress(ctx, c, in.data, in.len, &out, NULL, NULL),
                0);
            fx_assert_same(&out, &medium);
            sl_buf_init(&bad, 0);
            assert_int_equal(sl_buf_append(&bad, in.data, in.len / 2), 0);
            bad.data[bad.len / 2] ^= 0x55;
            out.len = 0;
            int r1 =
                sl_dctx_decompress(ctx, c, bad.data, bad.len, &out, NULL, &e1);
            int r2 = sl_decompress(c, bad.data, bad.len, &out, NULL, &e2);
            assert_int_equal(r1, r2);
            assert_true(r1 < 0);
            assert_string_equal(e1.msg, e2.msg);
            assert_int_equal(out.len, 0);
            sl_buf_free(&bad);
            sl_buf_free(&in);
            fx_read(fname("small", each[i].file), &in);
            assert_int_equal(
                sl_dctx_decompress(ctx, c, in.data, in.len, &out, NULL, NULL),
                0);
            fx_assert_same(&out, &small);
            sl_buf_free(&in);
            sl_buf_free(&out);
        }
    }
    /* A smaller memory limit applies to a reused zstd state too. */
    struct sl_decompress_limits lim;
    sl_decompress_limits_default(&lim);
    lim.max_memory = 512 << 20;
    struct sl_buf in, out;
    sl_buf_init(&out, 0);
    fx_read("long.zst", &in);
    assert_int_equal(sl_dctx_decompress(ctx, SL_CODEC_ZSTD, in.data, in.len,
                                        &out, &lim, NULL),
                     0);
    out.len = 0;
    assert_int_equal(sl_dctx_decompress(ctx, SL_CODEC_ZSTD, in.data, in.len,
                                        &out, NULL, NULL),
                     SL_ELIMIT);
    sl_buf_free(&in);
    sl_buf_free(&out);
    sl_buf_free(&small);
    sl_buf_free(&medium);
    sl_dctx_destroy(ctx);
    sl_dctx_destroy(NULL);
}

/* ---- compressors, checked by the command-line tools ---- */

static void test_cstream_roundtrip(void **state)
{
    struct sl_buf plain;
    fx_read("medium.json", &plain);
    const enum sl_codec codecs[] = {SL_CODEC_GZIP, SL_CODEC_ZSTD,
                                    SL_CODEC_BZIP2, SL_CODEC_XZ};
    const char *tools[] = {"gzip", "zstd", "bzip2", "xz"};
    for (size_t i = 0; i < 4; i++) {
        struct sl_cstream *cs;
        assert_int_equal(sl_cstream_create(&cs, codecs[i], 0, NULL), 0);
        struct sl_buf file[2];
        for (int f = 0; f < 2; f++) {
            sl_buf_init(&file[f], 0);
            /* Writes of 1, 7 and 65536 bytes, then the rest. */
            size_t pos = 0, sizes[] = {1, 7, 65536, plain.len};
            for (size_t k = 0; k < 4 && pos < plain.len; k++) {
                size_t m =
                    sizes[k] < plain.len - pos ? sizes[k] : plain.len - pos;
                assert_int_equal(
                    sl_cstream_write(cs, plain.data + pos, m, &file[f], NULL),
                    0);
                pos += m;
            }
            assert_int_equal(sl_cstream_finish(cs, &file[f], NULL), 0);
        }
        sl_cstream_destroy(cs);
        /* Same input, same bytes: the second file equals the first. */
        fx_assert_same(&file[1], &file[0]);
        const char *name = fname("ours", sl_codec_suffix(codecs[i]) + 1);
        fx_write(name, file[0].data, file[0].len);
        fx_sh("%s -dc %s | cmp -s - %s", tools[i], fx_path(name),
              fx_path("medium.json"));
        assert_int_equal(sl_codec_detect(file[0].data, file[0].len), codecs[i]);
        sl_buf_free(&file[0]);
        sl_buf_free(&file[1]);
    }
    /* An empty file is a valid compressed file of nothing. */
    for (size_t i = 0; i < 4; i++) {
        struct sl_cstream *cs;
        struct sl_buf f;
        sl_buf_init(&f, 0);
        assert_int_equal(sl_cstream_create(&cs, codecs[i], 1, NULL), 0);
        assert_int_equal(sl_cstream_finish(cs, &f, NULL), 0);
        sl_cstream_destroy(cs);
        fx_write("empty.out", f.data, f.len);
        fx_sh("test -z \"$(%s -dc < %s)\"", tools[i], fx_path("empty.out"));
        sl_buf_free(&f);
    }
    sl_buf_free(&plain);
    struct sl_cstream *cs = NULL;
    struct sl_error err;
    assert_int_equal(sl_cstream_create(&cs, SL_CODEC_SNAPPY_FRAMED, 0, &err),
                     SL_EINVAL);
    assert_null(cs);
    assert_string_equal(err.msg, "compression 'snappy' cannot be written: "
                                 "use gzip, zstd, bzip2 or xz");
    assert_int_equal(sl_cstream_create(&cs, SL_CODEC_GZIP, 10, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg,
                        "gzip: compression level 10 is out of range (1 to 9)");
    sl_cstream_destroy(NULL);
}

/* sl_codec_may_start: waiting for more bytes only when a magic may come */
static void test_may_start(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        size_t n;
        bool want;
    } cases[] = {
        {"", 0, true},
        {"{", 1, false},
        {"{\"a\":1}", 7, false},
        {"\x1f", 1, true},
        {"\x1f\x8b", 2, true},
        {"\x1f\x8c", 2, false},
        {"\x28\xb5\x2f", 3, true},
        {"\x28\xb5\x2e", 3, false},
        {"\xfd"
         "7zXZ",
         5, true},
        {"BZh9", 4, true},
        {"BZi", 3, false},
        {"\xff\x06\x00\x00sNa", 7, true},
        {"\x5a\x2a\x4d", 3, true},
        {"\x5a\x2b", 2, false},
        {"x", 1, true},   /* zlib CMF 0x78 */
        {"x^", 2, true},  /* 0x785e passes the header check */
        {"xy", 2, false}, /* fails it */
        {"ab", 2, false},
        {"2024-", 5, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (sl_codec_may_start((const uint8_t *)cases[i].p, cases[i].n) !=
            cases[i].want)
            fail_msg("case %zu ('%s'): expected %d", i, cases[i].p,
                     cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_detect_fixtures),
        cmocka_unit_test(test_detect_negatives),
        cmocka_unit_test(test_detect_text_pairs),
        cmocka_unit_test(test_may_start),
        cmocka_unit_test(test_oneshot_each_codec),
        cmocka_unit_test(test_oneshot_concatenated),
        cmocka_unit_test(test_corrupt_deflate),
        cmocka_unit_test(test_corrupt_gzip),
        cmocka_unit_test(test_corrupt_others),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_snappy_crc_mismatch),
        cmocka_unit_test(test_snappy_framing),
        cmocka_unit_test(test_bombs),
        cmocka_unit_test(test_limit_edges),
        cmocka_unit_test(test_memory_limits),
        cmocka_unit_test(test_dctx_reuse),
        cmocka_unit_test(test_cstream_roundtrip),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
