/*
 * http.h - the HTTP(S) client under every AWS call (libcurl).
 *
 * One struct sl_aws_http per thread: it owns a curl handle and keeps its
 * connection alive between requests. sl_aws_http_do sends a request with
 * retries: exponential backoff with full jitter on 5xx, throttling
 * (429, 503 SlowDown, Throttling*), S3's RequestTimeout, timeouts and
 * dropped connections. Requests that are not idempotent are retried only
 * when the server cannot have acted on them (connection refused, 503).
 * TLS verification is on unless the caller turns it off; ca_file adds a
 * custom CA bundle.
 *
 * Messages never contain a URL's query string (presigned URLs carry the
 * signature and session token there) nor any header value.
 */
#ifndef SL_AWS_HTTP_H
#define SL_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/sigv4.h"
#include "buf.h"
#include "error.h"

struct sl_aws_http_opts {
    const char *ca_file;     /* extra CA bundle, NULL = system */
    bool no_verify;          /* turn TLS verification off (tests only) */
    long connect_timeout_ms; /* default 5000 */
    long timeout_ms;         /* whole attempt, default 120000 */
    int max_attempts;        /* default 8 */
    long base_delay_ms;      /* first backoff step, default 100 */
    long max_delay_ms;       /* backoff ceiling, default 20000 */
};

struct sl_aws_http;

int sl_aws_http_create(const struct sl_aws_http_opts *o,
                       struct sl_aws_http **out, struct sl_error *err);
void sl_aws_http_destroy(struct sl_aws_http *h);

struct sl_aws_http_req {
    const char *method;
    const char *url;
    const struct sl_aws_kv *headers; /* sent as given */
    size_t nheaders;
    const void *body;
    size_t body_len;
    long timeout_ms;         /* 0 = the client's */
    long connect_timeout_ms; /* 0 = the client's */
    size_t max_response;     /* cap on the response body kept, 0 = 64 MiB */
    bool idempotent;         /* may be resent after it reached the server */
    int max_attempts;        /* 0 = the client's */
};

struct sl_aws_http_resp {
    long status;
    struct sl_buf body;
    char etag[128];
    char request_id[128];
};

void sl_aws_http_resp_init(struct sl_aws_http_resp *r);
void sl_aws_http_resp_free(struct sl_aws_http_resp *r);

/* Called before each attempt to (re)build the request: sign it again with
 * the current time and credentials. May be NULL. */
typedef int (*sl_aws_prepare_fn)(void *ctx, struct sl_aws_http_req *r,
                                 struct sl_error *err);

/* Send with retries. Returns 0 when a response that is not to be retried
 * arrived (any status: the caller checks resp->status); SL_EIO when every
 * attempt failed, with the last failure in err. */
int sl_aws_http_do(struct sl_aws_http *h, struct sl_aws_http_req *r,
                   sl_aws_prepare_fn prepare, void *ctx,
                   struct sl_aws_http_resp *resp, struct sl_error *err);

/* Split "scheme://host[:port]/path?query": scheme and host[:port] are
 * copied out, *rest points at the path (may be ""). SL_EINVAL when the URL
 * is not http(s) or a part is too long. */
int sl_aws_url_parse(const char *url, char *scheme, size_t scheme_n, char *host,
                     size_t host_n, const char **rest);

/* The URL without its query string, for messages. */
void sl_aws_url_for_log(const char *url, char *out, size_t n);

/* Text of the first <tag>...</tag> in an XML body (entities decoded) from
 * *pos on; *pos moves past it. SL_ENOTFOUND when absent. */
int sl_aws_xml_next(const char *xml, size_t len, size_t *pos, const char *tag,
                    struct sl_buf *out);
/* Short description of an AWS error body (XML Code and Message, or a JSON
 * API's __type and message): "HTTP 400 Code: Message". */
void sl_aws_error_text(const struct sl_aws_http_resp *r, char *out, size_t n);

#endif
