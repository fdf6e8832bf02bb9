/*
 * test_services.c - the parts of src/aws/services.c that need no endpoint:
 * fields of Glue-style JSON secrets ({"username", "password"}), and plain
 * secrets that are not JSON. The calls themselves run against a
 * botocore-verifying endpoint in the integration tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "aws/services.h"

static int field(const char *secret, const char *key, struct sl_buf *out)
{
    return sl_aws_secret_field(secret, strlen(secret), key, out);
}

static void test_secret_field(void **state)
{
    (void)state;
    struct sl_buf b;
    sl_buf_init(&b, 4096);
    const char *s = "{\"username\": \"alice\", \"password\": \"p@ss:w\\\"rd\"}";
    assert_int_equal(field(s, "password", &b), 0);
    assert_string_equal((char *)b.data, "p@ss:w\"rd");
    assert_int_equal(field(s, "username", &b), 0);
    assert_string_equal((char *)b.data, "alice");
    assert_int_equal(field(s, "token", &b), SL_ENOTFOUND);
    /* a plain secret, even one that YAML would read as a map */
    assert_int_equal(field("plain: secret", "plain", &b), SL_ENOTFOUND);
    assert_int_equal(field("hunter2", "password", &b), SL_ENOTFOUND);
    assert_int_equal(field("{not json", "password", &b), SL_ENOTFOUND);
    assert_int_equal(field("  {\"password\": {\"x\": 1}}", "password", &b),
                     SL_ENOTFOUND);
    sl_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
