/* Ingest: boundaries and per-territory tables, from any OGR source, into the store. */
#ifndef COVERMAP_INGEST_H
#define COVERMAP_INGEST_H

#include <stdbool.h>
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

/* The project's boundary layer being opened (file, layer, CRS and fields checked)
 * before the store exists, on a thread of its own when asked: the run opens it
 * while it creates the store. Released by cm_ingest_opened_territories, or by
 * cm_boundaries_opening_free when the run stops before. */
typedef struct cm_boundaries_opening cm_boundaries_opening;

/* Starts opening; fails only without memory (the opening's own failure is
 * reported by cm_ingest_opened_territories). Without a thread, opens here. */
cm_status cm_boundaries_open_start(const cm_project *project, bool in_thread,
                                   cm_boundaries_opening **out, cm_error *err);
/* cm_ingest_territories on a layer opened by cm_boundaries_open_start: waits for
 * the opening, reports its failure as cm_ingest_territories would, and releases
 * it on every path. */
cm_status cm_ingest_opened_territories(cm_store *store, cm_boundaries_opening *opening,
                                       cm_territory_summary *summary, cm_progress *progress,
                                       cm_error *err);
/* Lets cm_ingest_opened_territories check the geometries on a second thread once
 * core_is_free(context) answers true (asked between batches of features, from the
 * ingesting thread): the run passes "the tables have been read", when the core
 * that read them is free. The rows stored are the same either way. */
void cm_boundaries_share_core(cm_boundaries_opening *opening,
                              bool (*core_is_free)(const void *context), const void *context);
/* Waits for the opening and releases it; NULL is fine. */
void cm_boundaries_opening_free(cm_boundaries_opening *opening);

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

/* The `data:` tables read and checked but not yet stored (see cm_tables_read_start). */
typedef struct cm_table_read cm_table_read;

/* Starts reading every `data:` table of project: the OGR read and the parsing and
 * checking of every value, which need no store. With in_thread (and a thread that
 * starts) this runs on another core at once, e.g. while the boundaries are stored;
 * otherwise cm_ingest_read_tables does it. The thread never touches a store. A
 * table's error is kept for cm_ingest_read_tables, so that an earlier failure (the
 * boundaries') is the one reported. project must outlive *out, which the caller frees
 * with cm_tables_read_free on every path. Fails only for lack of memory. */
cm_status cm_tables_read_start(const cm_project *project, bool in_thread, cm_table_read **out,
                               cm_error *err);

/* Waits for the reading, then stores the rows as cm_ingest_tables does, releasing each
 * table's rows once stored: same tables, same first error (file, line, column) as
 * cm_ingest_tables. Call after cm_ingest_territories; progress may be NULL. */
cm_status cm_ingest_read_tables(cm_store *store, cm_table_read *read, cm_progress *progress,
                                cm_error *err);

/* Stops and waits for the reading thread, if any, and frees read. NULL is fine. */
void cm_tables_read_free(cm_table_read *read);

/* True once the reading thread has finished, or when there was nothing to read;
 * false while it reads, and without a thread. Any thread may ask. */
bool cm_tables_read_finished(const cm_table_read *read);

/* Converts text in `encoding` (NULL or "": UTF-8 when valid, else CP1252) to UTF-8.
 * Returns a malloc'd string (caller frees), NULL on failure. */
char *cm_text_to_utf8(const char *raw, const char *encoding);

/* True when `encoding` names UTF-8 ("UTF-8" or "UTF8", any case). */
bool cm_encoding_is_utf8(const char *encoding);

#endif
