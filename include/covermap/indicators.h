/* Indicators and risk: the coverage-gap analysis, as tables an analyst can query. */
#ifndef COVERMAP_INDICATORS_H
#define COVERMAP_INDICATORS_H

#include "covermap/error.h"
#include "covermap/project.h"
#include "covermap/store.h"

/* Computes, for every territory, the indicators of SPEC.md (coverage_rate,
 * partners, sectors, partners_per_1000_children) in SQL over the joined tables,
 * and the funding model (cm_funding_assess) over its coordination grants; writes
 * the `gap` table and the `joined` view (see store.h) and the run_info settings.
 * Rows that matched no territory take no part. */
cm_status cm_indicators_compute(cm_store *store, const cm_project *project, cm_error *err);

#endif
