/*
 * test_file_source.c - sources/file.c (and the framing in lines.c): exact
 * records and positions, tail, new files, renames, truncation, long lines,
 * replay bounds, resume, latest, fairness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "options.h"
#include "part.h"
#include "sources/sources.h"

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/sl_fsrc_XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static const char *path_of(const char *name)
{
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *name, const char *text, const char *mode)
{
    FILE *f = fopen(path_of(name), mode);
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/* Collected records: "data@pos" lines, partition of each chunk. */
struct coll {
    char text[1 << 16];
    size_t len;
    size_t chunks;
    char last_part[96];
    char first_part[96];
    char error[256]; /* reason of the last SL_REC_ERROR record */
};

static void *make_src(const char *glob, const char *startpos, size_t maxrec,
                      sl_frame_fn frame)
{
    struct sl_source_ctx ctx = {0};
    ctx.job_name = "t";
    ctx.starting_position = startpos;
    ctx.max_record_bytes = maxrec;
    ctx.frame = frame;
    struct sl_file_opts o = {0};
    o.path = (char *)path_of(glob);
    o.scan_interval_ms = 0;
    o.max_open_files = 4;
    void *st = NULL;
    struct sl_error err;
    assert_int_equal(sl__file_source_create(&ctx, &o, &st, &err), 0);
    return st;
}

/* Poll until nothing comes (or EEOF); append "data@pos[T]\n" per record.
 * Returns the last poll status. */
static int drain(void *st, struct coll *c, size_t max_records)
{
    struct sl_error err;
    for (;;) {
        struct sl_raw_chunk ch;
        int rc = sl_source_file.poll(st, &ch, max_records, 0, 0, &err);
        if (rc != 0)
            return rc;
        assert_true(ch.n > 0 && ch.n <= max_records);
        if (c->chunks == 0)
            snprintf(c->first_part, sizeof c->first_part, "%s", ch.partition);
        snprintf(c->last_part, sizeof c->last_part, "%s", ch.partition);
        c->chunks++;
        for (size_t i = 0; i < ch.n; i++) {
            const struct sl_raw_record *r = &ch.recs[i];
            int n = snprintf(c->text + c->len, sizeof c->text - c->len,
                             "%.*s@%lld%s%s\n", (int)r->len, r->data,
                             (long long)r->pos,
                             r->flags & SL_REC_TRUNCATED ? "T" : "",
                             r->flags & SL_REC_ERROR ? "E" : "");
            if (r->flags & SL_REC_ERROR)
                snprintf(c->error, sizeof c->error, "%s", r->error);
            assert_true(n > 0 && (size_t)n < sizeof c->text - c->len);
            c->len += (size_t)n;
        }
    }
}

static const char *pos_of(void *st, const char *id, char *buf, size_t n)
{
    struct sl_positions ps;
    struct sl_error err;
    assert_int_equal(sl_source_file.positions(st, &ps, &err), 0);
    const char *p = sl_positions_get(&ps, id);
    snprintf(buf, n, "%s", p ? p : "(none)");
    sl_positions_free(&ps);
    return buf;
}

static void seek0(void *st)
{
    struct sl_error err;
    assert_int_equal(sl_source_file.seek(st, NULL, NULL, false, &err), 0);
}

static void test_lines_positions_tail(void **state)
{
    write_file("a.log", "a\nbb\r\n\nccc\ndd", "w");
    void *st = make_src("*.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "a@0\nbb@2\nccc@7\n");
    char b[64];
    /* the partial "dd" is not returned and not counted */
    assert_string_equal(pos_of(st, c.first_part, b, sizeof b), "11");
    write_file("a.log", "d\n\n\r\n", "a");
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    /* "\r\n" alone is an empty line too: skipped, position moves on */
    assert_string_equal(c.text, "ddd@11\n");
    assert_string_equal(pos_of(st, c.first_part, b, sizeof b), "18");
    struct sl_buf id;
    sl_buf_init(&id, 0);
    assert_int_equal(sl_source_file.identity(st, &id), 0);
    assert_int_equal(sl_buf_cstr(&id), 0);
    char want[200];
    snprintf(want, sizeof want, "file:%s/*.log", dir);
    assert_string_equal((char *)id.data, want);
    sl_buf_free(&id);
    sl_source_file.close(st);
}

static void test_id_format(void **state)
{
    write_file("x.log", "hello\n", "w");
    void *st = make_src("x.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    drain(st, &c, 10);
    struct stat sb;
    assert_int_equal(stat(path_of("x.log"), &sb), 0);
    /* FNV-1a 64 of "hello\n" */
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = "hello\n"; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
    char want[128];
    snprintf(want, sizeof want, "%llu:%llu:6:%016llx",
             (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino,
             (unsigned long long)h);
    assert_string_equal(c.first_part, want);
    sl_source_file.close(st);
}

static void test_new_files_and_empty(void **state)
{
    write_file("a.log", "1\n", "w");
    write_file("e.log", "", "w");
    void *st = make_src("*.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "1@0\n");
    struct sl_positions ps;
    struct sl_error err;
    assert_int_equal(sl_source_file.positions(st, &ps, &err), 0);
    assert_int_equal(ps.n, 1); /* the empty file has no identity yet */
    sl_positions_free(&ps);
    write_file("b.log", "2\n3\n", "w");
    write_file("e.log", "4\n", "a");
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_true(strcmp(c.text, "4@0\n2@0\n3@2\n") == 0 ||
                strcmp(c.text, "2@0\n3@2\n4@0\n") == 0);
    assert_int_equal(sl_source_file.positions(st, &ps, &err), 0);
    assert_int_equal(ps.n, 3);
    sl_positions_free(&ps);
    sl_source_file.close(st);
}

static void test_rename_keeps_identity(void **state)
{
    write_file("a.log", "one\ntwo\n", "w");
    void *st = make_src("*.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    drain(st, &c, 100);
    char id[96];
    snprintf(id, sizeof id, "%s", c.first_part);
    assert_int_equal(rename(path_of("a.log"), path_of("a.1.log")), 0);
    write_file("a.1.log", "three\n", "a");
    write_file("a.log", "fresh\n", "w");
    c.len = 0;
    c.text[0] = 0;
    c.chunks = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_true(strstr(c.text, "three@8\n") != NULL);
    assert_true(strstr(c.text, "fresh@0\n") != NULL);
    assert_int_equal(strlen(c.text), strlen("three@8\nfresh@0\n"));
    char b[64];
    assert_string_equal(pos_of(st, id, b, sizeof b), "14");
    sl_source_file.close(st);

    /* after a restart the renamed file is matched by its checkpointed id */
    struct sl_positions ps = {0};
    assert_int_equal(sl_positions_set(&ps, id, "8"), 0);
    st = make_src("*.log", "earliest", 0, NULL);
    struct sl_error err;
    assert_int_equal(sl_source_file.seek(st, &ps, NULL, true, &err), 0);
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_true(strstr(c.text, "three@8\n") != NULL);
    assert_true(strstr(c.text, "fresh@0\n") != NULL);
    assert_int_equal(strlen(c.text), strlen("three@8\nfresh@0\n"));
    sl_positions_free(&ps);
    sl_source_file.close(st);
}

static void test_truncate_is_new_partition(void **state)
{
    write_file("a.log", "first line\nsecond line\n", "w");
    void *st = make_src("a.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    drain(st, &c, 100);
    char old[96];
    snprintf(old, sizeof old, "%s", c.first_part);
    write_file("a.log", "new\n", "w"); /* truncate and rewrite */
    c.len = 0;
    c.text[0] = 0;
    c.chunks = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "new@0\n");
    assert_string_not_equal(c.first_part, old);
    char b[64];
    assert_string_equal(pos_of(st, c.first_part, b, sizeof b), "4");
    /* the old partition keeps its last position among the gone ones */
    assert_string_equal(pos_of(st, old, b, sizeof b), "23");
    sl_source_file.close(st);

    /* a checkpointed position past the end: read from the start */
    struct sl_positions ps = {0};
    assert_int_equal(sl_positions_set(&ps, c.first_part, "400"), 0);
    st = make_src("a.log", "earliest", 0, NULL);
    struct sl_error err;
    assert_int_equal(sl_source_file.seek(st, &ps, NULL, true, &err), 0);
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "new@0\n");
    sl_positions_free(&ps);
    sl_source_file.close(st);
}

static void test_long_line_truncated(void **state)
{
    /* whole line in the buffer */
    write_file("a.log", "xxxxxxxxxxxxxxxxxxxxxxxxx\nok\n", "w");
    void *st = make_src("a.log", "earliest", 10, NULL);
    seek0(st);
    struct coll c = {0};
    drain(st, &c, 100);
    assert_string_equal(c.text, "xxxxxxxxxx@0T\nok@26\n");
    /* exactly max_record_bytes (and a CR) is not cut */
    write_file("a.log", "0123456789\r\n", "a");
    c.len = 0;
    c.text[0] = 0;
    drain(st, &c, 100);
    assert_string_equal(c.text, "0123456789@29\n");
    /* the line arrives in pieces: cut record returned when its end comes */
    write_file("a.log", "abcdefghijklmnopqrstuvwxyz", "a");
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "");
    char b[64];
    write_file("a.log", "ABCDEFGHIJ\nlast\n", "a");
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "abcdefghij@41T\nlast@78\n");
    assert_string_equal(pos_of(st, c.first_part, b, sizeof b), "83");
    sl_source_file.close(st);
}

static void test_long_line_bigger_than_buffer(void **state)
{
    /* 3 MiB line, max 100 bytes: memory stays bounded, the rest skipped */
    FILE *f = fopen(path_of("big.log"), "w");
    assert_non_null(f);
    fputs("head\n", f);
    for (int i = 0; i < 3 << 20; i++)
        fputc('a' + i % 26, f);
    fputs("\ntail\n", f);
    fclose(f);
    void *st = make_src("big.log", "earliest", 100, NULL);
    seek0(st);
    struct coll c = {0};
    drain(st, &c, 100);
    char want[300];
    int n = snprintf(want, sizeof want, "head@0\n");
    for (int i = 0; i < 100; i++)
        want[n++] = (char)('a' + i % 26);
    snprintf(want + n, sizeof want - (size_t)n, "@5T\ntail@%d\n",
             5 + (3 << 20) + 1);
    assert_string_equal(c.text, want);
    sl_source_file.close(st);
}

static void test_many_lines_exact(void **state)
{
    /* > 1 MiB so reads wrap the buffer; every record and position exact */
    FILE *f = fopen(path_of("m.log"), "w");
    assert_non_null(f);
    const int N = 200000;
    for (int i = 0; i < N; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    void *st = make_src("m.log", "earliest", 0, NULL);
    seek0(st);
    struct sl_error err;
    long long off = 0;
    int k = 0;
    for (;;) {
        struct sl_raw_chunk ch;
        int rc = sl_source_file.poll(st, &ch, 777, 0, 0, &err);
        if (rc == SL_EAGAIN)
            break;
        assert_int_equal(rc, 0);
        assert_true(ch.n <= 777);
        for (size_t i = 0; i < ch.n; i++, k++) {
            char want[32];
            int n = snprintf(want, sizeof want, "line %d", k);
            assert_int_equal(ch.recs[i].len, (size_t)n);
            assert_memory_equal(ch.recs[i].data, want, (size_t)n);
            assert_int_equal(ch.recs[i].pos, off);
            off += n + 1;
        }
    }
    assert_int_equal(k, N);
    char b[64], id[96];
    struct sl_positions ps;
    assert_int_equal(sl_source_file.positions(st, &ps, &err), 0);
    assert_int_equal(ps.n, 1);
    snprintf(id, sizeof id, "%s", ps.v[0].id);
    sl_positions_free(&ps);
    snprintf(b, sizeof b, "%lld", off);
    char got[64];
    assert_string_equal(pos_of(st, id, got, sizeof got), b);
    sl_source_file.close(st);
}

static void test_max_bytes_bound(void **state)
{
    write_file("a.log", "aaaa\nbbbb\ncccc\ndddd\n", "w");
    void *st = make_src("a.log", "earliest", 0, NULL);
    seek0(st);
    struct sl_error err;
    struct sl_raw_chunk ch;
    assert_int_equal(sl_source_file.poll(st, &ch, 100, 7, 0, &err), 0);
    assert_int_equal(ch.n, 2); /* stops once 7 bytes are reached */
    assert_int_equal(sl_source_file.poll(st, &ch, 100, 7, 0, &err), 0);
    assert_int_equal(ch.n, 2);
    assert_memory_equal(ch.recs[1].data, "dddd", 4);
    sl_source_file.close(st);
}

static void test_round_robin(void **state)
{
    write_file("a.log", "a1\na2\na3\na4\n", "w");
    write_file("b.log", "b1\nb2\nb3\nb4\n", "w");
    void *st = make_src("*.log", "earliest", 0, NULL);
    seek0(st);
    struct sl_error err;
    struct sl_raw_chunk ch;
    char seq[16] = {0};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(sl_source_file.poll(st, &ch, 2, 0, 0, &err), 0);
        assert_int_equal(ch.n, 2);
        seq[i] = (char)ch.recs[0].data[0];
        assert_int_equal(ch.recs[1].data[0], ch.recs[0].data[0]);
    }
    /* files alternate chunk by chunk */
    assert_true(strcmp(seq, "abab") == 0 || strcmp(seq, "baba") == 0);
    assert_int_equal(sl_source_file.poll(st, &ch, 2, 0, 0, &err), SL_EAGAIN);
    sl_source_file.close(st);
}

static void test_replay_bounds_and_resume(void **state)
{
    write_file("a.log", "r0\nr1\nr2\nr3\nr4\nr5\n", "w");
    write_file("b.log", "s0\ns1\n", "w");
    void *st = make_src("*.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    drain(st, &c, 100);
    struct sl_positions all;
    struct sl_error err;
    assert_int_equal(sl_source_file.positions(st, &all, &err), 0);
    assert_int_equal(all.n, 2);
    const char *aid = NULL;
    for (size_t i = 0; i < all.n; i++)
        if (strcmp(all.v[i].pos, "18") == 0)
            aid = all.v[i].id;
    assert_non_null(aid);
    sl_source_file.close(st);

    /* replay a: [6, 15) = r2 r3 r4; b is not in `end`: not read */
    struct sl_positions start = {0}, end = {0};
    assert_int_equal(sl_positions_set(&start, aid, "6"), 0);
    assert_int_equal(sl_positions_set(&end, aid, "15"), 0);
    st = make_src("*.log", "earliest", 0, NULL);
    assert_int_equal(sl_source_file.seek(st, &start, &end, true, &err), 0);
    write_file("c.log", "new\n", "w"); /* not read during a replay */
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 2), SL_EEOF);
    assert_string_equal(c.text, "r2@6\nr3@9\nr4@12\n");
    char b[64];
    assert_string_equal(pos_of(st, aid, b, sizeof b), "15");

    /* then the next batch resumes: a from 15, b (new since) from 0 */
    assert_int_equal(sl_source_file.seek(st, &end, NULL, true, &err), 0);
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_true(strstr(c.text, "r5@15\n") != NULL);
    assert_true(strstr(c.text, "s0@0\ns1@3\n") != NULL);
    assert_true(strstr(c.text, "new@0\n") != NULL);
    assert_int_equal(strlen(c.text), strlen("r5@15\ns0@0\ns1@3\nnew@0\n"));
    sl_source_file.close(st);

    /* a partition listed only in `end` is read from 0 */
    sl_positions_free(&start);
    st = make_src("*.log", "earliest", 0, NULL);
    assert_int_equal(sl_source_file.seek(st, &start, &end, true, &err), 0);
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EEOF);
    assert_string_equal(c.text, "r0@0\nr1@3\nr2@6\nr3@9\nr4@12\n");
    sl_source_file.close(st);
    sl_positions_free(&end);
    sl_positions_free(&all);
}

static void test_latest(void **state)
{
    write_file("a.log", "old1\nold2\n", "w");
    write_file("c.log", "old3\nhalf", "w"); /* a line being written */
    void *st = make_src("*.log", "latest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "");
    write_file("a.log", "new1\n", "a");
    write_file("b.log", "b-all\n", "w"); /* found later: from 0 */
    write_file("c.log", " done\n", "a"); /* read whole, not " done" */
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_true(strstr(c.text, "new1@10\n") != NULL);
    assert_true(strstr(c.text, "b-all@0\n") != NULL);
    assert_true(strstr(c.text, "half done@5\n") != NULL);
    assert_int_equal(strlen(c.text), strlen("new1@10\nb-all@0\nhalf done@5\n"));
    sl_source_file.close(st);
}

static void sh(const char *fmt, const char *arg)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, fmt, arg);
    assert_int_equal(system(cmd), 0);
}

static long long size_of(const char *name)
{
    struct stat sb;
    assert_int_equal(stat(path_of(name), &sb), 0);
    return (long long)sb.st_size;
}

/* A gzip file of two members (made by gzip(1)) next to a plain one:
 * decompressed offsets, positions with marks, replay and resume. */
static void test_compressed_positions(void **state)
{
    write_file("a.log", "p0\n", "w");
    sh("printf 'r0\\nr1\\nr2\\n' | gzip -n > %s", path_of("z.log"));
    long long m1 = size_of("z.log");
    sh("printf 'r3\\nr4\\n' | gzip -n >> %s", path_of("z.log"));
    void *st = make_src("z.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "r0@0\nr1@3\nr2@6\nr3@9\nr4@12\n");
    char b[64], want[64];
    char zid[96];
    snprintf(zid, sizeof zid, "%s", c.first_part);
    /* marks are kept 1 MiB of output apart: here only the file's start */
    snprintf(want, sizeof want, "15:gzip:0:0");
    assert_string_equal(pos_of(st, zid, b, sizeof b), want);
    sl_source_file.close(st);

    /* replay [3, 12) from the start of the file */
    struct sl_positions start = {0}, end = {0};
    struct sl_error err;
    assert_int_equal(sl_positions_set(&start, zid, "3:gzip:0:0"), 0);
    assert_int_equal(sl_positions_set(&end, zid, "12:gzip:0:0"), 0);
    st = make_src("*.log", "earliest", 0, NULL);
    assert_int_equal(sl_source_file.seek(st, &start, &end, true, &err), 0);
    memset(&c, 0, sizeof c);
    assert_int_equal(drain(st, &c, 2), SL_EEOF);
    assert_string_equal(c.text, "r1@3\nr2@6\nr3@9\n");
    sl_source_file.close(st);

    /* resume at 12 from the mark at the second member (C = m1, B = 9):
     * only r4 comes, the plain a.log from its start */
    sl_positions_free(&start);
    snprintf(want, sizeof want, "12:gzip:%lld:9", m1);
    assert_int_equal(sl_positions_set(&start, zid, want), 0);
    st = make_src("*.log", "earliest", 0, NULL);
    assert_int_equal(sl_source_file.seek(st, &start, NULL, true, &err), 0);
    memset(&c, 0, sizeof c);
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_true(strstr(c.text, "r4@12\n") != NULL);
    assert_true(strstr(c.text, "p0@0\n") != NULL);
    assert_int_equal(strlen(c.text), strlen("r4@12\np0@0\n"));
    sl_source_file.close(st);
    sl_positions_free(&start);
    sl_positions_free(&end);
}

/* A gzip member with a wrong CRC: the records before it, then one error
 * record with the partial record; a restart reads nothing more. */
static void test_compressed_error_record(void **state)
{
    sh("printf 'r0\\nr1\\nr2' | gzip -n > %s", path_of("z.log"));
    /* flip the stored CRC-32 (first byte of the 8-byte trailer) */
    int fd = open(path_of("z.log"), O_RDWR);
    assert_true(fd >= 0);
    off_t at = (off_t)size_of("z.log") - 8;
    uint8_t byte;
    assert_int_equal(pread(fd, &byte, 1, at), 1);
    byte ^= 0xff;
    assert_int_equal(pwrite(fd, &byte, 1, at), 1);
    close(fd);
    void *st = make_src("z.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "r0@0\nr1@3\nr2@6E\n");
    char want[300];
    snprintf(want, sizeof want, "%s: gzip: ", path_of("z.log"));
    assert_int_equal(strncmp(c.error, want, strlen(want)), 0);
    assert_non_null(strstr(c.error, "compressed byte"));
    char b[64], zid[96];
    snprintf(zid, sizeof zid, "%s", c.first_part);
    /* one past the 8 decompressed bytes */
    assert_string_equal(pos_of(st, zid, b, sizeof b), "9:gzip:0:0");
    memset(&c, 0, sizeof c);
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "");
    sl_source_file.close(st);

    struct sl_positions start = {0};
    struct sl_error err;
    assert_int_equal(sl_positions_set(&start, zid, "9:gzip:0:0"), 0);
    st = make_src("z.log", "earliest", 0, NULL);
    assert_int_equal(sl_source_file.seek(st, &start, NULL, true, &err), 0);
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "");
    assert_string_equal(pos_of(st, zid, b, sizeof b), "9:gzip:0:0");
    sl_source_file.close(st);
    sl_positions_free(&start);
}

/* More compressed files than max_open_files (4), read one record per
 * poll: decoders are dropped with their descriptors and started again
 * from a mark, and every record comes once, in order per file. */
static void test_compressed_many_files(void **state)
{
    for (int k = 0; k < 6; k++) {
        char name[32], cmd[256];
        snprintf(name, sizeof name, "z%d.log", k);
        snprintf(cmd, sizeof cmd,
                 "for i in 0 1 2 3 4 5 6 7; do echo f%d-$i; done | gzip -n > "
                 "%%s && echo f%d-8 | gzip -n >> %%s",
                 k, k);
        char full[512];
        snprintf(full, sizeof full, cmd, path_of(name), path_of(name));
        assert_int_equal(system(full), 0);
    }
    void *st = make_src("z*.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 1), SL_EAGAIN);
    for (int k = 0; k < 6; k++) {
        /* the records of file k, in order */
        const char *at = c.text;
        for (int i = 0; i < 9; i++) {
            char want[32];
            snprintf(want, sizeof want, "f%d-%d@%d\n", k, i, i * 5);
            const char *hit = strstr(at, want);
            if (!hit)
                fail_msg("missing %s after offset %td in:\n%s", want,
                         at - c.text, c.text);
            at = hit + strlen(want);
        }
    }
    assert_int_equal(c.chunks, 54);
    sl_source_file.close(st);
}

static void test_removed_gives_up_waiting(void **state)
{
    write_file("a.log", "done\npartial", "w");
    void *st = make_src("a.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "done@0\n");
    char id[96];
    snprintf(id, sizeof id, "%s", c.first_part);
    assert_int_equal(unlink(path_of("a.log")), 0);
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "done@0\npartial@5\n");
    char b[64];
    assert_string_equal(pos_of(st, id, b, sizeof b), "12");
    sl_source_file.close(st);
}

/* records end with ';' */
static long semi_frame(void *fs, const uint8_t *p, size_t n, bool at_eof,
                       size_t *consumed)
{
    const uint8_t *e = memchr(p, ';', n);
    if (!e)
        return -1;
    *consumed = (size_t)(e - p) + 1;
    return e - p;
}

static void test_custom_frame(void **state)
{
    write_file("a.log", "a\nb;;cc;d", "w");
    void *st = make_src("a.log", "earliest", 0, semi_frame);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_string_equal(c.text, "a\nb@0\ncc@5\n");
    sl_source_file.close(st);
}

static void test_many_files_few_fds(void **state)
{
    /* 10 files, max_open_files 4 (make_src): all read, then growth seen */
    for (int i = 0; i < 10; i++) {
        char name[16], text[16];
        snprintf(name, sizeof name, "f%d.log", i);
        snprintf(text, sizeof text, "x%d\n", i);
        write_file(name, text, "w");
    }
    void *st = make_src("*.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_int_equal(c.chunks, 10);
    assert_int_equal(strlen(c.text), 10 * strlen("x0@0\n"));
    write_file("f0.log", "y0\n", "a");
    write_file("f9.log", "y9\n", "a");
    c.len = 0;
    c.text[0] = 0;
    assert_int_equal(drain(st, &c, 100), SL_EAGAIN);
    assert_true(strstr(c.text, "y0@3\n") && strstr(c.text, "y9@3\n"));
    assert_int_equal(strlen(c.text), 10);
    sl_source_file.close(st);
}

static void test_open_from_job_map(void **state)
{
    write_file("a.log", "one\n", "w");
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "type: file\npath: %s/*.log\nformat: json\n"
             "scan_interval: 10ms\nmax_open_files: 2\nseparator: ','\n",
             dir);
    struct sl_conf *c;
    struct sl_error err;
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "t.yaml", &c, &err), 0);
    struct sl_source_ctx ctx = {.conf = c, .starting_position = "earliest"};
    void *st;
    assert_int_equal(sl_source_file.open(&ctx, &st, &err), 0);
    seek0(st);
    struct coll col = {0};
    assert_int_equal(drain(st, &col, 10), SL_EAGAIN);
    assert_string_equal(col.text, "one@0\n");
    sl_source_file.close(st);
    sl_conf_free(c);

    /* a misspelt key is refused with file:line and the key */
    snprintf(yaml, sizeof yaml, "type: file\npth: %s/*.log\n", dir);
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "t.yaml", &c, &err), 0);
    ctx.conf = c;
    assert_int_equal(sl_source_file.open(&ctx, &st, &err), SL_EINVAL);
    assert_null(st);
    assert_non_null(strstr(err.msg, "t.yaml:2"));
    assert_non_null(strstr(err.msg, "pth"));
    sl_conf_free(c);
}

static void test_reused_inode_not_matched(void **state)
{
    /* a checkpointed id with this file's dev:ino but another fingerprint
     * (the inode was reused by a new file) must not resume at its offset */
    write_file("a.log", "abc\ndef\n", "w");
    struct stat sb;
    assert_int_equal(stat(path_of("a.log"), &sb), 0);
    char old[96];
    snprintf(old, sizeof old, "%llu:%llu:8:0123456789abcdef",
             (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
    struct sl_positions ps = {0};
    assert_int_equal(sl_positions_set(&ps, old, "4"), 0);
    void *st = make_src("a.log", "earliest", 0, NULL);
    struct sl_error err;
    assert_int_equal(sl_source_file.seek(st, &ps, NULL, true, &err), 0);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 10), SL_EAGAIN);
    assert_string_equal(c.text, "abc@0\ndef@4\n");
    assert_string_not_equal(c.first_part, old);
    char b[64];
    assert_string_equal(pos_of(st, old, b, sizeof b), "(none)");
    sl_positions_free(&ps);
    sl_source_file.close(st);
}

static void test_leaves_and_returns(void **state)
{
    write_file("a.log", "x\n", "w");
    void *st = make_src("*.log", "earliest", 0, NULL);
    seek0(st);
    struct coll c = {0};
    assert_int_equal(drain(st, &c, 10), SL_EAGAIN);
    char id[96];
    snprintf(id, sizeof id, "%s", c.first_part);
    /* out of the glob: read to its end and dropped; position kept */
    assert_int_equal(rename(path_of("a.log"), path_of("a.txt")), 0);
    assert_int_equal(drain(st, &c, 10), SL_EAGAIN);
    assert_int_equal(drain(st, &c, 10), SL_EAGAIN);
    write_file("a.txt", "y\n", "a");
    assert_int_equal(drain(st, &c, 10), SL_EAGAIN);
    char b[64];
    assert_string_equal(pos_of(st, id, b, sizeof b), "2");
    /* back in the glob: same partition, continues where it was */
    assert_int_equal(rename(path_of("a.txt"), path_of("b.log")), 0);
    c.chunks = 0;
    assert_int_equal(drain(st, &c, 10), SL_EAGAIN);
    assert_string_equal(c.text, "x@0\ny@2\n");
    assert_string_equal(c.first_part, id);
    assert_string_equal(pos_of(st, id, b, sizeof b), "4");
    struct sl_positions ps;
    struct sl_error err;
    assert_int_equal(sl_source_file.positions(st, &ps, &err), 0);
    assert_int_equal(ps.n, 1);
    sl_positions_free(&ps);
    sl_source_file.close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_positions_tail, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_id_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_files_and_empty, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rename_keeps_identity, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncate_is_new_partition, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_line_truncated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_long_line_bigger_than_buffer,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_lines_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_bytes_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_robin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_bounds_and_resume, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_latest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed_positions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_compressed_error_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_compressed_many_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_removed_gives_up_waiting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_custom_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files_few_fds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_from_job_map, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reused_inode_not_matched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leaves_and_returns, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
