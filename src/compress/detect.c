/*
 * detect.c - codec names, file suffixes and detection by magic bytes.
 *
 * `source.compression: auto` (DESIGN.md §4) calls sl_codec_detect() on each
 * message, and sl_dstream on the first bytes of each file. Detection must
 * never take plain data for compressed data: every magic here either has a
 * byte no text starts with (gzip, xz, zstd, snappy) or is checked further
 * (bzip2's block magic after "BZh9"; zlib's header checksum, then a trial
 * inflate of the first bytes). The residual zlib risk is in compress.h.
 */
#include "internal.h"

#include <string.h>
#include <strings.h>
#include <zlib.h>

struct codec_name {
    const char *name;
    enum sl_codec codec;
};

/* First entry per codec is its canonical name; aliases follow. */
static const struct codec_name names[] = {
    {"none", SL_CODEC_NONE},
    {"gzip", SL_CODEC_GZIP},
    {"zlib", SL_CODEC_ZLIB},
    {"deflate", SL_CODEC_DEFLATE},
    {"bzip2", SL_CODEC_BZIP2},
    {"xz", SL_CODEC_XZ},
    {"zstd", SL_CODEC_ZSTD},
    {"snappy", SL_CODEC_SNAPPY_FRAMED},
    {"snappy_raw", SL_CODEC_SNAPPY_RAW},
    {"auto", SL_CODEC_AUTO},
    {"gz", SL_CODEC_GZIP},
    {"bz2", SL_CODEC_BZIP2},
    {"zst", SL_CODEC_ZSTD},
    {"snappy_framed", SL_CODEC_SNAPPY_FRAMED},
};

const char *sl_codec_name(enum sl_codec c)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].codec == c)
            return names[i].name;
    return "?";
}

int sl_codec_from_name(const char *name, enum sl_codec *out,
                       struct sl_error *err)
{
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].codec;
            return 0;
        }
    }
    return sl_error_set(err, SL_EINVAL,
                        "unknown compression '%s': use auto, none, gzip, "
                        "zlib, deflate, bzip2, xz, zstd, snappy (framed) or "
                        "snappy_raw",
                        name ? name : "(null)");
}

const char *sl_codec_suffix(enum sl_codec c)
{
    switch (c) {
    case SL_CODEC_GZIP:
        return ".gz";
    case SL_CODEC_ZLIB:
        return ".zz";
    case SL_CODEC_DEFLATE:
        return ".deflate";
    case SL_CODEC_BZIP2:
        return ".bz2";
    case SL_CODEC_XZ:
        return ".xz";
    case SL_CODEC_ZSTD:
        return ".zst";
    case SL_CODEC_SNAPPY_FRAMED:
        return ".sz";
    case SL_CODEC_SNAPPY_RAW:
        return ".snappy";
    default:
        return "";
    }
}

static bool has_prefix(const uint8_t *p, size_t n, const char *magic,
                       size_t len)
{
    return n >= len && memcmp(p, magic, len) == 0;
}

/* bzip2: "BZh" + block size digit, then the 48-bit magic of the first
 * block (pi) or of the end of stream (sqrt(pi)) for an empty stream. */
static bool is_bzip2(const uint8_t *p, size_t n)
{
    if (n < 10 || memcmp(p, "BZh", 3) != 0 || p[3] < '1' || p[3] > '9')
        return false;
    return memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
           memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0;
}

/* The deflate data after a zlib header inflates without error as far as
 * the bytes we have go. */
static bool inflates(const uint8_t *p, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        return false;
    uint8_t scratch[4096];
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    int rc;
    do {
        z.next_out = scratch;
        z.avail_out = sizeof scratch;
        rc = inflate(&z, Z_NO_FLUSH);
    } while (rc == Z_OK && z.avail_in > 0);
    inflateEnd(&z);
    return rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR;
}

/* zlib (RFC 1950): CMF = CINFO(4) CM(4) with CM 8 and CINFO <= 7; FLG makes
 * CMF*256+FLG a multiple of 31; FDICT (a preset dictionary we could not
 * have) clear; BTYPE of the first deflate block is not the reserved 3. */
static bool is_zlib(const uint8_t *p, size_t n)
{
    if (n < 3 || (p[0] & 0x0f) != 8 || (p[0] >> 4) > 7)
        return false;
    if (((unsigned)p[0] << 8 | p[1]) % 31 != 0 || (p[1] & 0x20))
        return false;
    if (((p[2] >> 1) & 3) == 3)
        return false;
    size_t m = n < SL_CODEC_DETECT_BYTES ? n : SL_CODEC_DETECT_BYTES;
    return inflates(p + 2, m - 2);
}

enum sl_codec sl_codec_detect(const uint8_t *p, size_t n)
{
    if (n >= 4 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 &&
        (p[3] & 0xe0) == 0) /* deflate, reserved flags clear */
        return SL_CODEC_GZIP;
    if (has_prefix(p, n, "\x28\xb5\x2f\xfd", 4))
        return SL_CODEC_ZSTD;
    if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d &&
        p[3] == 0x18)
        return SL_CODEC_ZSTD; /* skippable frame first */
    if (has_prefix(p, n, "\xfd\x37\x7a\x58\x5a\x00", 6))
        return SL_CODEC_XZ;
    if (is_bzip2(p, n))
        return SL_CODEC_BZIP2;
    if (has_prefix(p, n, "\xff\x06\x00\x00sNaPpY", 10))
        return SL_CODEC_SNAPPY_FRAMED;
    if (is_zlib(p, n))
        return SL_CODEC_ZLIB;
    return SL_CODEC_NONE;
}

enum sl_codec sl_codec_resolve(enum sl_codec configured, const uint8_t *p,
                               size_t n)
{
    return configured == SL_CODEC_AUTO ? sl_codec_detect(p, n) : configured;
}

bool sl_codec_may_start(const uint8_t *p, size_t n)
{
    static const struct {
        const char *m;
        size_t n;
    } magics[] = {
        {"\x1f\x8b\x08", 3},
        {"\x28\xb5\x2f\xfd", 4},
        {"\xfd\x37\x7a\x58\x5a\x00", 6},
        {"BZh", 3},
        {"\xff\x06\x00\x00sNaPpY", 10},
    };
    if (n == 0)
        return true;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        size_t k = n < magics[i].n ? n : magics[i].n;
        if (memcmp(p, magics[i].m, k) == 0)
            return true;
    }
    if ((p[0] & 0xf0) == 0x50) /* zstd skippable frame 5? 2a 4d 18 */
        return n < 2 || memcmp(p + 1, "\x2a\x4d\x18", n < 4 ? n - 1 : 3) == 0;
    /* zlib: CM 8, CINFO <= 7, header checksum */
    return (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
           (n < 2 || ((unsigned)p[0] * 256 + p[1]) % 31 == 0);
}
