/*
 * test_conf.c - the YAML/JSON job-file loader (src/core/conf.c): nodes
 * with file:line:col, ${VAR} substitution, refusals, JSON round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"

static struct sl_conf *load(const char *text, struct sl_error *err)
{
    struct sl_conf *c = NULL;
    int rc = sl_conf_load_string(text, strlen(text), "job.yaml", &c, err);
    if (rc)
        assert_null(c);
    return c;
}

static void expect_fail(const char *text, int code, const char *msg)
{
    struct sl_error err;
    struct sl_conf *c = (struct sl_conf *)1;
    int rc = sl_conf_load_string(text, strlen(text), "job.yaml", &c, &err);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_null(c);
    assert_string_equal(err.msg, msg);
}

static void test_nodes_and_positions(void **state)
{
    (void)state;
    struct sl_error err;
    const char *text = "name: orders\n"
                       "source:\n"
                       "  type: file\n"
                       "  path: '/data/*.json'\n"
                       "  list:\n"
                       "    - a\n"
                       "    - \"b\"\n"
                       "empty:\n"
                       "flow: {x: 1, y: [2, 3]}\n";
    struct sl_conf *c = load(text, &err);
    assert_non_null(c);
    assert_int_equal(c->kind, SL_CONF_MAP);
    assert_int_equal(c->n, 4);
    assert_string_equal(c->keys[0], "name");
    assert_string_equal(c->keys[1], "source");
    assert_string_equal(c->keys[2], "empty");
    assert_string_equal(c->keys[3], "flow");
    assert_int_equal(c->line, 1);
    assert_int_equal(c->col, 1);

    const struct sl_conf *name = sl_conf_get(c, "name");
    assert_int_equal(name->kind, SL_CONF_SCALAR);
    assert_string_equal(name->str, "orders");
    assert_false(name->quoted);
    assert_int_equal(name->line, 1);
    assert_int_equal(name->col, 7);

    const struct sl_conf *src = sl_conf_get(c, "source");
    assert_int_equal(src->kind, SL_CONF_MAP);
    assert_int_equal(src->line, 3);
    assert_int_equal(src->col, 3);
    assert_int_equal(src->key_marks[1].line, 4);
    assert_int_equal(src->key_marks[1].col, 3);
    assert_string_equal(sl_conf_str(src, "type"), "file");
    const struct sl_conf *path = sl_conf_get(src, "path");
    assert_string_equal(path->str, "/data/*.json");
    assert_true(path->quoted);
    assert_int_equal(path->line, 4);
    assert_int_equal(path->col, 9);

    char where[128];
    assert_string_equal(sl_conf_where(path, where, sizeof where),
                        "job.yaml:4:9");
    assert_string_equal(sl_conf_key_where(src, 1, where, sizeof where),
                        "job.yaml:4:3");
    assert_ptr_equal(path->file, c->file);
    assert_string_equal(c->file, "job.yaml");

    const struct sl_conf *list = sl_conf_get(src, "list");
    assert_int_equal(list->kind, SL_CONF_SEQ);
    assert_int_equal(list->n, 2);
    assert_string_equal(list->items[0]->str, "a");
    assert_false(list->items[0]->quoted);
    assert_string_equal(list->items[1]->str, "b");
    assert_true(list->items[1]->quoted);
    assert_int_equal(list->items[1]->line, 7);
    assert_int_equal(list->items[1]->col, 7);

    const struct sl_conf *empty = sl_conf_get(c, "empty");
    assert_int_equal(empty->kind, SL_CONF_SCALAR);
    assert_string_equal(empty->str, "");
    assert_true(sl_conf_is_null(empty));

    const struct sl_conf *flow = sl_conf_get(c, "flow");
    assert_int_equal(flow->kind, SL_CONF_MAP);
    assert_int_equal(sl_conf_get(flow, "y")->n, 2);
    assert_string_equal(sl_conf_get(flow, "y")->items[1]->str, "3");

    /* Lookups that do not apply. */
    assert_null(sl_conf_get(c, "missing"));
    assert_null(sl_conf_get(name, "x"));
    assert_null(sl_conf_str(c, "source"));
    assert_null(sl_conf_get(NULL, "x"));
    sl_conf_free(c);
    sl_conf_free(NULL);
}

static void test_null_and_quoted(void **state)
{
    (void)state;
    struct sl_error err;
    struct sl_conf *c =
        load("a: null\nb: 'null'\nc: ~\nd: NULL\ne: nil\nf: \"\"\n", &err);
    assert_non_null(c);
    assert_true(sl_conf_is_null(sl_conf_get(c, "a")));
    assert_false(sl_conf_is_null(sl_conf_get(c, "b")));
    assert_string_equal(sl_conf_str(c, "b"), "null");
    assert_true(sl_conf_is_null(sl_conf_get(c, "c")));
    assert_true(sl_conf_is_null(sl_conf_get(c, "d")));
    assert_false(sl_conf_is_null(sl_conf_get(c, "e")));
    assert_false(sl_conf_is_null(sl_conf_get(c, "f")));
    assert_true(sl_conf_is_null(NULL));
    assert_false(sl_conf_is_null(c));
    sl_conf_free(c);
}

static void test_json_file(void **state)
{
    (void)state;
    char path[] = "/tmp/sl_test_conf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *json = "{\n\t\"name\": \"clicks\",\n\t\"n\":42,\n"
                       "\t\"xs\": [1, \"two\", null, true, {\"k\": -1.5e3}]\n"
                       "}\n";
    assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    struct sl_error err;
    struct sl_conf *c = NULL;
    assert_int_equal(sl_conf_load_file(path, &c, &err), 0);
    assert_string_equal(c->file, path);
    assert_string_equal(sl_conf_str(c, "name"), "clicks");
    assert_string_equal(sl_conf_str(c, "n"), "42");
    const struct sl_conf *n = sl_conf_get(c, "n");
    assert_int_equal(n->line, 3);
    assert_int_equal(n->col, 6);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_conf_to_json(c, &b), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data,
                        "{\"name\":\"clicks\",\"n\":42,\"xs\":[1,\"two\",null,"
                        "true,{\"k\":-1.5e3}]}");
    sl_buf_free(&b);
    sl_conf_free(c);
    unlink(path);

    assert_int_equal(sl_conf_load_file("/nonexistent/sl/job.yaml", &c, &err),
                     SL_ENOTFOUND);
    assert_null(c);
    assert_string_equal(err.msg, "cannot open job file "
                                 "/nonexistent/sl/job.yaml: No such file or "
                                 "directory");
    assert_int_equal(sl_conf_load_file("/tmp", &c, &err), SL_EIO);
    assert_string_equal(err.msg, "cannot read job file /tmp: Is a directory");
}

static void test_to_json_plain_text(void **state)
{
    (void)state;
    struct sl_error err;
    struct sl_conf *c = load("a: hello world\nb: '12'\nc: 012\nd: 1.\n"
                             "e: \"tab\\there\"\n",
                             &err);
    assert_non_null(c);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_conf_to_json(c, &b), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data,
                        "{\"a\":\"hello world\",\"b\":\"12\",\"c\":\"012\","
                        "\"d\":\"1.\",\"e\":\"tab\\there\"}");
    sl_buf_free(&b);
    sl_conf_free(c);
}

static void test_json_str_reads_back(void **state)
{
    (void)state;
    /* Code points YAML folds (U+0085, U+2028, U+2029) or refuses (C1,
     * BOM, non-characters) are escaped; everything else stays raw. */
    const char *s = "a\xc2\x85"
                    "b\xe2\x80\xa8"
                    "c\xe2\x80\xa9"
                    "d\xc2\x80"
                    "e\xef\xbb\xbf"
                    "f\xef\xbf\xbf"
                    "g\xc3\xa9\n\"";
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_buf_puts(&b, "{\"k\":"), 0);
    assert_int_equal(sl_conf_json_str(&b, s, strlen(s)), 0);
    assert_int_equal(sl_buf_putc(&b, '}'), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data,
                        "{\"k\":\"a\\u0085b\\u2028c\\u2029d\\u0080e\\ufeff"
                        "f\\uffffg\xc3\xa9\\n\\\"\"}");
    struct sl_conf *c = NULL;
    struct sl_error err;
    assert_int_equal(sl_conf_parse((char *)b.data, b.len, "x.json",
                                   SL_CONF_NO_ENV, &c, &err),
                     0);
    assert_string_equal(sl_conf_str(c, "k"), s);
    sl_conf_free(c);
    size_t before = b.len;
    assert_int_equal(sl_conf_json_str(&b, "\xff", 1), SL_EINVAL);
    assert_int_equal(sl_conf_json_str(&b, "a\xc3", 2), SL_EINVAL);
    assert_int_equal(b.len, before);
    sl_buf_free(&b);
}

static void test_env(void **state)
{
    (void)state;
    struct sl_error err;
    setenv("SL_TEST_DIR", "/srv/in", 1);
    setenv("SL_TEST_EMPTY", "", 1);
    unsetenv("SL_TEST_UNSET");
    struct sl_conf *c = load("path: ${SL_TEST_DIR}/x\n"
                             "lit: $${SL_TEST_DIR} costs $5 $$ ok\n"
                             "e: 'a${SL_TEST_EMPTY}b'\n"
                             "${SL_TEST_DIR}: keys stay\n",
                             &err);
    assert_non_null(c);
    assert_string_equal(sl_conf_str(c, "path"), "/srv/in/x");
    assert_string_equal(sl_conf_str(c, "lit"), "${SL_TEST_DIR} costs $5 $$ ok");
    assert_string_equal(sl_conf_str(c, "e"), "ab");
    assert_string_equal(sl_conf_str(c, "${SL_TEST_DIR}"), "keys stay");
    sl_conf_free(c);

    expect_fail("a: 1\nb:\n  c: x${SL_TEST_UNSET}y\n", SL_EINVAL,
                "job.yaml:3:6: environment variable 'SL_TEST_UNSET' is not "
                "set (used as ${SL_TEST_UNSET}; set it, or write '$${' for a "
                "literal '${')");
    expect_fail("a: ${SL_TEST_DIR\n", SL_EINVAL,
                "job.yaml:1:4: '${' without a closing '}' (write '$${' for a "
                "literal '${')");
    expect_fail("a: ${1x}\n", SL_EINVAL,
                "job.yaml:1:4: '${1x}' is not a variable name (letters, "
                "digits and _; write '$${' for a literal '${')");

    /* Data files keep ${...} as written. */
    struct sl_conf *d = NULL;
    const char *js = "{\"p\": \"${SL_TEST_UNSET}\"}";
    assert_int_equal(
        sl_conf_parse(js, strlen(js), "x.json", SL_CONF_NO_ENV, &d, &err), 0);
    assert_string_equal(sl_conf_str(d, "p"), "${SL_TEST_UNSET}");
    sl_conf_free(d);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_fail("path: a\nformat: json\npath: b\n", SL_EINVAL,
                "job.yaml:3:1: duplicate key 'path' (first at line 1, again "
                "at line 3)");
    expect_fail("base: &b {x: 1}\nother: *b\n", SL_EINVAL,
                "job.yaml:2:8: YAML aliases (*b) are not supported; write the "
                "value out");
    expect_fail("a: 1\n---\nb: 2\n", SL_EINVAL,
                "job.yaml:2:1: a second YAML document ('---') is not "
                "supported; one job per file");
    expect_fail("", SL_EINVAL, "job.yaml: the file is empty");
    expect_fail("? [a, b]\n: c\n", SL_EINVAL,
                "job.yaml:1:3: a map key must be a plain name, not a list, "
                "map or alias");
    expect_fail("a: \"x\\0y\"\n", SL_EINVAL,
                "job.yaml:1:4: value contains a NUL character");
    expect_fail("a: [1, 2\nb: 3\n", SL_EINVAL,
                "job.yaml:2:2: YAML error: did not find expected ',' or ']' "
                "(while parsing a flow sequence at line 1)");
}

static void test_depth_limit(void **state)
{
    (void)state;
    char text[400];
    size_t n = 0;
    for (int i = 0; i < 70; i++)
        text[n++] = '[';
    for (int i = 0; i < 70; i++)
        text[n++] = ']';
    text[n] = '\0';
    expect_fail(text, SL_ELIMIT, "job.yaml:1:66: nested deeper than 64 levels");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodes_and_positions),
        cmocka_unit_test(test_null_and_quoted),
        cmocka_unit_test(test_json_file),
        cmocka_unit_test(test_to_json_plain_text),
        cmocka_unit_test(test_json_str_reads_back),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
