/*
 * test_credentials.c - the AWS credential chain (src/aws/credentials.c):
 * environment, shared files with profiles, region resolution, errors.
 * Providers that need endpoints (web identity, container, IMDS, AssumeRole)
 * are covered by tests/integration/test_aws_credentials.sh, which runs this
 * program with --chain against fake endpoints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/credentials.h"

static const char *vars[] = {"AWS_ACCESS_KEY_ID",
                             "AWS_SECRET_ACCESS_KEY",
                             "AWS_SESSION_TOKEN",
                             "AWS_PROFILE",
                             "AWS_SHARED_CREDENTIALS_FILE",
                             "AWS_CONFIG_FILE",
                             "AWS_WEB_IDENTITY_TOKEN_FILE",
                             "AWS_ROLE_ARN",
                             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                             "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                             "AWS_REGION",
                             "AWS_DEFAULT_REGION",
                             NULL};

static char dir[64];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    /* no instance metadata in unit tests: point it at a closed port */
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
    snprintf(dir, sizeof(dir), "/tmp/sl-creds-XXXXXX");
    assert_non_null(mkdtemp(dir));
    setenv("HOME", dir, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_env(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    struct sl_aws_config cfg = {.tls_verify = true};
    struct sl_aws_creds_provider *p;
    struct sl_error err;
    assert_int_equal(sl_aws_creds_provider_create(&cfg, &p, &err), 0);
    assert_string_equal(sl_aws_creds_source(p), "environment");
    struct sl_aws_creds c;
    assert_int_equal(sl_aws_creds_get(p, &c, &err), 0);
    assert_string_equal(c.access_key, "AKIAENV");
    assert_string_equal(c.secret_key, "envsecret");
    assert_string_equal(c.session_token, "envtoken");
    assert_int_equal(c.expires_ms, 0);
    sl_aws_creds_free(&c);
    sl_aws_creds_provider_destroy(p);
}

static void test_profiles(void **state)
{
    (void)state;
    assert_int_equal(system("mkdir -p $HOME/.aws"), 0);
    write_file(".aws/credentials", "# comment\n[default]\n"
                                   "aws_access_key_id = AKIADEF\n"
                                   "aws_secret_access_key=defsecret\n\n"
                                   "[dev]\naws_access_key_id=AKIADEV\n"
                                   "aws_secret_access_key = devsecret \n"
                                   "aws_session_token = devtoken\n");
    write_file(".aws/config", "[default]\nregion = eu-west-3\n"
                              "[profile dev]\nregion=ap-south-1\n"
                              "[profile cfgonly]\n"
                              "aws_access_key_id=AKIACFG\n"
                              "aws_secret_access_key=cfgsecret\n");
    struct sl_aws_config cfg = {.tls_verify = true};
    struct sl_aws_creds_provider *p;
    struct sl_aws_creds c;
    struct sl_error err;
    assert_int_equal(sl_aws_creds_provider_create(&cfg, &p, &err), 0);
    assert_string_equal(sl_aws_creds_source(p), "profile default");
    assert_int_equal(sl_aws_creds_get(p, &c, &err), 0);
    assert_string_equal(c.access_key, "AKIADEF");
    assert_string_equal(c.secret_key, "defsecret");
    assert_null(c.session_token);
    sl_aws_creds_free(&c);
    sl_aws_creds_provider_destroy(p);
    char *r = sl_aws_region_resolve(&cfg);
    assert_string_equal(r, "eu-west-3");
    free(r);

    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(sl_aws_creds_provider_create(&cfg, &p, &err), 0);
    assert_string_equal(sl_aws_creds_source(p), "profile dev");
    assert_int_equal(sl_aws_creds_get(p, &c, &err), 0);
    assert_string_equal(c.access_key, "AKIADEV");
    assert_string_equal(c.secret_key, "devsecret");
    assert_string_equal(c.session_token, "devtoken");
    sl_aws_creds_free(&c);
    sl_aws_creds_provider_destroy(p);
    r = sl_aws_region_resolve(&cfg);
    assert_string_equal(r, "ap-south-1");
    free(r);
    setenv("AWS_REGION", "us-west-2", 1);
    r = sl_aws_region_resolve(&cfg);
    assert_string_equal(r, "us-west-2");
    free(r);
    cfg.region = "eu-north-1";
    r = sl_aws_region_resolve(&cfg);
    assert_string_equal(r, "eu-north-1");
    free(r);
    cfg.region = NULL;

    /* the option wins over AWS_PROFILE; keys may live in the config file */
    cfg.profile = "cfgonly";
    assert_int_equal(sl_aws_creds_provider_create(&cfg, &p, &err), 0);
    assert_int_equal(sl_aws_creds_get(p, &c, &err), 0);
    assert_string_equal(c.access_key, "AKIACFG");
    sl_aws_creds_free(&c);
    sl_aws_creds_provider_destroy(p);

    /* a named profile that does not exist is an error, not a fallthrough */
    cfg.profile = "nope";
    p = (void *)1;
    assert_int_equal(sl_aws_creds_provider_create(&cfg, &p, &err), SL_EINVAL);
    assert_null(p);
    assert_string_equal(err.msg,
                        "aws: profile 'nope' has no aws_access_key_id and "
                        "aws_secret_access_key in the shared credentials or "
                        "config file (no such profile)");

    /* the environment comes before the files */
    cfg.profile = NULL;
    unsetenv("AWS_PROFILE");
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    assert_int_equal(sl_aws_creds_provider_create(&cfg, &p, &err), 0);
    assert_string_equal(sl_aws_creds_source(p), "environment");
    sl_aws_creds_provider_destroy(p);
}

static void test_nothing_found(void **state)
{
    (void)state;
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/c", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/f", 1);
    struct sl_aws_config cfg = {.tls_verify = true};
    struct sl_aws_creds_provider *p;
    struct sl_error err;
    assert_int_equal(sl_aws_creds_provider_create(&cfg, &p, &err),
                     SL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "aws: no credentials found (tried the "
                                    "environment, the shared"));
    char *r = sl_aws_region_resolve(&cfg);
    assert_string_equal(r, "us-east-1");
    free(r);
}

/* --chain [--role ARN] [--external-id ID] [--margin S] [--gets N]: resolve
 * the chain from the real environment and print where credentials came
 * from and the access key id of each get (never the secret parts). */
static int run_chain(int argc, char **argv)
{
    struct sl_aws_config cfg = {.tls_verify = true};
    int gets = 1;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--role") == 0)
            cfg.role_arn = argv[i + 1];
        else if (strcmp(argv[i], "--external-id") == 0)
            cfg.external_id = argv[i + 1];
        else if (strcmp(argv[i], "--session-name") == 0)
            cfg.role_session_name = argv[i + 1];
        else if (strcmp(argv[i], "--margin") == 0)
            cfg.refresh_margin_s = strtoll(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--gets") == 0)
            gets = (int)strtol(argv[i + 1], NULL, 10);
    }
    struct sl_aws_creds_provider *p;
    struct sl_error err;
    if (sl_aws_creds_provider_create(&cfg, &p, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    printf("source=%s\n", sl_aws_creds_source(p));
    for (int i = 0; i < gets; i++) {
        struct sl_aws_creds c;
        if (sl_aws_creds_get(p, &c, &err)) {
            fprintf(stderr, "error: %s\n", err.msg);
            sl_aws_creds_provider_destroy(p);
            return 1;
        }
        printf("access_key=%s token=%s expires=%s\n", c.access_key,
               c.session_token ? "yes" : "no", c.expires_ms ? "yes" : "no");
        sl_aws_creds_free(&c);
    }
    sl_aws_creds_provider_destroy(p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--chain") == 0)
        return run_chain(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_found, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
