/*
 * test_checkpoint.c - the checkpoint location (src/core/checkpoint.c) on
 * the local store: metadata and the refusal of another job's checkpoint,
 * offsets/commits round trips with the exact bytes written, latest, prune,
 * state blobs, no temp files left behind, and the guarded reset.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint.h"

struct fixture {
    char dir[64]; /* temp folder holding the checkpoint */
    char loc[96]; /* <dir>/cp */
};

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/sl_test_cp_XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->loc, sizeof fx->loc, "%s/cp", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool exists(const char *dir, const char *rel)
{
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return stat(p, &st) == 0;
}

/* Sorted entries of <loc>/<rel>, comma separated, into out. */
static const char *entries(const char *loc, const char *rel)
{
    static char out[4096];
    struct sl_store *st;
    struct sl_strlist l;
    assert_int_equal(sl_store_open(loc, &st, NULL), 0);
    assert_int_equal(st->ops->list(st, rel, &l, NULL), 0);
    /* Simple insertion sort by (length, text): numeric order for batches. */
    for (size_t i = 1; i < l.n; i++)
        for (size_t j = i; j > 0; j--) {
            size_t a = strlen(l.v[j - 1]), b = strlen(l.v[j]);
            if (a < b || (a == b && strcmp(l.v[j - 1], l.v[j]) <= 0))
                break;
            char *t = l.v[j];
            l.v[j] = l.v[j - 1];
            l.v[j - 1] = t;
        }
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l.n && len < sizeof out; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s",
                                i ? "," : "", l.v[i]);
    sl_strlist_free(&l);
    sl_store_close(st);
    return out;
}

static int count_dot_files;
static int find_dot(const char *p, const struct stat *st, int flag,
                    struct FTW *f)
{
    (void)st;
    (void)flag;
    if (p[f->base] == '.')
        count_dot_files++;
    return 0;
}

static struct sl_checkpoint *open_orders(struct fixture *fx)
{
    struct sl_checkpoint *cp = NULL;
    struct sl_error err;
    int rc =
        sl_checkpoint_open(fx->loc, "orders", "file:/data/*.json", &cp, &err);
    if (rc)
        fail_msg("%s", err.msg);
    return cp;
}

static void test_create_and_reopen(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    const char *id = sl_checkpoint_id(cp);
    assert_int_equal(strlen(id), 16);
    assert_int_equal(strspn(id, "0123456789abcdef"), 16);
    char id1[17];
    memcpy(id1, id, 17);
    assert_string_equal(sl_checkpoint_job(cp), "orders");
    assert_string_equal(sl_checkpoint_source(cp), "file:/data/*.json");
    int64_t created = sl_checkpoint_created_ms(cp);
    assert_true(created > 1700000000000);
    sl_checkpoint_close(cp);

    char meta[256], want[512];
    snprintf(meta, sizeof meta, "%s/metadata", fx->loc);
    snprintf(want, sizeof want,
             "{\"job\":\"orders\",\"id\":\"%s\",\"source\":\"file:/data/"
             "*.json\",\"created_ms\":%lld,\"version\":1}\n",
             id1, (long long)created);
    assert_string_equal(slurp(meta), want);

    cp = open_orders(fx);
    assert_string_equal(sl_checkpoint_id(cp), id1);
    assert_true(sl_checkpoint_created_ms(cp) == created);
    sl_checkpoint_close(cp);

    /* A new checkpoint elsewhere gets a different id. */
    char other[128];
    snprintf(other, sizeof other, "%s/cp2", fx->dir);
    assert_int_equal(sl_checkpoint_open(other, "orders", NULL, &cp, NULL), 0);
    assert_string_not_equal(sl_checkpoint_id(cp), id1);
    assert_null(sl_checkpoint_source(cp));
    sl_checkpoint_close(cp);
    sl_checkpoint_close(NULL);

    /* file:// is the same local folder. */
    char url[160];
    snprintf(url, sizeof url, "file://%s", fx->loc);
    assert_int_equal(sl_checkpoint_open_existing(url, &cp, NULL), 0);
    assert_string_equal(sl_checkpoint_id(cp), id1);
    sl_checkpoint_close(cp);
}

static void test_conflict(void **state)
{
    struct fixture *fx = *state;
    sl_checkpoint_close(open_orders(fx));
    struct sl_checkpoint *cp = (struct sl_checkpoint *)1;
    struct sl_error err;
    char want[1024];
    assert_int_equal(
        sl_checkpoint_open(fx->loc, "clicks", "file:/data/*.json", &cp, &err),
        SL_ECONFLICT);
    assert_null(cp);
    snprintf(want, sizeof want,
             "checkpoint %s belongs to job 'orders' (reading "
             "file:/data/*.json), not to 'clicks'; use another checkpoint "
             "location or delete it to start over",
             fx->loc);
    assert_string_equal(err.msg, want);

    assert_int_equal(
        sl_checkpoint_open(fx->loc, "orders", "kafka:b:9092/t", &cp, &err),
        SL_ECONFLICT);
    snprintf(want, sizeof want,
             "checkpoint %s belongs to job 'orders' reading file:/data/*.json, "
             "not kafka:b:9092/t; use another checkpoint location or delete "
             "it to start over",
             fx->loc);
    assert_string_equal(err.msg, want);

    /* The refused open changed nothing. */
    cp = open_orders(fx);
    sl_checkpoint_close(cp);
}

static void test_refuses_busy_folder(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = (struct sl_checkpoint *)1;
    struct sl_error err;
    char path[256], want[512];
    snprintf(path, sizeof path, "%s/part-0.json", fx->dir);
    write_file(path, "{}");
    assert_int_equal(sl_checkpoint_open(fx->dir, "orders", "x", &cp, &err),
                     SL_ECONFLICT);
    assert_null(cp);
    snprintf(want, sizeof want,
             "checkpoint location %s already holds other files (part-0.json) "
             "and no checkpoint metadata; use a new or empty folder",
             fx->dir);
    assert_string_equal(err.msg, want);
    assert_false(exists(fx->dir, "metadata"));
    /* An existing empty folder is fine. */
    mkdir(fx->loc, 0755);
    assert_int_equal(sl_checkpoint_open(fx->loc, "orders", "x", &cp, &err), 0);
    sl_checkpoint_close(cp);
}

static void test_locations(void **state)
{
    (void)state;
    struct sl_checkpoint *cp;
    struct sl_error err;
    assert_int_equal(
        sl_checkpoint_open("s3://bucket/cp", "orders", "x", &cp, &err),
        SL_EINVAL);
    assert_string_equal(err.msg, "checkpoint location s3://bucket/cp: s3:// "
                                 "checkpoints need the S3 support (not built "
                                 "yet)");
    assert_int_equal(
        sl_checkpoint_open("gs://bucket/cp", "orders", "x", &cp, &err),
        SL_EINVAL);
    assert_string_equal(err.msg, "checkpoint location gs://bucket/cp: unknown "
                                 "scheme 'gs://' (use a local folder or "
                                 "s3://bucket/prefix)");
    assert_int_equal(sl_checkpoint_open("", "orders", "x", &cp, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "no checkpoint location given");
    assert_int_equal(sl_checkpoint_open("/tmp/x", "", "x", &cp, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "a checkpoint needs a job name");
}

static void test_offsets_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    struct sl_range ranges[] = {
        {"p0", NULL, "120"},
        {"/data/a \"b\".json", "5", "null"},
        {"shard-1", "49590338271490256608559692538361571095921575989136588898",
         "49590338271490256608559692540925702759324208523137515618"},
    };
    struct sl_offsets o = {
        .batch = 12,
        .window_start_ms = 1700000000000,
        .window_end_ms = 1700000100000,
        .schema = "struct<a:int,b:string>",
        .schema_version = 2,
        .n = 3,
        .ranges = ranges,
    };
    struct sl_error err;
    assert_int_equal(sl_checkpoint_put_offsets(cp, &o, &err), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/offsets/12", fx->loc);
    assert_string_equal(
        slurp(path),
        "{\"batch\":12,\"window_start_ms\":1700000000000,"
        "\"window_end_ms\":1700000100000,\"schema\":\"struct<a:int,b:string>\","
        "\"schema_version\":2,\"partitions\":["
        "{\"id\":\"p0\",\"start\":null,\"end\":\"120\"},"
        "{\"id\":\"/data/a \\\"b\\\".json\",\"start\":\"5\",\"end\":\"null\"},"
        "{\"id\":\"shard-1\",\"start\":"
        "\"49590338271490256608559692538361571095921575989136588898\","
        "\"end\":\"49590338271490256608559692540925702759324208523137515618\"}"
        "]}\n");

    struct sl_offsets r;
    assert_int_equal(sl_checkpoint_get_offsets(cp, 12, &r, &err), 0);
    assert_int_equal(r.batch, 12);
    assert_true(r.window_start_ms == 1700000000000);
    assert_true(r.window_end_ms == 1700000100000);
    assert_string_equal(r.schema, "struct<a:int,b:string>");
    assert_int_equal(r.schema_version, 2);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.ranges[0].id, "p0");
    assert_null(r.ranges[0].start);
    assert_string_equal(r.ranges[0].end, "120");
    assert_string_equal(r.ranges[1].id, "/data/a \"b\".json");
    assert_string_equal(r.ranges[1].start, "5");
    assert_string_equal(r.ranges[1].end, "null"); /* a string, not null */
    assert_string_equal(r.ranges[2].start, ranges[2].start);
    assert_string_equal(r.ranges[2].end, ranges[2].end);

    struct sl_positions ends;
    assert_int_equal(sl_offsets_ends(&r, &ends), 0);
    assert_int_equal(ends.n, 3);
    assert_string_equal(sl_positions_get(&ends, "p0"), "120");
    assert_string_equal(sl_positions_get(&ends, "shard-1"), ranges[2].end);
    sl_positions_free(&ends);
    sl_offsets_free(&r);
    assert_null(r.ranges);
    sl_offsets_free(NULL);

    /* No schema, no partitions. */
    struct sl_offsets e = {.batch = 0};
    assert_int_equal(sl_checkpoint_put_offsets(cp, &e, &err), 0);
    snprintf(path, sizeof path, "%s/offsets/0", fx->loc);
    assert_string_equal(slurp(path),
                        "{\"batch\":0,\"window_start_ms\":0,\"window_end_ms\":"
                        "0,\"schema\":null,\"schema_version\":0,"
                        "\"partitions\":[]}\n");
    assert_int_equal(sl_checkpoint_get_offsets(cp, 0, &r, &err), 0);
    assert_null(r.schema);
    assert_int_equal(r.n, 0);
    sl_offsets_free(&r);

    assert_int_equal(sl_checkpoint_get_offsets(cp, 5, &r, &err), SL_ENOTFOUND);
    char want[512];
    snprintf(want, sizeof want, "checkpoint %s: offsets/5 does not exist",
             fx->loc);
    assert_string_equal(err.msg, want);
    e.batch = -1;
    assert_int_equal(sl_checkpoint_put_offsets(cp, &e, &err), SL_EINVAL);
    assert_string_equal(err.msg, "batch number -1 is negative");
    sl_checkpoint_close(cp);
}

static void test_offsets_tolerant_and_corrupt(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    char path[256], want[512];
    mkdir(fx->loc, 0755);
    snprintf(path, sizeof path, "%s/offsets", fx->loc);
    mkdir(path, 0755);
    /* Unknown fields are ignored; bare numbers read as text. */
    snprintf(path, sizeof path, "%s/offsets/3", fx->loc);
    write_file(path, "{\"batch\": 3, \"future\": {\"x\": [1]},\n"
                     " \"partitions\": [{\"id\": 7, \"end\": 99, \"hint\": "
                     "true}]}\n");
    struct sl_offsets r;
    struct sl_error err;
    assert_int_equal(sl_checkpoint_get_offsets(cp, 3, &r, &err), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ranges[0].id, "7");
    assert_null(r.ranges[0].start);
    assert_string_equal(r.ranges[0].end, "99");
    assert_int_equal(r.window_start_ms, 0);
    sl_offsets_free(&r);

    snprintf(path, sizeof path, "%s/offsets/4", fx->loc);
    write_file(path, "{\"batch\": 5, \"partitions\": []}");
    assert_int_equal(sl_checkpoint_get_offsets(cp, 4, &r, &err), SL_ECORRUPT);
    snprintf(want, sizeof want,
             "%s/offsets/4:1:11: 'batch' does not match the file name",
             fx->loc);
    assert_string_equal(err.msg, want);
    assert_null(r.ranges);

    snprintf(path, sizeof path, "%s/offsets/6", fx->loc);
    write_file(path, "{\"batch\": 6, \"partitions\": [{\"start\": \"1\"}]}");
    assert_int_equal(sl_checkpoint_get_offsets(cp, 6, &r, &err), SL_ECORRUPT);
    snprintf(want, sizeof want, "%s/offsets/6:1:29: 'id' is missing", fx->loc);
    assert_string_equal(err.msg, want);

    snprintf(path, sizeof path, "%s/offsets/8", fx->loc);
    write_file(path, "{\"batch\": 8, \"partitions\": [");
    assert_int_equal(sl_checkpoint_get_offsets(cp, 8, &r, &err), SL_ECORRUPT);
    snprintf(want, sizeof want,
             "checkpoint record is not valid JSON: %s/offsets/8:2:1: YAML "
             "error: did not find expected node content (while parsing a "
             "flow node at line 2)",
             fx->loc);
    assert_string_equal(err.msg, want);
    sl_checkpoint_close(cp);
}

static void test_commit_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    struct sl_commit_info c = {
        .batch = 7,
        .records_in = 1000,
        .records_out = 990,
        .dead_lettered = 10,
        .bytes_in = 123456789012,
        .duration_ms = 1500,
        .sink_json = "{ \"files\": [\"out/p-0.json\", \"out/p-1.json\"],\n"
                     "  \"rows\": 990, \"ok\": true, \"note\": null }",
        .schema = "struct<id:bigint,`a b`:string>",
        .schema_version = 3,
    };
    struct sl_error err;
    assert_int_equal(sl_checkpoint_put_commit(cp, &c, &err), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/commits/7", fx->loc);
    assert_string_equal(slurp(path),
                        "{\"batch\":7,\"records_in\":1000,\"records_out\":990,"
                        "\"dead_lettered\":10,\"bytes_in\":123456789012,"
                        "\"duration_ms\":1500,\"schema\":\"struct<id:bigint,"
                        "`a b`:string>\",\"schema_version\":3,\"sink\":{"
                        "\"files\":[\"out/p-0.json\",\"out/p-1.json\"],"
                        "\"rows\":990,\"ok\":true,\"note\":null}}\n");
    struct sl_commit_info r;
    assert_int_equal(sl_checkpoint_get_commit(cp, 7, &r, &err), 0);
    assert_int_equal(r.batch, 7);
    assert_int_equal(r.records_in, 1000);
    assert_int_equal(r.records_out, 990);
    assert_int_equal(r.dead_lettered, 10);
    assert_true(r.bytes_in == 123456789012);
    assert_int_equal(r.duration_ms, 1500);
    assert_string_equal(r.schema, "struct<id:bigint,`a b`:string>");
    assert_int_equal(r.schema_version, 3);
    assert_string_equal(r.sink_json,
                        "{\"files\":[\"out/p-0.json\",\"out/p-1.json\"],"
                        "\"rows\":990,\"ok\":true,\"note\":null}");
    sl_commit_info_free(&r);
    assert_null(r.sink_json);

    struct sl_commit_info n = {.batch = 8, .records_in = 1};
    assert_int_equal(sl_checkpoint_put_commit(cp, &n, &err), 0);
    assert_int_equal(sl_checkpoint_get_commit(cp, 8, &r, &err), 0);
    assert_null(r.sink_json);
    assert_int_equal(r.records_in, 1);
    sl_commit_info_free(&r);

    /* A receipt that is not JSON is refused before anything is written. */
    struct sl_commit_info bad = {.batch = 9, .sink_json = "{\"a\": [1,"};
    assert_int_equal(sl_checkpoint_put_commit(cp, &bad, &err), SL_EINVAL);
    snprintf(path, sizeof path, "%s/commits/9", fx->loc);
    assert_null(slurp(path));
    sl_checkpoint_close(cp);
}

static void put_batch(struct sl_checkpoint *cp, int64_t n, bool commit)
{
    struct sl_range r = {"p", "0", "1"};
    struct sl_offsets o = {.batch = n, .n = 1, .ranges = &r};
    struct sl_error err;
    assert_int_equal(sl_checkpoint_put_offsets(cp, &o, &err), 0);
    if (commit) {
        struct sl_commit_info c = {.batch = n};
        assert_int_equal(sl_checkpoint_put_commit(cp, &c, &err), 0);
    }
}

static void test_latest(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    int64_t lo = 5, lc = 5;
    assert_int_equal(sl_checkpoint_latest(cp, &lo, &lc, NULL), 0);
    assert_int_equal(lo, -1);
    assert_int_equal(lc, -1);
    put_batch(cp, 0, true);
    assert_int_equal(sl_checkpoint_latest(cp, &lo, &lc, NULL), 0);
    assert_int_equal(lo, 0);
    assert_int_equal(lc, 0);
    /* 10 sorts after 9 and 2: numeric, not text order. */
    put_batch(cp, 2, true);
    put_batch(cp, 9, true);
    put_batch(cp, 10, true);
    put_batch(cp, 11, false);
    char junk[256];
    snprintf(junk, sizeof junk, "%s/offsets/012", fx->loc);
    write_file(junk, "{}");
    snprintf(junk, sizeof junk, "%s/offsets/99x", fx->loc);
    write_file(junk, "{}");
    snprintf(junk, sizeof junk, "%s/commits/.12.tmp.1.0", fx->loc);
    write_file(junk, "{}");
    assert_int_equal(sl_checkpoint_latest(cp, &lo, &lc, NULL), 0);
    assert_int_equal(lo, 11);
    assert_int_equal(lc, 10);
    sl_checkpoint_close(cp);
}

static void test_prune(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    struct sl_error err;
    for (int64_t n = 0; n < 12; n++) {
        put_batch(cp, n, true);
        assert_int_equal(sl_checkpoint_put_state(cp, n, "window", "w", 1, &err),
                         0);
        assert_int_equal(sl_checkpoint_put_state(cp, n, "dedup", "d", 1, &err),
                         0);
    }
    assert_int_equal(sl_checkpoint_prune(cp, 3, &err), 0);
    assert_string_equal(entries(fx->loc, "offsets/"), "9,10,11");
    assert_string_equal(entries(fx->loc, "commits/"), "9,10,11");
    assert_string_equal(entries(fx->loc, "state/"), "9,10,11");
    assert_string_equal(entries(fx->loc, "state/9/"), "dedup,window");
    assert_false(exists(fx->loc, "state/8"));
    assert_true(exists(fx->loc, "metadata"));
    /* Pruning again changes nothing. */
    assert_int_equal(sl_checkpoint_prune(cp, 3, &err), 0);
    assert_string_equal(entries(fx->loc, "offsets/"), "9,10,11");

    /* The last commit is kept even when older than the newest `keep`. */
    for (int64_t n = 12; n < 16; n++)
        put_batch(cp, n, false);
    assert_int_equal(sl_checkpoint_prune(cp, 2, &err), 0);
    assert_string_equal(entries(fx->loc, "offsets/"), "11,12,13,14,15");
    assert_string_equal(entries(fx->loc, "commits/"), "11");
    assert_string_equal(entries(fx->loc, "state/"), "11");
    assert_int_equal(sl_checkpoint_prune(cp, 0, &err), SL_EINVAL);
    sl_checkpoint_close(cp);
}

static void test_state(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    struct sl_error err;
    const char blob[] = {'a', 0, 'b', (char)0xff, 0};
    assert_int_equal(
        sl_checkpoint_put_state(cp, 4, "window", blob, sizeof blob, &err), 0);
    struct sl_buf b;
    sl_buf_init(&b, 1 << 20);
    sl_buf_append(&b, "old", 3);
    assert_int_equal(sl_checkpoint_get_state(cp, 4, "window", &b, &err), 0);
    assert_int_equal(b.len, sizeof blob);
    assert_memory_equal(b.data, blob, sizeof blob);
    /* Overwrite replaces the whole blob. */
    assert_int_equal(sl_checkpoint_put_state(cp, 4, "window", "z", 1, &err), 0);
    assert_int_equal(sl_checkpoint_get_state(cp, 4, "window", &b, &err), 0);
    assert_int_equal(b.len, 1);
    assert_memory_equal(b.data, "z", 1);
    assert_true(exists(fx->loc, "state/4/window"));
    assert_int_equal(sl_checkpoint_get_state(cp, 5, "window", &b, &err),
                     SL_ENOTFOUND);
    assert_int_equal(sl_checkpoint_put_state(cp, 4, "a/b", "z", 1, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "state name 'a/b' must be 1-200 characters, "
                                 "without '/' and not starting with '.'");
    assert_int_equal(sl_checkpoint_put_state(cp, 4, ".x", "z", 1, &err),
                     SL_EINVAL);
    assert_int_equal(sl_checkpoint_put_state(cp, 4, "", "z", 1, &err),
                     SL_EINVAL);
    /* A blob over the reader's cap. */
    struct sl_buf small;
    sl_buf_init(&small, 2);
    assert_int_equal(sl_checkpoint_put_state(cp, 4, "big", "12345", 5, &err),
                     0);
    assert_int_equal(sl_checkpoint_get_state(cp, 4, "big", &small, &err),
                     SL_ELIMIT);
    sl_buf_free(&small);
    sl_buf_free(&b);
    sl_checkpoint_close(cp);
}

static void test_no_temp_files(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp = open_orders(fx);
    for (int64_t n = 0; n < 5; n++) {
        put_batch(cp, n, true);
        put_batch(cp, n, true); /* overwrite */
        assert_int_equal(sl_checkpoint_put_state(cp, n, "s", "x", 1, NULL), 0);
    }
    sl_checkpoint_close(cp);
    count_dot_files = 0;
    assert_int_equal(nftw(fx->loc, find_dot, 16, FTW_PHYS), 0);
    assert_int_equal(count_dot_files, 0);
    assert_string_equal(entries(fx->loc, ""), "state,commits,offsets,metadata");
    /* A temp file left by a crash is never listed as a key. */
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s/offsets/.5.tmp.123.0", fx->loc);
    write_file(tmp, "{\"batch\":5");
    assert_string_equal(entries(fx->loc, "offsets/"), "0,1,2,3,4");
}

static void test_open_existing(void **state)
{
    struct fixture *fx = *state;
    struct sl_checkpoint *cp;
    struct sl_error err;
    char want[512];
    assert_int_equal(sl_checkpoint_open_existing(fx->loc, &cp, &err),
                     SL_ENOTFOUND);
    snprintf(want, sizeof want, "no checkpoint at %s (it has no metadata file)",
             fx->loc);
    assert_string_equal(err.msg, want);
    assert_false(exists(fx->dir, "cp")); /* reading created nothing */

    sl_checkpoint_close(open_orders(fx));
    assert_int_equal(sl_checkpoint_open_existing(fx->loc, &cp, &err), 0);
    assert_string_equal(sl_checkpoint_job(cp), "orders");
    struct sl_offsets o = {.batch = 1};
    assert_int_equal(sl_checkpoint_put_offsets(cp, &o, &err), SL_EINVAL);
    snprintf(want, sizeof want, "checkpoint %s was opened read-only", fx->loc);
    assert_string_equal(err.msg, want);
    assert_int_equal(sl_checkpoint_prune(cp, 5, &err), SL_EINVAL);
    sl_checkpoint_close(cp);
}

static void test_destroy(void **state)
{
    struct fixture *fx = *state;
    struct sl_error err;
    char want[512], path[256];

    /* Nothing there. */
    assert_int_equal(sl_checkpoint_destroy_location(fx->loc, &err),
                     SL_ENOTFOUND);
    snprintf(want, sizeof want, "no checkpoint at %s (nothing to delete)",
             fx->loc);
    assert_string_equal(err.msg, want);

    /* A folder that is not a checkpoint is left alone. */
    snprintf(path, sizeof path, "%s/data.txt", fx->dir);
    write_file(path, "precious");
    assert_int_equal(sl_checkpoint_destroy_location(fx->dir, &err), SL_EINVAL);
    snprintf(want, sizeof want,
             "refusing to delete %s: it does not look like a sluice "
             "checkpoint (no metadata file)",
             fx->dir);
    assert_string_equal(err.msg, want);
    assert_string_equal(slurp(path), "precious");

    /* Nor one whose `metadata` file is something else. */
    snprintf(path, sizeof path, "%s/metadata", fx->dir);
    write_file(path, "not: [json");
    assert_int_equal(sl_checkpoint_destroy_location(fx->dir, &err), SL_EINVAL);
    assert_true(strncmp(err.msg, "refusing to delete ", 19) == 0);
    assert_true(exists(fx->dir, "data.txt"));
    write_file(path, "{\"name\": \"something else\"}");
    assert_int_equal(sl_checkpoint_destroy_location(fx->dir, &err), SL_EINVAL);
    snprintf(want, sizeof want,
             "refusing to delete %s: it does not look like a sluice "
             "checkpoint (%s/metadata:1:1: 'job' is missing)",
             fx->dir, fx->dir);
    assert_string_equal(err.msg, want);
    assert_true(exists(fx->dir, "metadata"));
    unlink(path);

    /* A real checkpoint goes entirely. */
    struct sl_checkpoint *cp = open_orders(fx);
    put_batch(cp, 0, true);
    assert_int_equal(sl_checkpoint_put_state(cp, 0, "w", "x", 1, NULL), 0);
    sl_checkpoint_close(cp);
    assert_int_equal(sl_checkpoint_destroy_location(fx->loc, &err), 0);
    assert_false(exists(fx->dir, "cp"));
    assert_true(exists(fx->dir, "data.txt"));

    /* Starting over makes a new id. */
    cp = open_orders(fx);
    int64_t lo, lc;
    assert_int_equal(sl_checkpoint_latest(cp, &lo, &lc, NULL), 0);
    assert_int_equal(lo, -1);
    sl_checkpoint_close(cp);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_create_and_reopen),
        T(test_conflict),
        T(test_refuses_busy_folder),
        T(test_locations),
        T(test_offsets_round_trip),
        T(test_offsets_tolerant_and_corrupt),
        T(test_commit_round_trip),
        T(test_latest),
        T(test_prune),
        T(test_state),
        T(test_no_temp_files),
        T(test_open_existing),
        T(test_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
