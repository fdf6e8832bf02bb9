/*
 * json_api.h - a small client for AWS JSON 1.1 APIs (Glue, Secrets
 * Manager, ...): POST / with `X-Amz-Target: <Service>.<Operation>`,
 * `Content-Type: application/x-amz-json-1.1`, a JSON body, SigV4 over the
 * whole request (sigv4.c), credentials from the chain (credentials.c) and
 * retries from the HTTP layer (http.c). One function serves every call.
 *
 * Endpoint, first that is set: the `endpoint_url` of the config, the
 * service's variable (AWS_ENDPOINT_URL_GLUE, AWS_ENDPOINT_URL_SECRETS_
 * MANAGER, as the AWS SDKs name them), AWS_ENDPOINT_URL, else
 * https://<host_prefix>.<region>.amazonaws.com.
 *
 * An error answer ({"__type": "...#EntityNotFoundException", "message":
 * "..."}) becomes an sl_error naming the operation, the endpoint, the
 * status, the error type and the service's message; SL_ENOTFOUND for the
 * "not found" types, SL_EIO otherwise. Request and response bodies never
 * go into messages (they may hold secrets).
 *
 * Threads: one client is used by one thread at a time.
 */
#ifndef SL_AWS_JSON_API_H
#define SL_AWS_JSON_API_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/credentials.h"
#include "buf.h"
#include "error.h"

struct sl_aws_json_opts {
    struct sl_aws_config aws; /* region, endpoint_url, profile, role, TLS */
    const char *service;      /* signing name: "glue", "secretsmanager" */
    const char *host_prefix;  /* glue -> glue.<region>.amazonaws.com */
    const char *endpoint_env; /* "AWS_ENDPOINT_URL_GLUE", or NULL */
    const char *what;         /* name in messages: "Glue", "Secrets Manager" */
    long timeout_ms;          /* one attempt, default 10000 */
    int max_attempts;         /* default 4 */
    long base_delay_ms;       /* first backoff step, default 100 */
    long max_delay_ms;        /* backoff ceiling, default 5000 */
};

struct sl_aws_json;

/* Resolve the region and the endpoint (SL_EINVAL for a bad URL); opts is
 * copied. Credentials are resolved at the first call, so a client that is
 * never used needs none. */
int sl_aws_json_create(const struct sl_aws_json_opts *o,
                       struct sl_aws_json **out, struct sl_error *err);
void sl_aws_json_destroy(struct sl_aws_json *c);

/* POST body[0..len) with X-Amz-Target `target` ("AWSGlue.GetSchemaVersion");
 * 0 with the 2xx answer's body in out (reset first, capped by out->max).
 * On an error answer, err says what and the error type is kept for
 * sl_aws_json_error_type. */
int sl_aws_json_call(struct sl_aws_json *c, const char *target,
                     const char *body, size_t len, struct sl_buf *out,
                     struct sl_error *err);

/* Short error type of the last failed call ("EntityNotFoundException"), or
 * "" when it did not get an error answer. */
const char *sl_aws_json_error_type(const struct sl_aws_json *c);

/* The endpoint in use ("https://glue.eu-west-1.amazonaws.com"). */
const char *sl_aws_json_endpoint(const struct sl_aws_json *c);

/* From an error body: the short type (text after '#' and before ':') and
 * the message ("message" or "Message"); either may come back "". */
void sl_aws_json_error_parse(const char *body, size_t len, char *type,
                             size_t type_n, char *msg, size_t msg_n);

#endif
