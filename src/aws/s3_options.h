/*
 * s3_options.h - the option keys every S3 user shares (sink, dead-letter
 * output), declared once as a macro over the member that holds a
 * struct sl_s3_conf, so `sluice help` and the docs list them the same way.
 */
#ifndef SL_AWS_S3_OPTIONS_H
#define SL_AWS_S3_OPTIONS_H

#include <stddef.h>

#include "aws/s3.h"
#include "options.h"

/* What the option table fills; sl_s3_conf_to_opts turns it into the
 * client's options (borrowing the strings). */
struct sl_s3_conf {
    char *region, *endpoint_url, *ca_file, *profile;
    char *role_arn, *role_session_name, *external_id;
    bool force_path_style, tls_verify;
    char *sse, *kms_key_id, *storage_class, *checksum;
    int64_t part_size, upload_threads, request_timeout;
};

void sl_s3_conf_to_opts(const struct sl_s3_conf *c, struct sl_s3_opts *o);

#define SL_S3_OPT(T, m, name, type, def, choices, help)                        \
    {                                                                          \
        name, type, def, choices, false, offsetof(T, m), help                  \
    }

#define SL_S3_OPTIONS(T, m)                                                    \
    SL_S3_OPT(T, m.region, "region", SL_OPT_STRING, NULL, NULL,                \
              "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the "      \
              "profile's region, us-east-1)"),                                 \
        SL_S3_OPT(T, m.endpoint_url, "endpoint_url", SL_OPT_STRING, NULL,      \
                  NULL,                                                        \
                  "S3-compatible endpoint, http(s)://host[:port] (default: "   \
                  "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS)"),              \
        SL_S3_OPT(T, m.force_path_style, "force_path_style", SL_OPT_BOOL,      \
                  "false", NULL,                                               \
                  "address buckets as endpoint/bucket/key (automatic for IP "  \
                  "addresses and localhost)"),                                 \
        SL_S3_OPT(T, m.ca_file, "ca_file", SL_OPT_STRING, NULL, NULL,          \
                  "extra CA bundle (PEM) for the endpoint's certificate"),     \
        SL_S3_OPT(T, m.tls_verify, "tls_verify", SL_OPT_BOOL, "true", NULL,    \
                  "verify the endpoint's TLS certificate"),                    \
        SL_S3_OPT(T, m.profile, "profile", SL_OPT_STRING, NULL, NULL,          \
                  "shared credentials/config profile (default: AWS_PROFILE "   \
                  "or default)"),                                              \
        SL_S3_OPT(T, m.role_arn, "role_arn", SL_OPT_STRING, NULL, NULL,        \
                  "assume this IAM role (STS AssumeRole) on top of the "       \
                  "credential chain"),                                         \
        SL_S3_OPT(T, m.role_session_name, "role_session_name", SL_OPT_STRING,  \
                  NULL, NULL,                                                  \
                  "session name for role_arn (default: sluice-<time>)"),       \
        SL_S3_OPT(T, m.external_id, "external_id", SL_OPT_STRING, NULL, NULL,  \
                  "external id the role's trust policy asks for"),             \
        SL_S3_OPT(T, m.sse, "sse", SL_OPT_ENUM, NULL, "AES256|aws:kms",        \
                  "server-side encryption of new objects"),                    \
        SL_S3_OPT(T, m.kms_key_id, "kms_key_id", SL_OPT_STRING, NULL, NULL,    \
                  "KMS key for sse: aws:kms (default: the account's S3 key)"), \
        SL_S3_OPT(T, m.storage_class, "storage_class", SL_OPT_STRING, NULL,    \
                  NULL,                                                        \
                  "storage class of new objects (STANDARD, "                   \
                  "STANDARD_IA, INTELLIGENT_TIERING, ...)"),                   \
        SL_S3_OPT(T, m.checksum, "checksum", SL_OPT_ENUM, "md5", "md5|none",   \
                  "integrity check sent with every upload (Content-MD5)"),     \
        SL_S3_OPT(T, m.part_size, "part_size", SL_OPT_SIZE, "8MiB", NULL,      \
                  "multipart upload part size (at least 5MiB)"),               \
        SL_S3_OPT(T, m.upload_threads, "upload_threads", SL_OPT_INT, "6",      \
                  NULL, "parts of one file uploaded in parallel"),             \
        SL_S3_OPT(T, m.request_timeout, "request_timeout", SL_OPT_DURATION,    \
                  "2m", NULL,                                                  \
                  "longest wait for one attempt of one request before it is "  \
                  "retried")

#endif
