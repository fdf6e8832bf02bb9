/*
 * test_batch.c - the columnar layout of batch.h: appends, struct/list
 * building, rollback, clear, detection (add child, widen), schema, JSON
 * rendering of values (batch.c, batch_json.c).
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

static struct sl_batch *make(const char *type)
{
    struct sl_field f;
    struct sl_error err;
    if (sl_type_parse(type, &f, &err))
        fail_msg("%s", err.msg);
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&f, &b, &err), 0);
    sl_field_free(&f);
    return b;
}

static void assert_str_at(const struct sl_col *c, size_t i, const char *want)
{
    assert_true(sl_col_is_valid(c, i));
    size_t n = (size_t)(c->off[i + 1] - c->off[i]);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(c->data + c->off[i], want, n);
}

static void assert_json(const struct sl_col *c, size_t i, const char *want)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl_col_value_json(c, i, &b), 0);
    sl_buf_cstr(&b);
    assert_string_equal((char *)b.data, want);
    sl_buf_free(&b);
}

static void test_flat_rows(void **state)
{
    struct sl_batch *b =
        make("struct<id:bigint,name:string,ok:boolean,x:double,n:int>");
    assert_int_equal(b->root.n_child, 5);
    struct sl_col *id = sl_batch_col(b, "id"), *name = sl_batch_col(b, "name");
    struct sl_col *ok = sl_batch_col(b, "ok"), *x = sl_batch_col(b, "x");
    assert_null(sl_batch_col(b, "nope"));
    /* empty offset columns still have off[0] == 0 */
    assert_int_equal(name->off[0], 0);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sl_col_append_i64(id, i * 3), 0);
        if (i % 2 == 0) {
            char tmp[16];
            int n = snprintf(tmp, sizeof tmp, "n%d", i);
            assert_int_equal(sl_col_append_bytes(name, tmp, (size_t)n), 0);
        }
        if (i % 3 == 0)
            assert_int_equal(sl_col_append_null(ok), 0);
        else
            assert_int_equal(sl_col_append_bool(ok, i % 3 == 1), 0);
        assert_int_equal(sl_col_append_f64(x, i / 4.0), 0);
        assert_int_equal(sl_batch_row_end(b), 0);
    }
    assert_int_equal(sl_batch_rows(b), 1000);
    struct sl_col *n = sl_batch_col(b, "n");
    assert_int_equal(n->len, 1000);
    assert_false(sl_col_is_valid(n, 999));
    assert_int_equal(SL_COL_VALUES(n, int32_t)[999], 0);
    assert_int_equal(SL_COL_VALUES(id, int64_t)[777], 2331);
    assert_str_at(name, 0, "n0");
    assert_false(sl_col_is_valid(name, 1));
    assert_int_equal(name->off[1], name->off[2]);
    assert_str_at(name, 998, "n998");
    assert_false(sl_col_is_valid(ok, 0));
    assert_int_equal(SL_COL_VALUES(ok, uint8_t)[0], 0);
    assert_int_equal(SL_COL_VALUES(ok, uint8_t)[1], 1);
    assert_int_equal(SL_COL_VALUES(ok, uint8_t)[2], 0);
    assert_true(sl_col_is_valid(ok, 2));
    assert_true(SL_COL_VALUES(x, double)[3] == 0.75);
    assert_true(sl_col_is_valid(&b->root, 999));

    /* Clear keeps columns and capacity; appends reuse the buffers. */
    size_t cap = id->cap, dcap = name->data_cap;
    uint8_t *data = name->data;
    sl_batch_clear(b);
    assert_int_equal(sl_batch_rows(b), 0);
    assert_int_equal(id->len, 0);
    assert_int_equal(name->data_len, 0);
    assert_int_equal(id->cap, cap);
    assert_int_equal(name->data_cap, dcap);
    assert_int_equal(sl_col_append_bytes(name, "z", 1), 0);
    assert_ptr_equal(name->data, data);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_str_at(name, 0, "z");
    assert_false(sl_col_is_valid(id, 0));
    sl_batch_destroy(b);
    sl_batch_destroy(NULL);
}

static void test_nested_and_rollback(void **state)
{
    struct sl_batch *b = make(
        "struct<s:struct<a:int,t:string>,l:array<struct<k:string,v:bigint>>,"
        "m:map<string,int>>");
    struct sl_col *s = sl_batch_col(b, "s"), *l = sl_batch_col(b, "l");
    struct sl_col *m = sl_batch_col(b, "m");
    struct sl_col *el = &l->child[0];
    assert_int_equal(el->type, SL_STRUCT);
    /* row 0: s={a:1}, l=[{k:"x",v:5},{k:"y"}], m={"p":1} */
    assert_int_equal(sl_col_append_i32(&s->child[0], 1), 0);
    assert_int_equal(sl_col_struct_end(s), 0);
    assert_int_equal(sl_col_append_bytes(&el->child[0], "x", 1), 0);
    assert_int_equal(sl_col_append_i64(&el->child[1], 5), 0);
    assert_int_equal(sl_col_struct_end(el), 0);
    assert_int_equal(sl_col_append_bytes(&el->child[0], "y", 1), 0);
    assert_int_equal(sl_col_struct_end(el), 0);
    assert_int_equal(sl_col_list_end(l), 0);
    assert_int_equal(sl_col_append_bytes(&m->child[0], "p", 1), 0);
    assert_int_equal(sl_col_append_i32(&m->child[1], 1), 0);
    assert_int_equal(sl_col_list_end(m), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    /* row 1: all null */
    assert_int_equal(sl_col_append_null(s), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_batch_rows(b), 2);
    assert_int_equal(s->child[0].len, 2);
    assert_false(sl_col_is_valid(s, 1));
    assert_false(sl_col_is_valid(&s->child[0], 1));
    assert_int_equal(l->off[0], 0);
    assert_int_equal(l->off[1], 2);
    assert_int_equal(l->off[2], 2);
    assert_int_equal(sl_col_list_len(l, 0), 2);
    assert_int_equal(el->len, 2);
    assert_false(sl_col_is_valid(&el->child[1], 1));
    assert_json(&b->root, 0,
                "{\"s\":{\"a\":1},\"l\":[{\"k\":\"x\",\"v\":5},{\"k\":\"y\"}],"
                "\"m\":{\"p\":1}}");
    assert_json(&b->root, 1, "{}");

    /* A third row that fails half way: values in every kind of column. */
    size_t data_len = el->child[0].data_len;
    assert_int_equal(sl_col_append_i32(&s->child[0], 9), 0);
    assert_int_equal(sl_col_append_bytes(&s->child[1], "zz", 2), 0);
    assert_int_equal(sl_col_append_bytes(&el->child[0], "q", 1), 0);
    assert_int_equal(sl_col_struct_end(el), 0);
    assert_int_equal(sl_col_append_bytes(&el->child[0], "r", 1), 0);
    assert_int_equal(sl_col_list_end(l), 0);
    assert_int_equal(sl_col_append_bytes(&m->child[0], "u", 1), 0);
    sl_batch_rollback(b, 2);
    assert_int_equal(sl_batch_rows(b), 2);
    assert_int_equal(s->len, 2);
    assert_int_equal(s->child[0].len, 2);
    assert_int_equal(s->child[1].len, 2);
    assert_int_equal(s->child[1].data_len, 0);
    assert_int_equal(l->len, 2);
    assert_int_equal(el->len, 2);
    assert_int_equal(el->child[0].len, 2);
    assert_int_equal(el->child[0].data_len, data_len);
    assert_int_equal(m->child[0].len, 1);
    assert_int_equal(m->child[1].len, 1);
    /* and the next row lands where the failed one was */
    assert_int_equal(sl_col_append_i32(&s->child[0], 7), 0);
    assert_int_equal(sl_col_struct_end(s), 0);
    assert_int_equal(sl_col_list_end(l), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_json(&b->root, 2, "{\"s\":{\"a\":7},\"l\":[]}");
    assert_int_equal(SL_COL_VALUES(&s->child[0], int32_t)[2], 7);
    assert_int_equal(l->off[3], 2);

    /* A key repeated in one object: truncate the child and append again. */
    assert_int_equal(sl_col_append_i32(&s->child[0], 1), 0);
    sl_col_truncate(&s->child[0], s->len);
    assert_int_equal(sl_col_append_i32(&s->child[0], 2), 0);
    assert_int_equal(sl_col_struct_end(s), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_json(&b->root, 3, "{\"s\":{\"a\":2}}");

    struct sl_field got, want;
    assert_int_equal(sl_batch_schema(b, &got), 0);
    assert_int_equal(
        sl_type_parse("struct<s:struct<a:int,t:string>,l:array<struct<k:"
                      "string,v:bigint>>,m:map<string,int>>",
                      &want, NULL),
        0);
    want.nullable = got.nullable; /* the root's flag is not spelled */
    assert_true(sl_field_equal(&got, &want));
    sl_field_free(&got);
    sl_field_free(&want);
    sl_batch_destroy(b);
}

static void test_detect_add_child(void **state)
{
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(NULL, &b, NULL), 0);
    assert_int_equal(b->root.type, SL_STRUCT);
    assert_int_equal(b->root.n_child, 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    struct sl_field fa = {.name = "a", .type = SL_INT, .nullable = true};
    struct sl_col *a = sl_col_add_child(&b->root, &fa, NULL);
    assert_non_null(a);
    assert_int_equal(a->len, 2);
    assert_false(sl_col_is_valid(a, 0));
    assert_false(sl_col_is_valid(a, 1));
    assert_int_equal(sl_col_append_i32(a, 42), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    struct sl_error err;
    assert_null(sl_col_add_child(&b->root, &fa, &err));
    assert_int_equal(err.code, SL_EINVAL);
    assert_null(sl_col_add_child(a, &fa, &err));

    /* A struct inside a list: back-filled to the struct's slot count. */
    struct sl_field fl;
    assert_int_equal(sl_type_parse("array<struct<x:int>>", &fl, NULL), 0);
    fl.name = "l";
    struct sl_col *l = sl_col_add_child(&b->root, &fl, NULL);
    fl.name = NULL;
    sl_field_free(&fl);
    assert_non_null(l);
    assert_int_equal(l->len, 3);
    assert_int_equal(l->off[3], 0);
    struct sl_col *el = &l->child[0];
    assert_int_equal(sl_col_append_i32(&el->child[0], 1), 0);
    assert_int_equal(sl_col_struct_end(el), 0);
    assert_int_equal(sl_col_struct_end(el), 0);
    struct sl_field fy = {.name = "y", .type = SL_STRING, .nullable = false};
    struct sl_col *y = sl_col_add_child(el, &fy, NULL);
    assert_non_null(y);
    assert_true(y->nullable);
    assert_int_equal(y->len, 2);
    assert_int_equal(sl_col_append_bytes(y, "yy", 2), 0);
    assert_int_equal(sl_col_struct_end(el), 0);
    assert_int_equal(sl_col_list_end(l), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_json(&b->root, 3, "{\"l\":[{\"x\":1},{},{\"y\":\"yy\"}]}");
    assert_json(&b->root, 2, "{\"a\":42}");

    struct sl_field got, want;
    assert_int_equal(sl_batch_schema(b, &got), 0);
    assert_int_equal(
        sl_type_parse("struct<a:int,l:array<struct<x:int,y:string>>>", &want,
                      NULL),
        0);
    want.nullable = got.nullable;
    assert_true(sl_field_equal(&got, &want));
    sl_field_free(&got);
    sl_field_free(&want);
    sl_batch_destroy(b);
}

static void test_widen(void **state)
{
    struct sl_batch *b = make("struct<i:int,f:float,n:void,s:struct<a:int>,"
                              "l:array<boolean>,o:boolean,d:date,t:timestamp,"
                              "e:decimal(6,2),bin:binary>");
    struct sl_col *c[10];
    for (int k = 0; k < 10; k++)
        c[k] = &b->root.child[k];
    assert_int_equal(sl_col_append_i32(c[0], -7), 0);
    assert_int_equal(sl_col_append_f32(c[1], 1.5f), 0);
    assert_int_equal(sl_col_append_null(c[2]), 0);
    assert_int_equal(sl_col_append_i32(&c[3]->child[0], 3), 0);
    assert_int_equal(sl_col_struct_end(c[3]), 0);
    assert_int_equal(sl_col_append_bool(&c[4]->child[0], true), 0);
    assert_int_equal(sl_col_append_null(&c[4]->child[0]), 0);
    assert_int_equal(sl_col_list_end(c[4]), 0);
    assert_int_equal(sl_col_append_bool(c[5], false), 0);
    assert_int_equal(sl_col_append_i32(c[6], 20782), 0);
    assert_int_equal(sl_col_append_i64(c[7], 1500000), 0);
    assert_int_equal(sl_col_append_dec(c[8], -5), 0);
    assert_int_equal(sl_col_append_bytes(c[9], "\x00\xff", 2), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_batch_row_end(b), 0); /* all null */

    assert_int_equal(sl_col_widen(c[0], SL_BIGINT, NULL), 0);
    assert_int_equal(SL_COL_VALUES(c[0], int64_t)[0], -7);
    assert_int_equal(sl_col_widen(c[0], SL_DOUBLE, NULL), 0);
    assert_true(SL_COL_VALUES(c[0], double)[0] == -7.0);
    assert_false(sl_col_is_valid(c[0], 1));
    assert_int_equal(sl_col_widen(c[1], SL_DOUBLE, NULL), 0);
    assert_true(SL_COL_VALUES(c[1], double)[0] == 1.5);
    struct sl_error err;
    assert_int_equal(sl_col_widen(c[1], SL_INT, &err), SL_ETYPE);
    assert_string_equal(err.msg,
                        "column \"f\" cannot change from double to int");

    assert_int_equal(sl_col_widen(c[2], SL_ARRAY, NULL), 0);
    assert_int_equal(c[2]->n_child, 1);
    assert_int_equal(c[2]->child[0].type, SL_NULLTYPE);
    assert_int_equal(c[2]->off[2], 0);
    assert_false(sl_col_is_valid(c[2], 0));

    for (int k = 0; k < 10; k++)
        assert_int_equal(sl_col_widen(c[k], SL_STRING, NULL), 0);
    const char *want[10] = {
        "-7",          "1.5",   NULL,         "{\"a\":3}",
        "[true,null]", "false", "2026-11-25", "1970-01-01T00:00:01.500000Z",
        "-0.05",       "AP8="};
    for (int k = 0; k < 10; k++) {
        assert_int_equal(c[k]->type, SL_STRING);
        assert_int_equal(c[k]->n_child, 0);
        if (want[k])
            assert_str_at(c[k], 0, want[k]);
        else
            assert_false(sl_col_is_valid(c[k], 0));
        assert_false(sl_col_is_valid(c[k], 1));
        assert_int_equal(c[k]->off[2], c[k]->off[1]);
    }
    /* still appendable as strings */
    assert_int_equal(sl_col_append_bytes(c[0], "x", 1), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_str_at(c[0], 2, "x");
    sl_batch_destroy(b);
}

static void test_json_values(void **state)
{
    struct sl_batch *b = make("struct<d:decimal(10,3),m:map<int,string>,"
                              "x:double,s:string>");
    struct sl_col *d = sl_batch_col(b, "d"), *m = sl_batch_col(b, "m");
    struct sl_col *x = sl_batch_col(b, "x"), *s = sl_batch_col(b, "s");
    assert_int_equal(sl_col_append_dec(d, 123456), 0);
    assert_int_equal(sl_col_append_i32(&m->child[0], 4), 0);
    assert_int_equal(sl_col_append_bytes(&m->child[1], "a\"b\n", 4), 0);
    assert_int_equal(sl_col_list_end(m), 0);
    assert_int_equal(sl_col_append_f64(x, 0.1), 0);
    assert_int_equal(sl_col_append_bytes(s, "\x01", 1), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_col_append_dec(d, -1), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_json(d, 0, "123.456");
    assert_json(d, 1, "-0.001");
    assert_json(m, 0, "{\"4\":\"a\\\"b\\n\"}");
    assert_json(m, 1, "null");
    assert_json(x, 0, "0.1");
    assert_json(s, 0, "\"\\u0001\"");
    assert_int_equal(sl_batch_bytes(b) > 0, 1);
    sl_batch_destroy(b);
}

static void test_bytes_api(void **state)
{
    struct sl_batch *b = make("struct<s:string>");
    struct sl_col *s = sl_batch_col(b, "s");
    /* an empty string first, before the data buffer exists */
    assert_int_equal(sl_col_append_bytes(s, "", 0), 0);
    assert_true(sl_col_is_valid(s, 0));
    assert_int_equal(s->off[1], 0);
    sl_batch_clear(b);
    uint8_t *p = sl_col_bytes_begin(s, 1000);
    assert_non_null(p);
    memcpy(p, "hello", 5);
    assert_int_equal(sl_col_bytes_end(s, 5), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_str_at(s, 0, "hello");
    assert_int_equal(s->data_len, 5);
    /* bitmap (1) + offsets (2*4) + data (5) + root bitmap (1) */
    assert_int_equal(sl_batch_bytes(b), 15);
    sl_batch_destroy(b);
    struct sl_field notstruct = {.type = SL_INT};
    struct sl_error err;
    assert_int_equal(sl_batch_create(&notstruct, &b, &err), SL_EINVAL);
    assert_null(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_rows),
        cmocka_unit_test(test_nested_and_rollback),
        cmocka_unit_test(test_detect_add_child),
        cmocka_unit_test(test_widen),
        cmocka_unit_test(test_json_values),
        cmocka_unit_test(test_bytes_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
