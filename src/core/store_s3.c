/*
 * store_s3.c - the checkpoint blob store on S3 (see checkpoint.h; DESIGN.md
 * §2): `checkpoint: s3://bucket/prefix`.
 *
 * A key "offsets/12" is the object <prefix>/offsets/12. A put is one
 * PutObject, which S3 makes visible whole or not at all (and, since 2020,
 * read-after-write consistent), so the local store's temp-and-rename is
 * not needed. Listing a "folder" is ListObjectsV2 with delimiter '/': keys
 * and common prefixes directly under it. AWS settings come from the
 * environment and the shared files (region, AWS_ENDPOINT_URL_S3,
 * credentials chain), as the checkpoint location is a plain string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "checkpoint.h"

#define S3_MAX_LIST 10000000

struct s3_store {
    struct sl_store base;
    struct sl_s3 *s3;
    char *bucket, *root; /* root: prefix without trailing '/', may be "" */
};

static struct s3_store *s3st(struct sl_store *s)
{
    return (struct s3_store *)s;
}

/* "<root>/<key>" (or key when root is ""); caller frees. */
static char *full_key(struct s3_store *s, const char *key)
{
    char *k;
    if (asprintf(&k, "%s%s%s", s->root, s->root[0] ? "/" : "", key) < 0)
        return NULL;
    return k;
}

static int s3_put(struct sl_store *st, const char *key, const void *p, size_t n,
                  struct sl_error *err)
{
    char *k = full_key(s3st(st), key);
    if (!k)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_s3_put(s3st(st)->s3, s3st(st)->bucket, k, p, n,
                       "application/json", err);
    free(k);
    if (rc)
        sl_error_prefix(err, "checkpoint %s: ", st->location);
    return rc;
}

static int s3_get(struct sl_store *st, const char *key, struct sl_buf *out,
                  struct sl_error *err)
{
    char *k = full_key(s3st(st), key);
    if (!k)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    sl_buf_reset(out);
    int rc = sl_s3_get(s3st(st)->s3, s3st(st)->bucket, k, out, err);
    free(k);
    if (rc && rc != SL_ENOTFOUND)
        sl_error_prefix(err, "checkpoint %s: ", st->location);
    if (rc)
        out->len = 0;
    return rc;
}

struct list_ctx {
    struct sl_strlist *out;
    size_t skip, cap;
    struct sl_error *err;
};

static int list_cb(void *ctx, const char *key, int64_t size)
{
    struct list_ctx *lc = ctx;
    if (strlen(key) <= lc->skip)
        return 0;
    const char *name = key + lc->skip;
    size_t n = strlen(name);
    if (size < 0 && n && name[n - 1] == '/')
        n--; /* a common prefix: "N/" is the folder N */
    if (lc->out->n == lc->cap) {
        if (lc->cap >= S3_MAX_LIST)
            return sl_error_set(lc->err, SL_ELIMIT,
                                "checkpoint listing has more than %d entries",
                                S3_MAX_LIST);
        size_t ncap = lc->cap ? lc->cap * 2 : 16;
        char **nv = realloc(lc->out->v, ncap * sizeof *nv);
        if (!nv)
            return sl_error_set(lc->err, SL_ENOMEM, "out of memory");
        lc->out->v = nv;
        lc->cap = ncap;
    }
    if (!(lc->out->v[lc->out->n] = strndup(name, n)))
        return sl_error_set(lc->err, SL_ENOMEM, "out of memory");
    lc->out->n++;
    return 0;
}

static int s3_list(struct sl_store *st, const char *prefix,
                   struct sl_strlist *out, struct sl_error *err)
{
    struct s3_store *s = s3st(st);
    out->n = 0;
    out->v = NULL;
    /* "<root>/<prefix>" with exactly one '/' at the end (or "" at the top
     * of a bucket) */
    char *p;
    size_t pl = strlen(prefix);
    while (pl && prefix[pl - 1] == '/')
        pl--;
    if (asprintf(&p, "%s%s%.*s%s", s->root, s->root[0] && pl ? "/" : "",
                 (int)pl, prefix, (s->root[0] || pl) ? "/" : "") < 0)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    struct list_ctx lc = {.out = out, .skip = strlen(p), .err = err};
    int rc = sl_s3_list(s->s3, s->bucket, p, "/", 0, list_cb, &lc, err);
    free(p);
    if (rc) {
        sl_strlist_free(out);
        sl_error_prefix(err, "checkpoint %s: ", st->location);
    }
    return rc;
}

static int s3_del(struct sl_store *st, const char *key, struct sl_error *err)
{
    char *k = full_key(s3st(st), key);
    if (!k)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_s3_delete(s3st(st)->s3, s3st(st)->bucket, k, err);
    free(k);
    return rc;
}

struct all_ctx {
    struct sl_strlist keys;
    size_t cap;
    struct sl_error *err;
};

static int all_cb(void *ctx, const char *key, int64_t size)
{
    struct all_ctx *a = ctx;
    if (a->keys.n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 64;
        if (ncap > S3_MAX_LIST)
            return sl_error_set(a->err, SL_ELIMIT, "too many keys");
        char **nv = realloc(a->keys.v, ncap * sizeof *nv);
        if (!nv)
            return sl_error_set(a->err, SL_ENOMEM, "out of memory");
        a->keys.v = nv;
        a->cap = ncap;
    }
    if (!(a->keys.v[a->keys.n] = strdup(key)))
        return sl_error_set(a->err, SL_ENOMEM, "out of memory");
    a->keys.n++;
    return 0;
}

static int s3_destroy(struct sl_store *st, struct sl_error *err)
{
    struct s3_store *s = s3st(st);
    char *p, *meta = full_key(s, "metadata");
    if (!meta || asprintf(&p, "%s%s", s->root, s->root[0] ? "/" : "") < 0) {
        free(meta);
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    struct all_ctx a = {.err = err};
    int rc = sl_s3_list(s->s3, s->bucket, p, NULL, 0, all_cb, &a, err);
    for (size_t k = 0; !rc && k < a.keys.n; k++)
        if (strcmp(a.keys.v[k], meta) != 0)
            rc = sl_s3_delete(s->s3, s->bucket, a.keys.v[k], err);
    if (!rc)
        rc = sl_s3_delete(s->s3, s->bucket, meta, err);
    sl_strlist_free(&a.keys);
    free(p);
    free(meta);
    if (rc)
        sl_error_prefix(err, "checkpoint %s: ", st->location);
    return rc;
}

static void s3_close(struct sl_store *st)
{
    struct s3_store *s = s3st(st);
    sl_s3_destroy(s->s3);
    free(s->bucket);
    free(s->root);
    free(st->location);
    free(s);
}

static const struct sl_store_ops s3_ops = {
    .scheme = "s3",
    .put = s3_put,
    .get = s3_get,
    .list = s3_list,
    .del = s3_del,
    .destroy = s3_destroy,
    .close = s3_close,
};

int sl_store_s3_open(const char *location, struct sl_store **out,
                     struct sl_error *err)
{
    *out = NULL;
    struct s3_store *s = calloc(1, sizeof *s);
    if (!s)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    s->base.ops = &s3_ops;
    s->base.location = strdup(location);
    int rc = s->base.location ? 0 : SL_ENOMEM;
    if (!rc)
        rc = sl_s3_parse_uri(location, &s->bucket, &s->root, err);
    struct sl_s3_opts o = {.aws = {.tls_verify = true}};
    if (!rc)
        rc = sl_s3_create(&o, &s->s3, err);
    if (rc) {
        if (rc == SL_ENOMEM)
            sl_error_set(err, rc, "out of memory");
        sl_error_prefix(err, "checkpoint %s: ", location);
        s3_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}
