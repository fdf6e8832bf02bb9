/*
 * compress.h - transparent decompression and output compression.
 *
 * The "decompress" step of DESIGN.md §1: raw records (Kafka, Kinesis, Avro
 * blocks) are decompressed one message at a time with sl_decompress(); files
 * are decompressed as they are read with a struct sl_dstream, whose memory
 * stays bounded however large the file is; output files are compressed with
 * a struct sl_cstream (sink.compression).
 *
 * Codecs: gzip (RFC 1952), zlib (RFC 1950), raw deflate (RFC 1951), bzip2,
 * xz, zstd, framed snappy (the snappy "framing format", with every chunk's
 * masked CRC-32C checked) and raw snappy (no framing, as Avro blocks use).
 * Multi-member gzip, multi-stream bzip2, concatenated xz streams and
 * multi-frame zstd are decoded to the concatenation of their contents.
 *
 * Every decompressor is bounded (struct sl_decompress_limits): a payload
 * over a limit, corrupt or truncated fails with SL_ELIMIT or SL_ECORRUPT and
 * a message naming the codec and the compressed byte offset, e.g.
 *   gzip: corrupt deflate data at compressed byte 1234 (invalid distance
 *   too far back)
 *   zstd: output exceeds the 64 MiB limit per message (decompression bomb?)
 * err->offset holds that compressed byte offset: where the decoder had
 * read to when it found the fault (zstd, which does not say: the start of
 * the frame); codecs that read ahead (xz, bzip2) may name a byte up to a
 * block past it. One-shot messages depend only on the input and limits
 * (not on the buffer or context used before), so a replayed batch gives
 * the same dead-letter reasons. A failure is a dead-letter reason for the
 * engine, never a crash.
 *
 * Threads: every function may be called from any thread; a stream object is
 * used by one thread at a time. Nothing here keeps global mutable state
 * except the CRC-32C tables, built once under pthread_once.
 */
#ifndef SL_COMPRESS_H
#define SL_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/* ---- codecs ---- */

enum sl_codec {
    SL_CODEC_NONE = 0,      /* not compressed (passed through) */
    SL_CODEC_GZIP,          /* 1f 8b; members concatenated */
    SL_CODEC_ZLIB,          /* RFC 1950 header + deflate + adler32 */
    SL_CODEC_DEFLATE,       /* raw deflate, no header (Avro "deflate") */
    SL_CODEC_BZIP2,         /* "BZh1".."BZh9"; streams concatenated */
    SL_CODEC_XZ,            /* fd 37 7a 58 5a 00; streams concatenated */
    SL_CODEC_ZSTD,          /* 28 b5 2f fd (and skippable frames) */
    SL_CODEC_SNAPPY_FRAMED, /* framing format, stream identifier first */
    SL_CODEC_SNAPPY_RAW,    /* one raw snappy block (Avro "snappy") */
    /* A configuration value, not a codec: detect by magic bytes. Accepted
     * by sl_decompress() and sl_dstream_create(), which then detect. */
    SL_CODEC_AUTO,
};

/* Name used in configuration and messages: "none", "gzip", "zlib",
 * "deflate", "bzip2", "xz", "zstd", "snappy" (framed), "snappy_raw",
 * "auto". Never NULL ("?" for a value out of range). */
const char *sl_codec_name(enum sl_codec c);

/* Parse a configuration value (source.compression, sink.compression): the
 * names above, plus the aliases "gz", "bz2", "zst", "snappy_framed".
 * Returns 0, or SL_EINVAL with a message listing the valid names. */
int sl_codec_from_name(const char *name, enum sl_codec *out,
                       struct sl_error *err);

/* File suffix of what sl_cstream writes: ".gz", ".zst", ".bz2", ".xz",
 * ".zz" (zlib), ".deflate", ".sz" (framed snappy), ".snappy" (raw); "" for
 * SL_CODEC_NONE and SL_CODEC_AUTO. */
const char *sl_codec_suffix(enum sl_codec c);

/* ---- detection by magic bytes (DESIGN.md §4) ---- */

/* Bytes detection looks at; give at least this many (or the whole input
 * when it is shorter) for a reliable answer. */
#define SL_CODEC_DETECT_BYTES 64

/* The codec p[0..n) starts with, or SL_CODEC_NONE. Recognised:
 *   gzip          1f 8b 08, reserved flag bits clear
 *   zstd          28 b5 2f fd, or a skippable frame 5? 2a 4d 18
 *   xz            fd 37 7a 58 5a 00
 *   bzip2         "BZh" '1'..'9' then a block or end-of-stream magic
 *   snappy framed ff 06 00 00 "sNaPpY" (the stream identifier chunk)
 *   zlib          CMF/FLG: CM = 8, CINFO <= 7, (CMF*256+FLG) % 31 == 0,
 *                 no preset dictionary, a valid first block type, and the
 *                 first n bytes (at most 64) inflate without error.
 * Raw deflate and raw snappy have no magic and are never detected.
 *
 * JSON never matches: its first byte is whitespace, '{', '[', '"', '-', a
 * digit, 't', 'f' or 'n', and none of those passes every check above (the
 * zlib candidates '8', 'x', 'h', 'H', 'X', '(' pass the header check only
 * with a second byte that JSON cannot follow them with). Avro ("Obj\x01"),
 * Parquet ("PAR1") and empty input do not match either. The residual risk
 * is text (CSV, log lines) starting with one of the pairs that pass the
 * zlib header check, "x^", "8O", "hC", "HK", "XG", "(S", "H\r", "X\t",
 * whose next bytes also happen to start a valid deflate stream; such a
 * record becomes a zlib dead letter. Set compression to "none" (or name
 * the codec) for such data. */
enum sl_codec sl_codec_detect(const uint8_t *p, size_t n);

/* Could p[0..n), shorter than SL_CODEC_DETECT_BYTES, still become the
 * start of something sl_codec_detect() recognises once more bytes come? A
 * reader of a growing stream waits for more bytes only then (text such as
 * '{' or a letter is decided at once). True for n == 0. */
bool sl_codec_may_start(const uint8_t *p, size_t n);

/* The codec to use for p[0..n) under a configured value: configured, or
 * sl_codec_detect(p, n) when it is SL_CODEC_AUTO. */
enum sl_codec sl_codec_resolve(enum sl_codec configured, const uint8_t *p,
                               size_t n);

/* ---- limits ---- */

#define SL_DECOMPRESS_DEFAULT_MAX_OUTPUT ((size_t)64 << 20)
#define SL_DECOMPRESS_DEFAULT_MAX_RATIO 1000
#define SL_DECOMPRESS_DEFAULT_RATIO_FLOOR ((size_t)1 << 20)
#define SL_DECOMPRESS_DEFAULT_MAX_MEMORY ((size_t)128 << 20)

/* Bounds on one decompression. A field at 0 means "no bound". */
struct sl_decompress_limits {
    /* Decompressed bytes at most: per message for sl_decompress(), per
     * stream (file) for sl_dstream. Default 64 MiB; a file source usually
     * sets 0 here and relies on max_ratio. */
    size_t max_output;
    /* Decompressed bytes at most per compressed byte... */
    uint32_t max_ratio;
    /* ...once the output is larger than this, so small inputs (a 40-byte
     * message of repeated text) are never refused. Default 1 MiB. */
    size_t ratio_floor;
    /* Decoder memory at most (xz dictionary, zstd window). Default 128
     * MiB, enough for xz -9 and zstd -19; zstd --long=31 needs more. */
    size_t max_memory;
};

/* The defaults above; NULL limits passed to any function mean these. */
void sl_decompress_limits_default(struct sl_decompress_limits *lim);

/* ---- one-shot decompression (messages, Avro blocks) ---- */

/* Decompress in[0..n) with codec c and APPEND the result to out (whose own
 * cap, out->max, also applies). SL_CODEC_AUTO detects (and passes through
 * what is not compressed); SL_CODEC_NONE appends in as is. The whole input
 * must be consumed: trailing bytes after the last member are corrupt, and
 * input that stops inside a member is truncated (empty input too).
 * Returns 0; SL_ECORRUPT (corrupt, truncated, trailing data, CRC mismatch),
 * SL_ELIMIT (over a limit), SL_ENOMEM, SL_EINVAL (bad codec). On failure
 * out->len is back to what it was. lim may be NULL (defaults). */
int sl_decompress(enum sl_codec c, const uint8_t *in, size_t n,
                  struct sl_buf *out, const struct sl_decompress_limits *lim,
                  struct sl_error *err);

/* A cache of decoder states for sl_dctx_decompress(): creating a zstd or
 * xz decoder costs more than decoding a 1 KiB message, so a thread that
 * decompresses many messages keeps one context and reuses it. Used by one
 * thread at a time. */
struct sl_dctx;

int sl_dctx_create(struct sl_dctx **out, struct sl_error *err);
/* Free ctx and the states it holds; NULL is a no-op. */
void sl_dctx_destroy(struct sl_dctx *ctx);
/* sl_decompress() reusing ctx's decoder state for codec c (ctx NULL: a
 * fresh one, which is what sl_decompress() does). */
int sl_dctx_decompress(struct sl_dctx *ctx, enum sl_codec c, const uint8_t *in,
                       size_t n, struct sl_buf *out,
                       const struct sl_decompress_limits *lim,
                       struct sl_error *err);

/* ---- messages of a message source (the engine's decode path) ---- */

/* source.compression applied to one message at a time (msgdec.c). */
struct sl_msgdec;

/* codec: SL_CODEC_AUTO (detect each message), SL_CODEC_NONE (pass every
 * message through) or a codec. lim may be NULL (the defaults: 64 MiB per
 * message, ratio 1000). */
int sl_msgdec_create(struct sl_msgdec **out, enum sl_codec codec,
                     const struct sl_decompress_limits *lim,
                     struct sl_error *err);
/* Free md; NULL is a no-op. */
void sl_msgdec_destroy(struct sl_msgdec *md);
/* The bytes to decode for message p[0..n): p itself when it is not
 * compressed, else its decompressed bytes, valid until the next call.
 * *used is the codec applied (SL_CODEC_NONE: none; used may be NULL).
 * A corrupt, truncated or over-limit message returns SL_ECORRUPT or
 * SL_ELIMIT with err->msg naming the codec and err->offset the compressed
 * byte offset: a dead-letter reason. */
int sl_msgdec_run(struct sl_msgdec *md, const uint8_t *p, size_t n,
                  const uint8_t **data, size_t *len, enum sl_codec *used,
                  struct sl_error *err);

/* ---- streaming decompression (files) ---- */

/* A point where a fresh decoder can start: the beginning of a gzip member,
 * bzip2 or xz stream, zstd frame or snappy chunk. in_off is its offset in
 * the compressed file, out_off the decompressed offset of its first byte.
 * {0, 0} (the start of the file) is always one. */
struct sl_dstream_mark {
    uint64_t in_off;
    uint64_t out_off;
};

struct sl_dstream;

/* Internal input buffer: push takes at most this many pending bytes. */
#define SL_DSTREAM_INPUT_MAX ((size_t)256 << 10)
/* Marks are kept at most this far apart (decompressed bytes)... */
#define SL_DSTREAM_MARK_SPACING ((uint64_t)1 << 20)
/* ...and this many of the most recent are kept. */
#define SL_DSTREAM_MARKS 64

/* A decoder for one compressed file read from its start. codec may be
 * SL_CODEC_AUTO (detected from the first SL_CODEC_DETECT_BYTES bytes;
 * undetected input passes through) or SL_CODEC_NONE (pass through).
 * lim may be NULL: the defaults, except max_output = 0 (no cap on a whole
 * file; the ratio limit still stops bombs). *out is NULL on failure. */
int sl_dstream_create(struct sl_dstream **out, enum sl_codec codec,
                      const struct sl_decompress_limits *lim,
                      struct sl_error *err);

/* A decoder that resumes at mark m (from sl_dstream_mark_before() or
 * sl_dstream_pos_parse()): the first byte pushed must be byte m->in_off of
 * the compressed file. Offsets reported and used in messages are those of
 * the whole file. codec must be a real codec (not AUTO) unless m is
 * {0, 0}. The ratio limit counts from the mark. */
int sl_dstream_create_at(struct sl_dstream **out, enum sl_codec codec,
                         const struct sl_decompress_limits *lim,
                         const struct sl_dstream_mark *m, struct sl_error *err);

/* Give compressed bytes: copies as many of p[0..n) as the input buffer has
 * room for and sets *taken (0 when it is full: pull first). Returns 0, or
 * SL_EINVAL after sl_dstream_finish(). */
int sl_dstream_push(struct sl_dstream *ds, const uint8_t *p, size_t n,
                    size_t *taken, struct sl_error *err);

/* Say that the input has ended (nothing more will be pushed). Pull then
 * drains what is left and checks the input did not stop inside a member. */
void sl_dstream_finish(struct sl_dstream *ds);

/* Decompressed bytes into dst[0..cap) (cap > 0), *got set to their
 * number. Returns
 *   0 with *got > 0   data;
 *   0 with *got == 0  more input is needed (push, or finish at the end);
 *   SL_EEOF           finished and everything was returned;
 *   < 0               SL_ECORRUPT (corrupt, or truncated at the end of
 *                     input), SL_ELIMIT, SL_ENOMEM: the error is sticky,
 *                     every later pull returns it again.
 * Bytes decoded before an error are returned first (the error comes with
 * the next pull), so what a file yields does not depend on push and pull
 * sizes. Framed snappy checks each chunk before handing it out; gzip,
 * bzip2, xz and zstd check their CRC at the end of a member, block, or
 * frame, so the bytes of that unit came out before the mismatch was
 * known. */
int sl_dstream_pull(struct sl_dstream *ds, uint8_t *dst, size_t cap,
                    size_t *got, struct sl_error *err);

/* Drop the next n decompressed bytes: pull returns what follows them (used
 * to resume: skip from the mark's out_off to the checkpointed position).
 * The output offset counts the dropped bytes. Input that ends before they
 * are all dropped is an SL_ECORRUPT error ("file is shorter than the
 * position"). */
void sl_dstream_skip(struct sl_dstream *ds, uint64_t n);

/* Compressed bytes consumed by the decoder so far (file offset; bytes still
 * in the input buffer are not counted). Decoders read ahead up to a block
 * (zstd, bzip2), so this is exact only at marks. */
uint64_t sl_dstream_in_offset(const struct sl_dstream *ds);
/* Decompressed offset: bytes returned by pull plus bytes skipped. */
uint64_t sl_dstream_out_offset(const struct sl_dstream *ds);
/* The codec in use: the detected one after detection, SL_CODEC_AUTO before
 * enough input came. */
enum sl_codec sl_dstream_codec(const struct sl_dstream *ds);

/* The latest kept mark at or before decompressed offset out_off: where a
 * decoder resuming at out_off can start. Always succeeds for out_off at or
 * after the stream's start (worst case it is the start); SL_EINVAL for an
 * earlier offset. For SL_CODEC_NONE it is {out_off, out_off}. */
int sl_dstream_mark_before(const struct sl_dstream *ds, uint64_t out_off,
                           struct sl_dstream_mark *m);

/* Free ds; NULL is a no-op. */
void sl_dstream_destroy(struct sl_dstream *ds);

/* Position strings for the file source (docs/formats.md, "Compressed
 * input"): "D" for an uncompressed file, "D:codec:C:B" inside a compressed
 * one, where D is the decompressed byte offset of the position and {C, B}
 * a mark at or before it. D comes first so positions compare by it.
 * Format appends to out. */
int sl_dstream_pos_format(struct sl_buf *out, enum sl_codec codec, uint64_t pos,
                          const struct sl_dstream_mark *m);
/* Parse it back; a plain "D" gives codec SL_CODEC_NONE and m = {D, D}.
 * SL_EINVAL with a message on anything else (or a mark after D). */
int sl_dstream_pos_parse(const char *s, enum sl_codec *codec, uint64_t *pos,
                         struct sl_dstream_mark *m, struct sl_error *err);

/* ---- streaming compression (output files, sink.compression) ---- */

struct sl_cstream;

/* A compressor for codec gzip, zstd, bzip2 or xz (others: SL_EINVAL).
 * level 0 means the codec's default (gzip 6, zstd 3, bzip2 9, xz 6);
 * otherwise gzip 1..9, zstd 1..19, bzip2 1..9, xz 0..9. Output bytes are
 * a function of the input and level only (gzip header: no name, mtime 0),
 * so a replayed batch writes the same bytes. *out is NULL on failure. */
int sl_cstream_create(struct sl_cstream **out, enum sl_codec codec, int level,
                      struct sl_error *err);

/* Compress p[0..n) and append what is ready to out. */
int sl_cstream_write(struct sl_cstream *cs, const uint8_t *p, size_t n,
                     struct sl_buf *out, struct sl_error *err);

/* End the compressed file: append the rest (trailer) to out. cs is then
 * ready to start the next file. */
int sl_cstream_finish(struct sl_cstream *cs, struct sl_buf *out,
                      struct sl_error *err);

/* Free cs; NULL is a no-op. */
void sl_cstream_destroy(struct sl_cstream *cs);

/* ---- CRC-32C (Castagnoli), as the snappy framing format uses ---- */

/* Continue crc (0 to start) over p[0..n). Uses the SSE4.2 instruction when
 * the CPU has it, else slicing-by-8 tables. crc32c("123456789") is
 * 0xe3069283. */
uint32_t sl_crc32c(uint32_t crc, const void *p, size_t n);

#endif
