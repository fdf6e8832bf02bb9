/*
 * test_json_api.c - the AWS JSON 1.1 client (src/aws/json_api.c): error
 * bodies to type and message, endpoint resolution (option, the service's
 * variable, AWS_ENDPOINT_URL, the regional default) and bad endpoints.
 * Requests themselves are checked against a botocore-verifying endpoint in
 * tests/integration/test_glue_registry.sh and test_kafka_secrets.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/json_api.h"

static void parse(const char *body, const char *type, const char *msg)
{
    char t[64], m[128];
    sl_aws_json_error_parse(body, body ? strlen(body) : 0, t, sizeof t, m,
                            sizeof m);
    assert_string_equal(t, type);
    assert_string_equal(m, msg);
}

static void test_error_parse(void **state)
{
    (void)state;
    parse("{\"__type\":\"EntityNotFoundException\",\"Message\":\"Schema "
          "version is not found.\"}",
          "EntityNotFoundException", "Schema version is not found.");
    parse("{\"__type\":\"com.amazonaws.glue#AccessDeniedException:http://"
          "internal.amazon.com/\",\"message\":\"no\"}",
          "AccessDeniedException", "no");
    parse("{\"code\":\"ThrottlingException\"}", "ThrottlingException", "");
    parse("not json at all {", "", "");
    parse("", "", "");
    parse(NULL, "", "");
}

static struct sl_aws_json *make(const char *endpoint, const char *region,
                                int want_rc)
{
    struct sl_aws_json_opts o = {.aws = {.region = (char *)region,
                                         .endpoint_url = (char *)endpoint,
                                         .tls_verify = true},
                                 .service = "glue",
                                 .host_prefix = "glue",
                                 .endpoint_env = "AWS_ENDPOINT_URL_GLUE",
                                 .what = "Glue"};
    struct sl_aws_json *c = NULL;
    struct sl_error err;
    sl_error_clear(&err);
    int rc = sl_aws_json_create(&o, &c, &err);
    assert_int_equal(rc, want_rc);
    if (rc)
        assert_non_null(strstr(err.msg, "Glue: endpoint"));
    return c;
}

static void test_endpoint(void **state)
{
    (void)state;
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_GLUE");
    struct sl_aws_json *c = make(NULL, "eu-west-1", 0);
    assert_string_equal(sl_aws_json_endpoint(c),
                        "https://glue.eu-west-1.amazonaws.com");
    assert_string_equal(sl_aws_json_error_type(c), "");
    sl_aws_json_destroy(c);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
    c = make(NULL, "eu-west-1", 0);
    assert_string_equal(sl_aws_json_endpoint(c), "http://127.0.0.1:1");
    sl_aws_json_destroy(c);
    setenv("AWS_ENDPOINT_URL_GLUE", "http://glue.local:2/", 1);
    c = make(NULL, "eu-west-1", 0);
    assert_string_equal(sl_aws_json_endpoint(c), "http://glue.local:2");
    sl_aws_json_destroy(c);
    c = make("https://vpce-1.glue.eu-west-1.vpce.amazonaws.com", NULL, 0);
    assert_string_equal(sl_aws_json_endpoint(c),
                        "https://vpce-1.glue.eu-west-1.vpce.amazonaws.com");
    sl_aws_json_destroy(c);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_GLUE");
    assert_null(make("ftp://x", NULL, SL_EINVAL));
    assert_null(make("http://h:1/some/path", NULL, SL_EINVAL));
    sl_aws_json_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_parse),
        cmocka_unit_test(test_endpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
