/*
 * test_csv.c - the CSV decoder (src/formats/csv.c): dialect files written
 * by Python's csv module, framing of quoted newlines, headers per
 * partition, detection and widening, ragged rows, BOM, CRLF, null_value,
 * declared conversions and their errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch.h"
#include "options.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_csv;

struct fx {
    void *st;
    struct sl_batch *b;
    struct sl_conf *conf;
    struct sl_field schema;
    struct sl_error err;
    struct sl_buf out;
};

/* opts: YAML map of the source keys ("" for none); schema NULL = detect. */
static void fx_open(struct fx *f, const char *opts, const char *schema)
{
    memset(f, 0, sizeof *f);
    char text[1024];
    snprintf(text, sizeof text, "{format: csv%s%s}", *opts ? ", " : "", opts);
    if (sl_conf_load_string(text, strlen(text), "test", &f->conf, &f->err))
        fail_msg("%s", f->err.msg);
    struct sl_decoder_ctx ctx = {.conf = f->conf};
    if (schema) {
        if (sl_type_parse(schema, &f->schema, &f->err))
            fail_msg("%s", f->err.msg);
        ctx.schema = &f->schema;
    }
    if (sl_decoder_csv.create(&ctx, &f->st, &f->err))
        fail_msg("create: %s", f->err.msg);
    assert_int_equal(
        sl_batch_create(schema ? &f->schema : NULL, &f->b, &f->err), 0);
    sl_buf_init(&f->out, 0);
}

static void fx_close(struct fx *f)
{
    sl_decoder_csv.destroy(f->st);
    sl_batch_destroy(f->b);
    sl_field_free(&f->schema);
    sl_conf_free(f->conf);
    sl_buf_free(&f->out);
}

static int decn(struct fx *f, const char *p, size_t n)
{
    sl_error_clear(&f->err);
    return sl_decoder_csv.decode(f->st, (const uint8_t *)p, n, f->b, &f->err);
}

static void ok(struct fx *f, const char *rec)
{
    if (decn(f, rec, strlen(rec)))
        fail_msg("decode '%s': %s", rec, f->err.msg);
}

static void bad(struct fx *f, const char *rec, const char *msg, long off)
{
    size_t rows = sl_batch_rows(f->b);
    if (decn(f, rec, strlen(rec)) == 0)
        fail_msg("decode '%s': accepted", rec);
    if (strcmp(f->err.msg, msg) != 0)
        fail_msg("decode '%s':\n  got  %s\n  want %s", rec, f->err.msg, msg);
    assert_int_equal(f->err.offset, off);
    assert_int_equal(sl_batch_rows(f->b), rows);
}

/* Row i as JSON (null fields left out). */
static const char *row(struct fx *f, size_t i)
{
    sl_buf_reset(&f->out);
    assert_int_equal(sl_col_value_json(&f->b->root, i, &f->out), 0);
    assert_int_equal(sl_buf_cstr(&f->out), 0);
    return (const char *)f->out.data;
}

static void want_row(struct fx *f, size_t i, const char *json)
{
    const char *got = row(f, i);
    if (strcmp(got, json) != 0)
        fail_msg("row %zu:\n  got  %s\n  want %s", i, got, json);
}

static void want_schema(struct fx *f, const char *type)
{
    struct sl_field s;
    struct sl_buf t;
    sl_buf_init(&t, 0);
    assert_int_equal(sl_batch_schema(f->b, &s), 0);
    assert_int_equal(sl_type_format(&s, &t), 0);
    assert_int_equal(sl_buf_cstr(&t), 0);
    if (strcmp((char *)t.data, type) != 0)
        fail_msg("schema:\n  got  %s\n  want %s", (char *)t.data, type);
    sl_field_free(&s);
    sl_buf_free(&t);
}

/* Cut buf into records with the decoder's framing (as the file source
 * does, EOF at the end) and decode each; returns the record count. */
static size_t feed(struct fx *f, const char *p, size_t n, const char *part)
{
    size_t off = 0, recs = 0;
    while (off < n) {
        size_t used = 0;
        long len = sl_decoder_csv.frame(f->st, (const uint8_t *)p + off,
                                        n - off, true, &used);
        assert_true(len >= 0 && used > 0);
        if (len > 0) {
            sl_decoder_csv.locate(f->st, part, (int64_t)off);
            if (decn(f, p + off, (size_t)len))
                fail_msg("record at %zu: %s", off, f->err.msg);
            recs++;
        }
        off += used;
    }
    return recs;
}

/* ---- Python's csv module writes the dialect fixtures ---- */

static const char *const fixture_rows[][4] = {
    {"1", "plain", "a,b", "x"},
    {"2", "quote \"inside\"", "tab\there", ""},
    {"3", "new\nline", "semi;colon|pipe", "back\\slash"},
    {"4", "", "'single'", "last"},
};

/* Write the rows with a csv.writer(**kwargs) into a temp file; return its
 * bytes (malloc'ed) and length. */
static char *python_csv(const char *kwargs, size_t *n)
{
    char path[] = "/tmp/sl-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import csv,sys\n"
             "rows=[[\"id\",\"name\",\"note\",\"tail\"],"
             "[\"1\",\"plain\",\"a,b\",\"x\"],"
             "[\"2\",\"quote \\\"inside\\\"\",\"tab\\there\",\"\"],"
             "[\"3\",\"new\\nline\",\"semi;colon|pipe\",\"back\\\\slash\"],"
             "[\"4\",\"\",\"\\x27single\\x27\",\"last\"]]\n"
             "with open(sys.argv[1],\"w\",newline=\"\") as f:\n"
             "    csv.writer(f,%s).writerows(rows)' %s",
             kwargs, path);
    if (system(cmd) != 0)
        fail_msg("python3 failed: %s", cmd);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = malloc(65536);
    *n = fread(buf, 1, 65536, fp);
    fclose(fp);
    unlink(path);
    return buf;
}

static void check_dialect(const char *kwargs, const char *opts)
{
    struct fx f;
    size_t n;
    char *data = python_csv(kwargs, &n);
    fx_open(&f, opts, "struct<id:int,name:string,note:string,tail:string>");
    assert_int_equal(feed(&f, data, n, "p"), 5);
    assert_int_equal(sl_batch_rows(f.b), 4);
    for (size_t i = 0; i < 4; i++) {
        struct sl_col *c = f.b->root.child;
        assert_int_equal(SL_COL_VALUES(&c[0], int32_t)[i], (int32_t)i + 1);
        for (int k = 1; k < 4; k++) {
            const char *want = fixture_rows[i][k];
            if (!*want) { /* empty: null unless quoted */
                continue;
            }
            assert_true(sl_col_is_valid(&c[k], i));
            size_t len = (size_t)(c[k].off[i + 1] - c[k].off[i]);
            if (len != strlen(want) ||
                memcmp(c[k].data + c[k].off[i], want, len) != 0)
                fail_msg("%s: row %zu field %d: got '%.*s' want '%s'", kwargs,
                         i, k, (int)len, c[k].data + c[k].off[i], want);
        }
    }
    fx_close(&f);
    free(data);
}

static void test_python_dialects(void **state)
{
    (void)state;
    check_dialect("dialect=\"excel\"", "header: true");
    check_dialect("dialect=\"excel-tab\"", "header: true, separator: tab");
    check_dialect("dialect=\"excel-tab\"", "header: true, separator: '\\t'");
    check_dialect("dialect=\"unix\"", "header: true");
    check_dialect("delimiter=\"|\", quotechar=\"\\x27\", "
                  "quoting=csv.QUOTE_ALL",
                  "header: true, separator: '|', quote_char: \"'\"");
    check_dialect("delimiter=\";\", escapechar=\"\\\\\", doublequote=False",
                  "header: true, separator: ';', escape_char: '\\'");
    check_dialect("delimiter=\"\\t\", quoting=csv.QUOTE_NONNUMERIC",
                  "header: true, separator: \"\\t\"");
}

/* ---- framing ---- */

static void test_frame(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "", NULL);
    sl_frame_fn fr = sl_decoder_csv.frame;
    size_t used = 0;
    const char *a = "a,\"b\nc\",d\r\nnext";
    assert_int_equal(fr(f.st, (const uint8_t *)a, strlen(a), false, &used), 9);
    assert_int_equal(used, 11);
    /* An open quote needs more bytes, unless the stream ended. */
    const char *o = "x,\"open\nstill";
    assert_int_equal(fr(f.st, (const uint8_t *)o, strlen(o), false, &used), -1);
    assert_int_equal(fr(f.st, (const uint8_t *)o, strlen(o), true, &used),
                     (long)strlen(o));
    /* A quote in the middle of an unquoted field does not open one. */
    const char *m = "5\" screen,x\ny";
    assert_int_equal(fr(f.st, (const uint8_t *)m, strlen(m), false, &used), 11);
    /* Doubled quotes inside a quoted field. */
    const char *d = "\"a\"\"\nb\",c\n";
    assert_int_equal(fr(f.st, (const uint8_t *)d, strlen(d), false, &used), 9);
    fx_close(&f);
}

/* A multi-line quoted field cut across read blocks still frames (the file
 * source calls frame again with more bytes). */
static void test_multiline_file(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "header: true", NULL);
    const char *file = "id,text\n1,\"line one\nline two\n\nline four\"\n"
                       "2,\"x\r\ny\"\r\n3,plain\n";
    assert_int_equal(feed(&f, file, strlen(file), "p"), 4);
    assert_int_equal(sl_batch_rows(f.b), 3);
    want_row(&f, 0,
             "{\"id\":1,\"text\":\"line one\\nline two\\n\\nline four\"}");
    want_row(&f, 1, "{\"id\":2,\"text\":\"x\\r\\ny\"}");
    want_row(&f, 2, "{\"id\":3,\"text\":\"plain\"}");
    fx_close(&f);
}

/* ---- detection ---- */

static void test_detect_types(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "header: true", NULL);
    ok(&f, "b,i,l,d,t,s,e");
    ok(&f, "true,7,4000000000,2.5,2026-11-25T10:00:00Z,abc,");
    ok(&f, "FALSE,-3,1,1e3,2026-11-25,007,");
    want_schema(&f, "struct<b:boolean,i:int,l:bigint,d:double,t:timestamp,"
                    "s:string,e:void>");
    want_row(&f, 0,
             "{\"b\":true,\"i\":7,\"l\":4000000000,\"d\":2.5,"
             "\"t\":\"2026-11-25T10:00:00Z\",\"s\":\"abc\"}");
    want_row(&f, 1,
             "{\"b\":false,\"i\":-3,\"l\":1,\"d\":1000,"
             "\"t\":\"2026-11-25T00:00:00Z\",\"s\":\"007\"}");
    /* Widening: int -> bigint -> double; anything + text -> string. */
    ok(&f, "x,5000000000,2.5,7,,1,z");
    want_schema(&f, "struct<b:string,i:bigint,l:double,d:double,t:timestamp,"
                    "s:string,e:string>");
    want_row(&f, 0,
             "{\"b\":\"true\",\"i\":7,\"l\":4000000000,\"d\":2.5,"
             "\"t\":\"2026-11-25T10:00:00Z\",\"s\":\"abc\"}");
    want_row(&f, 2,
             "{\"b\":\"x\",\"i\":5000000000,\"l\":2.5,\"d\":7,"
             "\"s\":\"1\",\"e\":\"z\"}");
    fx_close(&f);
}

static void test_no_header_columns(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "", NULL);
    ok(&f, "1,a,2.5");
    ok(&f, "2,b,3");
    want_schema(&f, "struct<col0:int,col1:string,col2:double>");
    want_row(&f, 1, "{\"col0\":2,\"col1\":\"b\",\"col2\":3}");
    bad(&f, "3,c", "row has 2 fields, expected 3", 0);
    bad(&f, "1,2,3,4,5", "row has 5 fields, expected 3", 0);
    fx_close(&f);
}

/* ---- headers per partition ---- */

static void test_header_per_partition(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "header: true", NULL);
    const char *a = "id,name\n1,ann\n";
    const char *b = "name,id,extra\nbob,2,x\n";
    feed(&f, a, strlen(a), "fileA");
    feed(&f, b, strlen(b), "fileB");
    /* More of file A (position > 0): A's header still maps the fields. */
    sl_decoder_csv.locate(f.st, "fileA", 14);
    ok(&f, "3,cat");
    /* The header line again in the middle of A (files concatenated). */
    sl_decoder_csv.locate(f.st, "fileA", 20);
    ok(&f, "id,name");
    want_schema(&f, "struct<id:int,name:string,extra:string>");
    assert_int_equal(sl_batch_rows(f.b), 3);
    want_row(&f, 0, "{\"id\":1,\"name\":\"ann\"}");
    want_row(&f, 1, "{\"id\":2,\"name\":\"bob\",\"extra\":\"x\"}");
    want_row(&f, 2, "{\"id\":3,\"name\":\"cat\"}");
    /* A file whose header was not seen in this run (resumed mid-file):
     * the columns in force give the order. */
    sl_decoder_csv.locate(f.st, "fileC", 100);
    ok(&f, "4,dan,y");
    want_row(&f, 3, "{\"id\":4,\"name\":\"dan\",\"extra\":\"y\"}");
    fx_close(&f);

    /* Declared schema + header: by name, unknown header names skipped. */
    fx_open(&f, "header: true", "struct<id:bigint,name:string>");
    const char *c = "zzz,name,id\nq,eve,5\n";
    feed(&f, c, strlen(c), "fileC");
    want_row(&f, 0, "{\"id\":5,\"name\":\"eve\"}");
    /* Resumed mid-file: the declared order. */
    sl_decoder_csv.locate(f.st, "fileD", 50);
    ok(&f, "6,fay");
    want_row(&f, 1, "{\"id\":6,\"name\":\"fay\"}");
    fx_close(&f);
}

static void test_header_names(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "header: true", NULL);
    ok(&f, "a,,a");
    ok(&f, "1,2,3");
    want_schema(&f, "struct<a:int,col1:int,a_2:int>");
    fx_close(&f);
    /* A renamed duplicate that collides again gets another suffix. */
    fx_open(&f, "header: true", NULL);
    ok(&f, "a_2,a,a,col3,");
    ok(&f, "1,2,3,4,5");
    want_schema(&f, "struct<a_2:int,a:int,a_2_2:int,col3:int,col4:int>");
    fx_close(&f);
}

/* ---- ragged rows, BOM, CRLF, null_value ---- */

static void test_ragged(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "header: true", NULL);
    ok(&f, "a,b,c,d");
    ok(&f, "1,2,3,4");
    bad(&f, "1,2,3,4,5", "row has 5 fields, expected 4", 0);
    bad(&f, "1,2,3", "row has 3 fields, expected 4", 0);
    /* Several rows in one record: the whole record is rolled back. */
    bad(&f, "5,6,7,8\n9", "row has 1 field, expected 4", 8);
    assert_int_equal(sl_batch_rows(f.b), 1);
    fx_close(&f);

    fx_open(&f, "header: true, ragged: fill", NULL);
    ok(&f, "a,b,c,d");
    ok(&f, "1,2,3,4,5");
    ok(&f, "1,2");
    want_row(&f, 0, "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}");
    want_row(&f, 1, "{\"a\":1,\"b\":2}");
    fx_close(&f);

    fx_open(&f, "ragged: fill", NULL);
    ok(&f, "1,2");
    ok(&f, "3,4,5");
    ok(&f, "6");
    want_schema(&f, "struct<col0:int,col1:int,col2:int>");
    want_row(&f, 1, "{\"col0\":3,\"col1\":4,\"col2\":5}");
    want_row(&f, 2, "{\"col0\":6}");
    fx_close(&f);
}

static void test_bom_crlf_null(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "header: true, null_value: NA", NULL);
    ok(&f, "\xef\xbb\xbfid,v\r\n");
    ok(&f, "1,NA\r\n");
    ok(&f, "2,\"NA\"\r\n");
    ok(&f, "3,\r\n");
    want_schema(&f, "struct<id:int,v:string>");
    want_row(&f, 0, "{\"id\":1}");
    want_row(&f, 1, "{\"id\":2,\"v\":\"NA\"}");
    want_row(&f, 2, "{\"id\":3,\"v\":\"\"}");
    fx_close(&f);

    /* Default null_value: the empty unquoted field; "" is an empty string. */
    fx_open(&f, "", "struct<a:string,b:int>");
    ok(&f, ",\n\"\",7\r\n\n");
    assert_int_equal(sl_batch_rows(f.b), 2);
    want_row(&f, 0, "{}");
    want_row(&f, 1, "{\"a\":\"\",\"b\":7}");
    fx_close(&f);
}

/* ---- declared schema ---- */

static void test_declared(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "",
            "struct<i:int,l:bigint,f:float,d:decimal(6,2),dt:date,"
            "ts:timestamp,b:boolean,bin:binary>");
    ok(&f, "7,-9000000000,1.5,12.5,2026-11-25,1700000000,True,aGk=");
    want_row(&f, 0,
             "{\"i\":7,\"l\":-9000000000,\"f\":1.5,\"d\":12.50,"
             "\"dt\":\"2026-11-25\",\"ts\":\"2023-11-14T22:13:20Z\","
             "\"b\":true,\"bin\":\"aGk=\"}");
    bad(&f, "x,1,1,1,2026-11-25,0,true,",
        "field 1 (column 'i'): 'x' is not an int", 0);
    bad(&f, "1,1,1,1,2026-11-25,0,yes,",
        "field 7 (column 'b'): 'yes' is not a boolean", 21);
    bad(&f, "3000000000,1,1,1,2026-11-25,0,true,",
        "field 1 (column 'i'): '3000000000' is out of range for int", 0);
    bad(&f, "1,1,1,1.234,2026-11-25,0,true,",
        "field 4 (column 'd'): '1.234' is not a decimal", 6);
    bad(&f, "1,1,1,1,\"2026-13-01\",0,true,",
        "field 5 (column 'dt'): '2026-13-01' is not a date", 9);
    assert_int_equal(sl_batch_rows(f.b), 1);
    fx_close(&f);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "", NULL);
    bad(&f, "a,\"open", "quoted field 2 never ends (no closing \")", 2);
    bad(&f, "a,\"x\"y,b",
        "field 2: 'y' after the closing quote (a quote "
        "inside a quoted field is written twice)",
        5);
    fx_close(&f);
}

static void test_options(void **state)
{
    (void)state;
    struct sl_conf *conf;
    struct sl_error err;
    void *st;
    const char *t = "{format: csv, separator: ab}";
    assert_int_equal(sl_conf_load_string(t, strlen(t), "t", &conf, &err), 0);
    struct sl_decoder_ctx ctx = {.conf = conf};
    assert_int_equal(sl_decoder_csv.create(&ctx, &st, &err), SL_EINVAL);
    assert_string_equal(err.msg,
                        "source: separator must be one byte (or \\t, tab), "
                        "not 'ab'");
    sl_conf_free(conf);
    t = "{format: csv, separator: '\"'}";
    assert_int_equal(sl_conf_load_string(t, strlen(t), "t", &conf, &err), 0);
    ctx.conf = conf;
    assert_int_equal(sl_decoder_csv.create(&ctx, &st, &err), SL_EINVAL);
    sl_conf_free(conf);
    sl_decoder_csv.destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_dialects),
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_multiline_file),
        cmocka_unit_test(test_detect_types),
        cmocka_unit_test(test_no_header_columns),
        cmocka_unit_test(test_header_per_partition),
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_ragged),
        cmocka_unit_test(test_bom_crlf_null),
        cmocka_unit_test(test_declared),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
