/*
 * s3_upload.c - streaming upload of one S3 object (see s3.h).
 *
 * The caller's thread fills the current part; a full part is queued for
 * the worker threads (each with its own connection) and the caller takes
 * a free buffer to go on. There are upload_threads + 1 buffers in all, so
 * a writer faster than the network blocks in submit() until a worker
 * returns one. The multipart upload is created when the first part is
 * full; an object smaller than a part goes up with one PutObject at finish.
 * Part ETags are kept by part number for CompleteMultipartUpload.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3_int.h"
#include "log.h"

struct job {
    int no;
    struct sl_buf *buf;
};

struct sl_s3_upload {
    struct sl_s3 *s3;
    char *bucket, *key, *ctype;
    char *upload_id;
    int64_t total;
    struct sl_buf *bufs; /* nth + 1 buffers of part_size */
    struct sl_buf *cur;
    int parts;    /* parts submitted so far */
    char **etags; /* by part number - 1, etags_cap slots */
    int etags_cap;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sl_buf **free_bufs;
    int nfree;
    struct job *queue; /* ring of nth jobs */
    int qhead, qlen;
    int active;
    pthread_t *th;
    int nth, started;
    bool stop;
    int fail_rc;
    struct sl_error fail_err;
    bool sealed;
};

int sl_s3_upload_open(struct sl_s3 *s3, const char *bucket, const char *key,
                      const char *content_type, struct sl_s3_upload **out,
                      struct sl_error *err)
{
    *out = NULL;
    struct sl_s3_upload *u = calloc(1, sizeof(*u));
    if (!u)
        return sl_error_set(err, SL_ENOMEM, "s3: out of memory");
    pthread_mutex_init(&u->mu, NULL);
    pthread_cond_init(&u->cv, NULL);
    u->s3 = s3;
    u->nth = s3->o.upload_threads;
    u->bucket = strdup(bucket);
    u->key = strdup(key);
    u->ctype = strdup(content_type ? content_type : "application/octet-stream");
    u->bufs = calloc((size_t)u->nth + 1, sizeof(*u->bufs));
    u->free_bufs = calloc((size_t)u->nth + 1, sizeof(*u->free_bufs));
    u->queue = calloc((size_t)u->nth, sizeof(*u->queue));
    u->th = calloc((size_t)u->nth, sizeof(*u->th));
    if (!u->bucket || !u->key || !u->ctype || !u->bufs || !u->free_bufs ||
        !u->queue || !u->th) {
        sl_s3_upload_abort(u);
        return sl_error_set(err, SL_ENOMEM, "s3: out of memory");
    }
    for (int i = 0; i <= u->nth; i++)
        sl_buf_init(&u->bufs[i], s3->o.part_size);
    u->cur = &u->bufs[0];
    for (int i = 1; i <= u->nth; i++)
        u->free_bufs[u->nfree++] = &u->bufs[i];
    *out = u;
    return 0;
}

/* ---- workers ---- */

static int upload_part(struct sl_s3_upload *u, struct sl_aws_http *http,
                       struct job *j, char **etag, struct sl_error *err)
{
    struct sl_s3 *s3 = u->s3;
    char no[16], md5[32];
    snprintf(no, sizeof(no), "%d", j->no);
    if (sl__s3_want_md5(s3))
        sl__s3_md5_base64(j->buf->data, j->buf->len, md5);
    struct sl_aws_kv h[MAX_HEADERS];
    size_t nh = sl__s3_object_headers(
        s3, NULL, sl__s3_want_md5(s3) ? md5 : NULL, false, h);
    struct sl_aws_kv q[2] = {{"partNumber", no}, {"uploadId", u->upload_id}};
    struct call c = {.s3 = s3,
                     .method = "PUT",
                     .bucket = u->bucket,
                     .key = u->key,
                     .query = q,
                     .nquery = 2,
                     .headers = h,
                     .nheaders = nh,
                     .body = j->buf->data,
                     .len = j->buf->len};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    int rc = sl__s3_call(http, &c, true, 0, &resp, err);
    if (!rc && resp.status / 100 != 2)
        rc = sl__s3_status_error(&c, &resp, err);
    if (!rc && !resp.etag[0])
        rc = sl_error_set(err, SL_ECORRUPT,
                          "s3: part %d of s3://%s/%s: no ETag in the answer",
                          j->no, u->bucket, u->key);
    if (!rc && !(*etag = strdup(resp.etag)))
        rc = sl_error_set(err, SL_ENOMEM, "s3: out of memory");
    sl_aws_http_resp_free(&resp);
    return rc;
}

static void *worker(void *arg)
{
    struct sl_s3_upload *u = arg;
    struct sl_aws_http *http = NULL;
    struct sl_error err;
    struct sl_aws_http_opts ho = {.ca_file = u->s3->o.aws.ca_file,
                                  .no_verify = !u->s3->o.aws.tls_verify,
                                  .timeout_ms = u->s3->o.request_timeout_ms};
    int hrc = sl_aws_http_create(&ho, &http, &err);
    pthread_mutex_lock(&u->mu);
    for (;;) {
        while (!u->qlen && !u->stop)
            pthread_cond_wait(&u->cv, &u->mu);
        if (!u->qlen)
            break;
        struct job j = u->queue[u->qhead];
        u->qhead = (u->qhead + 1) % u->nth;
        u->qlen--;
        u->active++;
        bool skip = u->fail_rc != 0;
        pthread_mutex_unlock(&u->mu);
        char *etag = NULL;
        int rc = hrc;
        if (!skip && !rc)
            rc = upload_part(u, http, &j, &etag, &err);
        pthread_mutex_lock(&u->mu);
        if (rc && !skip && !u->fail_rc) {
            u->fail_rc = rc;
            u->fail_err = err;
        }
        u->etags[j.no - 1] = etag;
        sl_buf_reset(j.buf);
        u->free_bufs[u->nfree++] = j.buf;
        u->active--;
        pthread_cond_broadcast(&u->cv);
    }
    pthread_mutex_unlock(&u->mu);
    sl_aws_http_destroy(http);
    return NULL;
}

static void stop_workers(struct sl_s3_upload *u)
{
    pthread_mutex_lock(&u->mu);
    u->stop = true;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
    for (int i = 0; i < u->started; i++)
        pthread_join(u->th[i], NULL);
    u->started = 0;
}

/* ---- the caller's side ---- */

static int create_mpu(struct sl_s3_upload *u, struct sl_error *err)
{
    struct sl_s3 *s3 = u->s3;
    struct sl_aws_kv h[MAX_HEADERS];
    size_t nh = sl__s3_object_headers(s3, u->ctype, NULL, true, h);
    struct sl_aws_kv q[1] = {{"uploads", NULL}};
    struct call c = {.s3 = s3,
                     .method = "POST",
                     .bucket = u->bucket,
                     .key = u->key,
                     .query = q,
                     .nquery = 1,
                     .headers = h,
                     .nheaders = nh};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    int rc = sl__s3_call(s3->http, &c, false, 0, &resp, err);
    if (!rc && resp.status / 100 != 2)
        rc = sl__s3_status_error(&c, &resp, err);
    struct sl_buf id;
    sl_buf_init(&id, 4096);
    size_t pos = 0;
    if (!rc && sl_aws_xml_next((char *)resp.body.data, resp.body.len, &pos,
                               "UploadId", &id))
        rc = sl_error_set(err, SL_ECORRUPT,
                          "s3: CreateMultipartUpload of s3://%s/%s: no "
                          "UploadId in the answer",
                          u->bucket, u->key);
    if (!rc)
        u->upload_id = (char *)id.data;
    else
        sl_buf_free(&id);
    sl_aws_http_resp_free(&resp);
    return rc;
}

static int submit(struct sl_s3_upload *u, struct sl_error *err)
{
    if (u->parts >= MAX_PARTS)
        return sl_error_set(err, SL_ELIMIT,
                            "s3: s3://%s/%s needs more than %d parts; raise "
                            "part_size",
                            u->bucket, u->key, MAX_PARTS);
    int rc = 0;
    if (!u->upload_id && (rc = create_mpu(u, err)))
        return rc;
    while (u->started < u->nth) {
        if (pthread_create(&u->th[u->started], NULL, worker, u))
            return sl_error_set(err, SL_ENOMEM,
                                "s3: cannot start an upload thread");
        u->started++;
    }
    pthread_mutex_lock(&u->mu);
    while ((u->nfree == 0 || u->qlen == u->nth) && !u->fail_rc)
        pthread_cond_wait(&u->cv, &u->mu);
    if (u->fail_rc) {
        rc = u->fail_rc;
        if (err)
            *err = u->fail_err;
    } else if (u->parts >= u->etags_cap) {
        int cap = u->etags_cap ? u->etags_cap * 2 : 16;
        char **e = realloc(u->etags, (size_t)cap * sizeof(*e));
        if (!e) {
            rc = sl_error_set(err, SL_ENOMEM, "s3: out of memory");
        } else {
            memset(e + u->etags_cap, 0,
                   (size_t)(cap - u->etags_cap) * sizeof(*e));
            u->etags = e;
            u->etags_cap = cap;
        }
    }
    if (!rc) {
        u->queue[(u->qhead + u->qlen) % u->nth] =
            (struct job){++u->parts, u->cur};
        u->qlen++;
        u->cur = u->free_bufs[--u->nfree];
        pthread_cond_broadcast(&u->cv);
    }
    pthread_mutex_unlock(&u->mu);
    return rc;
}

int sl_s3_upload_write(struct sl_s3_upload *u, const void *p, size_t n,
                       struct sl_error *err)
{
    const uint8_t *s = p;
    size_t ps = u->s3->o.part_size;
    while (n) {
        size_t take = ps - u->cur->len < n ? ps - u->cur->len : n;
        int rc = sl_buf_append(u->cur, s, take);
        if (rc)
            return sl_error_set(err, rc, "s3: out of memory for a part");
        s += take;
        n -= take;
        u->total += (int64_t)take;
        if (u->cur->len == ps && (rc = submit(u, err)))
            return rc;
    }
    return 0;
}

static int complete(struct sl_s3_upload *u, struct sl_error *err)
{
    struct sl_buf x;
    sl_buf_init(&x, (size_t)u->parts * 160 + 256);
    int rc = sl_buf_puts(&x, "<CompleteMultipartUpload>");
    for (int i = 0; !rc && i < u->parts; i++)
        rc = sl_buf_appendf(&x,
                            "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag>"
                            "</Part>",
                            i + 1, u->etags[i]);
    if (!rc)
        rc = sl_buf_puts(&x, "</CompleteMultipartUpload>");
    if (rc) {
        sl_buf_free(&x);
        return sl_error_set(err, rc, "s3: out of memory");
    }
    struct sl_aws_kv q[1] = {{"uploadId", u->upload_id}};
    struct sl_aws_kv h[1] = {{"Content-Type", "application/xml"}};
    struct call c = {.s3 = u->s3,
                     .method = "POST",
                     .bucket = u->bucket,
                     .key = u->key,
                     .query = q,
                     .nquery = 1,
                     .headers = h,
                     .nheaders = 1,
                     .body = x.data,
                     .len = x.len};
    struct sl_aws_http_resp resp;
    sl_aws_http_resp_init(&resp);
    rc = sl__s3_call(u->s3->http, &c, true, 0, &resp, err);
    /* S3 may answer 200 with an <Error> body once it started sending */
    if (!rc && (resp.status / 100 != 2 ||
                (resp.body.data &&
                 memmem(resp.body.data, resp.body.len, "<Error>", 7))))
        rc = sl__s3_status_error(&c, &resp, err);
    sl_aws_http_resp_free(&resp);
    sl_buf_free(&x);
    return rc;
}

static void upload_free(struct sl_s3_upload *u)
{
    for (int i = 0; u->bufs && i <= u->nth; i++)
        sl_buf_free(&u->bufs[i]);
    pthread_mutex_destroy(&u->mu);
    pthread_cond_destroy(&u->cv);
    for (int i = 0; u->etags && i < u->parts; i++)
        free(u->etags[i]);
    free(u->etags);
    free(u->bufs);
    free(u->free_bufs);
    free(u->queue);
    free(u->th);
    free(u->bucket);
    free(u->key);
    free(u->ctype);
    free(u->upload_id);
    free(u);
}

/* Wait for every queued part; the first failure, or 0. */
static int drain(struct sl_s3_upload *u, struct sl_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&u->mu);
    while ((u->qlen || u->active) && !u->fail_rc)
        pthread_cond_wait(&u->cv, &u->mu);
    if (u->fail_rc) {
        rc = u->fail_rc;
        if (err)
            *err = u->fail_err;
    }
    pthread_mutex_unlock(&u->mu);
    return rc;
}

int sl_s3_upload_seal(struct sl_s3_upload *u, struct sl_error *err)
{
    if (!u->upload_id || u->sealed)
        return 0;
    int rc = u->cur->len ? submit(u, err) : 0;
    if (!rc)
        rc = drain(u, err);
    stop_workers(u);
    for (int i = 0; i <= u->nth; i++)
        sl_buf_free(&u->bufs[i]);
    u->sealed = true;
    return rc;
}

int sl_s3_upload_finish(struct sl_s3_upload *u, int64_t *size,
                        struct sl_error *err)
{
    int rc = 0;
    if (!u->upload_id) {
        rc = sl_s3_put(u->s3, u->bucket, u->key, u->cur->data, u->cur->len,
                       u->ctype, err);
    } else {
        if (u->cur->len && !u->sealed)
            rc = submit(u, err);
        if (!rc)
            rc = drain(u, err);
        stop_workers(u);
        if (!rc)
            rc = complete(u, err);
        if (rc) {
            struct sl_error e2;
            if (sl__s3_abort_mpu(u->s3, u->s3->http, u->bucket, u->key,
                                 u->upload_id, &e2))
                sl_warn("%s", e2.msg);
        }
    }
    if (!rc && size)
        *size = u->total;
    upload_free(u);
    return rc;
}

void sl_s3_upload_abort(struct sl_s3_upload *u)
{
    if (!u)
        return;
    pthread_mutex_lock(&u->mu);
    if (!u->fail_rc)
        u->fail_rc = SL_EINTR; /* queued parts are skipped */
    pthread_mutex_unlock(&u->mu);
    stop_workers(u);
    if (u->upload_id) {
        struct sl_error e2;
        if (sl__s3_abort_mpu(u->s3, u->s3->http, u->bucket, u->key,
                             u->upload_id, &e2))
            sl_warn("%s", e2.msg);
    }
    upload_free(u);
}
