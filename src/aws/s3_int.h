/*
 * s3_int.h - internals shared by s3.c (requests, objects, listings) and
 * s3_upload.c (the streaming multipart uploader). Not for other parts.
 */
#ifndef SL_AWS_S3_INT_H
#define SL_AWS_S3_INT_H

#include "aws/http.h"
#include "aws/s3.h"

#define MIN_PART (5u << 20)
#define MAX_PARTS 10000
#define MAX_HEADERS 16

struct sl_s3 {
    struct sl_s3_opts o;
    char scheme[8];
    char host[256];
    char *region;
    bool path_style;
    bool https;
    struct sl_aws_creds_provider *prov;
    struct sl_aws_http *http; /* the calling thread's connection */
    int64_t requests, bytes;  /* atomics */
};

struct call {
    struct sl_s3 *s3;
    const char *method;
    const char *bucket;
    const char *key; /* NULL or "" for bucket-level calls */
    const struct sl_aws_kv *query;
    size_t nquery;
    const struct sl_aws_kv *headers; /* extra headers, signed and sent */
    size_t nheaders;
    const void *body;
    size_t len;
    char payload_hash[65 + 16];
    /* rebuilt by prepare() for each attempt */
    char host[320];
    struct sl_buf path, url;
    struct sl_aws_kv sent[MAX_HEADERS + 5];
    struct sl_sigv4_out so;
    struct sl_aws_creds creds;
};

/* Send c on http (the caller's or a worker's connection); 0 with resp
 * filled (any status) or an error. */
int sl__s3_call(struct sl_aws_http *http, struct call *c, bool idempotent,
                size_t max_response, struct sl_aws_http_resp *resp,
                struct sl_error *err);
/* Error for a non-2xx answer; SL_ENOTFOUND for 404. */
int sl__s3_status_error(const struct call *c,
                        const struct sl_aws_http_resp *resp,
                        struct sl_error *err);
void sl__s3_md5_base64(const void *p, size_t n, char out[32]);
bool sl__s3_want_md5(const struct sl_s3 *s3);
/* Headers of an object write into h (MAX_HEADERS); returns the count.
 * create: also SSE and storage class (PutObject, CreateMultipartUpload). */
size_t sl__s3_object_headers(struct sl_s3 *s3, const char *content_type,
                             const char *md5, bool create, struct sl_aws_kv *h);
int sl__s3_abort_mpu(struct sl_s3 *s3, struct sl_aws_http *http,
                     const char *bucket, const char *key, const char *id,
                     struct sl_error *err);

#endif
