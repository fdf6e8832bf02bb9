/*
 * credentials.h - where AWS credentials come from, and keeping them fresh.
 *
 * The chain, tried in this order at creation (the first that has
 * credentials wins, later refreshes ask the same provider again):
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *      AWS_SESSION_TOKEN;
 *   2. shared files: AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
 *      AWS_CONFIG_FILE (~/.aws/config), profile from the `profile` option,
 *      AWS_PROFILE or "default";
 *   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      (AWS_ROLE_SESSION_NAME) through STS AssumeRoleWithWebIdentity;
 *   4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 *      AWS_CONTAINER_CREDENTIALS_FULL_URI, with
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE);
 *   5. EC2 instance metadata, IMDSv2 (session token first), 1 s timeouts;
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT moves it, AWS_EC2_METADATA_DISABLED
 *      turns it off.
 * With role_arn set, STS AssumeRole runs on top of what the chain found
 * (cross-account access). STS is at AWS_ENDPOINT_URL_STS, or
 * https://sts.<region>.amazonaws.com. Temporary credentials are fetched
 * again `refresh_margin_s` (300) before they expire.
 *
 * Thread-safe: sl_aws_creds_get may be called from any thread.
 * No secret (secret key, session token, web identity or container token)
 * ever goes into a log line or an error message.
 */
#ifndef SL_AWS_CREDENTIALS_H
#define SL_AWS_CREDENTIALS_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/sigv4.h"
#include "error.h"

/* AWS settings shared by every AWS part (S3 sink, checkpoint, Kinesis). */
struct sl_aws_config {
    char *region;          /* NULL: AWS_REGION, AWS_DEFAULT_REGION, profile */
    char *endpoint_url;    /* S3-compatible store or a local peer */
    bool force_path_style; /* bucket in the path, not the host name */
    char *ca_file;         /* extra CA bundle */
    bool tls_verify;       /* default true */
    char *profile;         /* shared-file profile, NULL: AWS_PROFILE */
    char *role_arn;        /* AssumeRole on top of the chain */
    char *role_session_name;
    char *external_id;
    int64_t role_duration_s;  /* 0 = 3600 */
    char *sts_endpoint;       /* NULL: AWS_ENDPOINT_URL_STS or regional */
    int64_t refresh_margin_s; /* 0 = 300 */
};

/* Copy of the strings in src (dst is overwritten). */
int sl_aws_config_copy(struct sl_aws_config *dst,
                       const struct sl_aws_config *src);
void sl_aws_config_free(struct sl_aws_config *c);

struct sl_aws_creds_provider;

/* Resolve the chain now; SL_ENOTFOUND when no provider has credentials
 * (the message lists what was tried). */
int sl_aws_creds_provider_create(const struct sl_aws_config *cfg,
                                 struct sl_aws_creds_provider **out,
                                 struct sl_error *err);
void sl_aws_creds_provider_destroy(struct sl_aws_creds_provider *p);

/* Current credentials (a copy: free with sl_aws_creds_free), refreshed
 * first when they expire within the margin. */
int sl_aws_creds_get(struct sl_aws_creds_provider *p, struct sl_aws_creds *out,
                     struct sl_error *err);
void sl_aws_creds_free(struct sl_aws_creds *c);

/* Which provider answered: "environment", "profile dev", "web identity",
 * "container", "instance metadata", each + " + assume role" when used. */
const char *sl_aws_creds_source(const struct sl_aws_creds_provider *p);
/* Region in force: cfg->region, AWS_REGION, AWS_DEFAULT_REGION, the
 * profile's region in the config file, else "us-east-1". Caller frees. */
char *sl_aws_region_resolve(const struct sl_aws_config *cfg);

#endif
