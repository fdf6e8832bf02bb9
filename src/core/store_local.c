/*
 * store_local.c - the checkpoint blob store on a local folder (see
 * checkpoint.h; DESIGN.md §2).
 *
 * A key "offsets/12" is the file <folder>/offsets/12. A put is atomic and
 * durable: the bytes go to a temp file in the same folder (".12.tmp.<pid>.
 * <n>"), which is fsynced, renamed over the key and the folder fsynced, so a
 * reader sees either the old blob or the whole new one, also after a power
 * loss. Key parts never start with '.', so temp files never collide with
 * keys and listings skip them. Folders are created by the first put that
 * needs them (and their parent is fsynced so the new folder survives).
 *
 * One process writes a checkpoint at a time (the engine thread); reads may
 * come from other processes (`sluice checkpoint show`). `sluice run` and
 * `checkpoint reset` make sure of it with an flock on <folder>/.lock (a
 * dot name, so never a key), which the kernel drops when the holder dies:
 * a SIGKILLed run never leaves a stale lock behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"

#define LOCAL_MAX_LIST 10000000 /* entries in one listed folder */
#define LOCAL_MAX_DEPTH 64      /* folder depth removed by destroy */

struct local_store {
    struct sl_store base;
    char *root;  /* folder path without "file://" */
    int lock_fd; /* -1, or the open .lock file holding our flock */
};

static atomic_uint tmp_counter;

static struct local_store *local(struct sl_store *s)
{
    return (struct local_store *)s;
}

/* Keys are '/'-separated parts, none empty or starting with '.'. A list
 * prefix may also be "" (the root) and may end with '/'. */
static int check_key(struct sl_store *s, const char *key, bool is_prefix,
                     struct sl_error *err)
{
    size_t n = strlen(key);
    if (is_prefix && n > 0 && key[n - 1] == '/')
        n--;
    if (is_prefix && n == 0)
        return 0;
    for (size_t i = 0; n > 0 && i <= n;) {
        size_t j = i;
        while (j < n && key[j] != '/')
            j++;
        if (j == i || key[i] == '.')
            break;
        if (j == n)
            return 0;
        i = j + 1;
    }
    return sl_error_set(err, SL_EINVAL,
                        "checkpoint %s: bad key '%s' (parts must be non-empty "
                        "and not start with '.')",
                        s->location, key);
}

/* Check key and make its path "<root>/<key>" in buf. */
static int key_path(struct sl_store *s, const char *key, bool is_prefix,
                    char *buf, size_t n, struct sl_error *err)
{
    int rc = check_key(s, key, is_prefix, err);
    if (rc)
        return rc;
    int len = snprintf(buf, n, "%s/%s", local(s)->root, key);
    if (len < 0 || (size_t)len >= n)
        return sl_error_set(err, SL_ELIMIT, "checkpoint %s: path too long",
                            s->location);
    return 0;
}

static int io_error(struct sl_store *s, const char *what, const char *path,
                    int e, struct sl_error *err)
{
    return sl_error_set(err, e == ENOSPC ? SL_ELIMIT : SL_EIO,
                        "checkpoint %s: cannot %s %s: %s", s->location, what,
                        path, strerror(e));
}

static int fsync_dir(struct sl_store *s, const char *dir, struct sl_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_error(s, "open folder", dir, errno, err);
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = io_error(s, "fsync folder", dir, errno, err);
    close(fd);
    return rc;
}

/* Create every folder of path up to (not including) its last part. */
static int make_parents(struct sl_store *s, char *path, struct sl_error *err)
{
    char *last = strrchr(path, '/');
    if (!last || last == path)
        return 0;
    *last = '\0';
    struct stat st;
    int rc = 0;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            rc = sl_error_set(err, SL_EIO,
                              "checkpoint %s: %s exists and is not a folder",
                              s->location, path);
    } else {
        rc = make_parents(s, path, err);
        if (rc == 0 && mkdir(path, 0755) != 0 && errno != EEXIST)
            rc = io_error(s, "create folder", path, errno, err);
        /* Make the new entry durable in its parent. */
        char *up = strrchr(path, '/');
        if (rc == 0 && up && up != path) {
            *up = '\0';
            rc = fsync_dir(s, path, err);
            *up = '/';
        }
    }
    *last = '/';
    return rc;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int local_put(struct sl_store *s, const char *key, const void *p,
                     size_t n, struct sl_error *err)
{
    char path[4096], tmp[4096 + 64];
    int rc = key_path(s, key, false, path, sizeof path, err);
    if (rc == 0)
        rc = make_parents(s, path, err);
    if (rc)
        return rc;
    char *slash = strrchr(path, '/');
    snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp.%ld.%u", (int)(slash - path), path,
             slash + 1, (long)getpid(), atomic_fetch_add(&tmp_counter, 1));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_error(s, "create", tmp, errno, err);
    if (write_all(fd, p, n) != 0)
        rc = io_error(s, "write", tmp, errno, err);
    else if (fsync(fd) != 0)
        rc = io_error(s, "fsync", tmp, errno, err);
    if (close(fd) != 0 && rc == 0)
        rc = io_error(s, "close", tmp, errno, err);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = io_error(s, "rename into", path, errno, err);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    *slash = '\0';
    rc = fsync_dir(s, path, err);
    *slash = '/';
    return rc;
}

static int local_get(struct sl_store *s, const char *key, struct sl_buf *out,
                     struct sl_error *err)
{
    char path[4096];
    int rc = key_path(s, key, false, path, sizeof path, err);
    if (rc)
        return rc;
    out->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return sl_error_set(err, SL_ENOTFOUND,
                                "checkpoint %s: %s does not exist", s->location,
                                key);
        return io_error(s, "open", path, errno, err);
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return sl_error_set(err, SL_ENOTFOUND,
                            "checkpoint %s: %s is a folder, not a blob",
                            s->location, key);
    }
    /* Read up to the cap; one byte past it means the blob is too big. */
    for (;;) {
        size_t want = 64 * 1024;
        if (out->max && out->max - out->len < want)
            want = out->max - out->len;
        char probe;
        void *dst = &probe;
        if (want > 0) {
            rc = sl_buf_reserve(out, want);
            if (rc) {
                rc = sl_error_set(err, rc, "checkpoint %s: %s: %s", s->location,
                                  key, sl_strerror(rc));
                break;
            }
            dst = out->data + out->len;
            want = out->cap - out->len;
        } else {
            want = 1;
        }
        ssize_t got = read(fd, dst, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = io_error(s, "read", path, errno, err);
            break;
        }
        if (got == 0)
            break;
        if (dst == &probe) {
            rc = sl_error_set(err, SL_ELIMIT,
                              "checkpoint %s: %s is larger than %zu bytes",
                              s->location, key, out->max);
            break;
        }
        out->len += (size_t)got;
    }
    close(fd);
    if (rc)
        out->len = 0;
    return rc;
}

static int local_list(struct sl_store *s, const char *prefix,
                      struct sl_strlist *out, struct sl_error *err)
{
    char path[4096];
    out->n = 0;
    out->v = NULL;
    int rc = key_path(s, prefix, true, path, sizeof path, err);
    if (rc)
        return rc;
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return io_error(s, "list", path, errno, err);
    }
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", ".." and temp files */
        if (out->n == cap) {
            if (cap >= LOCAL_MAX_LIST) {
                rc = sl_error_set(err, SL_ELIMIT,
                                  "checkpoint %s: more than %d entries in %s",
                                  s->location, LOCAL_MAX_LIST, path);
                break;
            }
            size_t ncap = cap ? cap * 2 : 16;
            char **nv = realloc(out->v, ncap * sizeof *nv);
            if (!nv) {
                rc = sl_error_set(err, SL_ENOMEM, "out of memory");
                break;
            }
            out->v = nv;
            cap = ncap;
        }
        out->v[out->n] = strdup(e->d_name);
        if (!out->v[out->n]) {
            rc = sl_error_set(err, SL_ENOMEM, "out of memory");
            break;
        }
        out->n++;
    }
    closedir(d);
    if (rc)
        sl_strlist_free(out);
    return rc;
}

static int local_del(struct sl_store *s, const char *key, struct sl_error *err)
{
    char path[4096];
    int rc = key_path(s, key, false, path, sizeof path, err);
    if (rc)
        return rc;
    if (unlink(path) == 0 || errno == ENOENT || errno == ENOTDIR)
        return 0;
    if (errno == EISDIR && (rmdir(path) == 0 || errno == ENOENT))
        return 0;
    return io_error(s, "delete", path, errno, err);
}

static int remove_tree(struct sl_store *s, int dfd, const char *name, int depth,
                       struct sl_error *err);

/* Remove every entry of the open folder fd (consumed) except `keep`. */
static int remove_children(struct sl_store *s, int fd, const char *path,
                           const char *keep, int depth, struct sl_error *err)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return io_error(s, "list", path, errno, err);
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (keep && strcmp(e->d_name, keep) == 0))
            continue;
        rc = remove_tree(s, dirfd(d), e->d_name, depth + 1, err);
    }
    closedir(d);
    return rc;
}

/* Remove entry `name` of folder dfd, recursively, without following links. */
static int remove_tree(struct sl_store *s, int dfd, const char *name, int depth,
                       struct sl_error *err)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : io_error(s, "inspect", name, errno, err);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
            return io_error(s, "delete", name, errno, err);
        return 0;
    }
    if (depth >= LOCAL_MAX_DEPTH)
        return sl_error_set(err, SL_ELIMIT,
                            "checkpoint %s: folders nested deeper than %d",
                            s->location, LOCAL_MAX_DEPTH);
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return io_error(s, "open folder", name, errno, err);
    int rc = remove_children(s, fd, name, NULL, depth, err);
    if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = io_error(s, "remove folder", name, errno, err);
    return rc;
}

static int local_destroy(struct sl_store *s, struct sl_error *err)
{
    const char *root = local(s)->root;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return sl_error_set(err, SL_ENOTFOUND,
                                "checkpoint %s does not exist", s->location);
        return io_error(s, "open folder", root, errno, err);
    }
    /* Everything but metadata first: an interrupted destroy leaves a
     * folder that is still recognisably a checkpoint, so it can be rerun. */
    char meta[4096];
    int rc = remove_children(s, fd, root, "metadata", 0, err);
    if (rc == 0)
        rc = key_path(s, "metadata", false, meta, sizeof meta, err);
    if (rc == 0 && unlink(meta) != 0 && errno != ENOENT)
        rc = io_error(s, "delete", meta, errno, err);
    if (rc == 0 && rmdir(root) != 0 && errno != ENOENT)
        rc = io_error(s, "remove folder", root, errno, err);
    return rc;
}

/* The lock file holds the holder's pid, for the message of the next one. */
static int local_lock(struct sl_store *s, struct sl_error *err)
{
    struct local_store *ls = local(s);
    if (ls->lock_fd >= 0)
        return 0;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/.lock", ls->root) >= (int)sizeof path)
        return sl_error_set(err, SL_EINVAL, "checkpoint %s: path too long",
                            s->location);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0; /* no folder yet: nothing to protect */
        return io_error(s, "open lock file", path, errno, err);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        close(fd);
        if (e != EWOULDBLOCK)
            return io_error(s, "lock", path, e, err);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        return sl_error_set(
            err, SL_ECONFLICT,
            "checkpoint %s is in use by another sluice process (pid %s); two "
            "runs on one checkpoint would write the same batches twice: stop "
            "that run first, or give each process its own worker_id",
            s->location, *pid ? pid : "unknown");
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write_all(fd, pid, (size_t)n) != 0) {
        int e = errno;
        close(fd);
        return io_error(s, "write", path, e, err);
    }
    ls->lock_fd = fd;
    return 0;
}

static void local_close(struct sl_store *s)
{
    if (local(s)->lock_fd >= 0)
        close(local(s)->lock_fd);
    free(local(s)->root);
    free(s->location);
    free(s);
}

static const struct sl_store_ops local_ops = {
    .scheme = "file",
    .put = local_put,
    .get = local_get,
    .list = local_list,
    .del = local_del,
    .destroy = local_destroy,
    .close = local_close,
    .lock = local_lock,
};

int sl_store_local_open(const char *location, const char *path,
                        struct sl_store **out, struct sl_error *err)
{
    *out = NULL;
    if (!*path)
        return sl_error_set(err, SL_EINVAL,
                            "checkpoint location '%s' names no folder",
                            location);
    struct local_store *ls = calloc(1, sizeof *ls);
    if (!ls)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    ls->base.ops = &local_ops;
    ls->lock_fd = -1;
    ls->base.location = strdup(location);
    /* Drop trailing slashes so "<root>/<key>" has one separator. */
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    ls->root = strndup(path, n);
    if (!ls->base.location || !ls->root) {
        local_close(&ls->base);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    *out = &ls->base;
    return 0;
}
