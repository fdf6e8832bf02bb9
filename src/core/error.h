/*
 * error.h - status codes and the error detail struct every part fills.
 *
 * A function that can fail returns 0 on success or a negative SL_E* code, and
 * may fill an optional struct sl_error (NULL is allowed) with a message meant
 * for a person: what failed, where (file:line, partition/offset, field path),
 * why, and what to do. Library code never calls exit().
 */
#ifndef SL_ERROR_H
#define SL_ERROR_H

#include <stddef.h>
#include <stdint.h>

enum {
    SL_OK = 0,
    SL_EINVAL = -1,    /* bad argument or configuration */
    SL_EIO = -2,       /* operating system or network I/O failed */
    SL_ECORRUPT = -3,  /* input data is malformed */
    SL_ELIMIT = -4,    /* a size, depth or count limit was reached */
    SL_EAGAIN = -5,    /* nothing available now; try again later */
    SL_ENOMEM = -6,    /* allocation failed */
    SL_ENOTFOUND = -7, /* a named thing does not exist */
    SL_EEOF = -8,      /* the stream (or the bounded range) has ended */
    SL_ECONFLICT = -9, /* state belongs to something else (another job) */
    SL_ETYPE = -10,    /* a value does not convert to the wanted type */
    SL_EINTR = -11,    /* interrupted by a stop request */
};

#define SL_ERROR_MSG_MAX 1024

struct sl_error {
    int code;
    int64_t offset; /* byte offset in the record where it went wrong, or -1 */
    char msg[SL_ERROR_MSG_MAX];
};

/* Name of a status code ("invalid argument", ...); never NULL. */
const char *sl_strerror(int code);

/* Clear err (may be NULL). */
void sl_error_clear(struct sl_error *err);

/* Fill err (may be NULL) with code and a printf-style message; returns code
 * so callers can write `return sl_error_set(err, SL_EINVAL, "...")`. */
int sl_error_set(struct sl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like sl_error_set, and records the byte offset where decoding failed. */
int sl_error_set_at(struct sl_error *err, int code, int64_t offset,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prefix the message already in err with more context ("while X: "). */
void sl_error_prefix(struct sl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
