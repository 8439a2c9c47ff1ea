/* Classification of numeric values for choropleths: quantile, equal interval,
 * exact Fisher-Jenks, standard deviation and manual breaks (see classify.h). */
#include "covermap/classify.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The sorted, finite values of one classification. */
typedef struct {
    double *values;
    size_t count;
    size_t distinct;
} sorted_values;

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static cm_status collect_values(const double *values, size_t count, sorted_values *out,
                                size_t *null_count, cm_error *err)
{
    out->values = NULL;
    out->count = 0;
    out->distinct = 0;
    *null_count = 0;
    if (count == 0)
        return CM_OK;
    out->values = malloc(count * sizeof *out->values);
    if (!out->values)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory for %zu values", count);
    for (size_t i = 0; i < count; i++) {
        if (isnan(values[i])) {
            (*null_count)++;
        } else if (isinf(values[i])) {
            free(out->values);
            out->values = NULL;
            return cm_error_set(err, CM_ERR_INPUT, "value %zu is infinite", i + 1);
        } else {
            out->values[out->count++] = values[i];
        }
    }
    qsort(out->values, out->count, sizeof *out->values, compare_doubles);
    for (size_t i = 0; i < out->count; i++)
        if (i == 0 || out->values[i] != out->values[i - 1])
            out->distinct++;
    return CM_OK;
}

/* Appends a bound; the caller sized the array for every bound it may add. */
static void push_bound(double *upper, size_t *count, double bound)
{
    upper[(*count)++] = bound;
}

/* numpy's percentile with linear interpolation, as scipy's scoreatpercentile
 * computes it (mapclassify's Quantiles), on sorted values. */
static double score_at_percentile(const sorted_values *sv, double percent)
{
    double idx = percent / 100.0 * (double)(sv->count - 1);
    double whole = floor(idx);
    size_t i = (size_t)whole;
    if (idx == whole || i + 1 >= sv->count)
        return sv->values[i < sv->count ? i : sv->count - 1];
    double a = sv->values[i];
    double b = sv->values[i + 1];
    return a + (b - a) * (idx - whole);
}

static void quantile_bounds(const sorted_values *sv, size_t k, double *upper, size_t *n)
{
    /* numpy.arange(w, 100 + w, w) fills start + i*step; the last is the max. */
    double step = 100.0 / (double)k;
    for (size_t i = 0; i + 1 < k; i++) {
        double q = score_at_percentile(sv, step + (double)i * step);
        if (*n == 0 || q != upper[*n - 1])
            push_bound(upper, n, q);
    }
    double max = sv->values[sv->count - 1];
    if (*n == 0 || max != upper[*n - 1])
        push_bound(upper, n, max);
}

static void equal_interval_bounds(const sorted_values *sv, size_t k, double *upper, size_t *n)
{
    double min = sv->values[0];
    double max = sv->values[sv->count - 1];
    double width = (max - min) / (double)k;
    /* numpy.arange(min + width, ...) with its fill rule, as mapclassify does. */
    double start = min + width;
    double delta = (start + width) - start;
    for (size_t i = 0; i + 1 < k; i++)
        push_bound(upper, n, start + (double)i * delta);
    push_bound(upper, n, max);
}

static void stddev_bounds(const sorted_values *sv, size_t k, double *upper, size_t *n)
{
    double min = sv->values[0];
    double max = sv->values[sv->count - 1];
    double sum = 0.0;
    for (size_t i = 0; i < sv->count; i++)
        sum += sv->values[i];
    double mean = sum / (double)sv->count;
    double squares = 0.0;
    for (size_t i = 0; i < sv->count; i++)
        squares += (sv->values[i] - mean) * (sv->values[i] - mean);
    double sd = sv->count > 1 ? sqrt(squares / (double)(sv->count - 1)) : 0.0;
    if (sd > 0.0 && k > 1) {
        /* Odd k: the middle class is mean +- 1 sd (StdMean); even k: mean is a bound. */
        long half = (long)(k - 1) / 2;
        long lo = (k % 2 == 1) ? -half : -((long)k / 2 - 1);
        long hi = -lo;
        for (long j = lo; j <= hi; j++) {
            if (k % 2 == 1 && j == 0)
                continue;
            double cut = mean + (double)j * sd;
            if (cut >= min && cut < max)
                push_bound(upper, n, cut);
        }
    }
    push_bound(upper, n, max);
}

static void manual_bounds(const sorted_values *sv, const double *breaks, size_t count,
                          double *upper, size_t *n)
{
    for (size_t i = 0; i < count; i++)
        push_bound(upper, n, breaks[i]);
    double max = sv->values[sv->count - 1];
    if (*n == 0 || max > upper[*n - 1])
        push_bound(upper, n, max);
}

/* ---- Fisher-Jenks: exact optimal 1-D partition by dynamic programming ----
 *
 * On the m distinct values x[0..m-1] with multiplicities (equal values are never
 * split in some optimal partition, so nothing is lost), D[c][i] is the least
 * within-class sum of squares of the first i values in c classes:
 *   D[c][i] = min_{c-1 <= j < i} D[c-1][j] + cost(j, i)
 * where cost(j, i) is the sum of squared deviations of x[j..i-1]. This cost is
 * Monge, so the leftmost best j is nondecreasing in i and each layer is solved
 * by divide and conquer in O(m log m): O(k m log m) in all. cost() is O(1) from
 * prefix sums of weights, of x and of x^2, taken around the mean and in long
 * double against cancellation. */
typedef struct {
    size_t m;
    double *x;           /* distinct values, ascending */
    long double *weight; /* prefix sums, m + 1 each */
    long double *sum;
    long double *squares;
} jenks_data;

static long double jenks_cost(const jenks_data *d, size_t j, size_t i)
{
    long double w = d->weight[i] - d->weight[j];
    long double s = d->sum[i] - d->sum[j];
    long double cost = (d->squares[i] - d->squares[j]) - s * s / w;
    return cost > 0.0L ? cost : 0.0L;
}

typedef struct {
    const jenks_data *data;
    const long double *prev; /* D[c-1][.] */
    long double *cur;        /* D[c][.] */
    uint32_t *best;          /* argmin j for D[c][.] */
} jenks_layer;

static void jenks_solve(const jenks_layer *layer, size_t lo, size_t hi, size_t opt_lo,
                        size_t opt_hi)
{
    while (lo <= hi) {
        size_t mid = lo + (hi - lo) / 2;
        size_t last = opt_hi < mid - 1 ? opt_hi : mid - 1;
        size_t best_j = opt_lo;
        long double best = INFINITY;
        for (size_t j = opt_lo; j <= last; j++) {
            long double v = layer->prev[j] + jenks_cost(layer->data, j, mid);
            if (v < best) {
                best = v;
                best_j = j;
            }
        }
        layer->cur[mid] = best;
        layer->best[mid] = (uint32_t)best_j;
        /* Left half by recursion, right half by looping: depth stays O(log m). */
        if (mid > lo)
            jenks_solve(layer, lo, mid - 1, opt_lo, best_j);
        lo = mid + 1;
        opt_lo = best_j;
    }
}

static cm_status jenks_prepare(const sorted_values *sv, jenks_data *d, cm_error *err)
{
    size_t m = sv->distinct;
    d->m = m;
    d->x = malloc(m * sizeof *d->x);
    d->weight = malloc((m + 1) * sizeof *d->weight);
    d->sum = malloc((m + 1) * sizeof *d->sum);
    d->squares = malloc((m + 1) * sizeof *d->squares);
    if (!d->x || !d->weight || !d->sum || !d->squares)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory for Fisher-Jenks on %zu values",
                            sv->count);
    long double total = 0.0L;
    for (size_t i = 0; i < sv->count; i++)
        total += sv->values[i];
    long double centre = total / (long double)sv->count;
    d->weight[0] = d->sum[0] = d->squares[0] = 0.0L;
    size_t at = 0;
    for (size_t i = 0; i < sv->count;) {
        size_t run = 1;
        while (i + run < sv->count && sv->values[i + run] == sv->values[i])
            run++;
        long double dx = (long double)sv->values[i] - centre;
        d->x[at] = sv->values[i];
        d->weight[at + 1] = d->weight[at] + (long double)run;
        d->sum[at + 1] = d->sum[at] + (long double)run * dx;
        d->squares[at + 1] = d->squares[at] + (long double)run * dx * dx;
        at++;
        i += run;
    }
    return CM_OK;
}

static void jenks_release(jenks_data *d)
{
    free(d->x);
    free(d->weight);
    free(d->sum);
    free(d->squares);
}

/* 2 <= k < m: fills upper with the k class maxima of an optimal partition. */
static cm_status jenks_optimise(const jenks_data *d, size_t k, double *upper, size_t *n,
                                cm_error *err)
{
    size_t m = d->m;
    long double *prev = malloc((m + 1) * sizeof *prev);
    long double *cur = malloc((m + 1) * sizeof *cur);
    uint32_t *best = malloc((k + 1) * (m + 1) * sizeof *best);
    cm_status status = CM_OK;
    if (!prev || !cur || !best) {
        status = cm_error_set(err, CM_ERR_NOMEM, "out of memory for Fisher-Jenks (%zu classes)", k);
        goto done;
    }
    for (size_t i = 1; i <= m; i++)
        prev[i] = jenks_cost(d, 0, i);
    prev[0] = INFINITY;
    for (size_t c = 2; c <= k; c++) {
        /* The first i values fill c classes only when i >= c; the rest must leave
         * k - c values for the later classes. */
        size_t hi = m - (k - c);
        jenks_layer layer = {d, prev, cur, best + c * (m + 1)};
        for (size_t i = 0; i < c; i++)
            cur[i] = INFINITY;
        if (c == k)
            jenks_solve(&layer, m, m, k - 1, m - 1); /* the last layer needs D[k][m] only */
        else
            jenks_solve(&layer, c, hi, c - 1, hi - 1);
        for (size_t i = hi + 1; i <= m; i++)
            cur[i] = INFINITY;
        long double *swap = prev;
        prev = cur;
        cur = swap;
    }
    /* Walk back from (k, m): class c holds distinct values [j, i). */
    size_t i = m;
    for (size_t c = k; c >= 1; c--) {
        upper[c - 1] = d->x[i - 1];
        if (c > 1)
            i = best[c * (m + 1) + i];
    }
    *n = k;
done:
    free(prev);
    free(cur);
    free(best);
    return status;
}

static cm_status jenks_bounds(const sorted_values *sv, size_t k, double *upper, size_t *n,
                              cm_error *err)
{
    if (sv->distinct > UINT32_MAX - 1)
        return cm_error_set(err, CM_ERR_INPUT, "too many distinct values for Fisher-Jenks");
    jenks_data d = {0};
    cm_status status = jenks_prepare(sv, &d, err);
    if (status == CM_OK) {
        if (k == 1) {
            push_bound(upper, n, d.x[d.m - 1]);
        } else if (k >= d.m) {
            for (size_t i = 0; i < d.m; i++)
                push_bound(upper, n, d.x[i]);
        } else {
            status = jenks_optimise(&d, k, upper, n, err);
        }
    }
    jenks_release(&d);
    return status;
}

/* ---- public API ---- */

static void count_members(const sorted_values *sv, cm_classes *out)
{
    size_t cls = 0;
    for (size_t i = 0; i < sv->count; i++) {
        while (cls < out->class_count && sv->values[i] > out->upper[cls])
            cls++;
        if (cls < out->class_count)
            out->counts[cls]++;
    }
}

static cm_status compute_bounds(const sorted_values *sv, cm_class_method method, size_t k,
                                const double *breaks, size_t break_count, double *upper, size_t *n,
                                cm_error *err)
{
    switch (method) {
    case CM_CLASS_QUANTILE: quantile_bounds(sv, k, upper, n); return CM_OK;
    case CM_CLASS_EQUAL_INTERVAL: equal_interval_bounds(sv, k, upper, n); return CM_OK;
    case CM_CLASS_DEFAULT:
    case CM_CLASS_FISHER_JENKS: return jenks_bounds(sv, k, upper, n, err);
    case CM_CLASS_STDDEV: stddev_bounds(sv, k, upper, n); return CM_OK;
    case CM_CLASS_MANUAL: manual_bounds(sv, breaks, break_count, upper, n); return CM_OK;
    case CM_CLASS_CATEGORICAL: break;
    }
    return cm_error_set(err, CM_ERR_INPUT, "method '%s' does not classify numbers",
                        cm_class_method_name(method));
}

static cm_status check_request(cm_class_method method, size_t requested,
                               const double *manual_breaks, size_t manual_count, cm_error *err)
{
    if (method == CM_CLASS_CATEGORICAL)
        return cm_error_set(err, CM_ERR_INPUT, "method 'categorical' does not classify numbers");
    if (method == CM_CLASS_MANUAL) {
        if (manual_count > 0 && !manual_breaks)
            return cm_error_set(err, CM_ERR_INTERNAL, "manual breaks missing");
        if (manual_count >= CM_CLASSES_MAX)
            return cm_error_set(err, CM_ERR_INPUT, "%zu manual breaks: at most %d classes",
                                manual_count, CM_CLASSES_MAX);
        for (size_t i = 0; i < manual_count; i++) {
            if (!isfinite(manual_breaks[i]))
                return cm_error_set(err, CM_ERR_INPUT, "manual break %zu is not a finite number",
                                    i + 1);
            if (i > 0 && !(manual_breaks[i] > manual_breaks[i - 1]))
                return cm_error_set(err, CM_ERR_INPUT,
                                    "manual breaks must increase: break %zu (%.17g) is not "
                                    "above break %zu (%.17g)",
                                    i + 1, manual_breaks[i], i, manual_breaks[i - 1]);
        }
        return CM_OK;
    }
    if (requested < 1 || requested > CM_CLASSES_MAX)
        return cm_error_set(err, CM_ERR_INPUT, "%zu classes requested: expected 1 to %d", requested,
                            CM_CLASSES_MAX);
    return CM_OK;
}

cm_status cm_classify(const double *values, size_t count, cm_class_method method, size_t requested,
                      const double *manual_breaks, size_t manual_count, cm_classes *out,
                      cm_error *err)
{
    if (!out || (count > 0 && !values))
        return cm_error_set(err, CM_ERR_INTERNAL, "cm_classify: missing argument");
    memset(out, 0, sizeof *out);
    out->method = method == CM_CLASS_DEFAULT ? CM_CLASS_FISHER_JENKS : method;
    out->min = NAN;
    cm_status status = check_request(method, requested, manual_breaks, manual_count, err);
    if (status != CM_OK)
        return status;
    sorted_values sv;
    status = collect_values(values, count, &sv, &out->null_count, err);
    if (status != CM_OK || sv.count == 0) {
        free(sv.values);
        return status;
    }
    /* No method can make more classes than there are distinct values. */
    size_t k = requested < sv.distinct ? requested : sv.distinct;
    size_t room = (method == CM_CLASS_MANUAL ? manual_count : k) + 1;
    double *upper = malloc(room * sizeof *upper);
    if (!upper) {
        free(sv.values);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    status = compute_bounds(&sv, method, k, manual_breaks, manual_count, upper, &n, err);
    size_t *counts = status == CM_OK ? calloc(n, sizeof *counts) : NULL;
    if (status == CM_OK && !counts)
        status = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    if (status != CM_OK) {
        free(upper);
        free(sv.values);
        return status;
    }
    out->class_count = n;
    out->upper = upper;
    out->counts = counts;
    out->min = sv.values[0];
    count_members(&sv, out);
    free(sv.values);
    return CM_OK;
}

void cm_classes_free(cm_classes *classes)
{
    if (!classes)
        return;
    free(classes->upper);
    free(classes->counts);
    classes->upper = NULL;
    classes->counts = NULL;
    classes->class_count = 0;
}

int cm_classes_find(const cm_classes *classes, double value)
{
    if (!classes || isnan(value) || classes->class_count == 0)
        return -1;
    size_t lo = 0;
    size_t hi = classes->class_count; /* first index with value <= upper lies in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (value <= classes->upper[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < classes->class_count ? (int)lo : -1;
}

const char *cm_class_method_name(cm_class_method method)
{
    switch (method) {
    case CM_CLASS_DEFAULT: return "default";
    case CM_CLASS_QUANTILE: return "quantile";
    case CM_CLASS_EQUAL_INTERVAL: return "equal-interval";
    case CM_CLASS_FISHER_JENKS: return "fisher-jenks";
    case CM_CLASS_STDDEV: return "stddev";
    case CM_CLASS_MANUAL: return "manual";
    case CM_CLASS_CATEGORICAL: return "categorical";
    }
    return "unknown";
}

bool cm_class_method_parse(const char *name, cm_class_method *out)
{
    static const struct {
        const char *name;
        cm_class_method method;
    } names[] = {
        {"default", CM_CLASS_DEFAULT},
        {"quantile", CM_CLASS_QUANTILE},
        {"quantiles", CM_CLASS_QUANTILE},
        {"equal-interval", CM_CLASS_EQUAL_INTERVAL},
        {"equal_interval", CM_CLASS_EQUAL_INTERVAL},
        {"equal", CM_CLASS_EQUAL_INTERVAL},
        {"fisher-jenks", CM_CLASS_FISHER_JENKS},
        {"fisher_jenks", CM_CLASS_FISHER_JENKS},
        {"jenks", CM_CLASS_FISHER_JENKS},
        {"natural-breaks", CM_CLASS_FISHER_JENKS},
        {"stddev", CM_CLASS_STDDEV},
        {"std", CM_CLASS_STDDEV},
        {"std-mean", CM_CLASS_STDDEV},
        {"standard-deviation", CM_CLASS_STDDEV},
        {"manual", CM_CLASS_MANUAL},
        {"user-defined", CM_CLASS_MANUAL},
        {"categorical", CM_CLASS_CATEGORICAL},
        {"categories", CM_CLASS_CATEGORICAL},
    };
    if (!name)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            if (out)
                *out = names[i].method;
            return true;
        }
    }
    return false;
}
