/*
 * test_kafka_scan.c - where partitions stand across worker checkpoints
 * (src/sources/kafka_scan.c): the largest end offset recorded for each
 * partition in any worker's offsets/N, committed or not, and which
 * uncommitted batch holds it; other files and a missing workers folder
 * are ignored; the location goes through the checkpoint store, so
 * file://folder reads the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sources/sources.h"

static void put(const char *root, const char *rel, const char *text)
{
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_scan(void **state)
{
    (void)state;
    char root[] = "/tmp/sl-kscan-XXXXXX";
    assert_non_null(mkdtemp(root));
    struct sl_positions ends = {0};
    /* no workers folder yet */
    assert_int_equal(sl__kafka_scan_ends(root, &ends, NULL, NULL), 0);
    assert_int_equal(ends.n, 0);
    put(root, "workers/w1/offsets/0",
        "{\"batch\":0,\"partitions\":[{\"id\":\"t/0\",\"start\":\"0\","
        "\"end\":\"100\"},{\"id\":\"t/1\",\"start\":\"0\",\"end\":\"7\"}]}");
    put(root, "workers/w1/offsets/1",
        "{\"batch\":1,\"partitions\":[{\"id\":\"t/0\",\"start\":\"100\","
        "\"end\":\"250\"}]}");
    put(root, "workers/w2/offsets/0",
        "{\"batch\":0,\"partitions\":[{\"id\":\"t/1\",\"start\":\"7\","
        "\"end\":\"90\"},{\"id\":\"t/0\",\"start\":\"0\",\"end\":\"120\"}]}");
    /* not offsets files: temp names, commits */
    put(root, "workers/w2/offsets/.tmp-1",
        "{\"partitions\":[{\"id\":\"t/0\","
        "\"end\":\"999\"}]}");
    put(root, "workers/w2/commits/0", "{\"batch\":0}");
    put(root, "workers/w1/commits/0", "{\"batch\":0}");
    /* w1's batch 1 is not committed: its end of t/0 is the largest */
    struct sl_positions whose = {0};
    assert_int_equal(sl__kafka_scan_ends(root, &ends, &whose, NULL), 0);
    assert_int_equal(ends.n, 2);
    assert_string_equal(sl_positions_get(&ends, "t/0"), "250");
    assert_string_equal(sl_positions_get(&ends, "t/1"), "90");
    assert_string_equal(sl_positions_get(&whose, "t/0"), "w1/1");
    assert_string_equal(sl_positions_get(&whose, "t/1"), "");
    sl_positions_free(&ends);
    sl_positions_free(&whose);
    /* the same through file://, with a stray file among the workers and a
     * commit of w1's batch 1 tying t/0 */
    put(root, "workers/notes.txt", "not a worker");
    put(root, "workers/w3/offsets/4",
        "{\"batch\":4,\"partitions\":[{\"id\":\"t/0\",\"start\":\"200\","
        "\"end\":\"250\"}]}");
    put(root, "workers/w3/commits/4", "{\"batch\":4}");
    char loc[64];
    snprintf(loc, sizeof loc, "file://%s", root);
    memset(&ends, 0, sizeof ends);
    memset(&whose, 0, sizeof whose);
    assert_int_equal(sl__kafka_scan_ends(loc, &ends, &whose, NULL), 0);
    assert_int_equal(ends.n, 2);
    assert_string_equal(sl_positions_get(&ends, "t/0"), "250");
    assert_string_equal(sl_positions_get(&ends, "t/1"), "90");
    /* a committed batch with the same end: nothing to take over */
    assert_string_equal(sl_positions_get(&whose, "t/0"), "");
    assert_string_equal(sl_positions_get(&whose, "t/1"), "");
    sl_positions_free(&ends);
    sl_positions_free(&whose);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
