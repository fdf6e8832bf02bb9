/*
 * buf.c - growable byte buffer with a cap (see buf.h).
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>

#include "error.h"

void sl_buf_init(struct sl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void sl_buf_free(struct sl_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int sl_buf_reserve(struct sl_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    size_t need = b->len + extra;
    if (need < b->len || (b->max && need > b->max))
        return SL_ELIMIT;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap * 2 > cap ? cap * 2 : need;
    if (b->max && cap > b->max)
        cap = b->max;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return SL_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int sl_buf_append(struct sl_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    int rc = sl_buf_reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int sl_buf_puts(struct sl_buf *b, const char *s)
{
    return sl_buf_append(b, s, strlen(s));
}

int sl_buf_putc(struct sl_buf *b, char c)
{
    if (b->len == b->cap) {
        int rc = sl_buf_reserve(b, 1);
        if (rc)
            return rc;
    }
    b->data[b->len++] = (uint8_t)c;
    return 0;
}

int sl_buf_appendf(struct sl_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return SL_EINVAL;
    if ((size_t)n < sizeof small)
        return sl_buf_append(b, small, (size_t)n);
    int rc = sl_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int sl_buf_cstr(struct sl_buf *b)
{
    int rc = sl_buf_reserve(b, 1);
    if (rc)
        return rc;
    b->data[b->len] = '\0';
    return 0;
}
