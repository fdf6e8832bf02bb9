/*
 * sigv4.h - AWS Signature Version 4 (headers and presigned URLs).
 *
 * Shared by every AWS client in sluice (S3 now, Kinesis and MSK IAM later).
 * The caller describes the request as it goes on the wire: the path already
 * URI-encoded, the query as raw (decoded) name/value pairs which the signer
 * encodes, and the extra headers to sign. The signer adds host, x-amz-date,
 * x-amz-security-token (temporary credentials) and, for S3,
 * x-amz-content-sha256 to the signed set; the caller sends those headers
 * with the values returned in struct sl_sigv4_out.
 *
 * Rules (AWS "Create a canonical request"): for S3 the canonical URI is the
 * path as sent (single encoding, no normalisation); for other services each
 * path segment is encoded a second time. Query names and values are encoded
 * with only A-Z a-z 0-9 - _ . ~ left as is and sorted by encoded name, then
 * value. Header names are lower-cased, values trimmed and inner runs of
 * spaces collapsed; duplicate names are joined with ','.
 *
 * The secret key is only used inside HMACs; nothing here logs.
 */
#ifndef SL_AWS_SIGV4_H
#define SL_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

#define SL_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SL_SIGV4_EMPTY_SHA256                                                  \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Credentials in force for one request (borrowed). */
struct sl_aws_creds {
    char *access_key;
    char *secret_key;
    char *session_token; /* NULL for long-term keys */
    int64_t expires_ms;  /* 0 = does not expire */
};

struct sl_aws_kv {
    const char *name;
    const char *value;
};

struct sl_sigv4_request {
    const char *method; /* "GET", "PUT", ... */
    const char *host;   /* as in the Host header: "b.s3.amazonaws.com:9000" */
    const char *path;   /* URI-encoded path as sent, "/" when empty */
    const struct sl_aws_kv *query; /* raw names and values */
    size_t nquery;
    const struct sl_aws_kv *headers; /* extra headers to sign */
    size_t nheaders;
    /* Hex SHA-256 of the body, SL_SIGV4_UNSIGNED_PAYLOAD, or NULL for the
     * hash of an empty body. */
    const char *payload_hash;
};

struct sl_sigv4_params {
    const struct sl_aws_creds *creds;
    const char *region;
    const char *service; /* "s3", "sts", "kinesis" */
    int64_t time_s;      /* signing time, Unix seconds */
    bool s3;             /* S3 rules: single-encoded path, content sha256 */
};

struct sl_sigv4_out {
    char amz_date[17];     /* X-Amz-Date value: 20150830T123600Z */
    char payload_hash[65]; /* X-Amz-Content-Sha256 value (s3) */
    struct sl_buf auth;    /* Authorization header value (header signing)
                              or the whole query string (presigning) */
};

void sl_sigv4_out_init(struct sl_sigv4_out *o);
void sl_sigv4_out_free(struct sl_sigv4_out *o);

/* Sign for the Authorization header; fills o (initialised by the caller). */
int sl_sigv4_sign_headers(const struct sl_sigv4_params *p,
                          const struct sl_sigv4_request *r,
                          struct sl_sigv4_out *o, struct sl_error *err);

/* Presign: o->auth receives the complete encoded query string (the request's
 * own parameters plus X-Amz-Algorithm ... X-Amz-Signature) to put after '?'.
 * expires_s is 1..604800. The payload hash defaults to UNSIGNED-PAYLOAD. */
int sl_sigv4_presign(const struct sl_sigv4_params *p,
                     const struct sl_sigv4_request *r, int64_t expires_s,
                     struct sl_sigv4_out *o, struct sl_error *err);

/* Streaming uploads (Content-Encoding: aws-chunked): the seed request is
 * signed with payload hash SL_SIGV4_STREAMING; each chunk then carries
 * "<hex len>;chunk-signature=<sig>", sig chaining from the seed signature
 * (prev) through every chunk to a final empty one. p->time_s must be the
 * seed's signing time. SL_EINVAL on bad arguments. */
#define SL_SIGV4_STREAMING "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
int sl_sigv4_chunk_signature(const struct sl_sigv4_params *p, const char *prev,
                             const void *chunk, size_t n, char sig[65]);

/* The canonical request and string to sign (for tests and debugging);
 * appended to out. */
int sl_sigv4_canonical(const struct sl_sigv4_params *p,
                       const struct sl_sigv4_request *r, struct sl_buf *creq,
                       struct sl_buf *sts, struct sl_error *err);

/* URI-encode s[0..n) per SigV4: unreserved bytes stay, others become %XX
 * (upper-case hex); '/' stays when keep_slash. */
int sl_aws_uri_encode(struct sl_buf *out, const char *s, size_t n,
                      bool keep_slash);

/* Hex SHA-256 of p[0..n) into hex[65]. */
void sl_aws_sha256_hex(const void *p, size_t n, char hex[65]);

/* Format Unix seconds as 20150830T123600Z (amz) and 20150830 (date). */
void sl_aws_amz_date(int64_t time_s, char amz[17], char date[9]);

#endif
