/* The working store: one SpatiaLite database per run (OUTDIR/covermap.sqlite).
 *
 * Schema (the contract between the pipeline stages, and what an analyst queries):
 *
 *   run_info(name TEXT PRIMARY KEY, value TEXT)
 *       title, as_of (ISO), horizon_months, horizon_end (ISO, first day after the
 *       horizon), coordination_cost, locale ("fr-CA"/"en-CA"), project (file name),
 *       source_line (credit line for maps and reports), territories_source, srid.
 *
 *   territories(fid INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT,
 *               key_folded TEXT, repaired INTEGER, <every source attribute>, geom)
 *       geom: MULTIPOLYGON in the source CRS (run_info.srid), spatially indexed
 *       (declared empty by the ingest, filled by cm_store_fill_spatial_index, which
 *       a run calls last, beside its outputs).
 *       Source attributes keep their names; one that collides with ours gets "src_".
 *
 *   territory_repairs(key TEXT, note TEXT)     one row per repaired geometry
 *
 *   table_<n> (n = 1.. in project order): one row per source row, with
 *       line INTEGER (line or row of the source file), source_key TEXT,
 *       territory_key TEXT NULL (the matched territory), match_status TEXT,
 *       the mapped columns under covermap's names, typed (children_0_5 REAL,
 *       families_reached REAL, children_reached REAL, coordinator_fte REAL,
 *       name TEXT, sector TEXT, funder TEXT, amount REAL, start TEXT (ISO),
 *       "end" TEXT (ISO or NULL), kind TEXT ('recurrent'/'project'),
 *       coordination INTEGER 0/1), and every unmapped column as TEXT.
 *   data_tables(n INTEGER, source TEXT, role TEXT, table_name TEXT)
 *
 *   join_report(seq INTEGER PRIMARY KEY, table_name TEXT, source_key TEXT,
 *               status TEXT, territory_key TEXT, note TEXT, line INTEGER)
 *       status: matched | normalised | unmatched | duplicate | no-data
 *       (table_name is the source file name as written in the project file).
 *
 *   gap(key TEXT NOT NULL (unique index gap_key), name TEXT, risk_level TEXT, risk_rank INTEGER,
 *       months_funded INTEGER, shortfall REAL, families_reached INTEGER,
 *       coverage_rate REAL, partners INTEGER, sectors INTEGER, risk_reasons TEXT,
 *       coordination_funded_until DATE (ISO text), funded_never_stops INTEGER,
 *       coordination_rate REAL (on as_of), children_0_5 INTEGER, children_reached INTEGER,
 *       coordinator_fte REAL, partners_per_1000_children REAL)
 *       One row per territory; NULL means no data. risk_rank: 0 no-coordination,
 *       1 at-risk, 2 fragile, 3 stable. Report order: risk_rank, shortfall DESC,
 *       families_reached DESC (NULLs last), key.
 *
 *   joined (VIEW): every territories column (geom included) + every gap column
 *       (but key/name once) + the unmapped columns of the indicator tables.
 *       A map's `value` is evaluated over this view.
 */
#ifndef COVERMAP_STORE_H
#define COVERMAP_STORE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "covermap/error.h"
#include "covermap/progress.h"

typedef struct cm_store cm_store;

/* Settings of the SQLite library for a whole process, to be made before anything
 * uses SQLite (the CLI does so first thing; later, or when refused, it changes
 * nothing): no memory statistics, which cost a global lock on every allocation. */
void cm_store_configure_sqlite(void);

/* Creates (truncating) a SpatiaLite database at path, with metadata initialised.
 * On success *out is a new store; release with cm_store_close. */
cm_status cm_store_create(const char *path, cm_store **out, cm_error *err);
/* Opens an existing store read-only (SpatiaLite loaded). */
cm_status cm_store_open_readonly(const char *path, cm_store **out, cm_error *err);
/* Opens an existing store read-only without SpatiaLite's SQL functions, for a
 * reader whose statements call none (reading geometry blobs needs none): it opens
 * in well under a millisecond where SpatiaLite takes 15-20 ms to register. */
cm_status cm_store_open_reader(const char *path, cm_store **out, cm_error *err);
/* Opens an existing store to write to it (journal off: a store is only ever
 * rebuilt, never repaired). */
cm_status cm_store_open(const char *path, cm_store **out, cm_error *err);
/* The same without SpatiaLite's SQL functions, for a writer whose statements call
 * none and touch no table with SpatiaLite's triggers (cm_store_fill_spatial_index
 * writes only the index's own tables). */
cm_status cm_store_open_plain_writer(const char *path, cm_store **out, cm_error *err);
void cm_store_close(cm_store *store);

sqlite3 *cm_store_db(cm_store *store);
const char *cm_store_path(const cm_store *store);

/* Runs one or more statements without results; errors carry sqlite3_errmsg. */
cm_status cm_store_exec(cm_store *store, const char *sql, cm_error *err);
/* Prepares one statement; *out released with sqlite3_finalize by the caller. */
cm_status cm_store_prepare(cm_store *store, const char *sql, sqlite3_stmt **out, cm_error *err);
/* Sets/gets a run_info value (get returns a malloc'd copy or NULL; caller frees). */
cm_status cm_store_set_info(cm_store *store, const char *name, const char *value, cm_error *err);
char *cm_store_get_info(cm_store *store, const char *name);
/* The same on a bare connection to a store (the report and the map preparation
 * read through one); *oom, when given, turns true if memory ran out. */
char *cm_store_info_on(sqlite3 *db, const char *name, bool *oom);

/* True when the table (or view) has the column, compared as SQLite does (no case). */
bool cm_store_has_column(cm_store *store, const char *table, const char *column);

/* SpatiaLite stamps its metadata with the wall clock; a run stamps it with its own
 * date instead (ISO date), so that the same inputs give the same bytes. */
cm_status cm_store_fix_timestamps(cm_store *store, const char *iso_date, cm_error *err);

/* A table's triggers set aside for a bulk copy: their CREATE statements, in the
 * order they were created. */
typedef struct {
    char **sql;
    size_t count;
} cm_store_triggers;

/* Drops table's triggers (SpatiaLite's geometry checks and time stamps fire once
 * per row: 45 ms of a copy of 20 000 territories) and keeps their statements in
 * *aside, which cm_store_restore_triggers or cm_store_triggers_free releases. In a
 * transaction, a rollback brings them back as well. */
cm_status cm_store_set_triggers_aside(cm_store *store, const char *table, cm_store_triggers *aside,
                                      cm_error *err);
/* Creates the triggers set aside again, in their order, and releases *aside
 * (on every path). */
cm_status cm_store_restore_triggers(cm_store *store, cm_store_triggers *aside, cm_error *err);
void cm_store_triggers_free(cm_store_triggers *aside);

/* Gives table's geom column its SpatiaLite spatial index (the R*Tree, the triggers
 * that keep it up to date, the metadata) while the table is still empty, where it
 * costs nothing; cm_store_fill_spatial_index fills it once the rows are in. Its
 * metadata is stamped with the wall clock (see cm_store_fix_timestamps). */
cm_status cm_store_declare_spatial_index(cm_store *store, const char *table, cm_error *err);
/* Fills the empty spatial index of table's geom column with the extents of its
 * rows, packed in one pass (store/rtree_pack.c) instead of SpatiaLite's insert of
 * one row at a time (0.14 s of CPU at 20 000 territories, 1.2 s at 100 000). In
 * the caller's transaction, if any. */
cm_status cm_store_fill_spatial_index(cm_store *store, const char *table, cm_error *err);

/* While set (progress not NULL), long SQL on this connection keeps the progress
 * line of its step up to date (SQLite's progress handler); NULL removes it. */
void cm_store_watch_progress(cm_store *store, cm_progress *progress);

cm_status cm_store_begin(cm_store *store, cm_error *err);
cm_status cm_store_commit(cm_store *store, cm_error *err);
void cm_store_rollback(cm_store *store);

#endif
