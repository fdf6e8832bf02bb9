/*
 * services.c - Secrets Manager GetSecretValue and Glue Schema Registry
 * GetSchemaVersion over the JSON 1.1 client (see services.h).
 *
 * Answers are parsed with the config loader's parser (JSON is YAML); a
 * parse failure is reported without the text, which may be a secret.
 */
#include "aws/services.h"

#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "options.h"

#define SECRET_MAX (64u << 10) /* Secrets Manager's own limit */

static void wipe(struct sl_buf *b)
{
    if (b->data)
        memset(b->data, 0, b->cap);
}

int sl_aws_secrets_client(const struct sl_aws_config *aws,
                          struct sl_aws_json **out, struct sl_error *err)
{
    struct sl_aws_json_opts o = {.aws = *aws,
                                 .service = "secretsmanager",
                                 .host_prefix = "secretsmanager",
                                 .endpoint_env =
                                     "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                                 .what = "Secrets Manager"};
    return sl_aws_json_create(&o, out, err);
}

/* {"<key>": "<value>"} */
static int request_body(struct sl_buf *b, const char *key, const char *value)
{
    int rc = sl_buf_putc(b, '{');
    if (!rc)
        rc = sl_jsonw_cstr(b, key);
    if (!rc)
        rc = sl_buf_putc(b, ':');
    if (!rc)
        rc = sl_jsonw_cstr(b, value);
    if (!rc)
        rc = sl_buf_putc(b, '}');
    return rc;
}

int sl_aws_secret_get(struct sl_aws_json *c, const char *id, struct sl_buf *out,
                      struct sl_error *err)
{
    struct sl_buf req, resp;
    sl_buf_init(&req, 8192);
    sl_buf_init(&resp, 4 * SECRET_MAX + 65536);
    int rc = request_body(&req, "SecretId", id);
    if (rc) {
        sl_buf_free(&req);
        return sl_error_set(err, rc, "Secrets Manager: secret name too long");
    }
    rc = sl_aws_json_call(c, "secretsmanager.GetSecretValue",
                          (const char *)req.data, req.len, &resp, err);
    sl_buf_free(&req);
    struct sl_conf *j = NULL;
    if (!rc && sl_conf_parse((const char *)resp.data, resp.len, "secret",
                             SL_CONF_NO_ENV, &j, NULL))
        rc = sl_error_set(err, SL_EIO,
                          "Secrets Manager: the answer for secret '%s' is "
                          "not JSON",
                          id);
    const char *s = rc ? NULL : sl_conf_str(j, "SecretString");
    if (!rc && !s)
        rc = sl_error_set(err, SL_EINVAL,
                          "Secrets Manager: secret '%s' has no SecretString "
                          "(binary secrets are not supported)",
                          id);
    if (!rc) {
        sl_buf_reset(out);
        rc = sl_buf_puts(out, s);
        if (!rc)
            rc = sl_buf_cstr(out);
        if (rc)
            rc = sl_error_set(err, rc, "Secrets Manager: secret '%s': %s", id,
                              sl_strerror(rc));
    }
    if (s)
        memset((char *)s, 0, strlen(s));
    sl_conf_free(j);
    wipe(&resp);
    sl_buf_free(&resp);
    if (rc == SL_ENOTFOUND && err)
        sl_error_prefix(err, "secret '%s': ", id);
    return rc;
}

int sl_aws_secret_field(const char *secret, size_t len, const char *key,
                        struct sl_buf *out)
{
    size_t i = 0;
    while (i < len && (secret[i] == ' ' || secret[i] == '\n' ||
                       secret[i] == '\t' || secret[i] == '\r'))
        i++;
    if (i == len || secret[i] != '{')
        return SL_ENOTFOUND;
    struct sl_conf *j = NULL;
    if (sl_conf_parse(secret, len, "secret", SL_CONF_NO_ENV, &j, NULL))
        return SL_ENOTFOUND;
    const struct sl_conf *v = sl_conf_get(j, key);
    int rc = SL_ENOTFOUND;
    if (v && v->kind == SL_CONF_SCALAR && v->str) {
        sl_buf_reset(out);
        rc = sl_buf_puts(out, v->str);
        if (!rc)
            rc = sl_buf_cstr(out);
    }
    for (size_t k = 0; k < j->n && j->kind == SL_CONF_MAP; k++) {
        struct sl_conf *e = j->items[k];
        if (e->kind == SL_CONF_SCALAR && e->str)
            memset(e->str, 0, strlen(e->str));
    }
    sl_conf_free(j);
    return rc;
}

int sl_aws_glue_client(const struct sl_aws_config *aws, long timeout_ms,
                       int max_attempts, struct sl_aws_json **out,
                       struct sl_error *err)
{
    struct sl_aws_json_opts o = {.aws = *aws,
                                 .service = "glue",
                                 .host_prefix = "glue",
                                 .endpoint_env = "AWS_ENDPOINT_URL_GLUE",
                                 .what = "Glue",
                                 .timeout_ms = timeout_ms,
                                 .max_attempts = max_attempts};
    return sl_aws_json_create(&o, out, err);
}

int sl_aws_glue_schema_version(struct sl_aws_json *c, const char *uuid,
                               struct sl_buf *out, struct sl_error *err)
{
    struct sl_buf req, resp;
    sl_buf_init(&req, 4096);
    sl_buf_init(&resp, 1u << 20);
    int rc = request_body(&req, "SchemaVersionId", uuid);
    if (!rc)
        rc = sl_aws_json_call(c, "AWSGlue.GetSchemaVersion",
                              (const char *)req.data, req.len, &resp, err);
    else
        rc = sl_error_set(err, rc, "out of memory");
    sl_buf_free(&req);
    struct sl_conf *j = NULL;
    struct sl_error perr;
    if (!rc && sl_conf_parse((const char *)resp.data, resp.len,
                             "GetSchemaVersion", SL_CONF_NO_ENV, &j, &perr))
        rc = sl_error_set(err, SL_EIO,
                          "Glue GetSchemaVersion %s: the answer is not "
                          "JSON: %s",
                          uuid, perr.msg);
    const char *def = rc ? NULL : sl_conf_str(j, "SchemaDefinition");
    const char *fmt = rc ? NULL : sl_conf_str(j, "DataFormat");
    const char *st = rc ? NULL : sl_conf_str(j, "Status");
    if (rc) {
    } else if (st && strcmp(st, "AVAILABLE") != 0) {
        rc = sl_error_set(
            err, strcmp(st, "PENDING") == 0 ? SL_ENOTFOUND : SL_EINVAL,
            "Glue GetSchemaVersion %s: the version is %s, not AVAILABLE", uuid,
            st);
    } else if (fmt && strcmp(fmt, "AVRO") != 0) {
        rc = sl_error_set(
            err, SL_EINVAL,
            "Glue GetSchemaVersion %s: the version is a %s schema, not Avro",
            uuid, fmt);
    } else if (!def) {
        rc = sl_error_set(err, SL_EIO,
                          "Glue GetSchemaVersion %s: the answer has no "
                          "SchemaDefinition",
                          uuid);
    } else {
        sl_buf_reset(out);
        rc = sl_buf_puts(out, def);
        if (rc)
            rc = sl_error_set(err, rc,
                              "Glue GetSchemaVersion %s: definition too large",
                              uuid);
    }
    sl_conf_free(j);
    sl_buf_free(&resp);
    return rc;
}
