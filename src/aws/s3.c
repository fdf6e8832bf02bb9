/*
 * s3.c - Amazon S3 client (see s3.h): request building and signing,
 * objects, listings, and the streaming multipart uploader.
 *
 * Every request goes through sl__s3_call(): the prepare callback builds the URL
 * and signs the request again for each attempt (fresh time, refreshed
 * credentials), and http.c retries. The uploader keeps one part filling on
 * the caller's thread and up to upload_threads parts in flight on worker
 * threads, each with its own connection; a full pipeline blocks the writer
 * (backpressure), so memory stays at (upload_threads + 1) * part_size.
 */
#include "aws/s3.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aws/s3_int.h"
#include "datetime.h"
#include "log.h"

/* ---- setup ---- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void opts_free(struct sl_s3_opts *o)
{
    sl_aws_config_free(&o->aws);
    free(o->sse);
    free(o->kms_key_id);
    free(o->storage_class);
    free(o->checksum);
}

static bool host_is_ip_or_local(const char *h)
{
    if (strncmp(h, "localhost", 9) == 0 || h[0] == '[')
        return true;
    for (const char *p = h; *p && *p != ':'; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return false;
    return true;
}

int sl_s3_create(const struct sl_s3_opts *opts, struct sl_s3 **out,
                 struct sl_error *err)
{
    *out = NULL;
    struct sl_s3 *s3 = calloc(1, sizeof(*s3));
    if (!s3)
        return sl_error_set(err, SL_ENOMEM, "s3: out of memory");
    int rc = sl_aws_config_copy(&s3->o.aws, &opts->aws);
    s3->o.sse = dup_or_null(opts->sse);
    s3->o.kms_key_id = dup_or_null(opts->kms_key_id);
    s3->o.storage_class = dup_or_null(opts->storage_class);
    s3->o.checksum = strdup(opts->checksum ? opts->checksum : "md5");
    s3->o.part_size = opts->part_size ? opts->part_size : (8u << 20);
    s3->o.upload_threads = opts->upload_threads > 0 ? opts->upload_threads : 6;
    s3->o.request_timeout_ms =
        opts->request_timeout_ms > 0 ? opts->request_timeout_ms : 120000;
    s3->region = sl_aws_region_resolve(&opts->aws);
    if (rc || !s3->region || !s3->o.checksum) {
        sl_s3_destroy(s3);
        return sl_error_set(err, SL_ENOMEM, "s3: out of memory");
    }
    if (s3->o.part_size < MIN_PART) {
        sl_s3_destroy(s3);
        return sl_error_set(err, SL_EINVAL,
                            "s3: part_size %zu is below S3's minimum of "
                            "5 MiB",
                            opts->part_size);
    }
    if (s3->o.sse && strcmp(s3->o.sse, "AES256") != 0 &&
        strcmp(s3->o.sse, "aws:kms") != 0) {
        rc = sl_error_set(err, SL_EINVAL,
                          "s3: sse must be AES256 or aws:kms, not '%s'",
                          s3->o.sse);
        sl_s3_destroy(s3);
        return rc;
    }
    char ep[512];
    const char *rest = "";
    const char *eu = s3->o.aws.endpoint_url;
    if (!eu || !eu[0])
        eu = getenv("AWS_ENDPOINT_URL_S3");
    if (!eu || !eu[0])
        eu = getenv("AWS_ENDPOINT_URL");
    if (eu && eu[0])
        snprintf(ep, sizeof(ep), "%s", eu);
    else
        snprintf(ep, sizeof(ep), "https://s3.%s.amazonaws.com", s3->region);
    if (sl_aws_url_parse(ep, s3->scheme, sizeof(s3->scheme), s3->host,
                         sizeof(s3->host), &rest) ||
        (rest[0] && strcmp(rest, "/") != 0)) {
        rc = sl_error_set(err, SL_EINVAL,
                          "s3: endpoint_url '%s' must be http(s)://host[:port]",
                          ep);
        sl_s3_destroy(s3);
        return rc;
    }
    s3->https = strcmp(s3->scheme, "https") == 0;
    s3->path_style =
        s3->o.aws.force_path_style || host_is_ip_or_local(s3->host);
    struct sl_aws_http_opts ho = {.ca_file = s3->o.aws.ca_file,
                                  .no_verify = !s3->o.aws.tls_verify,
                                  .timeout_ms = s3->o.request_timeout_ms};
    rc = sl_aws_http_create(&ho, &s3->http, err);
    if (!rc)
        rc = sl_aws_creds_provider_create(&s3->o.aws, &s3->prov, err);
    if (rc) {
        sl_s3_destroy(s3);
        return rc;
    }
    *out = s3;
    return 0;
}

void sl_s3_destroy(struct sl_s3 *s3)
{
    if (!s3)
        return;
    sl_aws_creds_provider_destroy(s3->prov);
    sl_aws_http_destroy(s3->http);
    opts_free(&s3->o);
    free(s3->region);
    free(s3);
}

void sl_s3_stats(const struct sl_s3 *s3, int64_t *requests, int64_t *bytes)
{
    if (requests)
        *requests = __atomic_load_n(&s3->requests, __ATOMIC_RELAXED);
    if (bytes)
        *bytes = __atomic_load_n(&s3->bytes, __ATOMIC_RELAXED);
}

int sl_s3_parse_uri(const char *uri, char **bucket, char **prefix,
                    struct sl_error *err)
{
    *bucket = *prefix = NULL;
    if (!uri || strncmp(uri, "s3://", 5) != 0)
        return sl_error_set(err, SL_EINVAL,
                            "'%s' is not an s3://bucket/prefix location",
                            uri ? uri : "(null)");
    const char *b = uri + 5;
    size_t bn = strcspn(b, "/");
    if (bn == 0 || bn > 63)
        return sl_error_set(err, SL_EINVAL,
                            "'%s': the bucket name is empty or longer than "
                            "63 characters",
                            uri);
    const char *p = b + bn;
    while (*p == '/')
        p++;
    *bucket = strndup(b, bn);
    *prefix = strdup(p);
    if (!*bucket || !*prefix) {
        free(*bucket);
        free(*prefix);
        *bucket = *prefix = NULL;
        return sl_error_set(err, SL_ENOMEM, "s3: out of memory");
    }
    /* "a/b/" and "a/b" name the same folder-like prefix: drop the slash */
    size_t n = strlen(*prefix);
    while (n && (*prefix)[n - 1] == '/')
        (*prefix)[--n] = '\0';
    return 0;
}

/* ---- one signed request ---- */

static int prepare(void *ctx, struct sl_aws_http_req *r, struct sl_error *err)
{
    struct call *c = ctx;
    struct sl_s3 *s3 = c->s3;
    sl_aws_creds_free(&c->creds);
    int rc = sl_aws_creds_get(s3->prov, &c->creds, err);
    if (rc)
        return rc;
    if (s3->path_style)
        snprintf(c->host, sizeof(c->host), "%s", s3->host);
    else
        snprintf(c->host, sizeof(c->host), "%s.%s", c->bucket, s3->host);
    sl_buf_reset(&c->path);
    sl_buf_reset(&c->url);
    rc = sl_buf_putc(&c->path, '/');
    if (!rc && s3->path_style) {
        rc = sl_aws_uri_encode(&c->path, c->bucket, strlen(c->bucket), false);
        if (!rc && c->key && c->key[0])
            rc = sl_buf_putc(&c->path, '/');
    }
    if (!rc && c->key)
        rc = sl_aws_uri_encode(&c->path, c->key, strlen(c->key), true);
    if (!rc)
        rc = sl_buf_cstr(&c->path);
    struct sl_sigv4_params sp = {.creds = &c->creds,
                                 .region = s3->region,
                                 .service = "s3",
                                 .time_s = sl_now_ms() / 1000,
                                 .s3 = true};
    struct sl_sigv4_request sr = {.method = c->method,
                                  .host = c->host,
                                  .path = (char *)c->path.data,
                                  .query = c->query,
                                  .nquery = c->nquery,
                                  .headers = c->headers,
                                  .nheaders = c->nheaders,
                                  .payload_hash = c->payload_hash};
    if (!rc)
        rc = sl_sigv4_sign_headers(&sp, &sr, &c->so, err);
    if (rc)
        return err && err->code ? rc : sl_error_set(err, rc, "s3: cannot sign");
    /* URL: the same encoded path and query the signature covers */
    rc = sl_buf_appendf(&c->url, "%s://%s%s", s3->scheme, c->host,
                        (char *)c->path.data);
    for (size_t i = 0; !rc && i < c->nquery; i++) {
        rc = sl_buf_putc(&c->url, i ? '&' : '?');
        const char *n = c->query[i].name, *v = c->query[i].value;
        if (!rc)
            rc = sl_aws_uri_encode(&c->url, n, strlen(n), false);
        if (!rc && v) {
            rc = sl_buf_putc(&c->url, '=');
            if (!rc)
                rc = sl_aws_uri_encode(&c->url, v, strlen(v), false);
        }
    }
    if (!rc)
        rc = sl_buf_cstr(&c->url);
    if (rc)
        return sl_error_set(err, rc, "s3: request URL too long");
    size_t n = 0;
    for (size_t i = 0; i < c->nheaders; i++)
        c->sent[n++] = c->headers[i];
    c->sent[n++] = (struct sl_aws_kv){"x-amz-date", c->so.amz_date};
    c->sent[n++] =
        (struct sl_aws_kv){"x-amz-content-sha256", c->so.payload_hash};
    if (c->creds.session_token)
        c->sent[n++] =
            (struct sl_aws_kv){"x-amz-security-token", c->creds.session_token};
    c->sent[n++] = (struct sl_aws_kv){"Authorization", (char *)c->so.auth.data};
    r->url = (char *)c->url.data;
    r->headers = c->sent;
    r->nheaders = n;
    return 0;
}

/* Send c on http; 0 with resp filled (any status) or an error. */
int sl__s3_call(struct sl_aws_http *http, struct call *c, bool idempotent,
                size_t max_response, struct sl_aws_http_resp *resp,
                struct sl_error *err)
{
    if (c->s3->https)
        snprintf(c->payload_hash, sizeof(c->payload_hash), "%s",
                 SL_SIGV4_UNSIGNED_PAYLOAD);
    else
        sl_aws_sha256_hex(c->body ? c->body : "", c->len, c->payload_hash);
    sl_buf_init(&c->path, 8192);
    sl_buf_init(&c->url, 16384);
    sl_sigv4_out_init(&c->so);
    memset(&c->creds, 0, sizeof(c->creds));
    struct sl_aws_http_req r = {.method = c->method,
                                .body = c->body,
                                .body_len = c->len,
                                .idempotent = idempotent,
                                .max_response = max_response};
    int rc = sl_aws_http_do(http, &r, prepare, c, resp, err);
    __atomic_add_fetch(&c->s3->requests, 1, __ATOMIC_RELAXED);
    if (!rc && resp->status / 100 == 2)
        __atomic_add_fetch(&c->s3->bytes, (int64_t)c->len, __ATOMIC_RELAXED);
    if (rc)
        sl_error_prefix(err, "s3: %s s3://%s/%s: ", c->method, c->bucket,
                        c->key ? c->key : "");
    sl_buf_free(&c->path);
    sl_buf_free(&c->url);
    sl_sigv4_out_free(&c->so);
    sl_aws_creds_free(&c->creds);
    return rc;
}

int sl__s3_status_error(const struct call *c,
                        const struct sl_aws_http_resp *resp,
                        struct sl_error *err)
{
    char text[512];
    sl_aws_error_text(resp, text, sizeof(text));
    return sl_error_set(err, resp->status == 404 ? SL_ENOTFOUND : SL_EIO,
                        "s3: %s s3://%s/%s failed: %s", c->method, c->bucket,
                        c->key ? c->key : "", text);
}

void sl__s3_md5_base64(const void *p, size_t n, char out[32])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    EVP_Digest(p, n, md, &mdn, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdn);
}

/* Headers of an object write: content type, MD5, SSE, storage class. */
size_t sl__s3_object_headers(struct sl_s3 *s3, const char *content_type,
                             const char *md5, bool create, struct sl_aws_kv *h)
{
    size_t n = 0;
    if (content_type)
        h[n++] = (struct sl_aws_kv){"Content-Type", content_type};
    if (md5)
        h[n++] = (struct sl_aws_kv){"Content-MD5", md5};
    if (create && s3->o.sse) {
        h[n++] = (struct sl_aws_kv){"x-amz-server-side-encryption", s3->o.sse};
        if (s3->o.kms_key_id && strcmp(s3->o.sse, "aws:kms") == 0)
            h[n++] = (struct sl_aws_kv){
                "x-amz-server-side-encryption-aws-kms-key-id",
                s3->o.kms_key_id};
    }
    if (create && s3->o.storage_class)
        h[n++] = (struct sl_aws_kv){"x-amz-storage-class", s3->o.storage_class};
    return n;
}

bool sl__s3_want_md5(const struct sl_s3 *s3)
{
    return strcmp(s3->o.checksum, "md5") == 0;
}

/* ---- objects ---- */

int sl_s3_put(struct sl_s3 *s3, const char *bucket, const char *key,
              const void *p, size_t n, const char *content_type,
              struct sl_error *err)
{
    char md5[32];
    if (sl__s3_want_md5(s3))
        sl__s3_md5_base64(p, n, md5);
    struct sl_aws_kv h[MAX_HEADERS];
    size_t nh = sl__s3_object_headers(
        s3, content_type ? content_type : "application/octet-stream",
        sl__s3_want_md5(s3) ? md5 : NULL, true, h);
    struct call c = {.s3 = s3,
                     .method = "PUT",
                     .bucket = bucket,
                     .key = key,
                     .headers = h,
                     .nheaders = nh,
                     .body = p,
                     .len = n};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    int rc = sl__s3_call(s3->http, &c, true, 0, &resp, err);
    if (!rc && resp.status / 100 != 2)
        rc = sl__s3_status_error(&c, &resp, err);
    sl_aws_http_resp_free(&resp);
    return rc;
}

int sl_s3_get(struct sl_s3 *s3, const char *bucket, const char *key,
              struct sl_buf *out, struct sl_error *err)
{
    struct call c = {.s3 = s3, .method = "GET", .bucket = bucket, .key = key};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    int rc = sl__s3_call(s3->http, &c, true, out->max ? out->max : (256u << 20),
                         &resp, err);
    if (!rc && resp.status / 100 != 2)
        rc = sl__s3_status_error(&c, &resp, err);
    if (!rc)
        rc = sl_buf_append(out, resp.body.data, resp.body.len);
    sl_aws_http_resp_free(&resp);
    return rc;
}

int sl_s3_delete(struct sl_s3 *s3, const char *bucket, const char *key,
                 struct sl_error *err)
{
    struct call c = {
        .s3 = s3, .method = "DELETE", .bucket = bucket, .key = key};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    int rc = sl__s3_call(s3->http, &c, true, 0, &resp, err);
    if (!rc && resp.status / 100 != 2 && resp.status != 404)
        rc = sl__s3_status_error(&c, &resp, err);
    sl_aws_http_resp_free(&resp);
    return rc;
}

/* Raw <tag>...</tag> block from *pos (not entity-decoded). */
static bool xml_block(const char *x, size_t n, size_t *pos, const char *tag,
                      const char **s, size_t *len)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    if (*pos >= n)
        return false;
    const char *a = memmem(x + *pos, n - *pos, open, strlen(open));
    if (!a)
        return false;
    a += strlen(open);
    const char *b = memmem(a, (size_t)(x + n - a), close, strlen(close));
    if (!b)
        return false;
    *s = a;
    *len = (size_t)(b - a);
    *pos = (size_t)(b - x) + strlen(close);
    return true;
}

int sl_s3_list(struct sl_s3 *s3, const char *bucket, const char *prefix,
               const char *delimiter, int max_keys, sl_s3_list_fn cb, void *ctx,
               struct sl_error *err)
{
    struct sl_buf token, v, v2;
    sl_buf_init(&token, 8192);
    sl_buf_init(&v, 8192);
    sl_buf_init(&v2, 64);
    char mk[16];
    snprintf(mk, sizeof(mk), "%d", max_keys > 0 ? max_keys : 1000);
    int rc = 0;
    for (int page = 0; !rc; page++) {
        struct sl_aws_kv q[5];
        size_t nq = 0;
        q[nq++] = (struct sl_aws_kv){"list-type", "2"};
        if (prefix && prefix[0])
            q[nq++] = (struct sl_aws_kv){"prefix", prefix};
        if (delimiter)
            q[nq++] = (struct sl_aws_kv){"delimiter", delimiter};
        q[nq++] = (struct sl_aws_kv){"max-keys", mk};
        if (page > 0)
            q[nq++] =
                (struct sl_aws_kv){"continuation-token", (char *)token.data};
        struct call c = {.s3 = s3,
                         .method = "GET",
                         .bucket = bucket,
                         .query = q,
                         .nquery = nq};
        struct sl_aws_http_resp resp;
        sl_aws_http_resp_init(&resp);
        rc = sl__s3_call(s3->http, &c, true, 0, &resp, err);
        if (!rc && resp.status / 100 != 2)
            rc = sl__s3_status_error(&c, &resp, err);
        const char *x = (const char *)resp.body.data;
        size_t n = resp.body.len, pos = 0, bl;
        const char *b;
        while (!rc && x && xml_block(x, n, &pos, "Contents", &b, &bl)) {
            size_t p1 = 0, p2 = 0;
            if (sl_aws_xml_next(b, bl, &p1, "Key", &v))
                continue;
            int64_t size = 0;
            if (sl_aws_xml_next(b, bl, &p2, "Size", &v2) == 0)
                size = strtoll((char *)v2.data, NULL, 10);
            rc = cb(ctx, (char *)v.data, size);
        }
        pos = 0;
        while (!rc && x && xml_block(x, n, &pos, "CommonPrefixes", &b, &bl)) {
            size_t p1 = 0;
            if (sl_aws_xml_next(b, bl, &p1, "Prefix", &v) == 0)
                rc = cb(ctx, (char *)v.data, -1);
        }
        bool more = false;
        pos = 0;
        if (!rc && x && sl_aws_xml_next(x, n, &pos, "IsTruncated", &v2) == 0)
            more = strcmp((char *)v2.data, "true") == 0;
        pos = 0;
        if (!rc && more &&
            (!x ||
             sl_aws_xml_next(x, n, &pos, "NextContinuationToken", &token) ||
             !token.len))
            rc = sl_error_set(err, SL_ECORRUPT,
                              "s3: listing s3://%s/%s: truncated page "
                              "without a continuation token",
                              bucket, prefix ? prefix : "");
        sl_aws_http_resp_free(&resp);
        if (!more)
            break;
    }
    sl_buf_free(&token);
    sl_buf_free(&v);
    sl_buf_free(&v2);
    return rc;
}

int sl__s3_abort_mpu(struct sl_s3 *s3, struct sl_aws_http *http,
                     const char *bucket, const char *key, const char *id,
                     struct sl_error *err)
{
    struct sl_aws_kv q[1] = {{"uploadId", id}};
    struct call c = {.s3 = s3,
                     .method = "DELETE",
                     .bucket = bucket,
                     .key = key,
                     .query = q,
                     .nquery = 1};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    int rc = sl__s3_call(http, &c, true, 0, &resp, err);
    if (!rc && resp.status / 100 != 2 && resp.status != 404)
        rc = sl__s3_status_error(&c, &resp, err);
    sl_aws_http_resp_free(&resp);
    return rc;
}

/* Abort the open uploads under prefix whose key contains every match[i]
 * and that were initiated before `before_ms` (0: any time). */
static int abort_uploads(struct sl_s3 *s3, const char *bucket,
                         const char *prefix, const char *const *match,
                         size_t nmatch, int64_t before_ms, int *count,
                         struct sl_error *err)
{
    *count = 0;
    struct sl_aws_kv q[2] = {{"uploads", NULL}, {"prefix", prefix}};
    struct call c = {.s3 = s3,
                     .method = "GET",
                     .bucket = bucket,
                     .query = q,
                     .nquery = prefix && prefix[0] ? 2 : 1};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    int rc = sl__s3_call(s3->http, &c, true, 0, &resp, err);
    const char *x = (const char *)resp.body.data;
    if (!rc && (resp.status == 501 || resp.status == 405 ||
                (resp.status / 100 == 2 &&
                 (!x || !memmem(x, resp.body.len, "<ListMultipartUploadsResult",
                                27)))))
        rc = sl_error_set(err, SL_ENOTFOUND,
                          "s3: the store does not list multipart uploads");
    else if (!rc && resp.status / 100 != 2)
        rc = sl__s3_status_error(&c, &resp, err);
    size_t pos = 0, bl;
    const char *b;
    struct sl_buf k, id, at;
    sl_buf_init(&k, 8192);
    sl_buf_init(&id, 8192);
    sl_buf_init(&at, 256);
    while (!rc && xml_block(x, resp.body.len, &pos, "Upload", &b, &bl)) {
        size_t p1 = 0, p2 = 0, p3 = 0;
        if (sl_aws_xml_next(b, bl, &p1, "Key", &k) ||
            sl_aws_xml_next(b, bl, &p2, "UploadId", &id))
            continue;
        bool want = true;
        for (size_t i = 0; want && i < nmatch; i++)
            want = strstr((char *)k.data, match[i]) != NULL;
        int64_t us;
        if (want && before_ms > 0)
            want = sl_aws_xml_next(b, bl, &p3, "Initiated", &at) == 0 &&
                   sl_timestamp_parse((char *)at.data, at.len, &us) == 0 &&
                   us / 1000 < before_ms;
        if (!want)
            continue;
        rc = sl__s3_abort_mpu(s3, s3->http, bucket, (char *)k.data,
                              (char *)id.data, err);
        if (!rc)
            (*count)++;
    }
    sl_buf_free(&k);
    sl_buf_free(&id);
    sl_buf_free(&at);
    sl_aws_http_resp_free(&resp);
    return rc;
}

int sl_s3_abort_uploads(struct sl_s3 *s3, const char *bucket,
                        const char *prefix, const char *match, int *count,
                        struct sl_error *err)
{
    return abort_uploads(s3, bucket, prefix, &match, match ? 1 : 0, 0, count,
                         err);
}

int sl_s3_abort_stale_uploads(struct sl_s3 *s3, const char *bucket,
                              const char *prefix, const char *const *match,
                              size_t nmatch, int64_t min_age_ms, int *count,
                              struct sl_error *err)
{
    return abort_uploads(s3, bucket, prefix, match, nmatch,
                         sl_now_ms() - min_age_ms, count, err);
}
