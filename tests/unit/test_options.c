/*
 * test_options.c - options declared as data (src/core/options.c): value
 * parsers, every option type, defaults, and the messages for unknown keys,
 * wrong types and missing keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

/* ---- value parsers ---- */

static void test_parse_i64(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(sl_parse_i64("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(sl_parse_i64("-42", &v), 0);
    assert_int_equal(v, -42);
    assert_int_equal(sl_parse_i64("+17", &v), 0);
    assert_int_equal(v, 17);
    assert_int_equal(sl_parse_i64("9223372036854775807", &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(sl_parse_i64("-9223372036854775808", &v), 0);
    assert_true(v == INT64_MIN);
    v = 5;
    assert_int_equal(sl_parse_i64("9223372036854775808", &v), SL_ELIMIT);
    assert_int_equal(sl_parse_i64("-9223372036854775809", &v), SL_ELIMIT);
    assert_int_equal(sl_parse_i64("99999999999999999999999", &v), SL_ELIMIT);
    assert_int_equal(sl_parse_i64("", &v), SL_EINVAL);
    assert_int_equal(sl_parse_i64("-", &v), SL_EINVAL);
    assert_int_equal(sl_parse_i64("12x", &v), SL_EINVAL);
    assert_int_equal(sl_parse_i64(" 12", &v), SL_EINVAL);
    assert_int_equal(sl_parse_i64("12 ", &v), SL_EINVAL);
    assert_int_equal(sl_parse_i64("1.5", &v), SL_EINVAL);
    assert_int_equal(sl_parse_i64("0x10", &v), SL_EINVAL);
    assert_int_equal(v, 5); /* untouched on failure */
}

static void test_parse_duration(void **state)
{
    (void)state;
    int64_t ms = -1;
    assert_int_equal(sl_parse_duration_ms("250ms", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(sl_parse_duration_ms("100s", &ms), 0);
    assert_int_equal(ms, 100000);
    assert_int_equal(sl_parse_duration_ms("5m", &ms), 0);
    assert_int_equal(ms, 300000);
    assert_int_equal(sl_parse_duration_ms("1h", &ms), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(sl_parse_duration_ms("1h30m", &ms), 0);
    assert_int_equal(ms, 5400000);
    assert_int_equal(sl_parse_duration_ms("0s", &ms), 0);
    assert_int_equal(ms, 0);
    ms = 9;
    assert_int_equal(sl_parse_duration_ms("100", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("10x", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("s", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("-5s", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("1.5s", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("5 s", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("5S", &ms), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("9999999999999999h", &ms), SL_ELIMIT);
    assert_int_equal(ms, 9);
}

static void test_parse_size(void **state)
{
    (void)state;
    int64_t b = -1;
    assert_int_equal(sl_parse_size("4096", &b), 0);
    assert_int_equal(b, 4096);
    assert_int_equal(sl_parse_size("0", &b), 0);
    assert_int_equal(b, 0);
    assert_int_equal(sl_parse_size("12B", &b), 0);
    assert_int_equal(b, 12);
    assert_int_equal(sl_parse_size("64KiB", &b), 0);
    assert_int_equal(b, 65536);
    assert_int_equal(sl_parse_size("128MiB", &b), 0);
    assert_int_equal(b, 134217728);
    assert_int_equal(sl_parse_size("1GiB", &b), 0);
    assert_int_equal(b, 1073741824);
    assert_int_equal(sl_parse_size("2TiB", &b), 0);
    assert_true(b == 2199023255552);
    assert_int_equal(sl_parse_size("10MB", &b), 0);
    assert_int_equal(b, 10000000);
    assert_int_equal(sl_parse_size("1KB", &b), 0);
    assert_int_equal(b, 1000);
    assert_int_equal(sl_parse_size("3GB", &b), 0);
    assert_true(b == 3000000000);
    b = 1;
    assert_int_equal(sl_parse_size("10x", &b), SL_EINVAL);
    assert_int_equal(sl_parse_size("MiB", &b), SL_EINVAL);
    assert_int_equal(sl_parse_size("1 MiB", &b), SL_EINVAL);
    assert_int_equal(sl_parse_size("1mib", &b), SL_EINVAL);
    assert_int_equal(sl_parse_size("-1", &b), SL_EINVAL);
    assert_int_equal(sl_parse_size("", &b), SL_EINVAL);
    assert_int_equal(sl_parse_size("9000000000TiB", &b), SL_ELIMIT);
    assert_int_equal(sl_parse_size("99999999999999999999", &b), SL_ELIMIT);
    assert_int_equal(b, 1);
}

static void test_parse_bool(void **state)
{
    (void)state;
    static const char *const yes[] = {"true", "yes", "on", "True", "YES"};
    static const char *const no[] = {"false", "no", "off", "False", "OFF"};
    for (size_t i = 0; i < 5; i++) {
        bool v = false;
        assert_int_equal(sl_parse_bool(yes[i], &v), 0);
        assert_true(v);
        assert_int_equal(sl_parse_bool(no[i], &v), 0);
        assert_false(v);
    }
    bool v = true;
    assert_int_equal(sl_parse_bool("1", &v), SL_EINVAL);
    assert_int_equal(sl_parse_bool("maybe", &v), SL_EINVAL);
    assert_int_equal(sl_parse_bool("", &v), SL_EINVAL);
    assert_true(v);
}

/* ---- option tables ---- */

struct sink_opts {
    char *path;
    char *format;
    int64_t max_files;
    bool compress;
    int64_t window_ms;
    int64_t part_bytes;
    struct sl_strlist partition_by;
    const struct sl_conf *extra;
};

static const struct sl_option sink_table[] = {
    {"path", SL_OPT_STRING, NULL, NULL, true, offsetof(struct sink_opts, path),
     "where to write"},
    {"format", SL_OPT_ENUM, "json", "json|csv|parquet", false,
     offsetof(struct sink_opts, format), "output format"},
    {"max_files", SL_OPT_INT, "10", NULL, false,
     offsetof(struct sink_opts, max_files), "files open at once"},
    {"compress", SL_OPT_BOOL, "false", NULL, false,
     offsetof(struct sink_opts, compress), "gzip the output"},
    {"window", SL_OPT_DURATION, "100s", NULL, false,
     offsetof(struct sink_opts, window_ms), "batch window"},
    {"part_size", SL_OPT_SIZE, "128MiB", NULL, false,
     offsetof(struct sink_opts, part_bytes), "roll parts at this size"},
    {"partition_by", SL_OPT_STRLIST, NULL, NULL, false,
     offsetof(struct sink_opts, partition_by), "partition columns"},
    {"extra", SL_OPT_NODE, NULL, NULL, false, offsetof(struct sink_opts, extra),
     "anything"},
    {NULL, 0, NULL, NULL, false, 0, NULL},
};

static struct sl_conf *load(const char *text)
{
    struct sl_conf *c = NULL;
    struct sl_error err;
    int rc = sl_conf_load_string(text, strlen(text), "job.yaml", &c, &err);
    if (rc)
        fail_msg("%s", err.msg);
    return c;
}

/* Parse `text`'s `sink:` map with sink_table; expect failure `msg`. */
static void expect_error(const char *text, const char *msg)
{
    struct sl_conf *c = load(text);
    struct sink_opts o;
    memset(&o, 0xab, sizeof o);
    struct sl_error err;
    int rc = sl_options_parse(sink_table, NULL, sl_conf_get(c, "sink"), "sink",
                              &o, &err);
    assert_int_equal(rc, SL_EINVAL);
    assert_string_equal(err.msg, msg);
    /* Failure leaves nothing allocated and the struct zeroed. */
    assert_null(o.path);
    assert_null(o.format);
    assert_int_equal(o.partition_by.n, 0);
    assert_null(o.partition_by.v);
    sl_options_free(sink_table, &o);
    sl_conf_free(c);
}

static void test_defaults(void **state)
{
    (void)state;
    struct sl_conf *c = load("sink:\n  path: /out\n");
    struct sink_opts o;
    memset(&o, 0xab, sizeof o);
    struct sl_error err;
    assert_int_equal(sl_options_parse(sink_table, NULL, sl_conf_get(c, "sink"),
                                      "sink", &o, &err),
                     0);
    assert_string_equal(o.path, "/out");
    assert_string_equal(o.format, "json");
    assert_int_equal(o.max_files, 10);
    assert_false(o.compress);
    assert_int_equal(o.window_ms, 100000);
    assert_int_equal(o.part_bytes, 134217728);
    assert_int_equal(o.partition_by.n, 0);
    assert_null(o.partition_by.v);
    assert_null(o.extra);
    sl_options_free(sink_table, &o);
    assert_null(o.path);
    assert_null(o.format);
    sl_conf_free(c);
}

static void test_every_type(void **state)
{
    (void)state;
    struct sink_opts o;
    struct sl_error err;
    setenv("SL_OPT_T", "t1", 1);
    struct sl_conf *c = load("sink:\n"
                             "  path: \"/out/${SL_OPT_T}\"\n"
                             "  format: parquet\n"
                             "  max_files: -3\n"
                             "  compress: yes\n"
                             "  window: 250ms\n"
                             "  part_size: 64KiB\n"
                             "  partition_by: [year, month]\n"
                             "  extra: {a: [1, 2]}\n");
    assert_int_equal(sl_options_parse(sink_table, NULL, sl_conf_get(c, "sink"),
                                      "sink", &o, &err),
                     0);
    assert_string_equal(o.path, "/out/t1");
    assert_string_equal(o.format, "parquet");
    assert_int_equal(o.max_files, -3);
    assert_true(o.compress);
    assert_int_equal(o.window_ms, 250);
    assert_int_equal(o.part_bytes, 65536);
    assert_int_equal(o.partition_by.n, 2);
    assert_string_equal(o.partition_by.v[0], "year");
    assert_string_equal(o.partition_by.v[1], "month");
    assert_ptr_equal(o.extra, sl_conf_get(sl_conf_get(c, "sink"), "extra"));
    assert_int_equal(o.extra->kind, SL_CONF_MAP);
    sl_options_free(sink_table, &o);
    assert_int_equal(o.partition_by.n, 0);
    assert_null(o.extra);
    sl_conf_free(c);
}

static void test_scalar_list_and_null(void **state)
{
    (void)state;
    /* A single scalar is a one-element list; `key:` keeps the default. */
    struct sl_conf *c = load("sink:\n  path: /o\n  partition_by: year\n"
                             "  format:\n  window: null\n");
    struct sink_opts o;
    struct sl_error err;
    assert_int_equal(sl_options_parse(sink_table, NULL, sl_conf_get(c, "sink"),
                                      "sink", &o, &err),
                     0);
    assert_int_equal(o.partition_by.n, 1);
    assert_string_equal(o.partition_by.v[0], "year");
    assert_string_equal(o.format, "json");
    assert_int_equal(o.window_ms, 100000);
    sl_options_free(sink_table, &o);
    sl_conf_free(c);
}

static void test_also_keys(void **state)
{
    (void)state;
    static const char *const also[] = {"type", "codec", NULL};
    struct sl_conf *c = load("sink:\n  type: file\n  path: /o\n  codec: gz\n");
    struct sink_opts o;
    struct sl_error err;
    assert_int_equal(sl_options_parse(sink_table, also, sl_conf_get(c, "sink"),
                                      "sink", &o, &err),
                     0);
    assert_string_equal(o.path, "/o");
    sl_options_free(sink_table, &o);
    sl_conf_free(c);

    c = load("sink:\n  path: /o\n  codc: gz\n");
    assert_int_equal(sl_options_parse(sink_table, also, sl_conf_get(c, "sink"),
                                      "sink", &o, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg,
                        "job.yaml:3:3: sink: unknown key 'codc', did you mean "
                        "'codec'? (known keys: path, format, max_files, "
                        "compress, window, part_size, partition_by, extra, "
                        "type, codec)");
    sl_conf_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("sink:\n  format: json\n  pth: /o\n",
                 "job.yaml:3:3: sink: unknown key 'pth', did you mean 'path'? "
                 "(known keys: path, format, max_files, compress, window, "
                 "part_size, partition_by, extra)");
    expect_error("sink:\n  path: /o\n  zzzzz: 1\n",
                 "job.yaml:3:3: sink: unknown key 'zzzzz' (known keys: path, "
                 "format, max_files, compress, window, part_size, "
                 "partition_by, extra)");
    expect_error("sink:\n  path: /o\n  window: 10x\n",
                 "job.yaml:3:11: sink.window: '10x' is not a duration (use "
                 "ms, s, m or h, e.g. 100s)");
    expect_error("sink:\n  path: /o\n  window: 100\n",
                 "job.yaml:3:11: sink.window: '100' is not a duration (use "
                 "ms, s, m or h, e.g. 100s)");
    expect_error("sink:\n  path: /o\n  part_size: 10x\n",
                 "job.yaml:3:14: sink.part_size: '10x' is not a size (use "
                 "bytes or KiB, MiB, GiB, KB, MB, GB, e.g. 64MiB)");
    expect_error("sink:\n  path: /o\n  max_files: 1.5\n",
                 "job.yaml:3:14: sink.max_files: '1.5' is not an integer");
    expect_error("sink:\n  path: /o\n  max_files: 99999999999999999999\n",
                 "job.yaml:3:14: sink.max_files: '99999999999999999999' is "
                 "out of range for a 64-bit integer");
    expect_error("sink:\n  path: /o\n  compress: maybe\n",
                 "job.yaml:3:13: sink.compress: 'maybe' is not a boolean (use "
                 "true or false)");
    expect_error("sink:\n  path: /o\n  format: xml\n",
                 "job.yaml:3:11: sink.format: 'xml' is not one of "
                 "json|csv|parquet");
    expect_error("sink:\n  path: [a, b]\n",
                 "job.yaml:2:9: sink.path: expected a string, not a list");
    expect_error("sink:\n  path: /o\n  max_files: {a: 1}\n",
                 "job.yaml:3:14: sink.max_files: expected an integer, not a "
                 "map");
    expect_error("sink:\n  path: /o\n  partition_by: [a, [b]]\n",
                 "job.yaml:3:21: sink.partition_by: list item 2 must be a "
                 "text value, not a list");
    expect_error("sink:\n  format: csv\n",
                 "job.yaml:2:3: sink: missing required key 'path'");
    expect_error("sink:\n  format: csv\n  path: null\n",
                 "job.yaml:2:3: sink: missing required key 'path'");
    expect_error("sink: [1]\n",
                 "job.yaml:1:7: sink: expected a map of keys, not a list");
    /* No `sink:` at all. */
    expect_error("other: 1\n", "sink: missing required key 'path'");
}

static void test_bad_default(void **state)
{
    (void)state;
    struct x {
        int64_t n;
    } x;
    static const struct sl_option bad[] = {
        {"n", SL_OPT_DURATION, "5", NULL, false, offsetof(struct x, n), ""},
        {NULL, 0, NULL, NULL, false, 0, NULL},
    };
    struct sl_error err;
    assert_int_equal(sl_options_parse(bad, NULL, NULL, "t", &x, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "option table: n: '5' is not a duration (use "
                                 "ms, s, m or h, e.g. 100s)");
}

static void test_help(void **state)
{
    (void)state;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_options_help(sink_table, &b), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal(
        (char *)b.data,
        "KEY           TYPE      DEFAULT  REQUIRED  DESCRIPTION\n"
        "path          string    -        yes       where to write\n"
        "format        enum      json     no        output format (one of: "
        "json|csv|parquet)\n"
        "max_files     integer   10       no        files open at once\n"
        "compress      boolean   false    no        gzip the output\n"
        "window        duration  100s     no        batch window\n"
        "part_size     size      128MiB   no        roll parts at this size\n"
        "partition_by  list      -        no        partition columns\n"
        "extra         any       -        no        anything\n");
    sl_buf_free(&b);
}

/* ---- schema option ---- */

struct schema_opts {
    struct sl_field *schema;
};

static const struct sl_option schema_table[] = {
    {"schema", SL_OPT_SCHEMA, NULL, NULL, true,
     offsetof(struct schema_opts, schema), "declared columns"},
    {NULL, 0, NULL, NULL, false, 0, NULL},
};

static int schema_parse(const char *text, struct schema_opts *o,
                        struct sl_error *err)
{
    struct sl_conf *c = load(text);
    int rc = sl_options_parse(schema_table, NULL, sl_conf_get(c, "source"),
                              "source", o, err);
    sl_conf_free(c);
    return rc;
}

static void test_schema(void **state)
{
    (void)state;
    struct schema_opts o;
    struct sl_error err;
    assert_int_equal(
        schema_parse("source:\n  schema:\n"
                     "    - {name: id, type: bigint, nullable: "
                     "false}\n"
                     "    - name: tags\n"
                     "      type: array<string>\n"
                     "    - {name: price, type: 'decimal(10,2)'}\n",
                     &o, &err),
        0);
    const struct sl_field *f = o.schema;
    assert_int_equal(f->type, SL_STRUCT);
    assert_null(f->name);
    assert_int_equal(f->n_children, 3);
    assert_string_equal(f->children[0].name, "id");
    assert_int_equal(f->children[0].type, SL_BIGINT);
    assert_false(f->children[0].nullable);
    assert_string_equal(f->children[1].name, "tags");
    assert_int_equal(f->children[1].type, SL_ARRAY);
    assert_int_equal(f->children[1].n_children, 1);
    assert_int_equal(f->children[1].children[0].type, SL_STRING);
    assert_true(f->children[1].nullable);
    assert_string_equal(f->children[2].name, "price");
    assert_int_equal(f->children[2].type, SL_DECIMAL);
    assert_int_equal(f->children[2].precision, 10);
    assert_int_equal(f->children[2].scale, 2);
    assert_true(f->children[2].nullable);
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_type_format(f, &b), 0);
    assert_int_equal(sl_buf_cstr(&b), 0);
    assert_string_equal((char *)b.data,
                        "struct<id:bigint,tags:array<string>,price:decimal(10,"
                        "2)>");
    sl_buf_free(&b);
    sl_options_free(schema_table, &o);
    assert_null(o.schema);

    /* The whole schema as one Hive type string. */
    assert_int_equal(
        schema_parse("source:\n  schema: 'struct<a:int,b:string>'\n", &o, &err),
        0);
    assert_int_equal(o.schema->n_children, 2);
    assert_string_equal(o.schema->children[1].name, "b");
    assert_int_equal(o.schema->children[1].type, SL_STRING);
    sl_options_free(schema_table, &o);

    assert_int_equal(schema_parse("source:\n  schema:\n"
                                  "    - {name: a, type: int}\n"
                                  "    - {name: a, type: string}\n",
                                  &o, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "job.yaml:4:7: source.schema[1]: column 'a' "
                                 "is declared twice");
    assert_null(o.schema);
    assert_int_equal(schema_parse("source:\n  schema:\n"
                                  "    - {name: a, typ: int}\n",
                                  &o, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "job.yaml:3:17: source.schema[0]: unknown "
                                 "key 'typ', did you mean 'type'? (known "
                                 "keys: name, type, nullable)");
    assert_int_equal(schema_parse("source:\n  schema: 'int'\n", &o, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "job.yaml:2:11: source.schema: a schema must "
                                 "be a struct<...> or a list of {name, type}, "
                                 "not 'int'");
    assert_int_equal(schema_parse("source:\n  schema:\n"
                                  "    - {name: a, type: bigintt}\n",
                                  &o, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg,
                        "job.yaml:3:23: source.schema[0].type: type "
                        "\"bigintt\": expected a type name (boolean, int, "
                        "bigint, float, double, decimal, string, binary, "
                        "date, timestamp, array, map, struct) at character 1, "
                        "found 'b'");
    assert_null(o.schema);
    assert_int_equal(
        schema_parse("source:\n  schema: 'struct<a:int'\n", &o, &err),
        SL_EINVAL);
    assert_string_equal(err.msg,
                        "job.yaml:2:11: source.schema: type \"struct<a:int\": "
                        "expected ',' or '>' at character 13, found the end "
                        "of the text");
    assert_int_equal(schema_parse("source:\n  schema: {a: int}\n", &o, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "job.yaml:2:11: source.schema: expected a "
                                 "list of {name, type, nullable}, not a map");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_i64),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_bool),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_scalar_list_and_null),
        cmocka_unit_test(test_also_keys),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_default),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
