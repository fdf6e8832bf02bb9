/*
 * decode_only.c - the Avro decoder alone, as the engine drives it: the
 * container file is cut by the decoder's frame function and each piece
 * decoded into a batch that is cleared every 4096 rows (the engine's
 * chunk). Prints rows and CPU seconds; no sink, so the figure is the
 * decoder's own (bench/formats_avro/bench.py builds and runs it).
 *   decode_only FILE.avro                 container file, block by block
 *   decode_only FILE.avro SCHEMA.avsc     the same rows as single datums:
 *       FILE must use the null codec; its datums are cut out first (not
 *       timed), then each is decoded as one record with avro_framing:
 *       datum, as messages from Kafka or Kinesis are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/avro_bin.h"
#include "formats/avro_read.h"
#include "options.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_avro;

struct datum {
    const uint8_t *p;
    size_t n;
};

/* Cut the datums out of the blocks of a null-codec container file. */
static struct datum *cut(const uint8_t *p, size_t n, const char *schema_path,
                         size_t *count)
{
    FILE *f = fopen(schema_path, "rb");
    if (!f)
        return NULL;
    char text[1 << 16];
    size_t tl = fread(text, 1, sizeof text, f);
    fclose(f);
    struct sl_avro_schema *s;
    if (sl_avro_schema_parse(text, tl, &s, NULL))
        return NULL;
    const char *t = "format: avro\n";
    struct sl_conf *c;
    sl_conf_load_string(t, strlen(t), "bench", &c, NULL);
    struct sl_decoder_ctx ctx = {.conf = c};
    void *st;
    sl_decoder_avro.create(&ctx, &st, NULL);
    size_t cap = 1 << 20, k = 0, at = 0;
    struct datum *v = malloc(cap * sizeof *v);
    while (at < n) {
        size_t consumed;
        long len = sl_decoder_avro.frame(st, p + at, n - at, true, &consumed);
        if (p[at] != 'O') { /* a block: count, size, datums, sync */
            int64_t cnt, size;
            size_t q = at + sl_avro_get_long(p + at, n - at, &cnt);
            q += sl_avro_get_long(p + q, n - q, &size);
            for (int64_t i = 0; i < cnt; i++) {
                size_t d = sl_avro_skip(s->root, p + q, n - q);
                if (k == cap)
                    v = realloc(v, (cap *= 2) * sizeof *v);
                v[k].p = p + q;
                v[k++].n = d;
                q += d;
            }
        }
        at += (size_t)len;
    }
    sl_decoder_avro.destroy(st);
    sl_conf_free(c);
    sl_avro_schema_destroy(s);
    *count = k;
    return v;
}

static int datums(const struct sl_buf *in, const char *schema_path)
{
    size_t k;
    struct datum *v = cut(in->data, in->len, schema_path, &k);
    if (!v)
        return 1;
    char t[4096];
    snprintf(t, sizeof t,
             "format: avro\navro_framing: datum\navro_schema: %s\n",
             schema_path);
    struct sl_conf *c;
    struct sl_error err;
    if (sl_conf_load_string(t, strlen(t), "bench", &c, &err))
        return 1;
    struct sl_decoder_ctx ctx = {.conf = c};
    void *st;
    struct sl_batch *b;
    if (sl_decoder_avro.create(&ctx, &st, &err) ||
        sl_batch_create(NULL, &b, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    size_t rows = 0;
    for (size_t i = 0; i < k; i++) {
        if (sl_decoder_avro.decode(st, v[i].p, v[i].n, b, &err)) {
            fprintf(stderr, "datum %zu: %s\n", i, err.msg);
            return 1;
        }
        if (sl_batch_rows(b) >= 4096) {
            rows += sl_batch_rows(b);
            sl_batch_clear(b);
        }
    }
    rows += sl_batch_rows(b);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    printf("%zu %.6f\n", rows,
           (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    sl_batch_destroy(b);
    sl_decoder_avro.destroy(st);
    sl_conf_free(c);
    free(v);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3)
        return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    struct sl_buf in;
    sl_buf_init(&in, 0);
    char tmp[1 << 16];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        sl_buf_append(&in, tmp, k);
    fclose(f);
    if (argc == 3)
        return datums(&in, argv[2]);
    const char *t = "format: avro\n";
    struct sl_conf *c;
    struct sl_error err;
    if (sl_conf_load_string(t, strlen(t), "bench", &c, &err))
        return 1;
    struct sl_decoder_ctx ctx = {.conf = c};
    void *st;
    struct sl_batch *b;
    if (sl_decoder_avro.create(&ctx, &st, &err) ||
        sl_batch_create(NULL, &b, &err))
        return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    size_t at = 0, rows = 0;
    while (at < in.len) {
        size_t consumed;
        long len = sl_decoder_avro.frame(st, in.data + at, in.len - at, true,
                                         &consumed);
        if (sl_decoder_avro.decode(st, in.data + at, (size_t)len, b, &err)) {
            fprintf(stderr, "decode: %s\n", err.msg);
            return 1;
        }
        at += consumed;
        if (sl_batch_rows(b) >= 4096) {
            rows += sl_batch_rows(b);
            sl_batch_clear(b);
        }
    }
    rows += sl_batch_rows(b);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%zu %.6f\n", rows, s);
    sl_batch_destroy(b);
    sl_decoder_avro.destroy(st);
    sl_conf_free(c);
    sl_buf_free(&in);
    return 0;
}
