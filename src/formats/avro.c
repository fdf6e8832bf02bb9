/*
 * avro.c - `format: avro`: the Avro decoder (DESIGN.md §4, decoder).
 *
 * One record (message, or framed piece of a file) is one of:
 *   - an object container file, or its start: "Obj\1", metadata (schema,
 *     codec), 16-byte sync marker, then zero or more blocks;
 *   - one or more container blocks (count, size, data, sync) of a file
 *     whose header an earlier record of this run carried: the file
 *     source frames container files block by block (avro_frame), and a
 *     block is matched to its header by its sync marker;
 *   - a Confluent frame: 0x00, 4-byte big-endian schema id, datum;
 *   - an AWS Glue Schema Registry frame: 0x03, compression (0 none,
 *     5 zlib), 16-byte schema version UUID, datum;
 *   - a bare binary datum of `avro_schema`.
 * `avro_framing: auto` tells them apart by their first bytes (see
 * docs/formats.md); an explicit framing is stricter.
 *
 * Writer schemas (container headers, registry ids) are parsed once and
 * compiled against the reader schema (avro_schema, when given) into a
 * cache of readers (avro_read.c). Rows go straight into the batch; a bad
 * record is rolled back whole and reported with the byte offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro_bin.h"
#include "avro_codec.h"
#include "avro_read.h"
#include "avro_registry.h"
#include "avro_schema.h"
#include "compress/compress.h"
#include "part.h"
#include "text_out.h"

#define CACHE_MAX 256
#define SYNC_LEN 16
#define MAGIC_LEN 4

enum framing { FR_AUTO, FR_DATUM, FR_CONTAINER, FR_CONFLUENT, FR_GLUE };

struct opts {
    char *avro_schema;
    char *avro_framing;
    char *schema_registry_url;
    char *schema_registry_user;
    char *schema_registry_password;
    char *glue_schema_dir;
    bool glue_registry;
    char *glue_registry_region, *glue_registry_endpoint;
    char *glue_registry_profile, *glue_registry_role_arn;
    char *avro_header_dir;
    int64_t registry_retries;
    int64_t registry_timeout_ms;
    int64_t max_block_bytes;
};

#define OPT(m) offsetof(struct opts, m)
static const struct sl_option avro_options[] = {
    {"avro_schema", SL_OPT_STRING, NULL, NULL, false, OPT(avro_schema),
     "reader schema: inline Avro schema JSON, or the path of a .avsc file"},
    {"avro_framing", SL_OPT_ENUM, "auto", "auto|datum|container|confluent|glue",
     false, OPT(avro_framing),
     "how records carry Avro (auto tells by the first bytes)"},
    {"schema_registry_url", SL_OPT_STRING, NULL, NULL, false,
     OPT(schema_registry_url), "Confluent Schema Registry base URL"},
    {"schema_registry_user", SL_OPT_STRING, NULL, NULL, false,
     OPT(schema_registry_user), "basic auth user for the registry"},
    {"schema_registry_password", SL_OPT_STRING, NULL, NULL, false,
     OPT(schema_registry_password), "basic auth password for the registry"},
    {"glue_schema_dir", SL_OPT_STRING, NULL, NULL, false, OPT(glue_schema_dir),
     "folder of Glue Schema Registry schemas named <version-uuid>.avsc"},
    {"glue_registry", SL_OPT_BOOL, "false", NULL, false, OPT(glue_registry),
     "fetch Glue schema versions not in glue_schema_dir with the Glue API "
     "(GetSchemaVersion)"},
    {"glue_registry_region", SL_OPT_STRING, NULL, NULL, false,
     OPT(glue_registry_region),
     "region of the Glue Schema Registry (default: AWS_REGION, "
     "AWS_DEFAULT_REGION, the profile's, us-east-1)"},
    {"glue_registry_endpoint", SL_OPT_STRING, NULL, NULL, false,
     OPT(glue_registry_endpoint),
     "Glue endpoint http(s)://host[:port] (default: AWS_ENDPOINT_URL_GLUE, "
     "AWS_ENDPOINT_URL, https://glue.<region>.amazonaws.com)"},
    {"glue_registry_profile", SL_OPT_STRING, NULL, NULL, false,
     OPT(glue_registry_profile),
     "credentials profile for the Glue API (default: the chain)"},
    {"glue_registry_role_arn", SL_OPT_STRING, NULL, NULL, false,
     OPT(glue_registry_role_arn),
     "IAM role assumed for the Glue API (STS AssumeRole)"},
    {"registry_timeout", SL_OPT_DURATION, "5s", NULL, false,
     OPT(registry_timeout_ms), "time limit of one registry request"},
    {"avro_header_dir", SL_OPT_STRING, NULL, NULL, false, OPT(avro_header_dir),
     "folder where container file headers are saved, so a job restarted "
     "in the middle of a container file can read the rest (default: "
     "avro-headers in a local checkpoint folder)"},
    {"registry_retries", SL_OPT_INT, "3", NULL, false, OPT(registry_retries),
     "retries of a failed registry fetch (backoff 100 ms, doubling)"},
    {"max_block_bytes", SL_OPT_SIZE, "64MiB", NULL, false, OPT(max_block_bytes),
     "cap on one decompressed container block (or Glue zlib datum)"},
    {0},
};

struct entry {
    char kind; /* 'S' sync marker, 'C' Confluent id, 'G' Glue uuid */
    uint8_t key[16];
    enum sl_avro_codec codec;
    struct sl_avro_schema *ws;
    struct sl_avro_reader *rd;
};

struct avro_dec {
    enum framing framing;
    char *header_dir; /* avro_header_dir or its default, or NULL */
    bool add;         /* no declared schema: columns come from the data */
    size_t max_block;
    struct sl_avro_schema *rs; /* reader schema, or NULL */
    struct sl_avro_reader *datum_rd;
    struct sl_avro_registry *reg;
    struct entry cache[CACHE_MAX];
    size_t n_cache, next_evict;
    struct sl_buf block;  /* decompressed block */
    struct sl_buf text;   /* schema text from a registry */
    struct sl_dctx *dctx; /* decompressor states reused block to block */
};

static void entry_free(struct entry *e)
{
    sl_avro_reader_destroy(e->rd);
    sl_avro_schema_destroy(e->ws);
    memset(e, 0, sizeof *e);
}

static struct entry *cache_get(struct avro_dec *d, char kind,
                               const uint8_t key[16])
{
    for (size_t i = 0; i < d->n_cache; i++)
        if (d->cache[i].kind == kind && memcmp(d->cache[i].key, key, 16) == 0)
            return &d->cache[i];
    return NULL;
}

/* Parse writer schema text, compile it against the reader schema and
 * keep it under (kind, key). */
static int cache_put(struct avro_dec *d, char kind, const uint8_t key[16],
                     const char *text, size_t len, enum sl_avro_codec codec,
                     struct entry **out, struct sl_error *err)
{
    struct sl_avro_schema *ws = NULL;
    struct sl_avro_reader *rd = NULL;
    int rc = sl_avro_schema_parse(text, len, &ws, err);
    if (!rc)
        rc = sl_avro_reader_create(ws, d->rs, &rd, err);
    if (rc) {
        sl_avro_schema_destroy(ws);
        return rc;
    }
    struct entry *e;
    if (d->n_cache < CACHE_MAX) {
        e = &d->cache[d->n_cache++];
    } else {
        e = &d->cache[d->next_evict++ % CACHE_MAX];
        entry_free(e);
    }
    e->kind = kind;
    memcpy(e->key, key, 16);
    e->codec = codec;
    e->ws = ws;
    e->rd = rd;
    *out = e;
    return 0;
}

static char *load_schema_text(const char *v, size_t *len, struct sl_error *err)
{
    const char *s = v;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s == '{' || *s == '[' || *s == '"') {
        *len = strlen(v);
        char *t = strdup(v);
        if (!t)
            sl_error_set(err, SL_ENOMEM, "out of memory");
        return t;
    }
    FILE *f = fopen(v, "rb");
    if (!f) {
        sl_error_set(err, SL_EINVAL,
                     "avro_schema: \"%s\" is neither schema JSON nor a "
                     "readable file",
                     v);
        return NULL;
    }
    struct sl_buf b;
    sl_buf_init(&b, 16u << 20);
    char tmp[65536];
    size_t k;
    int rc = 0;
    while (!rc && (k = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = sl_buf_append(&b, tmp, k);
    fclose(f);
    if (!rc)
        rc = sl_buf_cstr(&b);
    if (rc) {
        sl_buf_free(&b);
        sl_error_set(err, rc, "avro_schema: cannot read %s: %s", v,
                     sl_strerror(rc));
        return NULL;
    }
    *len = b.len;
    return (char *)b.data;
}

static void avro_destroy(void *st);

/* avro_header_dir, else <checkpoint>/avro-headers when the checkpoint is
 * a local folder, else none. */
static int header_dir(struct avro_dec *d, const char *opt, const char *cp,
                      struct sl_error *err)
{
    if (opt)
        d->header_dir = strdup(opt);
    else if (cp && !strstr(cp, "://")) {
        size_t n = strlen(cp) + sizeof "/avro-headers";
        if ((d->header_dir = malloc(n)))
            snprintf(d->header_dir, n, "%s/avro-headers", cp);
    } else
        return 0;
    return d->header_dir ? 0 : sl_error_set(err, SL_ENOMEM, "out of memory");
}

static int avro_create(const struct sl_decoder_ctx *ctx, void **st,
                       struct sl_error *err)
{
    *st = NULL;
    struct avro_dec *d = calloc(1, sizeof *d);
    if (!d)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    struct opts o;
    memset(&o, 0, sizeof o);
    int rc = sl__options_parse_own(avro_options, ctx->conf, "source", &o, err);
    if (rc)
        goto out;
    static const char *const fnames[] = {"auto", "datum", "container",
                                         "confluent", "glue"};
    d->framing = FR_AUTO;
    for (int i = 0; i < 5; i++)
        if (strcmp(o.avro_framing, fnames[i]) == 0)
            d->framing = (enum framing)i;
    d->add = ctx->schema == NULL;
    d->max_block =
        o.max_block_bytes > 0 ? (size_t)o.max_block_bytes : (64u << 20);
    sl_buf_init(&d->block, d->max_block + 64);
    sl_buf_init(&d->text, 16u << 20);
    if ((rc = sl_dctx_create(&d->dctx, err)))
        goto out;
    if (o.avro_schema) {
        size_t len;
        char *text = load_schema_text(o.avro_schema, &len, err);
        if (!text) {
            rc = err ? err->code : SL_EINVAL;
            goto out;
        }
        rc = sl_avro_schema_parse(text, len, &d->rs, err);
        free(text);
        if (!rc)
            rc = sl_avro_reader_create(d->rs, NULL, &d->datum_rd, err);
        if (rc) {
            sl_error_prefix(err, "avro_schema: ");
            goto out;
        }
    } else if (d->framing == FR_DATUM) {
        rc = sl_error_set(err, SL_EINVAL,
                          "avro_framing: datum needs avro_schema (the "
                          "schema of every datum)");
        goto out;
    }
    if ((rc = header_dir(d, o.avro_header_dir, ctx->checkpoint, err)))
        goto out;
    struct sl_aws_config glue_aws = {.region = o.glue_registry_region,
                                     .endpoint_url = o.glue_registry_endpoint,
                                     .profile = o.glue_registry_profile,
                                     .role_arn = o.glue_registry_role_arn,
                                     .tls_verify = true};
    if (o.schema_registry_url || o.glue_schema_dir || o.glue_registry) {
        struct sl_avro_registry_conf rc_conf = {
            .glue_aws = o.glue_registry ? &glue_aws : NULL,
            .url = o.schema_registry_url,
            .user = o.schema_registry_user,
            .password = o.schema_registry_password,
            .glue_dir = o.glue_schema_dir,
            .retries = (int)o.registry_retries,
            .timeout_ms = o.registry_timeout_ms,
        };
        rc = sl_avro_registry_create(&rc_conf, &d->reg, err);
    }
out:
    sl_options_free(avro_options, &o);
    if (rc) {
        avro_destroy(d);
        return rc;
    }
    *st = d;
    return 0;
}

static void avro_destroy(void *st)
{
    struct avro_dec *d = st;
    if (!d)
        return;
    for (size_t i = 0; i < d->n_cache; i++)
        entry_free(&d->cache[i]);
    sl_avro_reader_destroy(d->datum_rd);
    sl_avro_schema_destroy(d->rs);
    sl_avro_registry_destroy(d->reg);
    sl_buf_free(&d->block);
    sl_buf_free(&d->text);
    sl_dctx_destroy(d->dctx);
    free(d->header_dir);
    free(d);
}

/* ---- container files ---- */

struct header {
    const uint8_t *schema;
    size_t schema_len;
    const char *codec;
    size_t codec_len;
    const uint8_t *sync;
    size_t len; /* header bytes, sync included */
};

/* Parse the header at p[0..n). 1: complete; 0: need more bytes; <0: not
 * a header (SL_ECORRUPT). */
static int parse_header(const uint8_t *p, size_t n, struct header *h)
{
    memset(h, 0, sizeof *h);
    if (n < MAGIC_LEN)
        return memcmp(p, "Obj\x01", n) == 0 ? 0 : SL_ECORRUPT;
    if (memcmp(p, "Obj\x01", MAGIC_LEN) != 0)
        return SL_ECORRUPT;
    size_t at = MAGIC_LEN, k;
    int64_t cnt, v;
    for (;;) {
        if (!(k = sl_avro_get_long(p + at, n - at, &cnt)))
            return n - at >= SL_AVRO_VARINT_MAX ? SL_ECORRUPT : 0;
        at += k;
        if (cnt == 0)
            break;
        if (cnt < 0) {
            if (cnt == INT64_MIN)
                return SL_ECORRUPT;
            cnt = -cnt;
            if (!(k = sl_avro_get_long(p + at, n - at, &v)))
                return n - at >= SL_AVRO_VARINT_MAX ? SL_ECORRUPT : 0;
            at += k;
        }
        if (cnt > 100000)
            return SL_ECORRUPT;
        for (int64_t i = 0; i < cnt; i++) {
            const uint8_t *kv[2];
            size_t kl[2];
            for (int j = 0; j < 2; j++) {
                if (!(k = sl_avro_get_long(p + at, n - at, &v)))
                    return n - at >= SL_AVRO_VARINT_MAX ? SL_ECORRUPT : 0;
                if (v < 0 || v > (1 << 26))
                    return SL_ECORRUPT;
                at += k;
                if ((uint64_t)v > n - at)
                    return 0;
                kv[j] = p + at;
                kl[j] = (size_t)v;
                at += (size_t)v;
            }
            if (kl[0] == 11 && memcmp(kv[0], "avro.schema", 11) == 0) {
                h->schema = kv[1];
                h->schema_len = kl[1];
            } else if (kl[0] == 10 && memcmp(kv[0], "avro.codec", 10) == 0) {
                h->codec = (const char *)kv[1];
                h->codec_len = kl[1];
            }
        }
    }
    if (n - at < SYNC_LEN)
        return 0;
    h->sync = p + at;
    h->len = at + SYNC_LEN;
    return 1;
}

/* Length of the block at p[0..n): >0 complete; 0 need more; <0 bad. */
static long block_len(const uint8_t *p, size_t n, int64_t *count,
                      const uint8_t **data, size_t *size)
{
    int64_t cnt, sz;
    size_t k1 = sl_avro_get_long(p, n, &cnt), k2;
    if (!k1)
        return n >= SL_AVRO_VARINT_MAX ? SL_ECORRUPT : 0;
    if (!(k2 = sl_avro_get_long(p + k1, n - k1, &sz)))
        return n - k1 >= SL_AVRO_VARINT_MAX ? SL_ECORRUPT : 0;
    if (cnt < 0 || sz < 0 || sz > (int64_t)1 << 40)
        return SL_ECORRUPT;
    size_t total = k1 + k2 + (size_t)sz + SYNC_LEN;
    if (total > n)
        return 0;
    *count = cnt;
    *data = p + k1 + k2;
    *size = (size_t)sz;
    return (long)total;
}

static int header_entry(struct avro_dec *d, const struct header *h,
                        struct entry **out, struct sl_error *err)
{
    int codec = SL_AVC_NULL;
    if (h->codec && (codec = sl_avro_codec_find(h->codec, h->codec_len)) < 0)
        return sl_error_set(
            err, SL_ECORRUPT, "container file codec \"%.*s\" is not known",
            (int)(h->codec_len > 40 ? 40 : h->codec_len), h->codec);
    if (!h->schema)
        return sl_error_set(err, SL_ECORRUPT,
                            "container file header has no avro.schema");
    struct entry *e = cache_get(d, 'S', h->sync);
    if (e && e->ws->text_len == h->schema_len &&
        memcmp(e->ws->text, h->schema, h->schema_len) == 0 &&
        e->codec == (enum sl_avro_codec)codec) {
        *out = e;
        return 0;
    }
    if (e)
        e->kind = 0; /* same sync, other header: forget the old one */
    int rc = cache_put(d, 'S', h->sync, (const char *)h->schema, h->schema_len,
                       (enum sl_avro_codec)codec, out, err);
    if (rc) {
        sl_error_prefix(err, "container file schema: ");
        return rc;
    }
    if (d->header_dir) {
        const char *cn = sl_avro_codec_name((enum sl_avro_codec)codec);
        rc = sl_avro_header_save(d->header_dir, h->sync, cn, strlen(cn),
                                 h->schema, h->schema_len, err);
        if (rc) /* not the record's fault: stop rather than dead-letter */
            return rc == SL_ENOMEM ? rc : SL_EIO;
    }
    return 0;
}

/* The header of the file whose blocks p[0..n) are (their last 16 bytes
 * are its sync marker): read earlier in this run, or saved in
 * avro_header_dir by an earlier run. NULL when unknown. */
static struct entry *block_header(struct avro_dec *d, const uint8_t *p,
                                  size_t n)
{
    if (n < SYNC_LEN)
        return NULL;
    const uint8_t *sync = p + n - SYNC_LEN;
    struct entry *e = cache_get(d, 'S', sync);
    if (e || !d->header_dir)
        return e;
    size_t cl;
    if (sl_avro_header_load(d->header_dir, sync, &d->text, &cl, NULL))
        return NULL;
    int codec = sl_avro_codec_find((const char *)d->text.data, cl);
    e = NULL;
    if (codec < 0 ||
        cache_put(d, 'S', sync, (const char *)d->text.data + cl + 1,
                  d->text.len - cl - 1, (enum sl_avro_codec)codec, &e, NULL))
        return NULL;
    return e;
}

/* Decode the blocks at p[0..n) (all of it) of the file described by e. */
static int decode_blocks(struct avro_dec *d, struct entry *e, const uint8_t *p,
                         size_t n, size_t base, struct sl_batch *b,
                         struct sl_error *err)
{
    size_t at = 0;
    while (at < n) {
        int64_t count;
        const uint8_t *data;
        size_t size;
        long bl = block_len(p + at, n - at, &count, &data, &size);
        if (bl <= 0)
            return sl_error_set_at(err, SL_ECORRUPT, (int64_t)(base + at),
                                   "container block at byte %zu is %s",
                                   base + at,
                                   bl == 0 ? "truncated" : "malformed");
        if (memcmp(p + at + bl - SYNC_LEN, e->key, SYNC_LEN) != 0)
            return sl_error_set_at(err, SL_ECORRUPT, (int64_t)(base + at),
                                   "container block at byte %zu does not "
                                   "end with the file's sync marker",
                                   base + at);
        const uint8_t *q = data;
        size_t qn = size;
        if (e->codec != SL_AVC_NULL) {
            int rc = sl_avro_codec_decode(d->dctx, e->codec, data, size,
                                          d->max_block, &d->block, err);
            if (rc) {
                sl_error_prefix(err,
                                "container block at byte %zu: ", base + at);
                if (err)
                    err->offset = (int64_t)(base + at);
                return rc;
            }
            q = d->block.data;
            qn = d->block.len;
        }
        size_t qa = 0;
        for (int64_t i = 0; i < count; i++) {
            size_t used;
            int rc = sl_avro_reader_read(e->rd, q + qa, qn - qa, &used, b,
                                         d->add, 0, err);
            if (rc) {
                sl_error_prefix(err,
                                "container block at byte %zu, datum %lld "
                                "(byte %zu of the %s block): ",
                                base + at, (long long)i, qa,
                                e->codec == SL_AVC_NULL ? "raw"
                                                        : "decompressed");
                if (err)
                    err->offset = (int64_t)(base + at);
                return rc;
            }
            qa += used;
        }
        if (qa != qn)
            return sl_error_set_at(err, SL_ECORRUPT, (int64_t)(base + at),
                                   "container block at byte %zu holds %zu "
                                   "bytes after its %lld datums",
                                   base + at, qn - qa, (long long)count);
        at += (size_t)bl;
    }
    return 0;
}

static int decode_container(struct avro_dec *d, const uint8_t *p, size_t n,
                            struct sl_batch *b, struct sl_error *err)
{
    struct header h;
    int r = parse_header(p, n, &h);
    if (r <= 0)
        return sl_error_set_at(err, SL_ECORRUPT, 0,
                               "container file header is %s",
                               r == 0 ? "truncated" : "malformed");
    struct entry *e = NULL;
    int rc = header_entry(d, &h, &e, err);
    if (rc)
        return rc;
    return decode_blocks(d, e, p + h.len, n - h.len, h.len, b, err);
}

/* ---- registry frames ---- */

static int registry_entry(struct avro_dec *d, char kind, const uint8_t *id,
                          struct entry **out, struct sl_error *err)
{
    uint8_t key[16] = {0};
    memcpy(key, id, kind == 'C' ? 4 : 16);
    if ((*out = cache_get(d, kind, key)))
        return 0;
    int rc;
    if (kind == 'C') {
        uint32_t v = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 |
                     (uint32_t)id[2] << 8 | id[3];
        rc = sl_avro_registry_confluent(d->reg, v, &d->text, err);
    } else {
        rc = sl_avro_registry_glue(d->reg, id, &d->text, err);
    }
    if (!rc && !d->reg)
        rc = SL_EINVAL;
    if (rc)
        return rc;
    rc = cache_put(d, kind, key, (const char *)d->text.data, d->text.len,
                   SL_AVC_NULL, out, err);
    if (rc)
        sl_error_prefix(err, "registry schema: ");
    return rc;
}

static int one_datum(struct sl_avro_reader *rd, struct avro_dec *d,
                     const uint8_t *p, size_t n, size_t base,
                     struct sl_batch *b, struct sl_error *err)
{
    size_t used;
    int rc =
        sl_avro_reader_read(rd, p, n, &used, b, d->add, (int64_t)base, err);
    if (rc)
        return rc;
    if (used != n) {
        sl_batch_rollback(b, sl_batch_rows(b) - 1);
        return sl_error_set_at(err, SL_ECORRUPT, (int64_t)(base + used),
                               "%zu bytes left after the Avro datum (it "
                               "ends at byte %zu)",
                               n - used, base + used);
    }
    return 0;
}

static int decode_confluent(struct avro_dec *d, const uint8_t *p, size_t n,
                            struct sl_batch *b, struct sl_error *err)
{
    if (n < 5 || p[0] != 0)
        return sl_error_set_at(err, SL_ECORRUPT, 0,
                               "not a Confluent frame (magic byte 0 and a "
                               "4-byte schema id)");
    struct entry *e;
    int rc = registry_entry(d, 'C', p + 1, &e, err);
    if (rc)
        return rc;
    return one_datum(e->rd, d, p + 5, n - 5, 5, b, err);
}

static int decode_glue(struct avro_dec *d, const uint8_t *p, size_t n,
                       struct sl_batch *b, struct sl_error *err)
{
    if (n < 18 || p[0] != 3 || (p[1] != 0 && p[1] != 5))
        return sl_error_set_at(err, SL_ECORRUPT, 0,
                               "not a Glue Schema Registry frame (header "
                               "version 3, compression 0 or 5, 16-byte "
                               "schema version id)");
    struct entry *e;
    int rc = registry_entry(d, 'G', p + 2, &e, err);
    if (rc)
        return rc;
    if (p[1] == 0)
        return one_datum(e->rd, d, p + 18, n - 18, 18, b, err);
    /* a zlib stream (RFC 1950, with its header) */
    sl_buf_reset(&d->block);
    struct sl_decompress_limits lim;
    sl_decompress_limits_default(&lim);
    lim.max_output = d->max_block;
    rc = sl_dctx_decompress(d->dctx, SL_CODEC_ZLIB, p + 18, n - 18, &d->block,
                            &lim, err);
    if (rc) {
        sl_error_prefix(err, "Glue frame: ");
        if (err)
            err->offset = 18 + (err->offset > 0 ? err->offset : 0);
        return rc;
    }
    return one_datum(e->rd, d, d->block.data, d->block.len, 0, b, err);
}

/* p[0..n) is one or more whole container blocks (of an unknown file). */
static bool looks_like_block(const uint8_t *p, size_t n)
{
    int64_t count;
    const uint8_t *data;
    size_t size, at = 0;
    while (at < n) {
        long bl = block_len(p + at, n - at, &count, &data, &size);
        if (bl <= 0)
            return false;
        at += (size_t)bl;
    }
    return n > 0;
}

static int avro_decode(void *st, const uint8_t *p, size_t n, struct sl_batch *b,
                       struct sl_error *err)
{
    struct avro_dec *d = st;
    size_t rows = sl_batch_rows(b);
    int rc;
    enum framing f = d->framing;
    struct entry *e = NULL;
    if (f == FR_AUTO) {
        if (n >= MAGIC_LEN && memcmp(p, "Obj\x01", MAGIC_LEN) == 0)
            f = FR_CONTAINER;
        else if ((e = block_header(d, p, n)))
            f = FR_CONTAINER;
        else if (d->reg && n >= 5 && p[0] == 0)
            f = FR_CONFLUENT;
        else if (d->reg && n >= 18 && p[0] == 3)
            f = FR_GLUE;
        else if (d->datum_rd)
            f = FR_DATUM;
        else if (looks_like_block(p, n))
            f = FR_CONTAINER; /* says: header not read in this run */
        else
            return sl_error_set_at(
                err, SL_ECORRUPT, 0,
                "not an Avro container file, a block of one read earlier, "
                "or a registry frame; and no avro_schema is set to read "
                "it as a datum");
    }
    switch (f) {
    case FR_CONTAINER:
        if (n >= MAGIC_LEN && memcmp(p, "Obj\x01", MAGIC_LEN) == 0)
            rc = decode_container(d, p, n, b, err);
        else if (e || (e = block_header(d, p, n)))
            rc = decode_blocks(d, e, p, n, 0, b, err);
        else
            rc = sl_error_set_at(err, SL_ECORRUPT, 0,
                                 "container block whose file header was not "
                                 "read in this run nor saved in "
                                 "avro_header_dir (the job restarted in the "
                                 "middle of the file and the saved headers "
                                 "were lost, or the checkpoint is on S3: "
                                 "set avro_header_dir; or it is not a "
                                 "container file)");
        break;
    case FR_CONFLUENT:
        rc = decode_confluent(d, p, n, b, err);
        break;
    case FR_GLUE:
        rc = decode_glue(d, p, n, b, err);
        break;
    default:
        rc = one_datum(d->datum_rd, d, p, n, 0, b, err);
        break;
    }
    if (rc && sl_batch_rows(b) != rows)
        sl_batch_rollback(b, rows);
    return rc;
}

/* Byte streams (file, stdin): a container file is framed as its header,
 * then one record per block, so memory stays bounded by the block size
 * and a bad block costs only that block. Bytes that are neither are
 * handed on as one record, which the decoder reports. */
static long avro_frame(void *st, const uint8_t *p, size_t n, bool at_eof,
                       size_t *consumed)
{
    (void)st;
    long len;
    if (n >= 1 && p[0] == 'O') {
        struct header h;
        int r = parse_header(p, n, &h);
        if (r == 1) {
            *consumed = h.len;
            return (long)h.len;
        }
        if (r == 0 && !at_eof)
            return -1;
        if (r == 0) {
            *consumed = n; /* a truncated header at the end */
            return (long)n;
        }
    }
    int64_t count;
    const uint8_t *data;
    size_t size;
    len = block_len(p, n, &count, &data, &size);
    if (len > 0) {
        *consumed = (size_t)len;
        return len;
    }
    if (len == 0 && !at_eof)
        return -1;
    *consumed = n; /* garbage or a truncated tail: one bad record */
    return (long)n;
}

const struct sl_decoder_ops sl_decoder_avro = {
    .name = "avro",
    .summary = "Avro: container files, datums, Confluent and Glue "
               "Schema Registry framing",
    .options = avro_options,
    .create = avro_create,
    .frame = avro_frame,
    .decode = avro_decode,
    .destroy = avro_destroy,
};
