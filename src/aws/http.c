/*
 * http.c - libcurl client with retries for AWS calls (see http.h).
 *
 * Retry decision, per attempt: a transport failure (connect, timeout,
 * connection dropped mid-way) or a retryable status (500, 502, 503, 504,
 * 429, and 400/403 bodies whose Code, or JSON __type, is a throttling
 * or RequestTimeout code) is retried up to max_attempts with a delay drawn
 * uniformly from [0, min(max_delay, base_delay * 2^attempt)] ("full jitter"). A
 * request that is not idempotent is retried only when it cannot have taken
 * effect.
 */
#include "aws/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "aws/json_api.h"
#include "log.h"

#define DEFAULT_MAX_RESPONSE (64u << 20)

struct sl_aws_http {
    CURL *curl;
    struct sl_aws_http_opts o;
    uint64_t rng;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sl_aws_http_create(const struct sl_aws_http_opts *o,
                       struct sl_aws_http **out, struct sl_error *err)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    struct sl_aws_http *h = calloc(1, sizeof(*h));
    if (!h)
        return sl_error_set(err, SL_ENOMEM, "http: out of memory");
    if (o)
        h->o = *o;
    if (!h->o.connect_timeout_ms)
        h->o.connect_timeout_ms = 5000;
    if (!h->o.timeout_ms)
        h->o.timeout_ms = 120000;
    if (!h->o.max_attempts)
        h->o.max_attempts = 8;
    if (!h->o.base_delay_ms)
        h->o.base_delay_ms = 100;
    if (!h->o.max_delay_ms)
        h->o.max_delay_ms = 20000;
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return sl_error_set(err, SL_ENOMEM, "http: curl_easy_init failed");
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    h->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)(uintptr_t)h ^ 0x9e37;
    *out = h;
    return 0;
}

void sl_aws_http_destroy(struct sl_aws_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h);
}

void sl_aws_http_resp_init(struct sl_aws_http_resp *r)
{
    memset(r, 0, sizeof(*r));
    sl_buf_init(&r->body, DEFAULT_MAX_RESPONSE);
}

void sl_aws_http_resp_free(struct sl_aws_http_resp *r)
{
    if (r)
        sl_buf_free(&r->body);
}

void sl_aws_url_for_log(const char *url, char *out, size_t n)
{
    size_t len = strcspn(url, "?#");
    snprintf(out, n, "%.*s", (int)len, url);
}

int sl_aws_url_parse(const char *url, char *scheme, size_t scheme_n, char *host,
                     size_t host_n, const char **rest)
{
    const char *sep = strstr(url, "://");
    if (!sep || (size_t)(sep - url) >= scheme_n)
        return SL_EINVAL;
    snprintf(scheme, scheme_n, "%.*s", (int)(sep - url), url);
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        return SL_EINVAL;
    const char *h = sep + 3;
    size_t hn = strcspn(h, "/?#");
    if (hn == 0 || hn >= host_n)
        return SL_EINVAL;
    snprintf(host, host_n, "%.*s", (int)hn, h);
    *rest = h + hn;
    return 0;
}

/* ---- one attempt ---- */

struct xfer {
    struct sl_aws_http_resp *resp;
    bool over_cap;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (sl_buf_append(&x->resp->body, p, n)) {
        x->over_cap = true;
        return 0;
    }
    return n;
}

static void header_value(const char *p, size_t n, const char *name, char *out,
                         size_t outn)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(p, name, k) != 0 || p[k] != ':')
        return;
    p += k + 1;
    n -= k + 1;
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
        n--;
    snprintf(out, outn, "%.*s", (int)n, p);
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (n > 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response begins */
        x->resp->etag[0] = x->resp->request_id[0] = '\0';
        return n;
    }
    header_value(p, n, "ETag", x->resp->etag, sizeof(x->resp->etag));
    header_value(p, n, "x-amz-request-id", x->resp->request_id,
                 sizeof(x->resp->request_id));
    return n;
}

/* Returns 0 with a status, or SL_EIO; *unsent when the request cannot have
 * reached the server. */
static int attempt(struct sl_aws_http *h, const struct sl_aws_http_req *r,
                   struct sl_aws_http_resp *resp, bool *unsent, bool *fatal,
                   struct sl_error *err)
{
    char ebuf[CURL_ERROR_SIZE] = "";
    CURL *c = h->curl;
    curl_easy_reset(c);
    sl_buf_reset(&resp->body);
    resp->body.max = r->max_response ? r->max_response : DEFAULT_MAX_RESPONSE;
    resp->status = 0;
    resp->etag[0] = resp->request_id[0] = '\0';
    *unsent = *fatal = false;

    struct curl_slist *hl = NULL;
    bool has_ctype = false;
    int rc = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        struct sl_buf line;
        sl_buf_init(&line, 1u << 20);
        const char *v = r->headers[i].value ? r->headers[i].value : "";
        if (strcasecmp(r->headers[i].name, "Content-Type") == 0)
            has_ctype = true;
        /* "Name;" sends an empty value, "Name:" would remove the header */
        if (v[0])
            rc = sl_buf_appendf(&line, "%s: %s", r->headers[i].name, v);
        else
            rc = sl_buf_appendf(&line, "%s;", r->headers[i].name);
        if (!rc)
            rc = sl_buf_cstr(&line);
        struct curl_slist *nl =
            rc ? NULL : curl_slist_append(hl, (char *)line.data);
        sl_buf_free(&line);
        if (!nl) {
            curl_slist_free_all(hl);
            return sl_error_set(err, SL_ENOMEM, "http: out of memory");
        }
        hl = nl;
    }
    struct curl_slist *nl = curl_slist_append(hl, "Expect:");
    if (nl)
        hl = nl;
    if (!has_ctype && (nl = curl_slist_append(hl, "Content-Type:")))
        hl = nl;

    struct xfer x = {.resp = resp};
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     r->connect_timeout_ms ? r->connect_timeout_ms
                                           : h->o.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     r->timeout_ms ? r->timeout_ms : h->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->o.no_verify ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->o.no_verify ? 0L : 2L);
    if (h->o.ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->o.ca_file);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "GET") == 0 && !r->body_len) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
        if (strcmp(r->method, "DELETE") != 0 || r->body_len) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS,
                             r->body ? (const char *)r->body : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)r->body_len);
        }
    }
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(hl);
    char where[512];
    sl_aws_url_for_log(r->url, where, sizeof(where));
    if (x.over_cap)
        return sl_error_set(err, SL_ELIMIT,
                            "http: %s %s: response body larger than %zu "
                            "bytes",
                            r->method, where, (size_t)resp->body.max);
    if (cc != CURLE_OK) {
        *unsent = cc == CURLE_COULDNT_CONNECT ||
                  cc == CURLE_COULDNT_RESOLVE_HOST ||
                  cc == CURLE_COULDNT_RESOLVE_PROXY;
        /* trying again cannot fix a certificate or a bad URL */
        *fatal = cc == CURLE_PEER_FAILED_VERIFICATION ||
                 cc == CURLE_SSL_CACERT_BADFILE ||
                 cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_URL_MALFORMAT ||
                 cc == CURLE_UNSUPPORTED_PROTOCOL;
        /* curl's own detail (never holds headers or the query string) */
        return sl_error_set(err, SL_EIO, "http: %s %s: %s", r->method, where,
                            ebuf[0] ? ebuf : curl_easy_strerror(cc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    return 0;
}

/* ---- XML bits of AWS answers ---- */

static int decode_entities(const char *p, size_t n, struct sl_buf *out)
{
    static const struct {
        const char *e;
        char c;
    } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},
                {"&quot;", '"'}, {"&apos;", '\''}, {"&#34;", '"'},
                {"&#39;", '\''}, {"&#13;", '\r'},  {"&#10;", '\n'}};
    for (size_t i = 0; i < n;) {
        if (p[i] == '&') {
            bool done = false;
            for (size_t k = 0; k < sizeof(ents) / sizeof(*ents); k++) {
                size_t l = strlen(ents[k].e);
                if (i + l <= n && memcmp(p + i, ents[k].e, l) == 0) {
                    int rc = sl_buf_putc(out, ents[k].c);
                    if (rc)
                        return rc;
                    i += l;
                    done = true;
                    break;
                }
            }
            if (done)
                continue;
        }
        int rc = sl_buf_putc(out, p[i++]);
        if (rc)
            return rc;
    }
    return sl_buf_cstr(out);
}

int sl_aws_xml_next(const char *xml, size_t len, size_t *pos, const char *tag,
                    struct sl_buf *out)
{
    char open[96], close[96];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    if (!xml || *pos >= len)
        return SL_ENOTFOUND;
    const char *s = memmem(xml + *pos, len - *pos, open, strlen(open));
    if (!s)
        return SL_ENOTFOUND;
    s += strlen(open);
    const char *e = memmem(s, (size_t)(xml + len - s), close, strlen(close));
    if (!e)
        return SL_ENOTFOUND;
    *pos = (size_t)(e - xml) + strlen(close);
    sl_buf_reset(out);
    return decode_entities(s, (size_t)(e - s), out);
}

void sl_aws_error_text(const struct sl_aws_http_resp *r, char *out, size_t n)
{
    struct sl_buf code, msg;
    sl_buf_init(&code, 4096);
    sl_buf_init(&msg, 4096);
    size_t p1 = 0, p2 = 0;
    const char *b = (const char *)r->body.data;
    bool hc = b && sl_aws_xml_next(b, r->body.len, &p1, "Code", &code) == 0;
    bool hm = b && sl_aws_xml_next(b, r->body.len, &p2, "Message", &msg) == 0;
    if (b && !hc && !hm && r->body.len && b[0] == '{' &&
        !sl_buf_reserve(&code, 256) && !sl_buf_reserve(&msg, 1024)) {
        /* a JSON API's {"__type": ..., "message": ...} */
        sl_aws_json_error_parse(b, r->body.len, (char *)code.data, 256,
                                (char *)msg.data, 1024);
        hc = code.data[0] != '\0';
        hm = msg.data[0] != '\0';
    }
    snprintf(out, n, "HTTP %ld%s%s%s%s%s%s", r->status, hc ? " " : "",
             hc ? (char *)code.data : "", hm ? ": " : "",
             hm ? (char *)msg.data : "",
             r->request_id[0] ? " (request id " : "",
             r->request_id[0] ? r->request_id : "");
    if (r->request_id[0]) {
        size_t l = strlen(out);
        if (l + 1 < n)
            snprintf(out + l, n - l, ")");
    }
    sl_buf_free(&code);
    sl_buf_free(&msg);
}

/* ---- retries ---- */

static bool retryable_status(const struct sl_aws_http_resp *r, bool *throttle)
{
    *throttle = false;
    long s = r->status;
    if (s == 429 || s == 503) {
        *throttle = true;
        return true;
    }
    if (s == 500 || s == 502 || s == 504)
        return true;
    if (s == 400 || s == 403) {
        static const char *codes[] = {
            "<Code>RequestTimeout</Code>", "<Code>Throttling</Code>",
            "<Code>ThrottlingException</Code>", "<Code>SlowDown</Code>",
            "<Code>RequestLimitExceeded</Code>",
            /* JSON APIs: {"__type": "[ns#]ThrottlingException", ...} */
            "ThrottlingException\"", "TooManyRequestsException\""};
        const char *b = (const char *)r->body.data;
        for (size_t i = 0; b && i < sizeof(codes) / sizeof(*codes); i++)
            if (memmem(b, r->body.len, codes[i], strlen(codes[i]))) {
                *throttle = i > 0;
                return true;
            }
    }
    return false;
}

static uint64_t next_rand(struct sl_aws_http *h)
{
    h->rng ^= h->rng << 13;
    h->rng ^= h->rng >> 7;
    h->rng ^= h->rng << 17;
    return h->rng;
}

static void backoff(struct sl_aws_http *h, int attempt_no)
{
    long cap = h->o.base_delay_ms;
    for (int i = 0; i < attempt_no && cap < h->o.max_delay_ms; i++)
        cap *= 2;
    if (cap > h->o.max_delay_ms)
        cap = h->o.max_delay_ms;
    long ms = (long)(next_rand(h) % (uint64_t)(cap + 1));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int sl_aws_http_do(struct sl_aws_http *h, struct sl_aws_http_req *r,
                   sl_aws_prepare_fn prepare, void *ctx,
                   struct sl_aws_http_resp *resp, struct sl_error *err)
{
    int max = r->max_attempts ? r->max_attempts : h->o.max_attempts;
    int rc = 0;
    char where[512];
    for (int i = 0; i < max; i++) {
        if (i > 0)
            backoff(h, i);
        if (prepare && (rc = prepare(ctx, r, err)))
            return rc;
        sl_aws_url_for_log(r->url, where, sizeof(where));
        bool unsent = false, fatal = false;
        rc = attempt(h, r, resp, &unsent, &fatal, err);
        if (rc == SL_ELIMIT || rc == SL_ENOMEM || fatal)
            return rc;
        if (rc) {
            if (!r->idempotent && !unsent)
                return rc;
            sl_warn("%s (attempt %d of %d)", err ? err->msg : "http failed",
                    i + 1, max);
            continue;
        }
        bool throttle;
        if (!retryable_status(resp, &throttle))
            return 0;
        if (!r->idempotent && !throttle)
            return 0;
        char text[256];
        sl_aws_error_text(resp, text, sizeof(text));
        sl_warn("http: %s %s: %s (attempt %d of %d)", r->method, where, text,
                i + 1, max);
        if (i + 1 == max)
            return 0; /* the caller reports the final status */
    }
    return rc ? rc : 0;
}
