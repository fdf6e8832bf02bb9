/*
 * lake.h - naming and Hive partitioning shared by the data-lake sinks
 * (local folder now, S3 later), so both lay files out the same way.
 *
 * Output names (DESIGN.md §2 step 3) depend only on (checkpoint id, batch
 * id, source partition, part number):
 *
 *   part-<batch:08>-<phash:016x>-<part:05>-<checkpoint id>.<ext>
 *
 * phash is sl__lake_hash of the partition id: 64 bits, so among 100,000
 * partitions the chance that two share a hash is about 3e-10; the sinks
 * still check within a batch and refuse (SL_ECONFLICT) rather than let one
 * partition overwrite another. The hash is part of the on-disk contract: a
 * replay must produce the same names, so it must never change.
 *
 * Folders: partition_by keys in the order given, `key=value` joined by '/':
 * ingest_year=2026/ingest_month=11/ingest_day=25/ingest_hour=07 from the
 * batch's window start (UTC, zero-padded as AWS Glue's generated scripts
 * write them), or `column=value` with name and value escaped the Hive way
 * (%XX, uppercase hex) and null or empty values as
 * __HIVE_DEFAULT_PARTITION__.
 */
#ifndef SL_LAKE_H
#define SL_LAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "options.h"

#define SL_HIVE_DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"

/* Stable 64-bit hash of bytes (FNV-1a 64 then a 64-bit avalanche mix). */
uint64_t sl__lake_hash(const void *p, size_t n);

/* Append "part-<batch:08>-<hash(partition):016x>-<part:05>-<cpid>.<ext>". */
int sl__lake_part_name(struct sl_buf *o, int64_t batch, const char *partition,
                       uint32_t part, const char *checkpoint_id,
                       const char *ext);

/* Append s escaped the Hive way as %XX: bytes below 0x20, 0x7f, and
 * the characters  " # % ' * / : = ? \ { [ ] ^  (Hive's list). */
int sl__hive_escape(struct sl_buf *o, const uint8_t *s, size_t n);

enum sl_lake_key {
    SL_LAKE_COLUMN = 0,
    SL_LAKE_INGEST_YEAR,
    SL_LAKE_INGEST_MONTH,
    SL_LAKE_INGEST_DAY,
    SL_LAKE_INGEST_HOUR,
};

/* What partition_by asks for. ingest_* names always mean the window start
 * (they are never looked up as columns). */
struct sl_lake_spec {
    size_t n;
    enum sl_lake_key *kind;
    char **name;      /* key names as given */
    char **fixed;     /* ingest keys: "ingest_year=2026" for this batch */
    bool has_columns; /* at least one key is a column */
};

int sl__lake_spec_init(struct sl_lake_spec *sp, const struct sl_strlist *by,
                       struct sl_error *err);
void sl__lake_spec_free(struct sl_lake_spec *sp);
/* Fill the ingest_* folder parts from the window start (UTC). */
int sl__lake_spec_window(struct sl_lake_spec *sp, int64_t window_start_ms);
/* True when top-level column `name` names folders (so it is left out of
 * the file contents, as Spark does). */
bool sl__lake_spec_is_column(const struct sl_lake_spec *sp, const char *name);
/* The schema of b's file contents: b's schema without partition columns. */
int sl__lake_content_schema(const struct sl_lake_spec *sp,
                            const struct sl_batch *b, struct sl_field *out,
                            struct sl_error *err);

/* Rows of one chunk split by folder, each group's rows in source order. */
struct sl_lake_group {
    size_t name_off, name_len; /* folder text in groups->names */
    size_t sel_off, n;         /* rows: groups->sel[sel_off..+n) */
};

struct sl_lake_groups {
    size_t n, cap;
    struct sl_lake_group *v;
    bool all_rows; /* one group holding every row: sel is NULL */
    struct sl_buf names;
    uint32_t *sel, *gid, *tab;
    size_t rows_cap, tab_cap;
    const struct sl_col **cols; /* per key: its column in the chunk */
    size_t cols_cap;
    struct sl_buf scratch, value;
};

/* Split b's rows by folder. Reuses g's memory chunk after chunk. */
int sl__lake_group(struct sl_lake_groups *g, const struct sl_lake_spec *sp,
                   const struct sl_batch *b, struct sl_error *err);
void sl__lake_groups_free(struct sl_lake_groups *g);
/* Folder text and row selection of group k (sel NULL = all rows). */
static inline const char *sl__lake_group_folder(const struct sl_lake_groups *g,
                                                size_t k)
{
    return (const char *)g->names.data + g->v[k].name_off;
}
static inline const uint32_t *sl__lake_group_sel(const struct sl_lake_groups *g,
                                                 size_t k)
{
    return g->all_rows ? NULL : g->sel + g->v[k].sel_off;
}

#endif
