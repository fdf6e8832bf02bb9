/*
 * buf.h - a growable byte buffer with a cap.
 *
 * Every growable buffer in sluice has a cap (curl's dynbuf habit): growing
 * past `max` fails with SL_ELIMIT instead of eating the machine. max == 0
 * means "no cap" and is only for buffers whose size is bounded elsewhere.
 */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sl_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
};

void sl_buf_init(struct sl_buf *b, size_t max);
void sl_buf_free(struct sl_buf *b);
/* Make room for `extra` more bytes; SL_ELIMIT past max, SL_ENOMEM. */
int sl_buf_reserve(struct sl_buf *b, size_t extra);
int sl_buf_append(struct sl_buf *b, const void *p, size_t n);
int sl_buf_puts(struct sl_buf *b, const char *s);
int sl_buf_putc(struct sl_buf *b, char c);
int sl_buf_appendf(struct sl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NUL-terminate without counting the NUL in len. */
int sl_buf_cstr(struct sl_buf *b);
static inline void sl_buf_reset(struct sl_buf *b)
{
    b->len = 0;
}

#endif
