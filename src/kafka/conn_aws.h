/*
 * conn_aws.h - the AWS side of Kafka connections (conn_aws.c), used by
 * conn.c: secrets from AWS Secrets Manager (`*_secret` keys), s3://
 * certificate, key and keystore paths fetched into private files, and the
 * MSK IAM SASL/OAUTHBEARER token refresher.
 *
 * A connection's `aws:` map (region, profile, role_arn, external_id,
 * secrets_endpoint_url, s3_endpoint_url) says how to reach AWS; the
 * credentials come from the chain (src/aws/credentials.h).
 */
#ifndef SL_KAFKA_CONN_AWS_H
#define SL_KAFKA_CONN_AWS_H

#include "aws/json_api.h"
#include "buf.h"
#include "kafka/conn.h"

extern const struct sl_option sl__kafka_aws_options[];

/* SecretString of Secrets Manager secret `id` (name or ARN) into out
 * (reset first; the caller wipes it). *sm is the connection's Secrets
 * Manager client, made at the first call (the caller destroys it). `key`
 * names the option in messages ("sasl.password_secret"). */
int sl__kafka_secret_get(struct sl_aws_json **sm, const struct sl_kafka_conn *c,
                         const char *key, const char *id, struct sl_buf *out,
                         struct sl_error *err);

/* Fetch s3://bucket/key through the S3 client into a new private file
 * (mode 0600, in a 0700 folder under TMPDIR) removed when the process
 * exits; *local (caller frees) is its path. */
int sl__kafka_s3_file(const struct sl_kafka_conn *c, const char *key,
                      const char *uri, char **local, struct sl_error *err);

/* The sasl.oauthbearer.config value that carries, to the token refresher,
 * the region and how to get credentials: "region=R[ profile=P][ role_arn=A]
 * [ external_id=E]" (no secrets). */
int sl__kafka_msk_config(const struct sl_kafka_conn *c, const char *region,
                         struct sl_buf *out);

/* Install the MSK IAM token refresh callback on a librdkafka
 * configuration (rd_kafka_conf_t *). The callback runs when librdkafka
 * serves its queue (rd_kafka_poll, consumer polls): it gets credentials
 * from the chain, signs a token (src/aws/msk_iam.c) and sets it with its
 * lifetime, so librdkafka asks again before it expires. */
void sl__kafka_msk_install(void *rd_conf);

/* Files made by sl__kafka_s3_file so far (tests). */
size_t sl__kafka_s3_files(void);

#endif
