/*
 * sources.h - the built-in byte and synthetic sources (file, stdin,
 * generator): their option structs and constructors.
 *
 * The engine uses them through struct sl_source_ops (part.h), whose open()
 * parses the `source:` map with sl_options_parse and calls the constructor
 * below. Tests call the constructors directly with a filled struct.
 */
#ifndef SL_SOURCES_H
#define SL_SOURCES_H

#include <stdint.h>

#include "part.h"

extern const struct sl_source_ops sl_source_file;
extern const struct sl_source_ops sl_source_stdin;
extern const struct sl_source_ops sl_source_generator;

/* type: file */
struct sl_file_opts {
    char *path;               /* glob(3) pattern */
    int64_t scan_interval_ms; /* rescan the glob at most this often */
    int64_t max_open_files;   /* bound on open descriptors */
};

/* Create a file source; o is borrowed (copied). ctx: starting_position,
 * max_record_bytes, frame. The result is used with sl_source_file's ops. */
int sl__file_source_create(const struct sl_source_ctx *ctx,
                           const struct sl_file_opts *o, void **st,
                           struct sl_error *err);

/* type: stdin. Reads `fd` (0 for the engine) to its end. */
int sl__stdin_source_create(const struct sl_source_ctx *ctx, int fd, void **st,
                            struct sl_error *err);

/* type: generator */
struct sl_generator_opts {
    int64_t count; /* records per partition, 0 = unlimited */
    int64_t rate;  /* records/s per partition, 0 = as fast as possible */
    int64_t seed;
    int64_t partitions; /* >= 1 */
};

int sl__generator_source_create(const struct sl_source_ctx *ctx,
                                const struct sl_generator_opts *o, void **st,
                                struct sl_error *err);

/* Append record `seq` of partition `part` to out, exactly as poll returns
 * it (no terminator). Deterministic in (seed, partitions, part, seq). */
int sl__generator_record(const struct sl_generator_opts *o, int64_t part,
                         int64_t seq, struct sl_buf *out);

/* Kafka scale-out: the largest end offset every worker checkpoint under
 * <root>/workers/ recorded for each partition ("topic/N" -> offset), merged
 * into out (kafka_scan.c). whose (may be NULL) gets, per partition,
 * "<worker>/<batch>" when that largest end is in an uncommitted batch, ""
 * otherwise. */
int sl__kafka_scan_ends(const char *root, struct sl_positions *out,
                        struct sl_positions *whose, struct sl_error *err);

#endif
