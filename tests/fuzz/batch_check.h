/*
 * batch_check.h - layout checks of a batch shared by the decoder fuzz
 * harnesses: every column has the row count of its parent, offsets start
 * at 0 and never go back, string data is valid UTF-8. abort() on the first
 * violation.
 */
#ifndef SL_FUZZ_BATCH_CHECK_H
#define SL_FUZZ_BATCH_CHECK_H

#include <stdlib.h>

#include "batch.h"
#include "jsonw.h"

static inline void check_col(const struct sl_col *c, size_t len)
{
    if (c->len != len)
        abort();
    if (c->type == SL_STRING || c->type == SL_BINARY || c->type == SL_ARRAY ||
        c->type == SL_MAP) {
        if (c->off[0] != 0)
            abort();
        for (size_t i = 0; i < c->len; i++)
            if (c->off[i + 1] < c->off[i])
                abort();
    }
    switch (c->type) {
    case SL_STRING:
        if ((size_t)c->off[c->len] != c->data_len ||
            !sl_utf8_valid(c->data, c->data_len))
            abort();
        break;
    case SL_BINARY:
        if ((size_t)c->off[c->len] != c->data_len)
            abort();
        break;
    case SL_ARRAY:
    case SL_MAP:
        for (uint32_t k = 0; k < c->n_child; k++)
            check_col(&c->child[k], (size_t)c->off[c->len]);
        break;
    case SL_STRUCT:
        for (uint32_t k = 0; k < c->n_child; k++)
            check_col(&c->child[k], c->len);
        break;
    default:
        break;
    }
}

#endif
