/*
 * s3.h - Amazon S3 client: objects, listings and multipart uploads.
 *
 * Used by the s3 sink (lake files), the s3:// checkpoint store and the
 * dead-letter output. Requests are signed with SigV4 (sigv4.c) using the
 * credential chain (credentials.c) and sent with retries (http.c).
 *
 * Addressing: virtual-hosted (bucket.s3.<region>.amazonaws.com) on AWS;
 * path style (endpoint/bucket/key) with force_path_style, or when the
 * endpoint host is an IP address or "localhost".
 *
 * Uploads carry Content-MD5 (checksum: md5, the default) and the payload's
 * SHA-256 in x-amz-content-sha256 over plain http; over https the payload
 * is UNSIGNED-PAYLOAD (TLS protects it, MD5 checks it), as the AWS SDKs do.
 * SSE and storage class apply to PutObject and CreateMultipartUpload.
 *
 * Threads: a struct sl_s3 may be used from one thread at a time, except
 * that an upload's part workers use their own connections internally.
 */
#ifndef SL_AWS_S3_H
#define SL_AWS_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/credentials.h"
#include "buf.h"
#include "error.h"

struct sl_s3_opts {
    struct sl_aws_config aws;
    char *sse;           /* NULL, "AES256" or "aws:kms" */
    char *kms_key_id;    /* with aws:kms */
    char *storage_class; /* STANDARD, STANDARD_IA, ... NULL = bucket's */
    char *checksum;      /* "md5" (default) or "none" */
    size_t part_size;    /* multipart part size, default 8 MiB, >= 5 MiB */
    int upload_threads;  /* parts in flight per upload, default 6 */
    int64_t request_timeout_ms; /* one attempt of one request, default 2 min */
};

struct sl_s3;

/* Resolve credentials and the endpoint; opts is copied. */
int sl_s3_create(const struct sl_s3_opts *opts, struct sl_s3 **out,
                 struct sl_error *err);
void sl_s3_destroy(struct sl_s3 *s3);

/* Split "s3://bucket/prefix" into bucket and prefix (no leading '/',
 * may be ""). Caller frees both. SL_EINVAL with a message otherwise. */
int sl_s3_parse_uri(const char *uri, char **bucket, char **prefix,
                    struct sl_error *err);

int sl_s3_put(struct sl_s3 *s3, const char *bucket, const char *key,
              const void *p, size_t n, const char *content_type,
              struct sl_error *err);
/* Body into out (appended, capped by out->max). SL_ENOTFOUND when the
 * object does not exist. */
int sl_s3_get(struct sl_s3 *s3, const char *bucket, const char *key,
              struct sl_buf *out, struct sl_error *err);
/* Deleting a missing key is not an error (S3 semantics). */
int sl_s3_delete(struct sl_s3 *s3, const char *bucket, const char *key,
                 struct sl_error *err);

/* ListObjectsV2, following continuation tokens. cb gets each key (and its
 * size) or, with a delimiter, each common prefix (size -1). max_keys per
 * page (0 = 1000). A non-zero return from cb stops and is returned. */
typedef int (*sl_s3_list_fn)(void *ctx, const char *key, int64_t size);
int sl_s3_list(struct sl_s3 *s3, const char *bucket, const char *prefix,
               const char *delimiter, int max_keys, sl_s3_list_fn cb, void *ctx,
               struct sl_error *err);

/* Multipart uploads left open under prefix (ListMultipartUploads) whose
 * key contains `match` (NULL = all) are aborted; *n counts them. Stores
 * that do not implement the listing (s3rver) give SL_ENOTFOUND. */
int sl_s3_abort_uploads(struct sl_s3 *s3, const char *bucket,
                        const char *prefix, const char *match, int *n,
                        struct sl_error *err);
/* The same for uploads whose key contains every match[i] and that the
 * store says were initiated at least min_age_ms ago: a writer that is
 * still uploading such a key (another process writing the same batch)
 * keeps its upload. */
int sl_s3_abort_stale_uploads(struct sl_s3 *s3, const char *bucket,
                              const char *prefix, const char *const *match,
                              size_t nmatch, int64_t min_age_ms, int *n,
                              struct sl_error *err);

/* ---- streaming upload of one object ----
 * Bytes are buffered up to part_size; the object is sent with one
 * PutObject when it fits in a part, else with a multipart upload whose
 * parts go up in parallel on upload_threads connections while the caller
 * keeps writing. Memory: at most (upload_threads + 1) * part_size. Nothing
 * is visible until finish returns 0. */
struct sl_s3_upload;
int sl_s3_upload_open(struct sl_s3 *s3, const char *bucket, const char *key,
                      const char *content_type, struct sl_s3_upload **out,
                      struct sl_error *err);
int sl_s3_upload_write(struct sl_s3_upload *u, const void *p, size_t n,
                       struct sl_error *err);
/* The object's last byte is written: upload what is left as the last
 * part and free the part buffers; finish completes it later. An object
 * smaller than a part stays in memory (it goes up with PutObject at
 * finish). Nothing is visible yet. */
int sl_s3_upload_seal(struct sl_s3_upload *u, struct sl_error *err);
/* Complete the object; *size (may be NULL) gets its length. The upload
 * is freed whatever the outcome. */
int sl_s3_upload_finish(struct sl_s3_upload *u, int64_t *size,
                        struct sl_error *err);
/* Abort (multipart uploads are aborted on the server) and free. NULL ok. */
void sl_s3_upload_abort(struct sl_s3_upload *u);

/* Requests sent and bytes uploaded since create (for tests and metrics). */
void sl_s3_stats(const struct sl_s3 *s3, int64_t *requests, int64_t *bytes);

#endif
