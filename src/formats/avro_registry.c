/*
 * avro_registry.c - fetching writer schemas for registry-framed Avro (see
 * avro_registry.h).
 *
 * Confluent: GET {url}/schemas/ids/{id} answers {"schema": "<json>"}; a
 * 404 (error_code 40403) means the id is unknown. Each fetch (404s too)
 * is tried 1 + retries times with a doubling backoff, then the failure is
 * kept for negative_ms so the records that follow fail fast (they go to
 * the dead-letter output with the reason; nothing is dropped). A Glue
 * schema file that is not there yet is waited for the same way.
 *
 * Glue: schemas come from a local folder where each file is named by the
 * schema version UUID, and, for versions not there, from the Glue Schema
 * Registry's GetSchemaVersion API (SigV4, src/aws/services.c) when
 * glue_aws is set. Each lookup tries the folder then the API; the HTTP
 * layer retries what failed in transit (1 + retries attempts), and a
 * version that is not found (or still PENDING) is looked up again with
 * the doubling backoff. The decoder keeps the parsed schema (avro.c), so
 * a version is fetched once.
 *
 * Container headers saved on disk (avro_header_dir) are the third source
 * of writer schemas: see sl_avro_header_save.
 *
 * Threads: one registry is used by one decoder, on the engine thread.
 */
#include "avro_registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/services.h"
#include "log.h"
#include "options.h"

#define NEG_MAX 64
#define RESPONSE_MAX (8u << 20)
#define SCHEMA_FILE_MAX (8u << 20)

struct negative {
    uint8_t key[16];
    int64_t until_ms;
    int code;
    char msg[256];
};

struct sl_avro_registry {
    struct sl_avro_registry_conf c;
    char *url, *user, *password, *glue_dir;
    CURL *curl;
    bool glue_api;
    struct sl_aws_json *glue; /* Glue API client (credentials at 1st use) */
    struct sl_aws_config glue_aws;
    struct negative neg[NEG_MAX];
    size_t neg_next;
};

int sl_avro_registry_create(const struct sl_avro_registry_conf *c,
                            struct sl_avro_registry **out, struct sl_error *err)
{
    *out = NULL;
    struct sl_avro_registry *r = calloc(1, sizeof *r);
    if (!r)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    r->c = *c;
    if (r->c.retries < 0)
        r->c.retries = 3;
    if (r->c.backoff_ms <= 0)
        r->c.backoff_ms = 100;
    if (r->c.negative_ms <= 0)
        r->c.negative_ms = 10000;
    if (r->c.timeout_ms <= 0)
        r->c.timeout_ms = 5000;
    if ((c->url && !(r->url = strdup(c->url))) ||
        (c->user && !(r->user = strdup(c->user))) ||
        (c->password && !(r->password = strdup(c->password))) ||
        (c->glue_dir && !(r->glue_dir = strdup(c->glue_dir))) ||
        (c->glue_aws && sl_aws_config_copy(&r->glue_aws, c->glue_aws))) {
        sl_avro_registry_destroy(r);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    /* Drop a trailing '/' so paths join cleanly. */
    size_t ul = r->url ? strlen(r->url) : 0;
    while (ul && r->url[ul - 1] == '/')
        r->url[--ul] = 0;
    r->glue_api = c->glue_aws != NULL;
    r->c.glue_aws = NULL;
    if (r->glue_api) {
        /* a bad endpoint is a start-up error, not a dead letter per record */
        int rc = sl_aws_glue_client(&r->glue_aws, (long)r->c.timeout_ms,
                                    1 + r->c.retries, &r->glue, err);
        if (rc) {
            sl_avro_registry_destroy(r);
            return rc;
        }
    }
    *out = r;
    return 0;
}

void sl_avro_registry_destroy(struct sl_avro_registry *r)
{
    if (!r)
        return;
    if (r->curl)
        curl_easy_cleanup(r->curl);
    free(r->url);
    free(r->user);
    free(r->password);
    free(r->glue_dir);
    sl_aws_json_destroy(r->glue);
    sl_aws_config_free(&r->glue_aws);
    free(r);
}

void sl_avro_uuid_text(const uint8_t id[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[id[i] >> 4];
        out[o++] = hex[id[i] & 15];
    }
    out[o] = 0;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static struct negative *neg_find(struct sl_avro_registry *r,
                                 const uint8_t key[16])
{
    int64_t now = sl_mono_ms();
    for (size_t i = 0; i < NEG_MAX; i++)
        if (r->neg[i].until_ms > now && memcmp(r->neg[i].key, key, 16) == 0)
            return &r->neg[i];
    return NULL;
}

static void neg_add(struct sl_avro_registry *r, const uint8_t key[16], int code,
                    const char *msg)
{
    struct negative *n = &r->neg[r->neg_next++ % NEG_MAX];
    memcpy(n->key, key, 16);
    n->until_ms = sl_mono_ms() + r->c.negative_ms;
    n->code = code;
    snprintf(n->msg, sizeof n->msg, "%s", msg);
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sl_buf *b = ud;
    size_t n = size * nmemb;
    return sl_buf_append(b, p, n) ? 0 : n;
}

/* One GET. 0 with the body in out; SL_ENOTFOUND on 404; SL_EIO else. */
static int http_get(struct sl_avro_registry *r, const char *url,
                    struct sl_buf *out, long *status, struct sl_error *err)
{
    if (!r->curl && !(r->curl = curl_easy_init()))
        return sl_error_set(err, SL_ENOMEM, "cannot start libcurl");
    CURL *h = r->curl;
    curl_easy_reset(h);
    sl_buf_reset(out);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)r->c.timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "sluice/" SL_VERSION);
    if (r->user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, r->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, r->password ? r->password : "");
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK)
        return sl_error_set(err, SL_EIO, "GET %s: %s", url,
                            curl_easy_strerror(cc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    if (*status == 404)
        return sl_error_set(err, SL_ENOTFOUND, "GET %s: 404 not found", url);
    if (*status != 200)
        return sl_error_set(err, SL_EIO, "GET %s: HTTP status %ld", url,
                            *status);
    return 0;
}

int sl_avro_registry_confluent(struct sl_avro_registry *r, uint32_t id,
                               struct sl_buf *out, struct sl_error *err)
{
    if (!r || !r->url)
        return sl_error_set(err, SL_EINVAL,
                            "Confluent-framed Avro (schema id %u) but no "
                            "schema_registry_url is set",
                            id);
    uint8_t key[16] = {'C'};
    memcpy(key + 1, &id, 4);
    struct negative *n = neg_find(r, key);
    if (n)
        return sl_error_set(err, n->code,
                            "%s (failed recently; not asked "
                            "again yet)",
                            n->msg);
    char url[2048];
    snprintf(url, sizeof url, "%s/schemas/ids/%u", r->url, id);
    struct sl_buf body;
    sl_buf_init(&body, RESPONSE_MAX);
    int rc = 0;
    long status = 0;
    int64_t wait = r->c.backoff_ms;
    for (int attempt = 0; attempt <= r->c.retries; attempt++) {
        if (attempt) {
            sleep_ms(wait);
            wait *= 2;
        }
        rc = http_get(r, url, &body, &status, err);
        /* An unknown id is retried too: a schema registered a moment ago
         * may not have reached the registry instance we ask. */
        if (rc != SL_EIO && rc != SL_ENOTFOUND)
            break;
    }
    struct sl_conf *j = NULL;
    if (!rc) {
        rc = sl_conf_parse((const char *)body.data, body.len, url,
                           SL_CONF_NO_ENV, &j, err);
        const char *s = rc ? NULL : sl_conf_str(j, "schema");
        if (!rc && !s)
            rc = sl_error_set(err, SL_EIO,
                              "GET %s: the answer has no \"schema\"", url);
        const char *type = rc ? NULL : sl_conf_str(j, "schemaType");
        if (!rc && type && strcmp(type, "AVRO") != 0)
            rc =
                sl_error_set(err, SL_EINVAL,
                             "schema id %u is a %s schema, not Avro", id, type);
        if (!rc) {
            sl_buf_reset(out);
            rc = sl_buf_puts(out, s);
        }
        if (rc && rc != SL_ENOMEM && rc != SL_EINVAL)
            rc = SL_EIO;
    }
    sl_conf_free(j);
    sl_buf_free(&body);
    if (rc) {
        sl_error_prefix(err, "schema registry, id %u: ", id);
        if (rc != SL_ENOMEM)
            neg_add(r, key, rc, err ? err->msg : "schema registry failed");
    }
    return rc;
}

static int read_file(const char *path, struct sl_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? SL_ENOTFOUND : SL_EIO;
    sl_buf_reset(out);
    int rc = 0;
    char tmp[65536];
    size_t k;
    while (!rc && (k = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = sl_buf_append(out, tmp, k);
    if (!rc && ferror(f))
        rc = SL_EIO;
    fclose(f);
    return rc;
}

/* The schema file of `uuid` in glue_dir into out: 0, SL_ENOTFOUND, or an
 * error with *path the file that could not be read. */
static int glue_file(struct sl_avro_registry *r, const char *uuid,
                     struct sl_buf *out, char *path, size_t path_n)
{
    static const char *const ext[] = {".avsc", ".json", ""};
    int rc = SL_ENOTFOUND;
    for (int i = 0; i < 3 && rc == SL_ENOTFOUND; i++) {
        snprintf(path, path_n, "%s/%s%s", r->glue_dir, uuid, ext[i]);
        struct sl_buf tmp;
        sl_buf_init(&tmp, SCHEMA_FILE_MAX);
        rc = read_file(path, &tmp);
        if (!rc) {
            sl_buf_reset(out);
            rc = sl_buf_append(out, tmp.data, tmp.len);
        }
        sl_buf_free(&tmp);
    }
    return rc;
}

int sl_avro_registry_glue(struct sl_avro_registry *r, const uint8_t id[16],
                          struct sl_buf *out, struct sl_error *err)
{
    char uuid[37];
    sl_avro_uuid_text(id, uuid);
    if (!r || (!r->glue_dir && !r->glue_api))
        return sl_error_set(err, SL_EINVAL,
                            "Glue-framed Avro (schema version %s) but "
                            "neither glue_schema_dir nor glue_registry is "
                            "set",
                            uuid);
    uint8_t key[16];
    memcpy(key, id, 16);
    key[0] ^= 'G'; /* not the key of a Confluent id */
    struct negative *ng = neg_find(r, key);
    if (ng)
        return sl_error_set(err, ng->code,
                            "%s (failed recently; not looked "
                            "up again yet)",
                            ng->msg);
    int rc = SL_ENOTFOUND;
    char path[4096] = "";
    int64_t wait = r->c.backoff_ms;
    for (int attempt = 0; attempt <= r->c.retries && rc == SL_ENOTFOUND;
         attempt++) {
        if (attempt) {
            sleep_ms(wait);
            wait *= 2;
        }
        if (r->glue_dir) {
            rc = glue_file(r, uuid, out, path, sizeof path);
            if (rc && rc != SL_ENOTFOUND)
                return sl_error_set(err, rc,
                                    "Glue schema version %s: cannot read "
                                    "%s: %s",
                                    uuid, path, sl_strerror(rc));
        }
        if (rc == SL_ENOTFOUND && r->glue_api)
            rc = sl_aws_glue_schema_version(r->glue, uuid, out, err);
    }
    if (rc == SL_ENOTFOUND && !r->glue_api)
        sl_error_set(err, rc,
                     "Glue schema version %s: no file %s/%s.avsc (or "
                     ".json, or no extension)",
                     uuid, r->glue_dir, uuid);
    else if (rc == SL_ENOTFOUND && r->glue_dir)
        sl_error_prefix(err, "Glue schema version %s: not in %s, and ", uuid,
                        r->glue_dir);
    else if (rc)
        sl_error_prefix(err, "Glue schema version %s: ", uuid);
    if (rc && rc != SL_ENOMEM)
        neg_add(r, key, rc, err ? err->msg : "Glue schema lookup failed");
    return rc;
}

/* ---- container headers on disk ---- */

static void header_path(const char *dir, const uint8_t sync[16], char *out,
                        size_t cap, const char *suffix)
{
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", sync[i]);
    snprintf(out, cap, "%s/%s.avrohdr%s", dir, hex, suffix);
}

int sl_avro_header_save(const char *dir, const uint8_t sync[16],
                        const char *codec, size_t codec_len,
                        const uint8_t *schema, size_t schema_len,
                        struct sl_error *err)
{
    char path[4096], tmp[4200];
    header_path(dir, sync, path, sizeof path, "");
    if (access(path, F_OK) == 0)
        return 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return sl_error_set(err, SL_EIO, "avro_header_dir %s: %s", dir,
                            strerror(errno));
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return sl_error_set(err, SL_EIO,
                            "avro_header_dir: cannot create %s: %s", tmp,
                            strerror(errno));
    struct iovec_part {
        const void *p;
        size_t n;
    } parts[3] = {{codec, codec_len}, {"\n", 1}, {schema, schema_len}};
    int rc = 0;
    for (int i = 0; i < 3 && !rc; i++) {
        const char *q = parts[i].p;
        size_t left = parts[i].n;
        while (left && !rc) {
            ssize_t w = write(fd, q, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                rc = SL_EIO;
            else {
                q += w;
                left -= (size_t)w;
            }
        }
    }
    if (!rc && fsync(fd) != 0)
        rc = SL_EIO;
    if (close(fd) != 0)
        rc = SL_EIO;
    if (!rc && rename(tmp, path) != 0)
        rc = SL_EIO;
    if (rc) {
        int e = errno;
        unlink(tmp);
        return sl_error_set(err, rc, "avro_header_dir: cannot write %s: %s",
                            path, strerror(e));
    }
    /* The rename is durable once the folder is synced. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int sl_avro_header_load(const char *dir, const uint8_t sync[16],
                        struct sl_buf *out, size_t *codec_len,
                        struct sl_error *err)
{
    char path[4096];
    header_path(dir, sync, path, sizeof path, "");
    int rc = read_file(path, out);
    if (rc == SL_ENOTFOUND)
        return rc;
    if (rc)
        return sl_error_set(err, rc, "avro_header_dir: cannot read %s: %s",
                            path, sl_strerror(rc));
    const uint8_t *nl = memchr(out->data, '\n', out->len);
    if (!nl)
        return sl_error_set(err, SL_ECORRUPT,
                            "avro_header_dir: %s is not a saved header", path);
    *codec_len = (size_t)(nl - out->data);
    return 0;
}
