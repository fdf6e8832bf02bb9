/*
 * sigv4.c - AWS Signature Version 4 signing (see sigv4.h for the rules).
 *
 * Steps, as AWS documents them: (1) canonical request = method, canonical
 * URI, canonical query, canonical headers, signed header list, payload hash;
 * (2) string to sign = "AWS4-HMAC-SHA256", time, scope, hex SHA-256 of (1);
 * (3) signing key = HMAC chain "AWS4"+secret -> date -> region -> service ->
 * "aws4_request"; (4) signature = hex HMAC(key, (2)). Header signing puts it
 * into Authorization; presigning puts the auth parameters and the signature
 * into the query string.
 *
 * Proven against AWS's published test-suite vectors (tests/unit/
 * test_sigv4.c) and against botocore for generated requests
 * (tests/integration/test_sigv4_botocore.sh).
 */
#include "aws/sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define SIGV4_ALGO "AWS4-HMAC-SHA256"
#define SIGV4_MAX (1u << 20) /* cap on any canonical form we build */

void sl_sigv4_out_init(struct sl_sigv4_out *o)
{
    memset(o, 0, sizeof(*o));
    sl_buf_init(&o->auth, SIGV4_MAX);
}

void sl_sigv4_out_free(struct sl_sigv4_out *o)
{
    if (!o)
        return;
    sl_buf_free(&o->auth);
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == '~';
}

int sl_aws_uri_encode(struct sl_buf *out, const char *s, size_t n,
                      bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = sl_buf_reserve(out, n * 3 + 1);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            out->data[out->len++] = c;
        } else {
            out->data[out->len++] = '%';
            out->data[out->len++] = hex[c >> 4];
            out->data[out->len++] = hex[c & 15];
        }
    }
    return 0;
}

static void to_hex(const unsigned char *p, size_t n, char *hex)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = d[p[i] >> 4];
        hex[2 * i + 1] = d[p[i] & 15];
    }
    hex[2 * n] = '\0';
}

void sl_aws_sha256_hex(const void *p, size_t n, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(p, n, md);
    to_hex(md, sizeof(md), hex);
}

void sl_aws_amz_date(int64_t time_s, char amz[17], char date[9])
{
    time_t t = (time_t)time_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    if (amz)
        strftime(amz, 17, "%Y%m%dT%H%M%SZ", &tm);
    if (date)
        strftime(date, 9, "%Y%m%d", &tm);
}

/* ---- canonical query ---- */

struct pair {
    char *name;
    char *value;
    size_t order; /* input order: keeps duplicate headers stable */
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    c = strcmp(x->value, y->value);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int header_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void pairs_free(struct pair *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

static char *enc_dup(const char *s)
{
    struct sl_buf b;
    sl_buf_init(&b, SIGV4_MAX);
    if (sl_aws_uri_encode(&b, s, strlen(s), false) || sl_buf_cstr(&b)) {
        sl_buf_free(&b);
        return NULL;
    }
    if (!b.data)
        return strdup("");
    return (char *)b.data;
}

/* Encoded, sorted query of r plus `extra` (already raw). */
static int canonical_query(const struct sl_sigv4_request *r,
                           const struct sl_aws_kv *extra, size_t nextra,
                           struct sl_buf *out)
{
    size_t n = r->nquery + nextra;
    if (n == 0)
        return 0;
    struct pair *v = calloc(n, sizeof(*v));
    if (!v)
        return SL_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sl_aws_kv *kv =
            i < r->nquery ? &r->query[i] : &extra[i - r->nquery];
        v[i].name = enc_dup(kv->name);
        v[i].value = enc_dup(kv->value ? kv->value : "");
        v[i].order = i;
        if (!v[i].name || !v[i].value) {
            rc = SL_ENOMEM;
            goto out;
        }
    }
    qsort(v, n, sizeof(*v), pair_cmp);
    for (size_t i = 0; i < n && !rc; i++)
        rc =
            sl_buf_appendf(out, "%s%s=%s", i ? "&" : "", v[i].name, v[i].value);
out:
    pairs_free(v, n);
    return rc;
}

/* ---- canonical headers ---- */

static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim and collapse inner runs of white space into one space. */
static char *value_dup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1), *o = d;
    if (!d)
        return NULL;
    while (*s && is_space(*s))
        s++;
    while (*s) {
        if (is_space(*s)) {
            while (*s && is_space(*s))
                s++;
            if (*s)
                *o++ = ' ';
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return d;
}

/* Canonical headers block (each "name:value\n") into ch and the signed list
 * ("a;b;c") into sh. Built-ins come first in input order so the caller's
 * duplicates of them (none expected) would follow. */
static int canonical_headers(const struct sl_sigv4_request *r,
                             const struct sl_aws_kv *builtin, size_t nb,
                             struct sl_buf *ch, struct sl_buf *sh)
{
    size_t n = nb + r->nheaders;
    struct pair *v = calloc(n, sizeof(*v));
    if (!v)
        return SL_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sl_aws_kv *kv = i < nb ? &builtin[i] : &r->headers[i - nb];
        v[i].name = lower_dup(kv->name);
        v[i].value = value_dup(kv->value ? kv->value : "");
        v[i].order = i;
        if (!v[i].name || !v[i].value) {
            rc = SL_ENOMEM;
            goto out;
        }
    }
    qsort(v, n, sizeof(*v), header_cmp);
    for (size_t i = 0; i < n && !rc; i++) {
        bool dup = i > 0 && strcmp(v[i].name, v[i - 1].name) == 0;
        if (dup) {
            /* replace the previous "\n" by ",value\n" */
            ch->len--;
            rc = sl_buf_appendf(ch, ",%s\n", v[i].value);
            continue;
        }
        rc = sl_buf_appendf(ch, "%s:%s\n", v[i].name, v[i].value);
        if (!rc)
            rc = sl_buf_appendf(sh, "%s%s", sh->len ? ";" : "", v[i].name);
    }
out:
    pairs_free(v, n);
    return rc;
}

/* ---- the signature ---- */

static void hmac(const void *key, size_t klen, const void *msg, size_t mlen,
                 unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len);
}

struct signing {
    char amz[17];
    char date[9];
    char scope[256];
    char payload[65 + 16];
    struct sl_buf creq, sts, sh;
};

static void signing_free(struct signing *s)
{
    sl_buf_free(&s->creq);
    sl_buf_free(&s->sts);
    sl_buf_free(&s->sh);
}

/* Build the canonical request and the string to sign. presign: the auth
 * parameters go into the query instead of the headers. */
static int build(const struct sl_sigv4_params *p,
                 const struct sl_sigv4_request *r, int64_t expires_s,
                 bool presign, struct signing *s, struct sl_error *err)
{
    memset(s, 0, sizeof(*s));
    sl_buf_init(&s->creq, SIGV4_MAX);
    sl_buf_init(&s->sts, SIGV4_MAX);
    sl_buf_init(&s->sh, SIGV4_MAX);
    if (!p || !p->creds || !p->creds->access_key || !p->creds->secret_key ||
        !p->region || !p->service || !r || !r->method || !r->host)
        return sl_error_set(err, SL_EINVAL,
                            "sigv4: missing credentials, region, service, "
                            "method or host");
    sl_aws_amz_date(p->time_s, s->amz, s->date);
    int n = snprintf(s->scope, sizeof(s->scope), "%s/%s/%s/aws4_request",
                     s->date, p->region, p->service);
    if (n < 0 || (size_t)n >= sizeof(s->scope))
        return sl_error_set(err, SL_EINVAL,
                            "sigv4: region or service name "
                            "too long");
    const char *ph = r->payload_hash;
    if (!ph)
        ph = presign && p->s3 ? SL_SIGV4_UNSIGNED_PAYLOAD
                              : SL_SIGV4_EMPTY_SHA256;
    snprintf(s->payload, sizeof(s->payload), "%s", ph);

    int rc = 0;
    struct sl_buf tmp;
    sl_buf_init(&tmp, SIGV4_MAX);
    const char *token = p->creds->session_token;

    /* method */
    rc = sl_buf_appendf(&s->creq, "%s\n", r->method);
    /* canonical URI */
    const char *path = r->path && r->path[0] ? r->path : "/";
    if (!rc && p->s3)
        rc = sl_buf_puts(&s->creq, path);
    else if (!rc)
        rc = sl_aws_uri_encode(&s->creq, path, strlen(path), true);
    if (!rc)
        rc = sl_buf_putc(&s->creq, '\n');

    /* headers first: presign needs the signed list in the query */
    struct sl_aws_kv builtin[4];
    size_t nb = 0;
    builtin[nb++] = (struct sl_aws_kv){"host", r->host};
    if (!presign) {
        builtin[nb++] = (struct sl_aws_kv){"x-amz-date", s->amz};
        if (p->s3)
            builtin[nb++] =
                (struct sl_aws_kv){"x-amz-content-sha256", s->payload};
        if (token)
            builtin[nb++] = (struct sl_aws_kv){"x-amz-security-token", token};
    }
    struct sl_buf ch;
    sl_buf_init(&ch, SIGV4_MAX);
    if (!rc)
        rc = canonical_headers(r, builtin, nb, &ch, &s->sh);
    if (!rc)
        rc = sl_buf_cstr(&s->sh);

    /* query */
    char cred[512], exp[32];
    struct sl_aws_kv extra[6];
    size_t ne = 0;
    if (!rc && presign) {
        snprintf(cred, sizeof(cred), "%s/%s", p->creds->access_key, s->scope);
        snprintf(exp, sizeof(exp), "%lld", (long long)expires_s);
        extra[ne++] = (struct sl_aws_kv){"X-Amz-Algorithm", SIGV4_ALGO};
        extra[ne++] = (struct sl_aws_kv){"X-Amz-Credential", cred};
        extra[ne++] = (struct sl_aws_kv){"X-Amz-Date", s->amz};
        extra[ne++] = (struct sl_aws_kv){"X-Amz-Expires", exp};
        extra[ne++] =
            (struct sl_aws_kv){"X-Amz-SignedHeaders", (char *)s->sh.data};
        if (token)
            extra[ne++] = (struct sl_aws_kv){"X-Amz-Security-Token", token};
    }
    if (!rc)
        rc = canonical_query(r, extra, ne, &tmp);
    if (!rc)
        rc = sl_buf_append(&s->creq, tmp.data, tmp.len);
    if (!rc)
        rc = sl_buf_putc(&s->creq, '\n');
    if (!rc)
        rc = sl_buf_append(&s->creq, ch.data, ch.len);
    if (!rc)
        rc = sl_buf_appendf(&s->creq, "\n%s\n%s", (char *)s->sh.data,
                            s->payload);
    sl_buf_free(&ch);
    if (!rc)
        rc = sl_buf_cstr(&s->creq);

    /* string to sign */
    char chash[65];
    if (!rc) {
        sl_aws_sha256_hex(s->creq.data, s->creq.len, chash);
        rc = sl_buf_appendf(&s->sts, SIGV4_ALGO "\n%s\n%s\n%s", s->amz,
                            s->scope, chash);
    }
    if (!rc)
        rc = sl_buf_cstr(&s->sts);
    /* keep the query for presigning */
    if (!rc && presign) {
        sl_buf_reset(&s->sh);
        rc = sl_buf_append(&s->sh, tmp.data, tmp.len);
    }
    sl_buf_free(&tmp);
    if (rc)
        return sl_error_set(err, rc,
                            "sigv4: cannot build the canonical "
                            "request: %s",
                            sl_strerror(rc));
    return 0;
}

/* hex HMAC of msg under the signing key of (secret, date, region,
 * service). */
static void sign_with_key(const struct sl_sigv4_params *p, const char *date,
                          const void *msg, size_t n, char sig[65])
{
    unsigned char k[32];
    struct sl_buf key;
    sl_buf_init(&key, 0);
    sl_buf_puts(&key, "AWS4");
    sl_buf_puts(&key, p->creds->secret_key);
    if (!key.data) { /* allocation failed: a signature that cannot match */
        memset(sig, '0', 64);
        sig[64] = '\0';
        return;
    }
    hmac(key.data, key.len, date, strlen(date), k);
    OPENSSL_cleanse(key.data, key.len);
    sl_buf_free(&key);
    hmac(k, 32, p->region, strlen(p->region), k);
    hmac(k, 32, p->service, strlen(p->service), k);
    hmac(k, 32, "aws4_request", 12, k);
    unsigned char out[32];
    hmac(k, 32, msg, n, out);
    OPENSSL_cleanse(k, sizeof(k));
    to_hex(out, 32, sig);
}

static void signature(const struct sl_sigv4_params *p, struct signing *s,
                      char sig[65])
{
    sign_with_key(p, s->date, s->sts.data, s->sts.len, sig);
}

int sl_sigv4_chunk_signature(const struct sl_sigv4_params *p, const char *prev,
                             const void *chunk, size_t n, char sig[65])
{
    if (!p || !p->creds || !p->creds->secret_key || !p->region || !p->service ||
        !prev || strlen(prev) != 64)
        return SL_EINVAL;
    char amz[17], date[9], scope[256], h[65], sts[512];
    sl_aws_amz_date(p->time_s, amz, date);
    int k = snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date,
                     p->region, p->service);
    if (k < 0 || (size_t)k >= sizeof(scope))
        return SL_EINVAL;
    sl_aws_sha256_hex(chunk ? chunk : "", n, h);
    k = snprintf(sts, sizeof(sts), SIGV4_ALGO "-PAYLOAD\n%s\n%s\n%s\n%s\n%s",
                 amz, scope, prev, SL_SIGV4_EMPTY_SHA256, h);
    if (k < 0 || (size_t)k >= sizeof(sts))
        return SL_EINVAL;
    sign_with_key(p, date, sts, (size_t)k, sig);
    return 0;
}

int sl_sigv4_canonical(const struct sl_sigv4_params *p,
                       const struct sl_sigv4_request *r, struct sl_buf *creq,
                       struct sl_buf *sts, struct sl_error *err)
{
    struct signing s;
    int rc = build(p, r, 0, false, &s, err);
    if (!rc && creq)
        rc = sl_buf_append(creq, s.creq.data, s.creq.len);
    if (!rc && sts)
        rc = sl_buf_append(sts, s.sts.data, s.sts.len);
    signing_free(&s);
    return rc;
}

int sl_sigv4_sign_headers(const struct sl_sigv4_params *p,
                          const struct sl_sigv4_request *r,
                          struct sl_sigv4_out *o, struct sl_error *err)
{
    struct signing s;
    int rc = build(p, r, 0, false, &s, err);
    if (!rc) {
        char sig[65];
        signature(p, &s, sig);
        memcpy(o->amz_date, s.amz, sizeof(o->amz_date));
        snprintf(o->payload_hash, sizeof(o->payload_hash), "%s", s.payload);
        sl_buf_reset(&o->auth);
        rc = sl_buf_appendf(&o->auth,
                            SIGV4_ALGO " Credential=%s/%s, SignedHeaders=%s, "
                                       "Signature=%s",
                            p->creds->access_key, s.scope, (char *)s.sh.data,
                            sig);
        if (!rc)
            rc = sl_buf_cstr(&o->auth);
        if (rc)
            sl_error_set(err, rc, "sigv4: Authorization header too long");
    }
    signing_free(&s);
    return rc;
}

int sl_sigv4_presign(const struct sl_sigv4_params *p,
                     const struct sl_sigv4_request *r, int64_t expires_s,
                     struct sl_sigv4_out *o, struct sl_error *err)
{
    if (expires_s < 1 || expires_s > 604800)
        return sl_error_set(err, SL_EINVAL,
                            "sigv4: presigned URL expiry %lld s is outside "
                            "1..604800",
                            (long long)expires_s);
    struct signing s;
    int rc = build(p, r, expires_s, true, &s, err);
    if (!rc) {
        char sig[65];
        signature(p, &s, sig);
        memcpy(o->amz_date, s.amz, sizeof(o->amz_date));
        snprintf(o->payload_hash, sizeof(o->payload_hash), "%s", s.payload);
        sl_buf_reset(&o->auth);
        rc = sl_buf_append(&o->auth, s.sh.data, s.sh.len);
        if (!rc)
            rc = sl_buf_appendf(&o->auth, "&X-Amz-Signature=%s", sig);
        if (!rc)
            rc = sl_buf_cstr(&o->auth);
        if (rc)
            sl_error_set(err, rc, "sigv4: presigned query too long");
    }
    signing_free(&s);
    return rc;
}
