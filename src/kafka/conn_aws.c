/*
 * conn_aws.c - AWS services for Kafka connections (see conn_aws.h):
 * Secrets Manager secrets, s3:// TLS files, and the MSK IAM token
 * refresher that librdkafka calls.
 *
 * Fetched TLS files live in one private folder per process (0700, files
 * 0600) and are removed by an atexit handler; a process killed with
 * SIGKILL leaves the folder behind in TMPDIR, readable by its user only.
 *
 * Secret values (secrets, keys, tokens) never reach a log line or an
 * error message: messages name the secret or object and the reason.
 */
#include "kafka/conn_aws.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/msk_iam.h"
#include "aws/s3.h"
#include "aws/services.h"
#include "log.h"

#define S3_FILE_MAX (16u << 20)
#define MAX_TMP 64

#define OPT(f) offsetof(struct sl_kafka_aws, f)

const struct sl_option sl__kafka_aws_options[] = {
    {"region", SL_OPT_STRING, NULL, NULL, false, OPT(region),
     "AWS region of Secrets Manager and S3 (default: AWS_REGION, "
     "AWS_DEFAULT_REGION, the profile's, us-east-1)"},
    {"profile", SL_OPT_STRING, NULL, NULL, false, OPT(profile),
     "shared credentials/config profile (default: AWS_PROFILE or default)"},
    {"role_arn", SL_OPT_STRING, NULL, NULL, false, OPT(role_arn),
     "IAM role to assume (STS AssumeRole) on top of the credential chain"},
    {"external_id", SL_OPT_STRING, NULL, NULL, false, OPT(external_id),
     "external id the role's trust policy asks for"},
    {"secrets_endpoint_url", SL_OPT_STRING, NULL, NULL, false,
     OPT(secrets_endpoint_url),
     "Secrets Manager endpoint (default: AWS_ENDPOINT_URL_SECRETS_MANAGER, "
     "AWS_ENDPOINT_URL, AWS)"},
    {"s3_endpoint_url", SL_OPT_STRING, NULL, NULL, false, OPT(s3_endpoint_url),
     "S3 endpoint for s3:// TLS files (default: AWS_ENDPOINT_URL_S3, "
     "AWS_ENDPOINT_URL, AWS)"},
    {0},
};

static void aws_config(const struct sl_kafka_conn *c, const char *endpoint,
                       struct sl_aws_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->region = c->aws.region;
    cfg->profile = c->aws.profile;
    cfg->role_arn = c->aws.role_arn;
    cfg->external_id = c->aws.external_id;
    cfg->endpoint_url = (char *)endpoint;
    cfg->tls_verify = true;
}

/* ---- Secrets Manager ---- */

int sl__kafka_secret_get(struct sl_aws_json **sm, const struct sl_kafka_conn *c,
                         const char *key, const char *id, struct sl_buf *out,
                         struct sl_error *err)
{
    int rc = 0;
    if (!*sm) {
        struct sl_aws_config cfg;
        aws_config(c, c->aws.secrets_endpoint_url, &cfg);
        rc = sl_aws_secrets_client(&cfg, sm, err);
    }
    if (!rc)
        rc = sl_aws_secret_get(*sm, id, out, err);
    if (rc)
        sl_error_prefix(err, "connection %s: %s: ", c->name, key);
    return rc;
}

/* ---- s3:// files ---- */

static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;
static char tmp_dir[4096];
static char *tmp_files[MAX_TMP];
static size_t n_tmp;

static void tmp_cleanup(void)
{
    pthread_mutex_lock(&tmp_lock);
    for (size_t i = 0; i < n_tmp; i++) {
        unlink(tmp_files[i]);
        free(tmp_files[i]);
    }
    n_tmp = 0;
    if (tmp_dir[0])
        rmdir(tmp_dir);
    tmp_dir[0] = '\0';
    pthread_mutex_unlock(&tmp_lock);
}

size_t sl__kafka_s3_files(void)
{
    pthread_mutex_lock(&tmp_lock);
    size_t n = n_tmp;
    pthread_mutex_unlock(&tmp_lock);
    return n;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A new private file holding data; its path into *local. Call locked. */
static int private_file(const char *name, const struct sl_buf *data,
                        char **local, struct sl_error *err)
{
    static bool registered;
    if (n_tmp == MAX_TMP)
        return sl_error_set(err, SL_ELIMIT, "more than %d s3:// TLS files",
                            MAX_TMP);
    if (!tmp_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp_dir, sizeof tmp_dir, "%s/sluice-kafka-XXXXXX",
                 t && t[0] ? t : "/tmp");
        if (!mkdtemp(tmp_dir)) { /* mode 0700 */
            int e = errno;
            tmp_dir[0] = '\0';
            return sl_error_set(err, SL_EIO,
                                "cannot make a private folder in %s: %s",
                                t && t[0] ? t : "/tmp", strerror(e));
        }
        if (!registered && atexit(tmp_cleanup) == 0)
            registered = true;
    }
    char path[4200];
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    snprintf(path, sizeof path, "%s/%zu-%s", tmp_dir, n_tmp, base);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sl_error_set(err, SL_EIO, "cannot create %s: %s", path,
                            strerror(errno));
    int rc = write_all(fd, data->data, data->len);
    if (close(fd) != 0)
        rc = -1;
    char *dup = rc ? NULL : strdup(path);
    if (!dup) {
        int e = errno;
        unlink(path);
        return sl_error_set(err, SL_EIO, "cannot write %s: %s", path,
                            strerror(e));
    }
    tmp_files[n_tmp++] = dup;
    *local = strdup(dup);
    return *local ? 0 : sl_error_set(err, SL_ENOMEM, "out of memory");
}

int sl__kafka_s3_file(const struct sl_kafka_conn *c, const char *key,
                      const char *uri, char **local, struct sl_error *err)
{
    *local = NULL;
    char *bucket = NULL, *object = NULL;
    struct sl_s3 *s3 = NULL;
    struct sl_buf data;
    sl_buf_init(&data, S3_FILE_MAX);
    int rc = sl_s3_parse_uri(uri, &bucket, &object, err);
    if (!rc && !object[0])
        rc = sl_error_set(err, SL_EINVAL, "'%s' names no object", uri);
    if (!rc) {
        struct sl_s3_opts o = {0};
        aws_config(c, c->aws.s3_endpoint_url, &o.aws);
        rc = sl_s3_create(&o, &s3, err);
    }
    if (!rc)
        rc = sl_s3_get(s3, bucket, object, &data, err);
    if (!rc) {
        pthread_mutex_lock(&tmp_lock);
        rc = private_file(object, &data, local, err);
        pthread_mutex_unlock(&tmp_lock);
    }
    if (rc)
        sl_error_prefix(err, "connection %s: %s %s: ", c->name, key, uri);
    else
        sl_info("kafka: connection %s: %s fetched from %s (%zu bytes) into "
                "a private file",
                c->name, key, uri, data.len);
    if (data.data) /* may be a private key */
        memset(data.data, 0, data.cap);
    sl_buf_free(&data);
    sl_s3_destroy(s3);
    free(bucket);
    free(object);
    return rc;
}

/* ---- MSK IAM ---- */

int sl__kafka_msk_config(const struct sl_kafka_conn *c, const char *region,
                         struct sl_buf *out)
{
    int rc = sl_buf_appendf(out, "region=%s", region);
    const char *keys[] = {"profile", "role_arn", "external_id"};
    const char *vals[] = {c->aws.profile, c->aws.role_arn, c->aws.external_id};
    for (size_t i = 0; !rc && i < 3; i++)
        if (vals[i])
            rc = sl_buf_appendf(out, " %s=%s", keys[i], vals[i]);
    return rc ? rc : sl_buf_cstr(out);
}

/* Value of `key` in "k=v k=v" into out; false when absent. */
static bool config_value(const char *cfg, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = cfg; p && *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            snprintf(out, n, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return true;
        }
        p += len;
    }
    return false;
}

static void msk_refresh(rd_kafka_t *rk, const char *cfg_text, void *opaque)
{
    (void)opaque;
    char region[64] = "", profile[256], role[2048], ext[1300];
    struct sl_aws_config cfg = {.tls_verify = true};
    config_value(cfg_text, "region", region, sizeof region);
    if (config_value(cfg_text, "profile", profile, sizeof profile))
        cfg.profile = profile;
    if (config_value(cfg_text, "role_arn", role, sizeof role))
        cfg.role_arn = role;
    if (config_value(cfg_text, "external_id", ext, sizeof ext))
        cfg.external_id = ext;
    cfg.region = region;
    struct sl_error err;
    sl_error_clear(&err);
    struct sl_aws_creds_provider *prov = NULL;
    struct sl_aws_creds creds = {0};
    struct sl_buf tok;
    sl_buf_init(&tok, 1u << 16);
    int64_t expires_ms = 0;
    int rc = sl_aws_creds_provider_create(&cfg, &prov, &err);
    if (!rc)
        rc = sl_aws_creds_get(prov, &creds, &err);
    if (!rc)
        rc = sl_aws_msk_token(&creds, region, sl_now_ms() / 1000,
                              SL_MSK_USER_AGENT, &tok, &expires_ms, &err);
    char errstr[512];
    if (!rc && rd_kafka_oauthbearer_set_token(
                   rk, (const char *)tok.data, expires_ms, "aws-msk-iam", NULL,
                   0, errstr, sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR)
        rc = sl_error_set(&err, SL_EINVAL, "librdkafka refused the token: %s",
                          errstr);
    if (rc) {
        sl_warn("kafka: MSK IAM token for region %s: %s", region, err.msg);
        rd_kafka_oauthbearer_set_token_failure(rk, err.msg);
    } else {
        sl_info("kafka: MSK IAM token for region %s (credentials from %s), "
                "valid for %lld s",
                region, sl_aws_creds_source(prov),
                (long long)((expires_ms - sl_now_ms()) / 1000));
    }
    if (tok.data)
        memset(tok.data, 0, tok.cap);
    sl_buf_free(&tok);
    sl_aws_creds_free(&creds);
    sl_aws_creds_provider_destroy(prov);
}

void sl__kafka_msk_install(void *rd_conf)
{
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(rd_conf, msk_refresh);
    /* served by sl_kafka_conn_started on the background thread */
    rd_kafka_conf_enable_sasl_queue(rd_conf, 1);
}

void sl_kafka_conn_started(void *rk)
{
    const rd_kafka_conf_t *conf = rd_kafka_conf(rk);
    char mech[64];
    size_t n = sizeof mech;
    if (rd_kafka_conf_get(conf, "sasl.mechanisms", mech, &n) !=
            RD_KAFKA_CONF_OK ||
        strcmp(mech, "OAUTHBEARER") != 0)
        return;
    rd_kafka_error_t *e = rd_kafka_sasl_background_callbacks_enable(rk);
    if (e) {
        sl_warn("kafka: MSK IAM token refresh on the background thread: %s "
                "(tokens are then made when the client is polled)",
                rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
}
