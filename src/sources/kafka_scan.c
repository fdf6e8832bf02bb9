/*
 * kafka_scan.c - for Kafka scale-out: where each partition stands across
 * every worker's checkpoint of a job (docs/architecture.md, "Kafka
 * scale-out").
 *
 * Workers of one job keep their checkpoints in <root>/workers/<id>/. When
 * the consumer group gives a worker partition P, P continues at the largest
 * end offset any worker recorded for it in an offsets/N file: committed
 * batches, and uncommitted ones too, because their worker replays them
 * (so that range must not be read again). Kafka offsets only grow, so the
 * largest is the latest. When that largest end is in a batch that is not
 * committed, its worker is reported (the caller warns: that worker must be
 * started again to replay it). Reads the local checkpoint layout
 * (offsets/N JSON files, commits/N presence); called from the rebalance
 * callback on the engine thread.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "common.h"
#include "options.h"
#include "sources.h"

#define OFFSETS_FILE_MAX (64u << 20)

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int read_file(const char *path, struct sl_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SL_EIO;
    char tmp[65536];
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = sl_buf_append(b, tmp, got);
    fclose(f);
    return rc;
}

/* Merge the partition ends of one offsets/N file into out (max). `who`
 * names the batch ("worker/N") when it is not committed, else NULL; whose
 * (optional) keeps, per partition, who recorded the largest end when that
 * batch is uncommitted. */
static int merge(const struct sl_buf *b, const char *path, const char *who,
                 struct sl_positions *out, struct sl_positions *whose,
                 struct sl_error *err)
{
    struct sl_conf *c;
    int rc = sl_conf_parse((const char *)b->data, b->len, path, SL_CONF_NO_ENV,
                           &c, err);
    if (rc)
        return rc;
    const struct sl_conf *ps = sl_conf_get(c, "partitions");
    for (size_t i = 0; !rc && ps && ps->kind == SL_CONF_SEQ && i < ps->n; i++) {
        const char *id = sl_conf_str(ps->items[i], "id");
        const char *end = sl_conf_str(ps->items[i], "end");
        int64_t e, have;
        if (!id || !end || sl__pos_parse(end, &e))
            continue;
        const char *h = sl_positions_get(out, id);
        if (h && sl__pos_parse(h, &have) == 0 && have >= e) {
            if (whose && have == e && !who)
                rc = sl_positions_set(whose, id, ""); /* committed too */
            continue;
        }
        rc = sl_positions_set(out, id, end);
        if (!rc && whose)
            rc = sl_positions_set(whose, id, who ? who : "");
    }
    sl_conf_free(c);
    return rc == SL_ENOMEM ? sl_error_set(err, rc, "out of memory") : rc;
}

int sl__kafka_scan_ends(const char *root, struct sl_positions *out,
                        struct sl_positions *whose, struct sl_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/workers", root);
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* no worker has a checkpoint yet */
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char od[4096];
        snprintf(od, sizeof od, "%s/%s/offsets", dir, de->d_name);
        DIR *o = opendir(od);
        if (!o)
            continue;
        struct dirent *fe;
        while (!rc && (fe = readdir(o))) {
            if (!all_digits(fe->d_name))
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", od, fe->d_name);
            char cpath[8192], who[512];
            snprintf(cpath, sizeof cpath, "%s/%s/commits/%s", dir, de->d_name,
                     fe->d_name);
            snprintf(who, sizeof who, "%s/%s", de->d_name, fe->d_name);
            bool done = access(cpath, F_OK) == 0;
            struct sl_buf b;
            sl_buf_init(&b, OFFSETS_FILE_MAX);
            if (read_file(path, &b) == 0 && b.len)
                rc = merge(&b, path, done ? NULL : who, out, whose, err);
            sl_buf_free(&b);
        }
        closedir(o);
    }
    closedir(d);
    return rc;
}
