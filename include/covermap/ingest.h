/* Ingest: boundaries and per-territory tables, from any OGR source, into the store. */
#ifndef COVERMAP_INGEST_H
#define COVERMAP_INGEST_H

#include <stddef.h>

#include "covermap/error.h"
#include "covermap/progress.h"
#include "covermap/project.h"
#include "covermap/store.h"

typedef struct {
    size_t territory_count;
    size_t repaired_count; /* geometries made valid (listed in territory_repairs) */
    int srid;
    char srs_name[128]; /* e.g. "NAD83 / MTM zone 8" */
    int geographic;     /* 1 when the CRS is longitude/latitude */
} cm_territory_summary;

/* Reads the project's territories into the store's `territories` table (see
 * store.h), repairing invalid geometries and recording each repair. Fails with
 * the file and field at fault for: a missing source, a layer of points or lines,
 * no CRS and no `srs:`, a missing key or name field, an empty or duplicate key. */
cm_status cm_ingest_territories(cm_store *store, const cm_project *project,
                                cm_territory_summary *summary, cm_progress *progress,
                                cm_error *err);

/* Reads the project's optional districts (electoral ridings) into `districts`,
 * projected to the territories' CRS; call after cm_ingest_territories. Does
 * nothing when the project has none. */
cm_status cm_ingest_districts(cm_store *store, const cm_project *project,
                              cm_territory_summary *summary, cm_error *err);

/* Reads every `data:` table into table_<n> (see store.h), typing the mapped
 * columns and joining each row's key to a territory; call after
 * cm_ingest_territories. Fails naming file, line and column for a value that cannot be read, a
 * negative count, a missing mapped column or key column. progress may be NULL. */
cm_status cm_ingest_tables(cm_store *store, const cm_project *project, cm_progress *progress,
                           cm_error *err);

/* Converts text in `encoding` (NULL or "": UTF-8 when valid, else CP1252) to UTF-8.
 * Returns a malloc'd string (caller frees), NULL on failure. */
char *cm_text_to_utf8(const char *raw, const char *encoding);

#endif
