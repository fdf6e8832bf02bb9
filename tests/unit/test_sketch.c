/*
 * test_sketch.c - the KLL and HyperLogLog sketches (src/transforms/
 * sketch.c): exact while small, within their error bounds when large,
 * deterministic (same input, same bytes), and a save/load round trip.
 */
#include <math.h>

#include "../../src/transforms/sketch.h"
#include "expr_testutil.h"

static uint64_t rng = 12345;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_kll(void **state)
{
    (void)state;
    struct kll k = {0};
    /* exact while under the first level's capacity */
    for (int i = 100; i >= 1; i--)
        assert_int_equal(kll_add(&k, i), 0);
    assert_true(kll_quantile(&k, 0.5) == 50);
    assert_true(kll_quantile(&k, 0.95) == 95);
    assert_true(kll_quantile(&k, 0) == 1);
    assert_true(kll_quantile(&k, 1) == 100);
    kll_free(&k);
    /* 200k shuffled values 0..199999: rank error well under 2% */
    static double v[200000];
    for (int i = 0; i < 200000; i++)
        v[i] = i;
    for (int i = 199999; i > 0; i--) {
        int j = (int)(rnd() % (uint64_t)(i + 1));
        double t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
    struct kll a = {0}, b = {0};
    for (int i = 0; i < 200000; i++) {
        assert_int_equal(kll_add(&a, v[i]), 0);
        assert_int_equal(kll_add(&b, v[i]), 0);
    }
    double qs[] = {0.01, 0.25, 0.5, 0.9, 0.99};
    for (size_t i = 0; i < 5; i++) {
        double got = kll_quantile(&a, qs[i]), want = qs[i] * 200000;
        if (fabs(got - want) > 0.02 * 200000)
            fail_msg("q %.2f: got %.0f want %.0f", qs[i], got, want);
    }
    /* deterministic, bounded, and saved exactly */
    struct sl_buf sa, sb;
    sl_buf_init(&sa, 0);
    sl_buf_init(&sb, 0);
    assert_int_equal(kll_save(&a, &sa), 0);
    assert_int_equal(kll_save(&b, &sb), 0);
    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.data, sb.data, sa.len);
    assert_true(sa.len < 64 * 1024);
    struct kll c;
    struct st_reader r = {.p = sa.data, .n = sa.len};
    assert_int_equal(kll_load(&c, &r), 0);
    assert_int_equal(r.at, sa.len);
    assert_true(kll_quantile(&c, 0.5) == kll_quantile(&a, 0.5));
    struct st_reader bad = {.p = sa.data, .n = sa.len / 2};
    struct kll d;
    assert_int_equal(kll_load(&d, &bad), SL_ECORRUPT);
    kll_free(&d);
    kll_free(&a);
    kll_free(&b);
    kll_free(&c);
    sl_buf_free(&sa);
    sl_buf_free(&sb);
}

static void test_hll(void **state)
{
    (void)state;
    struct hll h = {0};
    /* exact up to HLL_EXACT distinct values, repeats ignored */
    for (int rep = 0; rep < 3; rep++)
        for (uint64_t i = 0; i < 500; i++)
            assert_int_equal(hll_add(&h, sketch_hash(&i, sizeof i)), 0);
    assert_int_equal(hll_count(&h), 500);
    /* 100k distinct: within 5% (standard error 1.6% at 4096 registers) */
    for (uint64_t i = 500; i < 100000; i++)
        assert_int_equal(hll_add(&h, sketch_hash(&i, sizeof i)), 0);
    uint64_t n = hll_count(&h);
    if (n < 95000 || n > 105000)
        fail_msg("estimate %llu for 100000", (unsigned long long)n);
    struct sl_buf s;
    sl_buf_init(&s, 0);
    assert_int_equal(hll_save(&h, &s), 0);
    struct hll g;
    struct st_reader r = {.p = s.data, .n = s.len};
    assert_int_equal(hll_load(&g, &r), 0);
    assert_int_equal(hll_count(&g), n);
    struct st_reader bad = {.p = s.data, .n = 100};
    struct hll x;
    assert_int_equal(hll_load(&x, &bad), SL_ECORRUPT);
    hll_free(&x);
    hll_free(&g);
    hll_free(&h);
    sl_buf_free(&s);
}

/* The level capacities are ceil(K * (2/3)^depth), at least 8. */
static void test_level_cap(void **state)
{
    (void)state;
    for (int levels = 1; levels <= KLL_MAX_LEVELS; levels++)
        for (int h = 0; h < levels; h++) {
            double c = KLL_K * pow(2.0 / 3.0, (double)(levels - 1 - h));
            uint32_t want = c < 8 ? 8 : (uint32_t)ceil(c);
            assert_int_equal(kll_level_cap(h, levels), want);
        }
    assert_int_equal(kll_level_cap(0, 1), 200);
    assert_int_equal(kll_level_cap(0, 2), 134);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_cap),
        cmocka_unit_test(test_kll),
        cmocka_unit_test(test_hll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
