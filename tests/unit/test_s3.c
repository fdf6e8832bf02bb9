/*
 * test_s3.c - the S3 client (src/aws/s3.c, s3_upload.c): location parsing
 * and option checks here; requests against a real peer through the
 * command mode below, run by tests/integration/test_s3_client.sh against
 * s3rver with boto3 as the independent reader.
 *
 *   test_s3 [--endpoint URL] [--sse X] [--kms-key-id K] [--storage-class C]
 *           [--part-size BYTES] [--threads N] [--checksum md5|none]
 *           put|get|delete|list|upload|abort-uploads|abort-stale ARGS...
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/s3.h"

static void test_parse_uri(void **state)
{
    (void)state;
    char *b, *p;
    struct sl_error err;
    assert_int_equal(sl_s3_parse_uri("s3://bkt/a/b/", &b, &p, &err), 0);
    assert_string_equal(b, "bkt");
    assert_string_equal(p, "a/b");
    free(b);
    free(p);
    assert_int_equal(sl_s3_parse_uri("s3://bkt", &b, &p, &err), 0);
    assert_string_equal(b, "bkt");
    assert_string_equal(p, "");
    free(b);
    free(p);
    assert_int_equal(sl_s3_parse_uri("s3:///x", &b, &p, &err), SL_EINVAL);
    assert_null(b);
    assert_string_equal(err.msg, "'s3:///x': the bucket name is empty or "
                                 "longer than 63 characters");
    assert_int_equal(sl_s3_parse_uri("/tmp/x", &b, &p, &err), SL_EINVAL);
    assert_string_equal(err.msg,
                        "'/tmp/x' is not an s3://bucket/prefix location");
}

static void test_bad_options(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIA", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    struct sl_s3_opts o = {.aws = {.tls_verify = true}, .sse = "DES"};
    struct sl_s3 *s3 = (void *)1;
    struct sl_error err;
    assert_int_equal(sl_s3_create(&o, &s3, &err), SL_EINVAL);
    assert_null(s3);
    assert_string_equal(err.msg, "s3: sse must be AES256 or aws:kms, not "
                                 "'DES'");
    o.sse = NULL;
    o.part_size = 1000;
    assert_int_equal(sl_s3_create(&o, &s3, &err), SL_EINVAL);
    assert_string_equal(err.msg,
                        "s3: part_size 1000 is below S3's minimum of 5 MiB");
    o.part_size = 0;
    o.aws.endpoint_url = "ftp://x";
    assert_int_equal(sl_s3_create(&o, &s3, &err), SL_EINVAL);
    assert_string_equal(
        err.msg, "s3: endpoint_url 'ftp://x' must be http(s)://host[:port]");
    o.aws.endpoint_url = "http://127.0.0.1:9";
    assert_int_equal(sl_s3_create(&o, &s3, &err), 0);
    sl_s3_destroy(s3);
}

/* ---- command mode ---- */

static int list_cb(void *ctx, const char *key, int64_t size)
{
    (void)ctx;
    printf("%s %lld\n", key, (long long)size);
    return 0;
}

static int cmd(int argc, char **argv)
{
    struct sl_s3_opts o = {.aws = {.tls_verify = true}};
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        const char *k = argv[i] + 2, *v = argv[i + 1];
        if (strcmp(k, "endpoint") == 0)
            o.aws.endpoint_url = (char *)v;
        else if (strcmp(k, "sse") == 0)
            o.sse = (char *)v;
        else if (strcmp(k, "kms-key-id") == 0)
            o.kms_key_id = (char *)v;
        else if (strcmp(k, "storage-class") == 0)
            o.storage_class = (char *)v;
        else if (strcmp(k, "part-size") == 0)
            o.part_size = strtoull(v, NULL, 10);
        else if (strcmp(k, "threads") == 0)
            o.upload_threads = (int)strtol(v, NULL, 10);
        else if (strcmp(k, "checksum") == 0)
            o.checksum = (char *)v;
        else if (strcmp(k, "ca-file") == 0)
            o.aws.ca_file = (char *)v;
    }
    if (i + 2 > argc) {
        fprintf(stderr, "usage: see test_s3.c\n");
        return 2;
    }
    const char *op = argv[i], *bucket = argv[i + 1];
    const char *a1 = i + 2 < argc ? argv[i + 2] : "";
    const char *a2 = i + 3 < argc ? argv[i + 3] : NULL;
    struct sl_s3 *s3;
    struct sl_error err;
    int rc = sl_s3_create(&o, &s3, &err);
    struct sl_buf b;
    sl_buf_init(&b, 1u << 30);
    if (rc)
        goto out;
    if (strcmp(op, "put") == 0 || strcmp(op, "upload") == 0) {
        FILE *fp = fopen(a2, "rb");
        if (!fp) {
            perror(a2);
            return 2;
        }
        if (strcmp(op, "put") == 0) {
            char tmp[65536];
            size_t n;
            while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
                sl_buf_append(&b, tmp, n);
            rc = sl_s3_put(s3, bucket, a1, b.data, b.len, "text/plain", &err);
        } else {
            struct sl_s3_upload *u;
            rc = sl_s3_upload_open(s3, bucket, a1, "application/x-ndjson", &u,
                                   &err);
            /* odd-sized writes so parts never line up with them */
            static char tmp[100003];
            size_t n;
            while (!rc && (n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
                rc = sl_s3_upload_write(u, tmp, n, &err);
            int64_t size = 0;
            if (rc)
                sl_s3_upload_abort(u);
            else
                rc = sl_s3_upload_finish(u, &size, &err);
            if (!rc)
                printf("uploaded %lld\n", (long long)size);
        }
        fclose(fp);
    } else if (strcmp(op, "get") == 0) {
        rc = sl_s3_get(s3, bucket, a1, &b, &err);
        if (!rc)
            fwrite(b.data, 1, b.len, stdout);
    } else if (strcmp(op, "delete") == 0) {
        rc = sl_s3_delete(s3, bucket, a1, &err);
    } else if (strcmp(op, "list") == 0) {
        const char *max = i + 4 < argc ? argv[i + 4] : "0";
        rc = sl_s3_list(s3, bucket, a1, a2 && a2[0] ? a2 : NULL,
                        (int)strtol(max, NULL, 10), list_cb, NULL, &err);
    } else if (strcmp(op, "abort-stale") == 0) {
        /* abort-stale BUCKET PREFIX MATCH[,MATCH...] MIN_AGE_MS */
        const char *age = i + 4 < argc ? argv[i + 4] : "0";
        char mb[512];
        snprintf(mb, sizeof mb, "%s", a2 ? a2 : "");
        const char *match[8];
        size_t nm = 0;
        for (char *sv = NULL, *t = strtok_r(mb, ",", &sv); t && nm < 8;
             t = strtok_r(NULL, ",", &sv))
            match[nm++] = t;
        int n = 0;
        rc = sl_s3_abort_stale_uploads(s3, bucket, a1, match, nm,
                                       strtoll(age, NULL, 10), &n, &err);
        if (!rc)
            printf("aborted %d\n", n);
    } else if (strcmp(op, "abort-uploads") == 0) {
        int n = 0;
        rc = sl_s3_abort_uploads(s3, bucket, a1, NULL, &n, &err);
        if (!rc)
            printf("aborted %d\n", n);
    }
    int64_t reqs;
    sl_s3_stats(s3, &reqs, NULL);
    fprintf(stderr, "requests %lld\n", (long long)reqs);
    sl_s3_destroy(s3);
out:
    sl_buf_free(&b);
    if (rc) {
        fprintf(stderr, "error: %s\n", err.msg);
        return rc == SL_ENOTFOUND ? 3 : 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return cmd(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_uri),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
