/*
 * fuzz_grok.c - libFuzzer harness for the Grok decoder (src/formats/grok.c):
 * pattern text and input lines both come from the fuzz input.
 *
 * Layout: pattern '\0' custom-patterns '\0' lines ('\n'-separated). A
 * pattern that does not compile must fail with a message and no state;
 * one that compiles decodes every line into a detected batch, whose
 * layout is checked, and a failed line leaves the row count as it was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "batch_check.h"
#include "formats/grok.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_grok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *z1 = memchr(data, 0, size);
    if (!z1 || z1 - data > 4096)
        return 0;
    const uint8_t *rest = z1 + 1, *end = data + size;
    const uint8_t *z2 = memchr(rest, 0, (size_t)(end - rest));
    if (!z2 || z2 - rest > 4096)
        return 0;
    char *pat = strndup((const char *)data, (size_t)(z1 - data));
    char *custom = strndup((const char *)rest, (size_t)(z2 - rest));
    if (!pat || !custom)
        abort();
    void *st = NULL;
    struct sl_error err;
    const char *pats[] = {pat};
    int rc = sl__grok_create(pats, 1, custom, NULL, &st, &err);
    if (rc) {
        if (st || !err.msg[0])
            abort();
    } else {
        struct sl_batch *b;
        if (sl_batch_create(NULL, &b, NULL))
            abort();
        const uint8_t *p = z2 + 1;
        while (p <= end) {
            const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
            const uint8_t *e = nl ? nl : end;
            size_t rows = sl_batch_rows(b);
            int r = sl_decoder_grok.decode(st, p, (size_t)(e - p), b, &err);
            if (r && (sl_batch_rows(b) != rows || !err.msg[0]))
                abort();
            check_col(&b->root, sl_batch_rows(b));
            if (sl_batch_bytes(b) > (1u << 20))
                sl_batch_clear(b);
            p = e + 1;
        }
        sl_batch_destroy(b);
        sl_decoder_grok.destroy(st);
    }
    free(pat);
    free(custom);
    return 0;
}
