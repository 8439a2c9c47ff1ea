#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "covermap/classify.h"
#include "test_support.h"

/* mapclassify's example data set ('calemp', load_example()): 58 values; its
 * README prints the classes each method gives for k = 5. */
static const double calemp[] = {
    329.92, 0.42,  5.9,    14.03, 2.78,  1.34,  181.27, 1.65,   10.03,   16.7,  1.32,  3.99,
    3.16,   0.22,  8.7,    6.56,  3.27,  0.33,  370.5,  4.51,   75.29,   0.99,  2.74,  8.68,
    0.14,   0.92,  12.63,  28.7,  12.02, 722.85, 36.68, 0.74,   29.82,   192.05, 3.38, 11.15,
    110.74, 4111.45, 49.47, 10.33, 317.11, 20.47, 264.93, 66.26, 5.39,   0.13,  0.61,  50.65,
    40.48,  36.67, 13.09,  1.81,  0.2,   7.6,   2.51,   57.26,  24.32,   6.97};
enum { CALEMP_N = sizeof calemp / sizeof calemp[0] };

static void classify_ok(const double *values, size_t n, cm_class_method method, size_t k,
                        cm_classes *out)
{
    cm_error err;
    cm_error_clear(&err);
    cm_status status = cm_classify(values, n, method, k, NULL, 0, out, &err);
    ck_assert_msg(status == CM_OK, "cm_classify failed: %s", err.message);
}

/* Bounds printed by mapclassify with 3 decimals: compare at that precision. */
static void assert_bounds_3(const cm_classes *c, const double *expected, const size_t *counts,
                            size_t k)
{
    ck_assert_uint_eq(c->class_count, k);
    for (size_t i = 0; i < k; i++) {
        ck_assert_msg(fabs(c->upper[i] - expected[i]) < 0.0005, "bound %zu: %.6f, expected %.3f",
                      i, c->upper[i], expected[i]);
        ck_assert_uint_eq(c->counts[i], counts[i]);
    }
}

START_TEST(test_calemp_quantile)
{
    cm_classes c;
    classify_ok(calemp, CALEMP_N, CM_CLASS_QUANTILE, 5, &c);
    const double upper[] = {1.464, 5.798, 13.278, 54.616, 4111.45};
    const size_t counts[] = {12, 11, 12, 11, 12};
    assert_bounds_3(&c, upper, counts, 5);
    ck_assert(c.upper[4] == 4111.45);
    ck_assert(c.min == 0.13);
    ck_assert_uint_eq(c.null_count, 0);
    ck_assert_int_eq(c.method, CM_CLASS_QUANTILE);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_calemp_equal_interval)
{
    cm_classes c;
    classify_ok(calemp, CALEMP_N, CM_CLASS_EQUAL_INTERVAL, 5, &c);
    const double upper[] = {822.394, 1644.658, 2466.922, 3289.186, 4111.45};
    const size_t counts[] = {57, 0, 0, 0, 1};
    assert_bounds_3(&c, upper, counts, 5);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_calemp_fisher_jenks)
{
    cm_classes c;
    classify_ok(calemp, CALEMP_N, CM_CLASS_FISHER_JENKS, 5, &c);
    const double upper[] = {75.29, 192.05, 370.5, 722.85, 4111.45};
    const size_t counts[] = {49, 3, 4, 1, 1};
    assert_bounds_3(&c, upper, counts, 5);
    /* Jenks bounds are data values, exactly. */
    ck_assert(c.upper[0] == 75.29 && c.upper[3] == 722.85);
    cm_classes_free(&c);
    /* CM_CLASS_DEFAULT is Fisher-Jenks. */
    classify_ok(calemp, CALEMP_N, CM_CLASS_DEFAULT, 5, &c);
    ck_assert_int_eq(c.method, CM_CLASS_FISHER_JENKS);
    assert_bounds_3(&c, upper, counts, 5);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_calemp_stddev)
{
    /* mapclassify StdMean: -967.362 -420.717 672.573 1219.219 4111.45 with
     * counts 0 0 56 1 1; the two bounds below the minimum are dropped here. */
    cm_classes c;
    classify_ok(calemp, CALEMP_N, CM_CLASS_STDDEV, 5, &c);
    const double upper[] = {672.573, 1219.219, 4111.45};
    const size_t counts[] = {56, 1, 1};
    assert_bounds_3(&c, upper, counts, 3);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_calemp_manual)
{
    /* mapclassify User_Defined(y, bins=[22, 674, 4112]): counts 38 18 2. */
    const double breaks[] = {22, 674, 4112};
    cm_classes c;
    cm_error err;
    ck_assert_int_eq(cm_classify(calemp, CALEMP_N, CM_CLASS_MANUAL, 0, breaks, 3, &c, &err),
                     CM_OK);
    const size_t counts[] = {38, 18, 2};
    assert_bounds_3(&c, breaks, counts, 3);
    cm_classes_free(&c);
    /* Breaks below the maximum: the maximum closes a last class. */
    const double low[] = {10, 100};
    ck_assert_int_eq(cm_classify(calemp, CALEMP_N, CM_CLASS_MANUAL, 0, low, 2, &c, &err), CM_OK);
    ck_assert_uint_eq(c.class_count, 3);
    ck_assert(c.upper[2] == 4111.45);
    ck_assert_uint_eq(c.counts[0] + c.counts[1] + c.counts[2], CALEMP_N);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_quantile_interpolates_like_numpy)
{
    /* numpy.percentile(1..10, [25, 50, 75]) = 3.25, 5.5, 7.75 */
    const double v[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    cm_classes c;
    classify_ok(v, 10, CM_CLASS_QUANTILE, 4, &c);
    ck_assert_uint_eq(c.class_count, 4);
    ck_assert_double_eq_tol(c.upper[0], 3.25, 1e-12);
    ck_assert_double_eq_tol(c.upper[1], 5.5, 1e-12);
    ck_assert_double_eq_tol(c.upper[2], 7.75, 1e-12);
    ck_assert(c.upper[3] == 10);
    ck_assert_uint_eq(c.counts[0], 3);
    ck_assert_uint_eq(c.counts[1], 2);
    ck_assert_uint_eq(c.counts[2], 2);
    ck_assert_uint_eq(c.counts[3], 3);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_stddev_even_k_has_mean_as_bound)
{
    /* 1..9: mean 5, sample sd sqrt(7.5) */
    const double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    cm_classes c;
    classify_ok(v, 9, CM_CLASS_STDDEV, 4, &c);
    double sd = sqrt(7.5);
    ck_assert_uint_eq(c.class_count, 4);
    ck_assert_double_eq_tol(c.upper[0], 5 - sd, 1e-12);
    ck_assert_double_eq_tol(c.upper[1], 5, 1e-12);
    ck_assert_double_eq_tol(c.upper[2], 5 + sd, 1e-12);
    ck_assert(c.upper[3] == 9);
    const size_t counts[] = {2, 3, 2, 2};
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(c.counts[i], counts[i]);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_jenks_hand_case)
{
    const double v[] = {12, 1, 20, 2, 11, 3, 10};
    cm_classes c;
    classify_ok(v, 7, CM_CLASS_FISHER_JENKS, 3, &c);
    ck_assert_uint_eq(c.class_count, 3);
    ck_assert(c.upper[0] == 3 && c.upper[1] == 12 && c.upper[2] == 20);
    ck_assert_uint_eq(c.counts[0], 3);
    ck_assert_uint_eq(c.counts[1], 3);
    ck_assert_uint_eq(c.counts[2], 1);
    cm_classes_free(&c);
}
END_TEST

/* ---- exhaustive check of Fisher-Jenks on small random sets ---- */

static uint64_t rng_state;

static uint64_t next_random(void)
{
    /* splitmix64: reproducible on every platform */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double uniform(void)
{
    return (double)(next_random() >> 11) / 9007199254740992.0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ssd(const double *v, size_t from, size_t to)
{
    double mean = 0;
    for (size_t i = from; i < to; i++)
        mean += v[i];
    mean /= (double)(to - from);
    double s = 0;
    for (size_t i = from; i < to; i++)
        s += (v[i] - mean) * (v[i] - mean);
    return s;
}

/* Least total SSD of sorted v[from..n) cut into exactly k non-empty runs. */
static double brute_force(const double *v, size_t from, size_t n, size_t k)
{
    if (k == 1)
        return ssd(v, from, n);
    double best = INFINITY;
    for (size_t end = from + 1; end + (k - 1) <= n; end++) {
        double total = ssd(v, from, end) + brute_force(v, end, n, k - 1);
        if (total < best)
            best = total;
    }
    return best;
}

/* Total SSD of the partition that the classes make of the values. */
static double classes_ssd(const cm_classes *c, const double *sorted, size_t n)
{
    double total = 0;
    size_t start = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i == n || cm_classes_find(c, sorted[i]) != cm_classes_find(c, sorted[start])) {
            total += ssd(sorted, start, i);
            start = i;
        }
    }
    return total;
}

static size_t distinct_count(const double *sorted, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += i == 0 || sorted[i] != sorted[i - 1];
    return d;
}

START_TEST(test_jenks_matches_exhaustive_search)
{
    rng_state = 20260401;
    for (int trial = 0; trial < 2000; trial++) {
        size_t n = 1 + next_random() % 14;
        size_t k = 1 + next_random() % 5;
        double v[14];
        int style = trial % 4;
        for (size_t i = 0; i < n; i++) {
            if (style == 0)
                v[i] = (double)(next_random() % 6); /* many ties */
            else if (style == 1)
                v[i] = floor(uniform() * 1000) / 10; /* one decimal */
            else if (style == 2)
                v[i] = exp(uniform() * 8); /* skewed, like densities */
            else
                v[i] = 1e7 + floor(uniform() * 100) / 100; /* far from 0: cancellation */
        }
        cm_classes c;
        classify_ok(v, n, CM_CLASS_FISHER_JENKS, k, &c);
        qsort(v, n, sizeof v[0], compare_doubles);
        size_t d = distinct_count(v, n);
        size_t expected_k = k < d ? k : d;
        ck_assert_uint_eq(c.class_count, expected_k);
        size_t total = 0;
        for (size_t i = 0; i < c.class_count; i++) {
            ck_assert_uint_gt(c.counts[i], 0);
            total += c.counts[i];
        }
        ck_assert_uint_eq(total, n);
        double got = classes_ssd(&c, v, n);
        double best = brute_force(v, 0, n, expected_k);
        ck_assert_msg(got <= best * (1 + 1e-9) + 1e-9,
                      "trial %d (n=%zu k=%zu): SSD %.12g, optimum %.12g", trial, n, k, got, best);
        cm_classes_free(&c);
    }
}
END_TEST

START_TEST(test_jenks_200000_values_fast_and_locally_optimal)
{
    enum { N = 200000 };
    double *v = malloc(N * sizeof *v);
    ck_assert_ptr_nonnull(v);
    rng_state = 42;
    for (size_t i = 0; i < N; i++)
        v[i] = exp(uniform() * 6) + uniform(); /* all distinct, skewed */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cm_classes c;
    classify_ok(v, N, CM_CLASS_FISHER_JENKS, 5, &c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("Fisher-Jenks, 200000 values, k=5: %.3f s\n", seconds);
    ck_assert_msg(seconds < 2.0, "Fisher-Jenks took %.3f s on 200000 values", seconds);
    ck_assert_uint_eq(c.class_count, 5);

    /* No single value moved across a class boundary lowers the total SSD. */
    qsort(v, N, sizeof v[0], compare_doubles);
    size_t ends[5];
    size_t at = 0;
    for (size_t i = 0; i < 5; i++) {
        at += c.counts[i];
        ends[i] = at;
    }
    ck_assert_uint_eq(at, N);
    for (size_t b = 0; b < 4; b++) {
        size_t start = b == 0 ? 0 : ends[b - 1];
        double here = ssd(v, start, ends[b]) + ssd(v, ends[b], ends[b + 1]);
        double left = ssd(v, start, ends[b] - 1) + ssd(v, ends[b] - 1, ends[b + 1]);
        double right = ssd(v, start, ends[b] + 1) + ssd(v, ends[b] + 1, ends[b + 1]);
        ck_assert(here <= left * (1 + 1e-12));
        ck_assert(here <= right * (1 + 1e-12));
    }
    cm_classes_free(&c);
    free(v);
}
END_TEST

/* ---- edge cases ---- */

static const cm_class_method numeric_methods[] = {CM_CLASS_QUANTILE, CM_CLASS_EQUAL_INTERVAL,
                                                  CM_CLASS_FISHER_JENKS, CM_CLASS_STDDEV};

START_TEST(test_nan_excluded_and_counted)
{
    const double v[] = {NAN, 1, 2, NAN, 3, 10, 11, 12, NAN};
    for (int m = 0; m < 4; m++) {
        cm_classes c;
        classify_ok(v, 9, numeric_methods[m], 2, &c);
        ck_assert_uint_eq(c.null_count, 3);
        size_t total = 0;
        for (size_t i = 0; i < c.class_count; i++)
            total += c.counts[i];
        ck_assert_uint_eq(total, 6);
        ck_assert(c.min == 1);
        ck_assert(c.upper[c.class_count - 1] == 12);
        ck_assert_int_eq(cm_classes_find(&c, NAN), -1);
        cm_classes_free(&c);
    }
    cm_classes c;
    classify_ok(v, 9, CM_CLASS_FISHER_JENKS, 2, &c);
    ck_assert(c.upper[0] == 3 && c.upper[1] == 12);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_k_one)
{
    for (int m = 0; m < 4; m++) {
        cm_classes c;
        classify_ok(calemp, CALEMP_N, numeric_methods[m], 1, &c);
        ck_assert_uint_eq(c.class_count, 1);
        ck_assert(c.upper[0] == 4111.45);
        ck_assert_uint_eq(c.counts[0], CALEMP_N);
        cm_classes_free(&c);
    }
}
END_TEST

START_TEST(test_all_equal)
{
    const double v[] = {7.5, 7.5, 7.5, 7.5};
    for (int m = 0; m < 4; m++) {
        cm_classes c;
        classify_ok(v, 4, numeric_methods[m], 5, &c);
        ck_assert_uint_eq(c.class_count, 1);
        ck_assert(c.upper[0] == 7.5);
        ck_assert(c.min == 7.5);
        ck_assert_uint_eq(c.counts[0], 4);
        cm_classes_free(&c);
    }
}
END_TEST

START_TEST(test_fewer_distinct_than_k)
{
    const double v[] = {2, 1, 3, 2, 1};
    cm_classes c;
    classify_ok(v, 5, CM_CLASS_FISHER_JENKS, 5, &c);
    ck_assert_uint_eq(c.class_count, 3);
    ck_assert(c.upper[0] == 1 && c.upper[1] == 2 && c.upper[2] == 3);
    ck_assert_uint_eq(c.counts[0], 2);
    ck_assert_uint_eq(c.counts[1], 2);
    ck_assert_uint_eq(c.counts[2], 1);
    cm_classes_free(&c);
    /* Quantile with k lowered to 3: 1 1 2 2 3 at 33.3 %, 66.7 %: 4/3 and 2. */
    classify_ok(v, 5, CM_CLASS_QUANTILE, 5, &c);
    ck_assert_uint_eq(c.class_count, 3);
    ck_assert_double_eq_tol(c.upper[0], 4.0 / 3.0, 1e-12);
    ck_assert_double_eq_tol(c.upper[1], 2.0, 1e-12);
    ck_assert(c.upper[2] == 3);
    cm_classes_free(&c);
    classify_ok(v, 5, CM_CLASS_EQUAL_INTERVAL, 9, &c);
    ck_assert_uint_eq(c.class_count, 3);
    ck_assert_double_eq_tol(c.upper[0], 5.0 / 3.0, 1e-12);
    ck_assert_uint_eq(c.counts[0], 2);
    ck_assert_uint_eq(c.counts[1], 2);
    ck_assert_uint_eq(c.counts[2], 1);
    cm_classes_free(&c);
}
END_TEST

START_TEST(test_no_values)
{
    const double nan_only[] = {NAN, NAN};
    for (int m = 0; m < 4; m++) {
        cm_classes c;
        classify_ok(NULL, 0, numeric_methods[m], 5, &c);
        ck_assert_uint_eq(c.class_count, 0);
        ck_assert_ptr_null(c.upper);
        ck_assert_ptr_null(c.counts);
        ck_assert(isnan(c.min));
        ck_assert_int_eq(cm_classes_find(&c, 1.0), -1);
        cm_classes_free(&c);
        classify_ok(nan_only, 2, numeric_methods[m], 5, &c);
        ck_assert_uint_eq(c.class_count, 0);
        ck_assert_uint_eq(c.null_count, 2);
        cm_classes_free(&c);
    }
}
END_TEST

START_TEST(test_find_binary_search)
{
    const double breaks[] = {10, 20, 30, 40, 50, 60};
    const double v[] = {5, 15, 25, 35, 45, 55, 65};
    cm_classes c;
    cm_error err;
    ck_assert_int_eq(cm_classify(v, 7, CM_CLASS_MANUAL, 0, breaks, 6, &c, &err), CM_OK);
    ck_assert_uint_eq(c.class_count, 7);
    ck_assert_int_eq(cm_classes_find(&c, -1e9), 0);
    ck_assert_int_eq(cm_classes_find(&c, 10), 0);
    ck_assert_int_eq(cm_classes_find(&c, 10.000001), 1);
    ck_assert_int_eq(cm_classes_find(&c, 20), 1);
    ck_assert_int_eq(cm_classes_find(&c, 59.9), 5);
    ck_assert_int_eq(cm_classes_find(&c, 60), 5);
    ck_assert_int_eq(cm_classes_find(&c, 65), 6);
    ck_assert_int_eq(cm_classes_find(&c, 65.5), -1);
    ck_assert_int_eq(cm_classes_find(&c, NAN), -1);
    for (size_t i = 0; i < 7; i++)
        ck_assert_uint_eq(c.counts[i], 1);
    cm_classes_free(&c);
    cm_classes_free(&c); /* freeing twice is harmless */
}
END_TEST

START_TEST(test_errors)
{
    cm_classes c;
    cm_error err;
    const double inf[] = {1, INFINITY, 2};
    ck_assert_int_eq(cm_classify(inf, 3, CM_CLASS_QUANTILE, 2, NULL, 0, &c, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.message, "value 2 is infinite");
    ck_assert_int_eq(cm_classify(calemp, CALEMP_N, CM_CLASS_QUANTILE, 0, NULL, 0, &c, &err),
                     CM_ERR_INPUT);
    ck_assert_int_eq(cm_classify(calemp, CALEMP_N, CM_CLASS_FISHER_JENKS, CM_CLASSES_MAX + 1,
                                 NULL, 0, &c, &err),
                     CM_ERR_INPUT);
    const double bad[] = {10, 5};
    ck_assert_int_eq(cm_classify(calemp, CALEMP_N, CM_CLASS_MANUAL, 0, bad, 2, &c, &err),
                     CM_ERR_INPUT);
    const double dup[] = {10, 10};
    ck_assert_int_eq(cm_classify(calemp, CALEMP_N, CM_CLASS_MANUAL, 0, dup, 2, &c, &err),
                     CM_ERR_INPUT);
    ck_assert_int_eq(cm_classify(calemp, CALEMP_N, CM_CLASS_CATEGORICAL, 5, NULL, 0, &c, &err),
                     CM_ERR_INPUT);
    ck_assert_ptr_null(c.upper);
}
END_TEST

START_TEST(test_method_names)
{
    const cm_class_method all[] = {CM_CLASS_DEFAULT, CM_CLASS_QUANTILE, CM_CLASS_EQUAL_INTERVAL,
                                   CM_CLASS_FISHER_JENKS, CM_CLASS_STDDEV, CM_CLASS_MANUAL,
                                   CM_CLASS_CATEGORICAL};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        cm_class_method back;
        ck_assert(cm_class_method_parse(cm_class_method_name(all[i]), &back));
        ck_assert_int_eq(back, all[i]);
    }
    cm_class_method m;
    ck_assert(cm_class_method_parse("Jenks", &m));
    ck_assert_int_eq(m, CM_CLASS_FISHER_JENKS);
    ck_assert(cm_class_method_parse("equal_interval", &m));
    ck_assert_int_eq(m, CM_CLASS_EQUAL_INTERVAL);
    ck_assert(!cm_class_method_parse("kmeans", &m));
    ck_assert(!cm_class_method_parse(NULL, &m));
    ck_assert_str_eq(cm_class_method_name(CM_CLASS_FISHER_JENKS), "fisher-jenks");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("classify");
    TCase *published = tcase_create("published");
    tcase_add_test(published, test_calemp_quantile);
    tcase_add_test(published, test_calemp_equal_interval);
    tcase_add_test(published, test_calemp_fisher_jenks);
    tcase_add_test(published, test_calemp_stddev);
    tcase_add_test(published, test_calemp_manual);
    tcase_add_test(published, test_quantile_interpolates_like_numpy);
    tcase_add_test(published, test_stddev_even_k_has_mean_as_bound);
    suite_add_tcase(s, published);
    TCase *jenks = tcase_create("fisher-jenks");
    tcase_set_timeout(jenks, 120);
    tcase_add_test(jenks, test_jenks_hand_case);
    tcase_add_test(jenks, test_jenks_matches_exhaustive_search);
    tcase_add_test(jenks, test_jenks_200000_values_fast_and_locally_optimal);
    suite_add_tcase(s, jenks);
    TCase *edges = tcase_create("edges");
    tcase_add_test(edges, test_nan_excluded_and_counted);
    tcase_add_test(edges, test_k_one);
    tcase_add_test(edges, test_all_equal);
    tcase_add_test(edges, test_fewer_distinct_than_k);
    tcase_add_test(edges, test_no_values);
    tcase_add_test(edges, test_find_binary_search);
    tcase_add_test(edges, test_errors);
    tcase_add_test(edges, test_method_names);
    suite_add_tcase(s, edges);
    return ts_run_suite(s);
}
