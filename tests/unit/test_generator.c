/*
 * test_generator.c - sources/generator.c: records regenerate byte for byte
 * from (seed, partition, seq), ids are unique, event times come from the
 * sequence number, count ends the source, resume and replay bounds, rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "options.h"
#include "part.h"
#include "sources/sources.h"

static void *make_src(int64_t count, int64_t rate, int64_t seed,
                      int64_t partitions)
{
    struct sl_source_ctx ctx = {0};
    ctx.starting_position = "earliest";
    struct sl_generator_opts o = {count, rate, seed, partitions};
    void *st;
    struct sl_error err;
    assert_int_equal(sl__generator_source_create(&ctx, &o, &st, &err), 0);
    assert_int_equal(sl_source_generator.seek(st, NULL, NULL, false, &err), 0);
    return st;
}

static void check_regen(const struct sl_generator_opts *o, int64_t part,
                        const struct sl_raw_record *r)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    assert_int_equal(sl__generator_record(o, part, r->pos, &b), 0);
    assert_int_equal(b.len, r->len);
    assert_memory_equal(b.data, r->data, r->len);
    sl_buf_free(&b);
}

static int64_t json_id(const struct sl_raw_record *r)
{
    assert_memory_equal(r->data, "{\"id\":", 6);
    return strtoll((const char *)r->data + 6, NULL, 10);
}

/* Expected texts computed by an independent Python model of the format
 * (splitmix64 chain, civil time from 2026-01-01 + seq*10 ms + jitter). */
static void test_exact_records(void **state)
{
    struct {
        struct sl_generator_opts o;
        int64_t part, seq;
        const char *want;
    } cases[] = {
        {{0, 0, 1, 1},
         0,
         0,
         "{\"id\":0,\"event_time\":\"2026-01-01T00:00:00.008Z\","
         "\"user_id\":\"u9313\",\"session\":\"c56d2e4e\","
         "\"page\":\"/checkout\",\"action\":\"add_to_cart\","
         "\"latency_ms\":38,\"amount\":265.61,"
         "\"device\":{\"os\":\"android\",\"mobile\":true}}"},
        {{0, 0, 42, 3},
         2,
         123456,
         "{\"id\":370370,\"event_time\":\"2026-01-01T00:20:34.565Z\","
         "\"user_id\":\"u4067\",\"session\":\"c16639eb\","
         "\"page\":\"/products/97\",\"action\":\"purchase\","
         "\"latency_ms\":161,\"amount\":317.86,"
         "\"device\":{\"os\":\"linux\",\"mobile\":false}}"},
        {{0, 0, 7, 1},
         0,
         5000,
         "{\"id\":5000,\"event_time\":\"2026-01-01T00:00:50.001Z\","
         "\"user_id\":\"u882\",\"session\":\"bbc0ed64\","
         "\"page\":\"/products/366\",\"action\":\"view\","
         "\"latency_ms\":68,\"amount\":0.00,"
         "\"device\":{\"os\":\"android\",\"mobile\":true}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sl_buf b;
        sl_buf_init(&b, 0);
        assert_int_equal(
            sl__generator_record(&cases[i].o, cases[i].part, cases[i].seq, &b),
            0);
        assert_int_equal(sl_buf_cstr(&b), 0);
        assert_string_equal((char *)b.data, cases[i].want);
        sl_buf_free(&b);
    }
}

static void test_event_time_calendar(void **state)
{
    struct sl_generator_opts o = {0, 0, 7, 1};
    struct {
        int64_t seq;
        const char *prefix;
    } cases[] = {
        {8640000, "2026-01-02T00:00:00.00"}, /* one day later */
        {(31 + 28) * 8640000LL, "2026-03-01T00:00:00.00"},
        {789 * 8640000LL, "2028-02-29T00:00:00.00"}, /* leap day */
        {(789 + 306) * 8640000LL + 8639999, "2028-12-31T23:59:59.99"},
        {1096 * 8640000LL, "2029-01-01T00:00:00.00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sl_buf b;
        sl_buf_init(&b, 0);
        assert_int_equal(sl__generator_record(&o, 0, cases[i].seq, &b), 0);
        assert_int_equal(sl_buf_cstr(&b), 0);
        const char *t = strstr((char *)b.data, "\"event_time\":\"");
        assert_non_null(t);
        assert_memory_equal(t + 14, cases[i].prefix, strlen(cases[i].prefix));
        sl_buf_free(&b);
    }
}

static void test_determinism_and_ids(void **state)
{
    const int64_t P = 3, C = 2500;
    void *st = make_src(C, 0, 42, P);
    struct sl_generator_opts o = {C, 0, 42, P};
    struct sl_error err;
    char *seen = calloc((size_t)(P * C), 1);
    int64_t next[3] = {0, 0, 0};
    size_t total = 0;
    int rc;
    struct sl_raw_chunk ch;
    while ((rc = sl_source_generator.poll(st, &ch, 1000, 0, 0, &err)) == 0) {
        assert_true(ch.n > 0 && ch.n <= 1000);
        int64_t part = ch.partition[4] - '0';
        assert_string_equal(ch.label, ch.partition);
        for (size_t i = 0; i < ch.n; i++) {
            const struct sl_raw_record *r = &ch.recs[i];
            assert_int_equal(r->pos, next[part]++);
            int64_t id = json_id(r);
            assert_int_equal(id, r->pos * P + part);
            assert_false(seen[id]);
            seen[id] = 1;
            assert_true(r->len > 120 && r->len < 230);
            assert_int_equal(r->data[r->len - 1], '}');
            assert_true(r->timestamp_ms >= 1767225600000LL + r->pos * 10 &&
                        r->timestamp_ms < 1767225600000LL + r->pos * 10 + 10);
            check_regen(&o, part, r);
            total++;
        }
    }
    assert_int_equal(rc, SL_EEOF);
    assert_int_equal(total, (size_t)(P * C));
    struct sl_positions ps;
    assert_int_equal(sl_source_generator.positions(st, &ps, &err), 0);
    assert_int_equal(ps.n, 3);
    assert_string_equal(sl_positions_get(&ps, "gen-0"), "2500");
    assert_string_equal(sl_positions_get(&ps, "gen-2"), "2500");
    sl_positions_free(&ps);
    struct sl_buf id;
    sl_buf_init(&id, 0);
    assert_int_equal(sl_source_generator.identity(st, &id), 0);
    assert_int_equal(sl_buf_cstr(&id), 0);
    assert_string_equal((char *)id.data, "generator:seed=42,partitions=3");
    sl_buf_free(&id);
    free(seen);
    sl_source_generator.close(st);

    /* another seed gives other records */
    struct sl_generator_opts o2 = {C, 0, 43, P};
    struct sl_buf a, b;
    sl_buf_init(&a, 0);
    sl_buf_init(&b, 0);
    assert_int_equal(sl__generator_record(&o, 1, 5, &a), 0);
    assert_int_equal(sl__generator_record(&o2, 1, 5, &b), 0);
    assert_true(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
    sl_buf_free(&a);
    sl_buf_free(&b);
}

static void test_resume_and_replay(void **state)
{
    struct sl_generator_opts o = {0, 0, 9, 2};
    void *st = make_src(0, 0, 9, 2);
    struct sl_positions start = {0}, end = {0};
    struct sl_error err;
    assert_int_equal(sl_positions_set(&start, "gen-0", "500"), 0);
    assert_int_equal(sl_positions_set(&start, "gen-1", "10"), 0);
    assert_int_equal(sl_source_generator.seek(st, &start, NULL, true, &err), 0);
    struct sl_raw_chunk ch;
    assert_int_equal(sl_source_generator.poll(st, &ch, 3, 0, 0, &err), 0);
    assert_string_equal(ch.partition, "gen-0");
    assert_int_equal(ch.n, 3);
    assert_int_equal(ch.recs[0].pos, 500);
    check_regen(&o, 0, &ch.recs[0]);
    assert_int_equal(sl_source_generator.poll(st, &ch, 3, 0, 0, &err), 0);
    assert_string_equal(ch.partition, "gen-1");
    assert_int_equal(ch.recs[0].pos, 10);

    /* replay gen-1 [10, 15): exactly 5 records, gen-0 not read, then EOF */
    assert_int_equal(sl_positions_set(&end, "gen-1", "15"), 0);
    assert_int_equal(sl_source_generator.seek(st, &start, &end, true, &err), 0);
    int64_t want = 10;
    int rc;
    while ((rc = sl_source_generator.poll(st, &ch, 2, 0, 0, &err)) == 0) {
        assert_string_equal(ch.partition, "gen-1");
        for (size_t i = 0; i < ch.n; i++) {
            assert_int_equal(ch.recs[i].pos, want++);
            check_regen(&o, 1, &ch.recs[i]);
        }
    }
    assert_int_equal(rc, SL_EEOF);
    assert_int_equal(want, 15);
    struct sl_positions ps;
    assert_int_equal(sl_source_generator.positions(st, &ps, &err), 0);
    assert_string_equal(sl_positions_get(&ps, "gen-0"), "500");
    assert_string_equal(sl_positions_get(&ps, "gen-1"), "15");
    sl_positions_free(&ps);

    /* a bad position is refused */
    assert_int_equal(sl_positions_set(&start, "gen-0", "x1"), 0);
    assert_int_equal(sl_source_generator.seek(st, &start, NULL, true, &err),
                     SL_EINVAL);
    sl_positions_free(&start);
    sl_positions_free(&end);
    sl_source_generator.close(st);
}

static void test_rate(void **state)
{
    void *st = make_src(0, 100, 1, 1);
    int64_t t0 = sl_mono_ms();
    struct sl_raw_chunk ch;
    struct sl_error err;
    size_t total = 0;
    while (sl_mono_ms() - t0 < 200) {
        int rc = sl_source_generator.poll(st, &ch, 1000, 0, 20, &err);
        assert_true(rc == 0 || rc == SL_EAGAIN);
        if (rc == 0)
            total += ch.n;
    }
    int64_t el = sl_mono_ms() - t0;
    /* 100/s: the first at once, then one per 10 ms, never ahead */
    assert_true(total >= 1);
    assert_true((int64_t)total <= 1 + el / 10 + 1);
    sl_source_generator.close(st);
}

static void test_bad_options(void **state)
{
    struct sl_source_ctx ctx = {0};
    struct sl_generator_opts o = {0, 0, 1, 0};
    void *st;
    struct sl_error err;
    assert_int_equal(sl__generator_source_create(&ctx, &o, &st, &err),
                     SL_EINVAL);
    assert_null(st);
    assert_non_null(strstr(err.msg, "partitions"));
}

static void test_open_from_job_map(void **state)
{
    const char *yaml = "type: generator\nformat: json\ncount: 4\n"
                       "seed: 3\npartitions: 2\n";
    struct sl_conf *c;
    struct sl_error err;
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "g.yaml", &c, &err), 0);
    struct sl_source_ctx ctx = {.conf = c, .starting_position = "earliest"};
    void *st;
    assert_int_equal(sl_source_generator.open(&ctx, &st, &err), 0);
    struct sl_buf id;
    sl_buf_init(&id, 0);
    assert_int_equal(sl_source_generator.identity(st, &id), 0);
    assert_int_equal(sl_buf_cstr(&id), 0);
    assert_string_equal((char *)id.data, "generator:seed=3,partitions=2");
    sl_buf_free(&id);
    assert_int_equal(sl_source_generator.seek(st, NULL, NULL, false, &err), 0);
    struct sl_raw_chunk ch;
    size_t total = 0;
    int rc;
    while ((rc = sl_source_generator.poll(st, &ch, 100, 0, 0, &err)) == 0)
        total += ch.n;
    assert_int_equal(rc, SL_EEOF);
    assert_int_equal(total, 8);
    sl_source_generator.close(st);
    sl_conf_free(c);

    yaml = "type: generator\npartitions: lots\n";
    assert_int_equal(
        sl_conf_load_string(yaml, strlen(yaml), "g.yaml", &c, &err), 0);
    ctx.conf = c;
    assert_int_equal(sl_source_generator.open(&ctx, &st, &err), SL_EINVAL);
    assert_non_null(strstr(err.msg, "partitions"));
    sl_conf_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_records),
        cmocka_unit_test(test_event_time_calendar),
        cmocka_unit_test(test_determinism_and_ids),
        cmocka_unit_test(test_resume_and_replay),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_open_from_job_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
