/*
 * lake_sink.c - the data-lake sink machinery shared by the file and S3
 * sinks (see lake_sink.h), exactly-once.
 *
 * DESIGN.md §2 steps 3-5. Rows of each (source partition, folder) go to
 * their own file, named by lake.h from (checkpoint id, batch id, partition,
 * part number); folders come from partition_by. While the batch runs the
 * files are invisible (local temps, open multipart uploads); commit makes
 * them visible through the storage's publish. A replay writes the same
 * rows, so the same names with the same bytes: each record once.
 *
 * A new part starts only because of the data: when the file has reached
 * max_file_size, checked every `step` rows of the file (step is set from
 * max_file_size, 1..256, so where chunks were cut never matters), or when
 * the chunk's schema differs from the file's and the format writes the
 * schema into the file (a CSV header, a Parquet footer); JSON lines go on
 * in the same file.
 *
 * Memory: each open file buffers encoder output and hands it to the
 * storage once flush_at() bytes are buffered (FLUSH_AT, less with many
 * streams so that together they stay near FLUSH_BUDGET: 64 Kafka
 * partitions buffered 64-128 MiB at 1 MiB each); all buffers are flushed
 * when their total passes FLUSH_ALL_AT, and with more than KEEP_BUFFERS
 * streams a flushed buffer is freed, not kept. Where bytes are flushed
 * never changes what the files hold.
 *
 * sink.compression (text encoders only: JSON lines, CSV; Parquet and Avro
 * compress inside their own format): the encoder's bytes collect in the
 * stream's `zin` and go to its sl_cstream in blocks of exactly ZBLOCK bytes,
 * the rest when the file ends, so the compressor sees the same calls
 * however the engine cut the chunks and a replay writes the same bytes.
 * max_file_size then counts compressed bytes.
 *
 * The engine also uses these sinks for the dead-letter output, so nothing
 * here knows what the rows are. Called from the engine thread only.
 */
#include "lake_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress/compress.h"
#include "jsonw.h"
#include "lake.h"
#include "log.h"
#include "part.h"

#define FLUSH_AT (1u << 20)
#define FLUSH_BUDGET (16u << 20) /* shared by the streams of a batch */
#define FLUSH_MIN (64u << 10)
#define FLUSH_ALL_AT (64u << 20)
#define OUT_MAX (1ull << 30) /* one write step of rows must fit */
#define MAX_STREAMS 100000
#define RECEIPT_NAMES 16
#define MAX_STEP 256
#define ZBLOCK (256u << 10) /* bytes per compressor call (determinism) */
#define KEEP_BUFFERS 64     /* streams that keep their buffer between flushes */

/* The files of one (partition, folder) in the current batch. */
struct stream {
    char *partition, *folder;
    uint32_t part; /* number of the open file, or of the next one */
    bool open;     /* a file is being written */
    size_t file;   /* index in files[] of the open file */
    struct sl_field schema;
    void *enc;
    uint64_t flushed;      /* bytes already handed to the storage */
    uint64_t rows;         /* rows in the open file */
    struct sl_buf out;     /* encoder output not yet in the file */
    struct sl_cstream *cs; /* sink.compression: the open file's */
    struct sl_buf zin;     /* encoder bytes not yet compressed */
};

struct pid_slot {
    char *id;
    uint64_t h;
};

struct lake_sink {
    const struct sl_lake_storage_ops *so;
    void *sc;
    int64_t max_file_size;
    const struct sl_encoder_ops *enc;
    enum sl_codec zc; /* sink.compression, SL_CODEC_NONE: off */
    char *ext;        /* file suffix: encoder's, plus the codec's */
    const struct sl_conf *conf;
    char *cpid, *path;
    char *job; /* job name, for formats that record it (encoder meta) */
    struct sl_lake_spec spec;
    size_t step; /* rows between size checks */

    bool in_batch;
    struct sl_batch_info bi;
    struct stream *streams;
    size_t n_streams, cap_streams;
    uint32_t *tab; /* stream index + 1, open addressing */
    size_t tab_cap;
    struct pid_slot *pids; /* partitions of the batch by name hash */
    size_t n_pids, pid_cap;
    struct sl_lake_file *files;
    size_t n_files, cap_files;
    uint64_t buffered; /* sum of streams' out.len */

    void **pool; /* idle encoders */
    size_t n_pool, cap_pool;
    struct sl_lake_groups groups;
    struct sl_buf scratch;
    uint32_t seq[MAX_STEP];
};

/* ---- encoders ---- */

static int enc_get(struct lake_sink *s, void **out, struct sl_error *err)
{
    if (s->n_pool) {
        *out = s->pool[--s->n_pool];
        return 0;
    }
    return s->enc->create(s->conf, out, err);
}

static void enc_put(struct lake_sink *s, void *e)
{
    if (!e)
        return;
    if (s->n_pool == s->cap_pool) {
        size_t cap = s->cap_pool ? s->cap_pool * 2 : 8;
        void **p = realloc(s->pool, cap * sizeof *p);
        if (!p) {
            s->enc->destroy(e);
            return;
        }
        s->pool = p;
        s->cap_pool = cap;
    }
    s->pool[s->n_pool++] = e;
}

/* ---- streams ---- */

static uint64_t stream_hash(const char *partition, const char *folder)
{
    /* Hash of "partition\0folder" without building it. */
    uint64_t h1 = sl__lake_hash(partition, strlen(partition));
    uint64_t h2 = sl__lake_hash(folder, strlen(folder));
    return h1 ^ (h2 * 0x9e3779b97f4a7c15ULL);
}

static int rehash(struct lake_sink *s)
{
    size_t cap = s->tab_cap ? s->tab_cap * 2 : 64;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return SL_ENOMEM;
    for (size_t k = 0; k < s->n_streams; k++) {
        size_t h =
            (size_t)stream_hash(s->streams[k].partition, s->streams[k].folder);
        while (t[h & (cap - 1)])
            h++;
        t[h & (cap - 1)] = (uint32_t)k + 1;
    }
    free(s->tab);
    s->tab = t;
    s->tab_cap = cap;
    return 0;
}

/* The partitions of the batch by name hash: two partitions whose names
 * would collide (lake.h) are refused rather than overwrite each other. */
static int check_partition(struct lake_sink *s, const char *partition,
                           struct sl_error *err)
{
    if (s->n_pids * 2 >= s->pid_cap) {
        size_t cap = s->pid_cap ? s->pid_cap * 2 : 64;
        struct pid_slot *t = calloc(cap, sizeof *t);
        if (!t)
            return sl_error_set(err, SL_ENOMEM, "%s: out of memory",
                                s->so->what);
        for (size_t k = 0; k < s->pid_cap; k++) {
            if (!s->pids[k].id)
                continue;
            size_t h = (size_t)s->pids[k].h;
            while (t[h & (cap - 1)].id)
                h++;
            t[h & (cap - 1)] = s->pids[k];
        }
        free(s->pids);
        s->pids = t;
        s->pid_cap = cap;
    }
    uint64_t h = sl__lake_hash(partition, strlen(partition));
    size_t i = (size_t)h;
    for (;; i++) {
        struct pid_slot *e = &s->pids[i & (s->pid_cap - 1)];
        if (!e->id)
            break;
        if (e->h != h)
            continue;
        if (strcmp(e->id, partition) == 0)
            return 0;
        return sl_error_set(err, SL_ECONFLICT,
                            "%s: partitions '%s' and '%s' have the "
                            "same name hash %016llx; their files would "
                            "overwrite each other",
                            s->so->what, e->id, partition,
                            (unsigned long long)h);
    }
    struct pid_slot *e = &s->pids[i & (s->pid_cap - 1)];
    if (!(e->id = strdup(partition)))
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", s->so->what);
    e->h = h;
    s->n_pids++;
    return 0;
}

static int stream_get(struct lake_sink *s, const char *partition,
                      const char *folder, struct stream **out,
                      struct sl_error *err)
{
    if (s->n_streams * 2 >= s->tab_cap && rehash(s))
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", s->so->what);
    size_t h = (size_t)stream_hash(partition, folder);
    for (;; h++) {
        uint32_t e = s->tab[h & (s->tab_cap - 1)];
        if (!e)
            break;
        struct stream *st = &s->streams[e - 1];
        if (strcmp(st->partition, partition) == 0 &&
            strcmp(st->folder, folder) == 0) {
            *out = st;
            return 0;
        }
    }
    if (s->n_streams >= MAX_STREAMS)
        return sl_error_set(err, SL_ELIMIT,
                            "%s: more than %d (partition, folder) "
                            "outputs in batch %lld; check partition_by",
                            s->so->what, MAX_STREAMS,
                            (long long)s->bi.batch_id);
    int rc = check_partition(s, partition, err);
    if (rc)
        return rc;
    if (s->n_streams == s->cap_streams) {
        size_t cap = s->cap_streams ? s->cap_streams * 2 : 16;
        struct stream *v = realloc(s->streams, cap * sizeof *v);
        if (!v)
            return sl_error_set(err, SL_ENOMEM, "%s: out of memory",
                                s->so->what);
        s->streams = v;
        s->cap_streams = cap;
    }
    struct stream *st = &s->streams[s->n_streams];
    memset(st, 0, sizeof *st);
    st->partition = strdup(partition);
    st->folder = strdup(folder);
    if (!st->partition || !st->folder) {
        free(st->partition);
        free(st->folder);
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", s->so->what);
    }
    sl_buf_init(&st->out, OUT_MAX);
    sl_buf_init(&st->zin, OUT_MAX);
    s->n_streams++;
    s->tab[h & (s->tab_cap - 1)] = (uint32_t)s->n_streams;
    *out = st;
    return 0;
}

/* ---- files ---- */

/* Bytes a stream buffers before handing them to the storage. */
static size_t flush_at(const struct lake_sink *s)
{
    size_t per = s->n_streams ? FLUSH_BUDGET / s->n_streams : FLUSH_AT;
    return per > FLUSH_AT ? FLUSH_AT : per < FLUSH_MIN ? FLUSH_MIN : per;
}

/* Empty st's buffer after its bytes went to the file. With many streams
 * (folders x partitions) the memory is given back, so the buffers' total
 * stays near FLUSH_ALL_AT instead of FLUSH_AT per stream. */
static void trim_out(struct lake_sink *s, struct stream *st)
{
    if (s->n_streams > KEEP_BUFFERS)
        sl_buf_free(&st->out);
    else
        sl_buf_reset(&st->out);
}

/* Where the encoder writes for st: its output, or the bytes waiting to
 * be compressed. */
static struct sl_buf *enc_buf(struct lake_sink *s, struct stream *st)
{
    return s->zc ? &st->zin : &st->out;
}

/* Compress what the encoder wrote for st: whole ZBLOCKs, or everything
 * when the file ends (`last`). */
static int emit(struct lake_sink *s, struct stream *st, bool last,
                struct sl_error *err)
{
    if (!s->zc)
        return 0;
    size_t n = last ? st->zin.len : st->zin.len - st->zin.len % ZBLOCK;
    size_t before = st->out.len;
    int rc = 0;
    for (size_t o = 0; !rc && o < n; o += ZBLOCK) {
        size_t k = n - o < ZBLOCK ? n - o : ZBLOCK;
        rc = sl_cstream_write(st->cs, st->zin.data + o, k, &st->out, err);
    }
    if (!rc && n) {
        memmove(st->zin.data, st->zin.data + n, st->zin.len - n);
        st->zin.len -= n;
    }
    if (!rc && last)
        rc = sl_cstream_finish(st->cs, &st->out, err);
    s->buffered += st->out.len - before;
    if (rc)
        sl_error_prefix(err, "%s: compressing: ", s->so->what);
    return rc;
}

static int flush_stream(struct lake_sink *s, struct stream *st,
                        struct sl_error *err)
{
    if (st->out.len == 0)
        return 0;
    struct sl_lake_file *f = &s->files[st->file];
    int rc = s->so->append(s->sc, f, st->out.data, st->out.len, false, err);
    if (rc)
        return rc;
    st->flushed += st->out.len;
    s->buffered -= st->out.len;
    trim_out(s, st);
    return 0;
}

static int flush_all(struct lake_sink *s, struct sl_error *err)
{
    for (size_t k = 0; k < s->n_streams; k++) {
        struct stream *st = &s->streams[k];
        if (st->open) {
            int rc = flush_stream(s, st, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* A new temp file for st (the next part), the encoder not yet begun. */
static int open_file(struct lake_sink *s, struct stream *st,
                     const struct sl_field *schema, struct sl_error *err)
{
    if (s->n_files == s->cap_files) {
        size_t cap = s->cap_files ? s->cap_files * 2 : 16;
        struct sl_lake_file *v = realloc(s->files, cap * sizeof *v);
        if (!v)
            return sl_error_set(err, SL_ENOMEM, "%s: out of memory",
                                s->so->what);
        s->files = v;
        s->cap_files = cap;
    }
    struct sl_lake_file *f = &s->files[s->n_files];
    memset(f, 0, sizeof *f);
    struct sl_buf *b = &s->scratch;
    sl_buf_reset(b);
    int rc = 0;
    if (*st->folder)
        rc = sl_buf_appendf(b, "%s/", st->folder);
    if (!rc)
        rc = sl__lake_part_name(b, s->bi.batch_id, st->partition, st->part,
                                s->cpid, s->ext);
    if (!rc)
        rc = sl_buf_cstr(b);
    if (rc)
        return sl_error_set(err, rc, "%s: cannot name a file: %s", s->so->what,
                            sl_strerror(rc));
    if (!(f->rel = strdup((const char *)b->data)))
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", s->so->what);
    if ((rc = s->so->create(s->sc, f, st->folder, err))) {
        free(f->rel);
        return rc;
    }
    s->n_files++;
    if (!st->enc && (rc = enc_get(s, &st->enc, err)))
        return rc;
    if (s->zc && !st->cs && (rc = sl_cstream_create(&st->cs, s->zc, 0, err)))
        return rc;
    sl_field_free(&st->schema);
    memset(&st->schema, 0, sizeof st->schema);
    if ((rc = sl_field_copy(&st->schema, schema)))
        return sl_error_set(err, rc, "%s: out of memory", s->so->what);
    st->file = s->n_files - 1;
    st->flushed = st->rows = 0;
    st->open = true;
    return 0;
}

/* Tell a format that records them (Parquet footer) the job name and the
 * batch id of the file it begins. */
static int set_meta(struct lake_sink *s, struct stream *st,
                    struct sl_error *err)
{
    if (!s->enc->meta)
        return 0;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)s->bi.batch_id);
    int rc = s->enc->meta(st->enc, "sluice.batch_id", id);
    if (!rc && s->job)
        rc = s->enc->meta(st->enc, "sluice.job", s->job);
    return rc ? sl_error_set(err, rc, "%s: file metadata: %s", s->so->what,
                             sl_strerror(rc))
              : 0;
}

/* A new file for st whose encoder begins with `schema`. */
static int start_file(struct lake_sink *s, struct stream *st,
                      const struct sl_field *schema, struct sl_error *err)
{
    int rc = open_file(s, st, schema, err);
    if (rc || (rc = set_meta(s, st, err)))
        return rc;
    size_t before = st->out.len;
    if ((rc = s->enc->begin(st->enc, schema, enc_buf(s, st), err)))
        return rc;
    s->buffered += st->out.len - before;
    return emit(s, st, false, err);
}

/* End the open file of st once the encoder has finished it: write what is
 * buffered, fsync. The next file of the stream is part + 1. */
static int close_file(struct lake_sink *s, struct stream *st,
                      struct sl_error *err)
{
    struct sl_lake_file *f = &s->files[st->file];
    int rc = emit(s, st, true, err);
    if (rc)
        return rc;
    rc = s->so->append(s->sc, f, st->out.data, st->out.len, true, err);
    if (rc)
        return rc;
    st->flushed += st->out.len;
    s->buffered -= st->out.len;
    trim_out(s, st);
    f->bytes = st->flushed;
    f->rows = st->rows;
    st->open = false;
    st->part++;
    return 0;
}

static int finish_file(struct lake_sink *s, struct stream *st,
                       struct sl_error *err)
{
    size_t before = st->out.len;
    int rc = s->enc->finish(st->enc, enc_buf(s, st), err);
    s->buffered += st->out.len - before;
    return rc ? rc : close_file(s, st, err);
}

/* The rows coming have another schema than st's open file. A format whose
 * files carry their schema (CSV header, Parquet footer) needs a new part;
 * one that does not (JSON lines: finish and begin write nothing) goes on
 * in the same file, so its parts never depend on when the schema widened. */
static int change_schema(struct lake_sink *s, struct stream *st,
                         const struct sl_field *schema, struct sl_error *err)
{
    struct sl_buf *eb = enc_buf(s, st);
    size_t before = eb->len;
    int rc = s->enc->finish(st->enc, eb, err);
    if (!s->zc)
        s->buffered += st->out.len - before;
    if (rc)
        return rc;
    if (eb->len != before) /* a footer: this file is done */
        return close_file(s, st, err);
    struct sl_buf head;
    sl_buf_init(&head, OUT_MAX);
    if ((rc = set_meta(s, st, err)) ||
        (rc = s->enc->begin(st->enc, schema, &head, err)))
        goto out;
    if (head.len == 0) {
        sl_field_free(&st->schema);
        memset(&st->schema, 0, sizeof st->schema);
        if ((rc = sl_field_copy(&st->schema, schema)))
            rc = sl_error_set(err, rc, "%s: out of memory", s->so->what);
        goto out;
    }
    /* A header: the encoder has begun the next file already. */
    if ((rc = close_file(s, st, err)) || (rc = open_file(s, st, schema, err)) ||
        (rc = sl_buf_append(enc_buf(s, st), head.data, head.len)))
        goto out;
    if (s->zc)
        rc = emit(s, st, false, err);
    else
        s->buffered += head.len;
out:
    sl_buf_free(&head);
    return rc;
}

/* Write rows sel[0..n) (or 0..n) of b into st, rolling parts by size. */
static int write_rows(struct lake_sink *s, struct stream *st,
                      const struct sl_field *schema, const struct sl_batch *b,
                      const uint32_t *sel, size_t n, struct sl_error *err)
{
    int rc;
    if (st->open && !sl_field_equal(&st->schema, schema) &&
        (rc = change_schema(s, st, schema, err)))
        return rc;
    size_t done = 0;
    while (done < n) {
        if (!st->open && (rc = start_file(s, st, schema, err)))
            return rc;
        /* Up to the next multiple of step rows of this file. */
        size_t k = s->step - (size_t)(st->rows % s->step);
        if (k > n - done)
            k = n - done;
        const uint32_t *ps = NULL;
        if (sel) {
            ps = sel + done;
        } else if (done > 0) {
            /* Whole-chunk writes past the first piece need a selection
             * (k <= step <= MAX_STEP). */
            for (size_t i = 0; i < k; i++)
                s->seq[i] = (uint32_t)(done + i);
            ps = s->seq;
        }
        size_t before = st->out.len;
        rc = s->enc->write(st->enc, b, ps, k, enc_buf(s, st), err);
        s->buffered += st->out.len - before;
        if (!rc)
            rc = emit(s, st, false, err);
        if (rc)
            return rc;
        done += k;
        st->rows += k;
        if (st->rows % s->step == 0 &&
            st->flushed + st->out.len >= (uint64_t)s->max_file_size) {
            if ((rc = finish_file(s, st, err)))
                return rc;
        } else if (st->out.len >= flush_at(s) &&
                   (rc = flush_stream(s, st, err))) {
            return rc;
        }
    }
    if (s->buffered >= FLUSH_ALL_AT)
        return flush_all(s, err);
    return 0;
}

/* ---- batch state ---- */

/* Forget the batch: close streams (encoders back to the pool when they
 * finish cleanly), and with `drop` remove the temps. */
static void reset_batch(struct lake_sink *s, bool drop)
{
    for (size_t k = 0; k < s->n_streams; k++) {
        struct stream *st = &s->streams[k];
        if (st->enc) {
            if (st->open) {
                struct sl_buf junk;
                sl_buf_init(&junk, OUT_MAX);
                if (s->enc->finish(st->enc, &junk, NULL) == 0)
                    enc_put(s, st->enc);
                else
                    s->enc->destroy(st->enc);
                sl_buf_free(&junk);
            } else {
                enc_put(s, st->enc);
            }
        }
        sl_field_free(&st->schema);
        sl_buf_free(&st->out);
        sl_buf_free(&st->zin);
        sl_cstream_destroy(st->cs); /* maybe inside a file: a fresh one */
        st->cs = NULL;
        free(st->partition);
        free(st->folder);
    }
    s->n_streams = 0;
    for (size_t k = 0; k < s->pid_cap; k++) {
        free(s->pids[k].id);
        s->pids[k].id = NULL;
    }
    s->n_pids = 0;
    if (s->tab)
        memset(s->tab, 0, s->tab_cap * sizeof *s->tab);
    for (size_t k = 0; k < s->n_files; k++) {
        struct sl_lake_file *f = &s->files[k];
        s->so->drop(s->sc, f, drop);
        free(f->rel);
    }
    s->n_files = 0;
    s->buffered = 0;
    s->in_batch = false;
}

int sl__lake_sink_begin(void *st, const struct sl_batch_info *bi,
                        struct sl_error *err)
{
    struct lake_sink *s = st;
    if (s->in_batch) {
        sl_warn("%s: batch %lld was neither committed nor aborted; "
                "dropping its temps",
                s->so->what, (long long)s->bi.batch_id);
        reset_batch(s, true);
    }
    if (bi->batch_id < 0)
        return sl_error_set(err, SL_EINVAL, "%s: negative batch id %lld",
                            s->so->what, (long long)bi->batch_id);
    if (sl__lake_spec_window(&s->spec, bi->window_start_ms))
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", s->so->what);
    if (s->so->begin) {
        int rc = s->so->begin(s->sc, bi, err);
        if (rc)
            return rc;
    }
    s->bi = *bi;
    s->in_batch = true;
    return 0;
}

int sl__lake_sink_write(void *st, const struct sl_batch_info *bi,
                        const char *partition, const struct sl_batch *b,
                        struct sl_error *err)
{
    struct lake_sink *s = st;
    if (!s->in_batch || bi->batch_id != s->bi.batch_id)
        return sl_error_set(err, SL_EINVAL,
                            "%s: write for batch %lld outside its "
                            "begin/commit",
                            s->so->what, (long long)bi->batch_id);
    if (sl_batch_rows(b) == 0)
        return 0;
    struct sl_field schema = {0};
    int rc = sl__lake_content_schema(&s->spec, b, &schema, err);
    if (rc)
        return rc;
    if ((rc = sl__lake_group(&s->groups, &s->spec, b, err)))
        goto out;
    for (size_t g = 0; g < s->groups.n; g++) {
        struct stream *sm = NULL;
        if ((rc = stream_get(s, partition, sl__lake_group_folder(&s->groups, g),
                             &sm, err)) ||
            (rc = write_rows(s, sm, &schema, b,
                             sl__lake_group_sel(&s->groups, g),
                             s->groups.v[g].n, err)))
            goto out;
    }
out:
    sl_field_free(&schema);
    if (rc)
        sl_error_prefix(err, "%s '%s', batch %lld, partition %s: ", s->so->what,
                        s->path, (long long)s->bi.batch_id, partition);
    return rc;
}

static int cmp_rel(const void *a, const void *b)
{
    return strcmp(((const struct sl_lake_file *)a)->rel,
                  ((const struct sl_lake_file *)b)->rel);
}

int sl__lake_sink_commit(void *st, const struct sl_batch_info *bi,
                         struct sl_buf *receipt, struct sl_error *err)
{
    struct lake_sink *s = st;
    if (!s->in_batch || bi->batch_id != s->bi.batch_id)
        return sl_error_set(err, SL_EINVAL,
                            "%s: commit of batch %lld that was not "
                            "begun",
                            s->so->what, (long long)bi->batch_id);
    int rc = 0;
    for (size_t k = 0; k < s->n_streams && !rc; k++)
        if (s->streams[k].open)
            rc = finish_file(s, &s->streams[k], err);
    if (!rc) {
        /* Name order: folders are renamed and fsynced together and the
         * receipt is the same however partitions interleaved. */
        if (s->n_files)
            qsort(s->files, s->n_files, sizeof *s->files, cmp_rel);
        rc = s->so->publish(s->sc, s->files, s->n_files, err);
    }
    if (rc) {
        sl_error_prefix(err, "%s '%s', commit of batch %lld: ", s->so->what,
                        s->path, (long long)bi->batch_id);
        return rc;
    }
    uint64_t bytes = 0, rows = 0;
    for (size_t k = 0; k < s->n_files; k++) {
        bytes += s->files[k].bytes;
        rows += s->files[k].rows;
    }
    rc = sl_buf_appendf(receipt, "{\"files\":%zu,\"bytes\":%llu,\"rows\":%llu",
                        s->n_files, (unsigned long long)bytes,
                        (unsigned long long)rows);
    if (!rc && s->n_files)
        rc = sl_buf_puts(receipt, ",\"names\":[");
    for (size_t k = 0; !rc && k < s->n_files && k < RECEIPT_NAMES; k++) {
        if (k && (rc = sl_buf_putc(receipt, ',')))
            break;
        rc = sl_jsonw_cstr(receipt, s->files[k].rel);
    }
    if (!rc && s->n_files)
        rc = sl_buf_putc(receipt, ']');
    if (!rc && s->n_files > RECEIPT_NAMES)
        rc = sl_buf_appendf(receipt, ",\"more_names\":%zu",
                            s->n_files - RECEIPT_NAMES);
    if (!rc)
        rc = sl_buf_putc(receipt, '}');
    reset_batch(s, false);
    if (rc)
        return sl_error_set(err, rc,
                            "%s: batch %lld is committed but its "
                            "receipt could not be written: %s",
                            s->so->what, (long long)bi->batch_id,
                            sl_strerror(rc));
    return 0;
}

void sl__lake_sink_abort(void *st, const struct sl_batch_info *bi)
{
    struct lake_sink *s = st;
    if (s->in_batch)
        reset_batch(s, true);
}

/* ---- open / close ---- */

bool sl__lake_name_safe(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

void sl__lake_sink_close(void *st)
{
    struct lake_sink *s = st;
    if (!s)
        return;
    if (s->in_batch)
        reset_batch(s, true);
    free(s->streams);
    free(s->files);
    free(s->tab);
    free(s->pids);
    for (size_t k = 0; k < s->n_pool; k++)
        s->enc->destroy(s->pool[k]);
    free(s->pool);
    sl__lake_groups_free(&s->groups);
    sl__lake_spec_free(&s->spec);
    sl_buf_free(&s->scratch);
    if (s->so && s->so->destroy)
        s->so->destroy(s->sc);
    free(s->cpid);
    free(s->job);
    free(s->path);
    free(s->ext);
    free(s);
}

/* Does encoder e declare an option named `name`? */
static bool enc_has_option(const struct sl_encoder_ops *e, const char *name)
{
    for (const struct sl_option *o = e->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return true;
    return false;
}

/* sink.compression: the codec and the file suffix. */
static int sink_codec(struct lake_sink *s, const char *name,
                      struct sl_error *err)
{
    s->zc = SL_CODEC_NONE;
    if (name && !s->enc->text) {
        if (enc_has_option(s->enc, "compression"))
            name = NULL; /* the encoder's own key (Parquet, Avro codecs) */
        else if (strcmp(name, "none") != 0)
            return sl_error_set(err, SL_EINVAL,
                                "%s: compression '%s' applies to text "
                                "formats (json, csv), not to %s",
                                s->so->what, name, s->enc->name);
    }
    if (name) {
        struct sl_error cerr;
        sl_error_clear(&cerr);
        int rc = sl_codec_from_name(name, &s->zc, &cerr);
        if (!rc && s->zc != SL_CODEC_NONE && s->zc != SL_CODEC_GZIP &&
            s->zc != SL_CODEC_ZSTD && s->zc != SL_CODEC_BZIP2 &&
            s->zc != SL_CODEC_XZ)
            rc = sl_error_set(&cerr, SL_EINVAL,
                              "'%s' cannot be written; use none, gzip, "
                              "zstd, bzip2 or xz",
                              name);
        if (rc)
            return sl_error_set(err, SL_EINVAL, "%s: compression: %s",
                                s->so->what, cerr.msg);
    }
    if (asprintf(&s->ext, "%s%s", s->enc->extension, sl_codec_suffix(s->zc)) <
        0) {
        s->ext = NULL;
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", s->so->what);
    }
    return 0;
}

int sl__lake_sink_open(const struct sl_sink_ctx *ctx,
                       const struct sl_lake_params *lp,
                       const struct sl_lake_storage_ops *so, void *sc,
                       void **out, struct sl_error *err)
{
    *out = NULL;
    const char *cpid = ctx->checkpoint_id;
    struct lake_sink *s = calloc(1, sizeof *s);
    if (!s) {
        so->destroy(sc);
        return sl_error_set(err, SL_ENOMEM, "%s: out of memory", so->what);
    }
    s->so = so;
    s->sc = sc;
    s->enc = lp->enc;
    s->conf = ctx->conf;
    s->max_file_size = lp->max_file_size;
    sl_buf_init(&s->scratch, 0);
    int rc = 0;
    if (!cpid || !sl__lake_name_safe(cpid)) {
        rc = sl_error_set(err, SL_EINVAL,
                          "%s: checkpoint id '%s' cannot go into file names "
                          "(letters, digits, '-' and '_' only)",
                          so->what, cpid ? cpid : "(none)");
        goto fail;
    }
    if (s->max_file_size <= 0) {
        rc = sl_error_set(err, SL_EINVAL, "%s: max_file_size must be positive",
                          so->what);
        goto fail;
    }
    if ((rc = sink_codec(s, lp->compression, err)))
        goto fail;
    int64_t step = s->max_file_size / 65536;
    s->step = step < 1 ? 1 : step > MAX_STEP ? MAX_STEP : (size_t)step;
    if ((rc = sl__lake_spec_init(&s->spec, lp->partition_by, err)))
        goto fail;
    s->cpid = strdup(cpid);
    s->path = strdup(lp->path);
    if (ctx->job_name)
        s->job = strdup(ctx->job_name);
    if (!s->cpid || !s->path || (ctx->job_name && !s->job)) {
        rc = sl_error_set(err, SL_ENOMEM, "%s: out of memory", so->what);
        goto fail;
    }
    /* Create one encoder now so its options are checked at open. */
    void *e0;
    if ((rc = s->enc->create(ctx->conf, &e0, err)))
        goto fail;
    enc_put(s, e0);
    *out = s;
    return 0;
fail:
    sl__lake_sink_close(s);
    return rc;
}
