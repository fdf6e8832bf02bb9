/*
 * datetime.h - calendar dates and UTC timestamps as text and back.
 *
 * Dates are int32 days since 1970-01-01, timestamps int64 microseconds
 * since the epoch, UTC (the batch layout, batch.h). Parsing accepts the
 * ISO-8601 shapes that show up in event data: "2026-11-25",
 * "2026-11-25T10:00:00Z", "2026-11-25 10:00:00.123456+01:00", "...-0530";
 * text without a zone is UTC. Proleptic Gregorian calendar, years 0..9999.
 * Shared by the decoders (JSON, CSV) and by rendering values as text.
 */
#ifndef SL_DATETIME_H
#define SL_DATETIME_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a civil date (month 1..12, day 1..31; not
 * validated) and back. */
int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d);
void sl_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* "YYYY-MM-DD" (exactly) -> days. 0, or SL_ETYPE when not a valid date. */
int sl_date_parse(const char *s, size_t n, int32_t *days);
/* ISO-8601 date-time (date alone = midnight) -> UTC micros. Fractions
 * beyond microseconds are truncated. 0 or SL_ETYPE. */
int sl_timestamp_parse(const char *s, size_t n, int64_t *micros);

/* Text forms; `out` must hold SL_DATE_TEXT_MAX / SL_TS_TEXT_MAX bytes.
 * Return the length written (NUL-terminated). Timestamps print as
 * "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (fraction only when not zero). */
#define SL_DATE_TEXT_MAX 24
#define SL_TS_TEXT_MAX 48
size_t sl_date_format(int32_t days, char *out);
size_t sl_timestamp_format(int64_t micros, char *out);

#endif
