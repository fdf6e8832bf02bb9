/*
 * test_msk_iam.c - MSK IAM OAUTHBEARER tokens (src/aws/msk_iam.c): the
 * token decodes (base64url, no padding) to the presigned
 * kafka-cluster:Connect URL with every parameter the AWS MSK IAM signer
 * libraries put there, and the signature equals botocore's for the same
 * credentials, time and region (values computed with botocore's
 * SigV4QueryAuth). The lifetime ends 900 s after signing, or when the
 * credentials expire. `--token REGION AK SK TOKEN|- TIME` prints a token
 * and its expiry for tests/aws/msk_token_check.py (random cases against
 * botocore, run by tests/integration/test_msk_iam.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "aws/msk_iam.h"

#define AK "AKIDEXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T0 1795600000 /* 2026-11-25T09:46:40Z */

/* base64url without padding -> text */
static char *decode(const char *tok)
{
    size_t n = strlen(tok);
    char *std = calloc(1, n + 4);
    for (size_t i = 0; i < n; i++)
        std[i] = tok[i] == '-' ? '+' : tok[i] == '_' ? '/' : tok[i];
    while (n % 4)
        std[n++] = '=';
    unsigned char *out = calloc(1, n);
    int len = EVP_DecodeBlock(out, (unsigned char *)std, (int)n);
    assert_true(len > 0);
    /* EVP_DecodeBlock counts the padding bytes as zeros */
    while (len > 0 && out[len - 1] == '\0')
        len--;
    out[len] = '\0';
    free(std);
    return (char *)out;
}

static char *make(const char *region, const char *token, int64_t cred_exp,
                  int64_t *exp)
{
    struct sl_aws_creds c = {.access_key = AK,
                             .secret_key = SK,
                             .session_token = (char *)token,
                             .expires_ms = cred_exp};
    struct sl_buf b;
    sl_buf_init(&b, 1u << 16);
    struct sl_error err;
    assert_int_equal(
        sl_aws_msk_token(&c, region, T0, "sluice/1.2.3", &b, exp, &err), 0);
    for (size_t i = 0; i < b.len; i++)
        assert_true(b.data[i] != '=' && b.data[i] != '+' && b.data[i] != '/');
    char *url = decode((char *)b.data);
    sl_buf_free(&b);
    return url;
}

static void test_token_with_session(void **state)
{
    (void)state;
    int64_t exp = 0;
    char *url = make("us-east-1", "FQoGZXIvYXdzEXAMPLE", 0, &exp);
    /* our parameter order: the canonical (sorted) one, signature last,
     * then the User-Agent appended after signing */
    assert_string_equal(
        url, "https://kafka.us-east-1.amazonaws.com/?"
             "Action=kafka-cluster%3AConnect"
             "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKIDEXAMPLE%2F20261125%2Fus-east-1%2F"
             "kafka-cluster%2Faws4_request"
             "&X-Amz-Date=20261125T094640Z&X-Amz-Expires=900"
             "&X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE"
             "&X-Amz-SignedHeaders=host"
             "&X-Amz-Signature=3975bcda0272c582f854a2817b49ec5ca578273939b2c0"
             "5c7a96e19d33a5e939"
             "&User-Agent=sluice%2F1.2.3");
    assert_int_equal(exp, (int64_t)(T0 + 900) * 1000);
    free(url);
}

static void test_token_long_term_keys(void **state)
{
    (void)state;
    int64_t exp = 0;
    char *url = make("eu-west-1", NULL, 0, &exp);
    assert_non_null(strstr(url, "https://kafka.eu-west-1.amazonaws.com/?"));
    assert_null(strstr(url, "X-Amz-Security-Token"));
    assert_non_null(strstr(url, "&X-Amz-Signature=b28ee7cad70f0a997ef445a2cb2"
                                "475ce4de858c746b2f66299bf9c576f1bc40f&"));
    free(url);
    /* credentials that expire before the 900 s end the token's lifetime */
    url = make("eu-west-1", "tok", (int64_t)(T0 + 60) * 1000, &exp);
    assert_int_equal(exp, (int64_t)(T0 + 60) * 1000);
    free(url);
    url = make("eu-west-1", "tok", (int64_t)(T0 + 3600) * 1000, &exp);
    assert_int_equal(exp, (int64_t)(T0 + 900) * 1000);
    free(url);
}

static void test_bad_region(void **state)
{
    (void)state;
    struct sl_aws_creds c = {.access_key = AK, .secret_key = SK};
    struct sl_buf b;
    sl_buf_init(&b, 1u << 16);
    int64_t exp;
    struct sl_error err;
    assert_int_equal(sl_aws_msk_token(&c, "", T0, "ua", &b, &exp, &err),
                     SL_EINVAL);
    assert_non_null(strstr(err.msg, "msk iam: bad region"));
    sl_buf_free(&b);
}

static int print_token(char **a)
{
    struct sl_aws_creds c = {.access_key = a[1],
                             .secret_key = a[2],
                             .session_token =
                                 strcmp(a[3], "-") == 0 ? NULL : a[3]};
    struct sl_buf b;
    sl_buf_init(&b, 1u << 16);
    int64_t exp = 0;
    struct sl_error err;
    if (sl_aws_msk_token(&c, a[0], strtoll(a[4], NULL, 10), SL_MSK_USER_AGENT,
                         &b, &exp, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("%s %lld\n", (char *)b.data, (long long)exp);
    sl_buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "--token") == 0)
        return print_token(argv + 2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_with_session),
        cmocka_unit_test(test_token_long_term_keys),
        cmocka_unit_test(test_bad_region),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
