/*
 * conn.h - named Kafka connections (the job's top-level `connections:`
 * map, like a Glue Kafka connection) and their mapping to librdkafka
 * configuration properties. Shared by the Kafka source and sink.
 *
 * A connection:
 *   connections:
 *     prod:
 *       bootstrap_servers: b-1.example:9096,b-2.example:9096
 *       security_protocol: SASL_SSL   # PLAINTEXT | SSL | SASL_PLAINTEXT
 *       ssl: {ca_file, cert_file, key_file, key_password[_file|_secret],
 *             keystore, keystore_password[_file|_secret], verify,
 *             endpoint_identification}
 *       sasl: {mechanism: PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | GSSAPI
 *              | AWS_MSK_IAM, username, password[_file|_secret], keytab,
 *              krb5_conf, principal, service_name, region}
 *       aws: {region, profile, role_arn, external_id,
 *             secrets_endpoint_url, s3_endpoint_url}
 *
 * Secrets (passwords) come from ${ENV} (the loader substitutes it), from
 * a `*_file` key naming a file whose content (trailing newline dropped) is
 * the secret, or from a `*_secret` key naming an AWS Secrets Manager
 * secret (name or ARN; a JSON secret {"username", "password"}, as Glue's
 * SCRAM secrets are, gives its password, and the username when none is
 * set). ca_file, cert_file, key_file and keystore may be s3:// paths,
 * fetched at start (conn_aws.c). Secret values never appear in messages.
 */
#ifndef SL_KAFKA_CONN_H
#define SL_KAFKA_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "options.h"

struct sl_kafka_ssl {
    char *ca_file, *cert_file, *key_file, *key_password, *key_password_file;
    char *keystore, *keystore_password, *keystore_password_file;
    char *key_password_secret, *keystore_password_secret;
    bool verify;                  /* default true */
    bool endpoint_identification; /* default true */
};

struct sl_kafka_sasl {
    char *mechanism;
    char *username, *password, *password_file, *password_secret;
    char *keytab, *krb5_conf, *principal, *service_name;
    char *region; /* AWS_MSK_IAM */
};

/* How a connection reaches AWS (Secrets Manager, S3, MSK IAM). */
struct sl_kafka_aws {
    char *region, *profile, *role_arn, *external_id;
    char *secrets_endpoint_url, *s3_endpoint_url;
};

struct sl_kafka_conn {
    char *name;
    char *type; /* kafka */
    char *bootstrap_servers;
    char *security_protocol;
    const struct sl_conf *ssl_node, *sasl_node, *aws_node;
    struct sl_kafka_ssl ssl;
    struct sl_kafka_sasl sasl;
    struct sl_kafka_aws aws;
    bool has_ssl, has_sasl;
};

/* One librdkafka property; secret values are never printed. */
struct sl_kafka_prop {
    char *name, *value;
    bool secret;
};

struct sl_kafka_props {
    size_t n;
    struct sl_kafka_prop *v;
    char *krb5_config; /* KRB5_CONFIG for GSSAPI (an environment variable,
                          not a librdkafka property), or NULL */
    bool msk_iam;      /* the caller installs the MSK IAM token refresher */
};

extern const struct sl_option sl_kafka_conn_options[];

/* Parse and check connection `name` of the `connections:` map (NULL when
 * the job has none). On failure c is left empty and err says where. */
int sl_kafka_conn_parse(const struct sl_conf *connections, const char *name,
                        struct sl_kafka_conn *c, struct sl_error *err);
void sl_kafka_conn_free(struct sl_kafka_conn *c);

/* Check every connection of a `connections:` map (sluice validate). */
int sl_kafka_conns_check(const struct sl_conf *connections,
                         struct sl_error *err);

/* The mapping: connection -> librdkafka properties, in a fixed order.
 * Reads the *_file secrets, asks Secrets Manager for the *_secret ones and
 * fetches s3:// TLS files (their properties name the local copies). */
int sl_kafka_conn_props(const struct sl_kafka_conn *c,
                        struct sl_kafka_props *out, struct sl_error *err);
/* Value of property `name` in p, or NULL. */
const char *sl_kafka_props_get(const struct sl_kafka_props *p,
                               const char *name);
int sl_kafka_props_set(struct sl_kafka_props *p, const char *name,
                       const char *value, bool secret);
void sl_kafka_props_free(struct sl_kafka_props *p);

/* Apply p to a librdkafka configuration (rd_kafka_conf_t *); `what` names
 * the part in messages. A rejected secret is named, never shown. */
int sl_kafka_props_apply(const struct sl_kafka_props *p, void *rd_conf,
                         const char *what, struct sl_error *err);

/* Build a librdkafka configuration for a source or sink: the named
 * connection (or a plain bootstrap_servers), then `properties` (a map of
 * raw librdkafka properties from the part's map, may be NULL). Exactly one
 * of connection and bootstrap must be set. Installs a log callback that
 * routes librdkafka's messages to sluice's log. *out is an
 * rd_kafka_conf_t * the caller hands to rd_kafka_new. */
int sl_kafka_conf_build(const struct sl_conf *connections,
                        const char *connection, const char *bootstrap,
                        const struct sl_conf *properties, const char *what,
                        void **out, struct sl_error *err);

/* Call right after rd_kafka_new() with the client (rd_kafka_t *) made from
 * a configuration of sl_kafka_conf_build: with AWS_MSK_IAM it has the
 * token refresh callback served on librdkafka's background thread, so the
 * first token is there before the client's first request, whatever the
 * part polls. Otherwise it does nothing. */
void sl_kafka_conn_started(void *rk);

#endif
