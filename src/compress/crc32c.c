/*
 * crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82f63b78).
 *
 * The snappy framing format stores a masked CRC-32C of every chunk's
 * uncompressed data; snappy.c checks it with sl_crc32c(). On x86-64 CPUs
 * with SSE4.2 the crc32 instruction does 8 bytes per cycle or so; otherwise
 * a slicing-by-8 table walk (eight 256-entry tables, built once) does 8
 * bytes per step. Both are checked against each other and the standard
 * check value in tests/unit/test_compress.c.
 */
#include "internal.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82f63b78u

static uint32_t table[8][256];
static uint32_t (*impl)(uint32_t crc, const uint8_t *p, size_t n);
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint32_t sw(uint32_t c, const uint8_t *p, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint32_t lo = (uint32_t)w ^ c, hi = (uint32_t)(w >> 32);
        c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
            table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
            table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
            table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    }
#endif
    while (n--)
        c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t hw(uint32_t c,
                                                     const uint8_t *p, size_t n)
{
    uint64_t c64 = c;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
    }
    c = (uint32_t)c64;
    while (n--)
        c = _mm_crc32_u8(c, *p++);
    return c;
}
#endif

static void setup(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            table[k][i] =
                (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
    impl = sw;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2"))
        impl = hw;
#endif
}

uint32_t sl__crc32c_sw(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&once, setup);
    return ~sw(~crc, p, n);
}

uint32_t sl_crc32c(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&once, setup);
    return ~impl(~crc, p, n);
}
