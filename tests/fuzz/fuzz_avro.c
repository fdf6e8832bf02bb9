/*
 * fuzz_avro.c - libFuzzer harness for the Avro decoder (src/formats/avro*.c).
 *
 * Input: schema JSON, a NUL byte, then data bytes. The schema is parsed
 * and mapped; when it is valid the data is read as a sequence of datums
 * (writer = reader = the schema, and again with the schema as reader of a
 * fixed writer schema, for resolution), then the whole data is decoded
 * by the decoder in auto framing (container headers, blocks, codecs) and
 * cut by the frame function. After each read the batch layout is checked
 * and a failed read must leave the row count as it was. An input without
 * a NUL is all data (container fuzzing with no reader schema).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "formats/avro_read.h"
#include "jsonw.h"
#include "options.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_avro;

static const char *const fixed_writer =
    "{\"type\":\"record\",\"name\":\"W\",\"fields\":["
    "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":"
    "[\"null\",\"string\",\"long\"]},{\"name\":\"c\",\"type\":{\"type\":"
    "\"array\",\"items\":\"float\"}},{\"name\":\"d\",\"type\":{\"type\":"
    "\"map\",\"values\":\"bytes\"}},{\"name\":\"e\",\"type\":{\"type\":"
    "\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}}]}";

static void check_col(const struct sl_col *c, size_t len)
{
    if (c->len != len)
        abort();
    if (c->type == SL_STRING || c->type == SL_BINARY || c->type == SL_ARRAY ||
        c->type == SL_MAP) {
        if (c->off[0] != 0)
            abort();
        for (size_t i = 0; i < c->len; i++)
            if (c->off[i + 1] < c->off[i])
                abort();
    }
    if (c->type == SL_STRING && ((size_t)c->off[c->len] != c->data_len ||
                                 !sl_utf8_valid(c->data, c->data_len)))
        abort();
    if (c->type == SL_ARRAY || c->type == SL_MAP)
        for (uint32_t k = 0; k < c->n_child; k++)
            check_col(&c->child[k], (size_t)c->off[c->len]);
    if (c->type == SL_STRUCT)
        for (uint32_t k = 0; k < c->n_child; k++)
            check_col(&c->child[k], c->len);
}

static void read_all(struct sl_avro_reader *rd, const uint8_t *p, size_t n)
{
    struct sl_batch *b;
    if (sl_batch_create(NULL, &b, NULL))
        return;
    size_t at = 0;
    for (int k = 0; k < 64 && at <= n; k++) {
        size_t used = 0, rows = sl_batch_rows(b);
        int rc =
            sl_avro_reader_read(rd, p + at, n - at, &used, b, true, 0, NULL);
        if (rc) {
            if (sl_batch_rows(b) != rows)
                abort();
            break;
        }
        if (sl_batch_rows(b) != rows + 1 || used > n - at)
            abort();
        check_col(&b->root, b->root.len);
        if (used == 0 && ++k > 8)
            break;
        at += used;
    }
    sl_batch_destroy(b);
}

static void decode_all(const uint8_t *p, size_t n)
{
    const char *text = "format: avro\nmax_block_bytes: 1MiB\n";
    struct sl_conf *c;
    if (sl_conf_load_string(text, strlen(text), "fuzz", &c, NULL))
        abort();
    struct sl_decoder_ctx ctx = {.conf = c};
    void *st;
    if (sl_decoder_avro.create(&ctx, &st, NULL))
        abort();
    struct sl_batch *b;
    if (!sl_batch_create(NULL, &b, NULL)) {
        size_t rows = 0;
        if (sl_decoder_avro.decode(st, p, n, b, NULL) &&
            sl_batch_rows(b) != rows)
            abort();
        check_col(&b->root, b->root.len);
        /* Framed pieces, as the file source cuts them. */
        size_t at = 0;
        for (int k = 0; k < 256 && at < n; k++) {
            size_t consumed = 0;
            long len =
                sl_decoder_avro.frame(st, p + at, n - at, true, &consumed);
            if (len < 0 || (size_t)len > n - at || consumed > n - at ||
                consumed == 0)
                abort();
            rows = sl_batch_rows(b);
            if (sl_decoder_avro.decode(st, p + at, (size_t)len, b, NULL) &&
                sl_batch_rows(b) != rows)
                abort();
            check_col(&b->root, b->root.len);
            at += consumed;
        }
        sl_batch_destroy(b);
    }
    sl_decoder_avro.destroy(st);
    sl_conf_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul) {
        decode_all(data, size);
        return 0;
    }
    size_t slen = (size_t)(nul - data);
    const uint8_t *p = nul + 1;
    size_t n = size - slen - 1;
    struct sl_avro_schema *s = NULL, *w = NULL;
    if (sl_avro_schema_parse((const char *)data, slen, &s, NULL) == 0) {
        struct sl_avro_reader *rd;
        if (sl_avro_reader_create(s, NULL, &rd, NULL) == 0) {
            read_all(rd, p, n);
            sl_avro_reader_destroy(rd);
        }
        if (sl_avro_schema_parse(fixed_writer, strlen(fixed_writer), &w,
                                 NULL) == 0 &&
            sl_avro_reader_create(w, s, &rd, NULL) == 0) {
            read_all(rd, p, n);
            sl_avro_reader_destroy(rd);
        }
        sl_avro_schema_destroy(w);
        sl_avro_schema_destroy(s);
    }
    decode_all(p, n);
    return 0;
}
