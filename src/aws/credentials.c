/*
 * credentials.c - the AWS credential chain and STS (see credentials.h).
 *
 * The provider keeps the credentials in force and where they came from,
 * under a mutex; a refresh asks the same source again. Every fetch goes
 * through http.c with short timeouts for the metadata endpoints. Values
 * read from answers are copied into owned strings and never printed.
 */
#include "aws/credentials.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "aws/http.h"
#include "datetime.h"
#include "log.h"
#include "options.h"

enum source {
    SRC_ENV,
    SRC_PROFILE,
    SRC_WEB_IDENTITY,
    SRC_CONTAINER,
    SRC_IMDS,
};

struct sl_aws_creds_provider {
    pthread_mutex_t mu;
    struct sl_aws_config cfg;
    char *region;
    enum source src;
    char source_name[160];
    struct sl_aws_creds base;    /* from the chain */
    struct sl_aws_creds assumed; /* AssumeRole on top, when role_arn */
    struct sl_aws_http *http;
};

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

void sl_aws_creds_free(struct sl_aws_creds *c)
{
    if (!c)
        return;
    free(c->access_key);
    wipe_free(c->secret_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof(*c));
}

static int creds_copy(struct sl_aws_creds *dst, const struct sl_aws_creds *s)
{
    memset(dst, 0, sizeof(*dst));
    dst->access_key = xstrdup(s->access_key);
    dst->secret_key = xstrdup(s->secret_key);
    dst->session_token = xstrdup(s->session_token);
    dst->expires_ms = s->expires_ms;
    if (!dst->access_key || !dst->secret_key ||
        (s->session_token && !dst->session_token)) {
        sl_aws_creds_free(dst);
        return SL_ENOMEM;
    }
    return 0;
}

int sl_aws_config_copy(struct sl_aws_config *dst,
                       const struct sl_aws_config *src)
{
    *dst = *src;
    char **f[] = {&dst->region,      &dst->endpoint_url,
                  &dst->ca_file,     &dst->profile,
                  &dst->role_arn,    &dst->role_session_name,
                  &dst->external_id, &dst->sts_endpoint};
    int rc = 0;
    for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++) {
        char *v = *f[i];
        *f[i] = xstrdup(v);
        if (v && !*f[i])
            rc = SL_ENOMEM;
    }
    if (rc)
        sl_aws_config_free(dst);
    return rc;
}

void sl_aws_config_free(struct sl_aws_config *c)
{
    if (!c)
        return;
    free(c->region);
    free(c->endpoint_url);
    free(c->ca_file);
    free(c->profile);
    free(c->role_arn);
    free(c->role_session_name);
    free(c->external_id);
    free(c->sts_endpoint);
    memset(c, 0, sizeof(*c));
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

static int read_small_file(const char *path, struct sl_buf *out)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return SL_EIO;
    char tmp[4096];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
        rc = sl_buf_append(out, tmp, n);
    fclose(fp);
    OPENSSL_cleanse(tmp, sizeof(tmp));
    if (!rc)
        rc = sl_buf_cstr(out);
    return rc;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                 s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* ---- shared credentials / config files ---- */

static char *home_path(const char *rel)
{
    const char *home = env("HOME");
    if (!home)
        return NULL;
    size_t n = strlen(home) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", home, rel);
    return p;
}

/* Value of key in section [section] of an INI file, or NULL. Caller frees.
 * *found_section tells whether the section exists. */
static char *ini_get(const char *path, const char *section, const char *key,
                     bool *found_section)
{
    struct sl_buf b;
    sl_buf_init(&b, 1u << 20);
    if (read_small_file(path, &b)) {
        sl_buf_free(&b);
        return NULL;
    }
    char *val = NULL, *save = NULL;
    bool in = false;
    for (char *line = strtok_r((char *)b.data, "\n", &save); line && !val;
         line = strtok_r(NULL, "\n", &save)) {
        char *t = trim(line);
        if (!*t || *t == '#' || *t == ';')
            continue;
        if (*t == '[') {
            char *e = strchr(t, ']');
            if (e)
                *e = '\0';
            in = strcmp(trim(t + 1), section) == 0;
            if (in && found_section)
                *found_section = true;
            continue;
        }
        char *eq = strchr(t, '=');
        if (!in || !eq)
            continue;
        *eq = '\0';
        if (strcmp(trim(t), key) == 0)
            val = strdup(trim(eq + 1));
    }
    OPENSSL_cleanse(b.data ? b.data : (uint8_t *)"", b.len);
    sl_buf_free(&b);
    return val;
}

static const char *profile_name(const struct sl_aws_config *cfg)
{
    if (cfg->profile && cfg->profile[0])
        return cfg->profile;
    const char *p = env("AWS_PROFILE");
    return p ? p : "default";
}

/* Look key up in the credentials file ([name]) then the config file
 * ([profile name], [default]). */
static char *profile_get(const struct sl_aws_config *cfg, const char *key,
                         bool *found)
{
    const char *name = profile_name(cfg);
    char *cred = env("AWS_SHARED_CREDENTIALS_FILE")
                     ? strdup(env("AWS_SHARED_CREDENTIALS_FILE"))
                     : home_path(".aws/credentials");
    char *conf = env("AWS_CONFIG_FILE") ? strdup(env("AWS_CONFIG_FILE"))
                                        : home_path(".aws/config");
    char *v = cred ? ini_get(cred, name, key, found) : NULL;
    if (!v && conf) {
        char sect[256];
        if (strcmp(name, "default") == 0)
            snprintf(sect, sizeof(sect), "default");
        else
            snprintf(sect, sizeof(sect), "profile %s", name);
        v = ini_get(conf, sect, key, found);
    }
    free(cred);
    free(conf);
    return v;
}

char *sl_aws_region_resolve(const struct sl_aws_config *cfg)
{
    if (cfg && cfg->region && cfg->region[0])
        return strdup(cfg->region);
    const char *r = env("AWS_REGION");
    if (!r)
        r = env("AWS_DEFAULT_REGION");
    if (r)
        return strdup(r);
    struct sl_aws_config empty = {0};
    char *v = profile_get(cfg ? cfg : &empty, "region", NULL);
    return v ? v : strdup("us-east-1");
}

static int from_profile(struct sl_aws_creds_provider *p, struct sl_error *err)
{
    bool found = false;
    char *ak = profile_get(&p->cfg, "aws_access_key_id", &found);
    char *sk = profile_get(&p->cfg, "aws_secret_access_key", &found);
    char *tok = profile_get(&p->cfg, "aws_session_token", &found);
    if (!ak || !sk) {
        free(ak);
        wipe_free(sk);
        wipe_free(tok);
        bool explicit_profile =
            (p->cfg.profile && p->cfg.profile[0]) || env("AWS_PROFILE");
        if (explicit_profile)
            return sl_error_set(
                err, SL_EINVAL,
                "aws: profile '%s' has no aws_access_key_id and "
                "aws_secret_access_key in the shared credentials or config "
                "file%s",
                profile_name(&p->cfg), found ? "" : " (no such profile)");
        return SL_ENOTFOUND;
    }
    p->base = (struct sl_aws_creds){ak, sk, tok, 0};
    snprintf(p->source_name, sizeof(p->source_name), "profile %s",
             profile_name(&p->cfg));
    return 0;
}

/* ---- JSON answers (container, IMDS) ---- */

static int parse_json_creds(const struct sl_aws_http_resp *r, const char *what,
                            struct sl_aws_creds *out, struct sl_error *err)
{
    struct sl_conf *c = NULL;
    if (sl_conf_parse((const char *)r->body.data, r->body.len, what,
                      SL_CONF_NO_ENV, &c, NULL))
        return sl_error_set(err, SL_ECORRUPT,
                            "aws: %s answered with something that is not a "
                            "JSON object",
                            what);
    const char *ak = sl_conf_str(c, "AccessKeyId");
    const char *sk = sl_conf_str(c, "SecretAccessKey");
    const char *tok = sl_conf_str(c, "Token");
    const char *exp = sl_conf_str(c, "Expiration");
    int rc = 0;
    if (!ak || !sk) {
        rc = sl_error_set(err, SL_ECORRUPT,
                          "aws: %s answer has no AccessKeyId/SecretAccessKey",
                          what);
    } else {
        struct sl_aws_creds t = {(char *)ak, (char *)sk, (char *)tok, 0};
        int64_t us;
        if (exp && sl_timestamp_parse(exp, strlen(exp), &us) == 0)
            t.expires_ms = us / 1000;
        rc = creds_copy(out, &t);
        if (rc)
            sl_error_set(err, rc, "aws: out of memory");
    }
    /* wipe the secret copies in the tree */
    for (size_t i = 0; c && i < c->n; i++)
        if (c->items[i]->str)
            OPENSSL_cleanse(c->items[i]->str, strlen(c->items[i]->str));
    sl_conf_free(c);
    return rc;
}

/* ---- container credentials ---- */

static int from_container(struct sl_aws_creds_provider *p, struct sl_error *err)
{
    const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!rel && !full)
        return SL_ENOTFOUND;
    struct sl_buf url, token;
    sl_buf_init(&url, 8192);
    sl_buf_init(&token, 65536);
    int rc = rel ? sl_buf_appendf(&url, "http://169.254.170.2%s", rel)
                 : sl_buf_puts(&url, full);
    if (!rc)
        rc = sl_buf_cstr(&url);
    const char *tf = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tv = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (!rc && tf) {
        if (read_small_file(tf, &token))
            rc = sl_error_set(err, SL_EIO,
                              "aws: cannot read the container authorization "
                              "token file %s",
                              tf);
        else
            trim((char *)token.data);
    } else if (!rc && tv) {
        rc = sl_buf_puts(&token, tv);
        if (!rc)
            rc = sl_buf_cstr(&token);
    }
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    if (!rc) {
        struct sl_aws_kv h[1] = {{"Authorization", (char *)token.data}};
        struct sl_aws_http_req r = {.method = "GET",
                                    .url = (char *)url.data,
                                    .headers = h,
                                    .nheaders = token.len ? 1 : 0,
                                    .timeout_ms = 2000,
                                    .connect_timeout_ms = 1000,
                                    .idempotent = true,
                                    .max_attempts = 3,
                                    .max_response = 1u << 20};
        rc = sl_aws_http_do(p->http, &r, NULL, NULL, &resp, err);
        char where[512];
        sl_aws_url_for_log((char *)url.data, where, sizeof(where));
        if (rc)
            sl_error_prefix(err, "aws: container credentials: ");
        else if (resp.status != 200)
            rc = sl_error_set(err, SL_EIO,
                              "aws: container credentials endpoint %s "
                              "answered HTTP %ld",
                              where, resp.status);
        else
            rc = parse_json_creds(&resp, "container credentials endpoint",
                                  &p->base, err);
    }
    if (token.data)
        OPENSSL_cleanse(token.data, token.len);
    sl_buf_free(&token);
    sl_buf_free(&url);
    if (resp.body.data)
        OPENSSL_cleanse(resp.body.data, resp.body.len);
    sl_aws_http_resp_free(&resp);
    if (!rc)
        snprintf(p->source_name, sizeof(p->source_name), "container");
    return rc;
}

/* ---- EC2 instance metadata (IMDSv2) ---- */

static int from_imds(struct sl_aws_creds_provider *p, struct sl_error *err)
{
    const char *dis = env("AWS_EC2_METADATA_DISABLED");
    if (dis && strcasecmp(dis, "true") == 0)
        return SL_ENOTFOUND;
    const char *ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (!ep)
        ep = "http://169.254.169.254";
    size_t eplen = strlen(ep);
    while (eplen && ep[eplen - 1] == '/')
        eplen--;
    char url[1024];
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    struct sl_buf token, role;
    sl_buf_init(&token, 8192);
    sl_buf_init(&role, 8192);
    struct sl_aws_http_req r = {.timeout_ms = 1000,
                                .connect_timeout_ms = 1000,
                                .idempotent = true,
                                .max_attempts = 2,
                                .max_response = 1u << 20};
    /* 1. session token */
    snprintf(url, sizeof(url), "%.*s/latest/api/token", (int)eplen, ep);
    struct sl_aws_kv th[1] = {
        {"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    r.method = "PUT";
    r.url = url;
    r.headers = th;
    r.nheaders = 1;
    int rc = sl_aws_http_do(p->http, &r, NULL, NULL, &resp, err);
    if (rc) {
        sl_error_prefix(err, "aws: instance metadata (IMDSv2 token): ");
        rc = SL_ENOTFOUND; /* not on EC2: the chain ends without it */
        goto out;
    }
    if (resp.status != 200) {
        rc = sl_error_set(err, SL_EIO,
                          "aws: instance metadata at %.*s refused a session "
                          "token (HTTP %ld)",
                          (int)eplen, ep, resp.status);
        goto out;
    }
    sl_buf_append(&token, resp.body.data, resp.body.len);
    sl_buf_cstr(&token);
    trim((char *)token.data);
    struct sl_aws_kv ah[1] = {{"X-aws-ec2-metadata-token", (char *)token.data}};
    /* 2. role name */
    snprintf(url, sizeof(url),
             "%.*s/latest/meta-data/iam/security-credentials/", (int)eplen, ep);
    r.method = "GET";
    r.headers = ah;
    rc = sl_aws_http_do(p->http, &r, NULL, NULL, &resp, err);
    if (!rc && resp.status != 200)
        rc = sl_error_set(err, SL_ENOTFOUND,
                          "aws: instance metadata has no IAM role (HTTP %ld "
                          "for security-credentials/)",
                          resp.status);
    if (rc)
        goto out;
    sl_buf_append(&role, resp.body.data,
                  strcspn((char *)resp.body.data, "\r\n") < resp.body.len
                      ? strcspn((char *)resp.body.data, "\r\n")
                      : resp.body.len);
    sl_buf_cstr(&role);
    trim((char *)role.data);
    /* 3. credentials of the role */
    snprintf(url, sizeof(url),
             "%.*s/latest/meta-data/iam/security-credentials/%s", (int)eplen,
             ep, (char *)role.data);
    rc = sl_aws_http_do(p->http, &r, NULL, NULL, &resp, err);
    if (!rc && resp.status != 200)
        rc = sl_error_set(err, SL_EIO,
                          "aws: instance metadata credentials of role %s: "
                          "HTTP %ld",
                          (char *)role.data, resp.status);
    if (!rc)
        rc = parse_json_creds(&resp, "instance metadata", &p->base, err);
out:
    if (token.data)
        OPENSSL_cleanse(token.data, token.len);
    if (resp.body.data)
        OPENSSL_cleanse(resp.body.data, resp.body.len);
    sl_buf_free(&token);
    sl_buf_free(&role);
    sl_aws_http_resp_free(&resp);
    if (!rc)
        snprintf(p->source_name, sizeof(p->source_name), "instance metadata");
    return rc;
}

/* ---- STS ---- */

static char *sts_endpoint(struct sl_aws_creds_provider *p)
{
    const char *e = p->cfg.sts_endpoint;
    if (!e || !e[0])
        e = env("AWS_ENDPOINT_URL_STS");
    if (e)
        return strdup(e);
    size_t n = strlen(p->region) + 40;
    char *u = malloc(n);
    if (u)
        snprintf(u, n, "https://sts.%s.amazonaws.com", p->region);
    return u;
}

static int form_add(struct sl_buf *b, const char *k, const char *v)
{
    int rc = sl_buf_appendf(b, "%s%s=", b->len ? "&" : "", k);
    if (!rc)
        rc = sl_aws_uri_encode(b, v, strlen(v), false);
    return rc;
}

static int sts_parse(const struct sl_aws_http_resp *resp, const char *action,
                     struct sl_aws_creds *out, struct sl_error *err)
{
    const char *x = (const char *)resp->body.data;
    size_t n = resp->body.len, pos = 0;
    struct sl_buf v[4];
    const char *tags[4] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                           "Expiration"};
    int rc = 0;
    for (int i = 0; i < 4; i++) {
        sl_buf_init(&v[i], 1u << 16);
        pos = 0;
        if (!rc && sl_aws_xml_next(x, n, &pos, tags[i], &v[i]))
            rc = sl_error_set(err, SL_ECORRUPT, "aws: STS %s answer has no %s",
                              action, tags[i]);
    }
    if (!rc) {
        struct sl_aws_creds t = {(char *)v[0].data, (char *)v[1].data,
                                 (char *)v[2].data, 0};
        int64_t us;
        if (sl_timestamp_parse((char *)v[3].data, v[3].len, &us) == 0)
            t.expires_ms = us / 1000;
        rc = creds_copy(out, &t);
    }
    for (int i = 0; i < 4; i++) {
        if (v[i].data)
            OPENSSL_cleanse(v[i].data, v[i].len);
        sl_buf_free(&v[i]);
    }
    return rc;
}

/* POST an STS action; signed with `signer` when not NULL. */
static int sts_call(struct sl_aws_creds_provider *p, const char *action,
                    const struct sl_buf *form,
                    const struct sl_aws_creds *signer, struct sl_aws_creds *out,
                    struct sl_error *err)
{
    char *url = sts_endpoint(p);
    if (!url)
        return sl_error_set(err, SL_ENOMEM, "aws: out of memory");
    char scheme[8], host[256];
    const char *rest;
    if (sl_aws_url_parse(url, scheme, sizeof(scheme), host, sizeof(host),
                         &rest)) {
        int rc =
            sl_error_set(err, SL_EINVAL,
                         "aws: STS endpoint '%s' is not an http(s) URL", url);
        free(url);
        return rc;
    }
    struct sl_aws_kv h[6];
    size_t nh = 0;
    h[nh++] =
        (struct sl_aws_kv){"Content-Type", "application/x-www-form-urlencoded"};
    struct sl_sigv4_out so;
    sl_sigv4_out_init(&so);
    int rc = 0;
    if (signer) {
        char ph[65];
        sl_aws_sha256_hex(form->data, form->len, ph);
        struct sl_sigv4_params sp = {.creds = signer,
                                     .region = p->region,
                                     .service = "sts",
                                     .time_s = sl_now_ms() / 1000};
        struct sl_sigv4_request sr = {.method = "POST",
                                      .host = host,
                                      .path = rest[0] ? rest : "/",
                                      .headers = h,
                                      .nheaders = 1,
                                      .payload_hash = ph};
        rc = sl_sigv4_sign_headers(&sp, &sr, &so, err);
        h[nh++] = (struct sl_aws_kv){"X-Amz-Date", so.amz_date};
        if (signer->session_token)
            h[nh++] = (struct sl_aws_kv){"X-Amz-Security-Token",
                                         signer->session_token};
        h[nh++] = (struct sl_aws_kv){"Authorization", (char *)so.auth.data};
    }
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    if (!rc) {
        struct sl_aws_http_req r = {.method = "POST",
                                    .url = url,
                                    .headers = h,
                                    .nheaders = nh,
                                    .body = form->data,
                                    .body_len = form->len,
                                    .timeout_ms = 10000,
                                    .idempotent = true,
                                    .max_attempts = 4,
                                    .max_response = 1u << 20};
        rc = sl_aws_http_do(p->http, &r, NULL, NULL, &resp, err);
        if (rc)
            sl_error_prefix(err, "aws: STS %s: ", action);
    }
    if (!rc && resp.status != 200) {
        char text[512];
        sl_aws_error_text(&resp, text, sizeof(text));
        rc = sl_error_set(err, SL_EIO, "aws: STS %s at %s%s failed: %s", action,
                          scheme[4] ? "https://" : "http://", host, text);
    }
    if (!rc)
        rc = sts_parse(&resp, action, out, err);
    if (resp.body.data)
        OPENSSL_cleanse(resp.body.data, resp.body.len);
    sl_aws_http_resp_free(&resp);
    sl_sigv4_out_free(&so);
    free(url);
    return rc;
}

static void session_name(struct sl_aws_creds_provider *p, const char *env_name,
                         char *out, size_t n)
{
    const char *s = p->cfg.role_session_name;
    if ((!s || !s[0]) && env_name)
        s = env(env_name);
    if (s && s[0])
        snprintf(out, n, "%s", s);
    else
        snprintf(out, n, "sluice-%lld", (long long)(sl_now_ms() / 1000));
}

static int from_web_identity(struct sl_aws_creds_provider *p,
                             struct sl_error *err)
{
    const char *tf = env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = env("AWS_ROLE_ARN");
    if (!tf || !role)
        return SL_ENOTFOUND;
    struct sl_buf tok, form;
    sl_buf_init(&tok, 1u << 16);
    sl_buf_init(&form, 1u << 17);
    int rc = 0;
    if (read_small_file(tf, &tok) || !tok.data)
        rc = sl_error_set(
            err, SL_EIO, "aws: cannot read the web identity token file %s", tf);
    char sn[128];
    session_name(p, "AWS_ROLE_SESSION_NAME", sn, sizeof(sn));
    if (!rc) {
        trim((char *)tok.data);
        rc = form_add(&form, "Action", "AssumeRoleWithWebIdentity");
        rc = rc ? rc : form_add(&form, "Version", "2011-06-15");
        rc = rc ? rc : form_add(&form, "RoleArn", role);
        rc = rc ? rc : form_add(&form, "RoleSessionName", sn);
        rc = rc ? rc : form_add(&form, "WebIdentityToken", (char *)tok.data);
        if (rc)
            sl_error_set(err, rc, "aws: web identity request too large");
    }
    if (!rc)
        rc = sts_call(p, "AssumeRoleWithWebIdentity", &form, NULL, &p->base,
                      err);
    if (tok.data)
        OPENSSL_cleanse(tok.data, tok.len);
    if (form.data)
        OPENSSL_cleanse(form.data, form.len);
    sl_buf_free(&tok);
    sl_buf_free(&form);
    if (!rc)
        snprintf(p->source_name, sizeof(p->source_name), "web identity");
    return rc;
}

static int assume_role(struct sl_aws_creds_provider *p, struct sl_error *err)
{
    struct sl_buf form;
    sl_buf_init(&form, 1u << 16);
    char sn[128], dur[32];
    session_name(p, NULL, sn, sizeof(sn));
    snprintf(
        dur, sizeof(dur), "%lld",
        (long long)(p->cfg.role_duration_s ? p->cfg.role_duration_s : 3600));
    int rc = form_add(&form, "Action", "AssumeRole");
    rc = rc ? rc : form_add(&form, "Version", "2011-06-15");
    rc = rc ? rc : form_add(&form, "RoleArn", p->cfg.role_arn);
    rc = rc ? rc : form_add(&form, "RoleSessionName", sn);
    rc = rc ? rc : form_add(&form, "DurationSeconds", dur);
    if (!rc && p->cfg.external_id && p->cfg.external_id[0])
        rc = form_add(&form, "ExternalId", p->cfg.external_id);
    struct sl_aws_creds a = {0};
    if (!rc)
        rc = sts_call(p, "AssumeRole", &form, &p->base, &a, err);
    else
        sl_error_set(err, rc, "aws: AssumeRole request too large");
    sl_buf_free(&form);
    if (!rc) {
        sl_aws_creds_free(&p->assumed);
        p->assumed = a;
    }
    return rc;
}

/* ---- the chain ---- */

static int from_env(struct sl_aws_creds_provider *p)
{
    const char *ak = env("AWS_ACCESS_KEY_ID"),
               *sk = env("AWS_SECRET_ACCESS_KEY");
    if (!ak || !sk)
        return SL_ENOTFOUND;
    struct sl_aws_creds t = {(char *)ak, (char *)sk,
                             (char *)env("AWS_SESSION_TOKEN"), 0};
    if (creds_copy(&p->base, &t))
        return SL_ENOMEM;
    snprintf(p->source_name, sizeof(p->source_name), "environment");
    return 0;
}

static int fetch(struct sl_aws_creds_provider *p, enum source s,
                 struct sl_error *err)
{
    struct sl_aws_creds old = p->base;
    memset(&p->base, 0, sizeof(p->base));
    int rc;
    switch (s) {
    case SRC_ENV:
        rc = from_env(p);
        break;
    case SRC_PROFILE:
        rc = from_profile(p, err);
        break;
    case SRC_WEB_IDENTITY:
        rc = from_web_identity(p, err);
        break;
    case SRC_CONTAINER:
        rc = from_container(p, err);
        break;
    default:
        rc = from_imds(p, err);
        break;
    }
    if (rc) {
        sl_aws_creds_free(&p->base);
        p->base = old;
    } else {
        sl_aws_creds_free(&old);
    }
    return rc;
}

int sl_aws_creds_provider_create(const struct sl_aws_config *cfg,
                                 struct sl_aws_creds_provider **out,
                                 struct sl_error *err)
{
    *out = NULL;
    struct sl_aws_creds_provider *p = calloc(1, sizeof(*p));
    if (!p)
        return sl_error_set(err, SL_ENOMEM, "aws: out of memory");
    pthread_mutex_init(&p->mu, NULL);
    int rc = sl_aws_config_copy(&p->cfg, cfg);
    p->region = rc ? NULL : sl_aws_region_resolve(cfg);
    struct sl_aws_http_opts ho = {.ca_file = cfg->ca_file,
                                  .no_verify = !cfg->tls_verify};
    if (!rc && !p->region)
        rc = SL_ENOMEM;
    if (!rc)
        rc = sl_aws_http_create(&ho, &p->http, err);
    if (rc) {
        sl_aws_creds_provider_destroy(p);
        return err && err->code ? rc
                                : sl_error_set(err, rc, "aws: out of memory");
    }
    rc = SL_ENOTFOUND;
    for (int s = SRC_ENV; s <= SRC_IMDS && rc == SL_ENOTFOUND; s++) {
        sl_error_clear(err);
        rc = fetch(p, (enum source)s, err);
        if (!rc)
            p->src = (enum source)s;
    }
    if (rc == SL_ENOTFOUND) {
        char last[SL_ERROR_MSG_MAX / 2];
        snprintf(last, sizeof(last), "%s", err ? err->msg : "");
        sl_error_set(err, SL_ENOTFOUND,
                     "aws: no credentials found (tried the environment, the "
                     "shared credentials/config files, web identity, "
                     "container credentials and instance metadata)%s%s",
                     last[0] ? "; last: " : "", last);
    }
    if (!rc && p->cfg.role_arn && p->cfg.role_arn[0]) {
        rc = assume_role(p, err);
        if (!rc) {
            size_t l = strlen(p->source_name);
            snprintf(p->source_name + l, sizeof(p->source_name) - l,
                     " + assume role");
        }
    }
    if (rc) {
        sl_aws_creds_provider_destroy(p);
        return rc;
    }
    sl_info("aws: credentials from %s", p->source_name);
    *out = p;
    return 0;
}

void sl_aws_creds_provider_destroy(struct sl_aws_creds_provider *p)
{
    if (!p)
        return;
    sl_aws_creds_free(&p->base);
    sl_aws_creds_free(&p->assumed);
    sl_aws_config_free(&p->cfg);
    free(p->region);
    sl_aws_http_destroy(p->http);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

const char *sl_aws_creds_source(const struct sl_aws_creds_provider *p)
{
    return p->source_name;
}

static bool due(const struct sl_aws_creds *c, int64_t margin_ms)
{
    return c->expires_ms && sl_now_ms() + margin_ms >= c->expires_ms;
}

int sl_aws_creds_get(struct sl_aws_creds_provider *p, struct sl_aws_creds *out,
                     struct sl_error *err)
{
    memset(out, 0, sizeof(*out));
    int64_t margin =
        (p->cfg.refresh_margin_s ? p->cfg.refresh_margin_s : 300) * 1000;
    bool assumed = p->cfg.role_arn && p->cfg.role_arn[0];
    pthread_mutex_lock(&p->mu);
    int rc = 0;
    if (due(&p->base, margin)) {
        struct sl_error e2;
        rc = fetch(p, p->src, &e2);
        if (rc && !due(&p->base, 0)) {
            sl_warn("aws: refreshing credentials from %s failed, the current "
                    "ones are still valid: %s",
                    p->source_name, e2.msg);
            rc = 0;
        } else if (rc) {
            if (err)
                *err = e2;
        }
    }
    if (!rc && assumed && (due(&p->assumed, margin) || !p->assumed.access_key))
        rc = assume_role(p, err);
    if (!rc)
        rc = creds_copy(out, assumed ? &p->assumed : &p->base);
    pthread_mutex_unlock(&p->mu);
    return rc;
}
