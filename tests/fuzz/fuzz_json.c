/*
 * fuzz_json.c - libFuzzer harness for the JSON decoder (src/formats/json.c).
 *
 * The input is split at '\n' into records. Each record is decoded twice:
 * into a detected-schema batch and into a batch with a declared nested
 * schema. After every decode the batch layout is checked (lengths, offsets,
 * UTF-8 of string columns), a failed record must leave the row count as it
 * was, and each new detected row, written back as JSON, must decode again.
 * Batches are made fresh per input so a crash replays from its file alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "batch_check.h"
#include "jsonw.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_json;

static const char *const declared_text =
    "struct<a:int,b:bigint,c:double,d:string,e:boolean,f:timestamp,g:date,"
    "h:decimal(12,3),i:binary,j:array<struct<k:string,l:array<int>>>,"
    "m:map<string,double>,n:struct<o:float,p:array<string>>,q:void>";

static void run(void *st, struct sl_batch *b, const uint8_t *p, size_t n,
                void *st2, struct sl_batch *b2)
{
    size_t rows = sl_batch_rows(b);
    struct sl_error err;
    int rc = sl_decoder_json.decode(st, p, n, b, &err);
    if (rc && sl_batch_rows(b) != rows)
        abort();
    if (rc && (err.offset < 0 || (size_t)err.offset > n || !err.msg[0]))
        abort();
    check_col(&b->root, sl_batch_rows(b));
    if (rc || !st2)
        return;
    /* Rows written back as JSON decode again. */
    struct sl_buf out;
    sl_buf_init(&out, 0);
    for (size_t i = rows; i < sl_batch_rows(b); i++) {
        sl_buf_reset(&out);
        if (sl_col_value_json(&b->root, i, &out))
            abort();
        if (sl_decoder_json.decode(st2, out.data, out.len, b2, &err)) {
            fprintf(stderr, "re-decode failed: %s\n%.*s\n", err.msg,
                    (int)out.len, (char *)out.data);
            abort();
        }
    }
    sl_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sl_field declared;
    static int ready;
    if (!ready) {
        if (sl_type_parse(declared_text, &declared, NULL))
            abort();
        ready = 1;
    }
    struct sl_decoder_ctx dctx = {0}, cctx = {.schema = &declared};
    void *det, *dcl, *again;
    struct sl_batch *bd, *bc, *b2;
    if (sl_decoder_json.create(&dctx, &det, NULL) ||
        sl_decoder_json.create(&cctx, &dcl, NULL) ||
        sl_decoder_json.create(&dctx, &again, NULL) ||
        sl_batch_create(NULL, &bd, NULL) ||
        sl_batch_create(&declared, &bc, NULL) ||
        sl_batch_create(NULL, &b2, NULL))
        abort();
    const uint8_t *p = data, *end = data + size;
    while (p <= end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *e = nl ? nl : end;
        run(det, bd, p, (size_t)(e - p), again, b2);
        run(dcl, bc, p, (size_t)(e - p), NULL, NULL);
        if (sl_batch_bytes(bd) > (1u << 20))
            sl_batch_clear(bd);
        if (sl_batch_bytes(bc) > (1u << 20))
            sl_batch_clear(bc);
        if (sl_batch_bytes(b2) > (1u << 20))
            sl_batch_clear(b2);
        p = e + 1;
    }
    /* The whole input as one record too (multi-line JSON). */
    run(det, bd, data, size, again, b2);
    run(dcl, bc, data, size, NULL, NULL);
    sl_decoder_json.destroy(det);
    sl_decoder_json.destroy(dcl);
    sl_decoder_json.destroy(again);
    sl_batch_destroy(bd);
    sl_batch_destroy(bc);
    sl_batch_destroy(b2);
    return 0;
}
