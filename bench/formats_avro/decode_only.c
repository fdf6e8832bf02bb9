/*
 * decode_only.c - the Avro decoder alone, as the engine drives it: the
 * container file is cut by the decoder's frame function and each piece
 * decoded into a batch that is cleared every 4096 rows (the engine's
 * chunk). Prints rows and CPU seconds; no sink, so the figure is the
 * decoder's own (bench/formats_avro/bench.py builds and runs it).
 *   decode_only FILE.avro
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "options.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_avro;

int main(int argc, char **argv)
{
    if (argc != 2)
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
