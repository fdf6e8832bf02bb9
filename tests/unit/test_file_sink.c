/*
 * test_file_sink.c - the local lake sink (sinks/file.c, lake.c,
 * lake_fs.c): names, Hive folders (ingest_* and columns, escaping, nulls),
 * nothing visible before commit, receipts, replay rewrites identical
 * bytes, part rolling at max_file_size independent of chunking, a schema
 * change starts a new part, abort and open remove temps (only those whose
 * writer is gone), two processes writing the same batch at once, option
 * errors.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sinks/lake.h"
#include "sink_testutil.h"

extern const struct sl_sink_ops sl_sink_file;

/* 2026-11-25T07:05:00Z */
#define WINDOW_MS 1795590300000LL
/* sl__lake_hash of the partition ids used below, computed independently
 * (Python: FNV-1a 64, then the fmix64 steps), and of "" (the folder of
 * unpartitioned temps). Pinned, because output
 * names must never change between versions (a replay must match). */
#define H_T0 "c4a2bc9bb5480692"
#define H_T1 "21fa5a5df036d817"
#define H_EMPTY "efd01f60ba992926"

/* This process's writer tag in temp names: "<pid>-<hash of host name>"
 * (sinks/file.c); with host_xor, a tag of another host. */
static const char *tag_of(long pid, unsigned host_xor)
{
    static char t[4][40];
    static int k;
    char hn[256] = "";
    gethostname(hn, sizeof hn - 1);
    unsigned h = (unsigned)(sl__lake_hash(hn, strlen(hn)) & 0xffffffffu);
    k = (k + 1) % 4;
    snprintf(t[k], sizeof t[k], "%ld-%08x", pid, h ^ host_xor);
    return t[k];
}

static const char *my_tag(void)
{
    return tag_of((long)getpid(), 0);
}

/* A pid that ran and is gone. */
static long dead_pid(void)
{
    pid_t c = fork();
    assert_true(c >= 0);
    if (c == 0)
        _exit(0);
    assert_int_equal(waitpid(c, NULL, 0), c);
    return (long)c;
}

struct fx {
    char dir[64];
    struct sl_conf *conf;
    void *sink;
};

static int rm_cb(const char *p, const struct stat *sb, int type,
                 struct FTW *ftw)
{
    return remove(p);
}

static void fx_open(struct fx *f, const char *yaml_tail, const char *cpid)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "type: file\npath: %s/out\n%s", f->dir,
             yaml_tail);
    f->conf = tu_conf(yaml);
    struct sl_sink_ctx ctx = {.job_name = "t",
                              .conf = f->conf,
                              .checkpoint_id = cpid,
                              .default_format = "json"};
    struct sl_error err;
    if (sl_sink_file.open(&ctx, &f->sink, &err))
        fail_msg("open: %s", err.msg);
}

static void fx_close(struct fx *f)
{
    sl_sink_file.close(f->sink);
    f->sink = NULL;
    sl_conf_free(f->conf);
    f->conf = NULL;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sl_file_sink_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->sink)
        fx_close(f);
    nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void walk(const char *dir, const char *rel, char **v, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[1024], r[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        struct stat sb;
        assert_int_equal(lstat(p, &sb), 0);
        if (S_ISDIR(sb.st_mode)) {
            walk(p, r, v, n);
        } else {
            assert_true(*n < 256);
            v[(*n)++] = strdup(r);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of the files under dir/out (relative), '\n' after each. */
static char *list_files(struct fx *f)
{
    char root[128];
    snprintf(root, sizeof root, "%s/out", f->dir);
    char *v[256];
    size_t n = 0;
    walk(root, "", v, &n);
    qsort(v, n, sizeof *v, cmp_str);
    struct sl_buf names;
    sl_buf_init(&names, 0);
    for (size_t i = 0; i < n; i++) {
        sl_buf_puts(&names, v[i]);
        sl_buf_putc(&names, '\n');
        free(v[i]);
    }
    sl_buf_cstr(&names);
    return (char *)names.data;
}

static char *read_out(struct fx *f, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/out/%s", f->dir, rel);
    char *s = tu_read(p);
    if (!s)
        fail_msg("missing %s", p);
    return s;
}

static struct sl_batch *ab_batch(int from, int n)
{
    struct sl_batch *b = tu_batch("struct<a:int,b:string>");
    for (int i = from; i < from + n; i++) {
        char t[16];
        snprintf(t, sizeof t, "v%d", i);
        assert_int_equal(sl_col_append_i32(&b->root.child[0], i), 0);
        tu_str(&b->root.child[1], t);
        assert_int_equal(sl_batch_row_end(b), 0);
    }
    return b;
}

static void write_ab(struct fx *f, const struct sl_batch_info *bi,
                     const char *part, int from, int n)
{
    struct sl_batch *b = ab_batch(from, n);
    struct sl_error err;
    if (sl_sink_file.write(f->sink, bi, part, b, &err))
        fail_msg("write: %s", err.msg);
    sl_batch_destroy(b);
}

static char *commit(struct fx *f, const struct sl_batch_info *bi)
{
    struct sl_buf r;
    sl_buf_init(&r, 0);
    struct sl_error err;
    if (sl_sink_file.commit(f->sink, bi, &r, &err))
        fail_msg("commit: %s", err.msg);
    sl_buf_cstr(&r);
    return (char *)r.data;
}

static void test_hash_pinned(void **state)
{
    char t[20];
    snprintf(t, sizeof t, "%016llx",
             (unsigned long long)sl__lake_hash("topic/0", 7));
    assert_string_equal(t, H_T0);
    snprintf(t, sizeof t, "%016llx",
             (unsigned long long)sl__lake_hash("topic/1", 7));
    assert_string_equal(t, H_T1);
    snprintf(t, sizeof t, "%016llx", (unsigned long long)sl__lake_hash("", 0));
    assert_string_equal(t, H_EMPTY);
    snprintf(t, sizeof t, "%016llx", (unsigned long long)sl__lake_hash("p", 1));
    assert_string_equal(t, "3faa4bbdbfe5e52a");
}

static void test_names_and_commit(void **state)
{
    struct fx *f = *state;
    fx_open(f, "", "cp1");
    struct sl_batch_info bi = {.batch_id = 3, .window_start_ms = WINDOW_MS};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "topic/0", 0, 2);
    write_ab(f, &bi, "topic/1", 100, 1);
    write_ab(f, &bi, "topic/0", 2, 1);
    /* Nothing visible: only temps under _sluice_tmp. */
    char *l = list_files(f), want[512];
    snprintf(want, sizeof want,
             "_sluice_tmp/part-00000003-" H_T1 "-00000-cp1.json." H_EMPTY
             ".%s.tmp\n"
             "_sluice_tmp/part-00000003-" H_T0 "-00000-cp1.json." H_EMPTY
             ".%s.tmp\n",
             my_tag(), my_tag());
    assert_string_equal(l, want);
    free(l);
    char *r = commit(f, &bi);
    assert_string_equal(r, "{\"files\":2,\"bytes\":72,\"rows\":4,\"names\":["
                           "\"part-00000003-" H_T1 "-00000-cp1.json\","
                           "\"part-00000003-" H_T0 "-00000-cp1.json\"]}");
    free(r);
    l = list_files(f);
    assert_string_equal(l, "part-00000003-" H_T1 "-00000-cp1.json\n"
                           "part-00000003-" H_T0 "-00000-cp1.json\n");
    free(l);
    char *s = read_out(f, "part-00000003-" H_T0 "-00000-cp1.json");
    assert_string_equal(s, "{\"a\":0,\"b\":\"v0\"}\n{\"a\":1,\"b\":\"v1\"}\n"
                           "{\"a\":2,\"b\":\"v2\"}\n");
    free(s);
    /* An empty batch commits nothing. */
    bi.batch_id = 4;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    r = commit(f, &bi);
    assert_string_equal(r, "{\"files\":0,\"bytes\":0,\"rows\":0}");
    free(r);
}

static void test_ingest_folders_csv(void **state)
{
    struct fx *f = *state;
    fx_open(f,
            "format: csv\npartition_by: [ingest_year, ingest_month, "
            "ingest_day, ingest_hour]\n",
            "cp1");
    struct sl_batch_info bi = {.batch_id = 0, .window_start_ms = WINDOW_MS};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "topic/0", 0, 2);
    char *r = commit(f, &bi);
    free(r);
    char *l = list_files(f);
    assert_string_equal(l, "ingest_year=2026/ingest_month=11/ingest_day=25/"
                           "ingest_hour=07/part-00000000-" H_T0
                           "-00000-cp1.csv\n");
    free(l);
    char *s =
        read_out(f, "ingest_year=2026/ingest_month=11/ingest_day=25/"
                    "ingest_hour=07/part-00000000-" H_T0 "-00000-cp1.csv");
    assert_string_equal(s, "a,b\n0,v0\n1,v1\n");
    free(s);
    /* Midnight of a leap day, zero-padded. */
    bi.batch_id = 1;
    bi.window_start_ms = 1709164800000LL; /* 2024-02-29T00:00:00Z */
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "topic/0", 0, 1);
    free(commit(f, &bi));
    s = read_out(f, "ingest_year=2024/ingest_month=02/ingest_day=29/"
                    "ingest_hour=00/part-00000001-" H_T0 "-00000-cp1.csv");
    assert_string_equal(s, "a,b\n0,v0\n");
    free(s);
}

static void test_column_folders(void **state)
{
    struct fx *f = *state;
    fx_open(f, "partition_by: [country, ingest_day, n]\n", "cp1");
    struct sl_batch_info bi = {.batch_id = 2, .window_start_ms = WINDOW_MS};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    struct sl_batch *b = tu_batch("struct<id:int,country:string,n:int>");
    static const char *const countries[] = {"fr", "a/b=c%", NULL,
                                            "",   "fr",     "\xc3\xa9:x"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sl_col_append_i32(&b->root.child[0], i), 0);
        if (countries[i])
            tu_str(&b->root.child[1], countries[i]);
        if (i != 3)
            assert_int_equal(sl_col_append_i32(&b->root.child[2], i % 2 - 1),
                             0);
        assert_int_equal(sl_batch_row_end(b), 0);
    }
    assert_int_equal(sl_sink_file.write(f->sink, &bi, "topic/0", b, &err), 0);
    sl_batch_destroy(b);
    /* A chunk without the column: its rows go to the default folder. */
    write_ab(f, &bi, "topic/0", 50, 1);
    free(commit(f, &bi));
    char *l = list_files(f);
    const char *name = "/part-00000002-" H_T0 "-00000-cp1.json";
    char want[2048];
    snprintf(want, sizeof want,
             "country=__HIVE_DEFAULT_PARTITION__/ingest_day=25/n=-1%s\n"
             "country=__HIVE_DEFAULT_PARTITION__/ingest_day=25/"
             "n=__HIVE_DEFAULT_PARTITION__%s\n"
             "country=a%%2Fb%%3Dc%%25/ingest_day=25/n=0%s\n"
             "country=fr/ingest_day=25/n=-1%s\n"
             "country=\xc3\xa9%%3Ax/ingest_day=25/n=0%s\n",
             name, name, name, name, name);
    assert_string_equal(l, want);
    free(l);
    char rel[512];
    snprintf(rel, sizeof rel, "country=fr/ingest_day=25/n=-1%s", name);
    char *s = read_out(f, rel);
    assert_string_equal(s, "{\"id\":0}\n{\"id\":4}\n");
    free(s);
    snprintf(rel, sizeof rel,
             "country=__HIVE_DEFAULT_PARTITION__/ingest_day=25/"
             "n=__HIVE_DEFAULT_PARTITION__%s",
             name);
    s = read_out(f, rel);
    /* Row 3 (empty string, n null), then the chunk without country and n:
     * another schema, but JSON lines need no new part for it. */
    assert_string_equal(s, "{\"id\":3}\n{\"a\":50,\"b\":\"v50\"}\n");
    free(s);
    /* Partitioning by a nested column is refused at write. */
    fx_close(f);
    fx_open(f, "partition_by: [m]\n", "cp1");
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    b = tu_batch("struct<m:array<int>>");
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_sink_file.write(f->sink, &bi, "p", b, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "only scalar columns"));
    sl_batch_destroy(b);
}

static void test_many_folders(void **state)
{
    struct fx *f = *state;
    fx_open(f, "partition_by: [k]\n", "cp1");
    struct sl_batch_info bi = {.batch_id = 5, .window_start_ms = WINDOW_MS};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    int at = 0;
    for (int chunk = 0; chunk < 3; chunk++) {
        struct sl_batch *b = tu_batch("struct<k:int,v:int>");
        for (int i = 0; i < 200; i++, at++) {
            assert_int_equal(sl_col_append_i32(&b->root.child[0], at % 100), 0);
            assert_int_equal(sl_col_append_i32(&b->root.child[1], at), 0);
            assert_int_equal(sl_batch_row_end(b), 0);
        }
        assert_int_equal(sl_sink_file.write(f->sink, &bi, "p", b, &err), 0);
        sl_batch_destroy(b);
    }
    char *r = commit(f, &bi);
    assert_non_null(strstr(r, "{\"files\":100,\"bytes\":"));
    assert_non_null(strstr(r, ",\"rows\":600,\"names\":[\"k=0/part-00000005-"
                              "3faa4bbdbfe5e52a-00000-cp1.json\","));
    assert_non_null(strstr(r, "],\"more_names\":84}"));
    free(r);
    for (int k = 0; k < 100; k++) {
        char rel[128], want[256];
        snprintf(rel, sizeof rel,
                 "k=%d/part-00000005-3faa4bbdbfe5e52a-00000-cp1.json", k);
        snprintf(want, sizeof want,
                 "{\"v\":%d}\n{\"v\":%d}\n{\"v\":%d}\n{\"v\":%d}\n"
                 "{\"v\":%d}\n{\"v\":%d}\n",
                 k, k + 100, k + 200, k + 300, k + 400, k + 500);
        char *got = read_out(f, rel);
        assert_string_equal(got, want);
        free(got);
    }
}

static void test_abort_and_leftovers(void **state)
{
    struct fx *f = *state;
    fx_open(f, "", "cp1");
    struct sl_batch_info bi = {.batch_id = 9, .window_start_ms = WINDOW_MS};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "topic/0", 0, 3);
    char *l = list_files(f);
    assert_non_null(strstr(l, ".tmp\n"));
    free(l);
    sl_sink_file.abort(f->sink, &bi);
    l = list_files(f);
    assert_string_equal(l, "");
    free(l);
    fx_close(f);
    /* Leftovers: ours go when their writer is gone (untagged, a pid that
     * ended on this host); ours of a running writer (pid 1) or of another
     * host, another checkpoint's fresh temp and files that are not temps
     * stay. */
    long gone = dead_pid();
    char names[7][160];
    snprintf(names[0], 160,
             "part-00000009-" H_T0 "-00000-cp1.json." H_EMPTY ".tmp");
    snprintf(names[1], 160,
             "part-00000009-" H_T0 "-00000-cp2.json." H_EMPTY ".tmp");
    snprintf(names[2], 160,
             "part-00000009-" H_T0 "-00000-cp1-x.json." H_EMPTY ".tmp");
    snprintf(names[3], 160, "notes.txt");
    snprintf(names[4], 160,
             "part-00000009-" H_T1 "-00000-cp1.json." H_EMPTY ".%s.tmp",
             tag_of(gone, 0));
    snprintf(names[5], 160,
             "part-00000009-" H_T1 "-00001-cp1.json." H_EMPTY ".%s.tmp",
             tag_of(1, 0));
    snprintf(names[6], 160,
             "part-00000009-" H_T1 "-00002-cp1.json." H_EMPTY ".%s.tmp",
             tag_of(gone, 0x5a5a));
    for (int i = 0; i < 7; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/out/_sluice_tmp/%s", f->dir, names[i]);
        FILE *fp = fopen(p, "w");
        assert_non_null(fp);
        fputs("junk", fp);
        fclose(fp);
    }
    fx_open(f, "", "cp1");
    l = list_files(f);
    char want[1024];
    snprintf(
        want, sizeof want,
        "_sluice_tmp/notes.txt\n"
        "_sluice_tmp/%s\n"
        "_sluice_tmp/%s\n"
        "_sluice_tmp/part-00000009-" H_T0 "-00000-cp1-x.json." H_EMPTY ".tmp\n"
        "_sluice_tmp/part-00000009-" H_T0 "-00000-cp2.json." H_EMPTY ".tmp\n",
        names[5], names[6]);
    assert_string_equal(l, want);
    free(l);
    for (int i = 5; i < 7; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/out/_sluice_tmp/%s", f->dir, names[i]);
        assert_int_equal(unlink(p), 0);
    }
    /* close without commit drops the batch's temps too */
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "topic/1", 0, 1);
    fx_close(f);
    l = list_files(f);
    assert_string_equal(l, "_sluice_tmp/notes.txt\n"
                           "_sluice_tmp/part-00000009-" H_T0
                           "-00000-cp1-x.json." H_EMPTY ".tmp\n"
                           "_sluice_tmp/part-00000009-" H_T0
                           "-00000-cp2.json." H_EMPTY ".tmp\n");
    free(l);
}

/* Two processes write batch 4 of one checkpoint at once (a worker's
 * restart replaying it while another worker replays it on its behalf):
 * the second one's open must not remove the first one's temps, both
 * commit, and the files hold the batch once. A temp removed under a
 * writer fails its next append instead of being recreated. */
static void test_concurrent_writers(void **state)
{
    struct fx *f = *state;
    fx_open(f, "", "cpw");
    struct sl_batch_info bi = {
        .batch_id = 4, .window_start_ms = WINDOW_MS, .replay = true};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "topic/0", 0, 2);
    write_ab(f, &bi, "topic/1", 100, 1);
    pid_t c = fork();
    assert_true(c >= 0);
    if (c == 0) {
        /* the other writer: a process of its own, same checkpoint id */
        struct fx g = *f;
        fx_open(&g, "", "cpw");
        int bad = sl_sink_file.begin(g.sink, &bi, &err) != 0;
        struct sl_batch *b0 = ab_batch(0, 3), *b1 = ab_batch(100, 1);
        bad |= sl_sink_file.write(g.sink, &bi, "topic/0", b0, &err) != 0;
        bad |= sl_sink_file.write(g.sink, &bi, "topic/1", b1, &err) != 0;
        struct sl_buf r;
        sl_buf_init(&r, 0);
        bad |= sl_sink_file.commit(g.sink, &bi, &r, &err) != 0;
        _exit(bad);
    }
    int st;
    assert_int_equal(waitpid(c, &st, 0), c);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* the other writer published; ours goes on and publishes the same */
    write_ab(f, &bi, "topic/0", 2, 1);
    char *r = commit(f, &bi);
    free(r);
    char *l = list_files(f);
    assert_string_equal(l, "part-00000004-" H_T1 "-00000-cpw.json\n"
                           "part-00000004-" H_T0 "-00000-cpw.json\n");
    free(l);
    char *got = read_out(f, "part-00000004-" H_T0 "-00000-cpw.json");
    assert_string_equal(got, "{\"a\":0,\"b\":\"v0\"}\n{\"a\":1,\"b\":\"v1\"}\n"
                             "{\"a\":2,\"b\":\"v2\"}\n");
    free(got);
    /* a temp removed while written: the append fails, nothing appears */
    bi.batch_id = 5;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "topic/0", 0, 1);
    char tmp[512];
    snprintf(tmp, sizeof tmp,
             "%s/out/_sluice_tmp/part-00000005-" H_T0 "-00000-cpw.json." H_EMPTY
             ".%s.tmp",
             f->dir, my_tag());
    assert_int_equal(unlink(tmp), 0);
    struct sl_batch *b = ab_batch(1, 1);
    struct sl_buf rr;
    sl_buf_init(&rr, 0);
    int rc = sl_sink_file.write(f->sink, &bi, "topic/0", b, &err);
    if (rc == 0)
        rc = sl_sink_file.commit(f->sink, &bi, &rr, &err);
    assert_int_equal(rc, SL_EIO);
    assert_non_null(strstr(err.msg, "was removed while it was being written"));
    sl_buf_free(&rr);
    sl_batch_destroy(b);
    sl_sink_file.abort(f->sink, &bi);
    l = list_files(f);
    assert_string_equal(l, "part-00000004-" H_T1 "-00000-cpw.json\n"
                           "part-00000004-" H_T0 "-00000-cpw.json\n");
    free(l);
}

/* Run batch 7 with the given chunk sizes per partition, interleaved
 * round-robin; return "name\ncontents\n" of every file, and the receipt. */
static char *run_batch7(struct fx *f, const int *c0, const int *c1,
                        char **receipt)
{
    struct sl_batch_info bi = {.batch_id = 7, .window_start_ms = WINDOW_MS};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    int at0 = 0, at1 = 100;
    while (*c0 || *c1) {
        if (*c1) {
            write_ab(f, &bi, "topic/1", at1, *c1);
            at1 += *c1++;
        }
        if (*c0) {
            write_ab(f, &bi, "topic/0", at0, *c0);
            at0 += *c0++;
        }
    }
    *receipt = commit(f, &bi);
    char *l = list_files(f);
    struct sl_buf all;
    sl_buf_init(&all, 0);
    for (char *p = l; *p;) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        char *s = read_out(f, p);
        sl_buf_appendf(&all, "%s\n%s", p, s);
        free(s);
        p = nl + 1;
    }
    free(l);
    sl_buf_cstr(&all);
    return (char *)all.data;
}

static void test_roll_and_replay(void **state)
{
    struct fx *f = *state;
    fx_open(f, "max_file_size: 100\n", "cp1");
    static const int a0[] = {3, 3, 4, 0}, a1[] = {5, 0};
    char *r1;
    char *first = run_batch7(f, a0, a1, &r1);
    const char *p0 = "part-00000007-" H_T0, *p1 = "part-00000007-" H_T1;
    char want[4096];
    if (strcmp(H_T1, H_T0) < 0) {
        snprintf(want, sizeof want,
                 "%s-00000-cp1.json\n"
                 "{\"a\":100,\"b\":\"v100\"}\n{\"a\":101,\"b\":\"v101\"}\n"
                 "{\"a\":102,\"b\":\"v102\"}\n{\"a\":103,\"b\":\"v103\"}\n"
                 "{\"a\":104,\"b\":\"v104\"}\n"
                 "%s-00000-cp1.json\n"
                 "{\"a\":0,\"b\":\"v0\"}\n{\"a\":1,\"b\":\"v1\"}\n"
                 "{\"a\":2,\"b\":\"v2\"}\n{\"a\":3,\"b\":\"v3\"}\n"
                 "{\"a\":4,\"b\":\"v4\"}\n{\"a\":5,\"b\":\"v5\"}\n"
                 "%s-00001-cp1.json\n"
                 "{\"a\":6,\"b\":\"v6\"}\n{\"a\":7,\"b\":\"v7\"}\n"
                 "{\"a\":8,\"b\":\"v8\"}\n{\"a\":9,\"b\":\"v9\"}\n",
                 p1, p0, p0);
    }
    assert_string_equal(first, want);
    assert_non_null(strstr(r1, "{\"files\":3,\"bytes\":275,\"rows\":15,"));
    /* Crash after commit (before commits/N): restart and replay with other
     * chunking; one final was damaged meanwhile. */
    fx_close(f);
    char p[512];
    snprintf(p, sizeof p, "%s/out/%s-00001-cp1.json", f->dir, p0);
    assert_int_equal(truncate(p, 3), 0);
    fx_open(f, "max_file_size: 100\n", "cp1");
    static const int b0[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, b1[] = {2, 3, 0};
    char *r2;
    char *second = run_batch7(f, b0, b1, &r2);
    assert_string_equal(second, first);
    assert_string_equal(r2, r1);
    free(first);
    free(second);
    free(r1);
    free(r2);
}

static void test_roll_step(void **state)
{
    struct fx *f = *state;
    /* 192 KiB: sizes are checked every 3 rows of a file. */
    fx_open(f, "max_file_size: 192KiB\n", "cp1");
    char *big = malloc(50001);
    memset(big, 'x', 50000);
    big[50000] = '\0';
    char *files[2];
    for (int round = 0; round < 2; round++) {
        struct sl_batch_info bi = {.batch_id = round,
                                   .window_start_ms = WINDOW_MS};
        struct sl_error err;
        assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
        static const int chunks[2][3] = {{4, 4, 0}, {1, 7, 0}};
        int at = 0;
        for (const int *c = chunks[round]; *c; c++) {
            struct sl_batch *b = tu_batch("struct<a:int,b:string>");
            for (int i = 0; i < *c; i++, at++) {
                assert_int_equal(sl_col_append_i32(&b->root.child[0], at), 0);
                tu_str(&b->root.child[1], big);
                assert_int_equal(sl_batch_row_end(b), 0);
            }
            assert_int_equal(sl_sink_file.write(f->sink, &bi, "p", b, &err), 0);
            sl_batch_destroy(b);
        }
        char *r = commit(f, &bi);
        /* 6 rows reach 192 KiB at the 6th (checks after rows 3 and 6). */
        assert_non_null(strstr(r, "{\"files\":2,\"bytes\":400120,\"rows\":8"));
        free(r);
        char name[128];
        snprintf(name, sizeof name, "part-%08d-%016llx-00000-cp1.json", round,
                 (unsigned long long)sl__lake_hash("p", 1));
        files[round] = read_out(f, name);
        int lines = 0;
        for (char *q = files[round]; *q; q++)
            lines += *q == '\n';
        assert_int_equal(lines, 6);
        assert_int_equal(strlen(files[round]), 6 * 50015);
    }
    assert_string_equal(files[0], files[1]);
    free(files[0]);
    free(files[1]);
    free(big);
}

static void test_schema_change(void **state)
{
    struct fx *f = *state;
    /* JSON lines carry no schema: the same file goes on. */
    fx_open(f, "", "cp1");
    struct sl_batch_info b0 = {.batch_id = 0, .window_start_ms = WINDOW_MS};
    struct sl_error e0;
    assert_int_equal(sl_sink_file.begin(f->sink, &b0, &e0), 0);
    write_ab(f, &b0, "p", 0, 1);
    struct sl_batch *one = tu_batch("struct<a:int>");
    assert_int_equal(sl_col_append_i32(&one->root.child[0], 42), 0);
    assert_int_equal(sl_batch_row_end(one), 0);
    assert_int_equal(sl_sink_file.write(f->sink, &b0, "p", one, &e0), 0);
    sl_batch_destroy(one);
    write_ab(f, &b0, "p", 2, 1);
    char *r0 = commit(f, &b0);
    assert_non_null(strstr(r0, "{\"files\":1,\"bytes\":43,\"rows\":3,"));
    free(r0);
    r0 = read_out(f, "part-00000000-3faa4bbdbfe5e52a-00000-cp1.json");
    assert_string_equal(r0, "{\"a\":0,\"b\":\"v0\"}\n{\"a\":42}\n"
                            "{\"a\":2,\"b\":\"v2\"}\n");
    free(r0);
    fx_close(f);
    /* CSV: the header describes one schema, so each change starts a part. */
    fx_open(f, "format: csv\n", "cp1");
    struct sl_batch_info bi = {.batch_id = 1, .window_start_ms = WINDOW_MS};
    struct sl_error err;
    assert_int_equal(sl_sink_file.begin(f->sink, &bi, &err), 0);
    write_ab(f, &bi, "p", 0, 1);
    write_ab(f, &bi, "p", 1, 1);
    struct sl_batch *b = tu_batch("struct<a:int>");
    assert_int_equal(sl_col_append_i32(&b->root.child[0], 42), 0);
    assert_int_equal(sl_batch_row_end(b), 0);
    assert_int_equal(sl_sink_file.write(f->sink, &bi, "p", b, &err), 0);
    sl_batch_destroy(b);
    write_ab(f, &bi, "p", 2, 1);
    char *r = commit(f, &bi);
    assert_non_null(strstr(r, "{\"files\":3,\"bytes\":28,\"rows\":4,"));
    free(r);
    char name[128];
    unsigned long long h = (unsigned long long)sl__lake_hash("p", 1);
    static const char *const want[] = {"a,b\n0,v0\n1,v1\n", "a\n42\n",
                                       "a,b\n2,v2\n"};
    for (int part = 0; part < 3; part++) {
        snprintf(name, sizeof name, "part-00000001-%016llx-%05d-cp1.csv", h,
                 part);
        char *s = read_out(f, name);
        assert_string_equal(s, want[part]);
        free(s);
    }
}

static void test_default_format_and_errors(void **state)
{
    struct fx *f = *state;
    char yaml[256];
    struct sl_conf *c;
    struct sl_error err;
    void *sink = NULL;
    /* No format: the engine's default (the dead-letter output uses json). */
    snprintf(yaml, sizeof yaml, "path: %s/out/\n", f->dir);
    c = tu_conf(yaml);
    struct sl_sink_ctx ctx = {
        .conf = c, .checkpoint_id = "cp_1-x", .default_format = "csv"};
    assert_int_equal(sl_sink_file.open(&ctx, &sink, &err), 0);
    struct sl_batch_info bi = {.batch_id = 0};
    assert_int_equal(sl_sink_file.begin(sink, &bi, &err), 0);
    struct sl_batch *b = ab_batch(0, 1);
    assert_int_equal(sl_sink_file.write(sink, &bi, "p", b, &err), 0);
    sl_batch_destroy(b);
    struct sl_buf r;
    sl_buf_init(&r, 0);
    assert_int_equal(sl_sink_file.commit(sink, &bi, &r, &err), 0);
    sl_buf_free(&r);
    sl_sink_file.close(sink);
    sl_sink_file.close(NULL);
    sl_conf_free(c);
    char *l = list_files(f);
    assert_non_null(strstr(l, "-00000-cp_1-x.csv\n"));
    free(l);

    static const struct {
        const char *yaml, *cpid, *msg;
    } bad[] = {
        {"format: json\n", "cp1", "path"},
        {"path: %s/o\nformat: xml\n", "cp1", "unknown format 'xml'"},
        {"path: %s/o\nformat: json\nseparator: ';'\n", "cp1", "separator"},
        {"path: %s/o\nformat: csv\nseparator: ';;'\n", "cp1", "separator"},
        {"path: %s/o\n", "a/b", "checkpoint id"},
        {"path: %s/o\n", NULL, "checkpoint id"},
        {"path: %s/o\nmax_file_size: 0\n", "cp1", "max_file_size"},
        {"path: %s/o\npartition_by: [a, a]\n", "cp1", "twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(yaml, sizeof yaml, bad[i].yaml, f->dir);
        c = tu_conf(yaml);
        ctx.conf = c;
        ctx.checkpoint_id = bad[i].cpid;
        sink = NULL;
        sl_error_clear(&err);
        assert_true(sl_sink_file.open(&ctx, &sink, &err) < 0);
        assert_null(sink);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
        sl_conf_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_pinned),
        cmocka_unit_test_setup_teardown(test_names_and_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_folders_csv, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_column_folders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_folders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_and_leftovers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_roll_and_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roll_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_format_and_errors, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
