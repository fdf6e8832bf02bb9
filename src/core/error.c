/*
 * error.c - status code names and the error detail struct.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sl_strerror(int code)
{
    switch (code) {
    case SL_OK:
        return "success";
    case SL_EINVAL:
        return "invalid argument or configuration";
    case SL_EIO:
        return "input/output error";
    case SL_ECORRUPT:
        return "malformed data";
    case SL_ELIMIT:
        return "limit exceeded";
    case SL_EAGAIN:
        return "nothing available yet";
    case SL_ENOMEM:
        return "out of memory";
    case SL_ENOTFOUND:
        return "not found";
    case SL_EEOF:
        return "end of stream";
    case SL_ECONFLICT:
        return "belongs to something else";
    case SL_ETYPE:
        return "type conversion failed";
    case SL_EINTR:
        return "interrupted";
    default:
        return "unknown error";
    }
}

void sl_error_clear(struct sl_error *err)
{
    if (!err)
        return;
    err->code = 0;
    err->offset = -1;
    err->msg[0] = '\0';
}

static void vset(struct sl_error *err, int code, int64_t offset,
                 const char *fmt, va_list ap)
{
    err->code = code;
    err->offset = offset;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int sl_error_set(struct sl_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, -1, fmt, ap);
    va_end(ap);
    return code;
}

int sl_error_set_at(struct sl_error *err, int code, int64_t offset,
                    const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, offset, fmt, ap);
    va_end(ap);
    return code;
}

void sl_error_prefix(struct sl_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[SL_ERROR_MSG_MAX], old[SL_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s%s", prefix, old);
}
