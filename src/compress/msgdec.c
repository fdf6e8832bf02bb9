/*
 * msgdec.c - source.compression applied to one message at a time, for the
 * engine's decode path (DESIGN.md §1: raw records -> decompress -> decode).
 *
 * Message sources (Kafka, Kinesis) say so with per_message_compression in
 * their ops; the engine passes every record through sl_msgdec_run before
 * the decoder. Byte-stream sources (files, stdin) decompress whole streams
 * themselves (sources/file.c) and never come here.
 *
 * Under `auto` each message is detected by its magic bytes, so compressed
 * and plain messages may be mixed in one topic. A decoder state per codec
 * is kept (struct sl_dctx) because creating a zstd or xz decoder costs more
 * than decoding a small message. The output buffer is capped by the
 * per-message limit and given back when a large message leaves it big.
 *
 * Threads: one struct sl_msgdec per thread (the engine thread).
 */
#include <stdlib.h>

#include "internal.h"

#define KEEP_OUT ((size_t)8 << 20) /* buffer kept between messages */
#define OUT_CAP_NO_LIMIT ((size_t)1 << 30)

struct sl_msgdec {
    enum sl_codec codec;
    struct sl_decompress_limits lim;
    struct sl_dctx *ctx;
    struct sl_buf out;
};

int sl_msgdec_create(struct sl_msgdec **out, enum sl_codec codec,
                     const struct sl_decompress_limits *lim,
                     struct sl_error *err)
{
    *out = NULL;
    struct sl_msgdec *md = calloc(1, sizeof *md);
    if (!md)
        return sl_error_set(err, SL_ENOMEM, "decompression: out of memory");
    md->codec = codec;
    if (lim)
        md->lim = *lim;
    else
        sl_decompress_limits_default(&md->lim);
    int rc = sl_dctx_create(&md->ctx, err);
    if (rc) {
        free(md);
        return rc;
    }
    /* one byte over the limit so the decoder's own message (a bomb) is
     * what the caller sees, not the buffer's */
    sl_buf_init(&md->out,
                md->lim.max_output ? md->lim.max_output + 1 : OUT_CAP_NO_LIMIT);
    *out = md;
    return 0;
}

void sl_msgdec_destroy(struct sl_msgdec *md)
{
    if (!md)
        return;
    sl_dctx_destroy(md->ctx);
    sl_buf_free(&md->out);
    free(md);
}

int sl_msgdec_run(struct sl_msgdec *md, const uint8_t *p, size_t n,
                  const uint8_t **data, size_t *len, enum sl_codec *used,
                  struct sl_error *err)
{
    enum sl_codec c = md->codec == SL_CODEC_NONE
                          ? SL_CODEC_NONE
                          : sl_codec_resolve(md->codec, p, n);
    if (used)
        *used = c;
    if (c == SL_CODEC_NONE) {
        *data = p;
        *len = n;
        return 0;
    }
    if (md->out.cap > KEEP_OUT)
        sl_buf_free(&md->out); /* keeps max: the next append reallocates */
    sl_buf_reset(&md->out);
    int rc = sl_dctx_decompress(md->ctx, c, p, n, &md->out, &md->lim, err);
    if (rc) {
        *data = NULL;
        *len = 0;
        return rc;
    }
    *data = md->out.data ? md->out.data : (const uint8_t *)"";
    *len = md->out.len;
    return 0;
}
