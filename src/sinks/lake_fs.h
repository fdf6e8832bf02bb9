/*
 * lake_fs.h - the few file system steps of a local commit: write to a
 * temp, fsync (one file, or many in parallel), mkdir -p, rename, fsync a
 * folder. Errors name the path and
 * the system's reason. Internal to the sinks (sl__ prefix).
 */
#ifndef SL_LAKE_FS_H
#define SL_LAKE_FS_H

#include <stddef.h>

#include "error.h"

#define SL_FS_TRUNC 1 /* create or truncate instead of appending */
#define SL_FS_SYNC 2  /* fsync the file after writing */
/* Append only to an existing file: a missing one is an error (SL_EIO), not
 * created again (a temp removed under a writer must not be republished
 * with only its tail). */
#define SL_FS_NOCREATE 4
#define SL_FS_START 8 /* start writing the new bytes to disk (no wait) */

/* Append p[0..n) to path (created when missing unless SL_FS_NOCREATE;
 * SL_FS_TRUNC empties it first), retrying short writes and EINTR. No
 * descriptor stays open. */
int sl__fs_write(const char *path, const void *p, size_t n, int flags,
                 struct sl_error *err);
/* mkdir -p; each folder it creates is made durable (its parent fsynced). */
int sl__fs_mkdirs(const char *path, struct sl_error *err);
int sl__fs_fsync_dir(const char *path, struct sl_error *err);
/* fsync the files paths[0..n), several at a time (threads): the file
 * system commits its journal for many at once instead of once per file.
 * The first failure in path order is reported. */
int sl__fs_fsync_files(char *const *paths, size_t n, struct sl_error *err);
/* rename(2) with a message on failure. */
int sl__fs_rename(const char *from, const char *to, struct sl_error *err);

#endif
