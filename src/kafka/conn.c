/*
 * conn.c - Kafka connections: parse the `connections:` entries and map
 * them to librdkafka properties (see conn.h). The mapping is a pure
 * function of the parsed connection (plus the *_file secrets it reads),
 * so each authentication method is unit-tested by its exact properties.
 */
#include "kafka/conn.h"

#include <ctype.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/services.h"
#include "buf.h"
#include "kafka/conn_aws.h"
#include "log.h"

#define SECRET_FILE_MAX (64u << 10)

#define OPT(s, f) offsetof(s, f)

const struct sl_option sl_kafka_conn_options[] = {
    {"type", SL_OPT_ENUM, "kafka", "kafka", false,
     OPT(struct sl_kafka_conn, type),
     "connection type (only kafka: Apache Kafka or Amazon MSK)"},
    {"bootstrap_servers", SL_OPT_STRING, NULL, NULL, true,
     OPT(struct sl_kafka_conn, bootstrap_servers),
     "host:port[,host:port...] of the brokers"},
    {"security_protocol", SL_OPT_ENUM, "PLAINTEXT",
     "PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL", false,
     OPT(struct sl_kafka_conn, security_protocol),
     "how the client talks to the brokers"},
    {"ssl", SL_OPT_NODE, NULL, NULL, false, OPT(struct sl_kafka_conn, ssl_node),
     "TLS: ca_file, cert_file, key_file, key_password, keystore, ..."},
    {"sasl", SL_OPT_NODE, NULL, NULL, false,
     OPT(struct sl_kafka_conn, sasl_node),
     "SASL: mechanism and its credentials"},
    {"aws", SL_OPT_NODE, NULL, NULL, false, OPT(struct sl_kafka_conn, aws_node),
     "AWS access for *_secret keys, s3:// TLS files and MSK IAM: region, "
     "profile, role_arn, external_id, secrets_endpoint_url, "
     "s3_endpoint_url"},
    {0},
};

static const struct sl_option ssl_options[] = {
    {"ca_file", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, ca_file),
     "PEM file of the CA that signed the brokers' certificates"},
    {"cert_file", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, cert_file),
     "client certificate (PEM) for TLS client authentication"},
    {"key_file", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, key_file), "client private key (PEM)"},
    {"key_password", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, key_password),
     "password of key_file (use ${ENV})"},
    {"key_password_file", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, key_password_file),
     "file holding the password of key_file"},
    {"key_password_secret", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, key_password_secret),
     "AWS Secrets Manager secret (name or ARN) holding the password of "
     "key_file"},
    {"keystore", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, keystore),
     "PKCS#12 file with the client certificate and key"},
    {"keystore_password", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, keystore_password),
     "password of the keystore (use ${ENV})"},
    {"keystore_password_file", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, keystore_password_file),
     "file holding the password of the keystore"},
    {"keystore_password_secret", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_ssl, keystore_password_secret),
     "AWS Secrets Manager secret (name or ARN) holding the password of the "
     "keystore"},
    {"verify", SL_OPT_BOOL, "true", NULL, false,
     OPT(struct sl_kafka_ssl, verify),
     "verify the brokers' certificates (leave on)"},
    {"endpoint_identification", SL_OPT_BOOL, "true", NULL, false,
     OPT(struct sl_kafka_ssl, endpoint_identification),
     "check that the certificate names the broker host"},
    {0},
};

static const struct sl_option sasl_options[] = {
    {"mechanism", SL_OPT_ENUM, NULL,
     "PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|GSSAPI|AWS_MSK_IAM", true,
     OPT(struct sl_kafka_sasl, mechanism), "SASL mechanism"},
    {"username", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, username), "PLAIN / SCRAM user"},
    {"password", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, password),
     "PLAIN / SCRAM password (use ${ENV})"},
    {"password_file", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, password_file),
     "file holding the PLAIN / SCRAM password"},
    {"password_secret", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, password_secret),
     "AWS Secrets Manager secret (name or ARN) holding the PLAIN / SCRAM "
     "password, or Glue's JSON {\"username\", \"password\"}"},
    {"keytab", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, keytab), "GSSAPI: Kerberos keytab file"},
    {"krb5_conf", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, krb5_conf),
     "GSSAPI: krb5.conf (sets KRB5_CONFIG)"},
    {"principal", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, principal), "GSSAPI: client principal"},
    {"service_name", SL_OPT_STRING, "kafka", NULL, false,
     OPT(struct sl_kafka_sasl, service_name),
     "GSSAPI: the brokers' Kerberos service name"},
    {"region", SL_OPT_STRING, NULL, NULL, false,
     OPT(struct sl_kafka_sasl, region),
     "AWS_MSK_IAM: AWS region (default: from the bootstrap host name)"},
    {0},
};

void sl_kafka_conn_free(struct sl_kafka_conn *c)
{
    if (!c)
        return;
    free(c->name);
    sl_options_free(ssl_options, &c->ssl);
    sl_options_free(sasl_options, &c->sasl);
    sl_options_free(sl__kafka_aws_options, &c->aws);
    sl_options_free(sl_kafka_conn_options, c);
    memset(c, 0, sizeof *c);
}

static bool is_sasl(const char *proto)
{
    return strncmp(proto, "SASL_", 5) == 0;
}

static bool is_ssl(const char *proto)
{
    return strcmp(proto, "SSL") == 0 || strcmp(proto, "SASL_SSL") == 0;
}

/* At most one of a secret's three sources. */
static bool one_source(const char *value, const char *file, const char *secret)
{
    return (value != NULL) + (file != NULL) + (secret != NULL) <= 1;
}

/* Rules between keys, checked once parsed. */
static int check(const struct sl_kafka_conn *c, const struct sl_conf *node,
                 struct sl_error *err)
{
    char where[256];
    const char *proto = c->security_protocol;
    const char *w = sl_conf_where(node, where, sizeof where);
    const char *n = c->name;
    if (c->has_ssl && !is_ssl(proto))
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: `ssl:` is set but "
                            "security_protocol is %s (use SSL or SASL_SSL)",
                            w, n, proto);
    if (c->has_sasl && !is_sasl(proto))
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: `sasl:` is set but "
                            "security_protocol is %s (use SASL_SSL or "
                            "SASL_PLAINTEXT)",
                            w, n, proto);
    if (is_sasl(proto) && !c->has_sasl)
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: security_protocol %s needs a "
                            "`sasl:` map with a mechanism",
                            w, n, proto);
    const struct sl_kafka_ssl *s = &c->ssl;
    if ((s->cert_file != NULL) != (s->key_file != NULL))
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: ssl.cert_file and "
                            "ssl.key_file go together",
                            w, n);
    if (s->keystore && s->cert_file)
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: use ssl.keystore or "
                            "ssl.cert_file + ssl.key_file, not both",
                            w, n);
    if (!one_source(s->key_password, s->key_password_file,
                    s->key_password_secret))
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: set one of ssl.key_password, "
                            "ssl.key_password_file and ssl.key_password_secret",
                            w, n);
    if (!one_source(s->keystore_password, s->keystore_password_file,
                    s->keystore_password_secret))
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: set one of "
                            "ssl.keystore_password, ssl.keystore_password_file "
                            "and ssl.keystore_password_secret",
                            w, n);
    if (!c->has_sasl)
        return 0;
    const struct sl_kafka_sasl *a = &c->sasl;
    const char *m = a->mechanism;
    if (!one_source(a->password, a->password_file, a->password_secret))
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: set one of sasl.password, "
                            "sasl.password_file and sasl.password_secret",
                            w, n);
    /* a JSON secret may carry the username too */
    if ((strcmp(m, "PLAIN") == 0 || strncmp(m, "SCRAM-", 6) == 0) &&
        (!(a->username || a->password_secret) ||
         !(a->password || a->password_file || a->password_secret)))
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: SASL %s needs sasl.username "
                            "and sasl.password (or sasl.password_file, or "
                            "sasl.password_secret)",
                            w, n, m);
    if (strcmp(m, "GSSAPI") == 0 && !a->principal)
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: SASL GSSAPI needs "
                            "sasl.principal",
                            w, n);
    if (strcmp(m, "AWS_MSK_IAM") == 0 && strcmp(proto, "SASL_SSL") != 0)
        return sl_error_set(err, SL_EINVAL,
                            "%s: connection %s: AWS_MSK_IAM needs "
                            "security_protocol SASL_SSL (MSK port 9098)",
                            w, n);
    return 0;
}

int sl_kafka_conn_parse(const struct sl_conf *connections, const char *name,
                        struct sl_kafka_conn *c, struct sl_error *err)
{
    memset(c, 0, sizeof *c);
    const struct sl_conf *node = sl_conf_get(connections, name);
    if (!node || node->kind != SL_CONF_MAP) {
        char where[256];
        return sl_error_set(
            err, SL_ENOTFOUND,
            "%s: connection '%s' is not defined in the job's "
            "`connections:` map",
            connections ? sl_conf_where(connections, where, sizeof where)
                        : "job",
            name);
    }
    char sect[300];
    snprintf(sect, sizeof sect, "connections.%s", name);
    int rc = sl_options_parse(sl_kafka_conn_options, NULL, node, sect, c, err);
    if (rc)
        return rc;
    if (!(c->name = strdup(name))) {
        sl_kafka_conn_free(c);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    if (c->ssl_node) {
        char s2[320];
        snprintf(s2, sizeof s2, "%s.ssl", sect);
        rc = sl_options_parse(ssl_options, NULL, c->ssl_node, s2, &c->ssl, err);
        c->has_ssl = true;
    } else {
        c->ssl.verify = c->ssl.endpoint_identification = true;
    }
    if (!rc && c->sasl_node) {
        char s2[320];
        snprintf(s2, sizeof s2, "%s.sasl", sect);
        rc = sl_options_parse(sasl_options, NULL, c->sasl_node, s2, &c->sasl,
                              err);
        c->has_sasl = true;
    }
    if (!rc && c->aws_node) {
        char s2[320];
        snprintf(s2, sizeof s2, "%s.aws", sect);
        rc = sl_options_parse(sl__kafka_aws_options, NULL, c->aws_node, s2,
                              &c->aws, err);
    }
    if (!rc)
        rc = check(c, node, err);
    if (rc)
        sl_kafka_conn_free(c);
    return rc;
}

int sl_kafka_conns_check(const struct sl_conf *connections,
                         struct sl_error *err)
{
    char where[256];
    if (!connections)
        return 0;
    if (connections->kind != SL_CONF_MAP)
        return sl_error_set(err, SL_EINVAL,
                            "%s: connections: expected a map of named "
                            "connections",
                            sl_conf_where(connections, where, sizeof where));
    for (size_t i = 0; i < connections->n; i++) {
        struct sl_kafka_conn c;
        int rc =
            sl_kafka_conn_parse(connections, connections->keys[i], &c, err);
        if (rc)
            return rc;
        sl_kafka_conn_free(&c);
    }
    return 0;
}

/* ---- properties ---- */

int sl_kafka_props_set(struct sl_kafka_props *p, const char *name,
                       const char *value, bool secret)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return SL_ENOMEM;
            free(p->v[i].value);
            p->v[i].value = v;
            p->v[i].secret = secret;
            return 0;
        }
    struct sl_kafka_prop *nv = realloc(p->v, (p->n + 1) * sizeof *nv);
    if (!nv)
        return SL_ENOMEM;
    p->v = nv;
    struct sl_kafka_prop *e = &p->v[p->n];
    e->name = strdup(name);
    e->value = strdup(value);
    e->secret = secret;
    if (!e->name || !e->value) {
        free(e->name);
        free(e->value);
        return SL_ENOMEM;
    }
    p->n++;
    return 0;
}

const char *sl_kafka_props_get(const struct sl_kafka_props *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}

void sl_kafka_props_free(struct sl_kafka_props *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].secret && p->v[i].value)
            memset(p->v[i].value, 0, strlen(p->v[i].value));
        free(p->v[i].name);
        free(p->v[i].value);
    }
    free(p->v);
    free(p->krb5_config);
    memset(p, 0, sizeof *p);
}

/* Read a secret from a file; the trailing newline is not part of it. */
static int read_secret(const char *conn, const char *key, const char *path,
                       struct sl_buf *out, struct sl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sl_error_set(err, SL_EIO, "connection %s: %s '%s': %s", conn,
                            key, path, strerror(errno));
    sl_buf_init(out, SECRET_FILE_MAX);
    char tmp[4096];
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = sl_buf_append(out, tmp, got);
    fclose(f);
    while (!rc && out->len &&
           (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
        out->len--;
    if (!rc)
        rc = sl_buf_cstr(out);
    if (rc) {
        sl_buf_free(out);
        return sl_error_set(
            err, rc, "connection %s: %s '%s': %s", conn, key, path,
            rc == SL_ELIMIT ? "larger than 64 KiB" : "out of memory");
    }
    return 0;
}

/* Where one secret comes from: a value, a file or a Secrets Manager
 * secret (at most one is set; check() saw to it). */
struct secret_src {
    const char *prop;  /* the librdkafka property */
    const char *value; /* the value itself */
    const char *file_key, *file;
    const char *secret_key, *secret;
};

/* The secret from a Secrets Manager secret into out (the caller wipes
 * it): the "password" member of a JSON object secret, else the whole
 * string; a JSON secret's "username" into *username when username is not
 * NULL (caller frees). */
static int fetch_secret(const struct sl_kafka_conn *c, struct sl_aws_json **sm,
                        const struct secret_src *s, struct sl_buf *out,
                        char **username, struct sl_error *err)
{
    struct sl_buf whole, user;
    sl_buf_init(&whole, 0); /* bounded by sl_aws_secret_get */
    sl_buf_init(&user, SECRET_FILE_MAX);
    int rc = sl__kafka_secret_get(sm, c, s->secret_key, s->secret, &whole, err);
    if (!rc) {
        if (sl_aws_secret_field((char *)whole.data, whole.len, "password",
                                out) != 0) {
            sl_buf_reset(out);
            rc = sl_buf_append(out, whole.data, whole.len);
            if (!rc)
                rc = sl_buf_cstr(out);
        } else if (username &&
                   sl_aws_secret_field((char *)whole.data, whole.len,
                                       "username", &user) == 0 &&
                   !(*username = strdup((char *)user.data))) {
            rc = SL_ENOMEM;
        }
        if (rc)
            rc = sl_error_set(err, rc, "connection %s: %s '%s': %s", c->name,
                              s->secret_key, s->secret, sl_strerror(rc));
    }
    if (whole.data)
        memset(whole.data, 0, whole.cap);
    sl_buf_free(&whole);
    sl_buf_free(&user);
    return rc;
}

/* The secret of s, as a secret property. */
static int set_secret(struct sl_kafka_props *p, const struct sl_kafka_conn *c,
                      struct sl_aws_json **sm, const struct secret_src *s,
                      char **username, struct sl_error *err)
{
    if (s->value)
        return sl_kafka_props_set(p, s->prop, s->value, true)
                   ? sl_error_set(err, SL_ENOMEM, "out of memory")
                   : 0;
    if (!s->file && !s->secret)
        return 0;
    struct sl_buf b;
    int rc;
    if (s->file) {
        rc = read_secret(c->name, s->file_key, s->file, &b, err);
    } else {
        sl_buf_init(&b, SECRET_FILE_MAX);
        rc = fetch_secret(c, sm, s, &b, username, err);
        if (rc)
            sl_buf_free(&b);
    }
    if (rc)
        return rc;
    rc = sl_kafka_props_set(p, s->prop, (char *)b.data, true);
    memset(b.data, 0, b.len);
    sl_buf_free(&b);
    return rc ? sl_error_set(err, SL_ENOMEM, "out of memory") : 0;
}

/* A TLS file property: the path as given, or the local copy of an s3://
 * object. */
static int set_path(struct sl_kafka_props *p, const struct sl_kafka_conn *c,
                    const char *prop, const char *key, const char *value,
                    struct sl_error *err)
{
    if (!value)
        return 0;
    char *local = NULL;
    int rc = 0;
    if (strncmp(value, "s3://", 5) == 0 &&
        (rc = sl__kafka_s3_file(c, key, value, &local, err)))
        return rc;
    rc = sl_kafka_props_set(p, prop, local ? local : value, false);
    free(local);
    return rc ? sl_error_set(err, SL_ENOMEM, "out of memory") : 0;
}

/* MSK's bootstrap hosts are b-N.<cluster>.<id>.c2.kafka.<region>.amazonaws
 * .com[:port]; the region is the label after "kafka.". */
static bool region_from_host(const char *servers, char *out, size_t n)
{
    const char *k = strstr(servers, ".kafka.");
    if (!k)
        return false;
    k += 7;
    size_t len = strcspn(k, ".:,");
    if (len == 0 || len >= n || strncmp(k + len, ".amazonaws.", 11) != 0)
        return false;
    memcpy(out, k, len);
    out[len] = '\0';
    return true;
}

int sl_kafka_conn_props(const struct sl_kafka_conn *c,
                        struct sl_kafka_props *out, struct sl_error *err)
{
    memset(out, 0, sizeof *out);
    struct sl_kafka_props *p = out;
    struct sl_aws_json *sm = NULL; /* Secrets Manager, made when needed */
    char *secret_user = NULL;
    char proto[32];
    size_t i = 0;
    for (; c->security_protocol[i] && i + 1 < sizeof proto; i++)
        proto[i] = (char)tolower((unsigned char)c->security_protocol[i]);
    proto[i] = '\0';
    int rc =
        sl_kafka_props_set(p, "bootstrap.servers", c->bootstrap_servers, false);
    if (!rc)
        rc = sl_kafka_props_set(p, "security.protocol", proto, false);
    if (rc)
        goto nomem;
    const struct sl_kafka_ssl *s = &c->ssl;
    if (is_ssl(c->security_protocol)) {
        if ((rc = set_path(p, c, "ssl.ca.location", "ssl.ca_file", s->ca_file,
                           err)) ||
            (rc = set_path(p, c, "ssl.certificate.location", "ssl.cert_file",
                           s->cert_file, err)) ||
            (rc = set_path(p, c, "ssl.key.location", "ssl.key_file",
                           s->key_file, err)) ||
            (rc = set_path(p, c, "ssl.keystore.location", "ssl.keystore",
                           s->keystore, err)))
            goto fail;
        rc = sl_kafka_props_set(p, "enable.ssl.certificate.verification",
                                s->verify ? "true" : "false", false);
        if (!rc)
            rc = sl_kafka_props_set(
                p, "ssl.endpoint.identification.algorithm",
                s->endpoint_identification ? "https" : "none", false);
        if (rc)
            goto nomem;
        struct secret_src key = {
            "ssl.key.password",        s->key_password,
            "ssl.key_password_file",   s->key_password_file,
            "ssl.key_password_secret", s->key_password_secret};
        struct secret_src ks = {
            "ssl.keystore.password",        s->keystore_password,
            "ssl.keystore_password_file",   s->keystore_password_file,
            "ssl.keystore_password_secret", s->keystore_password_secret};
        if ((rc = set_secret(p, c, &sm, &key, NULL, err)) ||
            (rc = set_secret(p, c, &sm, &ks, NULL, err)))
            goto fail;
    }
    if (c->has_sasl) {
        const struct sl_kafka_sasl *a = &c->sasl;
        const char *m = a->mechanism;
        if (strcmp(m, "AWS_MSK_IAM") == 0) {
            char region[64];
            if (a->region)
                snprintf(region, sizeof region, "%s", a->region);
            else if (!region_from_host(c->bootstrap_servers, region,
                                       sizeof region)) {
                rc = sl_error_set(err, SL_EINVAL,
                                  "connection %s: AWS_MSK_IAM: set "
                                  "sasl.region (the bootstrap host does not "
                                  "name one)",
                                  c->name);
                goto fail;
            }
            out->msk_iam = true;
            rc = sl_kafka_props_set(p, "sasl.mechanisms", "OAUTHBEARER", false);
            /* for the token refresher (conn_aws.c): region and how to get
             * credentials, no secret */
            struct sl_buf cfg;
            sl_buf_init(&cfg, 8192);
            if (!rc)
                rc = sl__kafka_msk_config(c, region, &cfg);
            if (!rc)
                rc = sl_kafka_props_set(p, "sasl.oauthbearer.config",
                                        (char *)cfg.data, false);
            sl_buf_free(&cfg);
        } else {
            rc = sl_kafka_props_set(p, "sasl.mechanisms", m, false);
        }
        if (rc)
            goto nomem;
        bool userpass = strcmp(m, "PLAIN") == 0 || strncmp(m, "SCRAM-", 6) == 0;
        /* the password first: a JSON secret may name the user */
        struct sl_kafka_props pw = {0};
        struct secret_src src = {"sasl.password",        a->password,
                                 "sasl.password_file",   a->password_file,
                                 "sasl.password_secret", a->password_secret};
        if (userpass &&
            (rc = set_secret(&pw, c, &sm, &src,
                             a->username ? NULL : &secret_user, err)))
            goto fail;
        const char *user = a->username ? a->username : secret_user;
        if (userpass && !user) {
            sl_kafka_props_free(&pw);
            rc = sl_error_set(err, SL_EINVAL,
                              "connection %s: no sasl.username, and secret "
                              "'%s' is not a JSON secret with a \"username\"",
                              c->name, a->password_secret);
            goto fail;
        }
        if (user)
            rc = sl_kafka_props_set(p, "sasl.username", user, false);
        for (size_t k = 0; !rc && k < pw.n; k++)
            rc = sl_kafka_props_set(p, pw.v[k].name, pw.v[k].value, true);
        sl_kafka_props_free(&pw);
        if (rc)
            goto nomem;
        if (strcmp(m, "GSSAPI") == 0) {
            rc = sl_kafka_props_set(p, "sasl.kerberos.service.name",
                                    a->service_name, false);
            if (!rc)
                rc = sl_kafka_props_set(p, "sasl.kerberos.principal",
                                        a->principal, false);
            if (!rc && a->keytab)
                rc = sl_kafka_props_set(p, "sasl.kerberos.keytab", a->keytab,
                                        false);
            if (!rc && a->krb5_conf &&
                !(out->krb5_config = strdup(a->krb5_conf)))
                rc = SL_ENOMEM;
            if (rc)
                goto nomem;
        }
    }
    sl_aws_json_destroy(sm);
    free(secret_user);
    return 0;
nomem:
    rc = sl_error_set(err, SL_ENOMEM, "out of memory");
fail:
    sl_aws_json_destroy(sm);
    free(secret_user);
    sl_kafka_props_free(out);
    return rc;
}

int sl_kafka_props_apply(const struct sl_kafka_props *p, void *rd_conf,
                         const char *what, struct sl_error *err)
{
    char errstr[512];
    for (size_t i = 0; i < p->n; i++) {
        const struct sl_kafka_prop *e = &p->v[i];
        if (strncmp(e->name, "sluice.", 7) == 0)
            continue;
        if (rd_kafka_conf_set(rd_conf, e->name, e->value, errstr,
                              sizeof errstr) != RD_KAFKA_CONF_OK) {
            if (e->secret)
                return sl_error_set(err, SL_EINVAL,
                                    "%s: librdkafka refused the secret "
                                    "property %s (value not shown)",
                                    what, e->name);
            return sl_error_set(err, SL_EINVAL,
                                "%s: librdkafka refused %s=%s: %s", what,
                                e->name, e->value, errstr);
        }
    }
    return 0;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
    (void)rk;
    if (level <= 3)
        sl_warn("kafka: %s: %s", fac, buf);
    else if (level <= 5)
        sl_info("kafka: %s: %s", fac, buf);
    else
        sl_debug("kafka: %s: %s", fac, buf);
}

int sl_kafka_conf_build(const struct sl_conf *connections,
                        const char *connection, const char *bootstrap,
                        const struct sl_conf *properties, const char *what,
                        void **out, struct sl_error *err)
{
    *out = NULL;
    if ((connection != NULL) == (bootstrap != NULL))
        return sl_error_set(err, SL_EINVAL,
                            "%s: set either `connection` (a name in the "
                            "job's connections:) or `bootstrap_servers`",
                            what);
    struct sl_kafka_props p = {0};
    int rc = 0;
    if (connection) {
        struct sl_kafka_conn c;
        rc = sl_kafka_conn_parse(connections, connection, &c, err);
        if (rc)
            return rc;
        rc = sl_kafka_conn_props(&c, &p, err);
        sl_kafka_conn_free(&c);
        if (rc)
            return rc;
        if (p.krb5_config)
            setenv("KRB5_CONFIG", p.krb5_config, 1);
    } else if (sl_kafka_props_set(&p, "bootstrap.servers", bootstrap, false)) {
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    for (size_t i = 0;
         properties && properties->kind == SL_CONF_MAP && i < properties->n;
         i++) {
        const struct sl_conf *v = properties->items[i];
        if (v->kind != SL_CONF_SCALAR || !v->str) {
            char where[256];
            sl_kafka_props_free(&p);
            return sl_error_set(err, SL_EINVAL,
                                "%s: %s: properties.%s: expected a scalar "
                                "librdkafka property value",
                                sl_conf_where(v, where, sizeof where), what,
                                properties->keys[i]);
        }
        if (sl_kafka_props_set(&p, properties->keys[i], v->str, false)) {
            sl_kafka_props_free(&p);
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        }
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, log_cb);
    if (p.msk_iam)
        sl__kafka_msk_install(conf);
    rc = sl_kafka_props_apply(&p, conf, what, err);
    sl_kafka_props_free(&p);
    if (rc) {
        rd_kafka_conf_destroy(conf);
        return rc;
    }
    *out = conf;
    return 0;
}
