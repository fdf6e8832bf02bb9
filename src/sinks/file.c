/*
 * file.c - the local data-lake sink (`type: file`), exactly-once.
 *
 * The lake machinery (streams, encoders, parts, names, receipts) is
 * lake_sink.c, shared with the S3 sink; this file is the local storage
 * under it. While the batch runs the files are temps in
 * <path>/_sluice_tmp/ (nothing visible), their bytes sent to disk as they
 * are written (sync_file_range, not waited for); commit fsyncs them
 * (several at a time), renames them to their final names and fsyncs the
 * folders. A replay writes the same names with the same bytes and renames
 * over what a crashed commit may have left: each record once. No file
 * descriptor stays open between calls whatever the number of folders.
 *
 * Two processes may write the same batch at once (scale-out: a worker
 * restarting replays its batch while another worker replays it on its
 * behalf, docs/architecture.md "Kafka scale-out"). Each writer's temps
 * carry its own tag (pid and host), so writers never share a temp, and
 * each renames only its own complete temp onto the final name: the last
 * rename wins and all carry the same bytes. Leftover temps of a
 * checkpoint are removed at open only when their writer is gone (same
 * host, pid no longer running) or a day old; appends never recreate a
 * temp that was removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lake.h"
#include "lake_fs.h"
#include "lake_sink.h"
#include "log.h"
#include "part.h"
#include "sink_common.h"

#define TMP_DIR "_sluice_tmp"
/* Temps of other checkpoints are left alone unless this old (seconds). */
#define STALE_TMP_AGE (24 * 3600)

struct file_opts {
    char *path;
    char *format;
    struct sl_strlist partition_by;
    int64_t max_file_size;
    char *compression;
};

static const struct sl_option file_options[] = {
    {"path", SL_OPT_STRING, NULL, NULL, true, offsetof(struct file_opts, path),
     "output folder (created if missing)"},
    {"format", SL_OPT_STRING, NULL, NULL, false,
     offsetof(struct file_opts, format),
     "output format: json, csv or another registered encoder (default: the "
     "job's default format)"},
    {"partition_by", SL_OPT_STRLIST, NULL, NULL, false,
     offsetof(struct file_opts, partition_by),
     "Hive folders: ingest_year, ingest_month, ingest_day, ingest_hour (from "
     "the batch window start, UTC) or top-level column names"},
    {"max_file_size", SL_OPT_SIZE, "128MiB", NULL, false,
     offsetof(struct file_opts, max_file_size),
     "start a new part once a file reaches this size"},
    SL_LAKE_COMPRESSION_OPTION(struct file_opts, compression),
    {0},
};

struct local {
    char *cpid, *path, *tmpdir;
    unsigned host; /* hash of the host name: the temps' writer tag */
    char tag[32];  /* "<pid>-<host:08x>" */
};

/* This process's writer tag for temp names. */
static void make_tag(struct local *s)
{
    char hn[256] = "";
    if (gethostname(hn, sizeof hn - 1) != 0)
        hn[0] = '\0';
    s->host = (unsigned)(sl__lake_hash(hn, strlen(hn)) & 0xffffffffu);
    snprintf(s->tag, sizeof s->tag, "%ld-%08x", (long)getpid(), s->host);
}

static int local_create(void *sc, struct sl_lake_file *f, const char *folder,
                        struct sl_error *err)
{
    struct local *s = sc;
    /* The temp name is the final name plus the folder's hash plus this
     * writer's tag: a writer truncates and rewrites only its own temps. */
    const char *base = strrchr(f->rel, '/');
    base = base ? base + 1 : f->rel;
    uint64_t fh = sl__lake_hash(folder, strlen(folder));
    if (asprintf(&f->tmp, "%s/%s.%016llx.%s.tmp", s->tmpdir, base,
                 (unsigned long long)fh, s->tag) < 0)
        f->tmp = NULL;
    if (asprintf(&f->final, "%s/%s", s->path, f->rel) < 0)
        f->final = NULL;
    if (!f->tmp || !f->final) {
        free(f->tmp);
        free(f->final);
        f->tmp = f->final = NULL;
        return sl_error_set(err, SL_ENOMEM, "file sink: out of memory");
    }
    return sl__fs_write(f->tmp, NULL, 0, SL_FS_TRUNC, err);
}

static int local_append(void *sc, struct sl_lake_file *f, const void *p,
                        size_t n, bool last, struct sl_error *err)
{
    /* publish fsyncs every temp at once; until then, start the disk
     * writes early so that the fsyncs have little left to wait for */
    return sl__fs_write(f->tmp, p, n, SL_FS_NOCREATE | (last ? 0 : SL_FS_START),
                        err);
}

static void local_drop(void *sc, struct sl_lake_file *f, bool remove)
{
    if (remove && f->tmp && unlink(f->tmp) != 0 && errno != ENOENT)
        sl_warn("file sink: cannot remove temp '%s': %s", f->tmp,
                strerror(errno));
    free(f->tmp);
    free(f->final);
    f->tmp = f->final = NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Make every temp durable (in parallel), rename each to its final name,
 * then fsync each folder touched. */
static int local_publish(void *sc, struct sl_lake_file *files, size_t n,
                         struct sl_error *err)
{
    struct local *s = sc;
    char **dirs = calloc(n + 1, sizeof *dirs);
    if (!dirs)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        dirs[k] = files[k].tmp; /* borrowed, for the fsyncs */
    int rc = sl__fs_fsync_files(dirs, n, err);
    memset(dirs, 0, (n + 1) * sizeof *dirs);
    size_t nd = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        struct sl_lake_file *f = &files[k];
        char *slash = strrchr(f->final, '/');
        char *dir = strndup(f->final, (size_t)(slash - f->final));
        if (!dir) {
            rc = sl_error_set(err, SL_ENOMEM, "out of memory");
            break;
        }
        if (nd == 0 || strcmp(dirs[nd - 1], dir) != 0) {
            if ((rc = sl__fs_mkdirs(dir, err))) {
                free(dir);
                break;
            }
            dirs[nd++] = dir;
        } else {
            free(dir);
        }
        rc = sl__fs_rename(f->tmp, f->final, err);
    }
    /* Sorted files give grouped folders; sort again for distinct ones. */
    qsort(dirs, nd, sizeof *dirs, cmp_str);
    for (size_t k = 0; k < nd; k++) {
        if (!rc && (k == 0 || strcmp(dirs[k], dirs[k - 1]) != 0))
            rc = sl__fs_fsync_dir(dirs[k], err);
    }
    if (!rc && n)
        rc = sl__fs_fsync_dir(s->tmpdir, err);
    for (size_t k = 0; k < nd; k++)
        free(dirs[k]);
    free(dirs);
    return rc;
}

/* True when the writer tagged in temp name n (".<pid>-<host>.tmp" at its
 * end) is gone: this host, and the pid is ours (a former process with our
 * pid, as in a container) or runs no more. Temps of other hosts, and of
 * writers still running, are not ours to judge. Temps without a tag
 * (written before tags) count as gone. */
static bool writer_gone(const struct local *s, const char *n, size_t len)
{
    const char *end = n + len - 4; /* ".tmp" */
    const char *dot = end;
    while (dot > n && dot[-1] != '.')
        dot--;
    long pid;
    unsigned host;
    char rest;
    char tag[40];
    if ((size_t)(end - dot) >= sizeof tag)
        return true;
    snprintf(tag, sizeof tag, "%.*s", (int)(end - dot), dot);
    if (sscanf(tag, "%ld-%x%c", &pid, &host, &rest) != 2)
        return true;
    if (host != s->host || pid <= 0)
        return false;
    if (pid == (long)getpid())
        return true;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Leftover temps: this checkpoint's once their writer is gone (a crashed
 * run's batch is replayed from scratch; a live writer may be replaying the
 * same batch right now), any once they are a day old (a job that started
 * over after its checkpoint was deleted, a writer on another host). */
static void remove_leftovers(struct local *s)
{
    DIR *d = opendir(s->tmpdir);
    if (!d)
        return;
    size_t nc = strlen(s->cpid);
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        size_t len = strlen(n);
        if (strncmp(n, "part-", 5) != 0 || len < 4 ||
            strcmp(n + len - 4, ".tmp") != 0)
            continue;
        char *path;
        if (asprintf(&path, "%s/%s", s->tmpdir, n) < 0)
            break;
        /* part-<batch>-<hash>-<part>-<cpid>.<ext>.<folder hash>.<tag>.tmp:
         * the checkpoint id follows the fourth '-' (ids may hold '-'
         * too). */
        const char *m = n;
        for (int dashes = 0; m && dashes < 4; dashes++) {
            m = strchr(m, '-');
            if (m)
                m++;
        }
        bool ours = m && strncmp(m, s->cpid, nc) == 0 && m[nc] == '.';
        struct stat sb;
        if (!(ours && writer_gone(s, n, len)) &&
            (stat(path, &sb) != 0 || now - sb.st_mtime < STALE_TMP_AGE)) {
            free(path);
            continue;
        }
        if (unlink(path) == 0)
            sl_debug("file sink: removed leftover temp %s", path);
        free(path);
    }
    closedir(d);
}

static void local_destroy(void *sc)
{
    struct local *s = sc;
    if (!s)
        return;
    free(s->cpid);
    free(s->path);
    free(s->tmpdir);
    free(s);
}

static const struct sl_lake_storage_ops local_ops = {
    .what = "file sink",
    .create = local_create,
    .append = local_append,
    .publish = local_publish,
    .drop = local_drop,
    .destroy = local_destroy,
};

static int file_open(const struct sl_sink_ctx *ctx, void **out,
                     struct sl_error *err)
{
    *out = NULL;
    const char *cpid = ctx->checkpoint_id;
    if (!cpid || !sl__lake_name_safe(cpid))
        return sl_error_set(err, SL_EINVAL,
                            "file sink: checkpoint id '%s' cannot go into "
                            "file names (letters, digits, '-' and '_' only)",
                            cpid ? cpid : "(none)");
    struct file_opts o = {0};
    const struct sl_encoder_ops *enc;
    int rc = sl__sink_parse(file_options, ctx, "file sink", &o, &enc, err);
    if (rc)
        return rc;
    struct local *s = calloc(1, sizeof *s);
    size_t plen = strlen(o.path);
    while (plen > 1 && o.path[plen - 1] == '/')
        plen--;
    if (!s) {
        rc = sl_error_set(err, SL_ENOMEM, "file sink: out of memory");
        goto out;
    }
    if (plen == 0) {
        rc = sl_error_set(err, SL_EINVAL, "file sink: path is empty");
        goto out;
    }
    s->cpid = strdup(cpid);
    s->path = strndup(o.path, plen);
    if (!s->cpid || !s->path ||
        asprintf(&s->tmpdir, "%s/%s", s->path, TMP_DIR) < 0) {
        s->tmpdir = NULL;
        rc = sl_error_set(err, SL_ENOMEM, "file sink: out of memory");
        goto out;
    }
    if ((rc = sl__fs_mkdirs(s->tmpdir, err)))
        goto out;
    make_tag(s);
    remove_leftovers(s);
    struct sl_lake_params lp = {.path = s->path,
                                .partition_by = &o.partition_by,
                                .max_file_size = o.max_file_size,
                                .compression = o.compression,
                                .enc = enc};
    rc = sl__lake_sink_open(ctx, &lp, &local_ops, s, out, err);
    s = NULL; /* owned by the lake sink now */
out:
    local_destroy(s);
    sl_options_free(file_options, &o);
    return rc;
}

const struct sl_sink_ops sl_sink_file = {
    .name = "file",
    .summary = "files in a local folder (JSON lines, CSV, ...), Hive "
               "partitioned, exactly-once",
    .options = file_options,
    .exactly_once = true,
    .open = file_open,
    .begin = sl__lake_sink_begin,
    .write = sl__lake_sink_write,
    .commit = sl__lake_sink_commit,
    .abort = sl__lake_sink_abort,
    .committed = NULL,
    .close = sl__lake_sink_close,
};
