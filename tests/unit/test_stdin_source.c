/*
 * test_stdin_source.c - sources/stdin.c: a pipe dup'ed onto fd 0, exact
 * records and positions, waiting on a partial line, the end of input, a
 * writer in a child process, and the refused replay.
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
#include <sys/wait.h>

#include "options.h"
#include "part.h"
#include "sources/sources.h"

static int saved_stdin = -1;

/* Put a new pipe on fd 0; return its write end. */
static int pipe_on_stdin(void)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    if (saved_stdin < 0)
        saved_stdin = dup(0);
    assert_true(dup2(p[0], 0) == 0);
    close(p[0]);
    return p[1];
}

static void restore_stdin(void)
{
    dup2(saved_stdin, 0);
}

static void *make_src(size_t maxrec)
{
    struct sl_source_ctx ctx = {0};
    ctx.starting_position = "earliest";
    ctx.max_record_bytes = maxrec;
    void *st;
    struct sl_error err;
    assert_int_equal(sl__stdin_source_create(&ctx, 0, &st, &err), 0);
    return st;
}

static void put(int fd, const char *s)
{
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void expect(void *st, const char *const *want, const int64_t *pos,
                   size_t n)
{
    struct sl_raw_chunk ch;
    struct sl_error err;
    assert_int_equal(sl_source_stdin.poll(st, &ch, 100, 0, 100, &err), 0);
    assert_int_equal(ch.n, n);
    assert_string_equal(ch.partition, "stdin");
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ch.recs[i].len, strlen(want[i]));
        assert_memory_equal(ch.recs[i].data, want[i], strlen(want[i]));
        assert_int_equal(ch.recs[i].pos, pos[i]);
    }
}

static const char *position(void *st)
{
    static char b[32];
    struct sl_positions ps;
    struct sl_error err;
    assert_int_equal(sl_source_stdin.positions(st, &ps, &err), 0);
    assert_int_equal(ps.n, 1);
    snprintf(b, sizeof b, "%s", sl_positions_get(&ps, "stdin"));
    sl_positions_free(&ps);
    return b;
}

static void test_records_and_eof(void **state)
{
    int w = pipe_on_stdin();
    void *st = make_src(0);
    struct sl_error err;
    assert_false(sl_source_stdin.resumable);
    assert_int_equal(sl_source_stdin.seek(st, NULL, NULL, false, &err), 0);
    put(w, "a\nbb\r\n\nc");
    const char *w1[] = {"a", "bb"};
    const int64_t p1[] = {0, 2};
    expect(st, w1, p1, 2);
    assert_string_equal(position(st), "7");
    struct sl_raw_chunk ch;
    /* the partial "c" waits while the writer is there */
    assert_int_equal(sl_source_stdin.poll(st, &ch, 100, 0, 20, &err),
                     SL_EAGAIN);
    put(w, "c\n\n");
    close(w);
    const char *w2[] = {"cc"};
    const int64_t p2[] = {7};
    expect(st, w2, p2, 1);
    assert_int_equal(sl_source_stdin.poll(st, &ch, 100, 0, 0, &err), SL_EEOF);
    assert_int_equal(sl_source_stdin.poll(st, &ch, 100, 0, 0, &err), SL_EEOF);
    assert_string_equal(position(st), "11");
    struct sl_buf id;
    sl_buf_init(&id, 0);
    assert_int_equal(sl_source_stdin.identity(st, &id), 0);
    assert_int_equal(id.len, 5);
    assert_memory_equal(id.data, "stdin", 5);
    sl_buf_free(&id);
    sl_source_stdin.close(st);
    restore_stdin();
}

static void test_last_line_without_newline(void **state)
{
    int w = pipe_on_stdin();
    void *st = make_src(4);
    put(w, "abcdefgh\nxy\r\nlast");
    close(w);
    const char *want[] = {"abcd", "xy", "last"};
    const int64_t pos[] = {0, 9, 13};
    struct sl_raw_chunk ch;
    struct sl_error err;
    assert_int_equal(sl_source_stdin.poll(st, &ch, 100, 0, 100, &err), 0);
    assert_int_equal(ch.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ch.recs[i].len, strlen(want[i]));
        assert_memory_equal(ch.recs[i].data, want[i], strlen(want[i]));
        assert_int_equal(ch.recs[i].pos, pos[i]);
        assert_int_equal(ch.recs[i].flags, i == 0 ? SL_REC_TRUNCATED : 0);
    }
    assert_int_equal(sl_source_stdin.poll(st, &ch, 100, 0, 0, &err), SL_EEOF);
    assert_string_equal(position(st), "17");
    sl_source_stdin.close(st);
    restore_stdin();
}

static void test_child_writer(void **state)
{
    int w = pipe_on_stdin();
    const int N = 100000;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(0);
        FILE *f = fdopen(w, "w");
        for (int i = 0; i < N; i++)
            fprintf(f, "record number %d\n", i);
        fclose(f);
        _exit(0);
    }
    close(w);
    void *st = make_src(0);
    struct sl_error err;
    int k = 0;
    int64_t off = 0;
    for (;;) {
        struct sl_raw_chunk ch;
        int rc = sl_source_stdin.poll(st, &ch, 1000, 0, 1000, &err);
        if (rc == SL_EEOF)
            break;
        if (rc == SL_EAGAIN)
            continue;
        assert_int_equal(rc, 0);
        for (size_t i = 0; i < ch.n; i++, k++) {
            char want[32];
            int n = snprintf(want, sizeof want, "record number %d", k);
            assert_int_equal(ch.recs[i].len, (size_t)n);
            assert_memory_equal(ch.recs[i].data, want, (size_t)n);
            assert_int_equal(ch.recs[i].pos, off);
            off += n + 1;
        }
    }
    assert_int_equal(k, N);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sl_source_stdin.close(st);
    restore_stdin();
}

static void test_no_replay(void **state)
{
    int w = pipe_on_stdin();
    void *st = make_src(0);
    struct sl_positions ps = {0};
    struct sl_error err;
    assert_int_equal(sl_positions_set(&ps, "stdin", "10"), 0);
    assert_int_equal(sl_source_stdin.seek(st, &ps, &ps, true, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "cannot replay"));
    /* a start position is ignored: the pipe is read from where it is */
    assert_int_equal(sl_source_stdin.seek(st, &ps, NULL, true, &err), 0);
    put(w, "x\n");
    const char *want[] = {"x"};
    const int64_t pos[] = {0};
    expect(st, want, pos, 1);
    sl_positions_free(&ps);
    close(w);
    sl_source_stdin.close(st);
    restore_stdin();
}

static void test_open_from_job_map(void **state)
{
    int w = pipe_on_stdin();
    const char *yaml = "type: stdin\nformat: csv\nheader: true\n";
    struct sl_conf *c;
    struct sl_error err;
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "s.yaml", &c, &err), 0);
    struct sl_source_ctx ctx = {.conf = c, .starting_position = "earliest"};
    void *st;
    assert_int_equal(sl_source_stdin.open(&ctx, &st, &err), 0);
    put(w, "z\n");
    close(w);
    const char *want[] = {"z"};
    const int64_t pos[] = {0};
    expect(st, want, pos, 1);
    sl_source_stdin.close(st);
    sl_conf_free(c);
    restore_stdin();

    yaml = "type: stdin\npath: /x\n";
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "s.yaml", &c, &err), 0);
    ctx.conf = c;
    assert_int_equal(sl_source_stdin.open(&ctx, &st, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "path"));
    sl_conf_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_and_eof),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_child_writer),
        cmocka_unit_test(test_no_replay),
        cmocka_unit_test(test_open_from_job_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
