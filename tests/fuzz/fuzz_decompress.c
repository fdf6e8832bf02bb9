/*
 * fuzz_decompress.c - libFuzzer harness for src/compress/.
 *
 * Input: byte 0 picks the codec (byte % 10: none, gzip, zlib, deflate,
 * bzip2, xz, zstd, snappy, snappy_raw, auto; from 250 up it picks a
 * compressor round trip instead), byte 1 the push and pull sizes, the rest
 * is the payload. Output is bounded (1 MiB, ratio 1000 over 64 KiB, 16 MiB
 * of decoder memory). Checks, beyond "no crash, no leak":
 *   - one-shot and streaming agree: both succeed with the same bytes, or
 *     one of them hit a limit (ratio checks see input in different pieces);
 *   - a decoder context reused across inputs (kept for the whole run)
 *     gives exactly what a fresh decoder gives;
 *   - every error message names the codec;
 *   - resuming at the mark before the middle of a good stream, and
 *     skipping to the middle, gives exactly the rest of the output;
 *   - what our compressors write decompresses back to the payload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress/compress.h"

static struct sl_decompress_limits limits(void)
{
    struct sl_decompress_limits lim;
    sl_decompress_limits_default(&lim);
    lim.max_output = 1 << 20;
    lim.ratio_floor = 64 << 10;
    lim.max_memory = 16 << 20;
    return lim;
}

static void check_msg(int rc, const struct sl_error *err, enum sl_codec c)
{
    if (rc >= 0 || rc == SL_ENOMEM)
        return;
    if (!err->msg[0] ||
        (c != SL_CODEC_AUTO &&
         strncmp(err->msg, sl_codec_name(c), strlen(sl_codec_name(c))) != 0)) {
        fprintf(stderr, "bad message for %s: '%s'\n", sl_codec_name(c),
                err->msg);
        abort();
    }
}

/* Stream p[0..n) from mark m (NULL: start), skipping `skip` bytes. */
static int stream(enum sl_codec c, const uint8_t *p, size_t n,
                  const struct sl_dstream_mark *m, uint64_t skip, size_t push,
                  size_t pull, struct sl_buf *out, struct sl_error *err)
{
    struct sl_decompress_limits lim = limits();
    struct sl_dstream *ds;
    int rc = sl_dstream_create_at(&ds, c, &lim, m, err);
    if (rc)
        return rc;
    sl_dstream_skip(ds, skip);
    uint8_t *buf = malloc(pull);
    size_t pos = 0, got, taken;
    if (!buf)
        abort();
    for (;;) {
        if (pos < n) {
            size_t k = n - pos < push ? n - pos : push;
            if (sl_dstream_push(ds, p + pos, k, &taken, err))
                abort();
            pos += taken;
        }
        if (pos == n)
            sl_dstream_finish(ds);
        while ((rc = sl_dstream_pull(ds, buf, pull, &got, err)) == 0 && got)
            if (sl_buf_append(out, buf, got))
                abort();
        if (rc)
            break;
        if (pos == n) /* finished, yet neither data, end nor error */
            abort();
    }
    if (rc == SL_EEOF) {
        struct sl_dstream_mark mm;
        uint64_t end = sl_dstream_out_offset(ds);
        if (sl_dstream_mark_before(ds, end, &mm) || mm.out_off > end)
            abort();
        rc = 0;
    }
    free(buf);
    sl_dstream_destroy(ds);
    return rc;
}

static void roundtrip(int which, const uint8_t *p, size_t n)
{
    static const enum sl_codec codecs[] = {SL_CODEC_GZIP, SL_CODEC_ZSTD,
                                           SL_CODEC_BZIP2, SL_CODEC_XZ};
    enum sl_codec c = codecs[which % 4];
    struct sl_cstream *cs;
    struct sl_buf z, back;
    sl_buf_init(&z, 0);
    sl_buf_init(&back, 0);
    if (sl_cstream_create(&cs, c, 1, NULL))
        abort();
    size_t half = n / 2;
    if (sl_cstream_write(cs, p, half, &z, NULL) ||
        sl_cstream_write(cs, p + half, n - half, &z, NULL) ||
        sl_cstream_finish(cs, &z, NULL))
        abort();
    sl_cstream_destroy(cs);
    if (sl_codec_detect(z.data, z.len) != c ||
        sl_decompress(c, z.data, z.len, &back, NULL, NULL) || back.len != n ||
        (n && memcmp(back.data, p, n) != 0))
        abort();
    sl_buf_free(&z);
    sl_buf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    if (data[0] >= 250) {
        roundtrip(data[0] - 250, p, n);
        return 0;
    }
    enum sl_codec c = (enum sl_codec)(data[0] % 10);
    static const size_t sizes[] = {1, 2, 3, 7, 64, 1000, 4096, 65536};
    size_t push = sizes[data[1] & 7], pull = sizes[(data[1] >> 3) & 7];

    struct sl_decompress_limits lim = limits();
    struct sl_buf one, str;
    struct sl_error e1, e2;
    sl_buf_init(&one, 0);
    sl_buf_init(&str, 0);
    sl_error_clear(&e1);
    sl_error_clear(&e2);
    int rc1 = sl_decompress(c, p, n, &one, &lim, &e1);
    check_msg(rc1, &e1, c);
    if (rc1 && one.len)
        abort();                /* out must be back as it was */
    static struct sl_dctx *ctx; /* reused by every input of the run */
    if (!ctx && sl_dctx_create(&ctx, NULL))
        abort();
    struct sl_buf again;
    sl_buf_init(&again, 0);
    int rc0 = sl_dctx_decompress(ctx, c, p, n, &again, &lim, &e2);
    if (rc0 != rc1 || again.len != one.len ||
        (one.len && memcmp(again.data, one.data, one.len) != 0) ||
        (rc0 && strcmp(e1.msg, e2.msg) != 0)) {
        fprintf(stderr, "reused context: %d '%s' vs fresh %d '%s'\n", rc0,
                e2.msg, rc1, e1.msg);
        abort();
    }
    sl_buf_free(&again);
    sl_error_clear(&e2);
    int rc2 = stream(c, p, n, NULL, 0, push, pull, &str, &e2);
    check_msg(rc2, &e2, c);
    if ((rc1 == 0 && rc2 != 0 && rc2 != SL_ELIMIT) ||
        (rc2 == 0 && rc1 != 0 && rc1 != SL_ELIMIT)) {
        fprintf(stderr, "one-shot %d '%s' vs stream %d '%s'\n", rc1, e1.msg,
                rc2, e2.msg);
        abort();
    }
    if (rc1 == 0 && rc2 == 0 &&
        (one.len != str.len ||
         (one.len && memcmp(one.data, str.data, one.len) != 0))) {
        fprintf(stderr, "one-shot and stream differ\n");
        abort();
    }

    /* Resume in the middle of a good stream, from the mark before it. */
    if (rc2 == 0 && c != SL_CODEC_AUTO && str.len > 1) {
        struct sl_dstream *ds;
        struct sl_dstream_mark m;
        uint64_t mid = str.len / 2;
        if (sl_dstream_create(&ds, c, &lim, NULL))
            abort();
        size_t taken, got, pos = 0;
        uint8_t buf[4096];
        while (pos < n) {
            if (sl_dstream_push(ds, p + pos, n - pos, &taken, NULL))
                abort();
            pos += taken;
            if (pos == n)
                sl_dstream_finish(ds);
            while (sl_dstream_pull(ds, buf, sizeof buf, &got, NULL) == 0 && got)
                ;
        }
        if (sl_dstream_mark_before(ds, mid, &m) || m.out_off > mid ||
            m.in_off > n)
            abort();
        sl_dstream_destroy(ds);
        struct sl_buf rest;
        sl_buf_init(&rest, 0);
        int rc3 = stream(c, p + m.in_off, n - m.in_off, &m, mid - m.out_off,
                         push, pull, &rest, &e2);
        if (rc3 != 0 && rc3 != SL_ELIMIT) {
            fprintf(stderr, "resume at %llu+%llu failed: %s\n",
                    (unsigned long long)m.in_off, (unsigned long long)m.out_off,
                    e2.msg);
            abort();
        }
        if (rc3 == 0 && (rest.len != str.len - mid ||
                         memcmp(rest.data, str.data + mid, rest.len) != 0)) {
            fprintf(stderr, "resumed output differs\n");
            abort();
        }
        sl_buf_free(&rest);
    }
    sl_buf_free(&one);
    sl_buf_free(&str);
    return 0;
}
