/*
 * test_store_local.c - the local folder blob store (src/core/store_local.c)
 * through the sl_store interface the checkpoint uses.
 */
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

static char dir[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sl_test_store_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void test_put_get_list_del(void **state)
{
    (void)state;
    char loc[128];
    snprintf(loc, sizeof loc, "%s/a/b/", dir); /* trailing slash, missing */
    struct sl_store *s;
    struct sl_error err;
    assert_int_equal(sl_store_open(loc, &s, &err), 0);
    assert_string_equal(s->ops->scheme, "file");
    assert_string_equal(s->location, loc);

    struct sl_strlist l;
    assert_int_equal(s->ops->list(s, "x/", &l, &err), 0);
    assert_int_equal(l.n, 0);
    struct sl_buf b;
    sl_buf_init(&b, 1024);
    assert_int_equal(s->ops->get(s, "k", &b, &err), SL_ENOTFOUND);

    assert_int_equal(s->ops->put(s, "x/y/z", "hello", 5, &err), 0);
    assert_int_equal(s->ops->put(s, "x/w", "", 0, &err), 0);
    assert_int_equal(s->ops->get(s, "x/y/z", &b, &err), 0);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "hello", 5);
    assert_int_equal(s->ops->get(s, "x/w", &b, &err), 0);
    assert_int_equal(b.len, 0);
    /* A folder is not a blob. */
    assert_int_equal(s->ops->get(s, "x/y", &b, &err), SL_ENOTFOUND);

    assert_int_equal(s->ops->list(s, "x", &l, &err), 0);
    assert_int_equal(l.n, 2);
    bool has_y = false, has_w = false;
    for (size_t i = 0; i < l.n; i++) {
        has_y |= strcmp(l.v[i], "y") == 0;
        has_w |= strcmp(l.v[i], "w") == 0;
    }
    assert_true(has_y && has_w);
    sl_strlist_free(&l);

    /* del: missing is fine; an emptied folder goes too; a full one not. */
    assert_int_equal(s->ops->del(s, "x/nope", &err), 0);
    assert_int_equal(s->ops->del(s, "x/y", &err), SL_EIO);
    assert_int_equal(s->ops->del(s, "x/y/z", &err), 0);
    assert_int_equal(s->ops->del(s, "x/y", &err), 0);
    assert_int_equal(s->ops->list(s, "x/", &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "w");
    sl_strlist_free(&l);

    /* Keys that could escape the folder or hit temp names are refused. */
    static const char *const bad[] = {"",     "../x", "a/../b", ".hidden",
                                      "a//b", "a/",   "/abs"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(s->ops->put(s, bad[i], "x", 1, &err), SL_EINVAL);
    char want[256];
    snprintf(want, sizeof want,
             "checkpoint %s: bad key '../x' (parts must be non-empty and not "
             "start with '.')",
             loc);
    assert_int_equal(s->ops->put(s, "../x", "x", 1, &err), SL_EINVAL);
    assert_string_equal(err.msg, want);

    /* Over the reader's cap. */
    struct sl_buf small;
    sl_buf_init(&small, 3);
    assert_int_equal(s->ops->put(s, "big", "12345", 5, &err), 0);
    assert_int_equal(s->ops->get(s, "big", &small, &err), SL_ELIMIT);
    assert_int_equal(small.len, 0);
    snprintf(want, sizeof want, "checkpoint %s: big is larger than 3 bytes",
             loc);
    assert_string_equal(err.msg, want);
    sl_buf_free(&small);
    sl_buf_init(&small, 5); /* exactly at the cap is fine */
    assert_int_equal(s->ops->get(s, "big", &small, &err), 0);
    assert_int_equal(small.len, 5);
    assert_memory_equal(small.data, "12345", 5);
    sl_buf_free(&small);
    sl_buf_free(&b);

    /* destroy removes everything, the folder too. */
    assert_int_equal(s->ops->destroy(s, &err), 0);
    char a[128];
    struct stat st;
    snprintf(a, sizeof a, "%s/a/b", dir);
    assert_int_equal(stat(a, &st), -1);
    snprintf(a, sizeof a, "%s/a", dir);
    assert_int_equal(stat(a, &st), 0);
    sl_store_close(s);
    sl_store_close(NULL);
}

static void test_put_into_file_parent(void **state)
{
    (void)state;
    struct sl_store *s;
    struct sl_error err;
    assert_int_equal(sl_store_open(dir, &s, &err), 0);
    assert_int_equal(s->ops->put(s, "f", "x", 1, &err), 0);
    assert_int_equal(s->ops->put(s, "f/g", "x", 1, &err), SL_EIO);
    char want[256];
    snprintf(want, sizeof want,
             "checkpoint %s: %s/f exists and is not a folder", dir, dir);
    assert_string_equal(err.msg, want);
    sl_store_close(s);
}

static int dot_files;
static int count_dots(const char *p, const struct stat *st, int flag,
                      struct FTW *f)
{
    (void)st;
    (void)flag;
    dot_files += p[f->base] == '.';
    return 0;
}

static void test_failed_put_leaves_no_temp(void **state)
{
    (void)state;
    struct sl_store *s;
    struct sl_error err;
    assert_int_equal(sl_store_open(dir, &s, &err), 0);
    assert_int_equal(s->ops->put(s, "d/x", "1", 1, &err), 0);
    /* The rename onto a folder fails after the temp file was written. */
    assert_int_equal(s->ops->put(s, "d", "2", 1, &err), SL_EIO);
    char want[256];
    snprintf(want, sizeof want,
             "checkpoint %s: cannot rename into %s/d: Is a directory", dir,
             dir);
    assert_string_equal(err.msg, want);
    dot_files = 0;
    assert_int_equal(nftw(dir, count_dots, 8, FTW_PHYS), 0);
    assert_int_equal(dot_files, 0);
    sl_store_close(s);
}

/* The writer lock: a second holder is refused with the first one's pid,
 * the lock file is not a key, and closing the holder frees it. */
static void test_lock(void **state)
{
    (void)state;
    struct sl_error err;
    struct sl_store *a, *b;
    assert_int_equal(sl_store_open(dir, &a, &err), 0);
    assert_int_equal(sl_store_open(dir, &b, &err), 0);
    assert_int_equal(a->ops->lock(a, &err), 0);
    assert_int_equal(a->ops->lock(a, &err), 0); /* again: already ours */
    assert_int_equal(b->ops->lock(b, &err), SL_ECONFLICT);
    char want[64];
    snprintf(want, sizeof want, "(pid %ld)", (long)getpid());
    assert_non_null(strstr(err.msg, want));
    struct sl_strlist names;
    assert_int_equal(a->ops->list(a, "", &names, &err), 0);
    assert_int_equal(names.n, 0);
    sl_strlist_free(&names);
    sl_store_close(a);
    assert_int_equal(b->ops->lock(b, &err), 0);
    sl_store_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_list_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_into_file_parent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_put_leaves_no_temp, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
