/*
 * fuzz_conf.c - the YAML/JSON loader (src/core/conf.c) on arbitrary bytes.
 *
 * Job files come from people and checkpoint files from disks that may be
 * damaged: any input must give a tree or a clean error, never a crash,
 * leak or unbounded growth. A tree that loads must also print as JSON that
 * loads again to the same JSON (the checkpoint relies on that round trip).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sl_conf *c = NULL;
    struct sl_error err;
    if (sl_conf_parse((const char *)data, size, "fuzz.yaml", SL_CONF_NO_ENV, &c,
                      &err) != 0)
        return 0;
    struct sl_buf a, b;
    sl_buf_init(&a, 0);
    sl_buf_init(&b, 0);
    if (sl_conf_to_json(c, &a) == 0) {
        struct sl_conf *d = NULL;
        if (sl_conf_parse((const char *)a.data, a.len, "again.json",
                          SL_CONF_NO_ENV, &d, &err) != 0)
            abort(); /* our own JSON must load */
        if (sl_conf_to_json(d, &b) != 0 || a.len != b.len ||
            memcmp(a.data, b.data, a.len) != 0)
            abort(); /* and print the same */
        sl_conf_free(d);
    }
    sl_buf_free(&a);
    sl_buf_free(&b);
    sl_conf_free(c);
    return 0;
}
