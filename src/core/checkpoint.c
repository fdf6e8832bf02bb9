/*
 * checkpoint.c - the checkpoint location of a job: metadata, offsets/N,
 * commits/N and state/N/<name> (DESIGN.md §2, checkpoint.h).
 *
 * The engine writes offsets/N (intent) before the sink makes batch N
 * visible and commits/N after; on start, offsets/N without commits/N means
 * "replay batch N with exactly these ranges". This file only stores and
 * reads those records; the protocol itself is the engine's.
 *
 * Everything goes through the blob store (sl_store: store_local.c now, S3
 * later), so the same code runs on a folder and on s3://. Files are JSON
 * written with sl_conf_json_str (jsonw.h escapes plus the few code points
 * YAML would fold) and read back with the YAML/JSON loader (conf.c,
 * without ${VAR} substitution); unknown fields are ignored on read so a
 * newer writer's extra fields do not break an older reader. Batch numbers
 * appear unpadded in keys (offsets/12) and are sorted numerically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "checkpoint.h"
#include "log.h"

#define CP_MAX_META (1u << 20)     /* metadata file */
#define CP_MAX_RECORD (256u << 20) /* one offsets/N or commits/N file */
#define CP_LAYOUT_VERSION 1

struct sl_checkpoint {
    struct sl_store *st;
    char *job;
    char *id;
    char *source; /* NULL when none was recorded */
    int64_t created_ms;
    bool readonly;
};

/* ---- store dispatch ---- */

int sl_store_open(const char *location, struct sl_store **out,
                  struct sl_error *err)
{
    *out = NULL;
    if (!location || !*location)
        return sl_error_set(err, SL_EINVAL, "no checkpoint location given");
    if (strncmp(location, "s3://", 5) == 0)
        return sl_store_s3_open(location, out, err);
    if (strncmp(location, "file://", 7) == 0)
        return sl_store_local_open(location, location + 7, out, err);
    const char *sep = strstr(location, "://");
    if (sep && sep != location &&
        strspn(location, "abcdefghijklmnopqrstuvwxyz0123456789+-.") ==
            (size_t)(sep - location))
        return sl_error_set(err, SL_EINVAL,
                            "checkpoint location %s: unknown scheme '%.*s://' "
                            "(use a local folder or s3://bucket/prefix)",
                            location, (int)(sep - location), location);
    return sl_store_local_open(location, location, out, err);
}

void sl_store_close(struct sl_store *s)
{
    if (s)
        s->ops->close(s);
}

/* ---- reading JSON records ---- */

/* Parse blob b (named key for messages) into a map node. */
static int parse_record(struct sl_checkpoint *cp, const char *key,
                        const struct sl_buf *b, struct sl_conf **out,
                        struct sl_error *err)
{
    char name[1024];
    snprintf(name, sizeof name, "%s/%s", cp->st->location, key);
    int rc = sl_conf_parse(b->data ? (const char *)b->data : "", b->len, name,
                           SL_CONF_NO_ENV, out, err);
    if (rc) {
        sl_error_prefix(err, "checkpoint record is not valid JSON: ");
        return SL_ECORRUPT;
    }
    if ((*out)->kind != SL_CONF_MAP) {
        sl_conf_free(*out);
        *out = NULL;
        return sl_error_set(err, SL_ECORRUPT,
                            "%s: checkpoint record is not a JSON object", name);
    }
    return 0;
}

static int corrupt(const struct sl_conf *c, const char *key, const char *what,
                   struct sl_error *err)
{
    char where[1024];
    return sl_error_set(err, SL_ECORRUPT, "%s: '%s' %s",
                        sl_conf_where(c, where, sizeof where), key, what);
}

/* Integer field; absent or null leaves *v (unless required). */
static int field_i64(const struct sl_conf *m, const char *key, bool required,
                     int64_t *v, struct sl_error *err)
{
    const struct sl_conf *c = sl_conf_get(m, key);
    if (sl_conf_is_null(c))
        return required ? corrupt(m, key, "is missing", err) : 0;
    if (c->kind != SL_CONF_SCALAR || sl_parse_i64(c->str, v) != 0)
        return corrupt(c, key, "is not an integer", err);
    return 0;
}

/* String field (a bare number is taken as its text); null gives NULL. */
static int field_str(const struct sl_conf *m, const char *key, bool required,
                     char **v, struct sl_error *err)
{
    *v = NULL;
    const struct sl_conf *c = sl_conf_get(m, key);
    if (sl_conf_is_null(c))
        return required ? corrupt(m, key, "is missing", err) : 0;
    if (c->kind != SL_CONF_SCALAR)
        return corrupt(c, key, "is not a string", err);
    *v = strdup(c->str);
    return *v ? 0 : sl_error_set(err, SL_ENOMEM, "out of memory");
}

static int get_record(struct sl_checkpoint *cp, const char *key, size_t max,
                      struct sl_conf **out, struct sl_error *err)
{
    struct sl_buf b;
    sl_buf_init(&b, max);
    int rc = cp->st->ops->get(cp->st, key, &b, err);
    if (rc == 0)
        rc = parse_record(cp, key, &b, out, err);
    sl_buf_free(&b);
    return rc;
}

/* ---- open / metadata ---- */

static int new_id(char out[17], struct sl_error *err)
{
    uint8_t r[8];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof r) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        got = 0;
        while (fd >= 0 && got < sizeof r) {
            ssize_t n = read(fd, r + got, sizeof r - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (fd >= 0)
            close(fd);
    }
    if (got < sizeof r)
        return sl_error_set(err, SL_EIO,
                            "cannot read random bytes for a checkpoint id");
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof r; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[16] = '\0';
    return 0;
}

/* Append lead then s as a JSON string (null when s is NULL). */
static int jfield(struct sl_buf *b, const char *lead, const char *s)
{
    int rc = sl_buf_puts(b, lead);
    if (rc)
        return rc;
    return s ? sl_conf_json_str(b, s, strlen(s)) : sl_buf_puts(b, "null");
}

/* Store the record built in b (status rc so far) under key; frees b. */
static int put_record(struct sl_checkpoint *cp, const char *key,
                      struct sl_buf *b, int rc, struct sl_error *err)
{
    if (rc == SL_EINVAL)
        rc = sl_error_set(err, rc,
                          "checkpoint %s: %s: a name or position is not valid "
                          "UTF-8",
                          cp->st->location, key);
    else if (rc)
        rc = sl_error_set(err, rc, "checkpoint %s: %s: %s", cp->st->location,
                          key, sl_strerror(rc));
    else
        rc = cp->st->ops->put(cp->st, key, b->data, b->len, err);
    sl_buf_free(b);
    return rc;
}

static int write_metadata(struct sl_checkpoint *cp, struct sl_error *err)
{
    struct sl_buf b;
    sl_buf_init(&b, CP_MAX_META);
    int rc = jfield(&b, "{\"job\":", cp->job);
    rc = rc ? rc : jfield(&b, ",\"id\":", cp->id);
    rc = rc ? rc : jfield(&b, ",\"source\":", cp->source);
    rc =
        rc ? rc
           : sl_buf_appendf(&b, ",\"created_ms\":%" PRId64 ",\"version\":%d}\n",
                            cp->created_ms, CP_LAYOUT_VERSION);
    return put_record(cp, "metadata", &b, rc, err);
}

static int read_metadata(struct sl_checkpoint *cp, struct sl_error *err)
{
    struct sl_conf *m = NULL;
    int rc = get_record(cp, "metadata", CP_MAX_META, &m, err);
    if (rc)
        return rc;
    int64_t version = CP_LAYOUT_VERSION;
    rc = field_str(m, "job", true, &cp->job, err);
    if (rc == 0)
        rc = field_str(m, "id", true, &cp->id, err);
    if (rc == 0)
        rc = field_str(m, "source", false, &cp->source, err);
    if (rc == 0)
        rc = field_i64(m, "created_ms", false, &cp->created_ms, err);
    if (rc == 0)
        rc = field_i64(m, "version", false, &version, err);
    if (rc == 0 && version > CP_LAYOUT_VERSION)
        rc = sl_error_set(err, SL_ECONFLICT,
                          "checkpoint %s was written by a newer sluice "
                          "(layout version %" PRId64 ", this one reads %d)",
                          cp->st->location, version, CP_LAYOUT_VERSION);
    sl_conf_free(m);
    return rc;
}

static int open_common(const char *location, struct sl_checkpoint **out,
                       struct sl_error *err)
{
    *out = NULL;
    struct sl_checkpoint *cp = calloc(1, sizeof *cp);
    if (!cp)
        return sl_error_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_store_open(location, &cp->st, err);
    if (rc) {
        free(cp);
        return rc;
    }
    *out = cp;
    return 0;
}

/* A new checkpoint goes only where nothing is: a location with other
 * files is probably a typo (the data or output folder), and `checkpoint
 * reset` would later delete it all. SL_ENOTFOUND when empty. */
static int check_empty(struct sl_checkpoint *cp, struct sl_error *err)
{
    struct sl_strlist names;
    int rc = cp->st->ops->list(cp->st, "", &names, err);
    if (rc)
        return rc;
    if (names.n)
        rc = sl_error_set(err, SL_ECONFLICT,
                          "checkpoint location %s already holds other files "
                          "(%s%s) and no checkpoint metadata; use a new or "
                          "empty folder",
                          cp->st->location, names.v[0],
                          names.n > 1 ? ", ..." : "");
    sl_strlist_free(&names);
    return rc ? rc : SL_ENOTFOUND;
}

int sl_checkpoint_open(const char *location, const char *job,
                       const char *source_identity, struct sl_checkpoint **out,
                       struct sl_error *err)
{
    sl_error_clear(err);
    *out = NULL;
    if (!job || !*job)
        return sl_error_set(err, SL_EINVAL, "a checkpoint needs a job name");
    struct sl_checkpoint *cp;
    int rc = open_common(location, &cp, err);
    if (rc)
        return rc;
    rc = read_metadata(cp, err);
    if (rc == SL_ENOTFOUND) {
        sl_error_clear(err);
        rc = check_empty(cp, err);
    }
    if (rc == SL_ENOTFOUND) {
        char id[17];
        sl_error_clear(err);
        rc = new_id(id, err);
        if (rc == 0) {
            cp->job = strdup(job);
            cp->id = strdup(id);
            cp->source = source_identity ? strdup(source_identity) : NULL;
            cp->created_ms = sl_now_ms();
            if (!cp->job || !cp->id || (source_identity && !cp->source))
                rc = sl_error_set(err, SL_ENOMEM, "out of memory");
        }
        if (rc == 0)
            rc = write_metadata(cp, err);
        if (rc == 0)
            sl_info("checkpoint %s: created for job '%s' (id %s)", location,
                    job, cp->id);
    } else if (rc == 0 && strcmp(cp->job, job) != 0) {
        char reading[600] = "";
        if (cp->source)
            snprintf(reading, sizeof reading, " (reading %s)", cp->source);
        rc = sl_error_set(err, SL_ECONFLICT,
                          "checkpoint %s belongs to job '%s'%s, not to '%s'; "
                          "use another checkpoint location or delete it to "
                          "start over",
                          location, cp->job, reading, job);
    } else if (rc == 0 && cp->source && source_identity &&
               strcmp(cp->source, source_identity) != 0) {
        rc = sl_error_set(err, SL_ECONFLICT,
                          "checkpoint %s belongs to job '%s' reading %s, not "
                          "%s; use another checkpoint location or delete it "
                          "to start over",
                          location, cp->job, cp->source, source_identity);
    }
    if (rc) {
        sl_checkpoint_close(cp);
        return rc;
    }
    *out = cp;
    return 0;
}

int sl_checkpoint_lock(struct sl_checkpoint *cp, struct sl_error *err)
{
    if (!cp->st->ops->lock)
        return 0;
    return cp->st->ops->lock(cp->st, err);
}

int sl_checkpoint_open_existing(const char *location,
                                struct sl_checkpoint **out,
                                struct sl_error *err)
{
    sl_error_clear(err);
    *out = NULL;
    struct sl_checkpoint *cp;
    int rc = open_common(location, &cp, err);
    if (rc)
        return rc;
    cp->readonly = true;
    rc = read_metadata(cp, err);
    if (rc == SL_ENOTFOUND)
        sl_error_set(err, rc, "no checkpoint at %s (it has no metadata file)",
                     location);
    if (rc) {
        sl_checkpoint_close(cp);
        return rc;
    }
    *out = cp;
    return 0;
}

void sl_checkpoint_close(struct sl_checkpoint *cp)
{
    if (!cp)
        return;
    sl_store_close(cp->st);
    free(cp->job);
    free(cp->id);
    free(cp->source);
    free(cp);
}

const char *sl_checkpoint_id(const struct sl_checkpoint *cp)
{
    return cp->id;
}

const char *sl_checkpoint_job(const struct sl_checkpoint *cp)
{
    return cp->job;
}

const char *sl_checkpoint_source(const struct sl_checkpoint *cp)
{
    return cp->source;
}

int64_t sl_checkpoint_created_ms(const struct sl_checkpoint *cp)
{
    return cp->created_ms;
}

/* ---- batch numbers ---- */

static int writable(struct sl_checkpoint *cp, struct sl_error *err)
{
    if (cp->readonly)
        return sl_error_set(err, SL_EINVAL,
                            "checkpoint %s was opened read-only",
                            cp->st->location);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Batch numbers under prefix ("offsets/"), ascending; other names are
 * ignored. *v is malloc'ed (NULL when *n == 0). */
static int batches(struct sl_checkpoint *cp, const char *prefix, int64_t **v,
                   size_t *n, struct sl_error *err)
{
    struct sl_strlist names;
    *v = NULL;
    *n = 0;
    int rc = cp->st->ops->list(cp->st, prefix, &names, err);
    if (rc)
        return rc;
    if (names.n) {
        *v = malloc(names.n * sizeof **v);
        if (!*v) {
            sl_strlist_free(&names);
            return sl_error_set(err, SL_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < names.n; i++) {
        /* Only canonical spellings: "12", not "012", "+12" or "x". */
        const char *nm = names.v[i];
        int64_t b;
        if (strspn(nm, "0123456789") == strlen(nm) &&
            (nm[0] != '0' || nm[1] == '\0') && sl_parse_i64(nm, &b) == 0)
            (*v)[(*n)++] = b;
    }
    sl_strlist_free(&names);
    if (*n)
        qsort(*v, *n, sizeof **v, cmp_i64);
    return 0;
}

int sl_checkpoint_latest(struct sl_checkpoint *cp, int64_t *last_offsets,
                         int64_t *last_commit, struct sl_error *err)
{
    int64_t *v;
    size_t n;
    int rc = batches(cp, "offsets/", &v, &n, err);
    if (rc)
        return rc;
    *last_offsets = n ? v[n - 1] : -1;
    free(v);
    rc = batches(cp, "commits/", &v, &n, err);
    if (rc)
        return rc;
    *last_commit = n ? v[n - 1] : -1;
    free(v);
    return 0;
}

static int batch_key(char *buf, size_t n, const char *dir, int64_t batch,
                     struct sl_error *err)
{
    if (batch < 0)
        return sl_error_set(err, SL_EINVAL,
                            "batch number %" PRId64 " is negative", batch);
    snprintf(buf, n, "%s/%" PRId64, dir, batch);
    return 0;
}

/* Read dir/N into a map node and check its "batch" field is N. */
static int get_batch_record(struct sl_checkpoint *cp, const char *dir,
                            int64_t batch, struct sl_conf **out,
                            struct sl_error *err)
{
    char key[64];
    *out = NULL;
    int rc = batch_key(key, sizeof key, dir, batch, err);
    if (rc == 0)
        rc = get_record(cp, key, CP_MAX_RECORD, out, err);
    if (rc)
        return rc;
    int64_t b;
    rc = field_i64(*out, "batch", true, &b, err);
    if (rc == 0 && b != batch)
        rc = corrupt(sl_conf_get(*out, "batch"), "batch",
                     "does not match the file name", err);
    if (rc) {
        sl_conf_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- offsets/N ---- */

int sl_checkpoint_put_offsets(struct sl_checkpoint *cp,
                              const struct sl_offsets *o, struct sl_error *err)
{
    char key[64];
    int rc = writable(cp, err);
    if (rc == 0)
        rc = batch_key(key, sizeof key, "offsets", o->batch, err);
    if (rc)
        return rc;
    struct sl_buf b;
    sl_buf_init(&b, CP_MAX_RECORD);
    rc = sl_buf_appendf(&b,
                        "{\"batch\":%" PRId64 ",\"window_start_ms\":%" PRId64
                        ",\"window_end_ms\":%" PRId64 ",\"schema\":",
                        o->batch, o->window_start_ms, o->window_end_ms);
    rc = rc ? rc : jfield(&b, "", o->schema);
    rc = rc ? rc
            : sl_buf_appendf(&b,
                             ",\"schema_version\":%" PRId64 ",\"partitions\":[",
                             o->schema_version);
    for (size_t i = 0; rc == 0 && i < o->n; i++) {
        const struct sl_range *r = &o->ranges[i];
        rc = jfield(&b, i ? ",{\"id\":" : "{\"id\":", r->id);
        rc = rc ? rc : jfield(&b, ",\"start\":", r->start);
        rc = rc ? rc : jfield(&b, ",\"end\":", r->end);
        rc = rc ? rc : sl_buf_putc(&b, '}');
    }
    rc = rc ? rc : sl_buf_puts(&b, "]}\n");
    return put_record(cp, key, &b, rc, err);
}

static int read_ranges(const struct sl_conf *m, struct sl_offsets *o,
                       struct sl_error *err)
{
    const struct sl_conf *ps = sl_conf_get(m, "partitions");
    if (!ps || ps->kind != SL_CONF_SEQ)
        return corrupt(ps ? ps : m, "partitions",
                       ps ? "is not a list" : "is missing", err);
    if (ps->n) {
        o->ranges = calloc(ps->n, sizeof *o->ranges);
        if (!o->ranges)
            return sl_error_set(err, SL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < ps->n; i++) {
        const struct sl_conf *p = ps->items[i];
        struct sl_range *r = &o->ranges[i];
        if (p->kind != SL_CONF_MAP)
            return corrupt(p, "partitions", "item is not an object", err);
        o->n = i + 1;
        int rc = field_str(p, "id", true, &r->id, err);
        if (rc == 0)
            rc = field_str(p, "start", false, &r->start, err);
        if (rc == 0)
            rc = field_str(p, "end", false, &r->end, err);
        if (rc)
            return rc;
    }
    return 0;
}

int sl_checkpoint_get_offsets(struct sl_checkpoint *cp, int64_t batch,
                              struct sl_offsets *out, struct sl_error *err)
{
    memset(out, 0, sizeof *out);
    struct sl_conf *m;
    int rc = get_batch_record(cp, "offsets", batch, &m, err);
    if (rc)
        return rc;
    out->batch = batch;
    rc = field_i64(m, "window_start_ms", false, &out->window_start_ms, err);
    if (rc == 0)
        rc = field_i64(m, "window_end_ms", false, &out->window_end_ms, err);
    if (rc == 0)
        rc = field_str(m, "schema", false, &out->schema, err);
    if (rc == 0)
        rc = field_i64(m, "schema_version", false, &out->schema_version, err);
    if (rc == 0)
        rc = read_ranges(m, out, err);
    sl_conf_free(m);
    if (rc)
        sl_offsets_free(out);
    return rc;
}

void sl_offsets_free(struct sl_offsets *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        free(o->ranges[i].id);
        free(o->ranges[i].start);
        free(o->ranges[i].end);
    }
    free(o->ranges);
    free(o->schema);
    memset(o, 0, sizeof *o);
}

int sl_offsets_ends(const struct sl_offsets *o, struct sl_positions *out)
{
    out->n = 0;
    out->v = NULL;
    for (size_t i = 0; i < o->n; i++) {
        if (!o->ranges[i].end)
            continue;
        int rc = sl_positions_set(out, o->ranges[i].id, o->ranges[i].end);
        if (rc) {
            sl_positions_free(out);
            return rc;
        }
    }
    return 0;
}

/* ---- commits/N ---- */

int sl_checkpoint_put_commit(struct sl_checkpoint *cp,
                             const struct sl_commit_info *c,
                             struct sl_error *err)
{
    char key[64];
    int rc = writable(cp, err);
    if (rc == 0)
        rc = batch_key(key, sizeof key, "commits", c->batch, err);
    if (rc)
        return rc;
    /* The receipt is the sink's JSON: check it and store it compact, so
     * get_commit gives back exactly what is in the file. */
    struct sl_conf *sink = NULL;
    if (c->sink_json) {
        rc = sl_conf_parse(c->sink_json, strlen(c->sink_json), "sink receipt",
                           SL_CONF_NO_ENV, &sink, err);
        if (rc) {
            sl_error_prefix(err, "checkpoint %s: %s: ", cp->st->location, key);
            return SL_EINVAL;
        }
    }
    struct sl_buf b;
    sl_buf_init(&b, CP_MAX_RECORD);
    rc = sl_buf_appendf(&b,
                        "{\"batch\":%" PRId64 ",\"records_in\":%" PRId64
                        ",\"records_out\":%" PRId64
                        ",\"dead_lettered\":%" PRId64 ",\"bytes_in\":%" PRId64
                        ",\"duration_ms\":%" PRId64 ",\"schema\":",
                        c->batch, c->records_in, c->records_out,
                        c->dead_lettered, c->bytes_in, c->duration_ms);
    rc = rc ? rc : jfield(&b, "", c->schema);
    rc = rc ? rc
            : sl_buf_appendf(&b, ",\"schema_version\":%" PRId64 ",\"sink\":",
                             c->schema_version);
    rc = rc ? rc : sl_conf_to_json(sink, &b);
    rc = rc ? rc : sl_buf_puts(&b, "}\n");
    sl_conf_free(sink);
    return put_record(cp, key, &b, rc, err);
}

int sl_checkpoint_get_commit(struct sl_checkpoint *cp, int64_t batch,
                             struct sl_commit_info *out, struct sl_error *err)
{
    memset(out, 0, sizeof *out);
    struct sl_conf *m;
    int rc = get_batch_record(cp, "commits", batch, &m, err);
    if (rc)
        return rc;
    out->batch = batch;
    static const struct {
        const char *name;
        size_t off;
    } counts[] = {
        {"records_in", offsetof(struct sl_commit_info, records_in)},
        {"records_out", offsetof(struct sl_commit_info, records_out)},
        {"dead_lettered", offsetof(struct sl_commit_info, dead_lettered)},
        {"bytes_in", offsetof(struct sl_commit_info, bytes_in)},
        {"duration_ms", offsetof(struct sl_commit_info, duration_ms)},
    };
    for (size_t i = 0; rc == 0 && i < sizeof counts / sizeof counts[0]; i++)
        rc = field_i64(m, counts[i].name, false,
                       (int64_t *)((char *)out + counts[i].off), err);
    if (rc == 0)
        rc = field_str(m, "schema", false, &out->schema, err);
    if (rc == 0)
        rc = field_i64(m, "schema_version", false, &out->schema_version, err);
    const struct sl_conf *sink = sl_conf_get(m, "sink");
    if (rc == 0 && !sl_conf_is_null(sink)) {
        struct sl_buf b;
        sl_buf_init(&b, CP_MAX_RECORD);
        rc = sl_conf_to_json(sink, &b);
        rc = rc ? rc : sl_buf_cstr(&b);
        if (rc) {
            sl_buf_free(&b);
            rc = sl_error_set(err, rc, "checkpoint %s: commits/%" PRId64 ": %s",
                              cp->st->location, batch, sl_strerror(rc));
        } else {
            out->sink_json = (char *)b.data;
        }
    }
    sl_conf_free(m);
    if (rc)
        sl_commit_info_free(out);
    return rc;
}

void sl_commit_info_free(struct sl_commit_info *c)
{
    if (!c)
        return;
    free(c->sink_json);
    free(c->schema);
    memset(c, 0, sizeof *c);
}

/* ---- state/N/<name> ---- */

static int state_key(char *buf, size_t n, int64_t batch, const char *name,
                     struct sl_error *err)
{
    if (batch < 0)
        return sl_error_set(err, SL_EINVAL,
                            "batch number %" PRId64 " is negative", batch);
    if (!name || !*name || name[0] == '.' || strchr(name, '/') ||
        strlen(name) > 200)
        return sl_error_set(err, SL_EINVAL,
                            "state name '%s' must be 1-200 characters, "
                            "without '/' and not starting with '.'",
                            name ? name : "");
    snprintf(buf, n, "state/%" PRId64 "/%s", batch, name);
    return 0;
}

int sl_checkpoint_put_state(struct sl_checkpoint *cp, int64_t batch,
                            const char *name, const void *p, size_t n,
                            struct sl_error *err)
{
    char key[256];
    int rc = writable(cp, err);
    if (rc == 0)
        rc = state_key(key, sizeof key, batch, name, err);
    return rc ? rc : cp->st->ops->put(cp->st, key, p, n, err);
}

int sl_checkpoint_get_state(struct sl_checkpoint *cp, int64_t batch,
                            const char *name, struct sl_buf *out,
                            struct sl_error *err)
{
    char key[256];
    int rc = state_key(key, sizeof key, batch, name, err);
    return rc ? rc : cp->st->ops->get(cp->st, key, out, err);
}

/* ---- pruning and reset ---- */

/* Delete the blobs of state/N, then state/N, for every N < cut. */
static int prune_state(struct sl_checkpoint *cp, int64_t cut,
                       struct sl_error *err)
{
    int64_t *v;
    size_t n;
    int rc = batches(cp, "state/", &v, &n, err);
    for (size_t i = 0; rc == 0 && i < n && v[i] < cut; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "state/%" PRId64, v[i]);
        char prefix[72];
        snprintf(prefix, sizeof prefix, "%s/", dir);
        struct sl_strlist names;
        rc = cp->st->ops->list(cp->st, prefix, &names, err);
        if (rc)
            break;
        for (size_t k = 0; rc == 0 && k < names.n; k++) {
            char key[320];
            snprintf(key, sizeof key, "%s%s", prefix, names.v[k]);
            rc = cp->st->ops->del(cp->st, key, err);
        }
        sl_strlist_free(&names);
        if (rc == 0)
            rc = cp->st->ops->del(cp->st, dir, err);
    }
    free(v);
    return rc;
}

static int prune_dir(struct sl_checkpoint *cp, const char *dir, int64_t cut,
                     struct sl_error *err)
{
    int64_t *v;
    size_t n;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s/", dir);
    int rc = batches(cp, prefix, &v, &n, err);
    for (size_t i = 0; rc == 0 && i < n && v[i] < cut; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s/%" PRId64, dir, v[i]);
        rc = cp->st->ops->del(cp->st, key, err);
    }
    free(v);
    return rc;
}

int sl_checkpoint_prune(struct sl_checkpoint *cp, int keep,
                        struct sl_error *err)
{
    int rc = writable(cp, err);
    if (rc)
        return rc;
    if (keep < 1)
        return sl_error_set(err, SL_EINVAL,
                            "checkpoint %s: keep %d batches? keep at least 1",
                            cp->st->location, keep);
    int64_t *offs, last_offsets, last_commit;
    size_t n;
    rc = sl_checkpoint_latest(cp, &last_offsets, &last_commit, err);
    if (rc == 0)
        rc = batches(cp, "offsets/", &offs, &n, err);
    if (rc)
        return rc;
    /* Keep the newest `keep` batches with offsets, and never the last
     * commit: it is where the next run continues from. */
    int64_t cut = n > (size_t)keep ? offs[n - (size_t)keep] : -1;
    free(offs);
    if (last_commit >= 0 && last_commit < cut)
        cut = last_commit;
    if (cut <= 0)
        return 0;
    rc = prune_state(cp, cut, err);
    if (rc == 0)
        rc = prune_dir(cp, "offsets", cut, err);
    if (rc == 0)
        rc = prune_dir(cp, "commits", cut, err);
    return rc;
}

int sl_checkpoint_destroy_location(const char *location, struct sl_error *err)
{
    sl_error_clear(err);
    struct sl_checkpoint *cp;
    int rc = open_common(location, &cp, err);
    if (rc)
        return rc;
    /* Only a folder whose metadata reads as ours: a typo in the location
     * must not wipe something else. */
    rc = read_metadata(cp, err);
    bool empty = false;
    if (rc == SL_ENOTFOUND) {
        struct sl_strlist names;
        empty =
            cp->st->ops->list(cp->st, "", &names, NULL) == 0 && names.n == 0;
        sl_strlist_free(&names);
    }
    if (empty) {
        rc = sl_error_set(err, SL_ENOTFOUND,
                          "no checkpoint at %s (nothing to delete)", location);
    } else if (rc == SL_ENOTFOUND || rc == SL_ECORRUPT) {
        char why[SL_ERROR_MSG_MAX / 2];
        snprintf(why, sizeof why, "%s", err ? err->msg : "");
        rc = sl_error_set(err, SL_EINVAL,
                          "refusing to delete %s: it does not look like a "
                          "sluice checkpoint (%s)",
                          location,
                          rc == SL_ENOTFOUND ? "no metadata file" : why);
    }
    if (rc == 0)
        rc = sl_checkpoint_lock(cp, err);
    if (rc == 0) {
        rc = cp->st->ops->destroy(cp->st, err);
        if (rc == 0)
            sl_info("checkpoint %s of job '%s' deleted", location, cp->job);
    }
    sl_checkpoint_close(cp);
    return rc;
}
