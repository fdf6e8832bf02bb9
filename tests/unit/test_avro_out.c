/*
 * test_avro_out.c - the Avro container encoder (avro_out.c), by property:
 * random sluice schemas (every type, nesting, nullable anywhere) with
 * random rows are encoded, read back by the Avro decoder (avro.c) as one
 * container record, and every row must render to the same JSON. Also:
 * the same rows give the same bytes (deterministic sync marker), and
 * small blocks split the rows into many blocks; and the bare datums the
 * Kafka sink produces (sl_avro_datum_write), byte for byte.
 * (python3-avro reads the encoder's files in tests/integration.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/avro_out.h"
#include "options.h"
#include "part.h"

extern const struct sl_encoder_ops sl_encoder_avro;
extern const struct sl_decoder_ops sl_decoder_avro;

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void gen_type(struct sl_field *f, int depth)
{
    static const enum sl_type scalars[] = {
        SL_BOOLEAN, SL_INT,    SL_BIGINT, SL_FLOAT, SL_DOUBLE,
        SL_DECIMAL, SL_STRING, SL_BINARY, SL_DATE,  SL_TIMESTAMP,
    };
    memset(f, 0, sizeof *f);
    f->nullable = rnd(2);
    uint32_t k = depth < 3 ? rnd(14) : rnd(10);
    if (k < 10) {
        f->type = scalars[k];
        if (f->type == SL_DECIMAL) {
            f->precision = (uint8_t)(1 + rnd(38));
            f->scale = (uint8_t)rnd(f->precision + 1u);
        }
        return;
    }
    if (k == 10 || k == 11) {
        f->type = SL_ARRAY;
        f->n_children = 1;
        f->children = calloc(1, sizeof *f->children);
        gen_type(&f->children[0], depth + 1);
    } else if (k == 12) {
        f->type = SL_MAP;
        f->n_children = 2;
        f->children = calloc(2, sizeof *f->children);
        f->children[0].type = SL_STRING;
        gen_type(&f->children[1], depth + 1);
    } else {
        f->type = SL_STRUCT;
        f->n_children = 1 + rnd(4);
        f->children = calloc(f->n_children, sizeof *f->children);
        for (uint32_t i = 0; i < f->n_children; i++) {
            gen_type(&f->children[i], depth + 1);
            char name[16];
            snprintf(name, sizeof name, "f%u", i);
            f->children[i].name = strdup(name);
        }
    }
}

static __int128 gen_dec(unsigned precision)
{
    __int128 v = 0;
    for (unsigned i = 0; i < precision; i++)
        v = v * 10 + rnd(10);
    return rnd(2) ? -v : v;
}

/* Append one random value of c's type (null only when nullable). */
static void gen_value(struct sl_col *c, const struct sl_field *f)
{
    if (f->nullable && rnd(5) == 0) {
        assert_int_equal(sl_col_append_null(c), 0);
        return;
    }
    char s[64];
    int n;
    switch (f->type) {
    case SL_BOOLEAN:
        assert_int_equal(sl_col_append_bool(c, rnd(2)), 0);
        break;
    case SL_INT:
    case SL_DATE:
        assert_int_equal(sl_col_append_i32(c, (int32_t)(rnd(200000) - 100000) *
                                                  (rnd(2) ? 1 : 9973)),
                         0);
        break;
    case SL_BIGINT:
    case SL_TIMESTAMP:
        assert_int_equal(sl_col_append_i64(c, ((int64_t)rnd(1u << 31) << 20) *
                                                  (rnd(2) ? 1 : -1)),
                         0);
        break;
    case SL_FLOAT:
        assert_int_equal(sl_col_append_f32(c, (float)rnd(100000) / 64.0f), 0);
        break;
    case SL_DOUBLE:
        assert_int_equal(sl_col_append_f64(c, (double)rnd(1u << 30) / 3.0), 0);
        break;
    case SL_DECIMAL:
        assert_int_equal(sl_col_append_dec(c, gen_dec(f->precision)), 0);
        break;
    case SL_STRING:
        n = snprintf(s, sizeof s, "s\xc3\xa9%u", rnd(1000));
        assert_int_equal(sl_col_append_bytes(c, s, (size_t)(rnd(3) ? n : 0)),
                         0);
        break;
    case SL_BINARY:
        for (n = 0; n < (int)rnd(20); n++)
            s[n] = (char)rnd(256);
        assert_int_equal(sl_col_append_bytes(c, s, (size_t)n), 0);
        break;
    case SL_ARRAY:
    case SL_MAP: {
        uint32_t k = rnd(4);
        for (uint32_t i = 0; i < k; i++) {
            if (f->type == SL_MAP) {
                n = snprintf(s, sizeof s, "k%u", i);
                assert_int_equal(
                    sl_col_append_bytes(&c->child[0], s, (size_t)n), 0);
            }
            gen_value(&c->child[f->type == SL_MAP],
                      &f->children[f->type == SL_MAP]);
        }
        assert_int_equal(sl_col_list_end(c), 0);
        break;
    }
    case SL_STRUCT:
        for (uint32_t i = 0; i < f->n_children; i++)
            gen_value(&c->child[i], &f->children[i]);
        assert_int_equal(sl_col_struct_end(c), 0);
        break;
    default:
        fail();
    }
}

static void row_json(const struct sl_batch *b, size_t i, struct sl_buf *out)
{
    sl_buf_reset(out);
    assert_int_equal(sl_col_value_json(&b->root, i, out), 0);
    sl_buf_cstr(out);
}

static void encode(void *enc, const struct sl_field *schema,
                   const struct sl_batch *b, struct sl_buf *out)
{
    struct sl_error err;
    sl_error_clear(&err);
    sl_buf_reset(out);
    if (sl_encoder_avro.begin(enc, schema, out, &err) ||
        sl_encoder_avro.write(enc, b, NULL, sl_batch_rows(b), out, &err) ||
        sl_encoder_avro.finish(enc, out, &err))
        fail_msg("encode: %s", err.msg);
}

static void *make_encoder(const char *conf_text, struct sl_conf **c)
{
    assert_int_equal(
        sl_conf_load_string(conf_text, strlen(conf_text), "t", c, NULL), 0);
    void *enc;
    struct sl_error err;
    sl_error_clear(&err);
    if (sl_encoder_avro.create(*c, &enc, &err))
        fail_msg("create: %s", err.msg);
    return enc;
}

static void test_property(void **state)
{
    struct sl_conf *dc;
    const char *t = "format: avro\n";
    assert_int_equal(sl_conf_load_string(t, strlen(t), "t", &dc, NULL), 0);
    struct sl_decoder_ctx ctx = {.conf = dc};
    const char *codecs[] = {"null", "deflate", "snappy", "zstandard"};
    struct sl_buf out, a, b2;
    sl_buf_init(&out, 0);
    sl_buf_init(&a, 0);
    sl_buf_init(&b2, 0);
    for (int round = 0; round < 300; round++) {
        char text[128];
        snprintf(text, sizeof text,
                 "type: file\nformat: avro\ncompression: %s\n"
                 "avro_block_bytes: %u\n",
                 codecs[round % 4], 64 + rnd(4096));
        struct sl_conf *ec;
        void *enc = make_encoder(text, &ec);
        struct sl_field schema = {.type = SL_STRUCT};
        schema.n_children = 1 + rnd(6);
        schema.children = calloc(schema.n_children, sizeof *schema.children);
        for (uint32_t i = 0; i < schema.n_children; i++) {
            gen_type(&schema.children[i], 1);
            char name[16];
            snprintf(name, sizeof name, "c%u", i);
            schema.children[i].name = strdup(name);
        }
        struct sl_batch *in;
        assert_int_equal(sl_batch_create(&schema, &in, NULL), 0);
        size_t rows = rnd(60);
        for (size_t r = 0; r < rows; r++) {
            for (uint32_t i = 0; i < schema.n_children; i++)
                gen_value(&in->root.child[i], &schema.children[i]);
            assert_int_equal(sl_batch_row_end(in), 0);
        }
        encode(enc, &schema, in, &out);
        void *dec;
        assert_int_equal(sl_decoder_avro.create(&ctx, &dec, NULL), 0);
        struct sl_batch *back;
        assert_int_equal(sl_batch_create(NULL, &back, NULL), 0);
        struct sl_error err;
        sl_error_clear(&err);
        if (sl_decoder_avro.decode(dec, out.data, out.len, back, &err))
            fail_msg("round %d: decode: %s", round, err.msg);
        assert_int_equal(sl_batch_rows(back), rows);
        for (size_t r = 0; r < rows; r++) {
            row_json(in, r, &a);
            row_json(back, r, &b2);
            if (strcmp((char *)a.data, (char *)b2.data) != 0)
                fail_msg("round %d row %zu:\n in  %s\n out %s", round, r,
                         (char *)a.data, (char *)b2.data);
        }
        /* The same rows, the same bytes. */
        struct sl_buf again;
        sl_buf_init(&again, 0);
        encode(enc, &schema, in, &again);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, out.data, out.len);
        sl_buf_free(&again);
        sl_batch_destroy(back);
        sl_decoder_avro.destroy(dec);
        sl_batch_destroy(in);
        sl_field_free(&schema);
        sl_encoder_avro.destroy(enc);
        sl_conf_free(ec);
    }
    sl_buf_free(&out);
    sl_buf_free(&a);
    sl_buf_free(&b2);
    sl_conf_free(dc);
}

static void test_options(void **state)
{
    const char *bad[] = {
        "format: avro\ncompression: gzip\n",
        "format: avro\ncompression: deflate\ncompression_level: 10\n",
        "format: avro\navro_block_bytes: 0\n",
    };
    for (size_t i = 0; i < 3; i++) {
        struct sl_conf *c;
        assert_int_equal(
            sl_conf_load_string(bad[i], strlen(bad[i]), "t", &c, NULL), 0);
        void *enc = NULL;
        struct sl_error err;
        sl_error_clear(&err);
        assert_int_equal(sl_encoder_avro.create(c, &enc, &err), SL_EINVAL);
        assert_null(enc);
        assert_true(err.msg[0] != 0);
        sl_conf_free(c);
    }
}

/* Datums: nullable fields are ["null", T] unions (branch 1 = value). */
static void test_datum(void **state)
{
    (void)state;
    struct sl_field f;
    assert_int_equal(sl_type_parse("struct<id:bigint,s:string>", &f, NULL), 0);
    struct sl_batch *b;
    assert_int_equal(sl_batch_create(&f, &b, NULL), 0);
    assert_int_equal(sl_col_append_i64(&b->root.child[0], -3), 0);
    assert_int_equal(sl_col_append_bytes(&b->root.child[1], "ab", 2), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_batch_row_end(b), 0); /* both null */
    void *enc;
    assert_int_equal(sl_encoder_avro.create(NULL, &enc, NULL), 0);
    const struct sl_buf *ws = NULL;
    assert_int_equal(sl_avro_datum_begin(enc, &f, &ws, NULL), 0);
    assert_non_null(ws);
    assert_non_null(memmem(ws->data, ws->len, "\"name\":\"id\"", 11));
    struct sl_buf out;
    sl_buf_init(&out, 0);
    assert_int_equal(sl_avro_datum_write(enc, b, 0, &out, NULL), 0);
    const uint8_t want0[] = {0x02, 0x05, 0x02, 0x04, 'a', 'b'};
    assert_int_equal(out.len, sizeof want0);
    assert_memory_equal(out.data, want0, sizeof want0);
    sl_buf_reset(&out);
    assert_int_equal(sl_avro_datum_write(enc, b, 1, &out, NULL), 0);
    assert_int_equal(out.len, 2);
    assert_memory_equal(out.data, "\0\0", 2);
    /* the container writer refuses rows until its own begin */
    struct sl_error err;
    sl_error_clear(&err);
    assert_int_equal(sl_encoder_avro.write(enc, b, NULL, 1, &out, &err),
                     SL_EINVAL);
    sl_buf_free(&out);
    sl_encoder_avro.destroy(enc);
    sl_batch_destroy(b);
    sl_field_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_datum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
