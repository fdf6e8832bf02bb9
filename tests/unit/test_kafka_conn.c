/*
 * test_kafka_conn.c - Kafka connections (src/kafka/conn.c): every
 * authentication method maps to the exact librdkafka properties, secrets
 * come from *_file keys and from AWS Secrets Manager (*_secret keys,
 * against tests/aws/fake_json_api.py, which checks every request's SigV4
 * signature with botocore) and never show in messages, MSK IAM carries
 * its region and credential settings to the token refresher, and wrong
 * combinations are refused with the connection's name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <librdkafka/rdkafka.h>

#include "kafka/conn.h"

/* Parse `yaml` (a job-like document with `connections:`), map connection
 * `name`, and compare the properties with `want` ("k=v" lines, in order). */
static void expect_props(const char *yaml, const char *name, const char *want)
{
    struct sl_conf *root;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "t.yaml", &root, &err), 0);
    struct sl_kafka_conn c;
    int rc =
        sl_kafka_conn_parse(sl_conf_get(root, "connections"), name, &c, &err);
    if (rc)
        fail_msg("%s", err.msg);
    struct sl_kafka_props p;
    rc = sl_kafka_conn_props(&c, &p, &err);
    if (rc)
        fail_msg("%s", err.msg);
    char got[2048];
    size_t n = 0;
    got[0] = '\0';
    for (size_t i = 0; i < p.n; i++)
        n += (size_t)snprintf(got + n, sizeof got - n, "%s=%s\n", p.v[i].name,
                              p.v[i].value);
    assert_string_equal(got, want);
    sl_kafka_props_free(&p);
    sl_kafka_conn_free(&c);
    sl_conf_free(root);
}

static int expect_error(const char *yaml, const char *name, const char *part)
{
    struct sl_conf *root;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "t.yaml", &root, &err), 0);
    struct sl_kafka_conn c;
    int rc =
        sl_kafka_conn_parse(sl_conf_get(root, "connections"), name, &c, &err);
    if (!rc) {
        struct sl_kafka_props p;
        rc = sl_kafka_conn_props(&c, &p, &err);
        if (!rc)
            sl_kafka_props_free(&p);
        sl_kafka_conn_free(&c);
    }
    if (!strstr(err.msg, part))
        fail_msg("message '%s' lacks '%s'", err.msg, part);
    assert_null(strstr(err.msg, "s3cr3t"));
    assert_null(strstr(err.msg, "Pl4in-pw"));
    assert_null(strstr(err.msg, "Scr4m-pw"));
    assert_null(strstr(err.msg, "kconn/Secret"));
    sl_conf_free(root);
    return rc;
}

static void test_plaintext(void **state)
{
    (void)state;
    expect_props("connections:\n  k:\n    bootstrap_servers: a:9092,b:9092\n",
                 "k",
                 "bootstrap.servers=a:9092,b:9092\n"
                 "security.protocol=plaintext\n");
}

static void test_ssl_ca_and_client_cert(void **state)
{
    (void)state;
    expect_props("connections:\n  k:\n    bootstrap_servers: h:9094\n"
                 "    security_protocol: SSL\n"
                 "    ssl:\n      ca_file: /c/ca.pem\n"
                 "      cert_file: /c/me.pem\n      key_file: /c/me.key\n"
                 "      key_password: s3cr3t\n",
                 "k",
                 "bootstrap.servers=h:9094\n"
                 "security.protocol=ssl\n"
                 "ssl.ca.location=/c/ca.pem\n"
                 "ssl.certificate.location=/c/me.pem\n"
                 "ssl.key.location=/c/me.key\n"
                 "enable.ssl.certificate.verification=true\n"
                 "ssl.endpoint.identification.algorithm=https\n"
                 "ssl.key.password=s3cr3t\n");
}

static void test_ssl_keystore_from_file(void **state)
{
    (void)state;
    char path[] = "/tmp/sl-kconn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "p12pass\n", 8), 8);
    close(fd);
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "connections:\n  k:\n    bootstrap_servers: h:9094\n"
             "    security_protocol: SSL\n"
             "    ssl:\n      keystore: /c/me.p12\n"
             "      keystore_password_file: %s\n      verify: false\n"
             "      endpoint_identification: false\n",
             path);
    expect_props(yaml, "k",
                 "bootstrap.servers=h:9094\n"
                 "security.protocol=ssl\n"
                 "ssl.keystore.location=/c/me.p12\n"
                 "enable.ssl.certificate.verification=false\n"
                 "ssl.endpoint.identification.algorithm=none\n"
                 "ssl.keystore.password=p12pass\n");
    unlink(path);
}

static void test_sasl_plain_and_scram(void **state)
{
    (void)state;
    expect_props(
        "connections:\n  k:\n    bootstrap_servers: h:9096\n"
        "    security_protocol: SASL_SSL\n"
        "    ssl: {ca_file: /ca.pem}\n"
        "    sasl: {mechanism: PLAIN, username: u, password: s3cr3t}\n",
        "k",
        "bootstrap.servers=h:9096\n"
        "security.protocol=sasl_ssl\n"
        "ssl.ca.location=/ca.pem\n"
        "enable.ssl.certificate.verification=true\n"
        "ssl.endpoint.identification.algorithm=https\n"
        "sasl.mechanisms=PLAIN\n"
        "sasl.username=u\n"
        "sasl.password=s3cr3t\n");
    expect_props("connections:\n  k:\n    bootstrap_servers: h:9096\n"
                 "    security_protocol: SASL_PLAINTEXT\n"
                 "    sasl: {mechanism: SCRAM-SHA-256, username: u, "
                 "password: pw}\n",
                 "k",
                 "bootstrap.servers=h:9096\n"
                 "security.protocol=sasl_plaintext\n"
                 "sasl.mechanisms=SCRAM-SHA-256\n"
                 "sasl.username=u\n"
                 "sasl.password=pw\n");
    expect_props("connections:\n  k:\n    bootstrap_servers: h:9096\n"
                 "    security_protocol: SASL_SSL\n"
                 "    sasl: {mechanism: SCRAM-SHA-512, username: u, "
                 "password: pw}\n",
                 "k",
                 "bootstrap.servers=h:9096\n"
                 "security.protocol=sasl_ssl\n"
                 "enable.ssl.certificate.verification=true\n"
                 "ssl.endpoint.identification.algorithm=https\n"
                 "sasl.mechanisms=SCRAM-SHA-512\n"
                 "sasl.username=u\n"
                 "sasl.password=pw\n");
}

static void test_gssapi(void **state)
{
    (void)state;
    struct sl_conf *root;
    const char *y = "connections:\n  k:\n    bootstrap_servers: h:9092\n"
                    "    security_protocol: SASL_PLAINTEXT\n"
                    "    sasl:\n      mechanism: GSSAPI\n"
                    "      principal: etl@EXAMPLE.COM\n"
                    "      keytab: /etc/etl.keytab\n"
                    "      krb5_conf: /etc/krb5-etl.conf\n";
    expect_props(y, "k",
                 "bootstrap.servers=h:9092\n"
                 "security.protocol=sasl_plaintext\n"
                 "sasl.mechanisms=GSSAPI\n"
                 "sasl.kerberos.service.name=kafka\n"
                 "sasl.kerberos.principal=etl@EXAMPLE.COM\n"
                 "sasl.kerberos.keytab=/etc/etl.keytab\n");
    assert_int_equal(sl_conf_load_string(y, strlen(y), "t", &root, NULL), 0);
    struct sl_kafka_conn c;
    struct sl_kafka_props p;
    assert_int_equal(
        sl_kafka_conn_parse(sl_conf_get(root, "connections"), "k", &c, NULL),
        0);
    assert_int_equal(sl_kafka_conn_props(&c, &p, NULL), 0);
    assert_string_equal(p.krb5_config, "/etc/krb5-etl.conf");
    assert_false(p.msk_iam);
    sl_kafka_props_free(&p);
    sl_kafka_conn_free(&c);
    sl_conf_free(root);
}

static void test_msk_iam(void **state)
{
    (void)state;
    const char *y = "connections:\n  msk:\n    bootstrap_servers: "
                    "b-1.etl.ab12cd.c2.kafka.eu-west-1.amazonaws.com:9098\n"
                    "    security_protocol: SASL_SSL\n"
                    "    sasl: {mechanism: AWS_MSK_IAM}\n";
    expect_props(y, "msk",
                 "bootstrap.servers=b-1.etl.ab12cd.c2.kafka.eu-west-1."
                 "amazonaws.com:9098\n"
                 "security.protocol=sasl_ssl\n"
                 "enable.ssl.certificate.verification=true\n"
                 "ssl.endpoint.identification.algorithm=https\n"
                 "sasl.mechanisms=OAUTHBEARER\n"
                 "sasl.oauthbearer.config=region=eu-west-1\n");
    expect_props("connections:\n  msk:\n    bootstrap_servers: 10.0.0.1:9098\n"
                 "    security_protocol: SASL_SSL\n"
                 "    sasl: {mechanism: AWS_MSK_IAM, region: us-east-2}\n"
                 "    aws: {profile: etl, role_arn: "
                 "'arn:aws:iam::111122223333:role/msk', external_id: x7}\n",
                 "msk",
                 "bootstrap.servers=10.0.0.1:9098\n"
                 "security.protocol=sasl_ssl\n"
                 "enable.ssl.certificate.verification=true\n"
                 "ssl.endpoint.identification.algorithm=https\n"
                 "sasl.mechanisms=OAUTHBEARER\n"
                 "sasl.oauthbearer.config=region=us-east-2 profile=etl "
                 "role_arn=arn:aws:iam::111122223333:role/msk "
                 "external_id=x7\n");
    /* the configuration builds, with the token refresher installed */
    const char *j = "connections:\n  msk:\n    bootstrap_servers: "
                    "127.0.0.1:1\n    security_protocol: SASL_SSL\n"
                    "    sasl: {mechanism: AWS_MSK_IAM, region: eu-west-1}\n";
    struct sl_conf *root;
    struct sl_error err;
    assert_int_equal(sl_conf_load_string(j, strlen(j), "t.yaml", &root, &err),
                     0);
    void *conf = NULL;
    assert_int_equal(sl_kafka_conf_build(sl_conf_get(root, "connections"),
                                         "msk", NULL, NULL, "kafka source",
                                         &conf, &err),
                     0);
    char v[256];
    size_t vn = sizeof v;
    assert_int_equal(rd_kafka_conf_get(conf, "sasl.mechanisms", v, &vn),
                     RD_KAFKA_CONF_OK);
    assert_string_equal(v, "OAUTHBEARER");
    vn = sizeof v;
    assert_int_equal(rd_kafka_conf_get(conf, "sasl.oauthbearer.config", v, &vn),
                     RD_KAFKA_CONF_OK);
    assert_string_equal(v, "region=eu-west-1");
    rd_kafka_conf_destroy(conf);
    sl_conf_free(root);
    expect_error("connections:\n  msk:\n    bootstrap_servers: 10.0.0.1:9098\n"
                 "    security_protocol: SASL_SSL\n"
                 "    sasl: {mechanism: AWS_MSK_IAM}\n",
                 "msk", "sasl.region");
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    ssl: {ca_file: /x}\n",
                 "k", "security_protocol is PLAINTEXT");
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: SASL_SSL\n",
                 "k", "needs a `sasl:` map");
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: SASL_SSL\n"
                 "    sasl: {mechanism: PLAIN, password: s3cr3t}\n",
                 "k", "needs sasl.username");
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: SSL\n"
                 "    ssl: {cert_file: /a}\n",
                 "k", "go together");
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: SASL_PLAINTEXT\n"
                 "    sasl: {mechanism: AWS_MSK_IAM}\n",
                 "k", "needs security_protocol SASL_SSL");
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: SASL_PLAINTEXT\n"
                 "    sasl: {mechanism: PLAIN, username: u, password_file: "
                 "/nonexistent/pw-file}\n",
                 "k", "sasl.password_file");
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n", "nope",
                 "connection 'nope' is not defined");
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: TLS\n",
                 "k", "security_protocol");
}

/* ---- Secrets Manager (fake endpoint) ---- */

static char state_dir[64];
static pid_t fake = -1;
static char fake_url[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", state_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int start_fake(void **state)
{
    (void)state;
    snprintf(state_dir, sizeof state_dir, "/tmp/sl-kconn-XXXXXX");
    if (!mkdtemp(state_dir))
        return -1;
    write_file("keys.json", "{\"AKIDKCONN\": \"kconn/Secret+key\"}");
    /* Glue's SCRAM secret shape, a plain secret, and one named by ARN */
    write_file("secrets.json",
               "{\"AmazonMSK_etl\": \"{\\\"username\\\": \\\"glueuser\\\", "
               "\\\"password\\\": \\\"Scr4m-pw!\\\"}\",\n"
               " \"plain-pw\": \"Pl4in-pw\",\n"
               " \"arn:aws:secretsmanager:us-east-1:123456789012:secret:"
               "keypw-AbCdEf\": \"K3y-pw\"}");
    int out[2];
    if (pipe(out))
        return -1;
    fake = fork();
    if (fake == 0) {
        dup2(out[1], 1);
        close(out[0]);
        char script[1024];
        snprintf(script, sizeof script, "%s/tests/aws/fake_json_api.py",
                 SL_SOURCE_DIR);
        execl("/usr/bin/python3", "python3", script, state_dir, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[64] = "";
    int port = 0;
    if (!f || !fgets(line, sizeof line, f) ||
        sscanf(line, "PORT=%d", &port) != 1)
        return -1;
    fclose(f);
    snprintf(fake_url, sizeof fake_url, "http://127.0.0.1:%d", port);
    setenv("AWS_ACCESS_KEY_ID", "AKIDKCONN", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "kconn/Secret+key", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_ENDPOINT_URL");
    setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", fake_url, 1);
    return 0;
}

static int stop_fake(void **state)
{
    (void)state;
    if (fake > 0) {
        kill(fake, SIGTERM);
        waitpid(fake, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", state_dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define SASL_HEAD                                                              \
    "connections:\n  k:\n    bootstrap_servers: h:1\n"                         \
    "    security_protocol: SASL_PLAINTEXT\n"

static void test_secrets_manager(void **state)
{
    (void)state;
    /* Glue's JSON secret gives the username and the password */
    expect_props(SASL_HEAD "    sasl: {mechanism: SCRAM-SHA-512, "
                           "password_secret: AmazonMSK_etl}\n",
                 "k",
                 "bootstrap.servers=h:1\nsecurity.protocol=sasl_plaintext\n"
                 "sasl.mechanisms=SCRAM-SHA-512\nsasl.username=glueuser\n"
                 "sasl.password=Scr4m-pw!\n");
    /* a username set in the job wins over the secret's */
    expect_props(SASL_HEAD "    sasl: {mechanism: SCRAM-SHA-256, username: me, "
                           "password_secret: AmazonMSK_etl}\n",
                 "k",
                 "bootstrap.servers=h:1\nsecurity.protocol=sasl_plaintext\n"
                 "sasl.mechanisms=SCRAM-SHA-256\nsasl.username=me\n"
                 "sasl.password=Scr4m-pw!\n");
    /* a plain secret is the password itself; the endpoint comes from the
     * connection's aws: map over the environment */
    setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:1", 1);
    char y[512];
    snprintf(y, sizeof y,
             SASL_HEAD "    sasl: {mechanism: PLAIN, username: u, "
                       "password_secret: plain-pw}\n"
                       "    aws: {secrets_endpoint_url: '%s'}\n",
             fake_url);
    expect_props(y, "k",
                 "bootstrap.servers=h:1\nsecurity.protocol=sasl_plaintext\n"
                 "sasl.mechanisms=PLAIN\nsasl.username=u\n"
                 "sasl.password=Pl4in-pw\n");
    setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", fake_url, 1);
    /* TLS key and keystore passwords, by ARN */
    expect_props("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: SSL\n"
                 "    ssl: {cert_file: /c.pem, key_file: /k.pem, "
                 "key_password_secret: 'arn:aws:secretsmanager:us-east-1:"
                 "123456789012:secret:keypw-AbCdEf'}\n",
                 "k",
                 "bootstrap.servers=h:1\nsecurity.protocol=ssl\n"
                 "ssl.certificate.location=/c.pem\nssl.key.location=/k.pem\n"
                 "enable.ssl.certificate.verification=true\n"
                 "ssl.endpoint.identification.algorithm=https\n"
                 "ssl.key.password=K3y-pw\n");
}

static void test_secrets_manager_errors(void **state)
{
    (void)state;
    char want[256];
    snprintf(want, sizeof want,
             "connection k: sasl.password_secret: secret 'nope': Secrets "
             "Manager secretsmanager.GetSecretValue at %s failed: HTTP 400 "
             "ResourceNotFoundException: Secrets Manager can't find the "
             "specified secret.",
             fake_url);
    assert_int_equal(expect_error(SASL_HEAD "    sasl: {mechanism: PLAIN, "
                                            "username: u, password_secret: "
                                            "nope}\n",
                                  "k", want),
                     SL_ENOTFOUND);
    /* a plain secret cannot name the user */
    assert_int_equal(
        expect_error(SASL_HEAD "    sasl: {mechanism: SCRAM-SHA-512, "
                               "password_secret: plain-pw}\n",
                     "k",
                     "connection k: no sasl.username, and secret 'plain-pw' "
                     "is not a JSON secret with a \"username\""),
        SL_EINVAL);
    /* a wrong secret key: the endpoint's botocore check refuses it */
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-key", 1);
    assert_int_equal(expect_error(SASL_HEAD "    sasl: {mechanism: PLAIN, "
                                            "username: u, password_secret: "
                                            "plain-pw}\n",
                                  "k",
                                  "HTTP 403 InvalidSignatureException: fake "
                                  "endpoint: signature mismatch"),
                     SL_EIO);
    setenv("AWS_SECRET_ACCESS_KEY", "kconn/Secret+key", 1);
    /* one source per secret */
    expect_error(SASL_HEAD "    sasl: {mechanism: PLAIN, username: u, "
                           "password: s3cr3t, password_secret: plain-pw}\n",
                 "k", "set one of sasl.password, sasl.password_file");
    /* an s3:// TLS path must name an object (fetching one is in
     * tests/integration/test_kafka_s3_tls.sh) */
    expect_error("connections:\n  k:\n    bootstrap_servers: h:1\n"
                 "    security_protocol: SSL\n"
                 "    ssl: {ca_file: 's3://b/'}\n",
                 "k",
                 "connection k: ssl.ca_file s3://b/: 's3://b/' names no "
                 "object");
}

static void test_apply_hides_secrets(void **state)
{
    (void)state;
    struct sl_kafka_props p = {0};
    assert_int_equal(sl_kafka_props_set(&p, "no.such.property", "s3cr3t", true),
                     0);
    assert_string_equal(sl_kafka_props_get(&p, "no.such.property"), "s3cr3t");
    struct sl_error err;
    sl_error_clear(&err);
    rd_kafka_conf_t *rc = rd_kafka_conf_new();
    assert_int_equal(sl_kafka_props_apply(&p, rc, "kafka source", &err),
                     SL_EINVAL);
    assert_non_null(strstr(err.msg, "no.such.property"));
    assert_null(strstr(err.msg, "s3cr3t"));
    rd_kafka_conf_destroy(rc);
    sl_kafka_props_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plaintext),
        cmocka_unit_test(test_ssl_ca_and_client_cert),
        cmocka_unit_test(test_ssl_keystore_from_file),
        cmocka_unit_test(test_sasl_plain_and_scram),
        cmocka_unit_test(test_gssapi),
        cmocka_unit_test(test_msk_iam),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_apply_hides_secrets),
        cmocka_unit_test(test_secrets_manager),
        cmocka_unit_test(test_secrets_manager_errors),
    };
    return cmocka_run_group_tests(tests, start_fake, stop_fake);
}
