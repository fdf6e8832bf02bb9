/*
 * test_grok.c - the Grok decoder (src/formats/grok.c, grok_patterns.c):
 * Glue's documented example, Apache combined logs and syslog lines with
 * exact fields, typed captures, several patterns in order, every built-in
 * pattern compiling and matching a typical example, and the start-up
 * errors (unknown name, recursive definition, bad regex).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "formats/grok.h"
#include "options.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_grok;

struct fx {
    void *st;
    struct sl_batch *b;
    struct sl_field schema;
    struct sl_error err;
    struct sl_buf out;
};

static void fx_open(struct fx *f, const char *const *pats, size_t n,
                    const char *custom, const char *schema)
{
    memset(f, 0, sizeof *f);
    if (schema && sl_type_parse(schema, &f->schema, &f->err))
        fail_msg("%s", f->err.msg);
    if (sl__grok_create(pats, n, custom, schema ? &f->schema : NULL, &f->st,
                        &f->err))
        fail_msg("create: %s", f->err.msg);
    assert_int_equal(
        sl_batch_create(schema ? &f->schema : NULL, &f->b, &f->err), 0);
    sl_buf_init(&f->out, 0);
}

static void fx_open1(struct fx *f, const char *pat, const char *custom)
{
    fx_open(f, &pat, 1, custom, NULL);
}

static void fx_close(struct fx *f)
{
    sl_decoder_grok.destroy(f->st);
    sl_batch_destroy(f->b);
    sl_field_free(&f->schema);
    sl_buf_free(&f->out);
}

static int dec(struct fx *f, const char *line)
{
    sl_error_clear(&f->err);
    return sl_decoder_grok.decode(f->st, (const uint8_t *)line, strlen(line),
                                  f->b, &f->err);
}

static void ok(struct fx *f, const char *line)
{
    if (dec(f, line))
        fail_msg("decode '%s': %s", line, f->err.msg);
}

static void want_row(struct fx *f, size_t i, const char *json)
{
    sl_buf_reset(&f->out);
    assert_int_equal(sl_col_value_json(&f->b->root, i, &f->out), 0);
    assert_int_equal(sl_buf_cstr(&f->out), 0);
    if (strcmp((char *)f->out.data, json) != 0)
        fail_msg("row %zu:\n  got  %s\n  want %s", i, (char *)f->out.data,
                 json);
}

static void want_schema(struct fx *f, const char *type)
{
    struct sl_field s;
    struct sl_buf t;
    sl_buf_init(&t, 0);
    assert_int_equal(sl__grok_schema(f->st, &s), 0);
    assert_int_equal(sl_type_format(&s, &t), 0);
    assert_int_equal(sl_buf_cstr(&t), 0);
    if (strcmp((char *)t.data, type) != 0)
        fail_msg("schema:\n  got  %s\n  want %s", (char *)t.data, type);
    sl_field_free(&s);
    sl_buf_free(&t);
}

/* The example of Glue's "Writing custom classifiers" page. */
static void test_glue_example(void **state)
{
    (void)state;
    struct fx f;
    fx_open1(&f, "%{USERNAME:username} %{DIGIT:digit:int}", "digit \\d");
    want_schema(&f, "struct<username:string,digit:int>");
    ok(&f, "alice 7");
    want_row(&f, 0, "{\"username\":\"alice\",\"digit\":7}");
    assert_int_equal(f.b->root.child[1].type, SL_INT);
    assert_int_equal(SL_COL_VALUES(&f.b->root.child[1], int32_t)[0], 7);
    assert_int_equal(dec(&f, "alice 77"), SL_ECORRUPT);
    assert_string_equal(f.err.msg, "line does not match the grok pattern");
    assert_int_equal(sl_batch_rows(f.b), 1);
    fx_close(&f);
}

/* Through the decoder's create with a job's source map (the one-line Glue
 * table parameter form of grok_custom_patterns). */
static void test_options(void **state)
{
    (void)state;
    const char *t = "{format: grok, grok_pattern: '%{A:a} %{B:b:long}',"
                    " grok_custom_patterns: 'A [a-z]+\\nB [0-9]+'}";
    struct sl_conf *conf;
    struct sl_error err;
    void *st;
    assert_int_equal(sl_conf_load_string(t, strlen(t), "t", &conf, &err), 0);
    struct sl_decoder_ctx ctx = {.conf = conf};
    if (sl_decoder_grok.create(&ctx, &st, &err))
        fail_msg("%s", err.msg);
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(NULL, &b, &err), 0);
    assert_int_equal(
        sl_decoder_grok.decode(st, (const uint8_t *)"xy 12\r", 6, b, &err), 0);
    assert_int_equal(SL_COL_VALUES(&b->root.child[1], int64_t)[0], 12);
    sl_batch_destroy(b);
    sl_decoder_grok.destroy(st);
    sl_conf_free(conf);

    t = "{format: grok}";
    assert_int_equal(sl_conf_load_string(t, strlen(t), "t", &conf, &err), 0);
    ctx.conf = conf;
    assert_int_equal(sl_decoder_grok.create(&ctx, &st, &err), SL_EINVAL);
    assert_string_equal(err.msg, "source: format grok needs grok_pattern (or "
                                 "grok_patterns)");
    sl_conf_free(conf);
    sl_decoder_grok.destroy(NULL);
}

static void test_apache_combined(void **state)
{
    (void)state;
    struct fx f;
    fx_open1(&f, "%{COMBINEDAPACHELOG}", NULL);
    want_schema(&f, "struct<clientip:string,ident:string,auth:string,"
                    "timestamp:string,verb:string,request:string,"
                    "httpversion:string,rawrequest:string,response:string,"
                    "bytes:string,referrer:string,agent:string>");
    ok(&f, "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET "
           "/apache_pb.gif HTTP/1.0\" 200 2326 "
           "\"http://www.example.com/start.html\" \"Mozilla/4.08 [en] "
           "(Win98; I ;Nav)\"");
    ok(&f, "2001:db8::1 - alice@example.com [25/Nov/2026:23:59:60 +0100] "
           "\"POST /api/v1/items?id=7&x=%20 HTTP/2.0\" 201 - \"-\" "
           "\"curl/8.0\"");
    ok(&f, "host-1.example.org - - [01/Jan/2026:00:00:00 +0000] \"-\" 408 0 "
           "\"-\" \"-\"");
    want_row(&f, 0,
             "{\"clientip\":\"127.0.0.1\",\"ident\":\"-\",\"auth\":\"frank\","
             "\"timestamp\":\"10/Oct/2000:13:55:36 -0700\",\"verb\":\"GET\","
             "\"request\":\"/apache_pb.gif\",\"httpversion\":\"1.0\","
             "\"response\":\"200\",\"bytes\":\"2326\","
             "\"referrer\":\"\\\"http://www.example.com/start.html\\\"\","
             "\"agent\":\"\\\"Mozilla/4.08 [en] (Win98; I ;Nav)\\\"\"}");
    want_row(&f, 1,
             "{\"clientip\":\"2001:db8::1\",\"ident\":\"-\","
             "\"auth\":\"alice@example.com\","
             "\"timestamp\":\"25/Nov/2026:23:59:60 +0100\",\"verb\":\"POST\","
             "\"request\":\"/api/v1/items?id=7&x=%20\","
             "\"httpversion\":\"2.0\",\"response\":\"201\","
             "\"referrer\":\"\\\"-\\\"\",\"agent\":\"\\\"curl/8.0\\\"\"}");
    want_row(&f, 2,
             "{\"clientip\":\"host-1.example.org\",\"ident\":\"-\","
             "\"auth\":\"-\",\"timestamp\":\"01/Jan/2026:00:00:00 +0000\","
             "\"rawrequest\":\"-\",\"response\":\"408\",\"bytes\":\"0\","
             "\"referrer\":\"\\\"-\\\"\",\"agent\":\"\\\"-\\\"\"}");
    fx_close(&f);

    /* Typed over the same pattern, with the common log format. */
    fx_open1(&f,
             "%{IPORHOST:ip} %{USER} %{USER} \\[%{HTTPDATE:ts}\\] "
             "\"%{WORD:verb} %{NOTSPACE:path} HTTP/%{NUMBER:v:float}\" "
             "%{INT:status:short} (?:%{INT:bytes:long}|-)",
             NULL);
    ok(&f, "10.0.0.2 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 304 "
           "-");
    want_row(&f, 0,
             "{\"ip\":\"10.0.0.2\",\"ts\":\"10/Oct/2000:13:55:36 "
             "-0700\",\"verb\":\"GET\",\"path\":\"/\",\"v\":1.1,"
             "\"status\":304}");
    fx_close(&f);
}

static void test_syslog(void **state)
{
    (void)state;
    struct fx f;
    fx_open1(&f, "%{SYSLOGBASE} %{GREEDYDATA:message}", NULL);
    want_schema(&f, "struct<timestamp:string,facility:string,priority:string,"
                    "logsource:string,program:string,pid:string,"
                    "message:string>");
    ok(&f, "Nov 25 10:00:01 web01 sshd[4242]: Accepted publickey for bob");
    ok(&f, "Nov  5 09:08:07 <4.3> 192.168.1.10 kernel: eth0 link up");
    ok(&f, "Dec 31 23:59:59 db-2.internal postgres/main[17]: checkpoint "
           "starting: time");
    want_row(&f, 0,
             "{\"timestamp\":\"Nov 25 10:00:01\",\"logsource\":"
             "\"web01\",\"program\":\"sshd\",\"pid\":\"4242\","
             "\"message\":\"Accepted publickey for bob\"}");
    want_row(&f, 1,
             "{\"timestamp\":\"Nov  5 09:08:07\",\"facility\":\"4\","
             "\"priority\":\"3\",\"logsource\":\"192.168.1.10\","
             "\"program\":\"kernel\",\"message\":\"eth0 link up\"}");
    want_row(&f, 2,
             "{\"timestamp\":\"Dec 31 23:59:59\",\"logsource\":"
             "\"db-2.internal\",\"program\":\"postgres/main\","
             "\"pid\":\"17\",\"message\":\"checkpoint starting: "
             "time\"}");
    assert_int_equal(dec(&f, "not a syslog line"), SL_ECORRUPT);
    fx_close(&f);
}

static void test_types_and_order(void **state)
{
    (void)state;
    struct fx f;
    const char *p0;
    const char *pats[] = {
        "%{INT:n:byte} %{BOOLEAN:b:boolean} %{NUMBER:d:double}",
        "%{WORD:w} %{INT:n:int}",
        "%{WORD:w}",
    };
    fx_open(&f, pats, 3, NULL, NULL);
    /* n is byte (int) in one pattern and int in another: int. */
    want_schema(&f, "struct<n:int,b:boolean,d:double,w:string>");
    ok(&f, "-128 TRUE 2.5");
    ok(&f, "abc 99999");
    ok(&f, "word");
    want_row(&f, 0, "{\"n\":-128,\"b\":true,\"d\":2.5}");
    want_row(&f, 1, "{\"n\":99999,\"w\":\"abc\"}");
    want_row(&f, 2, "{\"w\":\"word\"}");
    assert_int_equal(dec(&f, "300 true 1"), SL_ETYPE);
    assert_string_equal(f.err.msg, "capture 'n': '300' is not a byte");
    assert_int_equal(dec(&f, "abc 99999999999"), SL_ETYPE);
    assert_string_equal(f.err.msg, "capture 'n': '99999999999' is out of "
                                   "range for int");
    assert_int_equal(f.err.offset, 4);
    assert_int_equal(dec(&f, "a b"), SL_ECORRUPT);
    assert_string_equal(f.err.msg,
                        "line does not match any of the grok patterns");
    assert_int_equal(sl_batch_rows(f.b), 3);
    fx_close(&f);

    /* '.' is one UTF-8 character: a capture never splits one. */
    p0 = "%{GREEDYDATA:a}.";
    fx_open(&f, &p0, 1, NULL, NULL);
    ok(&f, "x\xd0\x8f");
    want_row(&f, 0, "{\"a\":\"x\"}");
    assert_int_equal(dec(&f, "x\xd0"), SL_ECORRUPT);
    assert_string_equal(f.err.msg, "line is not valid UTF-8 text");
    fx_close(&f);

    /* A declared schema picks captures by name and converts them. */
    const char *p = "%{WORD:a} %{INT:b} %{WORD:c}";
    fx_open(&f, &p, 1, NULL, "struct<b:bigint,z:string,a:string>");
    ok(&f, "x 42 y");
    want_row(&f, 0, "{\"b\":42,\"a\":\"x\"}");
    fx_close(&f);
}

/* Every built-in name compiles and matches a typical example whole. */
static const struct {
    const char *name, *example;
} examples[] = {
    {"USERNAME", "jdoe_1.x-y"},
    {"USER", "root"},
    {"EMAILLOCALPART", "first.last+tag"},
    {"EMAILADDRESS", "first.last+tag@mail.example.com"},
    {"HTTPDUSER", "-"},
    {"INT", "-42"},
    {"BASE10NUM", "+3.14"},
    {"NUMBER", "1024"},
    {"BASE16NUM", "0x1F"},
    {"BASE16FLOAT", "-0x1A.8"},
    {"POSINT", "8080"},
    {"NONNEGINT", "0"},
    {"WORD", "hello_world"},
    {"NOTSPACE", "a/b?c=d"},
    {"SPACE", "  \t"},
    {"DATA", "anything at all"},
    {"GREEDYDATA", "the rest: of the line"},
    {"QUOTEDSTRING", "\"say \\\"hi\\\"\""},
    {"QS", "'single quoted'"},
    {"UUID", "123e4567-e89b-12d3-a456-426614174000"},
    {"BOOLEAN", "False"},
    {"CISCOMAC", "0011.2233.4455"},
    {"WINDOWSMAC", "00-11-22-33-44-55"},
    {"COMMONMAC", "00:11:22:aa:bb:cc"},
    {"MAC", "00:11:22:aa:bb:cc"},
    {"IPV4OCTET", "255"},
    {"IPV4", "192.168.0.254"},
    {"IPV6H16", "fe80"},
    {"IPV6", "fe80::1ff:fe23:4567:890a"},
    {"IP", "::ffff:10.0.0.1"},
    {"HOSTNAME", "www.example.com"},
    {"HOST", "localhost"},
    {"IPORHOST", "10.1.2.3"},
    {"HOSTPORT", "db.example.com:5432"},
    {"TTY", "/dev/pts/3"},
    {"UNIXPATH", "/var/log/messages"},
    {"WINPATH", "C:\\Windows\\System32"},
    {"PATH", "/usr/local/bin"},
    {"URIPROTO", "https"},
    {"URIHOST", "example.com:8443"},
    {"URIPATH", "/a/b/c.html"},
    {"URIPARAM", "?q=grok&page=2"},
    {"URIPATHPARAM", "/search?q=grok"},
    {"URI", "https://user:pw@example.com:8443/path/x?y=1"},
    {"MONTH", "September"},
    {"MONTHNUM", "9"},
    {"MONTHNUM2", "09"},
    {"MONTHDAY", "31"},
    {"DAY", "Wednesday"},
    {"YEAR", "2026"},
    {"HOUR", "23"},
    {"MINUTE", "59"},
    {"SECOND", "59.123"},
    {"TIME", "13:55:36"},
    {"DATE_US", "11/25/2026"},
    {"DATE_EU", "25.11.2026"},
    {"DATE", "11-25-2026"},
    {"DATESTAMP", "25.11.2026 10:00:00"},
    {"TZ", "PST"},
    {"DATESTAMP_US", "11/25/2026 10:00:00"},
    {"DATESTAMP_EU", "25/11/2026-10:00:00"},
    {"DATESTAMP_RFC822", "Wed Nov 25 2026 10:00:00 UTC"},
    {"DATESTAMP_RFC2822", "Wed, 25 Nov 2026 10:00:00 +0000"},
    {"DATESTAMP_OTHER", "Wed Nov 25 10:00:00 UTC 2026"},
    {"DATESTAMP_EVENTLOG", "20261125100000"},
    {"ISO8601_TIMEZONE", "+05:30"},
    {"ISO8601_SECOND", "07"},
    {"TIMESTAMP_ISO8601", "2026-11-25T10:00:00.123Z"},
    {"HTTPDATE", "25/Nov/2026:10:00:00 +0000"},
    {"CISCOTIMESTAMP", "Nov 25 10:00:00"},
    {"SYSLOGTIMESTAMP", "Nov  5 10:00:00"},
    {"PROG", "postfix/smtpd"},
    {"SYSLOGPROG", "cron[123]"},
    {"SYSLOGHOST", "gateway"},
    {"SYSLOGFACILITY", "<4.3>"},
    {"SYSLOG5424PRI", "<34>"},
    {"SYSLOGBASE", "Nov 25 10:00:00 host sshd[1]:"},
    {"SYSLOGLINE", "Nov 25 10:00:00 host sshd[1]: message text"},
    {"MESSAGESLOG", "Nov 25 10:00:00 host kernel: booting"},
    {"LOGLEVEL", "WARNING"},
    {"COMMONAPACHELOG",
     "1.2.3.4 - - [25/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5"},
    {"COMBINEDAPACHELOG", "1.2.3.4 - - [25/Nov/2026:10:00:00 +0000] \"GET / "
                          "HTTP/1.1\" 200 5 \"-\" \"agent\""},
    {"HTTPD_COMMONLOG",
     "1.2.3.4 - - [25/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5"},
    {"HTTPD_COMBINEDLOG", "1.2.3.4 - - [25/Nov/2026:10:00:00 +0000] \"GET / "
                          "HTTP/1.1\" 200 5 \"-\" \"agent\""},
};

static void test_every_builtin(void **state)
{
    (void)state;
    size_t nb = 0;
    for (const struct sl_grok_def *d = sl__grok_builtin; d->name; d++) {
        nb++;
        const char *ex = NULL;
        for (size_t i = 0; i < sizeof examples / sizeof *examples; i++)
            if (strcmp(examples[i].name, d->name) == 0)
                ex = examples[i].example;
        if (!ex)
            fail_msg("no example for built-in %s", d->name);
        char pat[64];
        snprintf(pat, sizeof pat, "%%{%s:v}", d->name);
        struct fx f;
        fx_open1(&f, pat, NULL);
        if (dec(&f, ex))
            fail_msg("%s does not match '%s': %s", d->name, ex, f.err.msg);
        /* The whole example is the capture. */
        struct sl_col *v = sl_batch_col(f.b, "v");
        assert_non_null(v);
        size_t len = (size_t)(v->off[1] - v->off[0]);
        if (len != strlen(ex) || memcmp(v->data, ex, len) != 0)
            fail_msg("%s captured '%.*s' of '%s'", d->name, (int)len, v->data,
                     ex);
        fx_close(&f);
    }
    assert_int_equal(nb, sizeof examples / sizeof *examples);
}

/* What the names must not match. */
static void test_builtin_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
    } no[] = {
        {"IPV4", "256.1.1.1"},  {"IPV4", "1.2.3"},
        {"IPV6", "1:2:3"},      {"MONTHNUM2", "13"},
        {"POSINT", "0"},        {"UUID", "123e4567-e89b-12d3-a456"},
        {"HOUR", "24"},         {"BOOLEAN", "yes"},
        {"TIME", "25:00:00"},   {"COMMONMAC", "00:11:22:33:44"},
        {"LOGLEVEL", "chatty"}, {"TIMESTAMP_ISO8601", "2026-13-01T00:00"},
    };
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "%%{%s}", no[i].name);
        struct fx f;
        fx_open1(&f, pat, NULL);
        if (dec(&f, no[i].text) != SL_ECORRUPT)
            fail_msg("%s matched '%s'", no[i].name, no[i].text);
        fx_close(&f);
    }
}

static void bad_create(const char *pat, const char *custom, int code,
                       const char *msg)
{
    void *st = NULL;
    struct sl_error err;
    sl_error_clear(&err);
    int rc = sl__grok_create(&pat, 1, custom, NULL, &st, &err);
    if (rc != code || strcmp(err.msg, msg) != 0)
        fail_msg("'%s':\n  got  %d %s\n  want %d %s", pat, rc, err.msg, code,
                 msg);
    assert_null(st);
}

static void test_errors(void **state)
{
    (void)state;
    bad_create("%{NOPE:x}", NULL, SL_ENOTFOUND,
               "grok pattern 1 ('%{NOPE:x}'): unknown pattern name 'NOPE'");
    bad_create("%{A}", "A %{B} x\nB %{WORD} %{A}", SL_EINVAL,
               "grok pattern A (grok_custom_patterns): recursive "
               "definition: A -> B -> A");
    bad_create("%{SELF}", "SELF a%{SELF}", SL_EINVAL,
               "grok pattern SELF (grok_custom_patterns): recursive "
               "definition: SELF -> SELF");
    bad_create("%{WORD}", "BROKEN (abc", SL_EINVAL,
               "grok pattern BROKEN (grok_custom_patterns): bad regex in "
               "definition BROKEN: missing closing parenthesis (at byte 8 of "
               "its expansion)");
    bad_create("%{WORD} [z-a]", NULL, SL_EINVAL,
               "grok pattern 1 ('%{WORD} [z-a]'): bad regex: range out of "
               "order in character class (at byte 15 of its expansion)");
    bad_create("%{WORD:x:integer64}", NULL, SL_EINVAL,
               "grok pattern 1 ('%{WORD:x:integer64}'): unknown capture type "
               "'integer64' (byte, short, int, long, float, double, boolean, "
               "string)");
    bad_create("%{WORD", NULL, SL_EINVAL,
               "grok pattern 1 ('%{WORD'): '%{' without a closing '}'");
    bad_create("x", "WORD2 \\w+\nONLYNAME", SL_EINVAL,
               "grok_custom_patterns: 'ONLYNAME' is not 'NAME regex'");
    /* Errors inside definitions name the definition. */
    bad_create("%{OUTER}", "OUTER %{INNER}\nINNER a[", SL_EINVAL,
               "grok pattern OUTER (grok_custom_patterns): bad regex in "
               "definition INNER: missing terminating ] for character class "
               "(at byte 10 of its expansion)");
    bad_create("%{X}", "X %{Y}\nY %{Z}", SL_ENOTFOUND,
               "grok pattern X (grok_custom_patterns): unknown pattern name "
               "'Z' (in the definition of Y)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glue_example),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_apache_combined),
        cmocka_unit_test(test_syslog),
        cmocka_unit_test(test_types_and_order),
        cmocka_unit_test(test_every_builtin),
        cmocka_unit_test(test_builtin_rejects),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
