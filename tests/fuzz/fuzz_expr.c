/*
 * fuzz_expr.c - the expression language (src/transforms/expr_*.c) on
 * arbitrary text: parse, type-check against a fixed schema, and when that
 * succeeds evaluate over a small chunk with nulls, extreme numbers and
 * odd strings. Any input must give a value column or a clean error with a
 * position, never a crash, leak or unbounded growth.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/transforms/expr.h"
#include "batch.h"

static struct sl_batch *b;
static struct sl_field schema;

static void setup(void)
{
    sl_type_parse("struct<i:int,j:bigint,d:double,s:string,b:boolean,"
                  "t:timestamp,dt:date,u:struct<name:string,age:int>,"
                  "a:array<int>>",
                  &schema, NULL);
    sl_batch_create(&schema, &b, NULL);
    static const int32_t iv[] = {0, -1, 2147483647, -2147483647 - 1, 7};
    static const int64_t jv[] = {0, INT64_MIN, INT64_MAX, -1, 1000000};
    static const double dv[] = {0.0, -0.0, 1e308, -2.5, 3.0};
    static const char *sv[] = {"", "Hello World", "héllo %_\\", "2026-01-01",
                               "42"};
    struct sl_col *c = b->root.child;
    for (int r = 0; r < 5; r++) {
        if (r == 3) {
            for (uint32_t k = 0; k < b->root.n_child; k++)
                sl_col_append_null(&c[k]);
            sl_batch_row_end(b);
            continue;
        }
        sl_col_append_i32(&c[0], iv[r]);
        sl_col_append_i64(&c[1], jv[r]);
        sl_col_append_f64(&c[2], dv[r]);
        sl_col_append_bytes(&c[3], sv[r], strlen(sv[r]));
        sl_col_append_bool(&c[4], r & 1);
        sl_col_append_i64(&c[5], jv[r]);
        sl_col_append_i32(&c[6], iv[r]);
        sl_col_append_bytes(&c[7].child[0], sv[r], strlen(sv[r]));
        sl_col_append_i32(&c[7].child[1], iv[r]);
        sl_col_struct_end(&c[7]);
        sl_col_append_i32(&c[8].child[0], iv[r]);
        sl_col_list_end(&c[8]);
        sl_batch_row_end(b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!b)
        setup();
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    struct sl_expr *e = NULL;
    struct sl_error err;
    if (sl_expr_compile(text, &schema, &e, &err) == 0) {
        struct sl_field f = {.type = sl_expr_type(e), .nullable = true};
        struct sl_col out;
        if (sl_col_init(&out, &f) == 0) {
            if (sl_expr_eval(e, b, &out, NULL, &err) == 0 &&
                out.len != sl_batch_rows(b))
                abort(); /* one value per row */
            sl_col_free(&out);
        }
        uint32_t sel[5];
        size_t n;
        if (f.type == SL_BOOLEAN && sl_expr_select(e, b, sel, &n, &err) == 0 &&
            n > 5)
            abort();
        sl_expr_destroy(e);
    } else if (strncmp(err.msg, "column ", 7) != 0 && err.code == SL_EINVAL) {
        abort(); /* syntax and type errors say where */
    }
    /* syntax only (schema detection) */
    if (sl_expr_compile(text, NULL, &e, &err) == 0)
        sl_expr_destroy(e);
    free(text);
    return 0;
}
