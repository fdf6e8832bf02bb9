/*
 * avro_codec.h - the block codecs of Avro object container files
 * (specification, "Required Codecs" and "Optional Codecs"): null, deflate
 * (raw RFC 1951), snappy (raw block + big-endian CRC-32 of the
 * uncompressed data), bzip2, xz, zstandard.
 *
 * Shared by the decoder (avro.c) and the encoder (avro_out.c). Output is
 * capped (decompression-bomb limit): a block that inflates beyond `max`
 * fails with SL_ELIMIT.
 */
#ifndef SL_AVRO_CODEC_H
#define SL_AVRO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

enum sl_avro_codec {
    SL_AVC_NULL,
    SL_AVC_DEFLATE,
    SL_AVC_SNAPPY,
    SL_AVC_BZIP2,
    SL_AVC_XZ,
    SL_AVC_ZSTD,
};

/* "null", "deflate", "snappy", "bzip2", "xz", "zstandard" -> codec; -1
 * when unknown. n is the length of name. */
int sl_avro_codec_find(const char *name, size_t n);
const char *sl_avro_codec_name(enum sl_avro_codec c);

struct sl_dctx;

/* Decompress a block into out (reset first), at most max bytes. ctx (may
 * be NULL) keeps decoder states between blocks (compress/compress.h). */
int sl_avro_codec_decode(struct sl_dctx *ctx, enum sl_avro_codec c,
                         const uint8_t *p, size_t n, size_t max,
                         struct sl_buf *out, struct sl_error *err);
/* Compress a block, appending to out. Encoders: null, deflate, snappy,
 * zstandard (others return SL_EINVAL). level 0 is the codec's default
 * (deflate 6, zstandard 3); deflate takes 1..9, zstandard 1..19. */
int sl_avro_codec_encode(enum sl_avro_codec c, int level, const uint8_t *p,
                         size_t n, struct sl_buf *out, struct sl_error *err);

#endif
