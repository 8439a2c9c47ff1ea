/* Classification of numeric values into classes for a choropleth. Pure C. */
#ifndef COVERMAP_CLASSIFY_H
#define COVERMAP_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "covermap/error.h"
#include "covermap/project.h"

/* Largest class count accepted (a choropleth needs far fewer; percentiles fit). */
#define CM_CLASSES_MAX 100

typedef struct {
    cm_class_method method;
    size_t class_count; /* number of classes actually produced (may be < requested) */
    double *upper;      /* class_count upper bounds, ascending; upper[last] == max */
    double min;         /* smallest value (lower bound of the first class) */
    size_t *counts;     /* values in each class */
    size_t null_count;  /* NaN values, excluded from the classes */
} cm_classes;

/* Classifies values (NaN = no data, excluded and counted). requested: number of
 * classes (1 <= k <= CM_CLASSES_MAX); manual_breaks/manual_count only for
 * CM_CLASS_MANUAL (strictly ascending upper bounds, kept as given even above the
 * max, so that maps of several years share a legend; the max is appended if above
 * the last break). k is first lowered to the number of distinct values (so
 * fewer distinct values than k gives fewer classes; mapclassify would instead
 * leave empty or duplicate classes there); all-equal
 * values give one class; no values (n == 0 or all NaN) give zero classes,
 * upper == counts == NULL and min == NaN. An infinite value is an error.
 * The methods (upper bounds, a value v is in the first class with v <= upper):
 *  - CM_CLASS_QUANTILE: mapclassify's Quantiles: upper[i] = the (i+1)*100/k
 *    percentile with linear interpolation between order statistics (numpy's
 *    default), duplicate bounds merged.
 *  - CM_CLASS_EQUAL_INTERVAL: mapclassify's EqualInterval: min + i*(max-min)/k.
 *  - CM_CLASS_FISHER_JENKS (and CM_CLASS_DEFAULT): the exact optimum (minimum
 *    total within-class sum of squared deviations); bounds are class maxima.
 *  - CM_CLASS_STDDEV: bounds at mean + j*sd (sample sd, n-1), as mapclassify's
 *    StdMean with multiples -(k-1)/2..-1, 1..(k-1)/2 for odd k (its default
 *    [-2,-1,1,2] is k = 5) and -(k/2-1)..(k/2-1) (mean included) for even k.
 *    Unlike StdMean, bounds outside [min, max) are dropped, so every class lies
 *    within the data (the count may fall below k) and the last bound is the max.
 *  - CM_CLASS_MANUAL: the given breaks.
 * On success *out is filled; release with cm_classes_free (also safe on a
 * zeroed or already freed cm_classes). On failure *out holds nothing to free. */
cm_status cm_classify(const double *values, size_t count, cm_class_method method, size_t requested,
                      const double *manual_breaks, size_t manual_count, cm_classes *out,
                      cm_error *err);
void cm_classes_free(cm_classes *classes);

/* Index of the class holding value (value <= upper[i], first such i; binary
 * search); -1 for NaN and for a value above the last bound. */
int cm_classes_find(const cm_classes *classes, double value);

/* "quantile", "equal-interval", "fisher-jenks", "stddev", "manual", "categorical". */
const char *cm_class_method_name(cm_class_method method);
bool cm_class_method_parse(const char *name, cm_class_method *out);

#endif
