/*
 * services.h - the AWS calls sluice makes over the JSON 1.1 client
 * (json_api.h): Secrets Manager GetSecretValue, for connection secrets,
 * and Glue Schema Registry GetSchemaVersion, for Glue-framed Avro.
 *
 * Secret values never go into messages or logs: errors name the secret
 * (its name or ARN), the endpoint and AWS's error type and message.
 */
#ifndef SL_AWS_SERVICES_H
#define SL_AWS_SERVICES_H

#include <stddef.h>

#include "aws/json_api.h"
#include "buf.h"
#include "error.h"

/* A Secrets Manager client (endpoint: AWS_ENDPOINT_URL_SECRETS_MANAGER).
 * aws->endpoint_url, when set, is the Secrets Manager endpoint. */
int sl_aws_secrets_client(const struct sl_aws_config *aws,
                          struct sl_aws_json **out, struct sl_error *err);

/* SecretString of secret `id` (name or ARN) into out (reset first). The
 * caller wipes out when done. SL_ENOTFOUND when there is no such secret;
 * SL_EINVAL for a binary-only secret. */
int sl_aws_secret_get(struct sl_aws_json *c, const char *id, struct sl_buf *out,
                      struct sl_error *err);

/* When secret[0..len) is a JSON object with a string member `key` (Glue's
 * SCRAM secrets: {"username": "...", "password": "..."}), its value into
 * out (reset first; the caller wipes it) and 0; else SL_ENOTFOUND. */
int sl_aws_secret_field(const char *secret, size_t len, const char *key,
                        struct sl_buf *out);

/* A Glue client (endpoint: AWS_ENDPOINT_URL_GLUE); aws->endpoint_url,
 * when set, is the Glue endpoint. */
int sl_aws_glue_client(const struct sl_aws_config *aws, long timeout_ms,
                       int max_attempts, struct sl_aws_json **out,
                       struct sl_error *err);

/* Glue Schema Registry GetSchemaVersion of version `uuid`
 * ("b7b4a7f0-..."): the SchemaDefinition into out (reset first).
 * SL_ENOTFOUND: no such version, or it is not AVAILABLE yet (PENDING);
 * SL_EINVAL: not an Avro schema, or the version failed or is being deleted;
 * SL_EIO: Glue could not be reached or refused. */
int sl_aws_glue_schema_version(struct sl_aws_json *c, const char *uuid,
                               struct sl_buf *out, struct sl_error *err);

#endif
