/*
 * test_avro.c - the Avro decoder as the engine drives it (avro.c): datum
 * mode, Confluent framing against a real HTTP registry (a Python
 * http.server started here, tests/peers/avro_registry.py), Glue framing
 * with a local schema folder, an unreachable registry, and the
 * block-by-block framing of container files for byte-stream sources.
 * The peer also writes the fixtures with python3-avro.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "options.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_avro;

static char dir[64];
static int port, peer_in = -1;
static pid_t peer = -1;

static int start_peer(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/sl-avro-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    int in[2], out[2];
    if (pipe(in) || pipe(out))
        return -1;
    peer = fork();
    if (peer == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        char script[1024];
        snprintf(script, sizeof script, "%s/tests/peers/avro_registry.py",
                 SL_SOURCE_DIR);
        execl("/usr/bin/python3", "python3", script, dir, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    peer_in = in[1];
    FILE *f = fdopen(out[0], "r");
    char line[64] = "";
    if (!f || !fgets(line, sizeof line, f) ||
        sscanf(line, "PORT=%d", &port) != 1)
        return -1;
    fclose(f);
    return 0;
}

static int stop_peer(void **state)
{
    if (peer_in >= 0)
        close(peer_in);
    if (peer > 0)
        waitpid(peer, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static size_t slurp(const char *name, uint8_t **out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    char tmp[4096];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        sl_buf_append(&b, tmp, k);
    fclose(f);
    *out = b.data;
    return b.len;
}

struct dec {
    struct sl_conf *conf;
    void *st;
    struct sl_batch *b;
};

static void open_dec(struct dec *d, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_conf_load_string(text, strlen(text), "test", &d->conf, &err))
        fail_msg("conf: %s", err.msg);
    struct sl_decoder_ctx ctx = {.conf = d->conf};
    if (sl_decoder_avro.create(&ctx, &d->st, &err))
        fail_msg("create: %s", err.msg);
    assert_int_equal(sl_batch_create(NULL, &d->b, NULL), 0);
}

static void close_dec(struct dec *d)
{
    sl_decoder_avro.destroy(d->st);
    sl_conf_free(d->conf);
    sl_batch_destroy(d->b);
}

/* Decode file `name`; rows appended must render as `want` (rows joined
 * by '\n'). */
static void decode_ok(struct dec *d, const char *name, const char *want)
{
    uint8_t *p;
    size_t n = slurp(name, &p);
    size_t rows = sl_batch_rows(d->b);
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_decoder_avro.decode(d->st, p, n, d->b, &err))
        fail_msg("%s: %s", name, err.msg);
    struct sl_buf j;
    sl_buf_init(&j, 0);
    for (size_t i = rows; i < sl_batch_rows(d->b); i++) {
        if (i > rows)
            sl_buf_putc(&j, '\n');
        sl_col_value_json(&d->b->root, i, &j);
    }
    sl_buf_cstr(&j);
    assert_string_equal((char *)j.data, want);
    sl_buf_free(&j);
    free(p);
}

static void decode_bad(struct dec *d, const char *name, int code,
                       const char *want)
{
    uint8_t *p;
    size_t n = slurp(name, &p);
    size_t rows = sl_batch_rows(d->b);
    struct sl_error err;
    sl_error_clear(&err);
    int rc = sl_decoder_avro.decode(d->st, p, n, d->b, &err);
    if (rc != code)
        fail_msg("%s: rc %d, want %d (%s)", name, rc, code, err.msg);
    assert_int_equal(sl_batch_rows(d->b), rows);
    if (!strstr(err.msg, want))
        fail_msg("%s: \"%s\" lacks \"%s\"", name, err.msg, want);
    free(p);
}

static int requests(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import urllib.request,json;"
             "print(json.load(urllib.request.urlopen("
             "'http://127.0.0.1:%d/count'))['count'])\"",
             port);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static void test_confluent(void **state)
{
    struct dec d;
    open_dec(&d,
             "format: avro\nschema_registry_url: http://127.0.0.1:%d/\n"
             "schema_registry_user: u\nschema_registry_password: p\n"
             "registry_retries: 1\n",
             port);
    int before = requests();
    decode_ok(&d, "conf-7.bin",
              "{\"id\":1099511627776,\"page\":\"/home\",\"ms\":12}");
    decode_ok(&d, "conf-7.bin",
              "{\"id\":1099511627776,\"page\":\"/home\",\"ms\":12}");
    assert_int_equal(requests(), before + 1); /* cached */
    /* Schema 8 adds a column (detection), its id is an int. */
    decode_ok(&d, "conf-8.bin", "{\"id\":-3,\"page\":\"/x\",\"extra\":0.5}");
    /* Unknown id: asked 1 + registry_retries times, then an error. */
    decode_bad(&d, "conf-99.bin", SL_ENOTFOUND, "id 99: GET http");
    assert_int_equal(requests(), before + 4);
    /* Failed recently: not asked again. */
    decode_bad(&d, "conf-99.bin", SL_ENOTFOUND, "failed recently");
    assert_int_equal(requests(), before + 4);
    assert_int_equal(sl_batch_rows(d.b), 3);
    close_dec(&d);

    /* A reader schema: schema 8's data read as schema 7 (int -> long,
     * extra skipped, ms from its default... which it lacks: error). */
    open_dec(&d,
             "format: avro\navro_schema: %s/schema7.avsc\n"
             "avro_framing: confluent\n"
             "schema_registry_url: http://127.0.0.1:%d\n"
             "schema_registry_user: u\nschema_registry_password: p\n",
             dir, port);
    decode_ok(&d, "conf-7.bin",
              "{\"id\":1099511627776,\"page\":\"/home\",\"ms\":12}");
    decode_bad(&d, "conf-8.bin", SL_EINVAL,
               "reader field $.ms is not in the writer schema");
    close_dec(&d);

    /* Wrong password: HTTP 401, retried, then an error. */
    open_dec(&d,
             "format: avro\nschema_registry_url: http://127.0.0.1:%d\n"
             "schema_registry_user: u\nschema_registry_password: nope\n"
             "registry_retries: 2\n",
             port);
    decode_bad(&d, "conf-7.bin", SL_EIO, "HTTP status 401");
    close_dec(&d);
}

static void test_unreachable(void **state)
{
    /* A port nobody listens on: bind, note it, close. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    struct dec d;
    open_dec(&d,
             "format: avro\nschema_registry_url: http://127.0.0.1:%d\n"
             "registry_retries: 2\n",
             ntohs(a.sin_port));
    int64_t t0 = sl_mono_ms();
    decode_bad(&d, "conf-7.bin", SL_EIO, "schema registry, id 7: GET");
    int64_t took = sl_mono_ms() - t0;
    assert_true(took >= 300); /* backoff 100 + 200 ms */
    t0 = sl_mono_ms();
    decode_bad(&d, "conf-7.bin", SL_EIO, "failed recently");
    assert_true(sl_mono_ms() - t0 < 100);
    close_dec(&d);
}

/* A registry that does not answer: registry_timeout bounds each try. */
static void test_timeout(void **state)
{
    struct dec d;
    open_dec(&d,
             "format: avro\nschema_registry_url: http://127.0.0.1:%d\n"
             "schema_registry_user: u\nschema_registry_password: p\n"
             "registry_retries: 0\nregistry_timeout: 300ms\n",
             port);
    int64_t t0 = sl_mono_ms();
    decode_bad(&d, "conf-55.bin", SL_EIO, "id 55: GET");
    int64_t took = sl_mono_ms() - t0;
    assert_true(took >= 250 && took < 2500);
    close_dec(&d);
}

static void test_glue(void **state)
{
    struct dec d;
    open_dec(&d, "format: avro\nglue_schema_dir: %s/glue\n", dir);
    decode_ok(&d, "glue-none.bin", "{\"id\":5,\"page\":\"/glue\"}");
    decode_ok(&d, "glue-zlib.bin", "{\"id\":5,\"page\":\"/glue\"}");
    decode_bad(&d, "glue-unknown.bin", SL_ENOTFOUND,
               "00000000-0000-0000-0000-000000000001");
    decode_bad(&d, "glue-unknown.bin", SL_ENOTFOUND, "failed recently");
    close_dec(&d);
    /* A schema file that appears while the decoder waits is found. */
    open_dec(&d,
             "format: avro\nglue_schema_dir: %s/glue\n"
             "registry_retries: 6\n",
             dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "(sleep 0.3; cp %s/glue/0b1e0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b.avsc "
             "%s/glue/00000000-0000-0000-0000-000000000001.avsc) &",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    decode_ok(&d, "glue-unknown.bin", "{\"id\":5,\"page\":\"/glue\"}");
    close_dec(&d);
}

static void test_datum(void **state)
{
    struct dec d;
    uint8_t *p;
    size_t n = slurp("schema7.avsc", &p);
    char *inl = strndup((char *)p, n);
    free(p);
    open_dec(&d, "format: avro\navro_framing: datum\navro_schema: '%s'\n", inl);
    free(inl);
    decode_ok(&d, "datum.bin",
              "{\"id\":1099511627776,\"page\":\"/home\",\"ms\":12}");
    /* A Confluent frame read as a bare datum: it parses (id 0, an empty
     * page, ...) and leaves bytes over, which is an error. */
    decode_bad(&d, "conf-7.bin", SL_ECORRUPT,
               "16 bytes left after the Avro datum (it ends at byte 3)");
    close_dec(&d);

    /* Auto framing with nothing to go on. */
    open_dec(&d, "format: avro\n");
    decode_bad(&d, "datum.bin", SL_ECORRUPT, "no avro_schema is set");
    close_dec(&d);

    /* datum framing needs a schema. */
    struct sl_conf *c;
    const char *t = "format: avro\navro_framing: datum\n";
    assert_int_equal(sl_conf_load_string(t, strlen(t), "t", &c, NULL), 0);
    struct sl_decoder_ctx ctx = {.conf = c};
    void *st;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(sl_decoder_avro.create(&ctx, &st, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "datum needs avro_schema"));
    sl_conf_free(c);
}

/* The frame function cuts a container into header + blocks, each of
 * which decodes on its own (the header first). */
static void test_frame(void **state)
{
    struct dec d;
    open_dec(&d, "format: avro\n");
    uint8_t *p;
    size_t n = slurp("container.avro", &p), at = 0;
    size_t pieces = 0;
    while (at < n) {
        size_t consumed = 0;
        /* Short of the end: needs more. */
        assert_int_equal(
            sl_decoder_avro.frame(d.st, p + at, 5, false, &consumed), -1);
        long len =
            sl_decoder_avro.frame(d.st, p + at, n - at, false, &consumed);
        assert_true(len > 0);
        assert_int_equal((size_t)len, consumed);
        struct sl_error err;
        sl_error_clear(&err);
        if (sl_decoder_avro.decode(d.st, p + at, (size_t)len, d.b, &err))
            fail_msg("piece %zu: %s", pieces, err.msg);
        at += consumed;
        pieces++;
    }
    assert_int_equal(pieces, 4); /* header + 3 blocks */
    assert_int_equal(sl_batch_rows(d.b), 6);
    struct sl_buf j;
    sl_buf_init(&j, 0);
    sl_col_value_json(&d.b->root, 5, &j);
    sl_buf_cstr(&j);
    assert_string_equal((char *)j.data, "{\"id\":5,\"page\":\"/p5\",\"ms\":5}");
    sl_buf_free(&j);
    /* The whole file as one record (a message holding a container). */
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(sl_decoder_avro.decode(d.st, p, n, d.b, &err), 0);
    assert_int_equal(sl_batch_rows(d.b), 12);
    /* A block of an unknown file (another sync marker). */
    p[n - 1] ^= 1;
    size_t consumed;
    long h = sl_decoder_avro.frame(d.st, p, n, false, &consumed);
    assert_true(h > 0);
    sl_error_clear(&err);
    assert_int_equal(
        sl_decoder_avro.decode(d.st, p + h, n - (size_t)h, d.b, &err),
        SL_ECORRUPT);
    assert_int_equal(sl_batch_rows(d.b), 12);
    free(p);
    close_dec(&d);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confluent), cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_timeout),   cmocka_unit_test(test_glue),
        cmocka_unit_test(test_datum),     cmocka_unit_test(test_frame),
    };
    return cmocka_run_group_tests(tests, start_peer, stop_peer);
}
