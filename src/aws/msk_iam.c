/*
 * msk_iam.c - MSK IAM OAUTHBEARER tokens (see msk_iam.h): a presigned
 * kafka-cluster:Connect URL from sigv4.c, base64url-encoded. The Kafka
 * connection code (src/kafka/conn_aws.c) hands it to librdkafka from the
 * token refresh callback.
 */
#include "aws/msk_iam.h"

#include <stdio.h>
#include <string.h>

#include "jsonw.h"

#define URL_MAX 8192

int sl_aws_msk_token(const struct sl_aws_creds *creds, const char *region,
                     int64_t time_s, const char *user_agent,
                     struct sl_buf *token, int64_t *expires_ms,
                     struct sl_error *err)
{
    char host[128];
    int n = snprintf(host, sizeof host, "kafka.%s.amazonaws.com", region);
    if (n < 0 || (size_t)n >= sizeof host || !region[0])
        return sl_error_set(err, SL_EINVAL, "msk iam: bad region '%s'", region);
    struct sl_aws_kv q = {"Action", "kafka-cluster:Connect"};
    struct sl_sigv4_params p = {.creds = creds,
                                .region = region,
                                .service = "kafka-cluster",
                                .time_s = time_s};
    struct sl_sigv4_request r = {
        .method = "GET", .host = host, .path = "/", .query = &q, .nquery = 1};
    struct sl_sigv4_out o;
    sl_sigv4_out_init(&o);
    struct sl_buf url, b64;
    sl_buf_init(&url, URL_MAX);
    sl_buf_init(&b64, URL_MAX * 2);
    int rc = sl_sigv4_presign(&p, &r, SL_MSK_TOKEN_EXPIRES_S, &o, err);
    if (rc)
        goto out;
    rc = sl_buf_appendf(&url, "https://%s/?%.*s&User-Agent=", host,
                        (int)o.auth.len, (const char *)o.auth.data);
    if (!rc)
        rc = sl_aws_uri_encode(&url, user_agent, strlen(user_agent), false);
    if (!rc)
        rc = sl_base64(&b64, url.data, url.len);
    if (rc) {
        rc = sl_error_set(err, rc, "msk iam: token too long");
        goto out;
    }
    /* base64url without padding */
    while (b64.len && b64.data[b64.len - 1] == '=')
        b64.len--;
    for (size_t i = 0; i < b64.len; i++) {
        if (b64.data[i] == '+')
            b64.data[i] = '-';
        else if (b64.data[i] == '/')
            b64.data[i] = '_';
    }
    sl_buf_reset(token);
    rc = sl_buf_append(token, b64.data, b64.len);
    if (!rc)
        rc = sl_buf_cstr(token);
    if (rc) {
        rc = sl_error_set(err, rc, "msk iam: token too long");
        goto out;
    }
    *expires_ms = (time_s + SL_MSK_TOKEN_EXPIRES_S) * 1000;
    if (creds->expires_ms > 0 && creds->expires_ms < *expires_ms)
        *expires_ms = creds->expires_ms;
out:
    if (url.data) /* the URL is the token's plain text */
        memset(url.data, 0, url.len);
    sl_buf_free(&url);
    sl_buf_free(&b64);
    sl_sigv4_out_free(&o);
    return rc;
}
