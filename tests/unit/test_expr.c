/*
 * test_expr.c - the expression language (src/transforms/expr_*.c): the
 * null truth table, every operator and function, casts, error messages
 * with positions. Each case evaluates over a small chunk and compares the
 * result column, rendered as JSON, with the exact expected text.
 */
#include "expr_testutil.h"

#include "../../src/transforms/expr.h"

static const char *SCHEMA =
    "struct<i:int,j:bigint,d:double,s:string,b:boolean,t:timestamp,"
    "dt:date,u:struct<name:string,age:int>>";
/* row 0: values; row 1: nulls everywhere; row 2: other values */
static const char *ROWS =
    "{\"i\":7,\"j\":-3,\"d\":2.5,\"s\":\"Hello World\",\"b\":true,"
    "\"t\":\"2026-11-25T10:11:12.5Z\",\"dt\":\"2024-02-29\","
    "\"u\":{\"name\":\"ann\",\"age\":31}}\n"
    "{}\n"
    "{\"i\":0,\"j\":10,\"d\":-0.5,\"s\":\"  x_y%z  \",\"b\":false,"
    "\"t\":\"1969-12-31T23:59:59Z\",\"dt\":\"1970-01-01\","
    "\"u\":{\"name\":null,\"age\":5}}\n";

static char *ev_rows(const char *schema, const char *rows, const char *text)
{
    struct sl_batch *b = tu_rows(schema, rows);
    struct sl_field f;
    assert_int_equal(sl_batch_schema(b, &f), 0);
    struct sl_error err;
    sl_error_clear(&err);
    struct sl_expr *e;
    if (sl_expr_compile(text, &f, &e, &err))
        fail_msg("%s: %s", text, err.msg);
    struct sl_field rf = {.type = sl_expr_type(e), .nullable = true};
    struct sl_col out;
    assert_int_equal(sl_col_init(&out, &rf), 0);
    int64_t failed = 0;
    if (sl_expr_eval(e, b, &out, &failed, &err))
        fail_msg("%s: %s", text, err.msg);
    char *s = tu_col_json(&out);
    sl_col_free(&out);
    sl_expr_destroy(e);
    sl_field_free(&f);
    sl_batch_destroy(b);
    return s;
}

#define EV(text, want)                                                         \
    do {                                                                       \
        char *got_ = ev_rows(SCHEMA, ROWS, text);                              \
        if (strcmp(got_, want) != 0)                                           \
            fail_msg("%s: got %s, want %s", text, got_, want);                 \
        free(got_);                                                            \
    } while (0)

/* Compile error expected, exact message. */
static void err_is(const char *text, const char *want)
{
    struct sl_field f;
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(sl_type_parse(SCHEMA, &f, &err), 0);
    struct sl_expr *e = NULL;
    int rc = sl_expr_compile(text, &f, &e, &err);
    sl_field_free(&f);
    if (rc == 0)
        fail_msg("%s: compiled, wanted error %s", text, want);
    if (strcmp(err.msg, want) != 0)
        fail_msg("%s: got error\n  %s\nwant\n  %s", text, err.msg, want);
}

static void test_truth_table(void **state)
{
    (void)state;
    /* a, b over {true, false, null} x {true, false, null} */
    const char *rows = "{\"a\":true,\"b\":true}\n{\"a\":true,\"b\":false}\n"
                       "{\"a\":true}\n{\"a\":false,\"b\":true}\n"
                       "{\"a\":false,\"b\":false}\n{\"a\":false}\n"
                       "{\"b\":true}\n{\"b\":false}\n{}\n";
    const char *sch = "struct<a:boolean,b:boolean>";
    struct {
        const char *e, *want;
    } c[] = {
        {"a AND b", "[true,false,null,false,false,false,null,false,null]"},
        {"a OR b", "[true,true,true,true,false,null,true,null,null]"},
        {"NOT a", "[false,false,false,true,true,true,null,null,null]"},
        {"a = b", "[true,false,null,false,true,null,null,null,null]"},
        {"a IS NULL", "[false,false,false,false,false,false,true,true,true]"},
        {"b IS NOT NULL", "[true,true,false,true,true,false,true,true,false]"},
        {"a IN (b, true)", "[true,true,true,false,true,null,null,null,null]"},
        {"a IN (b)", "[true,false,null,false,true,null,null,null,null]"},
        {"NOT a IN (b)", "[false,true,null,true,false,null,null,null,null]"},
        {"a NOT IN (b, false)",
         "[false,true,null,false,false,false,null,null,null]"},
        {"NULL AND false", "[false,false,false,false,false,false,false,false,"
                           "false]"},
        {"NULL OR true", "[true,true,true,true,true,true,true,true,true]"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *got = ev_rows(sch, rows, c[i].e);
        if (strcmp(got, c[i].want))
            fail_msg("%s: got %s, want %s", c[i].e, got, c[i].want);
        free(got);
    }
}

static void test_arith_compare(void **state)
{
    (void)state;
    EV("i + j", "[4,null,10]");
    EV("i - j * 2", "[13,null,-20]");
    EV("j / 2", "[-1.5,null,5]");
    EV("i / 0", "[null,null,null]");
    EV("j % 4", "[-3,null,2]");
    EV("j % 0", "[null,null,null]");
    EV("d * 2 + i", "[12,null,-1]");
    EV("-d", "[-2.5,null,0.5]");
    EV("-(i)", "[-7,null,0]");
    EV("5.5 % 2", "[1.5,1.5,1.5]");
    EV("i > j", "[true,null,false]");
    EV("i <> 7", "[false,null,true]");
    EV("i != 7", "[false,null,true]");
    EV("i == 7", "[true,null,false]");
    EV("d <= -0.5", "[false,null,true]");
    EV("s >= 'H'", "[true,null,false]");
    EV("s < 'Hello World!'", "[true,null,true]");
    EV("i = '7'", "[true,null,false]");
    EV("t > '2000-01-01'", "[true,null,false]");
    EV("dt < t", "[true,null,false]");
    EV("dt = DATE '2024-02-29'", "[true,null,false]");
    EV("t = TIMESTAMP '2026-11-25 10:11:12.5'", "[true,null,false]");
    EV("i BETWEEN 0 AND 7", "[true,null,true]");
    EV("j NOT BETWEEN 0 AND 7", "[true,null,true]");
    EV("i BETWEEN NULL AND 5", "[false,null,null]");
    EV("i IN (1, 7, NULL)", "[true,null,null]");
    EV("j IN (10, -3)", "[true,null,true]");
    EV("s LIKE 'Hello%'", "[true,null,false]");
    EV("s LIKE '%x\\_y\\%z%'", "[false,null,true]");
    EV("s LIKE 'H_llo W%d'", "[true,null,false]");
    EV("s NOT LIKE '%o%'", "[false,null,true]");
    EV("u.name", "[\"ann\",null,null]");
    EV("u.age + 1", "[32,null,6]");
    EV("u IS NULL", "[false,true,false]");
    EV("u.name IS NULL", "[false,true,true]");
    EV("b AND i > 1", "[true,null,false]");
    EV("9223372036854775807 + 1", "[-9223372036854775808,"
                                  "-9223372036854775808,"
                                  "-9223372036854775808]");
    EV("`i` * 2", "[14,null,0]");
    EV("1e3 + .5", "[1000.5,1000.5,1000.5]");
}

static void test_case_cast(void **state)
{
    (void)state;
    EV("CASE WHEN i > 5 THEN 'big' WHEN i = 0 THEN 'zero' ELSE 'other' END",
       "[\"big\",\"other\",\"zero\"]");
    EV("CASE WHEN i > 5 THEN 1 END", "[1,null,null]");
    EV("CASE i WHEN 7 THEN 'seven' WHEN 0 THEN 'nought' END",
       "[\"seven\",null,\"nought\"]");
    EV("case when b then d else i end", "[2.5,null,0]");
    EV("CAST(d AS int)", "[2,null,0]");
    EV("CAST(s AS int)", "[null,null,null]");
    EV("CAST('  42 ' AS bigint)", "[42,42,42]");
    EV("CAST('3.9' AS int)", "[3,3,3]");
    EV("CAST('3000000000' AS int)", "[null,null,null]");
    EV("CAST('3000000000' AS bigint)", "[3000000000,3000000000,3000000000]");
    EV("CAST('1e2' AS double)", "[100,100,100]");
    EV("CAST('yes' AS boolean)", "[true,true,true]");
    EV("CAST('maybe' AS boolean)", "[null,null,null]");
    EV("CAST(i AS string)", "[\"7\",null,\"0\"]");
    EV("CAST(d AS string)", "[\"2.5\",null,\"-0.5\"]");
    EV("CAST(b AS string)", "[\"true\",null,\"false\"]");
    EV("CAST(t AS string)",
       "[\"2026-11-25T10:11:12.500000Z\",null,\"1969-12-31T23:59:59Z\"]");
    EV("CAST(t AS date)", "[\"2026-11-25\",null,\"1969-12-31\"]");
    EV("CAST(dt AS timestamp)",
       "[\"2024-02-29T00:00:00Z\",null,\"1970-01-01T00:00:00Z\"]");
    EV("CAST(t AS bigint)", "[1795601472,null,-1]");
    EV("CAST('1700000000' AS timestamp)",
       "[\"2023-11-14T22:13:20Z\",\"2023-11-14T22:13:20Z\","
       "\"2023-11-14T22:13:20Z\"]");
    EV("CAST('2026-13-01' AS date)", "[null,null,null]");
    EV("CAST(NULL AS string)", "[null,null,null]");
    EV("CAST(1 AS timestamp)",
       "[\"1970-01-01T00:00:01Z\",\"1970-01-01T00:00:01Z\","
       "\"1970-01-01T00:00:01Z\"]");
}

static void test_functions(void **state)
{
    (void)state;
    EV("lower(s)", "[\"hello world\",null,\"  x_y%z  \"]");
    EV("UPPER(u.name)", "[\"ANN\",null,null]");
    EV("trim(s)", "[\"Hello World\",null,\"x_y%z\"]");
    EV("length(s)", "[11,null,9]");
    EV("length('héllo')", "[5,5,5]");
    EV("substr(s, 1, 5)", "[\"Hello\",null,\"  x_y\"]");
    EV("substr(s, -5)", "[\"World\",null,\"y%z  \"]");
    EV("substr(s, 0, 2)", "[\"He\",null,\"  \"]");
    EV("substring('héllo', 2, 2)", "[\"él\",\"él\",\"él\"]");
    EV("substr(s, 20)", "[\"\",null,\"\"]");
    EV("concat(u.name, '-', i)", "[\"ann-7\",null,null]");
    EV("s || '!'", "[\"Hello World!\",null,\"  x_y%z  !\"]");
    EV("coalesce(u.name, s, 'none')", "[\"ann\",\"none\",\"  x_y%z  \"]");
    EV("coalesce(i, j)", "[7,null,0]");
    EV("nullif(i, 0)", "[7,null,null]");
    EV("abs(j)", "[3,null,10]");
    EV("abs(d)", "[2.5,null,0.5]");
    EV("round(d)", "[3,null,-1]");
    EV("round(2.345, 2)", "[2.35,2.35,2.35]");
    EV("round(1250, -2)", "[1300,1300,1300]");
    EV("round(-1250, -2)", "[-1300,-1300,-1300]");
    EV("floor(d)", "[2,null,-1]");
    EV("ceil(d)", "[3,null,0]");
    EV("regexp_extract(s, '(\\w+) (\\w+)', 2)", "[\"World\",null,\"\"]");
    EV("regexp_extract(s, 'o.', 0)", "[\"o \",null,\"\"]");
    EV("regexp_like(s, '^H.*d$')", "[true,null,false]");
    EV("to_timestamp('2026-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss')",
       "[\"2026-01-02T03:04:05Z\",\"2026-01-02T03:04:05Z\","
       "\"2026-01-02T03:04:05Z\"]");
    EV("to_timestamp('02/30/2026', 'MM/dd/yyyy')", "[null,null,null]");
    EV("to_timestamp(s)", "[null,null,null]");
    EV("to_timestamp(1000)", "[\"1970-01-01T00:16:40Z\","
                             "\"1970-01-01T00:16:40Z\","
                             "\"1970-01-01T00:16:40Z\"]");
    EV("date_format(t, 'yyyy/MM/dd HH:mm:ss.SSS')",
       "[\"2026/11/25 10:11:12.500\",null,\"1969/12/31 23:59:59.000\"]");
    EV("date_format(dt, 'dd.MM.yy')", "[\"29.02.24\",null,\"01.01.70\"]");
    EV("year(t)", "[2026,null,1969]");
    EV("month(dt)", "[2,null,1]");
    EV("day(t)", "[25,null,31]");
    EV("hour(t)", "[10,null,23]");
    EV("year('2020-05-06')", "[2020,2020,2020]");
}

static void test_errors(void **state)
{
    (void)state;
    err_is("i > 1 AND dtt = 'x'",
           "column 11: unknown column 'dtt' (did you mean 'dt'?)");
    err_is("i > 1 AND usr = 'x'", "column 11: unknown column 'usr'");
    err_is("u.nme = 'x'",
           "column 1: unknown column 'u.nme' (did you mean 'u.name'?)");
    err_is("i.x", "column 1: 'i' is int, not a struct: it has no field 'x'");
    err_is("i +", "column 4: expected a value, found the end");
    err_is("(i + 1", "column 7: expected ')', found the end");
    err_is("i + 1)", "column 6: unexpected ')' after the expression");
    err_is("'abc", "column 1: unterminated string");
    err_is("i # 2", "column 3: unexpected character '#'");
    err_is("nosuch(i)",
           "column 1: unknown function 'nosuch' (see docs/transforms.md for "
           "the list)");
    err_is("lower(i, 2)", "column 1: lower takes 1 argument, found 2");
    err_is("b + 1", "column 1: '+' needs numbers, found boolean (CAST it)");
    err_is("i AND b", "column 1: AND: expected boolean, found int");
    err_is("s LIKE s", "column 8: LIKE: expected a string literal");
    err_is("regexp_like(s, '(')",
           "column 16: bad regular expression at offset 1: missing closing "
           "parenthesis");
    err_is("CAST(i AS blob)",
           "column 11: unknown type 'blob' in CAST (known: boolean, int, "
           "bigint, double, string, date, timestamp)");
    err_is("u = 1", "column 1: comparison: a struct value cannot be used "
                    "here (name a field inside it, or use IS NULL)");
    err_is("CASE WHEN i THEN 1 END",
           "column 11: CASE WHEN: expected boolean, found int");
    err_is("CASE WHEN b THEN 1 ELSE true END",
           "column 25: CASE: cannot mix int and boolean");
    err_is("", "column 1: empty expression");
    err_is("date_format(t, 'yyyy-QQ')",
           "column 16: date_format: unknown letters in the pattern (use "
           "yyyy MM dd HH mm ss SSS, 'text')");
    err_is("i IS 5", "column 6: expected NULL, found '5'");
    err_is("99999999999999999999", "column 1: integer 99999999999999999999 "
                                   "does not fit in a bigint");
}

static void test_select_and_syntax_only(void **state)
{
    (void)state;
    struct sl_batch *b = tu_rows(SCHEMA, ROWS);
    struct sl_field f;
    assert_int_equal(sl_batch_schema(b, &f), 0);
    struct sl_expr *e;
    struct sl_error err;
    assert_int_equal(sl_expr_compile("i >= 0 OR b", &f, &e, &err), 0);
    uint32_t sel[3];
    size_t n = 99;
    assert_int_equal(sl_expr_select(e, b, sel, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(sel[0], 0);
    assert_int_equal(sel[1], 2);
    sl_expr_destroy(e);
    /* syntax only: unknown columns pass, bad syntax does not */
    assert_int_equal(sl_expr_compile("zz > 1", NULL, &e, &err), 0);
    assert_int_equal(sl_expr_select(e, b, sel, &n, &err), SL_EINVAL);
    sl_expr_destroy(e);
    assert_int_equal(sl_expr_compile("zz >", NULL, &e, &err), SL_EINVAL);
    /* path helper */
    assert_ptr_equal(sl_expr_path_col(b, "u.age"), &b->root.child[7].child[1]);
    assert_null(sl_expr_path_col(b, "u.nope"));
    sl_field_free(&f);
    sl_batch_destroy(b);
}

static void test_limits(void **state)
{
    (void)state;
    struct sl_expr *e;
    struct sl_error err;
    char deep[2000];
    memset(deep, '(', 1000);
    deep[1000] = '1';
    memset(deep + 1001, ')', 998);
    deep[1999] = 0;
    assert_int_equal(sl_expr_compile(deep, NULL, &e, &err), SL_EINVAL);
    assert_string_equal(err.msg, "column 101: nested too deeply");
    memset(deep, '-', 1999);
    deep[1998] = '1';
    assert_int_equal(sl_expr_compile(deep, NULL, &e, &err), SL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truth_table),
        cmocka_unit_test(test_arith_compare),
        cmocka_unit_test(test_case_cast),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_select_and_syntax_only),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
