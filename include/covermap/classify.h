/* Classification of numeric values into classes for a choropleth. Pure C. */
#ifndef COVERMAP_CLASSIFY_H
#define COVERMAP_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "covermap/error.h"
#include "covermap/project.h"

typedef struct {
    cm_class_method method;
    size_t class_count;  /* number of classes actually produced (may be < requested) */
    double *upper;       /* class_count upper bounds, ascending; upper[last] == max */
    double min;          /* smallest value (lower bound of the first class) */
    size_t *counts;      /* values in each class */
    size_t null_count;   /* NaN values, excluded from the classes */
} cm_classes;

/* Classifies values (NaN = no data, excluded and counted). requested: number of
 * classes (k >= 1); manual_breaks/manual_count only for CM_CLASS_MANUAL (upper
 * bounds; the max is appended if above the last break). Fewer distinct values
 * than k gives fewer classes; all-equal values give one class. Fisher-Jenks is
 * the exact optimum (minimum within-class sum of squared deviations).
 * On success *out is filled; release with cm_classes_free. */
cm_status cm_classify(const double *values, size_t count, cm_class_method method,
                      size_t requested, const double *manual_breaks, size_t manual_count,
                      cm_classes *out, cm_error *err);
void cm_classes_free(cm_classes *classes);

/* Index of the class holding value (value <= upper[i], first such i); -1 for NaN. */
int cm_classes_find(const cm_classes *classes, double value);

/* "quantile", "equal-interval", "fisher-jenks", "stddev", "manual", "categorical". */
const char *cm_class_method_name(cm_class_method method);
bool cm_class_method_parse(const char *name, cm_class_method *out);

#endif
