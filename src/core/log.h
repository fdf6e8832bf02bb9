/*
 * log.h - one-line log messages on stderr.
 *
 * Levels: error, warn, info, debug. SLUICE_LOG=debug or --log-level sets it.
 * Never pass secrets: messages are printed as given.
 */
#ifndef SL_LOG_H
#define SL_LOG_H

enum sl_log_level { SL_LOG_ERROR, SL_LOG_WARN, SL_LOG_INFO, SL_LOG_DEBUG };

void sl_log_set_level(enum sl_log_level lvl);
enum sl_log_level sl_log_get_level(void);
void sl_log(enum sl_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define sl_error_log(...) sl_log(SL_LOG_ERROR, __VA_ARGS__)
#define sl_warn(...) sl_log(SL_LOG_WARN, __VA_ARGS__)
#define sl_info(...) sl_log(SL_LOG_INFO, __VA_ARGS__)
#define sl_debug(...) sl_log(SL_LOG_DEBUG, __VA_ARGS__)

/* Wall clock in ms / monotonic clock in ms. */
#include <stdint.h>
int64_t sl_now_ms(void);
int64_t sl_mono_ms(void);

#endif
