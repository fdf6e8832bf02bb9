/*
 * internal.h - the seam between the compress drivers and the codecs.
 *
 * Each codec file (gzip.c, bzip2.c, xz.c, zstd.c, snappy.c) exports a
 * struct sl__dec_ops: a resumable decoder that turns some input into some
 * output per call and says when a unit (gzip member, bzip2/xz stream, zstd
 * frame, snappy chunk) ends. Two drivers share them: decompress.c (one
 * message in memory) and stream.c (a file pushed in pieces). Compressors
 * are struct sl__enc_ops, driven by cstream.c. Nothing here is public.
 */
#ifndef SL_COMPRESS_INTERNAL_H
#define SL_COMPRESS_INTERNAL_H

#include "compress.h"

/* A step ended exactly at the end of a unit: a fresh decoder could start
 * at the next input byte (the driver records a mark there). */
#define SL__DEC_UNIT_END 1

/* State shared by the driver and a codec's decoder. */
struct sl__dec {
    const struct sl__dec_ops *ops;
    void *st;                        /* the codec's own state */
    struct sl_decompress_limits lim; /* resolved (never NULL) */
    uint64_t in_off;  /* compressed offset of the next input byte */
    uint64_t out_off; /* decompressed offset of the next output byte */
    uint64_t start_in, start_out; /* where this decoder started */
    const char *scope; /* "per message" or "per stream", for messages */
    bool resumed;      /* started at a mark other than the file start */
    bool inside;       /* inside a unit: the input may not end here */
    uint64_t unit_off; /* compressed offset where the current unit began */
    uint64_t units;    /* units completed */
};

/* A codec starts a unit at d->in_off (its next input byte). */
static inline void sl__dec_begin_unit(struct sl__dec *d)
{
    d->inside = true;
    d->unit_off = d->in_off;
}

struct sl__dec_ops {
    enum sl_codec codec;
    const char *unit; /* "member", "stream", "frame", "chunk" */
    /* Allocate d->st. */
    int (*init)(struct sl__dec *d, struct sl_error *err);
    /* Make d->st (from an earlier input) ready for a new input, keeping
     * its memory; d->lim is that of the new input. NULL: nothing to do. */
    int (*reset)(struct sl__dec *d, struct sl_error *err);
    /* Decode from in[0..*in_n) into out[0..*out_n); on return *in_n and
     * *out_n hold what was consumed and produced. at_end: no input follows
     * in[0..*in_n). Sets d->inside, counts d->units. Returns 0,
     * SL__DEC_UNIT_END (stopped right after a unit), or < 0 with err set
     * (the driver has not yet advanced d->in_off for this call: offsets in
     * messages are d->in_off + bytes consumed). */
    int (*step)(struct sl__dec *d, const uint8_t *in, size_t *in_n,
                uint8_t *out, size_t *out_n, bool at_end, struct sl_error *err);
    void (*fini)(struct sl__dec *d);
    /* Optional: the decompressed size a whole input announces (gzip
     * ISIZE, zstd content size), 0 if unknown. Only a hint. */
    uint64_t (*hint)(const uint8_t *in, size_t n);
};

extern const struct sl__dec_ops sl__gzip_dec, sl__zlib_dec, sl__deflate_dec,
    sl__bzip2_dec, sl__xz_dec, sl__zstd_dec, sl__snappy_framed_dec,
    sl__snappy_raw_dec, sl__none_dec;

/* Decoder ops of a codec (not AUTO), or NULL. */
const struct sl__dec_ops *sl__dec_find(enum sl_codec c);

/* Set up d for codec ops at mark m (NULL: file start); lim NULL means the
 * defaults. st: a state of this codec to reuse (consumed), or NULL to make
 * one. On failure nothing is left allocated. */
int sl__dec_open(struct sl__dec *d, const struct sl__dec_ops *ops,
                 const struct sl_decompress_limits *lim,
                 const struct sl_dstream_mark *m, const char *scope, void *st,
                 struct sl_error *err);
void sl__dec_close(struct sl__dec *d);
/* The input may end where d is: not inside a unit, and at least one unit
 * seen (or resumed at a mark, or passing bytes through). */
bool sl__dec_ended_ok(const struct sl__dec *d);

/* Messages shared by codecs and drivers; each returns its code and fills
 * err with "<codec>: ..." and err->offset = off. */
int sl__dec_corrupt(struct sl_error *err, enum sl_codec c, uint64_t off,
                    const char *what, const char *why);
int sl__dec_trailing(struct sl_error *err, enum sl_codec c, uint64_t off);
int sl__dec_truncated(struct sl_error *err, const struct sl__dec *d);
int sl__dec_nomem(struct sl_error *err, enum sl_codec c);
/* Check d's output since its start (plus extra bytes about to be
 * produced) against d->lim. 0 or SL_ELIMIT. */
int sl__dec_check(const struct sl__dec *d, uint64_t extra,
                  struct sl_error *err);

/* Software CRC-32C, exposed so tests compare it with the hardware one. */
uint32_t sl__crc32c_sw(uint32_t crc, const void *p, size_t n);

/* ---- compressors ---- */

struct sl__enc_ops {
    enum sl_codec codec;
    int default_level, min_level, max_level;
    int (*init)(void **st, int level, struct sl_error *err);
    /* Compress in[0..*in_n) into out[0..*out_n) as zlib's deflate does;
     * finish: no more input, flush the trailer. Returns 0, 1 when finish
     * completed the stream, or < 0. On return *in_n / *out_n are consumed
     * and produced byte counts. */
    int (*step)(void *st, const uint8_t *in, size_t *in_n, uint8_t *out,
                size_t *out_n, bool finish, struct sl_error *err);
    /* Start a new stream (after finish). */
    int (*reset)(void *st, struct sl_error *err);
    void (*fini)(void *st);
};

extern const struct sl__enc_ops sl__gzip_enc, sl__bzip2_enc, sl__xz_enc,
    sl__zstd_enc;

#endif
