/*
 * fuzz_csv.c - libFuzzer harness for the CSV decoder (src/formats/csv.c).
 *
 * The first input byte picks the dialect (separator, quote, escape,
 * header, ragged, null_value); the rest is a byte stream. It is framed
 * with the decoder's frame function as the file source does, checking
 * that a record's end found in a prefix of the stream is the one found in
 * the whole stream; every record is decoded into a detected-schema batch
 * and into a declared one. After every decode the batch layout is checked
 * and a failed record must leave the row count as it was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "batch_check.h"
#include "options.h"
#include "part.h"

extern const struct sl_decoder_ops sl_decoder_csv;

static const char *const seps[] = {"','", "tab", "'|'", "';'"};
static const char *const quotes[] = {"'\"'", "\"'\"", "''", "'\"'"};
static const char *const escs[] = {"''", "'\\'", "'\"'", "''"};

static void *make(const struct sl_conf *conf, const struct sl_field *schema)
{
    struct sl_decoder_ctx ctx = {.conf = conf, .schema = schema};
    void *st;
    struct sl_error err;
    if (sl_decoder_csv.create(&ctx, &st, &err)) {
        fprintf(stderr, "create: %s\n", err.msg);
        abort();
    }
    return st;
}

static void run(void *st, struct sl_batch *b, const uint8_t *p, size_t n,
                int64_t pos)
{
    size_t rows = sl_batch_rows(b);
    struct sl_error err;
    sl_decoder_csv.locate(st, pos % 3 ? "a" : "b", pos % 5 == 0 ? 0 : pos);
    int rc = sl_decoder_csv.decode(st, p, n, b, &err);
    if (rc && sl_batch_rows(b) != rows)
        abort();
    if (rc && (err.offset < 0 || (size_t)err.offset > n || !err.msg[0]))
        abort();
    check_col(&b->root, sl_batch_rows(b));
    if (sl_batch_bytes(b) > (1u << 20))
        sl_batch_clear(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sl_field declared;
    static int ready;
    if (!ready) {
        if (sl_type_parse("struct<a:int,b:string,c:double,d:timestamp,"
                          "e:boolean,f:decimal(10,2)>",
                          &declared, NULL))
            abort();
        ready = 1;
    }
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    char text[256];
    snprintf(text, sizeof text,
             "{separator: %s, quote_char: %s, escape_char: %s, header: %s, "
             "ragged: %s, null_value: %s}",
             seps[sel & 3], quotes[(sel >> 2) & 3], escs[(sel >> 4) & 3],
             sel & 64 ? "true" : "false", sel & 128 ? "fill" : "error",
             sel & 16 ? "NA" : "''");
    struct sl_conf *conf;
    if (sl_conf_load_string(text, strlen(text), "fuzz", &conf, NULL))
        abort();
    void *det = make(conf, NULL), *dcl = make(conf, &declared);
    struct sl_batch *bd, *bc;
    if (sl_batch_create(NULL, &bd, NULL) ||
        sl_batch_create(&declared, &bc, NULL))
        abort();
    size_t off = 0;
    while (off < size) {
        size_t used = 0, used2 = 0;
        long len =
            sl_decoder_csv.frame(det, data + off, size - off, true, &used);
        if (len < 0 || used == 0 || used > size - off || (size_t)len > used)
            abort();
        /* A prefix holding the record's terminator frames the same. */
        if (used < size - off) {
            long l2 =
                sl_decoder_csv.frame(det, data + off, used, false, &used2);
            if (l2 >= 0 && (l2 != len || used2 != used))
                abort();
            l2 = sl_decoder_csv.frame(det, data + off, used + 1, false, &used2);
            if (l2 != len || used2 != used)
                abort();
        }
        if (len > 0) {
            run(det, bd, data + off, (size_t)len, (int64_t)off);
            run(dcl, bc, data + off, (size_t)len, (int64_t)off);
        }
        off += used;
    }
    /* The whole input as one record too (a message with several rows). */
    run(det, bd, data, size, 1);
    run(dcl, bc, data, size, 1);
    sl_decoder_csv.destroy(det);
    sl_decoder_csv.destroy(dcl);
    sl_batch_destroy(bd);
    sl_batch_destroy(bc);
    sl_conf_free(conf);
    return 0;
}
