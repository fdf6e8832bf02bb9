/*
 * json_api.c - the AWS JSON 1.1 client (see json_api.h).
 *
 * Each attempt is signed again by prepare() (fresh time, refreshed
 * credentials), as s3.c does; http.c decides what is retried (5xx,
 * throttling, dropped connections). The canonical request covers
 * content-type, host, x-amz-date, x-amz-target (and the session token),
 * and the payload's SHA-256.
 */
#include "aws/json_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "aws/sigv4.h"
#include "log.h"
#include "options.h"

#define CONTENT_TYPE "application/x-amz-json-1.1"

struct sl_aws_json {
    struct sl_aws_json_opts o;
    char *region;
    char scheme[8];
    char host[256];
    char endpoint[300];
    char url[320];
    struct sl_aws_creds_provider *prov;
    struct sl_aws_http *http;
    char last_type[128];
};

int sl_aws_json_create(const struct sl_aws_json_opts *o,
                       struct sl_aws_json **out, struct sl_error *err)
{
    *out = NULL;
    struct sl_aws_json *c = calloc(1, sizeof(*c));
    if (!c)
        return sl_error_set(err, SL_ENOMEM, "aws: out of memory");
    c->o = *o;
    c->o.service = c->o.host_prefix = c->o.endpoint_env = c->o.what = NULL;
    int rc = sl_aws_config_copy(&c->o.aws, &o->aws);
    if (!rc) {
        c->o.service = strdup(o->service);
        c->o.host_prefix = strdup(o->host_prefix);
        c->o.what = strdup(o->what ? o->what : o->service);
        c->region = sl_aws_region_resolve(&o->aws);
        if (!c->o.service || !c->o.host_prefix || !c->o.what || !c->region)
            rc = SL_ENOMEM;
    }
    if (rc) {
        sl_aws_json_destroy(c);
        return sl_error_set(err, SL_ENOMEM, "aws: out of memory");
    }
    if (!c->o.timeout_ms)
        c->o.timeout_ms = 10000;
    if (!c->o.max_attempts)
        c->o.max_attempts = 4;
    if (!c->o.base_delay_ms)
        c->o.base_delay_ms = 100;
    if (!c->o.max_delay_ms)
        c->o.max_delay_ms = 5000;
    const char *eu = c->o.aws.endpoint_url;
    if ((!eu || !eu[0]) && o->endpoint_env)
        eu = getenv(o->endpoint_env);
    if (!eu || !eu[0])
        eu = getenv("AWS_ENDPOINT_URL");
    if (eu && eu[0])
        snprintf(c->endpoint, sizeof(c->endpoint), "%s", eu);
    else
        snprintf(c->endpoint, sizeof(c->endpoint),
                 "https://%s.%s.amazonaws.com", c->o.host_prefix, c->region);
    const char *rest = "";
    if (sl_aws_url_parse(c->endpoint, c->scheme, sizeof(c->scheme), c->host,
                         sizeof(c->host), &rest) ||
        (rest[0] && strcmp(rest, "/") != 0)) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: endpoint '%s' must be http(s)://host[:port]",
                          c->o.what, c->endpoint);
        sl_aws_json_destroy(c);
        return rc;
    }
    size_t el = strlen(c->endpoint);
    if (el && c->endpoint[el - 1] == '/')
        c->endpoint[el - 1] = '\0';
    snprintf(c->url, sizeof(c->url), "%s://%s/", c->scheme, c->host);
    struct sl_aws_http_opts ho = {
        .ca_file = c->o.aws.ca_file,
        .no_verify = !c->o.aws.tls_verify,
        .timeout_ms = c->o.timeout_ms,
        .connect_timeout_ms = c->o.timeout_ms < 5000 ? c->o.timeout_ms : 5000,
        .max_attempts = c->o.max_attempts,
        .base_delay_ms = c->o.base_delay_ms,
        .max_delay_ms = c->o.max_delay_ms};
    rc = sl_aws_http_create(&ho, &c->http, err);
    if (rc) {
        sl_aws_json_destroy(c);
        return rc;
    }
    *out = c;
    return 0;
}

void sl_aws_json_destroy(struct sl_aws_json *c)
{
    if (!c)
        return;
    sl_aws_creds_provider_destroy(c->prov);
    sl_aws_http_destroy(c->http);
    sl_aws_config_free(&c->o.aws);
    free((char *)c->o.service);
    free((char *)c->o.host_prefix);
    free((char *)c->o.what);
    free(c->region);
    free(c);
}

const char *sl_aws_json_error_type(const struct sl_aws_json *c)
{
    return c->last_type;
}

const char *sl_aws_json_endpoint(const struct sl_aws_json *c)
{
    return c->endpoint;
}

void sl_aws_json_error_parse(const char *body, size_t len, char *type,
                             size_t type_n, char *msg, size_t msg_n)
{
    type[0] = msg[0] = '\0';
    struct sl_conf *j = NULL;
    /* no error detail: a body that does not parse is not echoed */
    if (!body || !len ||
        sl_conf_parse(body, len, "aws error", SL_CONF_NO_ENV, &j, NULL))
        return;
    const char *t = sl_conf_str(j, "__type");
    if (!t)
        t = sl_conf_str(j, "code");
    if (t) {
        const char *h = strrchr(t, '#');
        if (h)
            t = h + 1;
        snprintf(type, type_n, "%.*s", (int)strcspn(t, ":"), t);
    }
    const char *m = sl_conf_str(j, "message");
    if (!m)
        m = sl_conf_str(j, "Message");
    if (m)
        snprintf(msg, msg_n, "%s", m);
    sl_conf_free(j);
}

/* ---- one call ---- */

struct call {
    struct sl_aws_json *c;
    const char *target;
    char payload_hash[65];
    struct sl_aws_creds creds;
    struct sl_sigv4_out so;
    struct sl_aws_kv sent[6];
};

static int prepare(void *ctx, struct sl_aws_http_req *r, struct sl_error *err)
{
    struct call *k = ctx;
    struct sl_aws_json *c = k->c;
    sl_aws_creds_free(&k->creds);
    int rc = sl_aws_creds_get(c->prov, &k->creds, err);
    if (rc)
        return rc;
    struct sl_aws_kv signed_h[] = {{"Content-Type", CONTENT_TYPE},
                                   {"X-Amz-Target", k->target}};
    struct sl_sigv4_params sp = {.creds = &k->creds,
                                 .region = c->region,
                                 .service = c->o.service,
                                 .time_s = sl_now_ms() / 1000};
    struct sl_sigv4_request sr = {.method = "POST",
                                  .host = c->host,
                                  .path = "/",
                                  .headers = signed_h,
                                  .nheaders = 2,
                                  .payload_hash = k->payload_hash};
    sl_buf_reset(&k->so.auth);
    rc = sl_sigv4_sign_headers(&sp, &sr, &k->so, err);
    if (rc)
        return rc;
    size_t n = 0;
    k->sent[n++] = signed_h[0];
    k->sent[n++] = signed_h[1];
    k->sent[n++] = (struct sl_aws_kv){"X-Amz-Date", k->so.amz_date};
    if (k->creds.session_token)
        k->sent[n++] =
            (struct sl_aws_kv){"X-Amz-Security-Token", k->creds.session_token};
    k->sent[n++] = (struct sl_aws_kv){"Authorization", (char *)k->so.auth.data};
    r->url = c->url;
    r->headers = k->sent;
    r->nheaders = n;
    return 0;
}

static bool not_found_type(const char *t)
{
    return strcmp(t, "EntityNotFoundException") == 0 ||
           strcmp(t, "ResourceNotFoundException") == 0;
}

int sl_aws_json_call(struct sl_aws_json *c, const char *target,
                     const char *body, size_t len, struct sl_buf *out,
                     struct sl_error *err)
{
    c->last_type[0] = '\0';
    int rc = 0;
    if (!c->prov) {
        rc = sl_aws_creds_provider_create(&c->o.aws, &c->prov, err);
        if (rc) {
            sl_error_prefix(err, "%s %s: ", c->o.what, target);
            return rc;
        }
        sl_info("aws: %s endpoint %s", c->o.what, c->endpoint);
    }
    struct call k = {.c = c, .target = target};
    sl_aws_sha256_hex(body ? body : "", len, k.payload_hash);
    sl_sigv4_out_init(&k.so);
    struct sl_aws_http_req r = {.method = "POST",
                                .body = body,
                                .body_len = len,
                                .idempotent = true,
                                .max_response = out->max};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    rc = sl_aws_http_do(c->http, &r, prepare, &k, &resp, err);
    if (rc) {
        sl_error_prefix(err, "%s %s: ", c->o.what, target);
    } else if (resp.status / 100 != 2) {
        char msg[512];
        sl_aws_json_error_parse((const char *)resp.body.data, resp.body.len,
                                c->last_type, sizeof(c->last_type), msg,
                                sizeof(msg));
        rc = sl_error_set(
            err, not_found_type(c->last_type) ? SL_ENOTFOUND : SL_EIO,
            "%s %s at %s failed: HTTP %ld%s%s%s%s", c->o.what, target,
            c->endpoint, resp.status, c->last_type[0] ? " " : "", c->last_type,
            msg[0] ? ": " : "", msg);
    } else {
        sl_buf_reset(out);
        rc = sl_buf_append(out, resp.body.data, resp.body.len);
        if (!rc)
            rc = sl_buf_cstr(out);
        if (rc)
            rc = sl_error_set(err, rc, "%s %s: answer too large", c->o.what,
                              target);
    }
    sl_aws_http_resp_free(&resp);
    sl_sigv4_out_free(&k.so);
    sl_aws_creds_free(&k.creds);
    return rc;
}
