/*
 * kafka_int.h - internals of the Kafka source shared by its files:
 * kafka.c (ops, reading), kafka_parts.c (partitions and their starting
 * offsets), kafka_group.c (scale-out over a consumer group), kafka_meta.c
 * (metadata columns), kafka_scan.c (ends across worker checkpoints) and
 * kafka_fetch.c (taking fetched messages, keeping the fetcher busy).
 * Everything runs on the engine thread.
 */
#ifndef SL_KAFKA_INT_H
#define SL_KAFKA_INT_H

#include <librdkafka/rdkafka.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "part.h"

#define META_MS 5000
#define WM_MS 5000
#define MAX_PARTS 100000
#define PENDING_MS 3000
#define ASSIGN_WAIT_MS 20000
#define MAX_EXTRA 7
#define MAX_HEADERS_PER_CHUNK (1u << 20)
#define MAX_ORPHANS 10000

enum {
    MD_KEY = 1,
    MD_TOPIC = 2,
    MD_PARTITION = 4,
    MD_OFFSET = 8,
    MD_TIMESTAMP = 16,
    MD_SRC_TS = 32,
    MD_HEADERS = 64,
};

struct kafka_opts {
    char *connection, *bootstrap_servers;
    char *topic;
    struct sl_strlist topics;
    char *subscribe_pattern;
    const struct sl_conf *assign;
    const struct sl_conf *starting_offsets;
    int64_t starting_timestamp;
    const struct sl_conf *ending_offsets;
    int64_t max_offsets_per_batch;
    char *group_id;
    bool include_headers, add_record_timestamp;
    struct sl_strlist metadata_columns;
    bool emit_consumer_lag_metrics;
    int64_t discovery_ms;
    const struct sl_conf *properties;
};

struct kpart {
    char *topic;
    int32_t partition;
    char *id;    /* "topic/N" */
    int64_t pos; /* next offset to return */
    int64_t end; /* stop here; -1 = no end */
    bool paused;
    bool eof; /* end of partition seen at pos */
};

struct ksrc {
    struct kafka_opts o;
    char *identity;
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    regex_t re;
    bool have_re;
    bool latest; /* default start */
    bool replay; /* seek with ends */
    struct kpart *p;
    size_t n;
    size_t last; /* lookup cache */
    /* scale-out (worker_id set): partitions come from the consumer group */
    bool group, subscribed, assigned_once, revoke_pending, closing;
    int64_t assign_wait_until; /* waiting for the first assignment */
    int64_t read_since_commit; /* records returned in the open batch */
    char *ckroot;              /* the job's checkpoint location */
    char *worker;              /* this worker's id */
    /* other workers' uncommitted batches ("worker/N") found at the last
     * assignment, to be replayed on their behalf before reading on */
    struct sl_strlist orphans;
    int cb_rc; /* error in the rebalance callback */
    struct sl_error cb_err;
    int64_t quota_used;
    int64_t next_discovery;
    /* fetched messages: buf[bi..bn) not returned yet; out[0..on) are the
     * chunk returned by the last poll */
    rd_kafka_message_t **buf, **out;
    size_t bn, bi, on, cap;
    struct sl_raw_record *recs;
    /* extra columns: up to MAX_EXTRA per record; header pairs of the
     * chunk (pair_at[i] indexes pairs for record i) */
    unsigned meta;  /* MD_* */
    size_t n_extra; /* per record */
    struct sl_raw_extra *extra;
    struct sl_raw_pair *pairs;
    size_t n_pairs, pairs_cap;
    size_t *pair_at;
    /* prefetch queue (kafka_fetch.c) */
    bool wake;   /* wake the fetchers when the queue drains (librdkafka
                    without fetch.queue.backoff.ms) */
    bool q_full; /* the queue was near its bounds since the last wake */
    int64_t q_max_bytes, q_max_msgs;
    int64_t seen_bytes, seen_msgs; /* for the mean message size */
    int64_t wakes;
};

/* kafka.c */
int64_t sl__kafka_mono(void);
void sl__kafka_drop_buffered(struct ksrc *s);
struct kpart *sl__kafka_find(struct ksrc *s, const char *topic, int32_t part);
void sl__kafka_parts_free(struct ksrc *s);

/* kafka_parts.c: which partitions, and where each starts */
struct kpart *sl__kafka_add_part(struct ksrc *s, const char *topic, int32_t pid,
                                 struct sl_error *err);
int sl__kafka_start_fresh(struct ksrc *s, struct kpart *k,
                          struct sl_error *err);
int sl__kafka_discover(struct ksrc *s, const struct sl_positions *start,
                       bool resume, bool fresh, struct sl_error *err);
int sl__kafka_apply_ending(struct ksrc *s, struct sl_error *err);
int sl__kafka_reassign(struct ksrc *s, struct sl_error *err);

/* kafka_group.c: scale-out over a consumer group */
void sl__kafka_unassign_now(struct ksrc *s);
void sl__kafka_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                            rd_kafka_topic_partition_list_t *parts,
                            void *opaque);
int sl__kafka_subscribe(struct ksrc *s, struct sl_error *err);

/* kafka_fetch.c: taking fetched messages from librdkafka */
int sl__kafka_fetch_conf(struct ksrc *s, rd_kafka_conf_t *conf,
                         struct sl_error *err);
void sl__kafka_fetch_limits(struct ksrc *s);
ssize_t sl__kafka_fill(struct ksrc *s, int wait_ms);

/* kafka_meta.c: metadata columns of a record */
int sl__kafka_set_extra(struct ksrc *s, const struct kpart *k,
                        const rd_kafka_message_t *m, struct sl_raw_record *rec,
                        size_t i, struct sl_error *err);

#endif
