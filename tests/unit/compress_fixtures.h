/*
 * compress_fixtures.h - fixtures shared by test_compress.c and
 * test_compress_stream.c.
 *
 * The group setup writes deterministic JSON-lines plain files into a fresh
 * temporary folder and runs compress_fixtures.sh there, which compresses
 * them with the gzip, bzip2, xz and zstd tools, python3-snappy + crcmod
 * (framed snappy) and Python's zlib: no fixture comes from our own
 * compressors. Included once per test program (static functions).
 */
#ifndef SL_TEST_COMPRESS_FIXTURES_H
#define SL_TEST_COMPRESS_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compress/compress.h"

static char fx_dir[128];

struct codec_file {
    const char *file;
    enum sl_codec codec;
};

/* One fixture per codec: BASE.EXT made from BASE.json. */
static const struct codec_file each[] = {
    {"gz", SL_CODEC_GZIP},
    {"zz", SL_CODEC_ZLIB},
    {"deflate", SL_CODEC_DEFLATE},
    {"bz2", SL_CODEC_BZIP2},
    {"xz", SL_CODEC_XZ},
    {"zst", SL_CODEC_ZSTD},
    {"sz", SL_CODEC_SNAPPY_FRAMED},
    {"snappy", SL_CODEC_SNAPPY_RAW},
};
#define N_EACH (sizeof each / sizeof each[0])

/* Concatenations of a.json and b.json (ab.json): gzip members (and an
 * empty one), bzip2 streams, xz streams with padding, zstd frames with a
 * skippable one, framed snappy streams with every chunk type. */
static const struct codec_file cat[] = {
    {"ab.gz", SL_CODEC_GZIP},
    {"ab.bz2", SL_CODEC_BZIP2},
    {"ab.xz", SL_CODEC_XZ},
    {"ab.zst", SL_CODEC_ZSTD},
    {"ab.sz", SL_CODEC_SNAPPY_FRAMED},
};
#define N_CAT (sizeof cat / sizeof cat[0])

/* "BASE.EXT" (four calls may be in use at once). */
static const char *fname(const char *base, const char *ext)
{
    static char name[4][64];
    static int k;
    k = (k + 1) % 4;
    snprintf(name[k], sizeof name[k], "%s.%s", base, ext);
    return name[k];
}

static const char *fx_path(const char *name)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", fx_dir, name);
    return path[k];
}

/* Contents of fixture `name` into b (initialised here; caller frees). */
static void fx_read(const char *name, struct sl_buf *b)
{
    sl_buf_init(b, 0);
    FILE *f = fopen(fx_path(name), "rb");
    assert_non_null(f);
    uint8_t chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(sl_buf_append(b, chunk, r), 0);
    fclose(f);
}

static void fx_write(const char *name, const void *p, size_t n)
{
    FILE *f = fopen(fx_path(name), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Run a shell command; it must succeed. */
static void fx_sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
}

/* n bytes of JSON lines, a fixed function of seed: compressible like
 * real events (a few keys, words from a small vocabulary, numbers). */
static void fx_plain(struct sl_buf *b, size_t n, uint32_t seed)
{
    static const char *const words[] = {
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
        "hotel", "india", "juliet",  "kilo",  "lima", "mike",    "november"};
    uint32_t x = seed * 2654435761u + 1;
    sl_buf_init(b, 0);
    for (uint64_t id = 0; b->len < n; id++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        assert_int_equal(
            sl_buf_appendf(b,
                           "{\"id\":%llu,\"user\":\"u%04u\",\"score\":%u.%02u,"
                           "\"tag\":\"%s\",\"msg\":\"%s %s %s\"}\n",
                           (unsigned long long)id, x % 5000, x % 97,
                           (x >> 8) % 100, words[x % 14], words[(x >> 4) % 14],
                           words[(x >> 9) % 14], words[(x >> 14) % 14]),
            0);
    }
    b->len = n;
}

static void fx_plain_file(const char *name, size_t n, uint32_t seed)
{
    struct sl_buf b;
    fx_plain(&b, n, seed);
    fx_write(name, b.data, b.len);
    sl_buf_free(&b);
}

static int fx_setup(void **state)
{
    snprintf(fx_dir, sizeof fx_dir, "/tmp/sl-compress-XXXXXX");
    if (!mkdtemp(fx_dir))
        return -1;
    fx_plain_file("small.json", 30000, 1);
    fx_plain_file("medium.json", 1000000, 2);
    fx_plain_file("big.json", 3200000, 3);
    fx_plain_file("a.json", 100000, 4);
    fx_plain_file("b.json", 50000, 5);
    const char *src = getenv("SL_SOURCE_DIR");
    fx_sh("bash %s/tests/unit/compress_fixtures.sh %s",
          src ? src : SL_SOURCE_DIR, fx_dir);
    return 0;
}

static int fx_teardown(void **state)
{
    if (fx_dir[0] && strncmp(fx_dir, "/tmp/sl-compress-", 17) == 0)
        fx_sh("rm -rf '%s'", fx_dir);
    return 0;
}

/* The error expected for badcrc.sz, from what the fixture maker printed
 * (chunk offset, stored and computed masked CRC-32C). */
static void fx_badcrc_want(char *want, size_t n)
{
    struct sl_buf info;
    fx_read("badcrc.txt", &info);
    assert_int_equal(sl_buf_cstr(&info), 0);
    unsigned long long off;
    unsigned long stored, computed;
    assert_int_equal(
        sscanf((char *)info.data, "%llu %lu %lu", &off, &stored, &computed), 3);
    assert_int_equal(stored ^ 1, computed);
    snprintf(want, n,
             "snappy: corrupt snappy chunk at compressed byte %llu (CRC-32C "
             "mismatch: stored 0x%08lx, computed 0x%08lx)",
             off, stored, computed);
    sl_buf_free(&info);
}

static void fx_assert_same(const struct sl_buf *got, const struct sl_buf *want)
{
    assert_int_equal(got->len, want->len);
    assert_memory_equal(got->data, want->data, want->len);
}

/* Decompress p[0..n) through a dstream: push `push` bytes at a time, pull
 * into a `pull`-byte buffer; appends to out. Returns 0 or the error. */
__attribute__((unused)) static int
fx_stream(enum sl_codec c, const struct sl_decompress_limits *lim,
          const uint8_t *p, size_t n, size_t push, size_t pull,
          struct sl_buf *out, struct sl_error *err)
{
    struct sl_dstream *ds;
    int rc = sl_dstream_create(&ds, c, lim, err);
    if (rc)
        return rc;
    uint8_t *dst = malloc(pull);
    assert_non_null(dst);
    size_t pos = 0;
    for (;;) {
        if (pos < n) {
            size_t k = n - pos < push ? n - pos : push, taken;
            assert_int_equal(sl_dstream_push(ds, p + pos, k, &taken, err), 0);
            pos += taken;
            if (pos == n)
                sl_dstream_finish(ds);
        } else if (n == 0) {
            sl_dstream_finish(ds);
        }
        size_t got;
        do {
            rc = sl_dstream_pull(ds, dst, pull, &got, err);
            if (rc == 0 && got)
                assert_int_equal(sl_buf_append(out, dst, got), 0);
        } while (rc == 0 && got);
        if (rc)
            break;
        if (pos == n) /* finished: pull ends with data, EOF or an error */
            fail_msg("pull returned nothing after finish");
    }
    free(dst);
    sl_dstream_destroy(ds);
    return rc == SL_EEOF ? 0 : rc;
}

#endif
