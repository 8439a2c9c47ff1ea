/* Join: every row of every data table to a territory, by key, with a report of how. */
#ifndef COVERMAP_JOIN_H
#define COVERMAP_JOIN_H

#include <stddef.h>
#include <stdio.h>

#include "covermap/error.h"
#include "covermap/project.h"
#include "covermap/store.h"

typedef struct {
    size_t matched, normalised, unmatched, duplicate, no_data;
} cm_join_counts;

/* Matches the keys of every table_<n> against the territories (exactly, then after
 * folding case, accents, blanks, dashes and apostrophes), fills territory_key and
 * match_status, and writes the join_report table (see store.h). Indexed: no step
 * is quadratic in the number of rows. Returns CM_ERR_INPUT naming both lines when
 * an indicators table has two rows for one territory (the report is written
 * first, so that `check` can show it). */
cm_status cm_join_tables(cm_store *store, const cm_project *project, cm_join_counts *counts,
                         cm_error *err);

/* Overlays the territories with the project's districts (if any) into
 * territory_districts(territory_key, district_key, district_name, share), share
 * being the part of the territory's area inside the district. Indexed. */
cm_status cm_join_districts(cm_store *store, const cm_project *project, cm_error *err);

/* Prints the join report in words, one line per oddity, then a summary. */
cm_status cm_join_describe(cm_store *store, FILE *out, cm_error *err);

#endif
