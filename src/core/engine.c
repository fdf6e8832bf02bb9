/*
 * engine.c - the micro-batch loop (DESIGN.md §2, the contract).
 *
 * Batch N: read from the source until the window closes, decoding each raw
 * chunk (records of one partition) into the columnar batch and handing it
 * to the sink at once, so memory does not grow with the window. At the window's
 * end the engine takes the end positions, writes offsets/N (intent: ranges,
 * window times, schema in force), lets the sink and the dead-letter output
 * commit, then writes commits/N.
 *
 * Determinism for replay: the bytes of a partition's output in batch N
 * depend only on (offsets/N, that partition's records). With schema
 * detection that means each partition starts the batch from the schema in
 * force recorded in offsets/N and widens it only with its own records; the
 * union of all partitions' widenings becomes the schema of batch N+1
 * (stored in commits/N).
 *
 * Threads: the engine thread polls the source and decodes; with the job's
 * delivery_thread on, a second thread (stage.h) delivers each decoded
 * chunk: transforms, sink write, dead-letter write (off: the engine thread
 * delivers it itself, the same calls in the same order). Two slots
 * alternate (one being decoded, one being delivered), chunks are delivered
 * one at a time in the order they were read, and the engine waits for the
 * delivery to finish before it calls the sink's commit or abort, so the
 * sink sees the same calls in the same order as from one thread. The
 * engine thread touches a slot only while it is not in the stage; the
 * delivery side owns the transforms, the sinks between begin and commit,
 * and its own counters (rows_out, cast_failed, dead_tf), read by the
 * engine after waiting.
 */
#include "engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "checkpoint.h"
#include "compress/compress.h"
#include "jsonw.h"
#include "log.h"
#include "engine_int.h"
#include "stage.h"
#include "tchain.h"

#define POLL_MS 100
#define CHUNK_BYTES (4u << 20)
#define REPLAY_STALL_MS 60000
#define PRUNE_EVERY 10

static const char dl_schema_text[] =
    "struct<batch_id:bigint,partition:string,source:string,position:string,"
    "error:string,byte_offset:bigint,record:string,record_base64:string>";
enum {
    DL_BATCH,
    DL_PART,
    DL_SOURCE,
    DL_POS,
    DL_ERROR,
    DL_OFFSET,
    DL_TEXT,
    DL_B64
};

static bool stop_level(const struct engine *e, int level)
{
    return e->o->stop && *e->o->stop >= level;
}

static struct pstate *part_get(struct engine *e, const char *id)
{
    for (size_t i = 0; i < e->n_parts; i++)
        if (strcmp(e->parts[i].id, id) == 0)
            return &e->parts[i];
    struct pstate *np = realloc(e->parts, (e->n_parts + 1) * sizeof *np);
    if (!np)
        return NULL;
    e->parts = np;
    struct pstate *ps = &e->parts[e->n_parts];
    memset(ps, 0, sizeof *ps);
    if (!(ps->id = strdup(id)))
        return NULL;
    e->n_parts++;
    return ps;
}

static void parts_reset(struct engine *e)
{
    for (size_t i = 0; i < e->n_parts; i++) {
        struct pstate *ps = &e->parts[i];
        ps->touched = false;
        free(ps->start);
        ps->start = NULL;
        sl_field_free(&ps->schema);
    }
}

static void pos_text(const struct sl_raw_record *r, char *buf, size_t n)
{
    if (r->pos_str)
        snprintf(buf, n, "%s", r->pos_str);
    else
        snprintf(buf, n, "%" PRId64, r->pos);
}

/* Make sl->b describe ps->schema (detection: each partition has its own). */
static int batch_for(struct engine *e, struct slot *sl, struct pstate *ps,
                     struct sl_error *err)
{
    if (!ps->touched) {
        int rc = sl_field_copy(&ps->schema, &e->schema);
        if (rc)
            return sl_error_set(err, rc, "out of memory");
        ps->touched = true;
    }
    if (sl->b && sl_field_equal(&sl->b_schema, &ps->schema))
        return 0;
    sl_batch_destroy(sl->b);
    sl->b = NULL;
    sl_field_free(&sl->b_schema);
    int rc = sl_batch_create(&ps->schema, &sl->b, err);
    if (!rc)
        rc = sl_field_copy(&sl->b_schema, &ps->schema);
    return rc;
}

/* The first columns of a dead-letter row: batch, partition, source. */
static int dl_head(struct sl_col *c, int64_t batch_id, const char *partition,
                   const char *label)
{
    int rc = sl_col_append_i64(&c[DL_BATCH], batch_id);
    if (!rc)
        rc = sl_col_append_bytes(&c[DL_PART], partition, strlen(partition));
    if (!rc)
        rc = label ? sl_col_append_bytes(&c[DL_SOURCE], label, strlen(label))
                   : sl_col_append_null(&c[DL_SOURCE]);
    return rc;
}

/* Position and byte offset null (a row, not a source record), and why. */
static int dl_why(struct sl_col *c, const char *why)
{
    int rc = sl_col_append_null(&c[DL_POS]);
    if (!rc)
        rc = sl_col_append_bytes(&c[DL_ERROR], why, strlen(why));
    return rc ? rc : sl_col_append_null(&c[DL_OFFSET]);
}

/* The record columns of a dead-letter row: text when p is UTF-8, else
 * base64. */
static int dl_bytes(struct sl_col *c, const uint8_t *p, size_t n)
{
    if (sl_utf8_valid(p, n)) {
        int rc = sl_col_append_bytes(&c[DL_TEXT], p, n);
        return rc ? rc : sl_col_append_null(&c[DL_B64]);
    }
    struct sl_buf b64;
    sl_buf_init(&b64, 0);
    int rc = sl_base64(&b64, p, n);
    if (!rc)
        rc = sl_col_append_null(&c[DL_TEXT]);
    if (!rc)
        rc = sl_col_append_bytes(&c[DL_B64], b64.data, b64.len);
    sl_buf_free(&b64);
    return rc;
}

static int dead_letter(struct engine *e, struct slot *sl,
                       const struct sl_raw_record *r, const char *why,
                       int64_t offset, struct sl_error *err)
{
    struct sl_col *c = sl->dlb->root.child;
    char pos[128];
    pos_text(r, pos, sizeof pos);
    int rc = dl_head(c, sl->bi->batch_id, sl->partition, sl->label);
    if (!rc)
        rc = sl_col_append_bytes(&c[DL_POS], pos, strlen(pos));
    if (!rc)
        rc = sl_col_append_bytes(&c[DL_ERROR], why, strlen(why));
    if (!rc)
        rc = offset >= 0 ? sl_col_append_i64(&c[DL_OFFSET], offset)
                         : sl_col_append_null(&c[DL_OFFSET]);
    if (!rc)
        rc = dl_bytes(c, r->data, r->len);
    if (!rc)
        rc = sl_batch_row_end(sl->dlb);
    if (rc)
        return sl_error_set(err, rc, "dead-letter output: cannot build row");
    e->dead++;
    return 0;
}

/* Sink hook (sl_sink_ctx.reject): a record the sink could not deliver.
 * It is written to the dead-letter output at once, as a batch of its own
 * (the sink may call this while e->dlb holds rows of another partition),
 * before the dead-letter output commits (finish_batch commits the sink
 * first). */
static int reject_row(void *ctx, int64_t batch_id, const char *partition,
                      const char *where, const uint8_t *p, size_t n,
                      const char *why, struct sl_error *err)
{
    struct engine *e = ctx;
    struct sl_col *c = e->rjb->root.child;
    int rc = dl_head(c, batch_id, partition, where);
    if (!rc)
        rc = dl_why(c, why);
    if (!rc)
        rc = dl_bytes(c, p, n);
    if (!rc)
        rc = sl_batch_row_end(e->rjb);
    if (rc) {
        sl_batch_clear(e->rjb);
        return sl_error_set(err, rc, "dead-letter output: cannot build row");
    }
    struct sl_batch_info bi = {.batch_id = batch_id};
    rc = e->job->dead_letter_sink->write(e->dl, &bi, partition, e->rjb, err);
    sl_batch_clear(e->rjb);
    if (rc) {
        sl_error_prefix(err,
                        "dead-letter output %s: ", e->job->dead_letter_path);
        return rc;
    }
    e->dead_tf++; /* delivery side: write may run on the delivery thread */
    return 0;
}

/* Transform hook (sl_transform_env.dead_letter): row `row` of b, from
 * the chunk being transformed, goes to the dead-letter output as JSON. A
 * row has no single source position (a record may give several rows), so
 * position and byte_offset are null; partition and source say where. */
static int dead_letter_row(void *ctx, const struct sl_batch *b, size_t row,
                           const char *why, struct sl_error *err)
{
    struct engine *e = ctx;
    const struct slot *sl = e->dslot;
    struct sl_col *c = sl->dlb->root.child;
    sl_buf_reset(&e->row_json);
    int rc = sl_col_value_json(&b->root, row, &e->row_json);
    if (!rc)
        rc = dl_head(c, sl->bi->batch_id, sl->partition, sl->label);
    if (!rc)
        rc = dl_why(c, why);
    if (!rc)
        rc =
            sl_col_append_bytes(&c[DL_TEXT], e->row_json.data, e->row_json.len);
    if (!rc)
        rc = sl_col_append_null(&c[DL_B64]);
    if (!rc)
        rc = sl_batch_row_end(sl->dlb);
    if (rc)
        return sl_error_set(err, rc, "dead-letter output: cannot build row");
    e->dead_tf++;
    return 0;
}

/* The source's extra columns of record r into rows [before, now) of b:
 * the decoder left them null (or absent); cut them back and append the
 * values. A payload field of the same name and another type makes the
 * record bad (*why set). */
static int add_extras(struct sl_batch *b, const struct sl_raw_record *r,
                      size_t before, const char **why, struct sl_error *err)
{
    size_t now = sl_batch_rows(b);
    for (size_t x = 0; x < r->n_extra; x++) {
        const struct sl_raw_extra *v = &r->extra[x];
        struct sl_col *c = sl_batch_col(b, v->name);
        if (!c) {
            struct sl_field f;
            int rc = v->type == SL_MAP
                         ? sl_type_parse("map<string,string>", &f, err)
                         : sl_type_parse(sl_type_name(v->type), &f, err);
            if (rc)
                return rc;
            f.name = (char *)v->name;
            c = sl_col_add_child(&b->root, &f, err);
            f.name = NULL;
            sl_field_free(&f);
            if (!c)
                return SL_ENOMEM;
        } else if (c->type != v->type) {
            *why = "a field of the record has the name of a metadata "
                   "column of the source, with another type";
            return 0;
        }
        c->nullable = true;
        sl_col_truncate(c, before);
        for (size_t row = before; row < now; row++) {
            int rc = 0;
            if (v->null)
                rc = sl_col_append_null(c);
            else if (v->type == SL_INT)
                rc = sl_col_append_i32(c, (int32_t)v->i64);
            else if (v->type == SL_BIGINT || v->type == SL_TIMESTAMP)
                rc = sl_col_append_i64(c, v->i64);
            else if (v->type == SL_STRING)
                rc = sl_col_append_bytes(c, v->p, v->len);
            else {
                for (size_t k = 0; !rc && k < v->n_pairs; k++) {
                    const struct sl_raw_pair *pr = &v->pairs[k];
                    rc = sl_col_append_bytes(&c->child[0], pr->k, pr->kn);
                    if (!rc)
                        rc = pr->v ? sl_col_append_bytes(&c->child[1], pr->v,
                                                         pr->vn)
                                   : sl_col_append_null(&c->child[1]);
                }
                if (!rc)
                    rc = sl_col_list_end(c);
            }
            if (rc)
                return sl_error_set(err, rc, "metadata column %s: %s", v->name,
                                    sl_strerror(rc));
        }
    }
    return 0;
}

/* Deliver slot sl (the stage's function, or called inline): transforms,
 * sink, dead-letter output. */
static int deliver(void *ctx, void *item, struct sl_error *err)
{
    struct engine *e = ctx;
    struct slot *sl = item;
    const struct sl_batch_info *bi = sl->bi;
    int rc;
    if (sl_batch_rows(sl->b) > 0) {
        struct sl_batch *out = sl->b;
        if (sl_tchain_len(e->tc)) {
            e->dslot = sl;
            rc = sl_tchain_apply(e->tc, bi, sl->partition, sl->b, &out, err);
            e->cast_failed += sl_tchain_take_cast_failures(e->tc);
            if (rc)
                return rc;
        }
        if (sl_batch_rows(out) > 0) {
            rc = e->job->sink->write(e->sink, bi, sl->partition, out, err);
            if (rc) {
                sl_error_prefix(err, "sink %s: ", e->job->snk.type);
                return rc;
            }
        }
        e->rows_out += (int64_t)sl_batch_rows(out);
        sl_batch_clear(sl->b);
    }
    if (sl_batch_rows(sl->dlb) > 0) {
        const struct sl_sink_ops *fs = e->job->dead_letter_sink;
        rc = fs->write(e->dl, bi, sl->partition, sl->dlb, err);
        if (rc) {
            sl_error_prefix(
                err, "dead-letter output %s: ", e->job->dead_letter_path);
            return rc;
        }
        sl_batch_clear(sl->dlb);
    }
    return 0;
}

/* Wait until no slot is being delivered; a delivery's failure. */
static int settle(struct engine *e, struct sl_error *err)
{
    return e->stage ? sl_stage_wait(e->stage, err) : 0;
}

static int set_str(char **dst, const char *src)
{
    if (*dst && src && strcmp(*dst, src) == 0)
        return 0;
    free(*dst);
    *dst = NULL;
    if (src && !(*dst = strdup(src)))
        return SL_ENOMEM;
    return 0;
}

static int process_chunk(struct engine *e, const struct sl_batch_info *bi,
                         const struct sl_raw_chunk *ch, struct sl_error *err)
{
    struct slot *sl = &e->slot[e->cur];
    struct pstate *ps = part_get(e, ch->partition);
    if (!ps)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = batch_for(e, sl, ps, err);
    if (rc)
        return rc;
    if (!ps->start) {
        char pos[128];
        pos_text(&ch->recs[0], pos, sizeof pos);
        if (!(ps->start = strdup(pos)))
            return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    sl->bi = bi;
    if (set_str(&sl->partition, ch->partition) ||
        set_str(&sl->label, ch->label))
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    const struct sl_decoder_ops *dec = e->job->decoder;
    struct sl_error derr;
    for (size_t i = 0; i < ch->n; i++) {
        const struct sl_raw_record *r = &ch->recs[i];
        e->raw++;
        e->bytes += (int64_t)r->len;
        if (r->flags & SL_REC_TRUNCATED) {
            char why[160];
            snprintf(why, sizeof why,
                     "record longer than max_record_bytes (%" PRId64
                     " bytes); only its start is kept here",
                     e->job->src.max_record_bytes);
            rc = dead_letter(e, sl, r, why, -1, err);
            if (rc)
                return rc;
            continue;
        }
        if (r->flags & SL_REC_ERROR) {
            rc = dead_letter(e, sl, r, r->error ? r->error : "unreadable input",
                             -1, err);
            if (rc)
                return rc;
            continue;
        }
        size_t before = sl_batch_rows(sl->b);
        sl_error_clear(&derr);
        const uint8_t *p = r->data;
        size_t n = r->len;
        if (e->md &&
            (rc = sl_msgdec_run(e->md, r->data, r->len, &p, &n, NULL, &derr))) {
            if (rc == SL_ENOMEM)
                return sl_error_set(err, rc, "decompressing: out of memory");
            rc = dead_letter(e, sl, r, derr.msg, derr.offset, err);
            if (rc)
                return rc;
            continue;
        }
        if (dec->locate)
            dec->locate(e->dec, ch->partition, r->pos);
        rc = dec->decode(e->dec, p, n, sl->b, &derr);
        if (rc == SL_ENOMEM)
            return sl_error_set(err, rc, "decoding: out of memory");
        if (rc) {
            rc = dead_letter(e, sl, r, derr.msg, derr.offset, err);
            if (rc)
                return rc;
            continue;
        }
        if (r->flags & SL_REC_EXTRA) {
            const char *why = NULL;
            rc = add_extras(sl->b, r, before, &why, err);
            if (rc)
                return rc;
            if (why) {
                sl_batch_rollback(sl->b, before);
                rc = dead_letter(e, sl, r, why, -1, err);
                if (rc)
                    return rc;
                continue;
            }
        }
        e->rows_in += (int64_t)(sl_batch_rows(sl->b) - before);
    }
    if (e->detect) {
        struct sl_field now;
        rc = sl_batch_schema(sl->b, &now);
        if (rc)
            return sl_error_set(err, rc, "out of memory");
        if (!sl_field_equal(&now, &ps->schema)) {
            sl_field_free(&ps->schema);
            ps->schema = now;
            sl_field_free(&sl->b_schema);
            rc = sl_field_copy(&sl->b_schema, &ps->schema);
            if (rc)
                return sl_error_set(err, rc, "out of memory");
        } else {
            sl_field_free(&now);
        }
    }
    if (sl_batch_rows(sl->b) == 0 && sl_batch_rows(sl->dlb) == 0)
        return 0;
    if (!e->stage)
        return deliver(e, sl, err);
    rc = sl_stage_submit(e->stage, sl, err);
    if (!rc)
        e->cur ^= 1;
    return rc;
}

static void abort_batch(struct engine *e, const struct sl_batch_info *bi)
{
    settle(e, NULL);
    if (e->job->sink->abort)
        e->job->sink->abort(e->sink, bi);
    e->job->dead_letter_sink->abort(e->dl, bi);
    for (int i = 0; i < 2; i++) {
        if (e->slot[i].b)
            sl_batch_clear(e->slot[i].b);
        if (e->slot[i].dlb)
            sl_batch_clear(e->slot[i].dlb);
    }
}

static int begin_batch(struct engine *e, const struct sl_batch_info *bi,
                       struct sl_error *err)
{
    e->raw = e->rows_in = e->rows_out = e->dead = e->dead_tf = e->bytes = 0;
    e->cast_failed = 0;
    parts_reset(e);
    int rc = e->job->sink->begin(e->sink, bi, err);
    if (!rc)
        rc = e->job->dead_letter_sink->begin(e->dl, bi, err);
    return rc;
}

/* Ranges of the batch: every partition the source knows, from its start
 * (position before the batch, or its first record in the batch) to end. */
static int make_offsets(struct engine *e, const struct sl_batch_info *bi,
                        const struct sl_positions *before,
                        const struct sl_positions *ends, struct sl_offsets *o)
{
    memset(o, 0, sizeof *o);
    o->batch = bi->batch_id;
    o->window_start_ms = bi->window_start_ms;
    o->window_end_ms = bi->window_end_ms;
    o->schema_version = e->schema_version;
    struct sl_buf sb;
    sl_buf_init(&sb, 0);
    if (sl_type_format(&e->schema, &sb) || sl_buf_cstr(&sb))
        goto nomem;
    o->schema = (char *)sb.data;
    o->ranges = calloc(ends->n ? ends->n : 1, sizeof *o->ranges);
    if (!o->ranges)
        goto nomem;
    for (size_t i = 0; i < ends->n; i++) {
        const char *id = ends->v[i].id;
        const char *start = sl_positions_get(before, id);
        if (!start) {
            for (size_t k = 0; k < e->n_parts && !start; k++)
                if (strcmp(e->parts[k].id, id) == 0)
                    start = e->parts[k].start;
        }
        if (!start)
            start = ends->v[i].pos;
        struct sl_range *r = &o->ranges[o->n++];
        r->id = strdup(id);
        r->start = strdup(start);
        r->end = strdup(ends->v[i].pos);
        if (!r->id || !r->start || !r->end)
            goto nomem;
    }
    return 0;
nomem:
    sl_offsets_free(o);
    return SL_ENOMEM;
}

/* After the sinks committed: schema of the next batch, commits/N, log. */
static int finish_batch(struct engine *e, const struct sl_batch_info *bi,
                        const struct sl_positions *ends, int64_t t0,
                        struct sl_error *err)
{
    /* the last chunk may still be on its way to the sink */
    int rc = settle(e, err);
    if (rc) {
        abort_batch(e, bi);
        return rc;
    }
    e->dead += e->dead_tf;
    e->dead_tf = 0;
    struct sl_buf receipt;
    sl_buf_init(&receipt, 0);
    rc = e->job->sink->commit(e->sink, bi, &receipt, err);
    if (rc) {
        sl_error_prefix(err, "sink %s: commit of batch %" PRId64 ": ",
                        e->job->snk.type, bi->batch_id);
        goto out;
    }
    /* records the sink rejected while committing (reject_row) */
    e->dead += e->dead_tf;
    e->dead_tf = 0;
    struct sl_buf dlr;
    sl_buf_init(&dlr, 0);
    rc = e->job->dead_letter_sink->commit(e->dl, bi, &dlr, err);
    sl_buf_free(&dlr);
    if (rc) {
        sl_error_prefix(err,
                        "dead-letter output: commit of batch %" PRId64 ": ",
                        bi->batch_id);
        goto out;
    }
    if (e->detect) {
        bool changed = false;
        for (size_t i = 0; i < e->n_parts && !rc; i++)
            if (e->parts[i].touched) {
                bool ch = false;
                rc = sl_field_widen(&e->schema, &e->parts[i].schema, &ch);
                changed |= ch;
            }
        if (rc) {
            sl_error_set(err, rc, "widening the detected schema failed");
            goto out;
        }
        if (changed)
            e->schema_version++;
    }
    /* state/N before commits/N: a crash in between replays batch N from
     * state/N-1 and writes state/N again. */
    rc = sl_tchain_snapshot(e->tc, e->cp, bi->batch_id, err);
    if (rc)
        goto out;
    struct sl_buf sb;
    sl_buf_init(&sb, 0);
    if (sl_type_format(&e->schema, &sb) || sl_buf_cstr(&sb) ||
        sl_buf_cstr(&receipt)) {
        sl_buf_free(&sb);
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        goto out;
    }
    int64_t ms = sl_mono_ms() - t0;
    struct sl_commit_info ci = {
        .batch = bi->batch_id,
        .records_in = e->raw,
        .records_out = e->rows_out,
        .dead_lettered = e->dead,
        .bytes_in = e->bytes,
        .duration_ms = ms,
        .sink_json = receipt.len ? (char *)receipt.data : NULL,
        .schema = (char *)sb.data,
        .schema_version = e->schema_version,
    };
    rc = sl_checkpoint_put_commit(e->cp, &ci, err);
    sl_buf_free(&sb);
    if (rc)
        goto out;
    if (e->job->source->commit && !e->takeover)
        e->job->source->commit(e->src, ends, NULL);
    if (bi->batch_id % PRUNE_EVERY == 0 && !e->takeover)
        sl_checkpoint_prune(e->cp, (int)e->job->keep_batches, NULL);
    if (e->cast_failed && !e->o->quiet)
        sl_info("batch %" PRId64 ": transforms: %" PRId64
                " values did not cast and became null",
                bi->batch_id, e->cast_failed);
    struct sl_run_stats *s = e->stats;
    s->batches++;
    s->raw_records += e->raw;
    s->rows_in += e->rows_in;
    s->rows_out += e->rows_out;
    s->dead_lettered += e->dead;
    s->bytes_in += e->bytes;
    if (!e->o->quiet)
        sl_info("batch %" PRId64 "%s: %" PRId64 " records in, %" PRId64
                " rows out, %" PRId64 " dead-lettered, %.1f MB, %.0f "
                "records/s, %.2f s",
                bi->batch_id,
                e->takeover  ? " (replay on another worker's behalf)"
                : bi->replay ? " (replay)"
                             : "",
                e->raw, e->rows_out, e->dead, (double)e->bytes / 1e6,
                ms > 0 ? (double)e->raw * 1000.0 / (double)ms : 0.0,
                (double)ms / 1000.0);
out:
    sl_buf_free(&receipt);
    return rc;
}

static bool positions_equal(const struct sl_positions *a,
                            const struct sl_positions *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const char *p = sl_positions_get(b, a->v[i].id);
        if (!p || strcmp(p, a->v[i].pos) != 0)
            return false;
    }
    return true;
}

/* One live batch. *idle: nothing was read (no batch written). *eof: the
 * source ended. */
static int live_batch(struct engine *e, int64_t id, bool *idle, bool *eof,
                      struct sl_error *err)
{
    const struct sl_source_ops *so = e->job->source;
    struct sl_batch_info bi = {.batch_id = id, .window_start_ms = sl_now_ms()};
    struct sl_positions before = {0}, ends = {0};
    int64_t t0 = sl_mono_ms(), deadline = t0 + e->job->window_ms;
    int rc = so->positions(e->src, &before, err);
    if (!rc)
        rc = begin_batch(e, &bi, err);
    if (rc)
        goto out;
    *idle = *eof = false;
    for (;;) {
        if (stop_level(e, 2)) {
            abort_batch(e, &bi);
            rc = SL_EINTR;
            goto out;
        }
        if (stop_level(e, 1))
            break;
        int64_t left = deadline - sl_mono_ms();
        if (left <= 0)
            break;
        if (e->job->max_batch_records && e->raw >= e->job->max_batch_records)
            break;
        struct sl_raw_chunk ch;
        rc = so->poll(e->src, &ch, (size_t)e->job->chunk_records, CHUNK_BYTES,
                      (int)(left < POLL_MS ? left : POLL_MS), err);
        if (rc == 0) {
            rc = process_chunk(e, &bi, &ch, err);
            if (rc) {
                abort_batch(e, &bi);
                goto out;
            }
            continue;
        }
        if (rc == SL_EAGAIN) {
            rc = 0;
            if (e->o->until_idle)
                break;
            continue;
        }
        if (rc == SL_EEOF) {
            rc = 0;
            *eof = true;
            break;
        }
        if (rc == SL_ELIMIT) {
            /* other workers' uncommitted batches to replay first
             * (scale-out takeover), else the source's own per-batch
             * bound (Kafka max_offsets_per_batch): close the window */
            int took = 0;
            rc = so->orphans ? sl__engine_take_orphans(e, &took, err) : 0;
            if (rc) {
                abort_batch(e, &bi);
                goto out;
            }
            if (took)
                continue;
            break;
        }
        abort_batch(e, &bi);
        sl_error_prefix(err, "source %s: ", e->job->src.type);
        goto out;
    }
    rc = so->positions(e->src, &ends, err);
    if (rc) {
        abort_batch(e, &bi);
        goto out;
    }
    if (e->raw == 0 && positions_equal(&before, &ends)) {
        abort_batch(e, &bi);
        *idle = true;
        goto out;
    }
    bi.window_end_ms = sl_now_ms();
    struct sl_offsets o;
    rc = make_offsets(e, &bi, &before, &ends, &o);
    if (rc) {
        sl_error_set(err, rc, "out of memory");
        abort_batch(e, &bi);
        goto out;
    }
    rc = sl_checkpoint_put_offsets(e->cp, &o, err);
    sl_offsets_free(&o);
    if (rc) {
        abort_batch(e, &bi);
        goto out;
    }
    if (e->fault)
        sl__engine_fault(e, SL_FAULT_AFTER_OFFSETS, id);
    rc = finish_batch(e, &bi, &ends, t0, err);
out:
    sl_positions_free(&before);
    sl_positions_free(&ends);
    return rc;
}

static int ranges_to_positions(const struct sl_offsets *o, bool starts,
                               struct sl_positions *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < o->n; i++) {
        const char *p = starts ? o->ranges[i].start : o->ranges[i].end;
        if (p && sl_positions_set(out, o->ranges[i].id, p)) {
            sl_positions_free(out);
            return SL_ENOMEM;
        }
    }
    return 0;
}

static int set_schema(struct engine *e, const char *text, int64_t version,
                      struct sl_error *err)
{
    if (!e->detect || !text)
        return 0;
    struct sl_field f;
    int rc = sl_type_parse(text, &f, err);
    if (rc) {
        sl_error_prefix(err, "checkpoint schema: ");
        return rc;
    }
    sl_field_free(&e->schema);
    e->schema = f;
    e->schema_version = version;
    return 0;
}

/* Replay batch o exactly: its recorded ranges, window and schema. */
int sl__engine_replay_batch(struct engine *e, const struct sl_offsets *o,
                            struct sl_error *err)
{
    const struct sl_source_ops *so = e->job->source;
    struct sl_batch_info bi = {.batch_id = o->batch,
                               .window_start_ms = o->window_start_ms,
                               .window_end_ms = o->window_end_ms,
                               .replay = true};
    struct sl_positions start = {0}, end = {0};
    int64_t t0 = sl_mono_ms();
    int rc = set_schema(e, o->schema, o->schema_version, err);
    if (!rc && (ranges_to_positions(o, true, &start) ||
                ranges_to_positions(o, false, &end)))
        rc = sl_error_set(err, SL_ENOMEM, "out of memory");
    if (!rc)
        rc = so->seek(e->src, &start, &end, true, err);
    if (!rc)
        rc = begin_batch(e, &bi, err);
    if (rc)
        goto out;
    if (!e->takeover)
        sl_info("replaying batch %" PRId64 " (%zu partitions) left "
                "uncommitted by the previous run",
                o->batch, o->n);
    int64_t last_progress = sl_mono_ms();
    for (;;) {
        if (stop_level(e, 1)) {
            abort_batch(e, &bi);
            rc = SL_EINTR;
            goto out;
        }
        struct sl_raw_chunk ch;
        rc = so->poll(e->src, &ch, (size_t)e->job->chunk_records, CHUNK_BYTES,
                      POLL_MS, err);
        if (rc == 0) {
            last_progress = sl_mono_ms();
            rc = process_chunk(e, &bi, &ch, err);
            if (rc) {
                abort_batch(e, &bi);
                goto out;
            }
            if (e->fault)
                sl__engine_fault(e, SL_FAULT_IN_REPLAY, o->batch);
            continue;
        }
        if (rc == SL_EEOF) {
            rc = 0;
            break;
        }
        if (rc == SL_EAGAIN && sl_mono_ms() - last_progress < REPLAY_STALL_MS)
            continue;
        if (rc == SL_EAGAIN)
            rc = sl_error_set(err, SL_EIO,
                              "cannot replay batch %" PRId64
                              ": the source stopped before the recorded end "
                              "positions (was input deleted or truncated?); "
                              "to give up on it, reset the checkpoint",
                              o->batch);
        abort_batch(e, &bi);
        goto out;
    }
    rc = finish_batch(e, &bi, &end, t0, err);
    if (!rc)
        e->stats->replayed++;
    if (!rc && !e->takeover)
        rc = so->seek(e->src, &end, NULL, true, err);
out:
    sl_positions_free(&start);
    sl_positions_free(&end);
    return rc;
}

static int dl_batch(struct engine *e, struct sl_error *err)
{
    struct sl_field f;
    int rc = sl_type_parse(dl_schema_text, &f, err);
    if (rc)
        return rc;
    for (int i = 0; !rc && i < 2; i++)
        rc = sl_batch_create(&f, &e->slot[i].dlb, err);
    if (!rc)
        rc = sl_batch_create(&f, &e->rjb, err);
    sl_field_free(&f);
    return rc;
}

static int open_parts(struct engine *e, struct sl_error *err)
{
    struct sl_job *job = e->job;
    struct sl_decoder_ctx dctx = {.conf = job->source_node,
                                  .schema = job->src.schema,
                                  .checkpoint = job->checkpoint_root
                                                    ? job->checkpoint_root
                                                    : job->checkpoint};
    int rc = job->decoder->create(&dctx, &e->dec, err);
    if (rc) {
        sl_error_prefix(err, "format %s: ", job->src.format);
        return rc;
    }
    struct sl_source_ctx sctx = {
        .job_name = job->name,
        .conf = job->source_node,
        .starting_position = job->src.starting_position,
        .max_record_bytes = (size_t)job->src.max_record_bytes,
        .frame = job->decoder->frame,
        .frame_state = e->dec,
        .connections = sl_conf_get(job->root, "connections"),
        .worker_id = e->takeover ? NULL : job->worker_id,
        .checkpoint_root = job->checkpoint_root,
    };
    rc = job->source->open(&sctx, &e->src, err);
    if (rc) {
        sl_error_prefix(err, "source %s: ", job->src.type);
        return rc;
    }
    if (job->source->per_message_compression) {
        enum sl_codec c = SL_CODEC_AUTO;
        struct sl_decompress_limits lim;
        sl_decompress_limits_default(&lim);
        lim.max_output = (size_t)job->src.max_decompressed_bytes;
        lim.max_ratio = (uint32_t)job->src.max_decompression_ratio;
        rc = sl_codec_from_name(
            job->src.compression ? job->src.compression : "auto", &c, err);
        if (!rc && c != SL_CODEC_NONE)
            rc = sl_msgdec_create(&e->md, c, &lim, err);
        if (rc) {
            sl_error_prefix(err, "source compression: ");
            return rc;
        }
    }
    return 0;
}

static int open_sinks(struct engine *e, struct sl_error *err)
{
    struct sl_job *job = e->job;
    struct sl_sink_ctx kctx = {.job_name = job->name,
                               .conf = job->sink_node,
                               .checkpoint_id = sl_checkpoint_id(e->cp),
                               .default_format = "json",
                               .connections =
                                   sl_conf_get(job->root, "connections"),
                               .reject = reject_row,
                               .reject_ctx = e};
    int rc = job->sink->open(&kctx, &e->sink, err);
    if (rc) {
        sl_error_prefix(err, "sink %s: ", job->snk.type);
        return rc;
    }
    struct sl_sink_ctx dctx = {.job_name = job->name,
                               .conf = job->dead_letter_conf,
                               .checkpoint_id = sl_checkpoint_id(e->cp),
                               .default_format = "json"};
    rc = job->dead_letter_sink->open(&dctx, &e->dl, err);
    if (rc)
        sl_error_prefix(err, "dead-letter output %s: ", job->dead_letter_path);
    return rc;
}

void sl__engine_close_parts(struct engine *e)
{
    struct sl_job *job = e->job;
    sl_stage_destroy(e->stage); /* first: it may be using the sinks */
    if (e->src)
        job->source->close(e->src);
    if (e->dec)
        job->decoder->destroy(e->dec);
    if (e->sink)
        job->sink->close(e->sink);
    if (e->dl)
        e->job->dead_letter_sink->close(e->dl);
    sl_checkpoint_close(e->cp);
    sl_tchain_destroy(e->tc);
    sl_buf_free(&e->row_json);
    sl_batch_destroy(e->rjb);
    for (int i = 0; i < 2; i++) {
        struct slot *sl = &e->slot[i];
        sl_batch_destroy(sl->b);
        sl_batch_destroy(sl->dlb);
        sl_field_free(&sl->b_schema);
        free(sl->partition);
        free(sl->label);
    }
    sl_msgdec_destroy(e->md);
    sl_field_free(&e->schema);
    parts_reset(e);
    for (size_t i = 0; i < e->n_parts; i++)
        free(e->parts[i].id);
    free(e->parts);
}

int sl__engine_prepare(struct engine *e, const char *location,
                       struct sl_error *err)
{
    struct sl_job *job = e->job;
    struct sl_buf ident;
    sl_buf_init(&ident, 0);
    sl_buf_init(&e->row_json, 0);
    e->detect = job->src.schema == NULL;
    int rc = e->detect ? sl_type_parse("struct<>", &e->schema, err)
                       : sl_field_copy(&e->schema, job->src.schema);
    if (rc)
        goto out;
    if ((rc = dl_batch(e, err)) || (rc = open_parts(e, err)))
        goto out;
    rc = sl_tchain_create(job->transforms_node, job->src.schema,
                          dead_letter_row, e, &e->tc, err);
    if (rc)
        goto out;
    if ((rc = job->source->identity(e->src, &ident)) ||
        (rc = sl_buf_cstr(&ident)))
        goto out;
    rc = sl_checkpoint_open(location, job->name, (char *)ident.data, &e->cp,
                            err);
    /* the writer lock (not for a takeover: the dead worker's checkpoint
     * may be replayed by it and by us at once, harmlessly, see
     * docs/architecture.md) */
    if (!rc && !e->takeover)
        rc = sl_checkpoint_lock(e->cp, err);
    if (!rc)
        rc = open_sinks(e, err);
out:
    sl_buf_free(&ident);
    return rc;
}

int sl_engine_run(struct sl_job *job, const struct sl_run_opts *o,
                  struct sl_run_stats *stats, struct sl_error *err)
{
    struct engine e = {.job = job, .o = o, .stats = stats};
    memset(stats, 0, sizeof *stats);
    int64_t t_start = sl_mono_ms();
    sl__engine_fault_init(&e);
    int rc = sl__engine_prepare(&e, job->checkpoint, err);
    if (rc)
        goto out;
    if (job->delivery_thread &&
        (rc = sl_stage_create("sluice-deliver", deliver, &e, &e.stage, err)))
        goto out;

    /* Where to start: replay an uncommitted batch, or continue after the
     * last committed one, or begin at the starting position. */
    int64_t lo, lc;
    rc = sl_checkpoint_latest(e.cp, &lo, &lc, err);
    if (rc)
        goto out;
    int64_t next = 0;
    /* Stateful transforms continue from the state after the last
     * committed batch (state/N-1 when batch N is replayed). */
    int64_t state_from = lo > lc ? lo - 1 : lc;
    if (state_from >= 0 &&
        (rc = sl_tchain_restore(e.tc, e.cp, state_from, err)))
        goto out;
    if (lo > lc) {
        struct sl_offsets off;
        rc = sl_checkpoint_get_offsets(e.cp, lo, &off, err);
        if (rc)
            goto out;
        rc = sl__engine_replay_batch(&e, &off, err);
        sl_offsets_free(&off);
        if (rc)
            goto out;
        next = lo + 1;
    } else if (lc >= 0) {
        struct sl_offsets off;
        struct sl_commit_info ci;
        struct sl_positions start;
        rc = sl_checkpoint_get_offsets(e.cp, lc, &off, err);
        if (rc)
            goto out;
        rc = sl_checkpoint_get_commit(e.cp, lc, &ci, err);
        if (!rc) {
            rc = ci.schema
                     ? set_schema(&e, ci.schema, ci.schema_version, err)
                     : set_schema(&e, off.schema, off.schema_version, err);
            sl_commit_info_free(&ci);
        }
        if (!rc && ranges_to_positions(&off, false, &start))
            rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        sl_offsets_free(&off);
        if (rc)
            goto out;
        rc = job->source->seek(e.src, &start, NULL, true, err);
        sl_positions_free(&start);
        if (rc)
            goto out;
        next = lc + 1;
        sl_info("resuming after batch %" PRId64, lc);
    } else {
        rc = job->source->seek(e.src, NULL, NULL, false, err);
        if (rc)
            goto out;
    }

    for (int64_t id = next;;) {
        if (o->max_batches && stats->batches >= o->max_batches)
            break;
        if (stop_level(&e, 1))
            break;
        bool idle = false, eof = false;
        rc = live_batch(&e, id, &idle, &eof, err);
        if (rc == SL_EINTR) {
            rc = 0;
            break;
        }
        if (rc)
            goto out;
        if (!idle)
            id++;
        if (eof || (idle && o->until_idle))
            break;
    }
out:
    if (rc == SL_EINTR)
        rc = 0;
    stats->elapsed_ms = sl_mono_ms() - t_start;
    sl__engine_close_parts(&e);
    return rc;
}

int sl_engine_detect_schema(struct sl_job *job, int64_t sample, int timeout_ms,
                            struct sl_field *out, int64_t *records,
                            struct sl_error *err)
{
    struct sl_run_opts o = {0};
    struct sl_run_stats st = {0};
    struct engine e = {.job = job, .o = &o, .stats = &st, .detect = true};
    struct sl_field *declared = job->src.schema;
    job->src.schema = NULL; /* detect even when a schema is declared */
    memset(out, 0, sizeof *out);
    *records = 0;
    int rc = open_parts(&e, err);
    if (!rc)
        rc = sl_batch_create(NULL, &e.slot[0].b, err);
    if (!rc)
        rc = job->source->seek(e.src, NULL, NULL, false, err);
    int64_t deadline = sl_mono_ms() + timeout_ms;
    while (!rc && *records < sample && sl_mono_ms() < deadline) {
        struct sl_raw_chunk ch;
        size_t want = (size_t)(sample - *records);
        rc = job->source->poll(e.src, &ch, want, CHUNK_BYTES, POLL_MS, err);
        if (rc == SL_EAGAIN || rc == SL_EEOF || rc == SL_ELIMIT) {
            rc = 0;
            break;
        }
        for (size_t i = 0; !rc && i < ch.n; i++) {
            if (job->decoder->locate)
                job->decoder->locate(e.dec, ch.partition, ch.recs[i].pos);
            if (job->decoder->decode(e.dec, ch.recs[i].data, ch.recs[i].len,
                                     e.slot[0].b, NULL) == 0)
                (*records)++;
        }
        if (sl_batch_rows(e.slot[0].b) > 65536) {
            /* keep the columns (the schema), drop the rows */
            sl_batch_clear(e.slot[0].b);
        }
    }
    if (!rc)
        rc = sl_batch_schema(e.slot[0].b, out);
    job->src.schema = declared;
    sl__engine_close_parts(&e);
    return rc;
}
